/**
 * Printing: `String(x)` is JAX's repr, character for character, against golden strings from
 * real JAX (test/golden/gen_printing.py); tracers print as JAX's do; Node's console.log shows
 * the same text.
 */
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { type DType, typedArrayFor } from "../../ir/dtype.js";
import { arrayRepr, arrayStr } from "../../src/core/format.js";
import { grad, jit, jvp, makeJaxpr, numpy as np, vmap } from "../../src/index.js";
import { type EncNum, decNum } from "../goldenTree.js";

type A = np.Array;

interface PrintCase {
  name: string;
  dtype: string;
  shape: number[];
  weak: boolean;
  data: (EncNum | boolean)[];
  repr: string;
  str: string;
}
const golden = JSON.parse(readFileSync(new URL("../golden/printing.json", import.meta.url), "utf8")) as {
  cases: PrintCase[];
  tracers: { name: string; repr: string }[];
};

const flatData = (c: PrintCase) => {
  const d = typedArrayFor(c.dtype as DType, c.data.length);
  c.data.forEach((v, i) => (d[i] = typeof v === "boolean" ? Number(v) : decNum(v)));
  return d;
};

describe("repr matches JAX's, character for character", () => {
  it.each(golden.cases)("$name", (c) => {
    const aval = new ShapedArray(c.shape, c.dtype as DType, c.weak);
    expect(arrayRepr(aval, flatData(c))).toBe(c.repr);
  });

  it.each(golden.cases)("str of $name (as tracers show primals)", (c) => {
    const aval = new ShapedArray(c.shape, c.dtype as DType, c.weak);
    expect(arrayStr(aval, flatData(c))).toBe(c.str);
  });

  it("String(x), x.toString(), template literals and console.log all print the repr", () => {
    const x = np.array([NaN, Infinity, 1.5]);
    const repr = "Array([nan, inf, 1.5], dtype=float32)";
    expect(String(x)).toBe(repr);
    expect(x.toString()).toBe(repr);
    expect(`${x}`).toBe(repr);
    // console.log goes through util.inspect, which uses the inspect.custom symbol.
    expect(inspect(x)).toBe(repr);
    expect(inspect({ w: np.arange(3) })).toBe("{ w: Array([0, 1, 2], dtype=int32) }");
    expect(String(np.array(1))).toBe("Array(1., dtype=float32)");
  });

  it("a JS number through jit prints as JAX's Python float does (weak float32)", () => {
    expect(String(jit((x: A | number) => x)(3))).toBe("Array(3., dtype=float32, weak_type=True)");
  });

  it("float32 values print with float32 digits that read back exactly, or rounded at NumPy's 8 digits (property)", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = arrayRepr(new ShapedArray([], "float32"), new Float32Array([v]));
        const m = /^Array\((-?\d+\.(\d*)(?:e([-+]\d+))?), dtype=float32\)$/.exec(s);
        expect(m, s).not.toBeNull();
        const [, text, frac, exp] = m!;
        const back = Number(text!.replace(".e", "e"));
        if (Math.fround(back) === v) return;
        // Otherwise the shortest digits were longer than NumPy's precision (8 digits after
        // the point) and the value was rounded there.
        const unit = exp === undefined ? 1e-8 : 1e-8 * 10 ** Number(exp);
        expect(frac!.length, s).toBeLessThanOrEqual(8);
        expect(Math.abs(back - v), s).toBeLessThanOrEqual(unit / 2 + Math.abs(v) * 2 ** -40);
      }),
      { numRuns: 300 },
    );
  });
});

describe("tracers print as JAX's do", () => {
  const ones3 = np.ones([3]);
  const runs: Record<string, (show: (x: A) => A) => unknown> = {
    jit: (show) => jit(show)(ones3),
    "jit weak scalar": (show) => jit(show as (x: A | number) => A)(1.0),
    makeJaxpr: (show) => makeJaxpr(show)(np.ones([2, 3])),
    grad: (show) => grad((x: A) => show(x).sum())(ones3),
    jvp: (show) => jvp(show, [ones3], [ones3]),
    "jvp 2-d": (show) => jvp(show, [np.arange(6).astype("float32").reshape([2, 3])], [np.ones([2, 3])]),
    "jvp scalar": (show) => jvp(show, [np.array(2.5)], [np.array(1.0)]),
    vmap: (show) => vmap(show)(np.ones([2, 3])),
    "vmap int": (show) => vmap(show)(np.arange(3)),
    "vmap inAxes 1": (show) => vmap(show, { inAxes: 1 })(np.ones([2, 3])),
    "jit(grad)": (show) => jit(grad((x: A) => show(x).sum()))(ones3),
    "grad(grad)": (show) => grad(grad((x: A) => show(x).mul(x)))(2.0),
    "vmap(jvp)": (show) => vmap((x: A) => jvp(show, [x], [x]))(np.ones([2, 3])),
  };
  it.each(golden.tracers)("$name: $repr", ({ name, repr }) => {
    const seen: string[] = [];
    runs[name]!((x) => {
      seen.push(String(x));
      expect(inspect(x)).toBe(String(x));
      return x;
    });
    expect(seen[0]).toBe(repr);
  });
});
