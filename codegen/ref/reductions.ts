/**
 * Reductions over axes, argmax/argmin, and cumulative scans.
 *
 * Floats accumulate in double and are rounded once, when stored; ints wrap at every step.
 */
import type { ShapedArray } from "../../ir/aval.js";
import type { AxesParams, CumulativeParams } from "../../ir/primitives.js";
import { type DTypeOps, type RefBuffer, type RefImpl, alloc, at, forEachIndex, opsFor, stridesOf } from "./util.js";

/** For each input element, the flat position in the output that drops `axes`. */
function reducedPosition(inShape: readonly number[], axes: readonly number[]): (idx: readonly number[]) => number {
  const kept = inShape.map((_, d) => d).filter((d) => !axes.includes(d));
  const outStrides = stridesOf(kept.map((d) => inShape[d]!));
  return (idx) => kept.reduce((f, d, j) => f + idx[d]! * outStrides[j]!, 0);
}

type Reducer = { combine: (ops: DTypeOps) => (a: number, b: number) => number; identity: (ops: DTypeOps) => number };

type ReducePrimitive = "reduceSum" | "reduceProd" | "reduceMax" | "reduceMin" | "reduceAnd" | "reduceOr";

function reduceImpl(r: Reducer): RefImpl<ReducePrimitive> {
  return (inputs, inAvals, { axes }: AxesParams, outAvals) => {
    const x = at(inputs, 0);
    const inAval = at(inAvals, 0);
    const ops = opsFor(inAval.dtype);
    const combine = r.combine(ops);
    const acc = new Float64Array(at(outAvals, 0).size).fill(r.identity(ops));
    const pos = reducedPosition(inAval.shape, axes);
    forEachIndex(inAval.shape, (idx, flat) => {
      const o = pos(idx);
      acc[o] = combine(acc[o]!, x[flat]!);
    });
    const out = alloc(at(outAvals, 0));
    for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
    return [out];
  };
}

export const reduceSumImpl = reduceImpl({ combine: (o) => o.add, identity: () => 0 });
export const reduceProdImpl = reduceImpl({ combine: (o) => o.mul, identity: () => 1 });
export const reduceMaxImpl = reduceImpl({ combine: (o) => o.max, identity: (o) => o.lowest });
export const reduceMinImpl = reduceImpl({ combine: (o) => o.min, identity: (o) => o.highest });
/** Bitwise and over ints (identity all ones), logical and over bool. */
export const reduceAndImpl = reduceImpl({
  combine: () => (a, b) => a & b,
  identity: (o) => (o.highest === 1 ? 1 : -1),
});
export const reduceOrImpl = reduceImpl({ combine: () => (a, b) => a | b, identity: () => 0 });

/** The index of the first maximum (argmax) or minimum (argmin) along the axis; a NaN beats everything. */
function argImpl(better: (v: number, best: number) => boolean): RefImpl<"argmax" | "argmin"> {
  return (inputs, inAvals, { axes }, outAvals) => {
    const x = at(inputs, 0);
    const inAval = at(inAvals, 0);
    const axis = axes[0];
    const n = inAval.shape[axis]!;
    const stride = stridesOf(inAval.shape)[axis]!;
    const out = alloc(at(outAvals, 0));
    const outerShape = inAval.shape.map((d, i) => (i === axis ? 1 : d));
    const inStrides = stridesOf(inAval.shape);
    forEachIndex(outerShape, (idx, o) => {
      const base = idx.reduce((f, v, d) => f + v * inStrides[d]!, 0);
      let best = x[base]!;
      let bestK = 0;
      for (let k = 1; k < n && !Number.isNaN(best); k++) {
        const v = x[base + k * stride]!;
        if (Number.isNaN(v) || better(v, best)) {
          best = v;
          bestK = k;
        }
      }
      out[o] = bestK;
    });
    return [out];
  };
}

export const argmaxImpl = argImpl((v, best) => v > best);
export const argminImpl = argImpl((v, best) => v < best);

/** Inclusive scan along `axis`, from the end when `reverse`. */
function cumulativeImpl(combine: (ops: DTypeOps) => (a: number, b: number) => number): RefImpl<"cumsum" | "cumprod" | "cummax" | "cummin"> {
  return (inputs, inAvals, { axis, reverse }: CumulativeParams, outAvals) => {
    const x = at(inputs, 0);
    const inAval: ShapedArray = at(inAvals, 0);
    const f = combine(opsFor(inAval.dtype));
    const out: RefBuffer = alloc(at(outAvals, 0));
    const n = inAval.shape[axis]!;
    const strides = stridesOf(inAval.shape);
    const stride = strides[axis]!;
    const lineShape = inAval.shape.map((d, i) => (i === axis ? 1 : d));
    forEachIndex(lineShape, (idx) => {
      const base = idx.reduce((p, v, d) => p + v * strides[d]!, 0);
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const p = base + (reverse ? n - 1 - j : j) * stride;
        acc = j === 0 ? x[p]! : f(acc, x[p]!);
        out[p] = acc;
      }
    });
    return [out];
  };
}

export const cumsumImpl = cumulativeImpl((o) => o.add);
export const cumprodImpl = cumulativeImpl((o) => o.mul);
export const cummaxImpl = cumulativeImpl((o) => o.max);
export const cumminImpl = cumulativeImpl((o) => o.min);
