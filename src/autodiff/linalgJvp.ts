/**
 * jvp rules of the factorizations, as JAX's lax.linalg has them. Every tangent is written
 * with primitives whose non-linear operands are primal values (the factors), so linearize
 * and transposition see ordinary linear maps of the input tangent.
 */
import type { Params, Primitive } from "../../ir/primitives.js";
import { NotImplementedError } from "../errors.js";
import type { JArray } from "../core/array.js";
import { bind, bind1 } from "../core/interpreter.js";
import * as lax from "../lax.js";
import { diagMatrix, diagonalOf, eye, mT, mm, symmetrize, tril, triu } from "../linalg/matrix.js";
import type { JvpRule } from "./jvpRules.js";
import { full, takeAlongAxis } from "./ruleUtils.js";

type TS = Params<"triangularSolve">;
const trsm = (a: JArray, b: JArray, p: TS): JArray => bind1("triangularSolve", [a, b], p);
const tsParams = (leftSide: boolean, lower: boolean, transposeA: boolean, unitDiagonal = false): TS => ({ leftSide, lower, transposeA, unitDiagonal });

/** Cholesky: L' = L phi(L^-1 A' L^-T), phi taking the lower triangle with the diagonal halved (Murray 2016). */
export const choleskyJvp: JvpRule<"cholesky"> = ([x], [t]) => {
  const l = bind1("cholesky", [x!], {});
  if (!t) return [[l], [null]];
  const tmp = trsm(l, t, tsParams(false, true, true)); // A' L^-T
  const inner = trsm(l, tmp, tsParams(true, true, false)); // L^-1 A' L^-T
  const n = x!.shape[x!.ndim - 1]!;
  const halfDiag = lax.add(eye([n, n], l.dtype), 1); // 1 + I: divides the diagonal by 2
  const phi = lax.div(tril(inner), lax.broadcastInDim(halfDiag, inner.shape, [inner.ndim - 2, inner.ndim - 1]));
  return [[l], [mm(l, phi)]];
};

/** Triangular solve: linear in b; in a, X' = -op(A)^-1 op(A') X (left) or -X op(A') op(A)^-1 (right). */
export const triangularSolveJvp: JvpRule<"triangularSolve"> = ([a, b], [ta, tb], p) => {
  const out = bind1("triangularSolve", [a!, b!], p);
  const fromB = tb ? trsm(a!, tb, p) : null;
  let fromA: JArray | null = null;
  if (ta) {
    const [m, n] = [b!.shape[b!.ndim - 2]!, b!.shape[b!.ndim - 1]!];
    const k = p.unitDiagonal ? 1 : 0;
    let g = p.lower ? tril(ta, -k) : triu(ta, k);
    g = lax.neg(g);
    if (p.transposeA) g = mT(g);
    const inv = (rhs: JArray) => trsm(a!, rhs, p);
    // Whichever order is cheaper, as JAX.
    if (p.leftSide) fromA = m > n ? inv(mm(g, out)) : mm(inv(g), out);
    else fromA = m < n ? inv(mm(out, g)) : mm(out, inv(g));
  }
  const tOut = fromA && fromB ? lax.add(fromA, fromB) : (fromA ?? fromB);
  return [[out], [tOut]];
};

/** LU (de Hoog, Anderssen and Lukas): with L^-1 P A' U^-1 = X, L' = L tril(X, -1) and U' = triu(X) U. */
export const luJvp: JvpRule<"lu"> = ([a], [t]) => {
  const outs = bind("lu", [a!], {});
  const [lu, , perm] = outs as [JArray, JArray, JArray];
  if (!t) return [outs, [null, null, null]];
  const nd = a!.ndim;
  const [m, n] = [a!.shape[nd - 2]!, a!.shape[nd - 1]!];
  const k = Math.min(m, n);
  const batch = a!.shape.slice(0, -2);
  const rowsIdx = lax.broadcastInDim(perm, [...batch, m, n], [...batch.map((_, i) => i), nd - 2]);
  const x = takeAlongAxis(t, rowsIdx, nd - 2); // P A'
  const zero = full(0, { shape: [], dtype: lu.dtype });
  const noPad = (): [number, number, number][] => batch.map(() => [0, 0, 0]);
  const lk = k === n ? lu : lax.slice(lu, lu.shape.map(() => 0), [...batch, m, k]);
  let l = lax.pad(tril(lk, -1), zero, [...noPad(), [0, 0, 0], [0, m - k, 0]]);
  l = lax.add(l, lax.broadcastInDim(eye([m, m], lu.dtype), l.shape, [nd - 2, nd - 1]));
  const uk = k === m ? lu : lax.slice(lu, lu.shape.map(() => 0), [...batch, k, n]);
  let u = lax.pad(triu(uk), zero, [...noPad(), [0, n - k, 0], [0, 0, 0]]);
  if (n > k) {
    const uEye = lax.pad(eye([n - k, n - k], lu.dtype), zero, [
      [k, 0, 0],
      [k, 0, 0],
    ]);
    u = lax.add(u, lax.broadcastInDim(uEye, u.shape, [nd - 2, nd - 1]));
  }
  const la = trsm(l, x, tsParams(true, true, false, true));
  const lau = trsm(u, la, tsParams(false, false, false));
  const luDot = lax.add(mm(l, tril(lau, -1)), mm(triu(lau), u));
  return [outs, [luDot, null, null]];
};

/** The thin QR jvp (m >= n): J. Townsend's derivation, as JAX's _thin_qr_jvp. */
function thinQrJvp(q: JArray, r: JArray, dx: JArray): [JArray, JArray] {
  const dxRinv = trsm(r, dx, tsParams(false, false, false)); // dx r^-1
  const qtDxRinv = mm(mT(q), dxRinv);
  const lower = tril(qtDxRinv, -1);
  const dO = lax.sub(lower, mT(lower)); // skew-symmetric
  const dq = lax.add(mm(q, lax.sub(dO, qtDxRinv)), dxRinv);
  const dr = mm(lax.sub(qtDxRinv, dO), r);
  return [dq, dr];
}

export const qrJvp: JvpRule<"qr"> = ([x], [dx], { fullMatrices }) => {
  const outs = bind("qr", [x!], { fullMatrices });
  const [q, r] = outs as [JArray, JArray];
  if (!dx) return [outs, [null, null]];
  const nd = x!.ndim;
  const [m, n] = [x!.shape[nd - 2]!, x!.shape[nd - 1]!];
  const batch = x!.shape.slice(0, -2);
  const cols = (y: JArray, lo: number, hi: number) => lax.slice(y, y.shape.map((_, i) => (i === nd - 1 ? lo : 0)), [...y.shape.slice(0, -1), hi]);
  if (m < n) {
    // X = [X1 X2], R = [R1 R2]: X1 = Q R1 is a square QR, and R2 = Q^T X2.
    const [dq, dr1] = thinQrJvp(q, cols(r, 0, m), cols(dx, 0, m));
    const dr2 = lax.add(mm(mT(dq), cols(x!, m, n)), mm(mT(q), cols(dx, m, n)));
    return [outs, [dq, lax.concatenate([dr1, dr2], nd - 1)]];
  }
  if (!fullMatrices || m === n) return [outs, thinQrJvp(q, r, dx)];
  // Tall with complete Q (arXiv 2409.13374, as JAX): the extra columns' derivative.
  const qmn = cols(q, 0, n);
  const qmp = cols(q, n, m);
  const rows = (y: JArray, lo: number, hi: number) =>
    lax.slice(y, y.shape.map((_, i) => (i === nd - 2 ? lo : 0)), [...y.shape.slice(0, -2), hi, y.shape[nd - 1]!]);
  const rnn = rows(r, 0, n);
  const [dqmn, drnn] = thinQrJvp(qmn, rnn, dx);
  const qnn = rows(qmn, 0, n);
  const qpn = rows(qmn, n, m);
  const dqnn = rows(dqmn, 0, n);
  const dqpn = rows(dqmn, n, m);
  // Z_pn^T = (Q_nn - I)^-T Q_pn^T, solved through an LU of Q_nn - I.
  const b = lax.sub(qnn, lax.broadcastInDim(eye([n, n], q.dtype), qnn.shape, [nd - 2, nd - 1]));
  const zpnT = luSolveTransposed(b, mT(qpn));
  const zpn = mT(zpnT);
  const dqmp = lax.sub(mm(dqmn, zpnT), mm(lax.add(qmn, mm(qmp, zpn)), mT(lax.sub(dqpn, mm(zpn, dqnn)))));
  const dq = lax.concatenate([dqmn, dqmp], nd - 1);
  const dr = lax.concatenate([drnn, full(0, { shape: [...batch, m - n, n], dtype: r.dtype })], nd - 2);
  return [outs, [dq, dr]];
};

/** X with B^T X = C, through B's LU (P B = L U, so B^T = U^T L^T P). */
function luSolveTransposed(b: JArray, c: JArray): JArray {
  const [lu, , perm] = bind("lu", [b], {}) as [JArray, JArray, JArray];
  const w = trsm(lu, c, tsParams(true, false, true)); // U^T w = c
  const y = trsm(lu, w, tsParams(true, true, true, true)); // L^T y = w
  // P X = y: X[perm[i]] = y[i], i.e. X = y[inverse(perm)].
  const nd = b.ndim;
  const inv = lax.sort([perm, lax.broadcastedIota("int32", perm.shape, perm.ndim - 1)], { dimension: perm.ndim - 1, numKeys: 1 })[1] as JArray;
  const idx = lax.broadcastInDim(inv, y.shape, [...range(nd - 2), nd - 2]);
  return takeAlongAxis(y, idx, nd - 2);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** eigh (distinct eigenvalues; JAX's caveat: degenerate ones give inf/NaN tangents of v). */
export const eighJvp: JvpRule<"eigh"> = ([a], [t], { lower }) => {
  const [v, w] = bind("eigh", [symmetrize(a!)], { lower }) as [JArray, JArray];
  if (!t) return [[v, w], [null, null]];
  const n = a!.shape[a!.ndim - 1]!;
  const nd = a!.ndim;
  const I = lax.broadcastInDim(eye([n, n], a!.dtype), [...a!.shape], [nd - 2, nd - 1]);
  const wRow = lax.broadcastInDim(w, [...a!.shape], [...range(nd - 2), nd - 1]); // w[..., None, :]
  const wCol = lax.broadcastInDim(w, [...a!.shape], [...range(nd - 2), nd - 2]); // w[..., :, None]
  const fmat = lax.sub(lax.integerPow(lax.sub(lax.add(I, wRow), wCol), -1), I);
  const vtav = mm(mm(mT(v), t), v);
  const dv = mm(v, lax.mul(fmat, vtav));
  const dw = diagonalOf(vtav);
  return [
    [v, w],
    [dv, dw],
  ];
};

/** SVD, as JAX's _svd_jvp_rule (not for complete U/V of a non-square matrix, as JAX). */
export const svdJvp: JvpRule<"svd"> = ([a], [da], { fullMatrices, computeUv }) => {
  const nd = a!.ndim;
  const [m, n] = [a!.shape[nd - 2]!, a!.shape[nd - 1]!];
  if (!da) {
    const outs = bind("svd", [a!], { fullMatrices, computeUv });
    return [outs, outs.map(() => null)];
  }
  if (computeUv && fullMatrices && m !== n)
    throw new Error(`svd: the jvp of a non-square (${m}x${n}) SVD with fullMatrices=true is not implemented (as in JAX); use fullMatrices: false`);
  const [s, u, vt] = bind("svd", [a!], { fullMatrices: false, computeUv: true }) as [JArray, JArray, JArray];
  const k = s.shape[s.ndim - 1]!;
  const ut = mT(u);
  const v = mT(vt);
  const dS = mm(mm(ut, da), v);
  const ds = diagonalOf(dS);
  if (!computeUv) return [[s], [ds]];
  const sq = [...s.shape, k];
  const sRow = lax.broadcastInDim(s, sq, [...range(s.ndim - 1), s.ndim]); // s[..., None, :]
  const sCol = lax.broadcastInDim(s, sq, [...range(s.ndim)]); // s[..., :, None]
  const I = lax.broadcastInDim(eye([k, k], s.dtype), sq, [s.ndim - 1, s.ndim]);
  const sDiffs = lax.mul(lax.add(sRow, sCol), lax.sub(sRow, sCol));
  const F = lax.sub(lax.div(1, lax.add(sDiffs, I)), I);
  const dSS = lax.mul(sRow, dS);
  const SdS = lax.mul(sCol, dS);
  const sZeros = lax.convertElementType(lax.eq(s, 0), s.dtype);
  const sInv = lax.sub(lax.div(1, lax.add(s, sZeros)), sZeros);
  const dUdVdiag = lax.mul(lax.mul(lax.sub(dS, mT(dS)), 0.5), diagMatrix(sInv));
  let dU = mm(u, lax.add(lax.mul(F, lax.add(dSS, mT(dSS))), dUdVdiag));
  let dV = mm(v, lax.mul(F, lax.add(SdS, mT(SdS))));
  const sRowOf = (x: JArray) => lax.broadcastInDim(s, x.shape, [...range(s.ndim - 1), x.ndim - 1]);
  if (m > n) {
    const dAV = mm(da, v);
    dU = lax.add(dU, lax.div(lax.sub(dAV, mm(u, mm(ut, dAV))), sRowOf(dAV)));
  }
  if (n > m) {
    const dAHU = mm(mT(da), u);
    dV = lax.add(dV, lax.div(lax.sub(dAHU, mm(v, mm(vt, dAHU))), sRowOf(dAHU)));
  }
  return [
    [s, u, vt],
    [ds, dU, mT(dV)],
  ];
};

/** The JAX name of a primitive as its error messages print it. */
const jaxName: Partial<Record<Primitive, string>> = { geqrf: "geqrf", householderProduct: "householder_product" };

/**
 * geqrf and householder_product have no derivative in JAX ("Differentiation rule for 'geqrf'
 * not implemented", a NotImplementedError): differentiate through qr instead. A primal-only
 * pass (every tangent a symbolic zero) still evaluates, as JAX does not call the rule then.
 */
export const notDifferentiable =
  <P extends "geqrf" | "householderProduct">(prim: P): JvpRule<P> =>
  (primals, tangents, params) => {
    if (tangents.some((t) => t !== null))
      throw new NotImplementedError(
        `Differentiation rule for '${jaxName[prim] ?? prim}' not implemented (lax.linalg.${prim} has no derivative in JAX either; differentiate through qr instead)`,
      );
    const outs = bind(prim, primals, params);
    return [outs, outs.map(() => null)];
  };
