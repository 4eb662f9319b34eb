/**
 * Recomputing a cheap elementwise value in each kernel that uses it, instead of storing it.
 *
 * The grouping in lower.ts materializes an elementwise value whose consumers sit in several
 * kernels: one kernel writes it, each consumer reads it back. For a value that costs an
 * instruction or two per element that store and the loads cost more than computing it again
 * where it is used (a store and a load per element and per pass over memory, against one SIMD
 * op). The shape this matters for is softmax's `x - max(x)`, read by the exp-sum and by the
 * output, the logSoftmax that a cross-entropy reads twice (the loss and the gradient's
 * `softmax - onehot`), and a relu that a pooling and pooling's gradient both read: each of
 * those was a kernel of its own writing a temporary the size of the activations.
 *
 * Only operations whose cost is of the order of a load join several kernels: transcendental
 * functions (exp, log, tanh, ...) and divisions stay stored, so work never grows by more than a
 * few simple ops per element and kernel. Recomputing gives bit-identical values (the same
 * IEEE operation on the same operands), so results do not change with the fusion.
 */
import type { Eqn } from "../../ir/jaxpr.js";
import type { BinaryPrimitive, ComparisonPrimitive, Primitive, UnaryPrimitive } from "../../ir/primitives.js";

/** Whether recomputing an elementwise primitive costs about as much as loading its stored value. */
const cheap: Record<UnaryPrimitive | BinaryPrimitive | ComparisonPrimitive, boolean> = {
  // unary
  neg: true,
  sign: true,
  abs: true,
  square: true,
  floor: true,
  ceil: true,
  isFinite: true,
  not: true,
  exp: false,
  exp2: false,
  log: false,
  expm1: false,
  log1p: false,
  tanh: false,
  logistic: false,
  sin: false,
  cos: false,
  tan: false,
  asin: false,
  acos: false,
  atan: false,
  sinh: false,
  cosh: false,
  asinh: false,
  acosh: false,
  atanh: false,
  sqrt: false,
  rsqrt: false,
  cbrt: false,
  erf: false,
  erfc: false,
  erfInv: false,
  // binary
  add: true,
  sub: true,
  mul: true,
  max: true,
  min: true,
  and: true,
  or: true,
  xor: true,
  shiftLeft: true,
  shiftRightLogical: true,
  shiftRightArithmetic: true,
  div: false,
  rem: false,
  pow: false,
  atan2: false,
  nextafter: false,
  // comparisons
  eq: true,
  ne: true,
  lt: true,
  le: true,
  gt: true,
  ge: true,
};

/** Elementwise primitives outside the unary/binary/comparison tables that are as cheap. */
const cheapOthers = new Set<Primitive>(["selectN", "clamp"]);

/**
 * Whether an elementwise equation is recomputed in every kernel that reads it (rather than
 * stored by a kernel of its own) when its consumers are in several kernels. lower.ts still
 * checks that each consumer kernel can take it (not a host step, not re-read per element by a
 * contraction or an overlapping window, not broadcast to a larger shape).
 *
 * Measured and rejected: recomputing softmax's `exp(x - max)` in both the row sum and the
 * normalisation (instead of storing it) made softmax over f32[256, 1000] 0.61 -> 0.84 ms and
 * over f32[256, 8192] no faster (one thread, minima of 60 calls): the vector exp costs about
 * 20 SIMD ops per 4 elements, more than a store and two loads even when the rows are out of
 * cache.
 */
export function recomputable(e: Eqn, consumerKernels: number): boolean {
  if (consumerKernels < 2) return false;
  const p = e.primitive;
  return cheapOthers.has(p) || (Object.hasOwn(cheap, p) && cheap[p as keyof typeof cheap]);
}
