/**
 * Contractions: dotGeneral and convGeneralDilated, as direct sums from their definitions.
 * Values are converted to the output dtype (preferredElementType) first; floats
 * accumulate in double and round once at the store, ints wrap at every step.
 */
import { range } from "../../ir/util.js";
import { type RefImpl, alloc, at, convertScalar, flatIndex, forEachIndex, opsFor, stridesOf } from "./util.js";

/** Output dims: batch dims, then lhs free dims, then rhs free dims (each in operand order). */
export const dotGeneralImpl: RefImpl<"dotGeneral"> = (inputs, inAvals, { dimensionNumbers }, outAvals) => {
  const [lhs, rhs] = [at(inputs, 0), at(inputs, 1)];
  const [lhsAval, rhsAval] = [at(inAvals, 0), at(inAvals, 1)];
  const outAval = at(outAvals, 0);
  const [[lc, rc], [lb, rb]] = dimensionNumbers;
  const lfree = range(lhsAval.ndim).filter((d) => !lc.includes(d) && !lb.includes(d));
  const rfree = range(rhsAval.ndim).filter((d) => !rc.includes(d) && !rb.includes(d));
  const [lStrides, rStrides] = [stridesOf(lhsAval.shape), stridesOf(rhsAval.shape)];
  const contractShape = lc.map((d) => lhsAval.shape[d]!);
  const ops = opsFor(outAval.dtype);
  const cvt = (v: number) => convertScalar(v, lhsAval.dtype, outAval.dtype);
  const out = alloc(outAval);
  const li = new Array<number>(lhsAval.ndim).fill(0);
  const ri = new Array<number>(rhsAval.ndim).fill(0);
  forEachIndex(outAval.shape, (oi, flat) => {
    lb.forEach((d, k) => (li[d] = oi[k]!));
    rb.forEach((d, k) => (ri[d] = oi[k]!));
    lfree.forEach((d, k) => (li[d] = oi[lb.length + k]!));
    rfree.forEach((d, k) => (ri[d] = oi[lb.length + lfree.length + k]!));
    let acc = 0;
    forEachIndex(contractShape, (ci) => {
      lc.forEach((d, k) => (li[d] = ci[k]!));
      rc.forEach((d, k) => (ri[d] = ci[k]!));
      acc = ops.add(acc, ops.mul(cvt(lhs[flatIndex(li, lStrides)]!), cvt(rhs[flatIndex(ri, rStrides)]!)));
    });
    out[flat] = acc;
  });
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
  const out = alloc(outAval);
  const li = new Array<number>(lhsAval.ndim).fill(0);
  const ri = new Array<number>(rhsAval.ndim).fill(0);
  forEachIndex(outAval.shape, (oi, flat) => {
    const n = oi[outSpec[0]!]!;
    const o = oi[outSpec[1]!]!;
    const g = Math.floor(o / outPerFeatureGroup);
    const bg = Math.floor(o / outPerBatchGroup);
    li[lhsSpec[0]!] = bg * batchPerGroup + n;
    ri[rhsSpec[0]!] = o;
    let acc = 0;
    for (let i = 0; i < I; i++) {
      li[lhsSpec[1]!] = g * I + i;
      ri[rhsSpec[1]!] = i;
      forEachIndex(kernelShape, (ki) => {
        for (let s = 0; s < nsp; s++) {
          const x = oi[outSpec[s + 2]!]! * p.windowStrides[s]! + ki[s]! * p.rhsDilation[s]! - p.padding[s]![0];
          if (x < 0 || x % p.lhsDilation[s]! !== 0) return;
          const xi = x / p.lhsDilation[s]!;
          if (xi >= inSpatial[s]!) return;
          li[lhsSpec[s + 2]!] = xi;
          ri[rhsSpec[s + 2]!] = ki[s]!;
        }
        acc = ops.add(acc, ops.mul(cvt(lhs[flatIndex(li, lStrides)]!), cvt(rhs[flatIndex(ri, rStrides)]!)));
      });
    }
    out[flat] = acc;
  });
  return [out];
};
