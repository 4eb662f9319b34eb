/**
 * `lax.linalg`: the factorization primitives with JAX's lax.linalg signatures (keyword
 * arguments in a trailing options object). Inputs must already be float arrays of matching
 * batch dims, as in lax; numpy/scipy promote and broadcast before calling these.
 */
import { showShape } from "../../ir/aval.js";
import { isFloat } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { asJArray, describe } from "../core/convert.js";
import { bind, bind1 } from "../core/interpreter.js";
import { ValueError } from "../errors.js";
import { pivotsToPermutation, symmetrize } from "./matrix.js";
import { linalgOptions } from "./options.js";

/** A float array of rank >= 2 (square when asked), or an error naming the function and argument. */
export function matrixArg(fn: string, arg: string, x: ArrayLike, square: boolean): JArray {
  if (!(x instanceof JArray) && typeof x !== "number") throw new TypeError(`${fn}: ${arg} must be an array, got ${describe(x)}`);
  const a = asJArray(x, `${fn}: ${arg}`);
  if (!isFloat(a.dtype)) throw new TypeError(`${fn}: ${arg} must be float32 or float64, got ${a.dtype} with shape ${showShape(a.shape)}`);
  if (a.ndim < 2) throw new ValueError(`${fn}: ${arg} must have at least 2 dimensions (a stack of matrices), got shape ${showShape(a.shape)}`);
  if (square && a.shape[a.ndim - 1] !== a.shape[a.ndim - 2])
    throw new ValueError(`${fn}: ${arg} must be a (stack of) square matrices, got shape ${showShape(a.shape)}`);
  return a;
}

/** Cholesky factor L (lower) of each matrix; NaN where a matrix is not positive definite. */
export function cholesky(x: ArrayLike, opts?: { symmetrizeInput?: boolean }): JArray {
  const { symmetrizeInput } = linalgOptions("lax.linalg.cholesky", opts, { symmetrizeInput: true });
  let a = matrixArg("lax.linalg.cholesky", "x", x, true);
  if (symmetrizeInput) a = symmetrize(a);
  return bind1("cholesky", [a], {});
}

/** [v, w]: eigenvectors (columns) and ascending eigenvalues of symmetric matrices. */
export function eigh(x: ArrayLike, opts?: { lower?: boolean; symmetrizeInput?: boolean; sortEigenvalues?: boolean }): [JArray, JArray] {
  const o = linalgOptions("lax.linalg.eigh", opts, { lower: true, symmetrizeInput: true, sortEigenvalues: true });
  if (!o.sortEigenvalues) throw new ValueError("lax.linalg.eigh: sortEigenvalues=false is not supported (eigenvalues always come out ascending)");
  let a = matrixArg("lax.linalg.eigh", "x", x, true);
  if (o.symmetrizeInput) a = symmetrize(a);
  return bind("eigh", [a], { lower: o.lower }) as [JArray, JArray];
}

/** [lu, pivots, permutation] of LU with partial pivoting: a[permutation] = L U. */
export function lu(x: ArrayLike): [JArray, JArray, JArray] {
  return bind("lu", [matrixArg("lax.linalg.lu", "x", x, false)], {}) as [JArray, JArray, JArray];
}

/** [q, r] (Householder); fullMatrices (default true, as JAX's lax) gives a square q. */
export function qr(x: ArrayLike, opts?: { fullMatrices?: boolean }): [JArray, JArray] {
  const { fullMatrices } = linalgOptions("lax.linalg.qr", opts, { fullMatrices: true });
  return bind("qr", [matrixArg("lax.linalg.qr", "x", x, false)], { fullMatrices }) as [JArray, JArray];
}

/** [u, s, vt] (or s alone without computeUv), singular values descending. */
export function svd(x: ArrayLike, opts: { fullMatrices?: boolean; computeUv: false }): JArray;
export function svd(x: ArrayLike, opts?: { fullMatrices?: boolean; computeUv?: true }): [JArray, JArray, JArray];
export function svd(x: ArrayLike, opts?: { fullMatrices?: boolean; computeUv?: boolean }): JArray | [JArray, JArray, JArray];
export function svd(x: ArrayLike, opts?: { fullMatrices?: boolean; computeUv?: boolean }): JArray | [JArray, JArray, JArray] {
  const { fullMatrices, computeUv } = linalgOptions("lax.linalg.svd", opts, { fullMatrices: true, computeUv: true });
  const outs = bind("svd", [matrixArg("lax.linalg.svd", "x", x, false)], { fullMatrices, computeUv });
  if (!computeUv) return outs[0]!;
  const [s, u, vt] = outs as [JArray, JArray, JArray];
  return [u, s, vt];
}

/**
 * Solves op(a) x = b (leftSide) or x op(a) = b, reading only a's `lower` (or upper) triangle;
 * op(a) = a^T with transposeA. Defaults as JAX's lax.linalg.triangular_solve.
 */
export function triangularSolve(
  a: ArrayLike,
  b: ArrayLike,
  opts?: { leftSide?: boolean; lower?: boolean; transposeA?: boolean; conjugateA?: boolean; unitDiagonal?: boolean },
): JArray {
  const o = linalgOptions("lax.linalg.triangularSolve", opts, { leftSide: false, lower: false, transposeA: false, conjugateA: false, unitDiagonal: false });
  const A = matrixArg("lax.linalg.triangularSolve", "a", a, true);
  const B = matrixArg("lax.linalg.triangularSolve", "b", b, false);
  if (A.dtype !== B.dtype) throw new TypeError(`lax.linalg.triangularSolve: a (${A.dtype}) and b (${B.dtype}) must have the same dtype`);
  return bind1("triangularSolve", [A, B], { leftSide: o.leftSide, lower: o.lower, transposeA: o.transposeA, unitDiagonal: o.unitDiagonal });
}


/** The permutation of 0..permutationSize-1 that LU's row swaps `pivots` make (JAX's lu_pivots_to_permutation). */
export function luPivotsToPermutation(pivots: ArrayLike, permutationSize: number): JArray {
  const p = asJArray(pivots, "lax.linalg.luPivotsToPermutation: pivots");
  if (p.dtype !== "int32" || p.ndim < 1) throw new TypeError(`lax.linalg.luPivotsToPermutation: pivots must be an int32 array of rank >= 1, got ${p.dtype} with shape ${showShape(p.shape)}`);
  if (!Number.isInteger(permutationSize) || permutationSize < p.shape[p.ndim - 1]!)
    throw new ValueError(`lax.linalg.luPivotsToPermutation: permutationSize ${permutationSize} must be an integer >= the number of pivots ${p.shape[p.ndim - 1]}`);
  return pivotsToPermutation(p, permutationSize);
}
