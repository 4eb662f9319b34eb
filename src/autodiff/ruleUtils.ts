/** Small helpers shared by the jvp and transpose rule tables. */
import type { ShapedArray } from "../../ir/aval.js";
import type { GatherDimensionNumbers, Params, ScatterDimensionNumbers } from "../../ir/primitives.js";
import { range } from "../../ir/util.js";
import type { JArray } from "../core/array.js";
import * as lax from "../lax.js";
import { zerosOf } from "./transpose.js";
import { associativeScanLeaves } from "../controlFlow/associativeScan.js";

export { zerosOf };

/** Sums `x` down to `shape` (the transpose of a rank-0 operand broadcasting in a binary op). */
export function unbroadcast(x: JArray, aval: ShapedArray): JArray {
  if (x.ndim === aval.ndim) return x;
  if (aval.ndim !== 0) throw new Error(`internal: unbroadcast from [${x.shape}] to [${aval.shape}]`);
  return lax.reduceSum(x, range(x.ndim));
}

/** An array of `shape` and `dtype` filled with `value` (a rank-0 constant when shape is `[]`). */
export function full(value: number, like: { readonly shape: readonly number[]; readonly dtype: ShapedArray["dtype"] }): JArray {
  const s = lax.convertElementType(value, like.dtype);
  return like.shape.length === 0 ? s : lax.broadcastInDim(s, like.shape, []);
}

/** `x` broadcast to `shape` if it is a rank-0 operand of a wider elementwise op. */
export function broadcastTo(x: JArray, shape: readonly number[]): JArray {
  if (x.ndim === shape.length) return x;
  return lax.broadcastInDim(x, shape, []);
}

/** The gather that reads back what a scatter with these dimension numbers writes. */
export function gatherParamsForScatter(dn: ScatterDimensionNumbers, operand: ShapedArray, updates: ShapedArray): Params<"gather"> {
  const windowSizes = dn.updateWindowDims.map((d) => updates.shape[d]!);
  let w = 0;
  const sliceSizes = operand.shape.map((_, i) =>
    dn.insertedWindowDims.includes(i) || dn.operandBatchingDims.includes(i) ? 1 : windowSizes[w++]!,
  );
  const gdn: GatherDimensionNumbers = {
    offsetDims: dn.updateWindowDims,
    collapsedSliceDims: dn.insertedWindowDims,
    startIndexMap: dn.scatterDimsToOperandDims,
    operandBatchingDims: dn.operandBatchingDims,
    startIndicesBatchingDims: dn.scatterIndicesBatchingDims,
  };
  return { dimensionNumbers: gdn, sliceSizes, mode: "clip", fillValue: null };
}

/**
 * Which writes of a `scatter` (last writer wins on overlaps) land: JAX's scheme of scattering a
 * positive id per update window and reading the ids back. Depends on the indices only.
 * `landed` has the updates' shape; `untouched` (the operand's shape) is where no update landed.
 */
export function scatterWinners(operand: ShapedArray, idx: JArray, updates: ShapedArray, params: Params<"scatter">): { landed: JArray; untouched: JArray } {
  const dn = params.dimensionNumbers;
  const idsShape = updates.shape.map((d, i) => (dn.updateWindowDims.includes(i) ? 1 : d));
  const n = idsShape.reduce((a, b) => a * b, 1);
  const ids = lax.broadcastInDim(lax.reshape(lax.add(lax.iota("int32", n), 1), idsShape), updates.shape, range(updates.ndim));
  const scattered = lax.scatter(full(0, { shape: operand.shape, dtype: "int32" }), idx, ids, dn, { mode: params.mode });
  const g = { ...gatherParamsForScatter(dn, operand, updates), mode: params.mode, fillValue: 0 };
  const landed = lax.eq(lax.gather(scattered, idx, g.dimensionNumbers, g.sliceSizes, { mode: g.mode, fillValue: 0 }), ids);
  return { landed, untouched: lax.eq(scattered, full(0, scattered)) };
}

/** The scatter dimension numbers that write where a gather with these numbers reads. */
export function scatterDnForGather(dn: GatherDimensionNumbers): ScatterDimensionNumbers {
  return {
    updateWindowDims: dn.offsetDims,
    insertedWindowDims: dn.collapsedSliceDims,
    scatterDimsToOperandDims: dn.startIndexMap,
    operandBatchingDims: dn.operandBatchingDims,
    scatterIndicesBatchingDims: dn.startIndicesBatchingDims,
  };
}

/** `out[..., i, ...] = x[..., idx[..., i, ...], ...]` along `axis` (idx has x's shape off-axis). */
export function takeAlongAxis(x: JArray, idx: JArray, axis: number): JArray {
  // A gather's slice sizes of 1 do not fit a zero-size operand; then the result is empty too.
  if (x.size === 0) return full(0, { shape: idx.shape, dtype: x.dtype });
  const others = range(x.ndim).filter((d) => d !== axis);
  return lax.gather(
    x,
    lax.reshape(idx, [...idx.shape, 1]),
    { offsetDims: [], collapsedSliceDims: [axis], startIndexMap: [axis], operandBatchingDims: others, startIndicesBatchingDims: others },
    x.shape.map(() => 1),
    { mode: "clip" },
  );
}

/**
 * An inclusive scan of `x` with `op` along `axis`, built from slices, pads, concatenations
 * and elementwise ops (JAX's associative_scan), so that its jvp is exact where
 * cumprod/cummax have no simple closed form.
 */
export function associativeScan(op: (a: JArray, b: JArray) => JArray, x: JArray, axis: number, reverse: boolean): JArray {
  return associativeScanLeaves((a, b) => [op(a[0]!, b[0]!)], [x], axis, reverse)[0]!;
}
