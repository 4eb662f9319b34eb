/**
 * `scipy.linalg`: SciPy's names with JAX's semantics (jax.scipy.linalg), on top of the
 * factorization primitives: triangular solves, Cholesky and LU factor/solve pairs, the P L U
 * form of LU, and expm by Pade approximation with scaling and squaring (Higham 2005, as JAX).
 */
import { showShape } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import { range } from "../../ir/util.js";
import { full } from "../autodiff/ruleUtils.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as L from "../linalg/laxLinalg.js";
import { eye, mT, mm, pivotsToPermutation, tril, triu } from "../linalg/matrix.js";
import { bindArgs, bool, checkedLater, keywordOnly, nonNegInt } from "../core/options.js";
import { luSolveCore } from "../linalg/luSolve.js";
import { norm, solve } from "../numpy/linalg.js";
import { broadcastShapes, promoteArgsInexact } from "../numpy/util.js";

/** SciPy's signatures as JAX's scipy.linalg has them: positional in SciPy's order, keyword-only where SciPy's are. */
const SPECS = {
  solveTriangular: {
    trans: checkedLater<0 | 1 | 2 | "N" | "T" | "C">('0, 1, 2, "N", "T" or "C"'),
    lower: bool,
    unitDiagonal: bool,
    overwriteB: bool,
    debug: checkedLater("anything"),
    checkFinite: bool,
  },
  choFactor: { lower: bool, overwriteA: bool, checkFinite: bool },
  choSolve: { overwriteB: bool, checkFinite: bool },
  luFactor: { overwriteA: bool, checkFinite: bool },
  luSolve: { trans: checkedLater<0 | 1 | 2>("0, 1 or 2"), overwriteB: bool, checkFinite: bool },
  lu: { permuteL: bool, overwriteA: bool, checkFinite: bool },
  expm: { upperTriangular: keywordOnly(bool), maxSquarings: keywordOnly(nonNegInt) },
};

const s = (x: { shape: readonly number[] }) => showShape(x.shape);

/** x and y with their batch dims (all but the last `cx` / `cy`) broadcast together. */
function broadcastBatch(fn: string, x: JArray, cx: number, y: JArray, cy: number): [JArray, JArray] {
  const batch = broadcastShapes(fn, x.shape.slice(0, x.ndim - cx), y.shape.slice(0, y.ndim - cy));
  const to = (a: JArray, c: number) => {
    const shape = [...batch, ...a.shape.slice(a.ndim - c)];
    const off = shape.length - a.ndim;
    return lax.broadcastInDim(a, shape, range(a.ndim).map((i) => i + off));
  };
  return [to(x, cx), to(y, cy)];
}

/** a's matrices and b as a stack of right-hand sides [..., n, k]; `vector` when b was [..., n]. */
function solveOperands(fn: string, a: ArrayLike, b: ArrayLike, vectorIf: (A: JArray, B: JArray) => boolean): { A: JArray; B: JArray; vector: boolean } {
  const [A0, B0] = promoteArgsInexact(fn, [a, b]) as [JArray, JArray];
  if (A0.ndim < 2 || A0.shape[A0.ndim - 1] !== A0.shape[A0.ndim - 2]) throw new ValueError(`${fn}: a must be a (stack of) square matrices, got shape ${s(A0)}`);
  if (B0.ndim < 1) throw new ValueError(`${fn}: b must have at least 1 dimension, got shape ${s(B0)}`);
  const n = A0.shape[A0.ndim - 1]!;
  const vector = vectorIf(A0, B0);
  const B1 = vector ? lax.reshape(B0, [...B0.shape, 1]) : B0;
  if (B1.shape[B1.ndim - 2] !== n) throw new ValueError(`${fn}: a with shape ${s(A0)} and b with shape ${s(B0)} do not match (b needs ${n} rows)`);
  const [A, B] = broadcastBatch(fn, A0, 2, B1, 2);
  return { A, B, vector };
}

/**
 * JAX 0.10.2's rule for solve-like scipy functions: b is a vector when it is 1-D, or (a
 * deprecated batched form) when it has one dim fewer than a and matches a's last dim.
 */
const isVectorRhs = (A: JArray, B: JArray) => B.ndim === 1 || (A.ndim === B.ndim + 1 && A.shape[A.ndim - 1] === B.shape[B.ndim - 1]);

const unvector = (x: JArray, vector: boolean) => (vector ? lax.reshape(x, x.shape.slice(0, -1)) : x);

/** Solves a x = b for triangular a (only the `lower` or upper triangle is read); trans 0/"N", 1/"T", 2/"C" solves with a^T. */
export function solveTriangular(
  a: ArrayLike,
  b: ArrayLike,
  opts?: { lower?: boolean; trans?: 0 | 1 | 2 | "N" | "T" | "C"; unitDiagonal?: boolean; overwriteB?: boolean; debug?: unknown; checkFinite?: boolean },
): JArray;
export function solveTriangular(
  a: ArrayLike,
  b: ArrayLike,
  trans?: 0 | 1 | 2 | "N" | "T" | "C",
  lower?: boolean,
  unitDiagonal?: boolean,
  opts?: { overwriteB?: boolean; debug?: unknown; checkFinite?: boolean },
): JArray;
export function solveTriangular(a: ArrayLike, b: ArrayLike, ...args: unknown[]): JArray {
  const fn = "scipy.linalg.solveTriangular";
  const bound = bindArgs(fn, args, SPECS.solveTriangular, ["a", "b"]);
  const o = { lower: bound.lower ?? false, trans: bound.trans ?? 0, unitDiagonal: bound.unitDiagonal ?? false };
  const transposeA = o.trans === 1 || o.trans === 2 || o.trans === "T" || o.trans === "C";
  if (!transposeA && o.trans !== 0 && o.trans !== "N") throw new ValueError(`${fn}: invalid trans ${JSON.stringify(o.trans)}; use 0, 1, 2, "N", "T" or "C"`);
  const { A, B, vector } = solveOperands(fn, a, b, isVectorRhs);
  return unvector(L.triangularSolve(A, B, { leftSide: true, lower: o.lower, transposeA, unitDiagonal: o.unitDiagonal }), vector);
}

/** [c, lower]: the Cholesky factor in the requested triangle (the other is zero). Not symmetrized, as JAX. */
export function choFactor(a: ArrayLike, opts?: { lower?: boolean; overwriteA?: boolean; checkFinite?: boolean }): [JArray, boolean];
export function choFactor(a: ArrayLike, lower?: boolean, overwriteA?: boolean, checkFinite?: boolean): [JArray, boolean];
export function choFactor(a: ArrayLike, ...args: unknown[]): [JArray, boolean] {
  const fn = "scipy.linalg.choFactor";
  const o = { lower: bindArgs(fn, args, SPECS.choFactor, ["a"]).lower ?? false };
  const [A] = promoteArgsInexact(fn, [a]) as [JArray];
  // As JAX: the upper factor reads a's upper triangle (the lower factor of a^T, transposed).
  const c = L.cholesky(o.lower ? A : mT(A), { symmetrizeInput: false });
  return [o.lower ? c : mT(c), o.lower];
}

/** Solves a x = b from choFactor's [c, lower]. */
export function choSolve(cAndLower: readonly [ArrayLike, boolean], b: ArrayLike, opts?: { overwriteB?: boolean; checkFinite?: boolean }): JArray;
export function choSolve(cAndLower: readonly [ArrayLike, boolean], b: ArrayLike, overwriteB?: boolean, checkFinite?: boolean): JArray;
export function choSolve(cAndLower: readonly [ArrayLike, boolean], b: ArrayLike, ...args: unknown[]): JArray {
  const fn = "scipy.linalg.choSolve";
  bindArgs(fn, args, SPECS.choSolve, ["cAndLower", "b"]);
  if (!Array.isArray(cAndLower) || cAndLower.length !== 2 || typeof cAndLower[1] !== "boolean")
    throw new TypeError(`${fn}: the first argument must be [c, lower] as choFactor returns it`);
  const [c, lower] = cAndLower;
  const { A, B, vector } = solveOperands(fn, c, b, isVectorRhs);
  let x = L.triangularSolve(A, B, { leftSide: true, lower, transposeA: !lower });
  x = L.triangularSolve(A, x, { leftSide: true, lower, transposeA: lower });
  return unvector(x, vector);
}

/** [lu, piv]: LAPACK's packed LU and 0-based pivot rows. */
export function luFactor(a: ArrayLike, opts?: { overwriteA?: boolean; checkFinite?: boolean }): [JArray, JArray];
export function luFactor(a: ArrayLike, overwriteA?: boolean, checkFinite?: boolean): [JArray, JArray];
export function luFactor(a: ArrayLike, ...args: unknown[]): [JArray, JArray] {
  const fn = "scipy.linalg.luFactor";
  bindArgs(fn, args, SPECS.luFactor, ["a"]);
  const [A] = promoteArgsInexact(fn, [a]) as [JArray];
  const [lu, piv] = L.lu(A);
  return [lu, piv];
}

/** Solves a x = b (trans 0) or a^T x = b (1, 2) from luFactor's [lu, piv]. */
export function luSolve(luAndPiv: readonly [ArrayLike, ArrayLike], b: ArrayLike, opts?: { trans?: 0 | 1 | 2; overwriteB?: boolean; checkFinite?: boolean }): JArray;
export function luSolve(luAndPiv: readonly [ArrayLike, ArrayLike], b: ArrayLike, trans?: 0 | 1 | 2, overwriteB?: boolean, checkFinite?: boolean): JArray;
export function luSolve(luAndPiv: readonly [ArrayLike, ArrayLike], b: ArrayLike, ...args: unknown[]): JArray {
  const fn = "scipy.linalg.luSolve";
  const o = { trans: bindArgs(fn, args, SPECS.luSolve, ["luAndPiv", "b"]).trans ?? 0 };
  if (o.trans !== 0 && o.trans !== 1 && o.trans !== 2) throw new ValueError(`${fn}: trans must be 0, 1 or 2, got ${JSON.stringify(o.trans)}`);
  if (!Array.isArray(luAndPiv) || luAndPiv.length !== 2) throw new TypeError(`${fn}: the first argument must be [lu, piv] as luFactor returns it`);
  const [lu0, piv0] = luAndPiv;
  const piv = lax.laxOperands(fn, [piv0])[0]!;
  if (piv.dtype !== "int32") throw new TypeError(`${fn}: piv must be int32, got ${piv.dtype}`);
  const { A, B, vector } = solveOperands(fn, lu0, b, isVectorRhs);
  const perm0 = pivotsToPermutation(piv, A.shape[A.ndim - 1]!);
  const perm = lax.broadcastInDim(perm0, [...A.shape.slice(0, -1)], range(perm0.ndim).map((i) => i + A.ndim - 1 - perm0.ndim));
  return unvector(luSolveCore(A, perm, B, o.trans), vector);
}

/** [p, l, u] with a = p l u (or [p l, u] with permuteL). */
export function lu(a: ArrayLike, opts?: { permuteL?: boolean; overwriteA?: boolean; checkFinite?: boolean }): JArray[];
export function lu(a: ArrayLike, permuteL?: boolean, overwriteA?: boolean, checkFinite?: boolean): JArray[];
export function lu(a: ArrayLike, ...args: unknown[]): JArray[] {
  const fn = "scipy.linalg.lu";
  const o = { permuteL: bindArgs(fn, args, SPECS.lu, ["a"]).permuteL ?? false };
  const [A] = promoteArgsInexact(fn, [a]) as [JArray];
  const [luM, , permutation] = L.lu(A);
  const nd = A.ndim;
  const [m, n] = [A.shape[nd - 2]!, A.shape[nd - 1]!];
  const k = Math.min(m, n);
  // p[i, j] = (permutation[j] == i): a = p l u because a[permutation] = l u.
  const pShape = [...A.shape.slice(0, -2), m, m];
  const permCols = lax.broadcastInDim(permutation, pShape, [...range(nd - 2), nd - 1]);
  const p = lax.convertElementType(lax.eq(permCols, lax.broadcastedIota("int32", pShape, nd - 2)), A.dtype);
  const lk = lax.slice(tril(luM, -1), luM.shape.map(() => 0), [...A.shape.slice(0, -2), m, k]);
  const l = lax.add(lk, lax.broadcastInDim(eye([m, k], A.dtype), lk.shape, [nd - 2, nd - 1]));
  const u = lax.slice(triu(luM), luM.shape.map(() => 0), [...A.shape.slice(0, -2), k, n]);
  return o.permuteL ? [mm(p, l), u] : [p, l, u];
}

// --- expm --------------------------------------------------------------------------------------

const PADE: Record<number, readonly number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600, 670442572800,
    33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};

/** U and V of the degree-`deg` Pade approximant (JAX's _pade3 ... _pade13). */
function pade(A: JArray, deg: number): [JArray, JArray] {
  const b = PADE[deg]!;
  const n = A.shape[A.ndim - 1]!;
  const I = eye([n, n], A.dtype);
  const sc = (x: JArray, c: number) => lax.mul(x, c);
  const A2 = mm(A, A);
  if (deg === 13) {
    const A4 = mm(A2, A2);
    const A6 = mm(A4, A2);
    const U = mm(A, lax.add(mm(A6, lax.add(lax.add(sc(A6, b[13]!), sc(A4, b[11]!)), sc(A2, b[9]!))), lax.add(lax.add(lax.add(sc(A6, b[7]!), sc(A4, b[5]!)), sc(A2, b[3]!)), sc(I, b[1]!))));
    const V = lax.add(mm(A6, lax.add(lax.add(sc(A6, b[12]!), sc(A4, b[10]!)), sc(A2, b[8]!))), lax.add(lax.add(lax.add(sc(A6, b[6]!), sc(A4, b[4]!)), sc(A2, b[2]!)), sc(I, b[0]!)));
    return [U, V];
  }
  const powers = [I, A2];
  for (let p = 4; p <= deg - 1; p += 2) powers.push(mm(powers[powers.length - 1]!, A2));
  let u = sc(I, b[1]!);
  let v = sc(I, b[0]!);
  for (let j = 1; j < powers.length; j++) {
    u = lax.add(sc(powers[j]!, b[2 * j + 1]!), u);
    v = lax.add(sc(powers[j]!, b[2 * j]!), v);
  }
  return [mm(A, u), v];
}

/** The matrix exponential by scaling and squaring with Pade approximants (Higham 2005, as JAX; NaN past maxSquarings). */
export function expm(A: ArrayLike, opts?: { upperTriangular?: boolean; maxSquarings?: number }): JArray;
export function expm(A: ArrayLike, ...args: unknown[]): JArray {
  const fn = "scipy.linalg.expm";
  const bound = bindArgs(fn, args, SPECS.expm, ["A"]);
  const o = { upperTriangular: bound.upperTriangular ?? false, maxSquarings: bound.maxSquarings ?? 16 };
  const [a] = promoteArgsInexact(fn, [A]) as [JArray];
  if (a.ndim < 2 || a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) throw new ValueError(`${fn}: expected A to be a (batched) square matrix, got A.shape=${s(a)}`);
  if (a.ndim > 2) {
    // One matrix at a time, as JAX's vectorize: each picks its own degree and squarings.
    const batch = a.shape.slice(0, -2);
    const n = a.shape[a.ndim - 1]!;
    const flat = lax.reshape(a, [batch.reduce((x, y) => x * y, 1), n, n]);
    const outs = range(flat.shape[0]!).map((i) => lax.reshape(expm(lax.reshape(lax.slice(flat, [i, 0, 0], [i + 1, n, n]), [n, n]), o), [1, n, n]));
    return lax.reshape(outs.length ? lax.concatenate(outs, 0) : flat, [...a.shape]);
  }
  const dtype: DType = a.dtype;
  const l1 = norm(a, { ord: 1 });
  const [maxnorm, conds, degrees] =
    dtype === "float64"
      ? [5.371920351148152, [1.495585217958292e-2, 2.53939833006323e-1, 9.504178996162932e-1, 2.097847961257068], [3, 5, 7, 9, 13]]
      : [3.92572478313866, [4.258730016922831e-1, 1.880152677804762], [3, 5, 7]];
  const nSq = lax.max(lax.floor(lax.div(lax.log(lax.div(l1, maxnorm)), Math.LN2)), 0);
  // JAX: log2 then floor; log(x)/ln2 can differ from log2 by an ulp at exact powers of two.
  const scaled = lax.div(a, lax.pow(lax.convertElementType(2, dtype), nSq));
  // np.digitize(l1, conds): the number of thresholds at or below l1 picks the degree; lax.switch
  // as JAX, so only the chosen Pade approximant is computed.
  let idx = full(0, { shape: [], dtype: "int32" });
  for (const c of conds) idx = lax.add(idx, lax.convertElementType(lax.ge(l1, c), "int32"));
  const [U, V] = lax.switch(idx, degrees.map((d) => (x: JArray) => pade(x, d)), scaled) as [JArray, JArray];
  const P = lax.add(U, V);
  const Q = lax.add(lax.neg(U), V);
  let R = o.upperTriangular ? L.triangularSolve(Q, P, { leftSide: true, lower: false }) : solve(Q, P);
  // As JAX: maxSquarings steps, each squaring (lax.cond) only while i < nSq.
  const square = (m: JArray) => mm(m, m);
  const keep = (m: JArray) => m;
  R = lax.foriLoop(0, o.maxSquarings, (i: JArray, r: JArray) => lax.cond(lax.lt(lax.convertElementType(i, dtype), nSq), square, keep, r) as JArray, R);
  const tooMany = lax.gt(nSq, o.maxSquarings);
  return lax.select(lax.broadcastInDim(tooMany, [...R.shape], []), full(NaN, R), R);
}
