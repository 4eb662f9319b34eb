/**
 * reduceWindowSum / Max / Min. For output index o and window index w, the element read in
 * each dim is at x = o * stride + w * windowDilation - padLo of the operand dilated by
 * baseDilation; positions outside the operand, and the holes that base dilation makes,
 * hold the reduction's identity (0, -inf / the int minimum, +inf / the int maximum).
 */
import { range } from "../../ir/util.js";
import { type DTypeOps, type RefImpl, alloc, at, flatIndex, forEachIndex, opsFor, stridesOf } from "./util.js";

function reduceWindowImpl(combine: (ops: DTypeOps) => (a: number, b: number) => number, identity: (ops: DTypeOps) => number): RefImpl<"reduceWindowSum" | "reduceWindowMax" | "reduceWindowMin"> {
  return (inputs, inAvals, p, outAvals) => {
    const x = at(inputs, 0);
    const inAval = at(inAvals, 0);
    const outAval = at(outAvals, 0);
    const ops = opsFor(inAval.dtype);
    const f = combine(ops);
    const id = identity(ops);
    const strides = stridesOf(inAval.shape);
    const src = new Array<number>(inAval.ndim).fill(0);
    const out = alloc(outAval);
    forEachIndex(outAval.shape, (oi, flat) => {
      let acc = id;
      forEachIndex(p.windowDimensions, (wi) => {
        for (const d of range(inAval.ndim)) {
          const pos = oi[d]! * p.windowStrides[d]! + wi[d]! * p.windowDilation[d]! - p.padding[d]![0];
          if (pos < 0 || pos % p.baseDilation[d]! !== 0) return; // padding or a dilation hole: the identity
          const i = pos / p.baseDilation[d]!;
          if (i >= inAval.shape[d]!) return;
          src[d] = i;
        }
        acc = f(acc, x[flatIndex(src, strides)]!);
      });
      out[flat] = acc;
    });
    return [out];
  };
}

export const reduceWindowSumImpl = reduceWindowImpl((o) => o.add, () => 0);
export const reduceWindowMaxImpl = reduceWindowImpl((o) => o.max, (o) => o.lowest);
export const reduceWindowMinImpl = reduceWindowImpl((o) => o.min, (o) => o.highest);
