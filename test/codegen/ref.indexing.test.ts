/** The reference interpreter: gather and scatter, against x[idx]-style JS models and JAX. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GatherDimensionNumbers, ScatterDimensionNumbers } from "../../ir/primitives.js";
import { type Arr, allIndices, arr, build, get, run, values } from "./refHelpers.js";

const gdn = (d: Partial<GatherDimensionNumbers>): GatherDimensionNumbers => ({
  offsetDims: [],
  collapsedSliceDims: [],
  startIndexMap: [],
  operandBatchingDims: [],
  startIndicesBatchingDims: [],
  ...d,
});
const sdn = (d: Partial<ScatterDimensionNumbers>): ScatterDimensionNumbers => ({
  updateWindowDims: [],
  insertedWindowDims: [],
  scatterDimsToOperandDims: [],
  operandBatchingDims: [],
  scatterIndicesBatchingDims: [],
  ...d,
});
const ints = (data: number[], shape: number[] = [data.length]) => arr(data, shape, "int32");
const positions = (shape: number[]): Arr => {
  let i = 0;
  return build(shape, () => i++);
};
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

describe("gather", () => {
  it("x[idx] along axis 0 (take rows), clipped (property)", () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: -3, max: 8 }), { maxLength: 6 }));
    fc.assert(
      fc.property(arb, ([rows, cols, idx]) => {
        const x = positions([rows, cols]);
        const y = run("gather", [x, ints(idx, [idx.length, 1])], {
          dimensionNumbers: gdn({ offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }),
          sliceSizes: [1, cols],
          mode: "clip",
          fillValue: null,
        });
        expect(y.shape).toEqual([idx.length, cols]);
        expect(y.data).toEqual(idx.flatMap((i) => [...Array(cols).keys()].map((j) => get(x, [clamp(i, 0, rows - 1), j]))));
      }),
    );
  });

  it("x[i, j] point gathers, with the index vector in either order", () => {
    const x = positions([3, 4]);
    const pts = ints([0, 0, 2, 3, 1, 2], [3, 2]);
    const p = { sliceSizes: [1, 1], mode: "clip" as const, fillValue: null };
    expect(values("gather", [x, pts], { ...p, dimensionNumbers: gdn({ collapsedSliceDims: [0, 1], startIndexMap: [0, 1] }) })).toEqual([0, 11, 6]);
    // startIndexMap [1, 0]: the vector is (col, row)
    expect(values("gather", [x, ints([0, 0, 2, 1, 3, 2], [3, 2])], { ...p, dimensionNumbers: gdn({ collapsedSliceDims: [0, 1], startIndexMap: [1, 0] }) })).toEqual([
      0, 6, 11,
    ]);
  });

  it("x[:, idx] along axis 1 with a 2-D index array", () => {
    const x = positions([2, 5]);
    const idx = [4, 0, 1, 1, 3, 2];
    const y = run("gather", [x, ints(idx, [2, 3, 1])], {
      dimensionNumbers: gdn({ offsetDims: [0], collapsedSliceDims: [1], startIndexMap: [1] }),
      sliceSizes: [2, 1],
      mode: "clip",
      fillValue: null,
    });
    expect(y.shape).toEqual([2, 2, 3]);
    expect(y.data).toEqual(allIndices([2, 2, 3]).map(([r, a, b]) => get(x, [r!, idx[a! * 3 + b!]!])));
  });

  it("windows: batched dynamic slices, starts clamped so the window fits", () => {
    const x = positions([4, 5]);
    const starts = [0, 0, 3, 4, -1, 2];
    const y = run("gather", [x, ints(starts, [3, 2])], {
      dimensionNumbers: gdn({ offsetDims: [1, 2], startIndexMap: [0, 1] }),
      sliceSizes: [2, 3],
      mode: "clip",
      fillValue: null,
    });
    expect(y.shape).toEqual([3, 2, 3]);
    const model = [0, 1, 2].flatMap((b) => {
      const [r, c] = [clamp(starts[2 * b]!, 0, 2), clamp(starts[2 * b + 1]!, 0, 2)];
      return allIndices([2, 3]).map(([i, j]) => get(x, [r + i!, c + j!]));
    });
    expect(y.data).toEqual(model);
  });

  it("batched gather with operand batching dims, as take_along_axis (JAX on CPU)", () => {
    // lax.gather(arange(24).reshape(2,3,4), [[[1],[3]],[[0],[2]]], offset_dims=(1,), collapsed=(2,),
    //   start_index_map=(2,), operand_batching_dims=(0,), start_indices_batching_dims=(0,), slice_sizes=(1,3,1))
    const y = run("gather", [positions([2, 3, 4]), ints([1, 3, 0, 2], [2, 2, 1])], {
      dimensionNumbers: gdn({ offsetDims: [1], collapsedSliceDims: [2], startIndexMap: [2], operandBatchingDims: [0], startIndicesBatchingDims: [0] }),
      sliceSizes: [1, 3, 1],
      mode: "clip",
      fillValue: null,
    });
    expect(y.shape).toEqual([2, 3, 2]);
    expect(y.data).toEqual([1, 3, 5, 7, 9, 11, 12, 14, 16, 18, 20, 22]);
  });

  describe("fill mode gives the fill value for windows not wholly in bounds (JAX on CPU)", () => {
    const idx = ints([0, 3, 4, -1, 2], [5, 1]);
    const p = { dimensionNumbers: gdn({ offsetDims: [1], startIndexMap: [0] }), sliceSizes: [2] };
    it("default fill: NaN, int minimum, uint maximum, true", () => {
      expect(values("gather", [positions([5]), idx], { ...p, mode: "fill", fillValue: null })).toEqual([0, 1, 3, 4, NaN, NaN, NaN, NaN, 2, 3]);
      const i32 = arr([0, 1, 2, 3, 4], [5], "int32");
      expect(values("gather", [i32, idx], { ...p, mode: "fill", fillValue: null })).toEqual([0, 1, 3, 4, -(2 ** 31), -(2 ** 31), -(2 ** 31), -(2 ** 31), 2, 3]);
      const u32 = arr([0, 1, 2, 3, 4], [5], "uint32");
      expect(values("gather", [u32, idx], { ...p, mode: "fill", fillValue: null })).toEqual([0, 1, 3, 4, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 2, 3]);
      const b = arr([0, 0, 0, 0, 0], [5], "bool");
      expect(values("gather", [b, idx], { ...p, mode: "fill", fillValue: null })).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0]);
    });
    it("an explicit fill value; clip mode clamps instead", () => {
      expect(values("gather", [positions([5]), idx], { ...p, mode: "fill", fillValue: -7 })).toEqual([0, 1, 3, 4, -7, -7, -7, -7, 2, 3]);
      expect(values("gather", [positions([5]), idx], { ...p, mode: "clip", fillValue: null })).toEqual([0, 1, 3, 4, 3, 4, 0, 1, 2, 3]);
    });
  });
});

describe("scatter", () => {
  // x.at[idx].op(u) on a 1-D operand: one scalar update per index.
  const pointDn = sdn({ insertedWindowDims: [0], scatterDimsToOperandDims: [0] });

  it("scatterAdd/Mul/Min/Max accumulate duplicates; scatter replaces, last wins (property)", () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -5, max: 5 })), { maxLength: 8 }))
      .map(([n, ups]) => [n, ups.map(([i, u]) => [i % n, u] as const)] as const);
    const ops = [
      ["scatter", (_: number, u: number) => u],
      ["scatterAdd", (a: number, u: number) => a + u],
      ["scatterMul", (a: number, u: number) => a * u],
      ["scatterMin", Math.min],
      ["scatterMax", Math.max],
    ] as const;
    fc.assert(
      fc.property(arb, ([n, ups]) => {
        const x = build([n], ([i]) => i! - 2);
        for (const [prim, f] of ops) {
          const model = [...x.data];
          for (const [i, u] of ups) model[i] = f(model[i]!, u);
          const y = run(prim, [x, ints(ups.map((p) => p[0]), [ups.length, 1]), arr(ups.map((p) => p[1]))], { dimensionNumbers: pointDn, mode: "clip" });
          expect(y.data).toEqual(model);
        }
      }),
    );
  });

  it("row updates x.at[idx, :].add(u) on a 2-D operand", () => {
    const x = positions([3, 2]);
    const y = run("scatterAdd", [x, ints([2, 0, 2], [3, 1]), arr([1, 2, 10, 20, 100, 200], [3, 2])], {
      dimensionNumbers: sdn({ updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] }),
      mode: "clip",
    });
    expect(y.data).toEqual([10, 21, 2, 3, 105, 207]);
  });

  it("fill mode drops update windows not wholly in bounds; clip clamps them (JAX on CPU)", () => {
    const idx = ints([0, 3, 4, -1, 2], [5, 1]);
    const upd = arr([1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9], [5, 2]);
    const dn = sdn({ updateWindowDims: [1], scatterDimsToOperandDims: [0] });
    const zeros = arr([0, 0, 0, 0, 0]);
    expect(values("scatterAdd", [zeros, idx, upd], { dimensionNumbers: dn, mode: "fill" })).toEqual([1, 10, 1e8, 1000000100, 1000]);
    expect(values("scatterAdd", [zeros, idx, upd], { dimensionNumbers: dn, mode: "clip" })).toEqual([1000001, 10000010, 1e8, 1000010100, 101000]);
  });

  it("batched scatter with operand batching dims (JAX on CPU)", () => {
    const y = run("scatterAdd", [arr([0, 0, 0, 0, 0, 0], [2, 3]), ints([1, 1, 0, 2, 0, 2], [2, 3, 1]), arr([1, 2, 3, 4, 5, 6], [2, 3])], {
      dimensionNumbers: sdn({ insertedWindowDims: [1], scatterDimsToOperandDims: [1], operandBatchingDims: [0], scatterIndicesBatchingDims: [0] }),
      mode: "clip",
    });
    expect(y.data).toEqual([3, 3, 0, 5, 0, 10]);
  });

  it("int32 scatterAdd wraps and bool scatterAdd is or; the operand is not modified", () => {
    const x = arr([0x7fffffff, 0], [2], "int32");
    expect(values("scatterAdd", [x, ints([0], [1, 1]), arr([1], [1], "int32")], { dimensionNumbers: pointDn, mode: "clip" })).toEqual([-(2 ** 31), 0]);
    expect(x.data).toEqual([0x7fffffff, 0]);
    expect(values("scatterAdd", [arr([0, 1], [2], "bool"), ints([0, 1], [2, 1]), arr([1, 1], [2], "bool")], { dimensionNumbers: pointDn, mode: "clip" })).toEqual([1, 1]);
  });
});
