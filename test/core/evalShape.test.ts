/** `evalShape` and `makeJaxpr` with `{shape, dtype}` specs in place of arrays (JAX's ShapeDtypeStruct). */
import { describe, expect, it } from "vitest";
import { evalShape, makeJaxpr, numpy as np } from "../../src/index.js";

type Arr = np.Array;

describe("evalShape with {shape, dtype} specs", () => {
  it("takes specs in place of arrays, alone or mixed with arrays and numbers", () => {
    const f = (x: Arr, y: Arr) => np.matmul(x, y);
    expect(evalShape(f)({ shape: [2, 3], dtype: "float32" }, { shape: [3, 5], dtype: "float32" })).toEqual({ shape: [2, 5], dtype: "float32" });
    expect(evalShape(f)(np.zeros([4, 3]), { shape: [3], dtype: "float32" })).toEqual({ shape: [4], dtype: "float32" });
    // A JS number argument is a weak float32 scalar (API.md), so int32 * 2 promotes to float32, as x * 2.0 does in JAX.
    expect(evalShape((x: Arr, s: number) => np.multiply(x, s))({ shape: [2], dtype: "int32" }, 2)).toEqual({ shape: [2], dtype: "float32" });
  });

  it("takes pytrees of specs, and specs nested in the arguments' trees", () => {
    const params = { w: { shape: [3, 4], dtype: "float32" }, b: { shape: [4], dtype: "float32" } };
    const apply = (p: { w: Arr; b: Arr }, xs: Arr[]) => xs.map((x) => np.add(np.matmul(x, p.w), p.b));
    expect(evalShape(apply)(params, [{ shape: [7, 3], dtype: "float32" }, np.ones([3])])).toEqual([
      { shape: [7, 4], dtype: "float32" },
      { shape: [4], dtype: "float32" },
    ]);
  });

  it("the output is itself a valid spec tree (evalShape of evalShape's output)", () => {
    const out = evalShape((x: Arr) => [np.sum(x, 0), x.astype("int32")])({ shape: [2, 3], dtype: "float32" });
    expect(evalShape((a: Arr, b: Arr) => np.add(a, b.astype("float32")))(...(out as [Arr, Arr]))).toEqual({ shape: [2, 3], dtype: "float32" });
  });

  it("makeJaxpr takes specs too", () => {
    expect(makeJaxpr((x: Arr) => np.sin(x))({ shape: [3], dtype: "float32" }).toString()).toContain("a:f32[3]");
  });

  it("a spec with an unknown dtype or a bad shape is an error naming the function and the leaf", () => {
    expect(() => evalShape((x: Arr) => x)({ shape: [2], dtype: "f32" })).toThrow('evalShape: leaf 0 of the arguments is a {shape, dtype} spec with unknown dtype "f32"');
    expect(() => evalShape((x: Arr, y: Arr) => y)(np.ones([1]), { shape: [2.5], dtype: "float32" })).toThrow(
      "evalShape: leaf 1 of the arguments is a {shape, dtype} spec whose shape [2.5] is not a list of non-negative integers",
    );
  });
});
