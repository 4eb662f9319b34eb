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
import { matrixArg, pivotsToPermutation, symmetrize } from "./matrix.js";
import { bindArgs, bool, checkedLater, keywordOnly, required } from "../core/options.js";

/** JAX's lax.linalg keyword-only arguments (every one after the operands is keyword-only there). */
const SPECS = {
  cholesky: { symmetrizeInput: keywordOnly(bool) },
  eigh: { lower: keywordOnly(bool), symmetrizeInput: keywordOnly(bool), sortEigenvalues: keywordOnly(bool) },
  lu: {},
  geqrf: {},
  householderProduct: {},
  qr: { fullMatrices: keywordOnly(bool) },
  svd: { fullMatrices: keywordOnly(bool), computeUv: keywordOnly(bool) },
  triangularSolve: {
    leftSide: keywordOnly(bool),
    lower: keywordOnly(bool),
    transposeA: keywordOnly(bool),
    conjugateA: keywordOnly(bool),
    unitDiagonal: keywordOnly(bool),
  },
  luPivotsToPermutation: { permutationSize: required(checkedLater<number>("an integer"), { keyword: true }) },
};

/** Cholesky factor L (lower) of each matrix; NaN where a matrix is not positive definite. */
export function cholesky(x: ArrayLike, opts?: { symmetrizeInput?: boolean }): JArray;
export function cholesky(x: ArrayLike, ...args: unknown[]): JArray {
  const { symmetrizeInput = true } = bindArgs("lax.linalg.cholesky", args, SPECS.cholesky, ["x"]);
  let a = matrixArg("lax.linalg.cholesky", "x", x, true);
  if (symmetrizeInput) a = symmetrize(a);
  return bind1("cholesky", [a], {});
}

/**
 * [v, w]: eigenvectors (columns) and eigenvalues of symmetric matrices, ascending. JAX leaves
 * the order to the backend when sortEigenvalues is false; every backend here sorts, and an
 * ascending order is one such order, so the flag changes nothing.
 */
export function eigh(x: ArrayLike, opts?: { lower?: boolean; symmetrizeInput?: boolean; sortEigenvalues?: boolean }): [JArray, JArray];
export function eigh(x: ArrayLike, ...args: unknown[]): [JArray, JArray] {
  const { lower = true, symmetrizeInput = true, sortEigenvalues = true } = bindArgs("lax.linalg.eigh", args, SPECS.eigh, ["x"]);
  const o = { lower, symmetrizeInput };
  void sortEigenvalues;
  let a = matrixArg("lax.linalg.eigh", "x", x, true);
  if (o.symmetrizeInput) a = symmetrize(a);
  return bind("eigh", [a], { lower: o.lower }) as [JArray, JArray];
}

/** [lu, pivots, permutation] of LU with partial pivoting: a[permutation] = L U. */
export function lu(x: ArrayLike): [JArray, JArray, JArray] {
  bindArgs("lax.linalg.lu", [...arguments].slice(1), SPECS.lu, ["x"]);
  return bind("lu", [matrixArg("lax.linalg.lu", "x", x, false)], {}) as [JArray, JArray, JArray];
}

/** [q, r] (Householder); fullMatrices (default true, as JAX's lax) gives a square q. */
export function qr(x: ArrayLike, opts?: { fullMatrices?: boolean }): [JArray, JArray];
export function qr(x: ArrayLike, ...args: unknown[]): [JArray, JArray] {
  const { fullMatrices = true } = bindArgs("lax.linalg.qr", args, SPECS.qr, ["x"]);
  return bind("qr", [matrixArg("lax.linalg.qr", "x", x, false)], { fullMatrices }) as [JArray, JArray];
}

/**
 * [a, taus]: the QR decomposition in LAPACK geqrf's raw form: r on and above the diagonal of
 * `a`, the Householder vectors (implicit leading 1) below it, their scale factors in taus
 * [..., min(m, n)]. Not differentiable (as in JAX). JAX 0.10.2 keeps this one in
 * jax._src.lax.linalg; jnp.linalg.qr(a, mode="raw") is its public route there.
 */
export function geqrf(a: ArrayLike): [JArray, JArray] {
  bindArgs("lax.linalg.geqrf", [...arguments].slice(1), SPECS.geqrf, ["a"]);
  return bind("geqrf", [matrixArg("lax.linalg.geqrf", "a", a, false)], {}) as [JArray, JArray];
}

/**
 * The first n columns of the product H_0 ... H_{k-1} of the Householder reflectors stored
 * below the diagonal of a [..., m, n] (m >= n) with scale factors taus [..., k] (k <= n), as
 * geqrf returns them: JAX's householder_product (LAPACK orgqr). Not differentiable (as in JAX).
 */
export function householderProduct(a: ArrayLike, taus: ArrayLike): JArray {
  const fn = "lax.linalg.householderProduct";
  bindArgs(fn, [...arguments].slice(2), SPECS.householderProduct, ["a", "taus"]);
  const A = matrixArg(fn, "a", a, false);
  const t = asJArray(taus, `${fn}: taus`);
  const [m, n] = A.shape.slice(-2) as [number, number];
  if (m < n) throw new ValueError(`${fn}: a must have at least as many rows as columns, got shape ${showShape(A.shape)}`);
  if (t.dtype !== A.dtype) throw new TypeError(`${fn}: a (${A.dtype}) and taus (${t.dtype}) must have the same dtype`);
  const batch = A.shape.slice(0, -2);
  if (t.ndim !== A.ndim - 1 || t.shape.slice(0, -1).some((d, i) => d !== batch[i]))
    throw new ValueError(`${fn}: taus must have shape [...batch, k] with a's batch dims, got taus ${showShape(t.shape)} for a ${showShape(A.shape)}`);
  if (t.shape[t.ndim - 1]! > n)
    throw new ValueError(`${fn}: taus (shape ${showShape(t.shape)}) must not have more entries than min(rows, columns) = ${n} of a (shape ${showShape(A.shape)})`);
  return bind1("householderProduct", [A, t], {});
}

/** [u, s, vt] (or s alone without computeUv), singular values descending. */
export function svd(x: ArrayLike, opts: { fullMatrices?: boolean; computeUv: false }): JArray;
export function svd(x: ArrayLike, opts?: { fullMatrices?: boolean; computeUv?: true }): [JArray, JArray, JArray];
export function svd(x: ArrayLike, opts?: { fullMatrices?: boolean; computeUv?: boolean }): JArray | [JArray, JArray, JArray];
export function svd(x: ArrayLike, ...args: unknown[]): JArray | [JArray, JArray, JArray] {
  const { fullMatrices = true, computeUv = true } = bindArgs("lax.linalg.svd", args, SPECS.svd, ["x"]);
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
): JArray;
export function triangularSolve(a: ArrayLike, b: ArrayLike, ...args: unknown[]): JArray {
  const b0 = bindArgs("lax.linalg.triangularSolve", args, SPECS.triangularSolve, ["a", "b"]);
  const o = { leftSide: b0.leftSide ?? false, lower: b0.lower ?? false, transposeA: b0.transposeA ?? false, unitDiagonal: b0.unitDiagonal ?? false };
  const A = matrixArg("lax.linalg.triangularSolve", "a", a, true);
  const B = matrixArg("lax.linalg.triangularSolve", "b", b, false);
  if (A.dtype !== B.dtype) throw new TypeError(`lax.linalg.triangularSolve: a (${A.dtype}) and b (${B.dtype}) must have the same dtype`);
  return bind1("triangularSolve", [A, B], { leftSide: o.leftSide, lower: o.lower, transposeA: o.transposeA, unitDiagonal: o.unitDiagonal });
}


/** The permutation of 0..permutationSize-1 that LU's row swaps `pivots` make (JAX's lu_pivots_to_permutation). */
export function luPivotsToPermutation(pivots: ArrayLike, permutationSize: number): JArray;
export function luPivotsToPermutation(pivots: ArrayLike, ...args: unknown[]): JArray {
  const { permutationSize } = bindArgs("lax.linalg.luPivotsToPermutation", args, SPECS.luPivotsToPermutation, ["pivots"]);
  const p = asJArray(pivots, "lax.linalg.luPivotsToPermutation: pivots");
  if (p.dtype !== "int32" || p.ndim < 1) throw new TypeError(`lax.linalg.luPivotsToPermutation: pivots must be an int32 array of rank >= 1, got ${p.dtype} with shape ${showShape(p.shape)}`);
  if (!Number.isInteger(permutationSize) || permutationSize < p.shape[p.ndim - 1]!)
    throw new ValueError(`lax.linalg.luPivotsToPermutation: permutationSize ${permutationSize} must be an integer >= the number of pivots ${p.shape[p.ndim - 1]}`);
  return pivotsToPermutation(p, permutationSize);
}
