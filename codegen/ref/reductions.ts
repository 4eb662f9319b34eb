/**
 * Reductions over axes, argmax/argmin, and cumulative scans.
 *
 * Floats accumulate in double and are rounded once, when stored; ints wrap at every step.
 *
 * An input element's flat offset splits into a part from the kept dims and a part from the
 * reduced dims, so every reduction is: for each output element (kept offset), fold the
 * input over the reduced offsets, in row-major order of the reduced dims (which is the
 * order of the input itself).
 */
import type { AxesParams, CumulativeParams } from "../../ir/primitives.js";
import { type DTypeOps, type RefBuffer, type RefImpl, alloc, at, opsFor, stridedOffsets, stridesOf } from "./util.js";

/** The offsets of the kept dims' part (one per output element) and of the reduced dims' part, both row-major. */
function splitOffsets(shape: readonly number[], axes: readonly number[]): { kept: Int32Array; reduced: Int32Array } {
  const strides = stridesOf(shape);
  const dimsWhere = (reduced: boolean) => shape.map((_, d) => d).filter((d) => axes.includes(d) === reduced);
  const offsetsOver = (dims: number[]) =>
    stridedOffsets(
      dims.map((d) => shape[d]!),
      dims.map((d) => strides[d]!),
    );
  return { kept: offsetsOver(dimsWhere(false)), reduced: offsetsOver(dimsWhere(true)) };
}

/**
 * The float case of a reduction, as a loop with the combine written in so that it inlines:
 * out[o] = the fold of x[kept[o] + reduced[k]] over k, from the identity, in double.
 */
type FloatReduceLoop = (x: FloatBuffer, kept: Int32Array, reduced: Int32Array, out: FloatBuffer) => void;
type FloatBuffer = Float32Array | Float64Array;

type Reducer = {
  combine: (ops: DTypeOps) => (a: number, b: number) => number;
  identity: (ops: DTypeOps) => number;
  floatLoop?: FloatReduceLoop;
};

type ReducePrimitive = "reduceSum" | "reduceProd" | "reduceMax" | "reduceMin" | "reduceAnd" | "reduceOr";

function reduceImpl(r: Reducer): RefImpl<ReducePrimitive> {
  return (inputs, inAvals, { axes }: AxesParams, outAvals) => {
    const x = at(inputs, 0);
    const inAval = at(inAvals, 0);
    const ops = opsFor(inAval.dtype);
    const { kept, reduced } = splitOffsets(inAval.shape, axes);
    const out = alloc(at(outAvals, 0));
    if (r.floatLoop && (x instanceof Float32Array || x instanceof Float64Array)) {
      r.floatLoop(x, kept, reduced, out as FloatBuffer);
      return [out];
    }
    const combine = r.combine(ops);
    const id = r.identity(ops);
    for (let o = 0; o < out.length; o++) {
      const base = kept[o]!;
      let acc = id;
      for (let k = 0; k < reduced.length; k++) acc = combine(acc, x[base + reduced[k]!]!);
      out[o] = acc;
    }
    return [out];
  };
}

export const reduceSumImpl = reduceImpl({
  combine: (o) => o.add,
  identity: () => 0,
  floatLoop: (x, kept, reduced, out) => {
    for (let o = 0; o < out.length; o++) {
      const base = kept[o]!;
      let acc = 0;
      for (let k = 0; k < reduced.length; k++) acc += x[base + reduced[k]!]!;
      out[o] = acc;
    }
  },
});
export const reduceProdImpl = reduceImpl({
  combine: (o) => o.mul,
  identity: () => 1,
  floatLoop: (x, kept, reduced, out) => {
    for (let o = 0; o < out.length; o++) {
      const base = kept[o]!;
      let acc = 1;
      for (let k = 0; k < reduced.length; k++) acc *= x[base + reduced[k]!]!;
      out[o] = acc;
    }
  },
});
export const reduceMaxImpl = reduceImpl({
  combine: (o) => o.max,
  identity: (o) => o.lowest,
  floatLoop: (x, kept, reduced, out) => {
    for (let o = 0; o < out.length; o++) {
      const base = kept[o]!;
      let acc = -Infinity;
      for (let k = 0; k < reduced.length; k++) acc = Math.max(acc, x[base + reduced[k]!]!);
      out[o] = acc;
    }
  },
});
export const reduceMinImpl = reduceImpl({
  combine: (o) => o.min,
  identity: (o) => o.highest,
  floatLoop: (x, kept, reduced, out) => {
    for (let o = 0; o < out.length; o++) {
      const base = kept[o]!;
      let acc = Infinity;
      for (let k = 0; k < reduced.length; k++) acc = Math.min(acc, x[base + reduced[k]!]!);
      out[o] = acc;
    }
  },
});
/** Bitwise and over ints (identity all ones), logical and over bool. */
export const reduceAndImpl = reduceImpl({
  combine: () => (a, b) => a & b,
  identity: (o) => (o.highest === 1 ? 1 : -1),
});
export const reduceOrImpl = reduceImpl({ combine: () => (a, b) => a | b, identity: () => 0 });

/** The index of the first maximum (argmax) or minimum (argmin) along the axis; a NaN beats everything. */
function argImpl(isMax: boolean): RefImpl<"argmax" | "argmin"> {
  return (inputs, inAvals, { axes }, outAvals) => {
    const x = at(inputs, 0);
    const inAval = at(inAvals, 0);
    const axis = axes[0];
    const n = inAval.shape[axis]!;
    const { kept } = splitOffsets(inAval.shape, [axis]);
    const stride = stridesOf(inAval.shape)[axis]!;
    const out = alloc(at(outAvals, 0));
    for (let o = 0; o < out.length; o++) {
      const base = kept[o]!;
      let best = x[base]!;
      let bestK = 0;
      for (let k = 1; k < n && !Number.isNaN(best); k++) {
        const v = x[base + k * stride]!;
        if (Number.isNaN(v) || (isMax ? v > best : v < best)) {
          best = v;
          bestK = k;
        }
      }
      out[o] = bestK;
    }
    return [out];
  };
}

export const argmaxImpl = argImpl(true);
export const argminImpl = argImpl(false);

/** Inclusive scan along `axis`, from the end when `reverse`. */
function cumulativeImpl(combine: (ops: DTypeOps) => (a: number, b: number) => number): RefImpl<"cumsum" | "cumprod" | "cummax" | "cummin"> {
  return (inputs, inAvals, { axis, reverse }: CumulativeParams, outAvals) => {
    const x = at(inputs, 0);
    const inAval = at(inAvals, 0);
    const f = combine(opsFor(inAval.dtype));
    const out: RefBuffer = alloc(at(outAvals, 0));
    const n = inAval.shape[axis]!;
    const stride = stridesOf(inAval.shape)[axis]!;
    const { kept: lines } = splitOffsets(inAval.shape, [axis]);
    for (let l = 0; l < lines.length; l++) {
      // The line's first element in scan order, and the step to the next.
      const first = lines[l]! + (reverse ? (n - 1) * stride : 0);
      const step = reverse ? -stride : stride;
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const p = first + j * step;
        out[p] = j === 0 ? x[p]! : f(acc, x[p]!);
        // Carry the stored (rounded) value: a float32 scan accumulates in float32, as XLA's
        // does, not in the double the ops compute in (cumsum [1e8, 1, 1, 1, -1e8] ends at 0).
        acc = out[p]!;
      }
    }
    return [out];
  };
}

export const cumsumImpl = cumulativeImpl((o) => o.add);
export const cumprodImpl = cumulativeImpl((o) => o.mul);
export const cummaxImpl = cumulativeImpl((o) => o.max);
export const cumminImpl = cumulativeImpl((o) => o.min);
