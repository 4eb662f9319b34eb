/** The reference interpreter: reductions, arg reductions and cumulative scans, against JS models. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { type Arr, allIndices, arr, get, run, values } from "./refHelpers.js";

const MIN = -0x80000000;
const MAX = 0x7fffffff;

/** Random small-integer float64 arrays (sums stay exact in any order), size-0 dims included. */
const arrayArb = (maxRank = 3) =>
  fc
    .array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: maxRank })
    .chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.array(fc.integer({ min: -4, max: 4 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }),
      ),
    )
    .map(([shape, data]): Arr => arr(data, shape, "float64"));

const withAxes = arrayArb().chain((x) => fc.tuple(fc.constant(x), fc.subarray([...x.shape.keys()])));

/** The model: output element o is the fold of every input element whose kept coordinates equal o's. */
function reduceModel(x: Arr, axes: readonly number[], f: (a: number, b: number) => number, init: number): number[] {
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  return allIndices(kept.map((d) => x.shape[d]!)).map((o) =>
    allIndices(x.shape)
      .filter((idx) => kept.every((d, j) => idx[d] === o[j]))
      .reduce((acc, idx) => f(acc, get(x, idx)), init),
  );
}

describe("reductions over axes", () => {
  const cases = [
    ["reduceSum", (a: number, b: number) => a + b, 0],
    ["reduceProd", (a: number, b: number) => a * b, 1],
    ["reduceMax", Math.max, -Infinity],
    ["reduceMin", Math.min, Infinity],
  ] as const;
  for (const [prim, f, init] of cases) {
    it(`${prim} matches a fold over the reduced coordinates, empty dims included (property)`, () => {
      fc.assert(
        fc.property(withAxes, ([x, axes]) => {
          const y = run(prim, [x], { axes });
          expect(y.shape).toEqual(x.shape.filter((_, d) => !axes.includes(d)));
          expect(y.data).toEqual(reduceModel(x, axes, f, init));
        }),
      );
    });
  }

  it("identities of empty reductions in every dtype", () => {
    const empty = (dtype: DType) => arr([], [0], dtype);
    const one = (prim: "reduceSum" | "reduceProd" | "reduceMax" | "reduceMin" | "reduceAnd" | "reduceOr", dtype: DType) =>
      values(prim, [empty(dtype)], { axes: [0] })[0];
    expect([one("reduceMax", "float32"), one("reduceMax", "int32"), one("reduceMax", "uint32"), one("reduceMax", "bool")]).toEqual([-Infinity, MIN, 0, 0]);
    expect([one("reduceMin", "float64"), one("reduceMin", "int32"), one("reduceMin", "uint32"), one("reduceMin", "bool")]).toEqual([
      Infinity,
      MAX,
      0xffffffff,
      1,
    ]);
    expect([one("reduceSum", "int32"), one("reduceProd", "uint32"), one("reduceAnd", "bool"), one("reduceOr", "bool")]).toEqual([0, 1, 1, 0]);
    expect([one("reduceAnd", "int32"), one("reduceAnd", "uint32"), one("reduceOr", "uint32")]).toEqual([-1, 0xffffffff, 0]);
  });

  it("max and min propagate NaN; sums of int32 wrap; and/or are bitwise on ints", () => {
    expect(values("reduceMax", [arr([1, NaN, 3])], { axes: [0] })).toEqual([NaN]);
    expect(values("reduceMin", [arr([NaN, -1])], { axes: [0] })).toEqual([NaN]);
    expect(values("reduceSum", [arr([MAX, 1, 5], [3], "int32")], { axes: [0] })).toEqual([MIN + 5]);
    expect(values("reduceProd", [arr([65536, 65536, 3], [3], "int32")], { axes: [0] })).toEqual([0]);
    expect(values("reduceAnd", [arr([0b1110, 0b0111], [2], "int32")], { axes: [0] })).toEqual([0b0110]);
    expect(values("reduceOr", [arr([0x80000000, 1], [2], "uint32")], { axes: [0] })).toEqual([0x80000001]);
    expect(values("reduceAnd", [arr([1, 1, 0, 1, 1, 1], [2, 3], "bool")], { axes: [1] })).toEqual([0, 1]);
    expect(values("reduceOr", [arr([0, 0, 0, 1, 0, 0], [2, 3], "bool")], { axes: [1] })).toEqual([0, 1]);
    expect(values("reduceMax", [arr([3, 0xfffffff0, 7], [3], "uint32")], { axes: [0] })).toEqual([0xfffffff0]);
  });

  it("float32 sums are rounded once at the end", () => {
    const xs = [1, 2 ** -24, 2 ** -24].map(Math.fround);
    expect(values("reduceSum", [arr(xs, [3], "float32")], { axes: [0] })).toEqual([Math.fround(1 + 2 ** -23)]);
  });
});

describe("argmax and argmin", () => {
  it("give the first extreme along the axis (property)", () => {
    const arb = arrayArb(3)
      .filter((x) => x.shape.length > 0)
      .chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.shape.length - 1 })))
      .filter(([x, axis]) => x.shape[axis]! > 0);
    fc.assert(
      fc.property(arb, ([x, axis]) => {
        for (const [prim, better] of [
          ["argmax", (a: number, b: number) => a > b],
          ["argmin", (a: number, b: number) => a < b],
        ] as const) {
          const outShape = x.shape.filter((_, d) => d !== axis);
          const model = allIndices(outShape).map((o) => {
            const at = (k: number) => get(x, [...o.slice(0, axis), k, ...o.slice(axis)]);
            let best = 0;
            for (let k = 1; k < x.shape[axis]!; k++) if (better(at(k), at(best))) best = k;
            return best;
          });
          const y = run(prim, [x], { axes: [axis], indexDtype: "int32" });
          expect(y.dtype).toBe("int32");
          expect(y.data).toEqual(model);
        }
      }),
    );
  });

  it("a NaN wins, the first one (JAX on CPU), and uint32 compares unsigned", () => {
    expect(values("argmax", [arr([1, NaN, 3, NaN])], { axes: [0], indexDtype: "int32" })).toEqual([1]);
    expect(values("argmin", [arr([1, NaN, -3])], { axes: [0], indexDtype: "uint32" })).toEqual([1]);
    expect(values("argmax", [arr([1, 0xffffffff, 3], [3], "uint32")], { axes: [0], indexDtype: "int32" })).toEqual([1]);
    expect(values("argmax", [arr([1, 5, 5, 0, 2, 2], [2, 3], "int32")], { axes: [1], indexDtype: "int32" })).toEqual([1, 1]);
    expect(values("argmin", [arr([1, 5, 5, 0, 2, 2], [2, 3])], { axes: [0], indexDtype: "int32" })).toEqual([1, 1, 1]);
  });
});

describe("cumulative scans", () => {
  it("cumsum/cumprod/cummax/cummin, forward and reverse, along any axis (property)", () => {
    const arb = arrayArb(3)
      .filter((x) => x.shape.length > 0)
      .chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.shape.length - 1 }), fc.boolean()));
    const ops = [
      ["cumsum", (a: number, b: number) => a + b],
      ["cumprod", (a: number, b: number) => a * b],
      ["cummax", Math.max],
      ["cummin", Math.min],
    ] as const;
    fc.assert(
      fc.property(arb, ([x, axis, reverse]) => {
        for (const [prim, f] of ops) {
          const n = x.shape[axis]!;
          const model = allIndices(x.shape).map((idx) => {
            const ks = [...Array(n).keys()].filter((k) => (reverse ? k >= idx[axis]! : k <= idx[axis]!));
            const vals = ks.map((k) => get(x, idx.map((v, d) => (d === axis ? k : v))));
            return vals.slice(1).reduce((a, b) => f(a, b), vals[0]!);
          });
          expect(run(prim, [x], { axis, reverse }).data).toEqual(model);
        }
      }),
    );
  });

  it("int32 cumsum wraps; cummax propagates NaN", () => {
    expect(values("cumsum", [arr([MAX, 1, 1], [3], "int32")], { axis: 0, reverse: false })).toEqual([MAX, MIN, MIN + 1]);
    expect(values("cummax", [arr([1, NaN, 3])], { axis: 0, reverse: false })).toEqual([1, NaN, NaN]);
    expect(values("cummin", [arr([3, 1, 2], [3], "uint32")], { axis: 0, reverse: true })).toEqual([1, 1, 2]);
  });
});
