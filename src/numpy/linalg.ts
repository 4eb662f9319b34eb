/**
 * `np.linalg`: NumPy's linear algebra with JAX's semantics, written on top of the
 * factorization primitives (lax.linalg) as jax.numpy.linalg is: solve and inv through LU, det
 * and slogdet through LU with JAX's custom derivatives (exact on singular matrices for det),
 * lstsq and pinv through the SVD, norms as JAX computes them. Batched over leading dims.
 */
import { showShape } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import { range } from "../../ir/util.js";
import { customJvp } from "../autodiff/custom.js";
import { full, takeAlongAxis as takeAlong } from "../autodiff/ruleUtils.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as L from "../linalg/laxLinalg.js";
import { luSolveCore, permuteRows } from "../linalg/luSolve.js";
import { diagonalOf, eye, mT, mm } from "../linalg/matrix.js";
import { bindArgs, bool, checkedLater, int, keywordOnly, num, oneOf, orNull, union, intOrInts } from "../core/options.js";
import * as C from "./contraction.js";
import { trace as npTrace, diagonal as npDiagonal } from "./diagonal.js";
import { asArray, broadcastShapes, promoteArgs, promoteArgsInexact } from "./util.js";

const axisOrAxes = orNull(intOrInts);
/** jax.numpy.linalg's signatures: positional in NumPy's order, keyword-only where JAX's are. */
const SPECS = {
  slogdet: { method: keywordOnly(orNull(checkedLater<"lu" | "qr">('"lu" or "qr"'))) },
  cholesky: { upper: keywordOnly(bool), symmetrizeInput: keywordOnly(bool) },
  eigh: { UPLO: orNull(checkedLater<"L" | "U">('"L" or "U"')), symmetrizeInput: bool },
  eigvalsh: { UPLO: orNull(checkedLater<"L" | "U">('"L" or "U"')), symmetrizeInput: keywordOnly(bool) },
  svd: { fullMatrices: bool, computeUv: bool, hermitian: bool },
  qr: { mode: checkedLater<string>('"reduced", "complete", "r" or "raw"') },
  lstsq: { rcond: orNull(num), numpyResid: keywordOnly(bool) },
  pinv: { rtol: orNull(num), hermitian: bool },
  matrixRank: { rtol: orNull(num), hermitian: keywordOnly(bool) },
  norm: { ord: checkedLater<Ord>("a norm order"), axis: axisOrAxes, keepdims: bool },
  vectorNorm: { axis: keywordOnly(axisOrAxes), keepdims: keywordOnly(bool), ord: keywordOnly(num) },
  matrixNorm: { keepdims: keywordOnly(bool), ord: keywordOnly(checkedLater<Ord>("a norm order")) },
  axis: { axis: keywordOnly(int) },
  diagonal: { offset: keywordOnly(int) },
  trace: { offset: keywordOnly(int), dtype: keywordOnly(orNull(checkedLater<DType>("a dtype"))) },
  tensordot: { axes: keywordOnly(checkedLater<number | readonly [readonly number[], readonly number[]]>("an integer or a pair of axis lists")) },
};

const s = (x: { shape: readonly number[] }) => showShape(x.shape);
const fillOf = (v: number, dtype: DType, shape: readonly number[]): JArray => full(v, { shape, dtype });
const zerosOf = (dtype: DType, shape: readonly number[]) => fillOf(0, dtype, shape);
const onesOf = (dtype: DType, shape: readonly number[]) => fillOf(1, dtype, shape);

/** The argument as a float array (ints promote to float32, as JAX without x64). */
const inexact = (fn: string, x: ArrayLike): JArray => promoteArgsInexact(fn, [x])[0]!;

/** A float stack of matrices; `square` checks the last two dims agree. */
function matrices(fn: string, x: ArrayLike, square: boolean, arg = "a"): JArray {
  const a = inexact(fn, x);
  if (a.ndim < 2) throw new ValueError(`${fn}: ${arg} must have at least 2 dimensions, got shape ${s(a)}`);
  if (square && a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) throw new ValueError(`${fn}: ${arg} must be a (stack of) square matrices, got shape ${s(a)}`);
  return a;
}

/** `x` with its batch dims (all but the last `core`) broadcast to `batch`. */
function toBatch(x: JArray, batch: readonly number[], core: number): JArray {
  const coreShape = x.shape.slice(x.ndim - core);
  const shape = [...batch, ...coreShape];
  if (shape.length === x.ndim && shape.every((d, i) => d === x.shape[i])) return x;
  const off = shape.length - x.ndim;
  return lax.broadcastInDim(x, shape, range(x.ndim).map((i) => i + off));
}

const cast = (x: JArray, dtype: DType) => (x.dtype === dtype ? x : lax.convertElementType(x, dtype));

// --- solves ------------------------------------------------------------------------------

/** Solves a x = b: b is a vector [n] or a stack of matrices [..., n, k] (NumPy 2's rule, as JAX). */
export function solve(a: ArrayLike, b: ArrayLike): JArray {
  const fn = "np.linalg.solve";
  const [A0, B0] = promoteArgsInexact(fn, [a, b]) as [JArray, JArray];
  if (A0.ndim < 2) throw new ValueError(`${fn}: left hand array a must be at least two dimensional; got a.shape=${s(A0)}`);
  const n = A0.shape[A0.ndim - 1]!;
  if (A0.shape[A0.ndim - 2] !== n) throw new ValueError(`${fn}: a must be a (stack of) square matrices, got a.shape=${s(A0)}`);
  if (B0.ndim === 0) throw new ValueError(`${fn}: b must have at least 1 dimension, got b.shape=${s(B0)}`);
  if (B0.ndim === 1) {
    if (B0.shape[0] !== n) throw new ValueError(`${fn}: a with shape ${s(A0)} and b with shape ${s(B0)} do not match (b needs ${n} entries)`);
    const batch = A0.shape.slice(0, -2);
    const bb = toBatch(lax.reshape(B0, [n, 1]), batch, 2);
    const [lu, , perm] = L.lu(A0);
    const x = luSolveCore(lu, perm, bb, 0);
    return lax.reshape(x, [...batch, n]);
  }
  if (B0.shape[B0.ndim - 2] !== n)
    throw new ValueError(`${fn}: a with shape ${s(A0)} and b with shape ${s(B0)} do not match (b must be [..., ${n}, k] or [${n}])`);
  const batch = broadcastShapes(fn, A0.shape.slice(0, -2), B0.shape.slice(0, -2));
  const A = toBatch(A0, batch, 2);
  const B = toBatch(B0, batch, 2);
  const [lu, , perm] = L.lu(A);
  return luSolveCore(lu, perm, B, 0);
}

/** The inverse of each matrix (inf/NaN for singular ones, as JAX). */
export function inv(a: ArrayLike): JArray {
  const A = matrices("np.linalg.inv", a, true);
  const n = A.shape[A.ndim - 1]!;
  return solve(A, lax.broadcastInDim(eye([n, n], A.dtype), [...A.shape], [A.ndim - 2, A.ndim - 1]));
}

// --- determinants ------------------------------------------------------------------------

/** An element [..., i, j] of a stack of matrices. */
const entry = (a: JArray, i: number, j: number): JArray => {
  const nd = a.ndim;
  const start = a.shape.map((_, d) => (d === nd - 2 ? i : d === nd - 1 ? j : 0));
  const limit = a.shape.map((x, d) => (d === nd - 2 ? i + 1 : d === nd - 1 ? j + 1 : x));
  return lax.reshape(lax.slice(a, start, limit), a.shape.slice(0, -2));
};

/** (-1)^(number of row swaps) from LU pivots, in `dtype`. */
function pivotSign(pivots: JArray, dtype: DType, extraNegatives?: JArray): JArray {
  const iota = lax.broadcastedIota("int32", pivots.shape, pivots.ndim - 1);
  let parity = lax.reduceSum(lax.convertElementType(lax.ne(pivots, iota), "int32"), [pivots.ndim - 1]);
  if (extraNegatives) parity = lax.add(parity, extraNegatives);
  const odd = lax.rem(parity, 2);
  return lax.convertElementType(lax.sub(1, lax.mul(odd, 2)), dtype);
}

function slogdetLu(a: JArray): [JArray, JArray] {
  const [lu, pivots] = L.lu(a);
  const d = diagonalOf(lu);
  const last = d.ndim - 1;
  const isZero = lax.reduceOr(lax.eq(d, 0), [last]);
  const negatives = lax.reduceSum(lax.convertElementType(lax.lt(d, 0), "int32"), [last]);
  const sign = lax.select(isZero, zerosOf(a.dtype, isZero.shape), pivotSign(pivots, a.dtype, negatives));
  const logdet = lax.select(isZero, fillOf(-Infinity, a.dtype, isZero.shape), lax.reduceSum(lax.log(lax.abs(d)), [last]));
  return [sign, logdet];
}

/** JAX's slogdet through LU, with its custom jvp: d logabsdet = trace(a^-1 a'), d sign = 0. */
const slogdetLuCustom = customJvp(function slogdet(a: JArray): [JArray, JArray] {
  return slogdetLu(a);
}).defjvp(([a], [g]) => {
  const [sign, ld] = slogdetLuCustom(a);
  return [
    [sign, ld],
    [zerosOf(sign.dtype, sign.shape), npTrace(solve(a, g), 0, -2, -1)],
  ];
});

function slogdetSmallImpl(a: JArray): [JArray, JArray] {
  const n = a.shape[a.ndim - 1]!;
  const det = n === 1 ? entry(a, 0, 0) : det2x2(a);
  return [lax.sign(det), lax.log(lax.abs(det))];
}

/** n = 1, 2: analytic, with JAX's custom jvp (the cofactor formula over det). */
const slogdetSmall = customJvp(function slogdet(a: JArray): [JArray, JArray] {
  return slogdetSmallImpl(a);
}).defjvp(([a], [g]) => {
  const [sign, ld] = slogdetSmall(a);
  const n = a.shape[a.ndim - 1]!;
  let dot: JArray;
  if (n === 1) dot = lax.div(entry(g, 0, 0), entry(a, 0, 0));
  else {
    const [x00, x01, x10, x11] = [entry(a, 0, 0), entry(a, 0, 1), entry(a, 1, 0), entry(a, 1, 1)];
    const det = lax.sub(lax.mul(x00, x11), lax.mul(x01, x10));
    const num = lax.add(
      lax.sub(lax.sub(lax.mul(entry(g, 0, 0), x11), lax.mul(entry(g, 0, 1), x10)), lax.mul(entry(g, 1, 0), x01)),
      lax.mul(entry(g, 1, 1), x00),
    );
    dot = lax.div(num, det);
  }
  return [
    [sign, ld],
    [zerosOf(sign.dtype, sign.shape), dot],
  ];
});

/**
 * [sign, logabsdet] of each matrix (sign 0 and -inf for singular ones), by LU (method "lu",
 * the default) or by QR (method "qr").
 */
export function slogdet(a: ArrayLike, opts?: { method?: "lu" | "qr" | null }): [JArray, JArray];
export function slogdet(a: ArrayLike, ...args: unknown[]): [JArray, JArray] {
  const { method = null } = bindArgs("np.linalg.slogdet", args, SPECS.slogdet, ["a"]);
  if (method !== null && method !== "lu" && method !== "qr")
    throw new ValueError(`np.linalg.slogdet: method must be "lu" or "qr", got ${JSON.stringify(method)}`);
  const A = matrices("np.linalg.slogdet", a, true);
  const n = A.shape[A.ndim - 1]!;
  if (n === 0) return [onesOf(A.dtype, A.shape.slice(0, -2)), zerosOf(A.dtype, A.shape.slice(0, -2))];
  if (method === "qr") return slogdetQr(A);
  return n <= 2 ? slogdetSmall(A) : slogdetLuCustom(A);
}

/**
 * slogdet through a = q r: |det a| is the product of |r_ii|, and sign(det a) is the product of
 * their signs times det q (an orthogonal q's determinant is +1 or -1: its sign by LU, which
 * cannot meet a small pivot there). The gradient flows through qr's; the sign's is zero.
 */
function slogdetQr(a: JArray): [JArray, JArray] {
  const [q, r] = L.qr(a, { fullMatrices: true });
  const d = diagonalOf(r);
  const logabsdet = lax.reduceSum(lax.log(lax.abs(d)), [d.ndim - 1]);
  const n = q.shape[q.ndim - 1]!;
  const [signQ] = (n <= 2 ? slogdetSmall : slogdetLuCustom)(lax.stopGradient(q));
  const sign = lax.mul(lax.reduceProd(lax.sign(lax.stopGradient(d)), [d.ndim - 1]), signQ);
  return [sign, logabsdet];
}

function det2x2(a: JArray): JArray {
  return lax.sub(lax.mul(entry(a, 0, 0), entry(a, 1, 1)), lax.mul(entry(a, 0, 1), entry(a, 1, 0)));
}

function det3x3(a: JArray): JArray {
  const e = (i: number, j: number) => entry(a, i, j);
  const t = (i: number, j: number, k: number) => lax.mul(lax.mul(e(0, i), e(1, j)), e(2, k));
  return lax.sub(lax.sub(lax.sub(lax.add(lax.add(t(0, 1, 2), t(1, 2, 0)), t(2, 0, 1)), t(2, 1, 0)), t(0, 2, 1)), t(1, 0, 2));
}

/**
 * det(a) and adjugate(a) b (JAX's _cofactor_solve): well defined for matrices of rank n-1
 * (the last pivot is replaced so the triangular solve does not divide by zero) and zero for
 * lower ranks, so det's gradient is right on singular matrices.
 */
function cofactorSolve(a: JArray, b: JArray): [JArray, JArray] {
  const n = a.shape[a.ndim - 1]!;
  if (n === 1) return [entry(a, 0, 0), b];
  const [lu0, pivots, perm] = L.lu(a);
  const nd = a.ndim;
  const d = diagonalOf(lu0);
  const sign = pivotSign(pivots, a.dtype);
  const partialDet = lax.mul(lax.cumprod(d, d.ndim - 1), lax.broadcastInDim(sign, [...d.shape], range(sign.ndim)));
  const pdPrev = lax.reshape(lax.slice(partialDet, partialDet.shape.map(() => 0).map((z, i) => (i === d.ndim - 1 ? n - 2 : z)), [...d.shape.slice(0, -1), n - 1]), d.shape.slice(0, -1));
  const pdLast = lax.reshape(lax.slice(partialDet, partialDet.shape.map((_, i) => (i === d.ndim - 1 ? n - 1 : 0)), [...d.shape]), d.shape.slice(0, -1));
  const cornerMask = lax.and(
    lax.eq(lax.broadcastedIota("int32", lu0.shape, nd - 2), n - 1),
    lax.eq(lax.broadcastedIota("int32", lu0.shape, nd - 1), n - 1),
  );
  const lu = lax.select(cornerMask, lax.broadcastInDim(lax.div(1, pdPrev), [...lu0.shape], range(nd - 2)), lu0);
  const ones = onesOf(a.dtype, [...a.shape.slice(0, -1), 1]);
  const dd = L.triangularSolve(lu, ones, { leftSide: true, lower: false });
  const bad = lax.reduceOr(lax.not(lax.isFinite(dd)), [nd - 2, nd - 1]);
  const badFull = lax.broadcastInDim(bad, [...b.shape], range(nd - 2));
  const zeros = zerosOf(b.dtype, b.shape);
  let x = lax.select(badFull, zeros, b);
  x = permuteRows(x, perm);
  x = L.triangularSolve(lu, x, { leftSide: true, lower: true, unitDiagonal: true });
  const rowScale = lax.select(
    lax.eq(lax.broadcastedIota("int32", x.shape, nd - 2), n - 1),
    onesOf(x.dtype, x.shape),
    lax.broadcastInDim(pdLast, [...x.shape], range(nd - 2)),
  );
  x = lax.mul(x, rowScale);
  x = L.triangularSolve(lu, x, { leftSide: true, lower: false });
  x = lax.select(badFull, zeros, x);
  return [pdLast, x];
}

const detLu = customJvp(function det(a: JArray): JArray {
  const [sign, logdet] = slogdetLu(a);
  return lax.mul(sign, lax.exp(logdet));
}).defjvp(([a], [g]) => {
  const [y, z] = cofactorSolve(a, g);
  return [y, npTrace(z, 0, -2, -1)];
});

/** The determinant of each matrix (closed forms for 2x2 and 3x3, as JAX). */
export function det(a: ArrayLike): JArray {
  const A = matrices("np.linalg.det", a, true);
  const n = A.shape[A.ndim - 1]!;
  if (n === 0) return onesOf(A.dtype, A.shape.slice(0, -2));
  if (n === 2) return det2x2(A);
  if (n === 3) return det3x3(A);
  return detLu(A);
}

// --- factorizations ----------------------------------------------------------------------

/** The lower Cholesky factor (upper: its transpose); NaN for matrices that are not positive definite. */
export function cholesky(a: ArrayLike, opts?: { upper?: boolean; symmetrizeInput?: boolean }): JArray;
export function cholesky(a: ArrayLike, ...args: unknown[]): JArray {
  const { upper = false, symmetrizeInput = true } = bindArgs("np.linalg.cholesky", args, SPECS.cholesky, ["a"]);
  const o = { upper, symmetrizeInput };
  const l = L.cholesky(matrices("np.linalg.cholesky", a, true), { symmetrizeInput: o.symmetrizeInput });
  return o.upper ? mT(l) : l;
}

const lowerOf = (fn: string, UPLO: string | null) => {
  if (UPLO === null || UPLO === "L") return true;
  if (UPLO === "U") return false;
  throw new ValueError(`${fn}: UPLO must be "L" or "U", got ${JSON.stringify(UPLO)}`);
};

/** [w, v]: ascending eigenvalues and eigenvectors (columns) of symmetric matrices. */
export function eigh(a: ArrayLike, opts?: { UPLO?: "L" | "U" | null; symmetrizeInput?: boolean }): [JArray, JArray];
export function eigh(a: ArrayLike, UPLO?: "L" | "U" | null, symmetrizeInput?: boolean): [JArray, JArray];
export function eigh(a: ArrayLike, ...args: unknown[]): [JArray, JArray] {
  const fn = "np.linalg.eigh";
  const { UPLO = null, symmetrizeInput = true } = bindArgs(fn, args, SPECS.eigh, ["a"]);
  const o = { UPLO, symmetrizeInput };
  const [v, w] = L.eigh(matrices(fn, a, true), { lower: lowerOf(fn, o.UPLO), symmetrizeInput: o.symmetrizeInput });
  return [w, v];
}

/** Ascending eigenvalues of symmetric matrices. */
export function eigvalsh(a: ArrayLike, opts?: { UPLO?: "L" | "U" | null; symmetrizeInput?: boolean }): JArray;
export function eigvalsh(a: ArrayLike, UPLO?: "L" | "U" | null, opts?: { symmetrizeInput?: boolean }): JArray;
export function eigvalsh(a: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.linalg.eigvalsh";
  const { UPLO = null, symmetrizeInput = true } = bindArgs(fn, args, SPECS.eigvalsh, ["a"]);
  const o = { UPLO, symmetrizeInput };
  return L.eigh(matrices(fn, a, true), { lower: lowerOf(fn, o.UPLO), symmetrizeInput: o.symmetrizeInput })[1];
}

type SvdOptions = { fullMatrices?: boolean; computeUv?: boolean; hermitian?: boolean };

/** [u, s, vh] with descending s (just s without computeUv); hermitian uses eigh, as JAX. */
export function svd(a: ArrayLike, opts: SvdOptions & { computeUv: false }): JArray;
export function svd(a: ArrayLike, opts?: SvdOptions & { computeUv?: true }): [JArray, JArray, JArray];
export function svd(a: ArrayLike, opts?: SvdOptions): JArray | [JArray, JArray, JArray];
export function svd(a: ArrayLike, fullMatrices?: boolean, computeUv?: boolean, hermitian?: boolean): JArray | [JArray, JArray, JArray];
export function svd(a: ArrayLike, ...args: unknown[]): JArray | [JArray, JArray, JArray] {
  const fn = "np.linalg.svd";
  const { fullMatrices = true, computeUv = true, hermitian = false } = bindArgs(fn, args, SPECS.svd, ["a"]);
  const o = { fullMatrices, computeUv, hermitian };
  const A = matrices(fn, a, false);
  if (o.hermitian) {
    if (A.shape[A.ndim - 1] !== A.shape[A.ndim - 2]) throw new ValueError(`${fn}: hermitian=true needs square matrices, got shape ${s(A)}`);
    const [v, w] = L.eigh(A);
    const sv = lax.abs(w);
    const last = sv.ndim - 1;
    if (!o.computeUv) return lax.rev(lax.sort(sv, { dimension: last }) as JArray, [last]);
    const idx = lax.broadcastedIota("int32", sv.shape, last);
    const [s1, i1, g1] = (lax.sort([sv, idx, lax.sign(w)], { dimension: last, numKeys: 1 }) as JArray[]).map((x) => lax.rev(x, [last])) as [JArray, JArray, JArray];
    const u = takeAlong(v, lax.broadcastInDim(i1, [...v.shape], [...range(last), v.ndim - 1]), v.ndim - 1);
    const vh = mT(lax.mul(u, lax.broadcastInDim(g1, [...u.shape], [...range(last), u.ndim - 1])));
    return [u, s1, vh];
  }
  return L.svd(A, { fullMatrices: o.fullMatrices, computeUv: o.computeUv });
}

/** Singular values, descending (the array API's svdvals). */
export function svdvals(x: ArrayLike): JArray {
  return L.svd(matrices("np.linalg.svdvals", x, false, "x"), { computeUv: false });
}

/**
 * QR: mode "reduced" (default) -> [q, r], "complete" -> [q, r] with square q, "r" -> r, "raw" ->
 * [h, tau] as NumPy and JAX return LAPACK geqrf's output: h [..., n, m] is the raw factor
 * transposed (r in its lower triangle, the Householder vectors above), tau [..., min(m, n)].
 * "raw" is not differentiable (as in JAX: geqrf has no derivative).
 */
export function qr(a: ArrayLike, opts: { mode: "r" }): JArray;
export function qr(a: ArrayLike, opts?: { mode?: "reduced" | "complete" | "raw" }): [JArray, JArray];
export function qr(a: ArrayLike, mode: "r"): JArray;
export function qr(a: ArrayLike, mode?: "reduced" | "complete" | "raw"): [JArray, JArray];
export function qr(a: ArrayLike, ...args: unknown[]): JArray | [JArray, JArray] {
  const fn = "np.linalg.qr";
  const { mode = "reduced" } = bindArgs(fn, args, SPECS.qr, ["a"]);
  if (mode !== "reduced" && mode !== "complete" && mode !== "r" && mode !== "raw")
    throw new ValueError(`${fn}: unsupported mode ${JSON.stringify(mode)}; use "reduced", "complete", "r" or "raw"`);
  if (mode === "raw") {
    const [h, tau] = L.geqrf(matrices(fn, a, false));
    return [mT(h), tau];
  }
  const [q, r] = L.qr(matrices(fn, a, false), { fullMatrices: mode === "complete" });
  return mode === "r" ? r : [q, r];
}

// --- least squares, pseudo-inverse, rank ---------------------------------------------------

const epsOf = (dtype: DType) => (dtype === "float64" ? 2 ** -52 : 2 ** -23);

/** [x, residuals, rank, s] minimizing |a x - b| (a is 2-D; b is [m] or [m, k]), through the SVD as JAX. */
export function lstsq(a: ArrayLike, b: ArrayLike, opts?: { rcond?: number | null; numpyResid?: boolean }): [JArray, JArray, JArray, JArray];
export function lstsq(a: ArrayLike, b: ArrayLike, rcond?: number | null, opts?: { numpyResid?: boolean }): [JArray, JArray, JArray, JArray];
export function lstsq(a: ArrayLike, b: ArrayLike, ...args: unknown[]): [JArray, JArray, JArray, JArray] {
  const fn = "np.linalg.lstsq";
  const bound = bindArgs(fn, args, SPECS.lstsq, ["a", "b"]);
  const o = { rcond: bound.rcond ?? null, numpyResid: bound.numpyResid ?? false };
  const [A, B0] = promoteArgsInexact(fn, [a, b]) as [JArray, JArray];
  if (A.ndim !== 2) throw new TypeError(`${fn}: a must be two-dimensional, got shape ${s(A)}`);
  if (B0.ndim !== 1 && B0.ndim !== 2) throw new TypeError(`${fn}: b must be one- or two-dimensional, got shape ${s(B0)}`);
  if (A.shape[0] !== B0.shape[0]) throw new ValueError(`${fn}: leading dimensions of a ${s(A)} and b ${s(B0)} must match`);
  const B = B0.ndim === 1 ? lax.reshape(B0, [B0.shape[0]!, 1]) : B0;
  const [m, n] = A.shape as [number, number];
  const eps = epsOf(A.dtype);
  const rcond = o.rcond === null ? eps * Math.max(m, n) : o.rcond < 0 ? eps : o.rcond;
  const [u, sv, vt] = L.svd(A, { fullMatrices: false });
  const k = sv.shape[0]!;
  const s0 = lax.broadcastInDim(lax.reshape(lax.slice(sv, [0], [Math.min(1, k)]), []), [k], []);
  const mask = lax.ge(sv, lax.mul(s0, rcond));
  const rank = lax.reduceSum(lax.convertElementType(mask, "int32"), [0]);
  const safe = lax.select(mask, sv, onesOf(sv.dtype, sv.shape));
  const sInv = lax.select(mask, lax.div(1, safe), zerosOf(sv.dtype, sv.shape));
  const uTb = mm(mT(u), B);
  let x = mm(mT(vt), lax.mul(lax.broadcastInDim(sInv, [...uTb.shape], [0]), uTb));
  // numpyResid asks for NumPy's empty residuals when rank < n or m <= n (a value-dependent shape, so only eagerly).
  let resid: JArray;
  if (o.numpyResid && (m <= n || Number(rank.item()) < n)) resid = zerosOf(A.dtype, [0]);
  else {
    const r = lax.sub(B, mm(A, x));
    resid = lax.reduceSum(lax.mul(r, r), [0]);
  }
  if (B0.ndim === 1) x = lax.reshape(x, [n]);
  return [x, resid, rank, sv];
}

function pinvImpl(a: JArray, rtol: number | null): JArray {
  const [m, n] = [a.shape[a.ndim - 2]!, a.shape[a.ndim - 1]!];
  if (m === 0 || n === 0) return zerosOf(a.dtype, [...a.shape.slice(0, -2), n, m]);
  const tol = rtol ?? 10 * Math.max(m, n) * epsOf(a.dtype);
  const [u, sv, vh] = L.svd(a, { fullMatrices: false });
  const last = sv.ndim - 1;
  const s0 = lax.slice(sv, sv.shape.map(() => 0), [...sv.shape.slice(0, -1), 1]);
  const cutoff = lax.broadcastInDim(lax.reshape(lax.mul(s0, tol), sv.shape.slice(0, -1)), [...sv.shape], range(last));
  const sk = lax.select(lax.gt(sv, cutoff), sv, fillOf(Infinity, sv.dtype, sv.shape));
  const ut = mT(u);
  return mm(mT(vh), lax.div(ut, lax.broadcastInDim(sk, [...ut.shape], [...range(last), ut.ndim - 2])));
}

/** The Moore-Penrose pseudo-inverse through the SVD, with JAX's custom jvp (singular values at or below rtol * max are dropped). */
export function pinv(a: ArrayLike, opts?: { rtol?: number | null; hermitian?: boolean }): JArray;
export function pinv(a: ArrayLike, rtol?: number | null, hermitian?: boolean): JArray;
export function pinv(a: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.linalg.pinv";
  const { rtol = null } = bindArgs(fn, args, SPECS.pinv, ["a"]);
  const o = { rtol };
  const A = matrices(fn, a, false);
  const f = customJvp(function pinv(x: JArray): JArray {
    return pinvImpl(x, o.rtol);
  }).defjvp(([x], [t]) => {
    const p = f(x);
    const [m, n] = [x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!];
    if (m === 0 || n === 0) return [p, p];
    const nd = x.ndim;
    const I = (k: number) => lax.broadcastInDim(eye([k, k], x.dtype), [...x.shape.slice(0, -2), k, k], [nd - 2, nd - 1]);
    let pDot = lax.neg(mm(mm(p, t), p));
    pDot = lax.add(pDot, mm(mm(mm(p, mT(p)), mT(t)), lax.sub(I(m), mm(x, p))));
    pDot = lax.add(pDot, mm(mm(mm(lax.sub(I(n), mm(p, x)), mT(t)), mT(p)), p));
    return [p, pDot];
  });
  return f(A);
}

/** The number of singular values above tol (default max(s) * max(m, n) * eps, as JAX); a 0-d/1-d input counts nonzeros. */
export function matrixRank(M: ArrayLike, opts?: { rtol?: number | null; hermitian?: boolean }): JArray;
export function matrixRank(M: ArrayLike, rtol?: number | null, opts?: { hermitian?: boolean }): JArray;
export function matrixRank(M: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.linalg.matrixRank";
  const { rtol = null, hermitian = false } = bindArgs(fn, args, SPECS.matrixRank, ["M"]);
  const o = { rtol, hermitian };
  const A = inexact(fn, M);
  if (A.ndim < 2) return lax.convertElementType(lax.reduceOr(lax.ne(A, 0), range(A.ndim)), "int32");
  const sv = svd(A, { computeUv: false, hermitian: o.hermitian, fullMatrices: false });
  const last = sv.ndim - 1;
  const tol =
    o.rtol === null
      ? lax.mul(lax.reduceMax(sv, [last]), Math.max(A.shape[A.ndim - 1]!, A.shape[A.ndim - 2]!) * epsOf(A.dtype))
      : fillOf(o.rtol, sv.dtype, sv.shape.slice(0, -1));
  const above = lax.gt(sv, lax.broadcastInDim(tol, [...sv.shape], range(last)));
  return lax.reduceSum(lax.convertElementType(above, "int32"), [last]);
}

/** a to the integer power n (n < 0 inverts first), by repeated squaring as JAX. */
export function matrixPower(a: ArrayLike, n: number): JArray {
  const fn = "np.linalg.matrixPower";
  if (!Number.isInteger(n)) throw new TypeError(`${fn}: exponent n must be an integer, got ${n}`);
  const A = promoteArgsInexact(fn, [a])[0]!;
  if (A.ndim < 2 || A.shape[A.ndim - 1] !== A.shape[A.ndim - 2]) throw new ValueError(`${fn}: a must be a (stack of) square matrices, got shape ${s(A)}`);
  const k = A.shape[A.ndim - 1]!;
  if (n === 0) return lax.broadcastInDim(eye([k, k], A.dtype), [...A.shape], [A.ndim - 2, A.ndim - 1]);
  let base = n < 0 ? inv(A) : A;
  let e = Math.abs(n);
  let result: JArray | null = null;
  let z: JArray | null = null;
  while (e > 0) {
    z = z === null ? base : mm(z, z);
    const bit = e % 2;
    e = Math.floor(e / 2);
    if (bit) result = result === null ? z : mm(result, z);
  }
  base = result!;
  return base;
}

/** The product of a chain of matrices in the cheapest order (the first may be 1-D: a row; the last: a column). */
export function multiDot(arrays: readonly ArrayLike[]): JArray {
  const fn = "np.linalg.multiDot";
  if (!Array.isArray(arrays) || arrays.length < 2) throw new ValueError(`${fn}: expected at least two arrays, got ${Array.isArray(arrays) ? arrays.length : typeof arrays}`);
  let xs = promoteArgsInexact(fn, arrays);
  if (xs.length === 2) return C.dot(xs[0]!, xs[1]!);
  const firstVec = xs[0]!.ndim === 1;
  const lastVec = xs[xs.length - 1]!.ndim === 1;
  xs = xs.map((x, i) => (i === 0 && firstVec ? lax.reshape(x, [1, x.shape[0]!]) : i === xs.length - 1 && lastVec ? lax.reshape(x, [x.shape[0]!, 1]) : x));
  xs.forEach((x, i) => {
    if (x.ndim !== 2) throw new ValueError(`${fn}: argument ${i} must be 2-D (only the first and last may be 1-D), got shape ${s(x)}`);
    if (i > 0 && xs[i - 1]!.shape[1] !== x.shape[0]) throw new ValueError(`${fn}: shapes ${s(xs[i - 1]!)} and ${s(x)} (arguments ${i - 1} and ${i}) are not aligned`);
  });
  // The classic matrix-chain dynamic program (NumPy's order).
  const p = [xs[0]!.shape[0]!, ...xs.map((x) => x.shape[1]!)];
  const N = xs.length;
  const cost = Array.from({ length: N }, () => new Array<number>(N).fill(0));
  const split = Array.from({ length: N }, () => new Array<number>(N).fill(0));
  for (let len = 1; len < N; len++)
    for (let i = 0; i + len < N; i++) {
      const j = i + len;
      cost[i]![j] = Infinity;
      for (let k = i; k < j; k++) {
        const c = cost[i]![k]! + cost[k + 1]![j]! + p[i]! * p[k + 1]! * p[j + 1]!;
        if (c < cost[i]![j]!) {
          cost[i]![j] = c;
          split[i]![j] = k;
        }
      }
    }
  const chain = (i: number, j: number): JArray => (i === j ? xs[i]! : C.dot(chain(i, split[i]![j]!), chain(split[i]![j]! + 1, j)));
  let out = chain(0, N - 1);
  if (firstVec && lastVec) out = lax.reshape(out, []);
  else if (firstVec) out = lax.reshape(out, [out.shape[1]!]);
  else if (lastVec) out = lax.reshape(out, [out.shape[0]!]);
  return out;
}

// --- norms ---------------------------------------------------------------------------------

type Ord = number | "fro" | "nuc" | null;

const sumAbsPow = (x: JArray, axes: number[], p: number) => lax.reduceSum(lax.pow(lax.abs(x), fillOf(p, x.dtype, [])), axes);

function vectorNormAlong(fn: string, x: JArray, axis: number, ord: Ord): JArray {
  if (ord === null || ord === 2) return lax.sqrt(lax.reduceSum(lax.mul(x, x), [axis]));
  if (typeof ord !== "number") throw new ValueError(`${fn}: invalid order ${JSON.stringify(ord)} for a vector norm`);
  if (ord === Infinity) return lax.reduceMax(lax.abs(x), [axis]);
  if (ord === -Infinity) return lax.reduceMin(lax.abs(x), [axis]);
  if (ord === 0) return lax.reduceSum(lax.convertElementType(lax.ne(x, 0), x.dtype), [axis]);
  if (ord === 1) return lax.reduceSum(lax.abs(x), [axis]);
  return lax.pow(sumAbsPow(x, [axis], ord), fillOf(1 / ord, x.dtype, []));
}

function matrixNormAlong(fn: string, x: JArray, rowAxis: number, colAxis: number, ord: Ord): JArray {
  if (ord === null || ord === "fro") return lax.sqrt(lax.reduceSum(lax.mul(x, x), [rowAxis, colAxis]));
  if (ord === 1 || ord === -1) {
    const colSums = lax.reduceSum(lax.abs(x), [rowAxis]);
    const c = colAxis > rowAxis ? colAxis - 1 : colAxis;
    return ord === 1 ? lax.reduceMax(colSums, [c]) : lax.reduceMin(colSums, [c]);
  }
  if (ord === Infinity || ord === -Infinity) {
    const rowSums = lax.reduceSum(lax.abs(x), [colAxis]);
    const r = rowAxis > colAxis ? rowAxis - 1 : rowAxis;
    return ord === Infinity ? lax.reduceMax(rowSums, [r]) : lax.reduceMin(rowSums, [r]);
  }
  if (ord === 2 || ord === -2 || ord === "nuc") {
    const others = range(x.ndim).filter((d) => d !== rowAxis && d !== colAxis);
    const moved = lax.transpose(x, [...others, rowAxis, colAxis]);
    const sv = L.svd(moved, { computeUv: false });
    const last = sv.ndim - 1;
    return ord === 2 ? lax.reduceMax(sv, [last]) : ord === -2 ? lax.reduceMin(sv, [last]) : lax.reduceSum(sv, [last]);
  }
  throw new ValueError(`${fn}: invalid order ${JSON.stringify(ord)} for a matrix norm`);
}

/** Puts back the reduced axes as size-1 dims. */
function keep(x: JArray, reduced: readonly number[], ndim: number): JArray {
  const shape: number[] = [];
  let k = 0;
  const src = x.shape;
  for (let d = 0; d < ndim; d++) shape.push(reduced.includes(d) ? 1 : src[k++]!);
  return lax.reshape(x, shape);
}

const normAxis = (fn: string, a: number, ndim: number) => {
  if (!Number.isInteger(a) || a < -ndim || a >= ndim) throw new ValueError(`${fn}: axis ${a} is out of bounds for an array of dimension ${ndim}`);
  return a < 0 ? a + ndim : a;
};

/** Vector or matrix norm, as np.linalg.norm (ord, axis, keepdims). */
export function norm(x: ArrayLike, opts?: { ord?: Ord; axis?: number | readonly number[] | null; keepdims?: boolean }): JArray;
export function norm(x: ArrayLike, ord?: Ord, axis?: number | readonly number[] | null, keepdims?: boolean): JArray;
export function norm(x: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.linalg.norm";
  const { ord = null, axis = null, keepdims = false } = bindArgs(fn, args, SPECS.norm, ["x"]);
  const o = { ord, axis, keepdims };
  const a = inexact(fn, x);
  let axes: number[];
  if (o.axis === null) {
    if (o.ord === null) {
      const all = range(a.ndim);
      const r = lax.sqrt(lax.reduceSum(lax.mul(a, a), all));
      return o.keepdims ? keep(r, all, a.ndim) : r;
    }
    if (a.ndim !== 1 && a.ndim !== 2) throw new ValueError(`${fn}: improper number of dimensions to norm: ord=${JSON.stringify(o.ord)} needs a 1-D or 2-D array (or an axis), got shape ${s(a)}`);
    axes = range(a.ndim);
  } else axes = (typeof o.axis === "number" ? [o.axis] : [...o.axis]).map((d) => normAxis(fn, d, a.ndim));
  let r: JArray;
  if (axes.length === 1) r = vectorNormAlong(fn, a, axes[0]!, o.ord);
  else if (axes.length === 2) {
    if (axes[0] === axes[1]) throw new ValueError(`${fn}: duplicate axes ${JSON.stringify(o.axis)}`);
    r = matrixNormAlong(fn, a, axes[0]!, axes[1]!, o.ord);
  } else throw new ValueError(`${fn}: improper number of axes for norm: ${JSON.stringify(o.axis)} (one or two)`);
  return o.keepdims ? keep(r, axes, a.ndim) : r;
}

/** The array API's vector_norm: over all elements by default (axis null), or over axes. */
export function vectorNorm(x: ArrayLike, opts?: { axis?: number | readonly number[] | null; keepdims?: boolean; ord?: number }): JArray;
export function vectorNorm(x: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.linalg.vectorNorm";
  const { axis = null, keepdims = false, ord = 2 } = bindArgs(fn, args, SPECS.vectorNorm, ["x"]);
  const o = { axis, keepdims, ord };
  const a = inexact(fn, x);
  const axes = o.axis === null ? range(a.ndim) : (typeof o.axis === "number" ? [o.axis] : [...o.axis]).map((d) => normAxis(fn, d, a.ndim));
  // Several axes act as one flattened axis at the end.
  const rest = range(a.ndim).filter((d) => !axes.includes(d));
  const moved = lax.transpose(a, [...rest, ...axes]);
  const flat = lax.reshape(moved, [...rest.map((d) => a.shape[d]!), axes.reduce((p, d) => p * a.shape[d]!, 1)]);
  const r = vectorNormAlong(fn, flat, flat.ndim - 1, o.ord);
  return o.keepdims ? keep(r, axes, a.ndim) : r;
}

/** The array API's matrix_norm over the last two axes. */
export function matrixNorm(x: ArrayLike, opts?: { keepdims?: boolean; ord?: Ord }): JArray;
export function matrixNorm(x: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.linalg.matrixNorm";
  const { keepdims = false, ord = "fro" } = bindArgs(fn, args, SPECS.matrixNorm, ["x"]);
  const o = { keepdims, ord };
  const a = matrices(fn, x, false, "x");
  return norm(a, { ord: o.ord, axis: [-2, -1], keepdims: o.keepdims });
}

// --- array API names -------------------------------------------------------------------------

/** Cross product of 3-vectors along `axis` (size 3 on both, as jnp.linalg.cross). */
export function cross(x1: ArrayLike, x2: ArrayLike, opts?: { axis?: number }): JArray;
export function cross(x1: ArrayLike, x2: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.linalg.cross";
  const { axis = -1 } = bindArgs(fn, args, SPECS.axis, ["x1", "x2"]);
  const [a0, b0] = promoteArgsInexact(fn, [x1, x2]) as [JArray, JArray];
  const nd = Math.max(a0.ndim, b0.ndim);
  if (a0.ndim === 0 || b0.ndim === 0) throw new ValueError(`${fn}: x1 ${s(a0)} and x2 ${s(b0)} must have at least one dimension`);
  const ax1 = normAxis(fn, axis, a0.ndim);
  const ax2 = normAxis(fn, axis, b0.ndim);
  if (a0.shape[ax1] !== 3 || b0.shape[ax2] !== 3)
    throw new ValueError(`${fn}: x1 ${s(a0)} and x2 ${s(b0)} must both have size 3 along axis ${axis}`);
  const move = (x: JArray, ax: number) => lax.transpose(x, [...range(x.ndim).filter((d) => d !== ax), ax]);
  const a1 = move(a0, ax1);
  const b1 = move(b0, ax2);
  const batch = broadcastShapes(fn, a1.shape.slice(0, -1), b1.shape.slice(0, -1));
  const a = toBatch(a1, batch, 1);
  const b = toBatch(b1, batch, 1);
  const c = (x: JArray, i: number) => lax.slice(x, x.shape.map((_, d) => (d === x.ndim - 1 ? i : 0)), [...x.shape.slice(0, -1), i + 1]);
  const comp = (i: number, j: number) => lax.sub(lax.mul(c(a, i), c(b, j)), lax.mul(c(a, j), c(b, i)));
  const out = lax.concatenate([comp(1, 2), comp(2, 0), comp(0, 1)], a.ndim - 1);
  const outAxis = normAxis(fn, axis, nd);
  const perm = range(nd - 1);
  perm.splice(outAxis, 0, nd - 1);
  return lax.transpose(out, perm);
}

/** The diagonal of each matrix over the last two axes (array API). */
export function diagonal(x: ArrayLike, opts?: { offset?: number }): JArray;
export function diagonal(x: ArrayLike, ...args: unknown[]): JArray {
  const { offset = 0 } = bindArgs("np.linalg.diagonal", args, SPECS.diagonal, ["x"]);
  return npDiagonal(x, offset, -2, -1);
}

/** The trace of each matrix over the last two axes (array API). */
export function trace(x: ArrayLike, opts?: { offset?: number; dtype?: DType | null }): JArray;
export function trace(x: ArrayLike, ...args: unknown[]): JArray {
  const { offset = 0, dtype = null } = bindArgs("np.linalg.trace", args, SPECS.trace, ["x"]);
  const t = npTrace(x, offset, -2, -1);
  return dtype === null ? t : cast(t, dtype);
}

export function matmul(x1: ArrayLike, x2: ArrayLike): JArray {
  return C.matmul(x1, x2);
}

/** Swaps the last two axes (array API). */
export function matrixTranspose(x: ArrayLike): JArray {
  const a = asArray(x, "np.linalg.matrixTranspose: x");
  if (a.ndim < 2) throw new ValueError(`np.linalg.matrixTranspose: x must have at least 2 dimensions, got shape ${s(a)}`);
  return mT(a);
}

/** Outer product of two 1-D arrays (array API: both must be 1-D). */
export function outer(x1: ArrayLike, x2: ArrayLike): JArray {
  const [a, b] = promoteArgs("np.linalg.outer", [x1, x2]) as [JArray, JArray];
  if (a.ndim !== 1 || b.ndim !== 1) throw new ValueError(`np.linalg.outer: x1 and x2 must be 1-D, got shapes ${s(a)} and ${s(b)}`);
  return C.outer(a, b);
}

export function tensordot(x1: ArrayLike, x2: ArrayLike, opts?: { axes?: number | readonly [readonly number[], readonly number[]] }): JArray;
export function tensordot(x1: ArrayLike, x2: ArrayLike, ...args: unknown[]): JArray {
  const { axes = 2 } = bindArgs("np.linalg.tensordot", args, SPECS.tensordot, ["x1", "x2"]);
  return C.tensordot(x1, x2, axes);
}

/** sum(x1 * x2) along `axis` after broadcasting (array API's vecdot). */
export function vecdot(x1: ArrayLike, x2: ArrayLike, opts?: { axis?: number }): JArray;
export function vecdot(x1: ArrayLike, x2: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.linalg.vecdot";
  const { axis = -1 } = bindArgs(fn, args, SPECS.axis, ["x1", "x2"]);
  const [a, b] = promoteArgs(fn, [x1, x2]) as [JArray, JArray];
  if (a.ndim === 0 || b.ndim === 0) throw new ValueError(`${fn}: x1 ${s(a)} and x2 ${s(b)} must have at least one dimension`);
  const ax1 = normAxis(fn, axis, a.ndim);
  const ax2 = normAxis(fn, axis, b.ndim);
  if (a.shape[ax1] !== b.shape[ax2]) throw new ValueError(`${fn}: x1 ${s(a)} and x2 ${s(b)} must have the same size along axis ${axis}`);
  const shape = broadcastShapes(fn, a.shape, b.shape);
  return lax.reduceSum(lax.mul(toBatch(a, shape, 0), toBatch(b, shape, 0)), [normAxis(fn, axis, shape.length)]);
}
