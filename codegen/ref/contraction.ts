/**
 * Contractions: dotGeneral and convGeneralDilated, as direct sums from their definitions.
 * Values are converted to the output dtype (preferredElementType) first; floats
 * accumulate in double and round once at the store, ints wrap at every step.
 */
import { range } from "../../ir/util.js";
import { type RefImpl, alloc, at, convertScalar, forEachIndex, opsFor, stridesOf } from "./util.js";

/** Flat offsets of every index of `shape` (row-major order) along `dims` of an operand with `strides`. */
function offsetsOver(shape: readonly number[], dims: readonly number[], strides: readonly number[]): Int32Array {
  const offs = new Int32Array(shape.reduce((a, b) => a * b, 1));
  forEachIndex(shape, (idx, flat) => {
    let o = 0;
    for (let k = 0; k < dims.length; k++) o += idx[k]! * strides[dims[k]!]!;
    offs[flat] = o;
  });
  return offs;
}

/**
 * Output dims: batch dims, then lhs free dims, then rhs free dims (each in operand order).
 * out[b, i, j] = sum over contraction indices c of lhs[b, i, c] * rhs[b, j, c], with the flat
 * offsets of each index group precomputed once.
 */
export const dotGeneralImpl: RefImpl<"dotGeneral"> = (inputs, inAvals, { dimensionNumbers }, outAvals) => {
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
  const ops = opsFor(outAval.dtype);
  const cvt = (v: number) => convertScalar(v, lhsAval.dtype, outAval.dtype);
  const plainFloat = (outAval.dtype === "float32" || outAval.dtype === "float64") && lhsAval.dtype === outAval.dtype;
  const out = alloc(outAval);
  let flat = 0;
  for (let b = 0; b < lBatch.length; b++) {
    for (let i = 0; i < lFree.length; i++) {
      const lBase = lBatch[b]! + lFree[i]!;
      for (let j = 0; j < rFree.length; j++) {
        const rBase = rBatch[b]! + rFree[j]!;
        let acc = 0;
        if (plainFloat) for (let c = 0; c < lC.length; c++) acc += lhs[lBase + lC[c]!]! * rhs[rBase + rC[c]!]!;
        else for (let c = 0; c < lC.length; c++) acc = ops.add(acc, ops.mul(cvt(lhs[lBase + lC[c]!]!), cvt(rhs[rBase + rC[c]!]!)));
        out[flat++] = acc;
      }
    }
  }
  return [out];
};

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
export const convGeneralDilatedImpl: RefImpl<"convGeneralDilated"> = (inputs, inAvals, p, outAvals) => {
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
  const [lStrides, rStrides] = [stridesOf(lhsAval.shape), stridesOf(rhsAval.shape)];
  const ops = opsFor(outAval.dtype);
  const cvt = (v: number) => convertScalar(v, lhsAval.dtype, outAval.dtype);
  const plainFloat = (outAval.dtype === "float32" || outAval.dtype === "float64") && lhsAval.dtype === outAval.dtype;
  // Every kernel position once: its spatial offsets k (times rhsDilation) and its rhs offset.
  const kernelPositions: { k: number[]; rhsOffset: number }[] = [];
  forEachIndex(kernelShape, (ki) => {
    let off = 0;
    for (let s = 0; s < nsp; s++) off += ki[s]! * rStrides[rhsSpec[s + 2]!]!;
    kernelPositions.push({ k: ki.map((v, s) => v * p.rhsDilation[s]!), rhsOffset: off });
  });
  const out = alloc(outAval);
  forEachIndex(outAval.shape, (oi, flat) => {
    const n = oi[outSpec[0]!]!;
    const o = oi[outSpec[1]!]!;
    const g = Math.floor(o / outPerFeatureGroup);
    const bg = Math.floor(o / outPerBatchGroup);
    const lhsBatch = (bg * batchPerGroup + n) * lStrides[lhsSpec[0]!]!;
    const rhsOut = o * rStrides[rhsSpec[0]!]!;
    let acc = 0;
    for (const { k, rhsOffset } of kernelPositions) {
      // The lhs position this kernel tap reads, in undilated coordinates, or none (padding).
      let lhsSpatial = 0;
      let inside = true;
      for (let s = 0; s < nsp; s++) {
        const x = oi[outSpec[s + 2]!]! * p.windowStrides[s]! + k[s]! - p.padding[s]![0];
        if (x < 0 || x % p.lhsDilation[s]! !== 0) {
          inside = false;
          break;
        }
        const xi = x / p.lhsDilation[s]!;
        if (xi >= inSpatial[s]!) {
          inside = false;
          break;
        }
        lhsSpatial += xi * lStrides[lhsSpec[s + 2]!]!;
      }
      if (!inside) continue;
      const lBase = lhsBatch + lhsSpatial + g * I * lStrides[lhsSpec[1]!]!;
      const rBase = rhsOut + rhsOffset;
      const lStep = lStrides[lhsSpec[1]!]!;
      const rStep = rStrides[rhsSpec[1]!]!;
      if (plainFloat) for (let i = 0; i < I; i++) acc += lhs[lBase + i * lStep]! * rhs[rBase + i * rStep]!;
      else for (let i = 0; i < I; i++) acc = ops.add(acc, ops.mul(cvt(lhs[lBase + i * lStep]!), cvt(rhs[rBase + i * rStep]!)));
    }
    out[flat] = acc;
  });
  return [out];
};
