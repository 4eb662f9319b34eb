/**
 * Reference implementations of the factorizations (ir/linalg.ts): plain, obviously right
 * loops in float64 arithmetic whatever the dtype (a float32 result is the float64 one rounded),
 * one matrix of the batch at a time. They follow LAPACK's conventions as JAX returns them:
 * - cholesky: potrf's lower factor (upper triangle zero); NaN in the whole lower triangle when
 *   the input is not positive definite (JAX fills a failed factorization with NaN, then tril).
 * - lu: getrf's partial pivoting (the first largest |pivot|; a zero pivot column is skipped,
 *   so singular input gives a zero on U's diagonal, not NaN), pivots as 0-based row swaps, and
 *   the permutation those swaps make of 0..m-1.
 * - qr: geqrf's Householder reflectors (dlarfg: beta = -sign(alpha) * norm, no reflection when
 *   the column below the diagonal is already zero) and orgqr's Q; geqrf and householderProduct
 *   are those two halves on their own.
 * - eigh: cyclic Jacobi rotations on the symmetric matrix read from one triangle; eigenvalues
 *   ascending. Eigenvector signs are not LAPACK's (they are arbitrary there as well).
 * - svd: one-sided (Hestenes) Jacobi; singular values descending; U completed to an
 *   orthonormal basis where singular values are zero or fullMatrices asks for more columns.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type RefBuffer, type RefImpl, alloc, at } from "./util.js";

/** A dense row-major matrix in float64. */
interface Mat {
  rows: number;
  cols: number;
  d: Float64Array;
}

const mat = (rows: number, cols: number): Mat => ({ rows, cols, d: new Float64Array(rows * cols) });
const get = (a: Mat, i: number, j: number) => a.d[i * a.cols + j]!;
const set = (a: Mat, i: number, j: number, v: number) => {
  a.d[i * a.cols + j] = v;
};
const transposed = (a: Mat): Mat => {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) set(t, j, i, get(a, i, j));
  return t;
};

const matDims = (aval: ShapedArray): [number, number, number] => {
  const m = aval.shape[aval.ndim - 2]!;
  const n = aval.shape[aval.ndim - 1]!;
  const batch = m * n === 0 ? aval.shape.slice(0, -2).reduce((x, y) => x * y, 1) : aval.size / (m * n);
  return [batch, m, n];
};

/** Matrix `b` of a batched buffer, as float64. */
function readMat(buf: RefBuffer, b: number, rows: number, cols: number): Mat {
  const a = mat(rows, cols);
  const base = b * rows * cols;
  for (let k = 0; k < rows * cols; k++) a.d[k] = Number(buf[base + k]!);
  return a;
}

function writeMat(buf: RefBuffer, b: number, a: Mat): void {
  const base = b * a.rows * a.cols;
  for (let k = 0; k < a.rows * a.cols; k++) buf[base + k] = a.d[k]!;
}

const allFinite = (a: Mat) => a.d.every((x) => Number.isFinite(x));
const fillNaN = (a: Mat) => a.d.fill(NaN);
/** Fortran's SIGN(1, x): +1 for +0 as well. */
const signOf = (x: number) => (x < 0 ? -1 : 1);

// --- Cholesky ------------------------------------------------------------------------------

/** The lower Cholesky factor of the symmetric matrix read from `a`'s lower triangle, or null. */
export function choleskyLower(a: Mat): Mat | null {
  const n = a.rows;
  const l = mat(n, n);
  for (let j = 0; j < n; j++) {
    let s = get(a, j, j);
    for (let k = 0; k < j; k++) s -= get(l, j, k) ** 2;
    if (!(s > 0)) return null; // not positive definite (or NaN)
    const d = Math.sqrt(s);
    set(l, j, j, d);
    for (let i = j + 1; i < n; i++) {
      let t = get(a, i, j);
      for (let k = 0; k < j; k++) t -= get(l, i, k) * get(l, j, k);
      set(l, i, j, t / d);
    }
  }
  return l;
}

export const choleskyImpl: RefImpl<"cholesky"> = (inputs, inAvals, _params, outAvals) => {
  const [batch, n] = matDims(at(inAvals, 0));
  const out = alloc(at(outAvals, 0));
  for (let b = 0; b < batch; b++) {
    const l = choleskyLower(readMat(at(inputs, 0), b, n, n));
    if (l === null) {
      // JAX fills a failed factorization with NaN and then takes the lower triangle.
      const nan = mat(n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) set(nan, i, j, NaN);
      writeMat(out, b, nan);
    } else writeMat(out, b, l);
  }
  return [out];
};

// --- triangular solve ----------------------------------------------------------------------

/**
 * Solves t x = b for a triangular t (lower or upper as `lower` says; only that triangle is
 * read), column by column by substitution. A zero on the diagonal gives inf/NaN, as trsm.
 */
function substitute(t: Mat, lower: boolean, b: Mat): Mat {
  const n = t.rows;
  const x = mat(b.rows, b.cols);
  for (let c = 0; c < b.cols; c++) {
    for (let s = 0; s < n; s++) {
      const i = lower ? s : n - 1 - s;
      let v = get(b, i, c);
      if (lower) for (let k = 0; k < i; k++) v -= get(t, i, k) * get(x, k, c);
      else for (let k = i + 1; k < n; k++) v -= get(t, i, k) * get(x, k, c);
      set(x, i, c, v / get(t, i, i));
    }
  }
  return x;
}

export function triangularSolveMat(a: Mat, b: Mat, p: { leftSide: boolean; lower: boolean; transposeA: boolean; unitDiagonal: boolean }): Mat {
  const n = a.rows;
  // op(a) as a dense triangular matrix: the chosen triangle, the other zero, maybe a unit diagonal.
  const t = mat(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) set(t, i, j, p.unitDiagonal ? 1 : get(a, i, j));
      else if (p.lower ? i > j : i < j) set(t, i, j, get(a, i, j));
    }
  let op = p.transposeA ? transposed(t) : t;
  let opLower = p.lower !== p.transposeA;
  if (p.leftSide) return substitute(op, opLower, b);
  // x op = b  <=>  op^T x^T = b^T
  op = transposed(op);
  opLower = !opLower;
  return transposed(substitute(op, opLower, transposed(b)));
}

export const triangularSolveImpl: RefImpl<"triangularSolve"> = (inputs, inAvals, params, outAvals) => {
  const [batch, n] = matDims(at(inAvals, 0));
  const [, bm, bn] = matDims(at(inAvals, 1));
  const out = alloc(at(outAvals, 0));
  for (let b = 0; b < batch; b++) {
    const x = triangularSolveMat(readMat(at(inputs, 0), b, n, n), readMat(at(inputs, 1), b, bm, bn), params);
    writeMat(out, b, x);
  }
  return [out];
};

// --- LU ------------------------------------------------------------------------------------

/** getf2: LU with partial pivoting in place; returns the 0-based pivot rows. */
export function luInPlace(a: Mat): number[] {
  const [m, n] = [a.rows, a.cols];
  const k = Math.min(m, n);
  const pivots: number[] = [];
  for (let j = 0; j < k; j++) {
    // idamax: the first row of largest |a[i, j]| (NaN never compares larger, as in LAPACK's loop).
    let p = j;
    let best = Math.abs(get(a, j, j));
    for (let i = j + 1; i < m; i++) {
      const v = Math.abs(get(a, i, j));
      if (v > best || (Number.isNaN(best) && !Number.isNaN(v))) {
        best = v;
        p = i;
      }
    }
    pivots.push(p);
    const piv = get(a, p, j);
    if (piv !== 0) {
      if (p !== j)
        for (let c = 0; c < n; c++) {
          const t = get(a, j, c);
          set(a, j, c, get(a, p, c));
          set(a, p, c, t);
        }
      for (let i = j + 1; i < m; i++) set(a, i, j, get(a, i, j) / get(a, j, j));
    }
    // Rank-1 update of the trailing block (a no-op when the pivot column was all zero).
    for (let i = j + 1; i < m; i++) {
      const lij = get(a, i, j);
      if (lij === 0) continue;
      for (let c = j + 1; c < n; c++) set(a, i, c, get(a, i, c) - lij * get(a, j, c));
    }
  }
  return pivots;
}

/** The permutation of 0..m-1 that the row swaps `pivots` make, applied in order. */
export function permutationOfPivots(pivots: readonly number[], m: number): number[] {
  const perm = Array.from({ length: m }, (_, i) => i);
  pivots.forEach((p, i) => {
    const t = perm[i]!;
    perm[i] = perm[p]!;
    perm[p] = t;
  });
  return perm;
}

export const luImpl: RefImpl<"lu"> = (inputs, inAvals, _params, outAvals) => {
  const [batch, m, n] = matDims(at(inAvals, 0));
  const k = Math.min(m, n);
  const [lu, piv, perm] = outAvals.map((a) => alloc(a)) as [RefBuffer, RefBuffer, RefBuffer];
  for (let b = 0; b < batch; b++) {
    const a = readMat(at(inputs, 0), b, m, n);
    const pivots = luInPlace(a);
    writeMat(lu, b, a);
    pivots.forEach((p, i) => (piv[b * k + i] = p));
    permutationOfPivots(pivots, m).forEach((p, i) => (perm[b * m + i] = p));
  }
  return [lu, piv, perm];
};

// --- QR ------------------------------------------------------------------------------------

/**
 * geqr2: the Householder reflectors of `a0` as LAPACK stores them: r on and above the diagonal,
 * reflector j's vector v = [1, a[j+1:, j]] below it, and its tau (v^T v tau = 2; tau = 0 for
 * H = I) in taus[j], j < min(m, n).
 */
export function householderReflectors(a0: Mat): { a: Mat; tau: Float64Array } {
  const a = { ...a0, d: a0.d.slice() };
  const [m, n] = [a.rows, a.cols];
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const alpha = get(a, j, j);
    let xnorm = 0;
    for (let i = j + 1; i < m; i++) xnorm = Math.hypot(xnorm, get(a, i, j));
    if (xnorm === 0) continue; // H = I: the column is already reduced (dlarfg's tau = 0)
    const beta = -signOf(alpha) * Math.hypot(alpha, xnorm);
    tau[j] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) set(a, i, j, get(a, i, j) * scale);
    set(a, j, j, beta);
    // Apply H = I - tau v v^T (v = [1, a[j+1:, j]]) to the columns on the right.
    for (let c = j + 1; c < n; c++) {
      let w = get(a, j, c);
      for (let i = j + 1; i < m; i++) w += get(a, i, j) * get(a, i, c);
      w *= tau[j]!;
      set(a, j, c, get(a, j, c) - w);
      for (let i = j + 1; i < m; i++) set(a, i, c, get(a, i, c) - get(a, i, j) * w);
    }
  }
  return { a, tau };
}

/**
 * org2r: the first `cols` columns of H_0 H_1 ... H_{k-1} (k = tau.length), reflector j's vector
 * read below the diagonal of column j of `a` (its upper triangle is not read).
 */
export function householderProduct(a: Mat, tau: Float64Array, cols: number): Mat {
  const m = a.rows;
  const q = mat(m, cols);
  for (let i = 0; i < Math.min(m, cols); i++) set(q, i, i, 1);
  for (let j = tau.length - 1; j >= 0; j--) {
    const t = tau[j]!;
    if (t === 0) continue;
    for (let c = 0; c < cols; c++) {
      let w = get(q, j, c);
      for (let i = j + 1; i < m; i++) w += get(a, i, j) * get(q, i, c);
      w *= t;
      set(q, j, c, get(q, j, c) - w);
      for (let i = j + 1; i < m; i++) set(q, i, c, get(q, i, c) - get(a, i, j) * w);
    }
  }
  return q;
}

/** geqr2 + org2r: Householder QR; q is m x kq and r is kq x n with kq = m (full) or min(m, n). */
export function householderQr(a0: Mat, fullMatrices: boolean): { q: Mat; r: Mat } {
  const { a, tau } = householderReflectors(a0);
  const [m, n] = [a.rows, a.cols];
  const kq = fullMatrices ? m : Math.min(m, n);
  const r = mat(kq, n);
  for (let i = 0; i < Math.min(kq, m); i++) for (let j = i; j < n; j++) set(r, i, j, get(a, i, j));
  // Q = H_0 H_1 ... H_{k-1} applied to the first kq columns of the identity.
  return { q: householderProduct(a, tau, kq), r };
}

export const qrImpl: RefImpl<"qr"> = (inputs, inAvals, { fullMatrices }, outAvals) => {
  const [batch, m, n] = matDims(at(inAvals, 0));
  const [qb, rb] = outAvals.map((a) => alloc(a)) as [RefBuffer, RefBuffer];
  for (let b = 0; b < batch; b++) {
    const a = readMat(at(inputs, 0), b, m, n);
    const { q, r } = householderQr(a, fullMatrices);
    if (!allFinite(a)) {
      fillNaN(q);
      fillNaN(r);
    }
    writeMat(qb, b, q);
    writeMat(rb, b, r);
  }
  return [qb, rb];
};

/** geqrf: the reflectors and taus as LAPACK returns them; all NaN for a matrix with an inf or NaN (as qr). */
export const geqrfImpl: RefImpl<"geqrf"> = (inputs, inAvals, _params, outAvals) => {
  const [batch, m, n] = matDims(at(inAvals, 0));
  const k = Math.min(m, n);
  const [ab, tb] = outAvals.map((a) => alloc(a)) as [RefBuffer, RefBuffer];
  for (let b = 0; b < batch; b++) {
    const a0 = readMat(at(inputs, 0), b, m, n);
    const { a, tau } = householderReflectors(a0);
    if (!allFinite(a0)) {
      fillNaN(a);
      tau.fill(NaN);
    }
    writeMat(ab, b, a);
    tau.forEach((t, i) => (tb[b * k + i] = t));
  }
  return [ab, tb];
};

/** householder_product (orgqr): q shaped like a, from the reflectors below a's diagonal and taus. */
export const householderProductImpl: RefImpl<"householderProduct"> = (inputs, inAvals, _params, outAvals) => {
  const [batch, m, n] = matDims(at(inAvals, 0));
  const taus = at(inAvals, 1);
  const k = taus.shape[taus.ndim - 1]!;
  const [qb] = outAvals.map((a) => alloc(a)) as [RefBuffer];
  for (let b = 0; b < batch; b++) {
    const a = readMat(at(inputs, 0), b, m, n);
    const tau = Float64Array.from({ length: k }, (_, i) => Number(at(inputs, 1)[b * k + i]!));
    writeMat(qb, b, householderProduct(a, tau, n));
  }
  return [qb];
};

// --- eigh ----------------------------------------------------------------------------------

/** Eigenvalues (ascending) and eigenvectors (columns) of the symmetric matrix `s`, by cyclic Jacobi. */
export function jacobiEigh(s: Mat): { w: Float64Array; v: Mat } {
  const n = s.rows;
  // Work on s / max|s| so sums of squares neither underflow nor overflow; w scales back.
  const scale = s.d.reduce((mx, x) => Math.max(mx, Math.abs(x)), 0) || 1;
  const a = { ...s, d: s.d.map((x) => x / scale) };
  const v = mat(n, n);
  for (let i = 0; i < n; i++) set(v, i, i, 1);
  const w = new Float64Array(n);
  if (!allFinite(a)) {
    fillNaN(v);
    w.fill(NaN);
    return { w, v };
  }
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (i === j ? (diag += get(a, i, j) ** 2) : (off += get(a, i, j) ** 2));
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = get(a, p, q);
        if (apq === 0) continue;
        const tau = (get(a, q, q) - get(a, p, p)) / (2 * apq);
        const t = signOf(tau) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = t * c;
        // a <- J^T a J with J the rotation in the (p, q) plane; v <- v J.
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [get(a, k, p), get(a, k, q)];
          set(a, k, p, c * akp - sn * akq);
          set(a, k, q, sn * akp + c * akq);
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [get(a, p, k), get(a, q, k)];
          set(a, p, k, c * apk - sn * aqk);
          set(a, q, k, sn * apk + c * aqk);
        }
        for (let k = 0; k < n; k++) {
          const [vkp, vkq] = [get(v, k, p), get(v, k, q)];
          set(v, k, p, c * vkp - sn * vkq);
          set(v, k, q, sn * vkp + c * vkq);
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => get(a, i, i) - get(a, j, j) || i - j);
  const vs = mat(n, n);
  order.forEach((src, dst) => {
    w[dst] = get(a, src, src) * scale;
    for (let k = 0; k < n; k++) set(vs, k, dst, get(v, k, src));
  });
  return { w, v: vs };
}

/** The symmetric matrix whose `lower` (or upper) triangle is `a`'s. */
export function symmetricFromTriangle(a: Mat, lower: boolean): Mat {
  const n = a.rows;
  const s = mat(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const [r, c] = lower === i >= j ? [i, j] : [j, i];
      set(s, i, j, get(a, r, c));
    }
  return s;
}

export const eighImpl: RefImpl<"eigh"> = (inputs, inAvals, { lower }, outAvals) => {
  const [batch, n] = matDims(at(inAvals, 0));
  const [vb, wb] = outAvals.map((a) => alloc(a)) as [RefBuffer, RefBuffer];
  for (let b = 0; b < batch; b++) {
    const { w, v } = jacobiEigh(symmetricFromTriangle(readMat(at(inputs, 0), b, n, n), lower));
    writeMat(vb, b, v);
    w.forEach((x, i) => (wb[b * n + i] = x));
  }
  return [vb, wb];
};

// --- SVD -----------------------------------------------------------------------------------

/**
 * Columns `from..` of `u` (m x cols, whose first `from` columns are orthonormal) replaced by
 * an orthonormal completion: Gram-Schmidt (twice, for stability) of the standard basis vectors
 * against what is there, keeping those that are not (nearly) in the span already.
 */
function completeBasis(u: Mat, from: number): void {
  const [m, cols] = [u.rows, u.cols];
  let c = from;
  for (let e = 0; e < m && c < cols; e++) {
    const x = new Float64Array(m);
    x[e] = 1;
    for (let pass = 0; pass < 2; pass++)
      for (let k = 0; k < c; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += get(u, i, k) * x[i]!;
        for (let i = 0; i < m; i++) x[i]! -= dot * get(u, i, k);
      }
    const norm = Math.hypot(...x);
    if (norm < 1e-6) continue;
    for (let i = 0; i < m; i++) set(u, i, c, x[i]! / norm);
    c++;
  }
}

/** SVD of a tall (m >= n) matrix by one-sided Jacobi: a = u diag(s) v^T, u m x (full ? m : n). */
function jacobiSvdTall(a: Mat, full: boolean): { s: Float64Array; u: Mat; v: Mat } {
  const [m, n] = [a.rows, a.cols];
  // One-sided Jacobi rotates pairs of columns; they are kept as rows of the transposes (wt: n x m,
  // vt: n x n) so every dot product and rotation walks contiguous memory.
  const wt = transposed(a);
  const vt = mat(n, n);
  for (let i = 0; i < n; i++) set(vt, i, i, 1);
  const row = (x: Mat, p: number) => x.d.subarray(p * x.cols, (p + 1) * x.cols);
  const dot = (x: Float64Array, y: Float64Array) => {
    let d = 0;
    for (let i = 0; i < x.length; i++) d += x[i]! * y[i]!;
    return d;
  };
  const rotate = (x: Float64Array, y: Float64Array, c: number, s: number) => {
    for (let i = 0; i < x.length; i++) {
      const xp = x[i]!;
      const xq = y[i]!;
      x[i] = c * xp - s * xq;
      y[i] = s * xp + c * xq;
    }
  };
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const [wp, wq] = [row(wt, p), row(wt, q)];
        const alpha = dot(wp, wp);
        const beta = dot(wq, wq);
        const gamma = dot(wp, wq);
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = signOf(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        rotate(wp, wq, c, c * t);
        rotate(row(vt, p), row(vt, q), c, c * t);
      }
    if (!rotated) break;
  }
  const w = transposed(wt);
  const v = transposed(vt);
  const col = (x: Mat, p: number, q: number) => {
    let d = 0;
    for (let i = 0; i < x.rows; i++) d += get(x, i, p) * get(x, i, q);
    return d;
  };
  const norms = Array.from({ length: n }, (_, j) => Math.sqrt(col(w, j, j)));
  const order = norms.map((_, i) => i).sort((i, j) => norms[j]! - norms[i]! || i - j);
  const s = new Float64Array(n);
  const u = mat(m, full ? m : n);
  const vs = mat(n, n);
  // A column whose norm is at rounding level holds noise, not a direction: its u comes from
  // the orthonormal completion instead (LAPACK's u is orthonormal whatever the rank).
  const tiny = (norms[order[0]!] ?? 0) * 1e-13;
  let nonzero = 0;
  order.forEach((src, dst) => {
    s[dst] = norms[src]!;
    for (let k = 0; k < n; k++) set(vs, k, dst, get(v, k, src));
    if (norms[src]! > tiny && norms[src]! > 0) {
      for (let i = 0; i < m; i++) set(u, i, dst, get(w, i, src) / norms[src]!);
      nonzero = dst + 1;
    }
  });
  completeBasis(u, nonzero);
  return { s, u, v: vs };
}

export function jacobiSvd(a0: Mat, full: boolean): { s: Float64Array; u: Mat; vt: Mat } {
  const [m, n] = [a0.rows, a0.cols];
  // Work on a / max|a| so sums of squares neither underflow nor overflow; s scales back.
  const scale = a0.d.reduce((mx, x) => Math.max(mx, Math.abs(x)), 0) || 1;
  const a = { ...a0, d: a0.d.map((x) => x / scale) };
  const r = jacobiSvdUnscaled(a, full, m, n);
  r.s.forEach((x, i) => (r.s[i] = x * scale));
  return r;
}

function jacobiSvdUnscaled(a: Mat, full: boolean, m: number, n: number): { s: Float64Array; u: Mat; vt: Mat } {
  if (m >= n) {
    const { s, u, v } = jacobiSvdTall(a, full);
    return { s, u, vt: transposed(v) };
  }
  // a^T = u' s v'^T, so a = v' s u'^T.
  const { s, u, v } = jacobiSvdTall(transposed(a), full);
  return { s, u: v, vt: transposed(u) };
}

export const svdImpl: RefImpl<"svd"> = (inputs, inAvals, { fullMatrices, computeUv }, outAvals) => {
  const [batch, m, n] = matDims(at(inAvals, 0));
  const k = Math.min(m, n);
  const outs = outAvals.map((a) => alloc(a));
  for (let b = 0; b < batch; b++) {
    const a = readMat(at(inputs, 0), b, m, n);
    const { s, u, vt } = allFinite(a) ? jacobiSvd(a, fullMatrices) : nanSvd(m, n, fullMatrices);
    s.forEach((x, i) => (outs[0]![b * k + i] = x));
    if (computeUv) {
      writeMat(outs[1]!, b, u);
      writeMat(outs[2]!, b, vt);
    }
  }
  return outs;
};

function nanSvd(m: number, n: number, full: boolean) {
  const k = Math.min(m, n);
  const u = mat(m, full ? m : k);
  const vt = mat(full ? n : k, n);
  fillNaN(u);
  fillNaN(vt);
  return { s: new Float64Array(k).fill(NaN), u, vt };
}
