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
import type { DType } from "../../ir/dtype.js";
import type { Eqn } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { flatten, iadd, iclamp, iscale, ivar, newVar } from "./iexpr.js";
import type { MapKernel } from "./kernel.js";
import type { NodeFactory } from "./sexpr.js";

export type CumulativePrimitive = "cumsum" | "cumprod" | "cummax" | "cummin";

const combine = { cumsum: "add", cumprod: "mul", cummax: "max", cummin: "min" } as const;

export const isCumulative = (p: Primitive): p is CumulativePrimitive => Object.hasOwn(combine, p);

/**
 * Whether a cumulative primitive on a narrow dtype has kernels: every one on int8/uint8 and
 * float16. A float16 cumsum/cumprod needs a float32 scratch array (`accumulatesInFloat32`).
 */
export function narrowCumulative(e: Eqn): boolean {
  const d = e.outVars[0]!.aval.dtype;
  return d === "int8" || d === "uint8" || d === "float16";
}

/**
 * A float16 cumsum/cumprod: the reference widens float16 to float32, scans in float32 (carrying
 * each stored float32 partial result) and rounds every output to float16 once, so a kernel that
 * read back its stored float16 would round twice; it scans into a float32 array instead, and a
 * second kernel rounds that.
 */
export const accumulatesInFloat32 = (e: Eqn): boolean => e.outVars[0]!.aval.dtype === "float16" && (e.primitive === "cumsum" || e.primitive === "cumprod");

/**
 * The kernels of a cumulative primitive reading its operand from buffer `x` into `out` (none for
 * an empty array); `acc` is a float32 scratch array of the output's shape where
 * accumulatesInFloat32(e).
 */
export function cumulativeKernels(f: NodeFactory, e: Eqn, bufs: { x: number; out: number; acc?: number }, name: string): MapKernel[] {
  const aval = e.outVars[0]!.aval;
  if (bufs.acc === undefined || !accumulatesInFloat32(e)) {
    const k = cumulativeKernel(f, e, bufs, name);
    return k ? [k] : [];
  }
  if (aval.size === 0) return [];
  const scan = scanKernel(f, e, { buf: bufs.x, dtype: aval.dtype }, { buf: bufs.acc, dtype: "float32" }, "float32", `${name}_f32`);
  const vars = aval.shape.map((d) => newVar(d, "i"));
  const at = flatten(vars.map(ivar), aval.shape);
  const round: MapKernel = { kind: "map", name, vars, outs: [{ buf: bufs.out, value: f.convert(f.load(bufs.acc, at, "float32"), aval.dtype), index: at }] };
  return [scan, round];
}

/** The kernel of a cumulative primitive reading its operand from buffer `x` into `out` (null for an empty array). */
export function cumulativeKernel(f: NodeFactory, e: Eqn, bufs: { x: number; out: number }, name: string): MapKernel | null {
  const aval = e.outVars[0]!.aval;
  if (aval.size === 0) return null;
  // int8/uint8 and float16 combine widened (widen.ts): a wrapped sum or product of the wrapped
  // previous value is the wrapped sum, and a float16 max/min needs no rounding
  const wide = narrowCumulative(e) ? (aval.dtype === "float16" ? "float32" : "int32") : aval.dtype;
  return scanKernel(f, e, { buf: bufs.x, dtype: aval.dtype }, { buf: bufs.out, dtype: aval.dtype }, wide, name);
}

/** out[p] = first ? x[p] : op(out[p -+ 1], x[p]) along the axis, combined in dtype `wide`. */
function scanKernel(f: NodeFactory, e: Eqn, x: { buf: number; dtype: DType }, out: { buf: number; dtype: DType }, wide: DType, name: string): MapKernel {
  const { axis, reverse } = e.params as Params<"cumsum">;
  const aval = e.outVars[0]!.aval;
  const n = aval.shape[axis]!;
  const vars = aval.shape.map((d, i) => newVar(d, i === axis ? "t" : "i"));
  const t = vars[axis]!;
  // Trip t handles position p (from the end when reversed); the previous position in scan order is p -+ 1.
  const p = reverse ? iadd(n - 1, iscale(ivar(t), -1)) : ivar(t);
  const idx = vars.map((v, i) => (i === axis ? p : ivar(v)));
  const prevIdx = idx.map((v, i) => (i === axis ? iclamp(iadd(v, reverse ? 1 : -1), 0, n - 1) : v));
  const xv = f.convert(f.load(x.buf, flatten(idx, aval.shape), x.dtype), out.dtype);
  const prev = f.load(out.buf, flatten(prevIdx, aval.shape), out.dtype);
  const step = f.convert(f.binary(combine[e.primitive as CumulativePrimitive], f.convert(prev, wide), f.convert(xv, wide), wide), out.dtype);
  const value = f.select(f.icond(ivar(t), "eq", 0), [step, xv], out.dtype);
  return { kind: "map", name, vars, outs: [{ buf: out.buf, value, index: flatten(idx, aval.shape) }], sequential: [t] };
}
