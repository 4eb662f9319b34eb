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
import type { Params } from "../../ir/primitives.js";
import { float16Value, float32ToFloat16, roundToFloat16 } from "../../ir/dtype.js";
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

/**
 * The operand position each window of a max (min) pooling selects, or -1 where the selected
 * element is padding or a base-dilation hole. As XLA folds the select (ge / le) over the window
 * in order (checked against JAX, test/golden/pool_grad.json): the first position is held, and
 * each next one replaces it unless the held value is >= (<=) it. So ties keep the first, a NaN is
 * replaced by the next position (held only at the window's end), and padding reads as the
 * identity (-inf / +inf).
 */
export function selectedPositions(x: ArrayLike<number>, shape: readonly number[], outShape: readonly number[], p: Params<"selectAndScatterAdd">): Int32Array {
  const n = shape.length;
  const strides = stridesOf(shape);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const taps = p.windowDimensions.reduce((a, b) => a * b, 1);
  const max = p.select === "max";
  const chosen = new Int32Array(outSize);
  const o = new Array<number>(n).fill(0);
  const w = new Array<number>(n).fill(0);
  for (let flat = 0; flat < outSize; flat++) {
    let r = flat;
    for (let d = n - 1; d >= 0; d--) {
      o[d] = r % outShape[d]!;
      r = Math.floor(r / outShape[d]!);
    }
    const identity = max ? -Infinity : Infinity;
    let best = identity;
    let bestPos = -1;
    for (let t = 0; t < taps; t++) {
      let q = t;
      for (let d = n - 1; d >= 0; d--) {
        w[d] = q % p.windowDimensions[d]!;
        q = Math.floor(q / p.windowDimensions[d]!);
      }
      let pos = 0;
      for (let d = 0; d < n && pos >= 0; d++) {
        const X = o[d]! * p.windowStrides[d]! + w[d]! * p.windowDilation[d]! - p.padding[d]![0];
        const bd = p.baseDilation[d]!;
        if (X < 0 || X > (shape[d]! - 1) * bd || X % bd !== 0) pos = -1;
        else pos += (X / bd) * strides[d]!;
      }
      const v = pos >= 0 ? x[pos]! : identity;
      if (t === 0 || !(max ? best >= v : best <= v)) {
        best = v;
        bestPos = pos;
      }
    }
    chosen[flat] = bestPos;
  }
  return chosen;
}

export const selectAndScatterAddImpl: RefImpl<"selectAndScatterAdd"> = (inputs, inAvals, p, outAvals) => {
  const source = at(inputs, 0);
  const x = at(inputs, 1);
  const out = alloc(at(outAvals, 0));
  const chosen = selectedPositions(x, at(inAvals, 1).shape, at(inAvals, 0).shape, p);
  for (let o = 0; o < chosen.length; o++) {
    const pos = chosen[o]!;
    if (pos >= 0) out[pos] = out[pos]! + source[o]!;
  }
  return [out];
};

/**
 * selectAndScatterAdd on float16 (bits in, bits out), as XLA's CPU backend does it (checked
 * against JAX, test/golden/pool_grad.json): the windows add their source values into the
 * operand element they select in window order, each addition rounded to float16. Not the
 * widened float32 kernel, which would round once at the end (1 + 2^-11 + 2^-11 is 1 in
 * float16 one addition at a time, 1 + 2^-10 rounded once).
 */
export const selectAndScatterAddFloat16Impl: RefImpl<"selectAndScatterAdd"> = (inputs, inAvals, p, outAvals) => {
  const source = at(inputs, 0);
  const x = at(inputs, 1);
  const sum = new Float64Array(at(outAvals, 0).size);
  const chosen = selectedPositions(Array.from(x, float16Value), at(inAvals, 1).shape, at(inAvals, 0).shape, p);
  for (let o = 0; o < chosen.length; o++) {
    const pos = chosen[o]!;
    if (pos >= 0) sum[pos] = roundToFloat16(sum[pos]! + float16Value(source[o]!));
  }
  return [float32ToFloat16(sum)];
};

export const selectAndGatherAddImpl: RefImpl<"selectAndGatherAdd"> = (inputs, inAvals, p, outAvals) => {
  const t = at(inputs, 0);
  const x = at(inputs, 1);
  const out = alloc(at(outAvals, 0));
  const chosen = selectedPositions(x, at(inAvals, 1).shape, at(outAvals, 0).shape, p);
  for (let o = 0; o < chosen.length; o++) out[o] = chosen[o]! >= 0 ? t[chosen[o]!]! : 0;
  return [out];
};
