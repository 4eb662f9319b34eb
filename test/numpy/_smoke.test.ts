import { test } from "vitest";
import * as np from "../../src/numpy/index.js";
test("smoke", () => {
  const x = np.arange(24).reshape([2, 3, 4]);
  console.log(JSON.stringify(x.slice(1, [null, null, -1], [1, 3]).tolist()));
  console.log(JSON.stringify(x.slice(np.array([1, 0], { dtype: "int32" }), null, [0, 2], -1).tolist()));
  console.log(JSON.stringify(x.slice(np.array([1, 0], { dtype: "int32" }), [null], np.array([3, 3], { dtype: "int32" })).tolist()));
  console.log(JSON.stringify(np.arange(5).at(np.array([0, 0, 7], { dtype: "int32" })).add(10).tolist()));
  console.log(JSON.stringify(np.arange(5).at([1, null, 2]).set(-1).tolist()));
  console.log(JSON.stringify(np.pad(np.arange(3), [7, 8], { mode: "reflect" }).tolist()));
  console.log(JSON.stringify(np.roll(np.arange(5), np.array(2, { dtype: "int32" })).tolist()));
  console.log(JSON.stringify(np.take(np.arange(3).astype("float32"), np.array([5, -1], { dtype: "int32" })).tolist()));
  console.log(JSON.stringify(np.repeat(np.arange(3), [1, 0, 3]).tolist()));
  console.log(JSON.stringify(np.takeAlongAxis(x, np.array([[[0, 3]]], { dtype: "int32" }), 2).tolist()));
});
