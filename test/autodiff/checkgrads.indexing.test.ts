/**
 * checkGrads (orders 1 and 2, forward and reverse, float64) of the indexing primitives:
 * dynamicSlice, dynamicUpdateSlice, gather and the scatter family, over generated operand
 * shapes, dimension numbers, windows, index values (out-of-bounds ones included) and modes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, jvp, lax, linearTranspose, numpy as np, vjp } from "../../src/index.js";
import type { GatherDimensionNumbers, IndexMode, ScatterDimensionNumbers } from "../../ir/primitives.js";
import { type Arr, arr, arrOf, awayFromZero, axesOf, check, distinct, f64, flat, permutationOf, shapes, sizeOf, runs } from "./checkgrads.helpers.js";

const RUNS = 10;
const sq = (a: Arr) => lax.sin(a);
const i32 = (data: readonly number[], shape: readonly number[]) => np.array(Int32Array.from(data), { shape });

// --- dynamicSlice / dynamicUpdateSlice -----------------------------------------------------

describe("checkGrads: dynamicSlice and dynamicUpdateSlice", () => {
  /** An operand shape, slice sizes, and start indices (some out of range: they are clamped). */
  const sliceCase = shapes({ minRank: 1, maxRank: 3, maxSide: 4 }).chain((s) =>
    fc.tuple(
      fc.constant(s),
      fc.tuple(...s.map((d) => fc.integer({ min: 0, max: d }))),
      fc.tuple(...s.map((d) => fc.integer({ min: -2, max: d + 1 }))),
    ),
  );

  it("dynamicSlice", () => {
    const arb = sliceCase.chain(([s, sizes, starts]) => fc.tuple(arr(s), fc.constant(sizes), fc.constant(starts)));
    fc.assert(
      fc.property(arb, ([x, sizes, starts]) => check((a: Arr) => sq(lax.dynamicSlice(sq(a), starts.map((v) => i32([v], [])), sizes)), [x])),
      { numRuns: runs(RUNS) },
    );
  });

  it("dynamicUpdateSlice (operand and update both differentiated)", () => {
    const arb = sliceCase.chain(([s, sizes, starts]) => fc.tuple(arr(s), arr(sizes), fc.constant(starts)));
    fc.assert(
      fc.property(arb, ([x, u, starts]) =>
        check((a: Arr, b: Arr) => sq(lax.dynamicUpdateSlice(sq(a), lax.mul(b, b), starts.map((v) => i32([v], [])))), [x, u]),
      ),
      { numRuns: runs(RUNS) },
    );
  });
});

// --- gather / scatter ----------------------------------------------------------------------

interface IndexCase {
  operandShape: number[];
  /** Gather numbers; the scatter ones are derived (updateWindowDims = offsetDims, ...). */
  dn: GatherDimensionNumbers;
  sliceSizes: number[];
  indices: Arr;
  /** The gather output / scatter updates shape. */
  windowedShape: number[];
  mode: IndexMode;
}

/** Random gather/scatter dimension numbers, windows, indices (some out of bounds) and mode. */
const indexCase = (opts: { maxWindow?: number; inBounds?: boolean; batching?: boolean } = {}): fc.Arbitrary<IndexCase> =>
  shapes({ minRank: 1, maxRank: 3, maxSide: 4 }).chain((s) =>
    fc
      .tuple(
        axesOf(s.length).filter((a) => a.length > 0),
        permutationOf(s.length),
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
        fc.tuple(...s.map((d) => fc.integer({ min: 1, max: Math.min(d, opts.maxWindow ?? d) }))),
        shapes({ minRank: 0, maxRank: 2, maxSide: 3 }),
        fc.constantFrom<IndexMode>("clip", "fill"),
        fc.boolean(),
      )
      .chain(([subset, perm, collapse, windows, batchShape, mode, useBatching]): fc.Arbitrary<IndexCase | null> => {
        // Optionally make operand dim b a batching dim paired with indices batch dim 0.
        const b = opts.batching && useBatching && batchShape.length > 0 ? perm.find((d) => !subset.includes(d) || subset.length > 1) : undefined;
        const operandShape = [...s];
        if (b !== undefined) operandShape[b] = batchShape[0]!;
        const startIndexMap = perm.filter((d) => subset.includes(d) && d !== b);
        if (startIndexMap.length === 0) return fc.constant(null);
        const collapsed = startIndexMap.filter((d) => collapse[d]).sort((x, y) => x - y);
        const sliceSizes = operandShape.map((d, i) => (collapsed.includes(i) || i === b ? 1 : Math.min(windows[i]!, d)));
        const windowDims = operandShape.map((_, i) => i).filter((i) => !collapsed.includes(i) && i !== b);
        const outRank = batchShape.length + windowDims.length;
        return permutationOf(outRank).chain((outPerm) => {
          const offsetDims = outPerm.slice(0, windowDims.length).sort((x, y) => x - y);
          const windowedShape = new Array<number>(outRank);
          offsetDims.forEach((d, k) => (windowedShape[d] = sliceSizes[windowDims[k]!]!));
          let k = 0;
          for (let i = 0; i < outRank; i++) if (!offsetDims.includes(i)) windowedShape[i] = batchShape[k++]!;
          const idxShape = [...batchShape, startIndexMap.length];
          const value = (j: number) => {
            const d = startIndexMap[j]!;
            const hi = operandShape[d]! - sliceSizes[d]!;
            return opts.inBounds ? fc.integer({ min: 0, max: hi }) : fc.integer({ min: -1, max: hi + 1 });
          };
          return fc
            .array(fc.integer({ min: 0, max: 1000 }), { minLength: sizeOf(idxShape), maxLength: sizeOf(idxShape) })
            .chain((seeds) => fc.tuple(...seeds.map((_, f) => value(f % startIndexMap.length))))
            .map((vals) => ({
              operandShape,
              dn: {
                offsetDims,
                collapsedSliceDims: collapsed,
                startIndexMap,
                operandBatchingDims: b === undefined ? [] : [b],
                startIndicesBatchingDims: b === undefined ? [] : [0],
              },
              sliceSizes,
              indices: i32(vals, idxShape),
              windowedShape,
              mode,
            }));
        });
      })
      .filter((c): c is IndexCase => c !== null),
  );

const scatterDn = (dn: GatherDimensionNumbers): ScatterDimensionNumbers => ({
  updateWindowDims: dn.offsetDims,
  insertedWindowDims: dn.collapsedSliceDims,
  scatterDimsToOperandDims: dn.startIndexMap,
  operandBatchingDims: dn.operandBatchingDims,
  scatterIndicesBatchingDims: dn.startIndicesBatchingDims,
});

/** Whether any two update elements of the case write to the same operand element (or are dropped). */
function writesUnique(c: IndexCase): boolean {
  // Scatter ones into a zero operand with scatterAdd: unique iff every count is at most 1 and none were dropped.
  const counts = lax.scatterAdd(np.zeros(c.operandShape, { dtype: "float64" }), c.indices, np.ones(c.windowedShape, { dtype: "float64" }), scatterDn(c.dn), { mode: c.mode });
  const cs = flat(counts);
  return cs.every((v) => v <= 1) && cs.reduce((a, b) => a + b, 0) === sizeOf(c.windowedShape);
}

describe("checkGrads: gather", () => {
  it("gather with random dimension numbers, windows, indices and modes (fill value 0)", () => {
    const arb = indexCase({ batching: true }).chain((c) => fc.tuple(fc.constant(c), arr(c.operandShape)));
    fc.assert(
      fc.property(arb, ([c, x]) =>
        check((a: Arr) => sq(lax.gather(sq(a), c.indices, c.dn, c.sliceSizes, { mode: c.mode, fillValue: 0 })), [x]),
      ),
      { numRuns: runs(RUNS * 2) },
    );
  });

  it("gather in fill mode with the default (NaN) fill has a zero tangent where it fills, as in JAX", () => {
    const x = f64([1, 2, 3, 4], [4]);
    const idx = i32([1, 7, -3], [3, 1]);
    const dn = { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] };
    const g = (a: Arr) => lax.gather(a, idx, dn, [1], { mode: "fill" });
    const [y, t] = jvp(g, [x], [f64([1, 1, 1, 1], [4])]);
    expect(flat(y).map((v) => (Number.isNaN(v) ? "nan" : v))).toEqual([2, "nan", "nan"]);
    expect(flat(t)).toEqual([1, 0, 0]);
    const [, back] = vjp(g, [x]);
    expect(flat(back(f64([1, 1, 1], [3]))[0])).toEqual([0, 1, 0, 0]);
  });
});

describe("checkGrads: scatter family", () => {
  it("scatterAdd (duplicate and out-of-bounds indices allowed)", () => {
    const arb = indexCase({ batching: true }).chain((c) => fc.tuple(fc.constant(c), arr(c.operandShape), arr(c.windowedShape)));
    fc.assert(
      fc.property(arb, ([c, x, u]) =>
        check((a: Arr, b: Arr) => sq(lax.scatterAdd(sq(a), c.indices, lax.mul(b, b), scatterDn(c.dn), { mode: c.mode })), [x, u]),
      ),
      { numRuns: runs(RUNS * 2) },
    );
  });

  it("scatter (overwrite) with unique indices", () => {
    const arb = indexCase({ maxWindow: 2 })
      .filter(writesUnique)
      .chain((c) => fc.tuple(fc.constant(c), arr(c.operandShape), arr(c.windowedShape)));
    fc.assert(
      fc.property(arb, ([c, x, u]) =>
        check((a: Arr, b: Arr) => sq(lax.scatter(sq(a), c.indices, lax.mul(b, b), scatterDn(c.dn), { mode: c.mode })), [x, u]),
      ),
      { numRuns: runs(RUNS) },
    );
  });

  it("scatter (overwrite) with duplicate indices: only the update that lands gets a gradient", () => {
    fc.assert(
      fc.property(indexCase({ maxWindow: 2 }).chain((c) => fc.tuple(fc.constant(c), arr(c.operandShape), arr(c.windowedShape))), ([c, x, u]) =>
        check((a: Arr, b: Arr) => sq(lax.scatter(sq(a), c.indices, lax.mul(b, b), scatterDn(c.dn), { mode: c.mode })), [x, u]),
      ),
      { numRuns: runs(RUNS) },
    );
    // Many rows written into few: duplicates are the rule here (rows of width 2, windows of 1 or 2 columns).
    const dense = fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 3, max: 6 }), fc.constantFrom<IndexMode>("clip", "fill")).chain(([w, k, mode]) =>
      fc.tuple(
        fc.constant(mode),
        fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 2 * k, maxLength: 2 * k }).map((v) => i32(v, [k, 2])),
        arr([3, 2]),
        arr([k, w]),
      ),
    );
    fc.assert(
      fc.property(dense, ([mode, idx, x, u]) => {
        const dn = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0, 1] };
        check((a: Arr, b: Arr) => sq(lax.scatter(sq(a), idx, lax.mul(b, b), dn, { mode })), [x, u]);
      }),
      { numRuns: runs(RUNS) },
    );
    const x = f64([1, 2, 3], [3]);
    const u = f64([10, 20, 30], [3]);
    const idx = i32([1, 1, 2], [3, 1]);
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const [gx, gu] = grad((a: Arr, b: Arr) => np.sum(np.multiply(lax.scatter(a, idx, b, dn), f64([1, 2, 3], [3]))), { argnums: [0, 1] })(x, u);
    expect(flat(gx)).toEqual([1, 0, 0]);
    // The reference backend applies updates in order, so the second write to index 1 lands.
    expect(flat(gu)).toEqual([0, 2, 3]);
    // The transpose rule of scatter itself (a linear function of operand and updates) agrees.
    const fT = linearTranspose((a: Arr, b: Arr) => lax.scatter(a, idx, b, dn), [x, u]);
    const [tx, tu] = fT(f64([1, 2, 3], [3])) as [Arr, Arr];
    expect(flat(tx)).toEqual([1, 0, 0]);
    expect(flat(tu)).toEqual([0, 2, 3]);
  });

  it("scatterMul (updates away from zero; duplicates allowed)", () => {
    const arb = indexCase({ maxWindow: 2 }).chain((c) => fc.tuple(fc.constant(c), arr(c.operandShape), arrOf(c.windowedShape, awayFromZero(0.5, 1.5))));
    fc.assert(
      fc.property(arb, ([c, x, u]) => check((a: Arr, b: Arr) => sq(lax.scatterMul(sq(a), c.indices, b, scatterDn(c.dn), { mode: c.mode })), [x, u])),
      { numRuns: runs(RUNS) },
    );
  });

  it("scatterMul at zero updates (unique and duplicate indices) is exact", () => {
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const x = f64([1.5, 2, -3], [3]);
    for (const [idxs, us] of [
      [[0, 2], [0, 0.5]],
      [[1, 1, 2], [0, 0.7, 0]],
      [[1, 1, 1], [0, 0, 2]],
    ] as const) {
      const idx = i32(idxs, [idxs.length, 1]);
      check((a: Arr, b: Arr) => lax.scatterMul(a, idx, b, dn), [x, f64(us, [us.length])]);
    }
    // d/du of x * u at u = 0 is x.
    const g = grad((b: Arr) => np.sum(lax.scatterMul(x, i32([0, 2], [2, 1]), b, dn)))(f64([0, 0.5], [2]));
    expect(flat(g)).toEqual([1.5, -3]);
  });

  it.each(["scatterMin", "scatterMax"] as const)("%s (distinct values, duplicates allowed)", (name) => {
    const f = name === "scatterMin" ? lax.scatterMin : lax.scatterMax;
    const arb = indexCase({ maxWindow: 2 }).chain((c) =>
      distinct([sizeOf(c.operandShape) + sizeOf(c.windowedShape)]).map((v) => {
        const d = flat(v);
        const n = sizeOf(c.operandShape);
        return [c, f64(d.slice(0, n), c.operandShape), f64(d.slice(n), c.windowedShape)] as const;
      }),
    );
    fc.assert(
      fc.property(arb, ([c, x, u]) => check((a: Arr, b: Arr) => sq(f(a, c.indices, b, scatterDn(c.dn), { mode: c.mode })), [x, u])),
      { numRuns: runs(RUNS) },
    );
  });

  it("scatterMax ties split evenly between the operand and the updates", () => {
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const [gx, gu] = grad((a: Arr, b: Arr) => np.sum(lax.scatterMax(a, i32([0, 0, 1], [3, 1]), b, dn)), { argnums: [0, 1] })(
      f64([2, 1], [2]),
      f64([2, 1, 0], [3]),
    );
    expect(flat(gx)).toEqual([0.5, 1]);
    expect(flat(gu)).toEqual([0.5, 0, 0]);
  });
});

describe("numpy indexing", () => {
  const x = f64(Array.from({ length: 24 }, (_, i) => Math.sin(i + 1)), [2, 3, 4]);

  it.each([
    ["integer and slice", (a: Arr) => a.slice(1, [0, 2])],
    ["steps and negative indices", (a: Arr) => a.slice(-1, [null, null, -1], [3, 0, -2])],
    ["newaxis and ellipsis", (a: Arr) => a.slice(null, "...", 1)],
    ["integer arrays (gather)", (a: Arr) => a.slice(i32([1, 0, 1], [3]), i32([2, 2, 0], [3]))],
    ["integer array with negative entries and a slice", (a: Arr) => a.slice([0, 2], i32([-1, 0], [2]), [1, null])],
  ] as const)("x.slice: %s", (_, f) => {
    check((a: Arr) => sq(f(sq(a))), [x]);
  });

  it.each([
    ["set", (a: Arr, v: Arr) => a.at(1, [0, 2]).set(v), [4]],
    ["set at integer arrays", (a: Arr, v: Arr) => a.at(i32([1, 0], [2]), 2).set(v), [2, 4]],
    ["add with repeated indices", (a: Arr, v: Arr) => a.at(0, i32([0, 2, 0], [3])).add(v), [3, 4]],
    ["mul", (a: Arr, v: Arr) => a.at([null, null, -1], 1).mul(v), [2, 4]],
  ] as const)("x.at(...).%s", (_, f, vShape) => {
    const v = f64(Array.from({ length: sizeOf(vShape) }, (_, i) => 0.5 + Math.cos(i)), vShape);
    check((a: Arr, b: Arr) => sq(f(sq(a), b)), [x, v]);
  });

  it("x.at(...).min / max with distinct values", () => {
    fc.assert(
      fc.property(distinct([30]), (d) => {
        const vals = flat(d);
        const a = f64(vals.slice(0, 24), [2, 3, 4]);
        const v = f64(vals.slice(24), [2, 3]);
        check((p: Arr, q: Arr) => p.at([null, null], [null, null], 1).min(q), [a, v]);
        check((p: Arr, q: Arr) => p.at([null, null], [null, null], 2).max(q), [a, v]);
      }),
      { numRuns: runs(4) },
    );
  });

  it("np.take and np.takeAlongAxis", () => {
    check((a: Arr) => sq(np.take(sq(a), i32([3, 0, 3, 1], [2, 2]), 2)), [x]);
    check((a: Arr) => sq(np.take(sq(a), i32([5, 23, 0], [3]))), [x]);
    check((a: Arr) => sq(np.takeAlongAxis(sq(a), i32([0, 1, 1, 0, 2, 2, 0, 1], [2, 1, 4]), 1)), [x]);
    check((a: Arr) => sq(np.takeAlongAxis(sq(a), np.argsort(a, 2), 2)), [x]);
  });
});
