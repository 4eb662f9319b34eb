/** Solving with an LU factorization (shared by np.linalg.solve/inv and scipy.linalg.luSolve). */
import { range } from "../../ir/util.js";
import { takeAlongAxis as takeAlong } from "../autodiff/ruleUtils.js";
import type { JArray } from "../core/array.js";
import * as lax from "../lax.js";
import * as L from "./laxLinalg.js";

/** Rows of b [..., n, k] in the order `perm` [..., n] (b[perm]). */
export function permuteRows(b: JArray, perm: JArray): JArray {
  const idx = lax.broadcastInDim(perm, [...b.shape], [...range(perm.ndim)]);
  return takeAlong(b, idx, b.ndim - 2);
}

/** The inverse of a batch of permutations. */
function invertPermutation(perm: JArray): JArray {
  return lax.sort([perm, lax.broadcastedIota("int32", perm.shape, perm.ndim - 1)], { dimension: perm.ndim - 1, numKeys: 1 })[1] as JArray;
}

/** x with a x = b (trans 0) or a^T x = b (trans 1, 2) from a's LU; all batch dims equal, b [..., n, k]. */
export function luSolveCore(lu: JArray, perm: JArray, b: JArray, trans: 0 | 1 | 2): JArray {
  if (trans === 0) {
    let x = permuteRows(b, perm);
    x = L.triangularSolve(lu, x, { leftSide: true, lower: true, unitDiagonal: true });
    return L.triangularSolve(lu, x, { leftSide: true, lower: false });
  }
  let x = L.triangularSolve(lu, b, { leftSide: true, lower: false, transposeA: true });
  x = L.triangularSolve(lu, x, { leftSide: true, lower: true, unitDiagonal: true, transposeA: true });
  return permuteRows(x, invertPermutation(perm));
}
