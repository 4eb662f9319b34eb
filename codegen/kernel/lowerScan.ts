/**
 * Cumulative sums, products, maxima and minima (cumsum, cumprod, cummax, cummin) as one map
 * kernel with a sequential variable: the scanned axis runs in order inside the loop nest, each
 * element combining the one stored before it with its own operand element,
 *
 *   out[.., p, ..] = p is the first in scan order ? x[.., p, ..] : op(out[.., p -+ 1, ..], x[.., p, ..])
 *
 * while every other axis stays parallel (vectorized when innermost, split across threads,
 * one GPU invocation per line). So a scan costs one pass, as the reference's does, and
 * combines in the reference's order.
 */
import type { Eqn } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { flatten, iadd, iclamp, iscale, ivar, newVar } from "./iexpr.js";
import type { MapKernel } from "./kernel.js";
import type { NodeFactory } from "./sexpr.js";

export type CumulativePrimitive = "cumsum" | "cumprod" | "cummax" | "cummin";

const combine = { cumsum: "add", cumprod: "mul", cummax: "max", cummin: "min" } as const;

export const isCumulative = (p: Primitive): p is CumulativePrimitive => Object.hasOwn(combine, p);

/**
 * Whether a cumulative primitive on a narrow dtype has a kernel: every one on int8/uint8;
 * cummax/cummin on float16, but not cumsum/cumprod, whose reference carries its partial results
 * in double and rounds each stored one from there (a kernel that reads back the stored float16
 * would round twice).
 */
export function narrowCumulative(e: Eqn): boolean {
  const d = e.outVars[0]!.aval.dtype;
  return d === "int8" || d === "uint8" || (d === "float16" && (e.primitive === "cummax" || e.primitive === "cummin"));
}

/** The kernel of a cumulative primitive reading its operand from buffer `x` into `out` (null for an empty array). */
export function cumulativeKernel(f: NodeFactory, e: Eqn, bufs: { x: number; out: number }, name: string): MapKernel | null {
  const { axis, reverse } = e.params as Params<"cumsum">;
  const aval = e.outVars[0]!.aval;
  if (aval.size === 0) return null;
  const n = aval.shape[axis]!;
  const vars = aval.shape.map((d, i) => newVar(d, i === axis ? "t" : "i"));
  const t = vars[axis]!;
  // Trip t handles position p (from the end when reversed); the previous position in scan order is p -+ 1.
  const p = reverse ? iadd(n - 1, iscale(ivar(t), -1)) : ivar(t);
  const idx = vars.map((v, i) => (i === axis ? p : ivar(v)));
  const prevIdx = idx.map((x, i) => (i === axis ? iclamp(iadd(x, reverse ? 1 : -1), 0, n - 1) : x));
  const x = f.load(bufs.x, flatten(idx, aval.shape), aval.dtype);
  const prev = f.load(bufs.out, flatten(prevIdx, aval.shape), aval.dtype);
  // int8/uint8 and float16 combine widened (widen.ts): a wrapped sum or product of the wrapped
  // previous value is the wrapped sum, and a float16 max/min needs no rounding
  const wide = narrowCumulative(e) ? (aval.dtype === "float16" ? "float32" : "int32") : aval.dtype;
  const step = f.convert(f.binary(combine[e.primitive as CumulativePrimitive], f.convert(prev, wide), f.convert(x, wide), wide), aval.dtype);
  const value = f.select(f.icond(ivar(t), "eq", 0), [step, x], aval.dtype);
  return { kind: "map", name, vars, outs: [{ buf: bufs.out, value, index: flatten(idx, aval.shape) }], sequential: [t] };
}
