/**
 * gather and the scatter family, with XLA's general dimension numbers (batched forms
 * included). The index vector is always the last dim of the indices.
 *
 * gather: output dims are the batch dims (indices.shape[:-1], at the positions not in
 *   offsetDims) and the window (offset) dims. For an output index, the batch part picks
 *   an index vector whose entry k is the start in operand dim startIndexMap[k]; operand
 *   batching dims start at the matching indices batch coordinate; the window part is
 *   added to the non-collapsed, non-batching operand dims in order.
 * scatter: the same map from an updates index to an operand index, with updateWindowDims
 *   in the role of offsetDims and insertedWindowDims in that of collapsedSliceDims.
 *
 * Modes (JAX's): "clip" clamps each start so the whole window is in bounds; "fill" makes
 * gather return the fill value for a window that is not wholly in bounds, and makes
 * scatter drop such an update window.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type DType, float16Value, float32ToFloat16, roundToFloat16 } from "../../ir/dtype.js";
import type { IndexMode } from "../../ir/primitives.js";
import { range } from "../../ir/util.js";
import { type DTypeOps, type RefBuffer, type RefImpl, alloc, at, clampInt, opsFor, stridedOffsets, stridesOf } from "./util.js";

/** JAX's default gather fill: NaN for floats, the minimum of signed ints, the maximum of unsigned ints, true for bool. */
export function defaultFillValue(dtype: DType): number {
  switch (dtype) {
    case "float32":
    case "float64":
      return NaN;
    case "int32":
      return -0x80000000;
    case "uint32":
      return 0xffffffff;
    case "bool":
      return 1;
    case "float16":
      return NaN;
    case "int8":
      return -0x80;
    case "uint8":
      return 0xff;
  }
}

interface IndexMapping {
  /** Dims of the windowed array (gather output / updates) that are window dims. */
  windowDims: readonly number[];
  /** Operand dims with no window extent (collapsed / inserted). */
  collapsedDims: readonly number[];
  /** Operand dim addressed by each entry of the index vector. */
  startIndexMap: readonly number[];
  operandBatchingDims: readonly number[];
  indicesBatchingDims: readonly number[];
}

/**
 * For every element of the windowed array (the gather output, or the scatter updates), in
 * row-major order, the flat offset of the operand element it corresponds to, or -1 when
 * mode is "fill" and its window is not wholly in bounds.
 *
 * A windowed index splits into its batch part (which picks an index vector, hence a window
 * start in the operand) and its window part (added to the start in the window dims), so the
 * offset is start(batch part) + window offset(window part), each computed once.
 */
function operandOffsets(
  m: IndexMapping,
  operand: ShapedArray,
  indices: RefBuffer,
  indicesAval: ShapedArray,
  windowed: ShapedArray,
  windowSizes: readonly number[],
  mode: IndexMode,
): Int32Array {
  const opStrides = stridesOf(operand.shape);
  const batchShape = indicesAval.shape.slice(0, -1);
  const vecLength = indicesAval.shape[indicesAval.ndim - 1]!;
  const batchDims = range(windowed.ndim).filter((d) => !m.windowDims.includes(d));
  const operandWindowDims = range(operand.ndim).filter((d) => !m.collapsedDims.includes(d) && !m.operandBatchingDims.includes(d));
  // The window start of each batch element: its index vector, clamped, in the startIndexMap
  // dims, plus its own batch coordinates in the operand batching dims; or -1 for "fill" out of bounds.
  const batchingStrides = batchShape.map((_, j) => {
    const k = m.indicesBatchingDims.indexOf(j);
    return k < 0 ? 0 : opStrides[m.operandBatchingDims[k]!]!;
  });
  const startOffset = stridedOffsets(batchShape, batchingStrides);
  for (let b = 0; b < startOffset.length; b++) {
    let offset = startOffset[b]!;
    let inBounds = true;
    for (let k = 0; k < m.startIndexMap.length; k++) {
      const d = m.startIndexMap[k]!;
      const s = indices[b * vecLength + k]!;
      const hi = operand.shape[d]! - windowSizes[d]!;
      if (s < 0 || s > hi) inBounds = false;
      offset += clampInt(s, 0, hi) * opStrides[d]!;
    }
    startOffset[b] = mode === "fill" && !inBounds ? -1 : offset;
  }
  // For every windowed element: which batch element (row-major over the batch dims), and its offset within the window.
  const batchStrides = stridesOf(batchShape);
  const toBatch = new Array<number>(windowed.ndim).fill(0);
  batchDims.forEach((d, j) => (toBatch[d] = batchStrides[j]!));
  const toWindow = new Array<number>(windowed.ndim).fill(0);
  m.windowDims.forEach((wd, k) => (toWindow[wd] = opStrides[operandWindowDims[k]!]!));
  const batchOf = stridedOffsets(windowed.shape, toBatch);
  const offsets = stridedOffsets(windowed.shape, toWindow);
  for (let e = 0; e < offsets.length; e++) {
    const start = startOffset[batchOf[e]!]!;
    offsets[e] = start < 0 ? -1 : start + offsets[e]!;
  }
  return offsets;
}

export const gatherImpl: RefImpl<"gather"> = (inputs, inAvals, { dimensionNumbers: dn, sliceSizes, mode, fillValue }, outAvals) => {
  const [operand, indices] = [at(inputs, 0), at(inputs, 1)];
  const [operandAval, indicesAval] = [at(inAvals, 0), at(inAvals, 1)];
  const outAval = at(outAvals, 0);
  const out = alloc(outAval);
  const fill = fillValue ?? defaultFillValue(operandAval.dtype);
  const mapping: IndexMapping = {
    windowDims: dn.offsetDims,
    collapsedDims: dn.collapsedSliceDims,
    startIndexMap: dn.startIndexMap,
    operandBatchingDims: dn.operandBatchingDims,
    indicesBatchingDims: dn.startIndicesBatchingDims,
  };
  const src = operandOffsets(mapping, operandAval, indices, indicesAval, outAval, sliceSizes, mode);
  for (let o = 0; o < out.length; o++) out[o] = src[o]! < 0 ? fill : operand[src[o]!]!;
  return [out];
};

function scatterImpl(combine: (ops: DTypeOps) => (old: number, update: number) => number): RefImpl<"scatter" | "scatterAdd" | "scatterMul" | "scatterMin" | "scatterMax"> {
  return (inputs, inAvals, { dimensionNumbers: dn, mode }) => {
    const [operand, indices, updates] = [at(inputs, 0), at(inputs, 1), at(inputs, 2)];
    const [operandAval, indicesAval, updatesAval] = [at(inAvals, 0), at(inAvals, 1), at(inAvals, 2)];
    const f = combine(opsFor(operandAval.dtype));
    // The window extent in each operand dim: 1 for inserted and batching dims, else the updates' window size.
    const windowOperandDims = range(operandAval.ndim).filter((d) => !dn.insertedWindowDims.includes(d) && !dn.operandBatchingDims.includes(d));
    const windowSizes = range(operandAval.ndim).map((d) => {
      const k = windowOperandDims.indexOf(d);
      return k < 0 ? 1 : updatesAval.shape[dn.updateWindowDims[k]!]!;
    });
    const mapping: IndexMapping = {
      windowDims: dn.updateWindowDims,
      collapsedDims: dn.insertedWindowDims,
      startIndexMap: dn.scatterDimsToOperandDims,
      operandBatchingDims: dn.operandBatchingDims,
      indicesBatchingDims: dn.scatterIndicesBatchingDims,
    };
    const out = operand.slice();
    const dst = operandOffsets(mapping, operandAval, indices, indicesAval, updatesAval, windowSizes, mode);
    for (let u = 0; u < dst.length; u++) if (dst[u]! >= 0) out[dst[u]!] = f(out[dst[u]!]!, updates[u]!);
    return [out];
  };
}

/**
 * scatterAdd / scatterMul on float16 (bits in, bits out), as XLA's CPU backend does it (checked
 * against JAX, test/golden/narrow_scatter.json): each update rounds to float16, in update order.
 * Not the widened float32 kernel, which would round repeated updates once at the end.
 */
function scatterFloat16Impl(combine: (a: number, b: number) => number): RefImpl<"scatterAdd" | "scatterMul"> {
  const wide = scatterImpl(() => (a, b) => roundToFloat16(combine(a, b)));
  return (inputs, inAvals, params, outAvals) => {
    const decoded = inputs.map((b, i) => (inAvals[i]!.dtype === "float16" ? Float64Array.from(b as Uint16Array, float16Value) : b));
    return wide(decoded, inAvals, params, outAvals).map((b) => float32ToFloat16(b as Float64Array));
  };
}
export const scatterAddFloat16Impl = scatterFloat16Impl((a, b) => a + b);
export const scatterMulFloat16Impl = scatterFloat16Impl((a, b) => a * b);

export const scatterReplaceImpl = scatterImpl(() => (_old, update) => update);
export const scatterAddImpl = scatterImpl((o) => o.add);
export const scatterMulImpl = scatterImpl((o) => o.mul);
export const scatterMinImpl = scatterImpl((o) => o.min);
export const scatterMaxImpl = scatterImpl((o) => o.max);
