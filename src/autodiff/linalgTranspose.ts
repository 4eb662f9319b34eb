/**
 * Transpose rules of the factorizations: only triangular solve is linear, in its right-hand
 * side b (like div in its numerator): the cotangent of b solves with op(a) transposed.
 */
import type { JArray } from "../core/array.js";
import { bind1 } from "../core/interpreter.js";
import { UndefinedPrimal } from "./transpose.js";
import type { TransposeRule } from "./transposeRules.js";

export const triangularSolveTranspose: TransposeRule<"triangularSolve"> = ([ct], [a, b], p) => {
  if (a instanceof UndefinedPrimal) throw new Error("internal: triangular_solve is not linear in its matrix a");
  if (!(b instanceof UndefinedPrimal)) return [null, null];
  if (!ct) return [null, null];
  return [null, bind1("triangularSolve", [a as JArray, ct], { ...p, transposeA: !p.transposeA })];
};
