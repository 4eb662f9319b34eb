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
import { blockedScanKernels } from "./blockedScan.js";

export type CumulativePrimitive = "cumsum" | "cumprod" | "cummax" | "cummin";

const combine = { cumsum: "add", cumprod: "mul", cummax: "max", cummin: "min" } as const;

export const isCumulative = (p: Primitive): p is CumulativePrimitive => Object.hasOwn(combine, p);

/**
 * Whether a cumulative primitive on a narrow dtype has kernels: every one on int8/uint8 and
 * float16 (in XLA's blocked order, blockedScan.ts).
 */
export function narrowCumulative(e: Eqn): boolean {
  const d = e.outVars[0]!.aval.dtype;
  return d === "int8" || d === "uint8" || d === "float16";
}

/**
 * The kernels of a cumulative primitive reading its operand from buffer `x` into `out` (none for
 * an empty array); `temp` adds a scratch buffer. float16 follows XLA's order (blockedScan.ts):
 * it rounds at every combination, so the order of a long scan shows in its bits.
 */
export function cumulativeKernels(f: NodeFactory, e: Eqn, bufs: { x: number; out: number }, temp: (dtype: DType, shape: readonly number[]) => number, name: string): MapKernel[] {
  if (e.outVars[0]!.aval.dtype === "float16") return blockedScanKernels(f, e, bufs, temp, name);
  const k = cumulativeKernel(f, e, bufs, name);
  return k ? [k] : [];
}

/** The kernel of a cumulative primitive reading its operand from buffer `x` into `out` (null for an empty array). */
export function cumulativeKernel(f: NodeFactory, e: Eqn, bufs: { x: number; out: number }, name: string): MapKernel | null {
  const aval = e.outVars[0]!.aval;
  if (aval.size === 0) return null;
  // int8/uint8 combine widened (widen.ts): a wrapped sum or product of the wrapped previous
  // value is the wrapped sum
  const wide = narrowCumulative(e) ? "int32" : aval.dtype;
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
