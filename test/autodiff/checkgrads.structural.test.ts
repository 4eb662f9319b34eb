/**
 * checkGrads (orders 1 and 2, forward and reverse, float64) of the structural primitives
 * (broadcastInDim, reshape, transpose, squeeze, rev, slice, pad, concatenate, copy) and sort,
 * over generated shapes and parameters. sin is composed in so that the second-order checks see
 * a non-zero second derivative (a*sin(a) would not do: its derivatives vanish together at 0,
 * where fast-check likes to look, and central differences then measure only their O(eps^2) bias).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { lax, numpy as np } from "../../src/index.js";
import { bind1 } from "../../src/core/interpreter.js";
import { type Arr, arr, axesOf, check, distinct, f64, permutationOf, shapes, sizeOf, runs } from "./checkgrads.helpers.js";

const RUNS = 8;
const sq = (a: Arr) => lax.sin(a);

describe("checkGrads: shape-changing primitives", () => {
  it("broadcastInDim (new dims and expanded size-1 dims)", () => {
    // A target shape, the sorted target dims the operand maps to, and which of them are size 1.
    const arb = shapes({ minRank: 1, maxRank: 4, maxSide: 3 }).chain((target) =>
      fc
        .tuple(axesOf(target.length), fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }))
        .chain(([dims, ones]) => {
          const operand = dims.map((d) => (ones[d] ? 1 : target[d]!));
          return fc.tuple(fc.constant(target), fc.constant(dims), arr(operand));
        }),
    );
    fc.assert(fc.property(arb, ([target, dims, x]) => check((a: Arr) => sq(lax.broadcastInDim(sq(a), target, dims)), [x])), { numRuns: runs(RUNS) });
  });

  it("reshape (to a flat, a split or a reversed shape), and expandDims", () => {
    const arb = shapes({ minRank: 0, maxRank: 3 }).chain((s) => {
      const n = sizeOf(s);
      const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
      return fc.tuple(
        arr(s),
        fc.oneof(fc.constant([n]), fc.constant([...s].reverse()), fc.constantFrom(...divisors).map((d) => [d, 1, n / d])),
      );
    });
    fc.assert(
      fc.property(arb, ([x, newShape]) => {
        check((a: Arr) => sq(lax.reshape(sq(a), newShape)), [x]);
        check((a: Arr) => lax.expandDims(sq(a), [0, -1]), [x], 1);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("transpose by a random permutation", () => {
    const arb = shapes({ minRank: 1, maxRank: 4, maxSide: 3 }).chain((s) => fc.tuple(arr(s), permutationOf(s.length)));
    fc.assert(fc.property(arb, ([x, perm]) => check((a: Arr) => sq(lax.transpose(sq(a), perm)), [x])), { numRuns: runs(RUNS) });
  });

  it("squeeze of random size-1 dims", () => {
    const arb = shapes({ minRank: 1, maxRank: 4, minSide: 1, maxSide: 2 }).chain((s) =>
      fc.tuple(arr(s), axesOf(s.length).map((axes) => axes.filter((d) => s[d] === 1))),
    );
    fc.assert(fc.property(arb, ([x, dims]) => check((a: Arr) => sq(lax.squeeze(sq(a), dims)), [x])), { numRuns: runs(RUNS) });
  });

  it("rev along random dims", () => {
    const arb = shapes({ minRank: 1, maxRank: 3 }).chain((s) => fc.tuple(arr(s), axesOf(s.length)));
    fc.assert(fc.property(arb, ([x, dims]) => check((a: Arr) => lax.mul(lax.rev(sq(a), dims), a), [x])), { numRuns: runs(RUNS) });
  });

  it("copy", () => {
    fc.assert(fc.property(arr(shapes()), (x) => check((a: Arr) => sq(bind1("copy", [sq(a)], {})), [x])), { numRuns: runs(4) });
  });
});

describe("checkGrads: slice, pad, concatenate", () => {
  it("slice with random starts, limits and strides", () => {
    const arb = shapes({ minRank: 1, maxRank: 3, maxSide: 6 }).chain((s) =>
      fc.tuple(
        arr(s),
        fc.tuple(
          ...s.map((d) =>
            fc.integer({ min: 0, max: d }).chain((start) => fc.tuple(fc.constant(start), fc.integer({ min: start, max: d }), fc.integer({ min: 1, max: 3 }))),
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(arb, ([x, cfg]) => {
        const starts = cfg.map(([s]) => s);
        const limits = cfg.map(([, l]) => l);
        const strides = cfg.map(([, , st]) => st);
        check((a: Arr) => sq(lax.slice(sq(a), starts, limits, strides)), [x]);
      }),
      { numRuns: runs(RUNS * 2) },
    );
  });

  it("pad with negative, positive and interior padding, and a differentiable padding value", () => {
    const dimCfg = (d: number) =>
      fc
        .tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 2 }))
        .filter(([lo, hi, interior]) => lo + hi + d + Math.max(0, d - 1) * interior >= 0);
    const arb = shapes({ minRank: 1, maxRank: 3, maxSide: 4 }).chain((s) => fc.tuple(arr(s), arr([]), fc.tuple(...s.map(dimCfg))));
    fc.assert(
      fc.property(arb, ([x, v, cfg]) => check((a: Arr, pv: Arr) => sq(lax.pad(sq(a), pv, cfg)), [x, v])),
      { numRuns: runs(RUNS * 2) },
    );
  });

  it("concatenate of 1 to 3 operands along a random axis", () => {
    const arb = shapes({ minRank: 1, maxRank: 3, maxSide: 3 }).chain((s) =>
      fc.integer({ min: 0, max: s.length - 1 }).chain((axis) =>
        fc
          .array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })
          .chain((sizes) => fc.tuple(fc.constant(axis), fc.tuple(...sizes.map((k) => arr(s.map((d, i) => (i === axis ? k : d))))))),
      ),
    );
    fc.assert(
      fc.property(arb, ([axis, xs]) => check((...as: Arr[]) => sq(lax.concatenate(as.map(sq), axis)), xs)),
      { numRuns: runs(RUNS) },
    );
  });
});

describe("checkGrads: sort", () => {
  it("sort of distinct values along a random dimension", () => {
    const arb = shapes({ minRank: 1, maxRank: 3, maxSide: 4 }).chain((s) => fc.tuple(distinct(s), fc.integer({ min: 0, max: s.length - 1 })));
    fc.assert(fc.property(arb, ([x, dim]) => check((a: Arr) => sq(lax.sort(a, { dimension: dim })), [x])), { numRuns: runs(RUNS) });
  });

  it("sort of two operands by the first (the second is permuted with it)", () => {
    const arb = shapes({ minRank: 1, maxRank: 2, maxSide: 4 }).chain((s) =>
      fc.tuple(distinct(s), arr(s), fc.integer({ min: 0, max: s.length - 1 })),
    );
    fc.assert(
      fc.property(arb, ([keys, vals, dim]) =>
        check(
          (k: Arr, v: Arr) => {
            const [sk, sv] = lax.sort([k, v], { dimension: dim, numKeys: 1 }) as [Arr, Arr];
            return lax.add(lax.mul(sk, sv), lax.sin(sv));
          },
          [keys, vals],
        ),
      ),
      { numRuns: runs(RUNS) },
    );
  });
});

describe("checkGrads: zero-size arrays", () => {
  const empty = f64([], [0, 3]);
  const x = f64([0.5, -1.2, 0.3], [1, 3]);
  it.each([
    ["reduceSum over the empty axis", (a: Arr) => lax.reduceSum(a, [0]), [empty]],
    ["reduceProd over the empty axis", (a: Arr) => lax.reduceProd(a, [0]), [empty]],
    ["reduceProd keeping the empty axis", (a: Arr) => lax.reduceProd(a, [1]), [empty]],
    ["cumsum / cumprod", (a: Arr) => lax.add(lax.cumsum(a, 0), lax.cumprod(a, 1)), [empty]],
    ["transpose and reshape", (a: Arr) => lax.reshape(lax.transpose(lax.sin(a), [1, 0]), [0]), [empty]],
    ["concatenate with an empty operand", (a: Arr, b: Arr) => lax.concatenate([lax.sin(a), b], 0), [empty, x]],
    ["pad of an empty array", (a: Arr) => lax.pad(a, 1.5, [[1, 1, 0], [0, 1, 2]]), [empty]],
    ["slice to an empty array", (a: Arr) => lax.slice(lax.sin(a), [0, 1], [1, 1]), [x]],
    ["dotGeneral contracting an empty dim", (a: Arr, b: Arr) => lax.dotGeneral(a, b, [[[0], [0]], [[], []]]), [empty, f64([], [0, 2])]],
    ["sort of an empty axis", (a: Arr) => lax.sort(a, { dimension: 0 }), [empty]],
    [
      "gather with no indices",
      (a: Arr) => lax.gather(a, np.array(new Int32Array(0), { shape: [0, 1] }), { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }, [1, 3]),
      [x],
    ],
    [
      "scatterAdd of no updates",
      (a: Arr, u: Arr) => lax.scatterAdd(a, np.array(new Int32Array(0), { shape: [0, 1] }), u, { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] }),
      [x, f64([], [0, 3])],
    ],
    ["conv with an empty batch", (a: Arr, w: Arr) => lax.convGeneralDilated(a, w, [1], "SAME"), [f64([], [0, 1, 3]), f64([0.5, -1], [1, 1, 2])]],
    ["reduceWindowSum of an empty array", (a: Arr) => lax.reduceWindow(a, 0, lax.add, [1, 2], [1, 1], "VALID"), [empty]],
  ] as const)("%s", (_, f, args) => {
    check(f, [...args]);
  });
});
