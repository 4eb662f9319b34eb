/** numpy reductions, scans and closeness tests against plain-JS models. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConcretizationTypeError, ValueError } from "../../src/errors.js";
import * as np from "../../src/numpy/index.js";
import { checkGrads } from "../../src/testing/checkGrads.js";
import { jit } from "../../src/transforms/jit.js";
import { makeJaxpr } from "../../src/transforms/makeJaxpr.js";

// --- models ---------------------------------------------------------------------------------

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}

interface Flat {
  shape: number[];
  data: number[];
}

/** Groups the elements of `data` by their kept coordinates, each group in row-major order. */
function groups(data: readonly number[], shape: readonly number[], axes: readonly number[]): { outShape: number[]; groups: number[][] } {
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outShape = kept.map((d) => shape[d]!);
  const outStrides = stridesOf(outShape);
  const inStrides = stridesOf(shape);
  const gs: number[][] = Array.from({ length: sizeOf(outShape) }, () => []);
  for (let f = 0; f < data.length; f++) {
    let o = 0;
    kept.forEach((d, j) => (o += (Math.floor(f / inStrides[d]!) % shape[d]!) * outStrides[j]!));
    gs[o]!.push(data[f]!);
  }
  return { outShape, groups: gs };
}

function reduceModel(x: Flat, axes: readonly number[], f: (vals: number[]) => number, keepdims = false): Flat {
  const { outShape, groups: gs } = groups(x.data, x.shape, axes);
  return { shape: keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : outShape, data: gs.map(f) };
}

const jsSum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const jsProd = (v: number[]) => v.reduce((a, b) => a * b, 1);
const jsMax = (v: number[]) => v.reduce((a, b) => Math.max(a, b), -Infinity);
const jsMin = (v: number[]) => v.reduce((a, b) => Math.min(a, b), Infinity);
const jsMean = (v: number[]) => jsSum(v) / v.length;
const jsVar = (ddof: number) => (v: number[]) => {
  const m = jsMean(v);
  // JAX: no degrees of freedom left gives NaN.
  return v.length - ddof <= 0 ? NaN : jsSum(v.map((x) => (x - m) * (x - m))) / (v.length - ddof);
};
const jsLse = (v: number[]) => {
  const m = jsMax(v);
  const shift = Number.isFinite(m) ? m : 0;
  return Math.log(jsSum(v.map((x) => Math.exp(x - shift)))) + shift;
};
const firstIndex = (better: (a: number, b: number) => boolean) => (v: number[]) => {
  let k = 0;
  for (let i = 1; i < v.length && !Number.isNaN(v[k]!); i++) if (Number.isNaN(v[i]!) || better(v[i]!, v[k]!)) k = i;
  return k;
};

function close(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

function expectClose(x: np.Array, want: Flat, rtol = 1e-12, atol = 1e-12): void {
  expect([...x.shape]).toEqual(want.shape);
  const got = Array.from(x.dataSync(), Number);
  expect(got.length).toBe(want.data.length);
  got.forEach((g, i) => {
    if (!close(g, want.data[i]!, rtol, atol)) expect.fail(`element ${i}: got ${g}, want ${want.data[i]} (all: ${got} vs ${want.data})`);
  });
}

const f64 = (x: Flat) => np.array(Float64Array.from(x.data), { shape: x.shape });

/** Float64 arrays of rank <= 4 with small dims (zero included) and values in [-4, 4]. */
const flatArb = (minDim = 0, maxRank = 4): fc.Arbitrary<Flat> =>
  fc
    .array(fc.integer({ min: minDim, max: 3 }), { maxLength: maxRank })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        data: fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: sizeOf(shape), maxLength: sizeOf(shape) }),
      }),
    );

/** Every subset of the axes of a rank-`n` array. */
const subsets = (n: number): number[][] =>
  Array.from({ length: 1 << n }, (_, m) => Array.from({ length: n }, (_, i) => i).filter((i) => m & (1 << i)));

// --- property tests over shapes and all axis subsets -----------------------------------------------

describe("reductions match JS models over all axis subsets", () => {
  it("sum, prod, mean, var, std, logsumexp, all, any, with and without keepdims", () => {
    fc.assert(
      fc.property(flatArb(), fc.boolean(), (x, negative) => {
        const a = f64(x);
        for (const axes of subsets(x.shape.length)) {
          // Pass the axes as given, as negative numbers, or (for all of them) as null.
          const axisArg: number | number[] | null =
            axes.length === x.shape.length && !negative ? null : axes.length === 1 ? axes[0]! - (negative ? x.shape.length : 0) : axes.map((d) => (negative ? d - x.shape.length : d));
          for (const keepdims of [false, true]) {
            expectClose(np.sum(a, axisArg, { keepdims }), reduceModel(x, axes, jsSum, keepdims));
            expectClose(np.prod(a, axisArg, { keepdims }), reduceModel(x, axes, jsProd, keepdims));
            expectClose(np.mean(a, axisArg, { keepdims }), reduceModel(x, axes, jsMean, keepdims));
            expectClose(np.var(a, axisArg, { keepdims }), reduceModel(x, axes, jsVar(0), keepdims), 1e-9, 1e-12);
            expectClose(np.var(a, axisArg, { keepdims, ddof: 1 }), reduceModel(x, axes, jsVar(1), keepdims), 1e-9, 1e-12);
            expectClose(np.std(a, axisArg, { keepdims }), reduceModel(x, axes, (v) => Math.sqrt(jsVar(0)(v)), keepdims), 1e-9, 1e-9);
            expectClose(np.logsumexp(a, axisArg, { keepdims }), reduceModel(x, axes, jsLse, keepdims), 1e-12, 1e-12);
            expectClose(np.all(a, axisArg, { keepdims }), reduceModel(x, axes, (v) => (v.every((t) => t !== 0) ? 1 : 0), keepdims));
            expectClose(np.any(a, axisArg, { keepdims }), reduceModel(x, axes, (v) => (v.some((t) => t !== 0) ? 1 : 0), keepdims));
            const empty = axes.some((d) => x.shape[d] === 0);
            if (empty) {
              expect(() => np.max(a, axisArg, { keepdims })).toThrow(ValueError);
              expect(() => np.min(a, axisArg, { keepdims })).toThrow(ValueError);
            } else {
              expectClose(np.max(a, axisArg, { keepdims }), reduceModel(x, axes, jsMax, keepdims));
              expectClose(np.min(a, axisArg, { keepdims }), reduceModel(x, axes, jsMin, keepdims));
            }
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it("argmax and argmin along each axis and flattened", () => {
    fc.assert(
      fc.property(flatArb(1), fc.boolean(), (x, keepdims) => {
        // Repeated values make ties likely: argmax must take the first.
        const rounded = { shape: x.shape, data: x.data.map((v) => Math.round(v)) };
        const a = f64(rounded);
        const flatWant = (f: (v: number[]) => number) => ({ shape: keepdims ? x.shape.map(() => 1) : [], data: [f(rounded.data)] });
        expectClose(np.argmax(a, null, { keepdims }), flatWant(firstIndex((p, q) => p > q)));
        expectClose(np.argmin(a, null, { keepdims }), flatWant(firstIndex((p, q) => p < q)));
        for (let ax = 0; ax < x.shape.length; ax++) {
          const r = np.argmax(a, ax - (keepdims ? x.shape.length : 0), { keepdims });
          expect(r.dtype).toBe("int32");
          expectClose(r, reduceModel(rounded, [ax], firstIndex((p, q) => p > q), keepdims));
          expectClose(np.argmin(a, ax, { keepdims }), reduceModel(rounded, [ax], firstIndex((p, q) => p < q), keepdims));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("cumsum and cumprod along each axis and flattened", () => {
    const scan = (x: Flat, axis: number, f: (a: number, b: number) => number): Flat => {
      const st = stridesOf(x.shape);
      const out = [...x.data];
      for (let i = 0; i < out.length; i++) {
        const k = Math.floor(i / st[axis]!) % x.shape[axis]!;
        if (k > 0) out[i] = f(out[i - st[axis]!]!, x.data[i]!);
      }
      return { shape: x.shape, data: out };
    };
    fc.assert(
      fc.property(flatArb(), (x) => {
        const a = f64(x);
        const flat = { shape: [x.data.length], data: x.data };
        expectClose(np.cumsum(a), scan(flat, 0, (p, q) => p + q));
        expectClose(np.cumprod(a, null), scan(flat, 0, (p, q) => p * q));
        for (let ax = 0; ax < x.shape.length; ax++) {
          expectClose(np.cumsum(a, ax), scan(x, ax, (p, q) => p + q));
          expectClose(np.cumprod(a, ax - x.shape.length), scan(x, ax, (p, q) => p * q));
        }
      }),
      { numRuns: 40 },
    );
  });
});

// --- dtypes --------------------------------------------------------------------------------------

describe("reduction dtypes follow jax.numpy", () => {
  const i32 = np.array(Int32Array.from([1, -2, 3, 4, 5, -6]), { shape: [2, 3] });
  const b = np.array([
    [true, false, true],
    [true, true, true],
  ]);

  it("sum and prod of bool give int32; of int32 stay int32 (wrapping)", () => {
    const s = np.sum(b);
    expect(s.dtype).toBe("int32");
    expect(s.item()).toBe(5);
    expect(np.sum(b, 0).tolist()).toEqual([2, 1, 2]);
    expect(np.prod(b, 1).tolist()).toEqual([0, 1]);
    expect(np.prod(b).dtype).toBe("int32");
    expect(np.sum(i32, 1).tolist()).toEqual([2, 3]);
    expect(np.sum(i32).dtype).toBe("int32");
    expect(np.prod(i32).item()).toBe(720);
    const big = np.array(Int32Array.from([0x7fffffff, 1]));
    expect(np.sum(big).item()).toBe(-0x80000000);
    const u = np.array(Uint32Array.from([1, 2]));
    expect(np.sum(u).dtype).toBe("uint32");
  });

  it("dtype option", () => {
    const s = np.sum(i32, null, { dtype: "float32" });
    expect(s.dtype).toBe("float32");
    expect(s.item()).toBe(5);
    expect(np.sum(b, 1, { dtype: "bool" }).tolist()).toEqual([true, true]);
    expect(np.sum(i32, null, { dtype: "int8" }).dtype).toBe("int8");
    expect(np.sum(i32, null, { dtype: "int8" }).item()).toBe(5);
    expect(() => np.sum(i32, null, { dtype: "int16" as never })).toThrow(TypeError);
  });

  it("max/min keep the dtype; bool max is bool", () => {
    expect(np.max(i32).dtype).toBe("int32");
    expect(np.max(i32).item()).toBe(5);
    expect(np.min(i32, 0).tolist()).toEqual([1, -2, -6]);
    expect(np.max(b, 1).dtype).toBe("bool");
    expect(np.min(b, 1).tolist()).toEqual([false, true]);
  });

  it("mean and var of ints and bools are float32", () => {
    expect(np.mean(i32).dtype).toBe("float32");
    expect(np.mean(i32, 0).tolist()).toEqual([2.5, 1.5, -1.5]);
    expect(np.mean(b).dtype).toBe("float32");
    expect(np.var(i32, 0).dtype).toBe("float32");
    expect(np.std(i32, 0).tolist()).toEqual([1.5, 3.5, 4.5]);
    expect(np.mean(i32, null, { dtype: "float64" }).dtype).toBe("float64");
    const f64a = np.array([1, 2, 3, 4], { dtype: "float64" });
    expect(np.mean(f64a).dtype).toBe("float64");
  });

  it("results of reductions of JS numbers are strongly typed", () => {
    const s = np.sum(3);
    expect(s.dtype).toBe("int32");
    expect(s.weakType).toBe(false);
    expect(np.mean(3).dtype).toBe("float32");
    expect(np.max(2.5).weakType).toBe(false);
  });

  it("all/any give bool; argmax gives int32", () => {
    expect(np.all(i32).dtype).toBe("bool");
    expect(np.any(np.array([0, 0, 0]), 0).item()).toBe(false);
    expect(np.all(np.array([1, NaN])).item()).toBe(true);
    expect(np.argmax(i32).dtype).toBe("int32");
    expect(np.argmax(i32).item()).toBe(4);
    expect(np.argmin(i32, 1).tolist()).toEqual([1, 2]);
    expect(np.argmax(b, 1).tolist()).toEqual([0, 0]);
  });

  it("cumsum/cumprod: bool scans as int32, int32 stays int32, 0-d becomes 1-d", () => {
    const c = np.cumsum(b, 1);
    expect(c.dtype).toBe("int32");
    expect(c.tolist()).toEqual([
      [1, 1, 2],
      [1, 2, 3],
    ]);
    expect(np.cumprod(i32).tolist()).toEqual([1, -2, -6, -24, -120, 720]);
    expect(np.cumsum(i32, 0).dtype).toBe("int32");
    expect(np.cumsum(np.array(5)).shape).toEqual([1]);
    expect(np.cumsum(i32, 1, { dtype: "float32" }).dtype).toBe("float32");
  });
});

// --- special values and empty arrays ------------------------------------------------------------

describe("NaN, infinities and empty arrays", () => {
  const f = (data: number[], shape?: number[]) => np.array(Float64Array.from(data), { shape: shape ?? [data.length] });

  it("NaN propagates through sum, max, min, mean; argmax finds the first NaN", () => {
    const x = f([1, NaN, 3, NaN]);
    for (const r of [np.sum(x), np.max(x), np.min(x), np.mean(x), np.var(x)]) expect(r.item()).toBeNaN();
    expect(np.argmax(x).item()).toBe(1);
    expect(np.argmin(x).item()).toBe(1);
  });

  it("empty reductions: identities, NaN means, errors for max/min/argmax", () => {
    const e = f([], [0, 3]);
    expect(np.sum(e).item()).toBe(0);
    expect(np.prod(e).item()).toBe(1);
    expect(np.sum(e, 0).tolist()).toEqual([0, 0, 0]);
    expect(np.max(e, 1).shape).toEqual([0]);
    expect(np.mean(e).item()).toBeNaN();
    expect(np.all(e).item()).toBe(true);
    expect(np.any(e).item()).toBe(false);
    expect(np.logsumexp(e).item()).toBe(-Infinity);
    expect(() => np.max(e)).toThrow(/zero-size array to reduction operation max which has no identity/);
    expect(() => np.min(e, 0)).toThrow(/zero-size array to reduction operation min which has no identity.*\(0, 3\)/);
    expect(() => np.max(e, 0)).toThrow(ValueError);
    expect(np.max(e, 0, { initial: -5 }).tolist()).toEqual([-5, -5, -5]);
    expect(() => np.argmax(e, 0)).toThrow(/argmax.*empty sequence/);
    expect(() => np.argmin(e)).toThrow(ValueError);
    expect(np.argmax(e, 1).shape).toEqual([0]);
    expect(np.cumsum(e, 0).shape).toEqual([0, 3]);
  });

  it("var with ddof >= n is NaN, as in JAX", () => {
    expect(np.var(f([3]), null, { ddof: 1 }).item()).toBeNaN();
    expect(np.var(f([1, 3]), null, { ddof: 2 }).item()).toBeNaN(); // JAX 0.10.2 gives nan (checked)
    expect(np.var(f([1, 3]), null, { correction: 1 }).item()).toBe(2);
  });

  it("logsumexp is stable and handles infinities", () => {
    expect(np.logsumexp(f([1000, 1000])).item()).toBeCloseTo(1000 + Math.LN2, 10);
    expect(np.logsumexp(f([-1000, -1000])).item()).toBeCloseTo(-1000 + Math.LN2, 10);
    expect(np.logsumexp(f([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(np.logsumexp(f([Infinity, 1])).item()).toBe(Infinity);
    expect(np.logsumexp(f([Infinity, -Infinity])).item()).toBe(Infinity);
    expect(np.logsumexp(f([NaN, 1])).item()).toBeNaN();
    const rows = np.logsumexp(f([-Infinity, -Infinity, 0, 0], [2, 2]), 1);
    expect(rows.tolist()).toEqual([-Infinity, Math.LN2]);
    expect(np.logsumexp(f([0, 0], [2, 1]), 1, { keepdims: true }).shape).toEqual([2, 1]);
    expect(np.logsumexp(np.array([1, 2], { dtype: "int32" })).dtype).toBe("float32");
  });

  it("logsumexp with weights b", () => {
    const x = f([1, 2, 3]);
    const want = Math.log(2 * Math.exp(1) + 0 * Math.exp(2) + 0.5 * Math.exp(3));
    expect(np.logsumexp(x, null, { b: f([2, 0, 0.5]) }).item()).toBeCloseTo(want, 12);
    expect(np.logsumexp(x, null, { b: f([1, -5, 0]) }).item()).toBeNaN();
    expect(np.logsumexp(x, null, { b: 2 }).item()).toBeCloseTo(Math.log(2) + (np.logsumexp(x).item() as number), 12);
  });
});

// --- options and errors -------------------------------------------------------------------------

describe("options and errors", () => {
  const x = np.array(Float64Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });

  it("bad axes are ValueErrors naming the function", () => {
    expect(() => np.sum(x, 2)).toThrow(ValueError);
    expect(() => np.sum(x, 2)).toThrow(/sum.*axis 2 is out of bounds for an array of dimension 2/);
    expect(() => np.mean(x, -3)).toThrow(/mean/);
    expect(() => np.max(x, [0, -2])).toThrow(/max: repeated axis/);
    expect(() => np.argmax(x, 2)).toThrow(/argmax/);
    expect(() => np.argmax(x, [0] as never)).toThrow(TypeError);
    expect(() => np.cumsum(x, 2)).toThrow(/cumsum/);
    expect(() => np.sum(x, 0.5)).toThrow(TypeError);
    expect(() => np.sum("abc" as never)).toThrow(TypeError);
  });

  it("where and initial", () => {
    const mask = np.array([true, false, true]);
    expect(np.sum(x, 1, { where: mask }).tolist()).toEqual([4, 10]);
    expect(np.prod(x, null, { where: mask }).item()).toBe(1 * 3 * 4 * 6);
    expect(np.max(x, 1, { where: mask, initial: 0 }).tolist()).toEqual([3, 6]);
    expect(() => np.max(x, 1, { where: mask })).toThrow(/where/);
    expect(np.sum(x, null, { initial: 10 }).item()).toBe(31);
    expect(np.mean(x, 1, { where: mask }).tolist()).toEqual([2, 5]);
    expect(np.all(x, 0, { where: np.array([false, true, true]) }).tolist()).toEqual([true, true, true]);
    expect(() => np.sum(x, 1, { where: np.array([true, false]) })).toThrow(ValueError);
  });

  it("amax, amin, ptp, countNonzero, average", () => {
    expect(np.amax(x, 0).tolist()).toEqual([4, 5, 6]);
    expect(np.amin(x).item()).toBe(1);
    expect(np.ptp(x, 1).tolist()).toEqual([2, 2]);
    expect(np.ptp(x, null, { keepdims: true }).shape).toEqual([1, 1]);
    const c = np.countNonzero(np.array([[0, 1, 2], [0, 0, 3]]), 1);
    expect(c.dtype).toBe("int32");
    expect(c.tolist()).toEqual([2, 1]);
    expect(np.average(x).item()).toBe(3.5);
    expect(np.average(x, 1, { weights: np.array([1, 0, 1], { dtype: "float64" }) }).tolist()).toEqual([2, 5]);
    expect(np.average(x, null, { weights: x }).item()).toBeCloseTo(91 / 21, 12);
    expect(() => np.average(x, null, { weights: np.array([1, 2, 3]) })).toThrow(/average/);
    expect(() => np.average(x, 0, { weights: np.array([1, 2, 3]) })).toThrow(/average/);
  });

  it("array methods call these functions", () => {
    expect(x.sum(0).tolist()).toEqual([5, 7, 9]);
    expect(x.mean().item()).toBe(3.5);
    expect(x.max(1, { keepdims: true }).tolist()).toEqual([[3], [6]]);
    expect(x.min().item()).toBe(1);
    expect(x.prod(1).tolist()).toEqual([6, 120]);
    expect(x.argmax().item()).toBe(5);
    expect(x.argmin(1).tolist()).toEqual([0, 0]);
  });

  it("reductions trace into the expected primitives", () => {
    const text = makeJaxpr((a: np.Array) => np.sum(np.mean(a, 0, { keepdims: true }), [0, 1]))(x).toString();
    expect(text).toContain("reduce_sum");
    const am = makeJaxpr((a: np.Array) => np.argmax(a, 1))(x).toString();
    expect(am).toContain("argmax");
    const srt = makeJaxpr((a: np.Array) => np.cumsum(a, 0))(x).toString();
    expect(srt).toContain("cumsum");
  });
});

// --- closeness ------------------------------------------------------------------------------------

describe("isclose, allclose, arrayEqual", () => {
  const f = (data: number[]) => np.array(Float64Array.from(data));

  it("isclose matches numpy's rule, infinities and NaN included", () => {
    const a = f([1, 1, Infinity, Infinity, -Infinity, NaN, NaN, 1e10, 0]);
    const b = f([1 + 1e-6, 1.1, Infinity, -Infinity, -Infinity, NaN, 1, 1.00001e10, 1e-9]);
    expect(np.isclose(a, b).tolist()).toEqual([true, false, true, false, true, false, false, true, true]);
    expect(np.isclose(a, b, { equalNan: true }).tolist()).toEqual([true, false, true, false, true, true, false, true, true]);
    expect(np.isclose(a, b, { rtol: 0, atol: 0 }).tolist()).toEqual([false, false, true, false, true, false, false, false, false]);
    expect(np.isclose(a, b).dtype).toBe("bool");
  });

  it("isclose broadcasts and compares ints exactly", () => {
    const i = np.array(Int32Array.from([1, 2, 3]));
    expect(np.isclose(i, 2).tolist()).toEqual([false, true, false]);
    expect(np.isclose(f([1, 2]), f([1])).tolist()).toEqual([true, false]);
    expect(() => np.isclose(f([1, 2]), f([1, 2, 3]))).toThrow(ValueError);
  });

  it("allclose and arrayEqual return JS booleans", () => {
    expect(np.allclose(f([1, 2]), f([1, 2 + 1e-7]))).toBe(true);
    expect(np.allclose(f([1, 2]), f([1, 2.1]))).toBe(false);
    expect(np.allclose(f([1, NaN]), f([1, NaN]))).toBe(false);
    expect(np.allclose(f([1, NaN]), f([1, NaN]), { equalNan: true })).toBe(true);
    expect(np.allclose(f([1, 2]), f([1.05, 2.1]), { rtol: 0.1 })).toBe(true);
    expect(np.arrayEqual(f([1, 2]), f([1, 2]))).toBe(true);
    expect(np.arrayEqual(f([1, 2]), f([1, 2, 3]))).toBe(false);
    expect(np.arrayEqual(f([1, NaN]), f([1, NaN]))).toBe(false);
    expect(np.arrayEqual(f([1, NaN]), f([1, NaN]), { equalNan: true })).toBe(true);
    expect(np.arrayEqual(np.array(Int32Array.from([1, 2])), f([1, 2]))).toBe(true);
  });

  it("allclose on a tracer is a ConcretizationTypeError", () => {
    expect(() => makeJaxpr((a: np.Array) => (np.allclose(a, a) ? a : a))(f([1, 2]))).toThrow(ConcretizationTypeError);
  });
});

// --- transforms -----------------------------------------------------------------------------------

describe("reductions differentiate and jit", () => {
  const x = np.array(Float64Array.from([0.3, -1.2, 2.1, 0.7, 1.5, -0.4]), { shape: [2, 3] });
  const w = np.array(Float64Array.from([0.5, 1.1, 0.9, 0.2, 0.4, 1.3]), { shape: [2, 3] });
  const cases: [string, (...a: np.Array[]) => np.Array, np.Array[]][] = [
    ["sum", (a) => np.sum(a, 1), [x]],
    ["mean keepdims", (a) => np.mean(a, 0, { keepdims: true }), [x]],
    ["var ddof", (a) => np.var(a, 1, { ddof: 1 }), [x]],
    ["std", (a) => np.std(a), [x]],
    ["max", (a) => np.max(a, 0), [x]],
    ["min", (a) => np.min(a), [x]],
    ["prod", (a) => np.prod(a, 1), [x]],
    ["logsumexp axis", (a) => np.logsumexp(a, 1), [x]],
    ["logsumexp all", (a) => np.logsumexp(a), [x]],
    ["logsumexp b", (a, b) => np.logsumexp(a, 0, { b }), [x, w]],
    ["cumsum", (a) => np.cumsum(a, 0), [x]],
    ["cumprod", (a) => np.cumprod(a, 1), [x]],
    ["average", (a, b) => np.average(a, 1, { weights: b }), [x, w]],
  ];
  it.each(cases)("%s: checkGrads order 2, forward and reverse", (_, f, args) => {
    checkGrads(f, args, 2, { modes: ["fwd", "rev"] });
  });
  it.each(cases)("%s: jit gives the eager result", (_, f, args) => {
    expect(Array.from(jit(f)(...args).dataSync())).toEqual(Array.from(f(...args).dataSync()));
  });
});
