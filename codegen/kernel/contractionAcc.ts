/**
 * What a contraction's kernels accumulate in, when that is not its result dtype:
 * - float16 operands (into float16, or float32 by preferredElementType) are decoded to float32
 *   where the panels are packed and accumulate in float32, each output's products added in
 *   order with one accumulator (as the cpu reference and XLA's CPU backend do: float16 in,
 *   float32 sums, one rounding at the end). A product of two float16 values is exact in
 *   float32, so a fused multiply-add gives the same bits as a multiply and an add.
 * - int8/uint8 operands into int8/uint8 accumulate in int32 (the paired kernels) and wrap once
 *   at the end: exact modulo 2^8, the same as wrapping at every step.
 */
import type { DType } from "../../ir/dtype.js";
import type { Eqn } from "../../ir/jaxpr.js";
import type { NodeFactory, SExpr } from "./sexpr.js";

const isContraction = (e: Eqn): boolean => e.primitive === "dotGeneral" || e.primitive === "convGeneralDilated";

/** A dotGeneral or convolution of float16 operands into float16 or float32 (every form: groups, dilations, padding). */
export function isFloat16Contraction(e: Eqn): boolean {
  if (!isContraction(e) || e.inputs.length !== 2) return false;
  const out = e.outVars[0]!.aval.dtype;
  return e.inputs.every((a) => a.aval.dtype === "float16") && (out === "float16" || out === "float32");
}

/** The dtype a contraction's kernels accumulate in (the matmul and direct convolution kernels' `acc`). */
export function accumulatorDtype(e: Eqn): DType {
  const out = e.outVars[0]!.aval.dtype;
  if (isFloat16Contraction(e)) return "float32";
  if ((out === "int8" || out === "uint8") && e.inputs.every((a) => a.aval.dtype === out)) return "int32";
  return out;
}

/** A contraction's value in its epilogue: the accumulator, narrowed to the result dtype. */
export function contractionValue(f: NodeFactory, e: Eqn): SExpr {
  const out = e.outVars[0]!.aval.dtype;
  const acc = accumulatorDtype(e);
  return acc === out ? f.acc(out) : f.convert(f.acc(acc), out);
}

/**
 * A float16 convolution's im2col orders k as (kernel positions, input feature), not (input
 * feature, kernel positions): the order in which the reference and the direct kernel add the
 * products, so that the float32 sums round alike.
 */
export const tapsFirst = (e: Eqn): boolean => e.primitive === "convGeneralDilated" && isFloat16Contraction(e);
