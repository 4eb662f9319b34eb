import { it } from "vitest";
import { exportFn, deserialize, numpy as np, lax, jit } from "../../src/index.js";
it("scratch", () => {
  const w = np.array([[1, 2], [3, 4]]);
  const f = (x: np.Array, d: { a: np.Array }) => ({ y: np.tanh(np.matmul(x, w)), s: lax.scan((c: np.Array, xi: np.Array) => [np.add(c, xi), np.multiply(c, 2)], np.zeros([2]), d.a) });
  const e = exportFn(f)({ shape: [3, 2], dtype: "float32" }, { a: { shape: [4, 2], dtype: "float32" } });
  console.log(e.toText());
  const b = e.serialize();
  console.log(b.length);
  const e2 = deserialize(b);
  const x = np.ones([3, 2]);
  const a = np.arange(8).reshape([4, 2]).astype("float32");
  console.log(String(e.call(x, { a }).y), String(e2.call(x, { a }).s[1]), String(jit(f)(x, { a }).s[1]));
  const sw = e.toWasm();
  console.log(sw.wasm.length, sw.wasmRelaxed?.length, sw.js.slice(0, 400), sw.dts);
});
