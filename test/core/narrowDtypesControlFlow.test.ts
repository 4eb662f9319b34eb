import { describe, expect, it } from "vitest";
import * as np from "../../src/numpy/index.js";
import * as lax from "../../src/lax.js";
import { jit } from "../../src/transforms/jit.js";

describe("narrow dtypes inside control flow under jit", () => {
  it("scan with an int8 carry and float16 xs", () => {
    const f = jit((c: np.Array, xs: np.Array) =>
      lax.scan((a: np.Array, x: np.Array) => [np.add(a, lax.convertElementType(x, "int8")), np.multiply(x, 2)], c, xs),
    );
    const [c, ys] = f(np.array(120, { dtype: "int8" }), np.array([1, 2, 3.5], { dtype: "float16" })) as [np.Array, np.Array];
    expect(c.dtype).toBe("int8");
    expect(c.item()).toBe(((120 + 1 + 2 + 3 + 128) % 256) - 128);
    expect(ys.dtype).toBe("float16");
    expect(Array.from(ys.dataSync())).toEqual([2, 4, 7]);
  });
  it("cond and whileLoop over uint8", () => {
    const g = jit((x: np.Array) => lax.whileLoop((v: np.Array) => np.less(v, 250), (v: np.Array) => np.add(v, 7), x));
    expect(g(np.array(3, { dtype: "uint8" })).item()).toBe(255);
    const h = jit((p: np.Array, x: np.Array) => lax.cond(p, (v: np.Array) => np.add(v, 200), (v: np.Array) => v, x));
    expect(h(np.array(true), np.array([100], { dtype: "uint8" })).tolist()).toEqual([44]);
  });
});
