/**
 * Contractions: dotGeneral and convGeneralDilated, as direct sums from their definitions.
 * Values are converted to the output dtype (preferredElementType) first; floats
 * accumulate in double and round once at the store, ints wrap at every step.
 * float16 operands (widened to float32 by index.ts) accumulate in float32 instead, rounding at
 * every step, in the order of the loops (dot: contracting indices row-major; convolution: kernel
 * positions row-major, then input features): XLA's CPU backend converts float16 operands to
 * float32 and runs a float32 contraction (test/golden/gen_narrow_contraction.py), and the wasm
 * kernels sum in exactly this order.
 */
import { range } from "../../ir/util.js";
import { type RefBuffer, type RefImpl, alloc, at, convertScalar, forEachIndex, opsFor, stridedOffsets, stridesOf } from "./util.js";

/** Flat offsets of every index of `shape` (row-major order) along `dims` of an operand with `strides`. */
function offsetsOver(shape: readonly number[], dims: readonly number[], strides: readonly number[]): Int32Array {
  return stridedOffsets(
    shape,
    dims.map((d) => strides[d]!),
  );
}

/**
 * Output dims: batch dims, then lhs free dims, then rhs free dims (each in operand order).
 * out[b, i, j] = sum over contraction indices c of lhs[b, i, c] * rhs[b, j, c], with the flat
 * offsets of each index group precomputed once.
 */
export const dotGeneralImpl: RefImpl<"dotGeneral"> = (inputs, inAvals, params, outAvals) => dotGeneralWith(false, inputs, inAvals, params, outAvals);

/** dotGeneral of float16 operands (widened to float32): float32 accumulation, in order. */
export const dotGeneralFloat16Impl: RefImpl<"dotGeneral"> = (inputs, inAvals, params, outAvals) => dotGeneralWith(true, inputs, inAvals, params, outAvals);

function dotGeneralWith(f32: boolean, ...[inputs, inAvals, { dimensionNumbers }, outAvals]: Parameters<RefImpl<"dotGeneral">>): RefBuffer[] {
  const [lhs, rhs] = [at(inputs, 0), at(inputs, 1)];
  const [lhsAval, rhsAval] = [at(inAvals, 0), at(inAvals, 1)];
  const outAval = at(outAvals, 0);
  const [[lc, rc], [lb, rb]] = dimensionNumbers;
  const lfree = range(lhsAval.ndim).filter((d) => !lc.includes(d) && !lb.includes(d));
  const rfree = range(rhsAval.ndim).filter((d) => !rc.includes(d) && !rb.includes(d));
  const [lStrides, rStrides] = [stridesOf(lhsAval.shape), stridesOf(rhsAval.shape)];
  const batchShape = lb.map((d) => lhsAval.shape[d]!);
  const contractShape = lc.map((d) => lhsAval.shape[d]!);
  const lBatch = offsetsOver(batchShape, lb, lStrides);
  const rBatch = offsetsOver(batchShape, rb, rStrides);
  const lFree = offsetsOver(lfree.map((d) => lhsAval.shape[d]!), lfree, lStrides);
  const rFree = offsetsOver(rfree.map((d) => rhsAval.shape[d]!), rfree, rStrides);
  const lC = offsetsOver(contractShape, lc, lStrides);
  const rC = offsetsOver(contractShape, rc, rStrides);
  const out = alloc(outAval);
  const plainFloat = (outAval.dtype === "float32" || outAval.dtype === "float64") && lhsAval.dtype === outAval.dtype;
  if (plainFloat || (f32 && isFloatOut(outAval.dtype))) {
    dotFloat(lhs, rhs, out, lBatch, rBatch, lFree, rFree, lC, rC, f32);
    return [out];
  }
  // int8/uint8/int32 operands into int32 (quantized inference): every value is already an
  // int32, so the sum wraps with Math.imul and |0 without per-element conversions.
  if (outAval.dtype === "int32" && smallIntDtypes.has(lhsAval.dtype) && smallIntDtypes.has(rhsAval.dtype)) {
    let flat = 0;
    for (let b = 0; b < lBatch.length; b++)
      for (let i = 0; i < lFree.length; i++) {
        const lBase = lBatch[b]! + lFree[i]!;
        for (let j = 0; j < rFree.length; j++) {
          const rBase = rBatch[b]! + rFree[j]!;
          let acc = 0;
          for (let c = 0; c < lC.length; c++) acc = (acc + Math.imul(lhs[lBase + lC[c]!]!, rhs[rBase + rC[c]!]!)) | 0;
          out[flat++] = acc;
        }
      }
    return [out];
  }
  const ops = opsFor(outAval.dtype);
  const cvt = (v: number) => convertScalar(v, lhsAval.dtype, outAval.dtype);
  let flat = 0;
  for (let b = 0; b < lBatch.length; b++) {
    for (let i = 0; i < lFree.length; i++) {
      const lBase = lBatch[b]! + lFree[i]!;
      for (let j = 0; j < rFree.length; j++) {
        const rBase = rBatch[b]! + rFree[j]!;
        let acc = 0;
        for (let c = 0; c < lC.length; c++) acc = ops.add(acc, ops.mul(cvt(lhs[lBase + lC[c]!]!), cvt(rhs[rBase + rC[c]!]!)));
        out[flat++] = acc;
      }
    }
  }
  return [out];
};

/**
 * The same sums for float operands in the output dtype: double multiply-adds, rounded at
 * the store. The j and c loops are swapped so that the innermost loop runs along a row of
 * outputs; each out[b, i, j] still has its own double accumulator acc[j] and adds its
 * products in order of c, so the results are exactly those of the loops above.
 */
function dotFloat(
  lhs: RefBuffer,
  rhs: RefBuffer,
  out: RefBuffer,
  lBatch: Int32Array,
  rBatch: Int32Array,
  lFree: Int32Array,
  rFree: Int32Array,
  lC: Int32Array,
  rC: Int32Array,
  f32: boolean,
): void {
  const acc = new Float64Array(rFree.length);
  let flat = 0;
  for (let b = 0; b < lBatch.length; b++) {
    for (let i = 0; i < lFree.length; i++) {
      const lBase = lBatch[b]! + lFree[i]!;
      acc.fill(0);
      for (let c = 0; c < lC.length; c++) {
        const v = lhs[lBase + lC[c]!]!;
        const r = rBatch[b]! + rC[c]!;
        if (f32) for (let j = 0; j < rFree.length; j++) acc[j] = Math.fround(acc[j]! + Math.fround(v * rhs[r + rFree[j]!]!));
        else for (let j = 0; j < rFree.length; j++) acc[j] = acc[j]! + v * rhs[r + rFree[j]!]!;
      }
      for (let j = 0; j < rFree.length; j++) out[flat++] = acc[j]!;
    }
  }
}

/**
 * XLA's convolution (cross-correlation, no kernel flip). For output (n, o, p...):
 *   sum over input feature i of its group and kernel position k... of
 *   lhs[batch, feature, x...] * rhs[o, i, k...]
 * where x = p * stride + k * rhsDilation - padLo is a coordinate in the lhs dilated by
 * lhsDilation (only multiples of lhsDilation hold elements: x / lhsDilation; the rest,
 * and everything outside, is zero padding).
 * featureGroupCount G: output feature o uses lhs features g*I .. g*I + I - 1 with
 *   g = floor(o / (O / G)) (I = rhs in-feature size).
 * batchGroupCount B: output feature o reads lhs batch bg * (N / B) + n with
 *   bg = floor(o / (O / B)).
 */
export const convGeneralDilatedImpl: RefImpl<"convGeneralDilated"> = (inputs, inAvals, p, outAvals) => convWith(false, inputs, inAvals, p, outAvals);

/** convGeneralDilated of float16 operands (widened to float32): float32 accumulation, in order. */
export const convGeneralDilatedFloat16Impl: RefImpl<"convGeneralDilated"> = (inputs, inAvals, p, outAvals) => convWith(true, inputs, inAvals, p, outAvals);

function convWith(f32: boolean, ...[inputs, inAvals, p, outAvals]: Parameters<RefImpl<"convGeneralDilated">>): RefBuffer[] {
  const [lhs, rhs] = [at(inputs, 0), at(inputs, 1)];
  const [lhsAval, rhsAval] = [at(inAvals, 0), at(inAvals, 1)];
  const outAval = at(outAvals, 0);
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const nsp = lhsAval.ndim - 2;
  const N = lhsAval.shape[lhsSpec[0]!]!;
  const O = rhsAval.shape[rhsSpec[0]!]!;
  const I = rhsAval.shape[rhsSpec[1]!]!;
  const outPerFeatureGroup = O / p.featureGroupCount;
  const outPerBatchGroup = O / p.batchGroupCount;
  const batchPerGroup = N / p.batchGroupCount;
  const kernelShape = range(nsp).map((s) => rhsAval.shape[rhsSpec[s + 2]!]!);
  const inSpatial = range(nsp).map((s) => lhsAval.shape[lhsSpec[s + 2]!]!);
  const outSpatial = range(nsp).map((s) => outAval.shape[outSpec[s + 2]!]!);
  const [lStrides, rStrides, outStrides] = [stridesOf(lhsAval.shape), stridesOf(rhsAval.shape), stridesOf(outAval.shape)];
  const lStep = lStrides[lhsSpec[1]!]!; // to the next input feature, in lhs and in rhs
  const rStep = rStrides[rhsSpec[1]!]!;
  const ops = opsFor(outAval.dtype);
  const cvt = (v: number) => convertScalar(v, lhsAval.dtype, outAval.dtype);
  const plainFloat = ((outAval.dtype === "float32" || outAval.dtype === "float64") && lhsAval.dtype === outAval.dtype) || (f32 && isFloatOut(outAval.dtype));
  const plainInt = outAval.dtype === "int32" && smallIntDtypes.has(lhsAval.dtype) && smallIntDtypes.has(rhsAval.dtype);
  // Every kernel position once (row-major): its index in each spatial dim, and its rhs offset.
  const K = kernelShape.reduce((a, b) => a * b, 1);
  const kernelIndex = range(nsp).map((s) => stridedOffsets(kernelShape, range(nsp).map((t) => (t === s ? 1 : 0))));
  const kernelRhsOffset = stridedOffsets(
    kernelShape,
    range(nsp).map((s) => rStrides[rhsSpec[s + 2]!]!),
  );
  // For one output spatial position: the kernel taps that land on an lhs element (not on
  // padding or a dilation hole), with that element's spatial offset and the tap's rhs offset.
  const tapLhs = new Int32Array(K);
  const tapRhs = new Int32Array(K);
  const [outBatchStride, outFeatureStride] = [outStrides[outSpec[0]!]!, outStrides[outSpec[1]!]!];
  const [lBatchStride, rOutStride] = [lStrides[lhsSpec[0]!]!, rStrides[rhsSpec[0]!]!];
  const acc = new Float64Array(O);
  const out = alloc(outAval);
  forEachIndex(outSpatial, (q) => {
    let taps = 0;
    for (let t = 0; t < K; t++) {
      let lhsSpatial = 0;
      let inside = true;
      for (let s = 0; s < nsp; s++) {
        const x = q[s]! * p.windowStrides[s]! + kernelIndex[s]![t]! * p.rhsDilation[s]! - p.padding[s]![0];
        const xi = x / p.lhsDilation[s]!;
        if (x < 0 || x % p.lhsDilation[s]! !== 0 || xi >= inSpatial[s]!) {
          inside = false;
          break;
        }
        lhsSpatial += xi * lStrides[lhsSpec[s + 2]!]!;
      }
      if (!inside) continue;
      tapLhs[taps] = lhsSpatial;
      tapRhs[taps] = kernelRhsOffset[t]!;
      taps++;
    }
    let outSpatialOffset = 0;
    for (let s = 0; s < nsp; s++) outSpatialOffset += q[s]! * outStrides[outSpec[s + 2]!]!;
    // Every output (n, o) at this position: the sum over the taps, then the group's input features.
    for (let n = 0; n < N / p.batchGroupCount; n++) {
      const outBase = n * outBatchStride + outSpatialOffset;
      acc.fill(0);
      // Output features o0 .. o1 - 1 share their feature group g and batch group bg, so they read the same lhs elements.
      for (let o0 = 0; o0 < O; ) {
        const g = Math.floor(o0 / outPerFeatureGroup);
        const bg = Math.floor(o0 / outPerBatchGroup);
        const o1 = Math.min((g + 1) * outPerFeatureGroup, (bg + 1) * outPerBatchGroup);
        const lBase = (bg * batchPerGroup + n) * lBatchStride + g * I * lStep;
        if (plainFloat) convRunFloat(lhs, rhs, acc, lBase, o0, o1, rOutStride, tapLhs, tapRhs, taps, I, lStep, rStep, f32);
        else if (plainInt) convRunInt(lhs, rhs, acc, lBase, o0, o1, rOutStride, tapLhs, tapRhs, taps, I, lStep, rStep);
        else
          for (let o = o0; o < o1; o++)
            for (let t = 0; t < taps; t++)
              for (let i = 0; i < I; i++) {
                const l = cvt(lhs[lBase + tapLhs[t]! + i * lStep]!);
                acc[o] = ops.add(acc[o]!, ops.mul(l, cvt(rhs[o * rOutStride + tapRhs[t]! + i * rStep]!)));
              }
        o0 = o1;
      }
      for (let o = 0; o < O; o++) out[outBase + o * outFeatureStride] = acc[o]!;
    }
  });
  return [out];
};

/** float16 contractions into float16 (widened: float32 here) or float32. */
const isFloatOut = (d: string): boolean => d === "float32";

/** Operand dtypes whose values are int32 values already (int8/uint8 weights and activations). */
const smallIntDtypes = new Set(["int8", "uint8", "int32"]);

/** convRunFloat for int32 results of int8/uint8/int32 operands: products and sums wrap as int32. */
function convRunInt(
  lhs: RefBuffer,
  rhs: RefBuffer,
  acc: Float64Array,
  lBase: number,
  o0: number,
  o1: number,
  rOutStride: number,
  tapLhs: Int32Array,
  tapRhs: Int32Array,
  taps: number,
  I: number,
  lStep: number,
  rStep: number,
): void {
  for (let t = 0; t < taps; t++) {
    for (let i = 0; i < I; i++) {
      const v = lhs[lBase + tapLhs[t]! + i * lStep]!;
      const r = tapRhs[t]! + i * rStep;
      for (let o = o0; o < o1; o++) acc[o] = (acc[o]! + Math.imul(v, rhs[r + o * rOutStride]!)) | 0;
    }
  }
}

/**
 * The float case of the sums for outputs o0 .. o1 - 1 at one position: double multiply-adds.
 * The o loop is innermost (in HWIO kernels it runs along contiguous rhs elements); each
 * output still has its own accumulator acc[o] and adds its products in the order of the
 * generic loop above (taps, then features i), so the results are exactly the same.
 */
function convRunFloat(
  lhs: RefBuffer,
  rhs: RefBuffer,
  acc: Float64Array,
  lBase: number,
  o0: number,
  o1: number,
  rOutStride: number,
  tapLhs: Int32Array,
  tapRhs: Int32Array,
  taps: number,
  I: number,
  lStep: number,
  rStep: number,
  f32: boolean,
): void {
  for (let t = 0; t < taps; t++) {
    for (let i = 0; i < I; i++) {
      const v = lhs[lBase + tapLhs[t]! + i * lStep]!;
      const r = tapRhs[t]! + i * rStep;
      if (f32) for (let o = o0; o < o1; o++) acc[o] = Math.fround(acc[o]! + Math.fround(v * rhs[r + o * rOutStride]!));
      else for (let o = o0; o < o1; o++) acc[o] = acc[o]! + v * rhs[r + o * rOutStride]!;
    }
  }
}
