/**
 * Convolutions that are not float32 (float64, int32, uint32 results, or a float32 operand with a
 * float64 preferred type) are reductions instead of matmul kernels: each output element sums
 * the products of the implicit im2col row and the kernel column of lower.ts's `contraction`,
 * in the output dtype (float64 accumulates in float64, integers wrap as int32), over reduced
 * variables for the input feature and each kernel position. Batch and feature groups are the
 * contraction's batch (lower.ts).
 */
import type { Eqn } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { type IExpr, flatten, iadd, idiv, imod, iscale, ivar, newVar } from "./iexpr.js";
import type { Contraction } from "./contraction.js";
import type { NodeFactory, SExpr } from "./sexpr.js";

/** Whether a convolution runs as a packed float32 matmul kernel. */
export const convIsMatmul = (e: Eqn): boolean => e.inputs[0]!.aval.dtype === "float32" && e.inputs[1]!.aval.dtype === "float32" && e.outVars[0]!.aval.dtype === "float32";

/** The value of output element `idx` of a convolution as a sum over (input feature, kernel positions). */
export function convAsReduction(c: Contraction, e: Eqn, idx: readonly IExpr[], f: NodeFactory): SExpr {
  const p = e.params as Params<"convGeneralDilated">;
  const { rhsSpec, outSpec } = p.dimensionNumbers;
  const out = e.outVars[0]!.aval;
  const rhs = e.inputs[1]!.aval;
  const groups = p.featureGroupCount * p.batchGroupCount;
  const OG = rhs.shape[rhsSpec[0]!]! / groups;
  const I = rhs.shape[rhsSpec[1]!]!;
  const ksz = rhsSpec.slice(2).map((d) => rhs.shape[d]!);
  const outSp = outSpec.slice(2).map((d) => out.shape[d]!);
  // (g, m, j) of the contraction from the output index (the inverse of its outIdx)
  const o = idx[outSpec[1]!]!;
  const g = idiv(o, OG);
  const j = imod(o, OG);
  const m = iadd(iscale(idx[outSpec[0]!]!, outSp.reduce((a, b) => a * b, 1)), flatten(outSpec.slice(2).map((d) => idx[d]!), outSp));
  const rvars = [I, ...ksz].map((n) => newVar(n, "k"));
  const k = flatten(rvars.map(ivar), [I, ...ksz]);
  return f.reduce("sum", f.binary("mul", c.a(g, m, k), c.b(g, k, j), out.dtype), rvars, out.dtype);
}
