/**
 * reduceWindowSum / Max / Min. For output index o and window index w, the element read in
 * each dim is at x = o * stride + w * windowDilation - padLo of the operand dilated by
 * baseDilation; positions outside the operand, and the holes that base dilation makes,
 * hold the reduction's identity (0, -inf / the int minimum, +inf / the int maximum).
 *
 * That is what this computes, literally: it builds the padded, base-dilated operand (the
 * identity everywhere but where operand elements land), in which every window lies wholly
 * inside, and then folds each window. Combining with the identity changes nothing, so
 * this equals skipping those positions.
 */
import type { RefImpl } from "./util.js";
import { type DTypeOps, alloc, at, opsFor, stridedOffsets, stridesOf } from "./util.js";
import { padInto } from "./structural.js";

type FloatBuffer = Float32Array | Float64Array;

/** The float case of the fold, with the combine written in so that it inlines: out[o] = fold of padded[starts[o] + taps[t]] over t. */
type FloatWindowLoop = (padded: FloatBuffer, starts: Int32Array, taps: Int32Array, out: FloatBuffer) => void;

function reduceWindowImpl(
  combine: (ops: DTypeOps) => (a: number, b: number) => number,
  identity: (ops: DTypeOps) => number,
  floatLoop: FloatWindowLoop,
): RefImpl<"reduceWindowSum" | "reduceWindowMax" | "reduceWindowMin"> {
  return (inputs, inAvals, p, outAvals) => {
    const x = at(inputs, 0);
    const inAval = at(inAvals, 0);
    const outAval = at(outAvals, 0);
    const ops = opsFor(inAval.dtype);
    const id = identity(ops);
    const out = alloc(outAval);
    if (out.length === 0) return [out];
    // The operand dilated by baseDilation and padded, as pad does it: interior = baseDilation - 1.
    const config = p.padding.map(([lo, hi], d) => [lo, hi, p.baseDilation[d]! - 1] as const);
    const paddedShape = inAval.shape.map((n, d) => Math.max(0, config[d]![0] + config[d]![1] + n + Math.max(0, n - 1) * config[d]![2]));
    const padded = padInto(alloc(inAval.update({ shape: paddedShape })).fill(id), paddedShape, x, inAval.shape, config);
    const strides = stridesOf(paddedShape);
    // Where each window starts (o * stride), and where each of its elements is relative to that (w * windowDilation).
    const starts = stridedOffsets(outAval.shape, strides.map((s, d) => s * p.windowStrides[d]!));
    const taps = stridedOffsets(p.windowDimensions, strides.map((s, d) => s * p.windowDilation[d]!));
    if (padded instanceof Float32Array || padded instanceof Float64Array) {
      floatLoop(padded, starts, taps, out as FloatBuffer);
      return [out];
    }
    const f = combine(ops);
    for (let o = 0; o < out.length; o++) {
      let acc = id;
      for (let t = 0; t < taps.length; t++) acc = f(acc, padded[starts[o]! + taps[t]!]!);
      out[o] = acc;
    }
    return [out];
  };
}

export const reduceWindowSumImpl = reduceWindowImpl(
  (o) => o.add,
  () => 0,
  (padded, starts, taps, out) => {
    for (let o = 0; o < out.length; o++) {
      let acc = 0;
      for (let t = 0; t < taps.length; t++) acc += padded[starts[o]! + taps[t]!]!;
      out[o] = acc;
    }
  },
);
export const reduceWindowMaxImpl = reduceWindowImpl(
  (o) => o.max,
  (o) => o.lowest,
  (padded, starts, taps, out) => {
    for (let o = 0; o < out.length; o++) {
      let acc = -Infinity;
      for (let t = 0; t < taps.length; t++) acc = Math.max(acc, padded[starts[o]! + taps[t]!]!);
      out[o] = acc;
    }
  },
);
export const reduceWindowMinImpl = reduceWindowImpl(
  (o) => o.min,
  (o) => o.highest,
  (padded, starts, taps, out) => {
    for (let o = 0; o < out.length; o++) {
      let acc = Infinity;
      for (let t = 0; t < taps.length; t++) acc = Math.min(acc, padded[starts[o]! + taps[t]!]!);
      out[o] = acc;
    }
  },
);
