/** np.sort and np.argsort against JS sorting, NaN included. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValueError } from "../../src/errors.js";
import * as np from "../../src/numpy/index.js";
import { checkGrads } from "../../src/testing/checkGrads.js";
import { jit } from "../../src/transforms/jit.js";
import { makeJaxpr } from "../../src/transforms/makeJaxpr.js";

interface Flat {
  shape: number[];
  data: number[];
}

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

/** NumPy's order: numbers ascending, NaN last. */
const cmp = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b);

/** Applies `f` to every line along `axis`: `f` gets the line's values and returns the new line. */
function alongAxis(x: Flat, axis: number, f: (line: number[]) => number[]): Flat {
  const st = stridesOf(x.shape);
  const n = x.shape[axis]!;
  const out = new Array<number>(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    if (Math.floor(i / st[axis]!) % n !== 0) continue; // line starts
    const pos = Array.from({ length: n }, (_, k) => i + k * st[axis]!);
    const res = f(pos.map((p) => x.data[p]!));
    pos.forEach((p, k) => (out[p] = res[k]!));
  }
  return { shape: x.shape, data: out };
}

const sortModel = (line: number[]) => [...line].sort(cmp);
/** Stable argsort (JS's sort is stable). */
const argsortModel = (line: number[]) => line.map((_, i) => i).sort((i, j) => cmp(line[i]!, line[j]!));
/** JAX's stable descending: equal elements keep their original order. */
const argsortDescModel = (line: number[]) => line.map((_, i) => i).sort((i, j) => cmp(line[j]!, line[i]!));

const same = (got: ArrayLike<number>, want: readonly number[]) => {
  expect(got.length).toBe(want.length);
  Array.from(got).forEach((g, i) => {
    if (!Object.is(g, want[i]) && !(Number.isNaN(g) && Number.isNaN(want[i]!)) && !(g === 0 && want[i] === 0))
      expect.fail(`element ${i}: got ${g}, want ${want[i]} (got ${Array.from(got)}, want ${want})`);
  });
};

const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5) },
);
const flatArb = fc
  .array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })
  .chain((shape) => fc.record({ shape: fc.constant(shape), data: fc.array(valueArb, { minLength: sizeOf(shape), maxLength: sizeOf(shape) }) }));

const f64 = (x: Flat) => np.array(Float64Array.from(x.data), { shape: x.shape });

describe("sort and argsort match JS sorting", () => {
  it("along every axis, flattened, ascending and descending, NaN last", () => {
    fc.assert(
      fc.property(flatArb, (x) => {
        const a = f64(x);
        same(np.sort(a, null).dataSync(), sortModel(x.data));
        same(np.argsort(a, null).dataSync(), argsortModel(x.data));
        for (let ax = 0; ax < x.shape.length; ax++) {
          for (const axis of [ax, ax - x.shape.length]) {
            const s = np.sort(a, axis);
            expect([...s.shape]).toEqual(x.shape);
            same(s.dataSync(), alongAxis(x, ax, sortModel).data);
            const idx = np.argsort(a, axis);
            expect(idx.dtype).toBe("int32");
            same(idx.dataSync(), alongAxis(x, ax, argsortModel).data);
            same(np.sort(a, axis, { descending: true }).dataSync(), alongAxis(x, ax, (l) => sortModel(l).reverse()).data);
            same(np.argsort(a, axis, { descending: true }).dataSync(), alongAxis(x, ax, argsortDescModel).data);
          }
        }
        if (x.shape.length > 0) {
          same(np.sort(a).dataSync(), alongAxis(x, x.shape.length - 1, sortModel).data);
          same(np.argsort(a).dataSync(), alongAxis(x, x.shape.length - 1, argsortModel).data);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("NaNs sort last and -0 equals +0 (stable)", () => {
    const x = np.array(Float64Array.from([3, NaN, -1, -Infinity, NaN, Infinity, 0, -0]));
    same(np.sort(x).dataSync(), [-Infinity, -1, 0, -0, 3, Infinity, NaN, NaN]);
    expect(np.argsort(x).tolist()).toEqual([3, 2, 6, 7, 0, 5, 1, 4]);
    expect(np.argsort(x, -1, { descending: true }).tolist()).toEqual([1, 4, 5, 0, 6, 7, 2, 3]);
  });

  it("int32 and bool keep their dtypes", () => {
    const i = np.array(Int32Array.from([3, -1, 2, -1, 0x7fffffff, -0x80000000]));
    const s = np.sort(i);
    expect(s.dtype).toBe("int32");
    expect(s.tolist()).toEqual([-0x80000000, -1, -1, 2, 3, 0x7fffffff]);
    expect(np.argsort(i).tolist()).toEqual([5, 1, 3, 2, 0, 4]);
    const b = np.array([true, false, true, false]);
    expect(np.sort(b).tolist()).toEqual([false, false, true, true]);
    expect(np.argsort(b).tolist()).toEqual([1, 3, 0, 2]);
  });

  it("2-D example, axis 0 and flattened", () => {
    const x = np.array(Float64Array.from([3, 1, 2, 0, 5, -1]), { shape: [2, 3] });
    expect(np.sort(x, 0).tolist()).toEqual([
      [0, 1, -1],
      [3, 5, 2],
    ]);
    expect(np.argsort(x, null).tolist()).toEqual([5, 3, 1, 2, 0, 4]);
    expect(np.sort(x, null).shape).toEqual([6]);
  });

  it("errors and tracing", () => {
    expect(() => np.sort(np.array(1))).toThrow(ValueError);
    expect(() => np.sort(np.zeros([2, 3]), 2)).toThrow(/sort: axis 2 is out of bounds for an array of dimension 2/);
    expect(() => np.argsort(np.zeros([2, 3]), -3)).toThrow(/argsort/);
    expect(() => np.argsort(np.zeros([2, 3]), 0.5)).toThrow(TypeError);
    expect(np.sort(np.array(1), null).shape).toEqual([1]);
    const text = makeJaxpr((a: np.Array) => np.argsort(a))(np.zeros([4])).toString();
    expect(text).toContain("sort");
    expect(text).toContain("iota");
  });
});

describe("sort differentiates and jits", () => {
  const x = np.array(Float64Array.from([0.3, -1.2, 2.1, 0.7, 1.5, -0.4]), { shape: [2, 3] });
  it("checkGrads order 2 through sort along each axis and flattened", () => {
    for (const axis of [0, 1, null]) checkGrads((a: np.Array) => np.sort(a, axis), [x], 2, { modes: ["fwd", "rev"] });
    checkGrads((a: np.Array) => np.sort(a, 1, { descending: true }), [x], 1, { modes: ["fwd", "rev"] });
  });
  it("jit gives the eager result", () => {
    expect(Array.from(jit((a: np.Array) => np.argsort(a, 0, { descending: true }))(x).dataSync())).toEqual(
      Array.from(np.argsort(x, 0, { descending: true }).dataSync()),
    );
    expect(Array.from(jit((a: np.Array) => np.sort(a, null))(x).dataSync())).toEqual(Array.from(np.sort(x, null).dataSync()));
  });
});
