/**
 * The linear-algebra primitives' params and shape rules: the factorizations that everything
 * in np.linalg / scipy.linalg is written on top of, as in JAX's lax.linalg. Each acts on the
 * last two dims and is batched over all leading dims; all take float32 or float64.
 *
 * Operand and result layouts (those of JAX's lax.linalg primitives):
 * - cholesky:        a[..., n, n] -> l[..., n, n] (lower; upper triangle zero; NaN if not PD)
 * - triangularSolve: a[..., m, m], b[..., m, n] (leftSide) or b[..., n, m] -> x shaped like b
 * - lu:              a[..., m, n] -> lu[..., m, n], pivots i32[..., min(m,n)], permutation i32[..., m]
 * - qr:              a[..., m, n] -> q[..., m, k], r[..., k, n], k = fullMatrices ? m : min(m, n)
 * - geqrf:           a[..., m, n] -> a[..., m, n] (r on and above the diagonal, the Householder
 *                    vectors below it), taus[..., min(m, n)]: LAPACK geqrf's raw output
 * - householderProduct: a[..., m, n] (m >= n), taus[..., k] (k <= n) -> q[..., m, n], the first n
 *                    columns of H_0 ... H_{k-1} (LAPACK orgqr)
 * - eigh:            a[..., n, n] -> v[..., n, n], w[..., n] (ascending; JAX's order: v first)
 * - svd:             a[..., m, n] -> s[..., k], u[..., m, m|k], vt[..., n|k, n] (only s without computeUv)
 */
import * as E from "fp-ts/lib/Either.js";
import { ShapedArray } from "./aval.js";
import { isFloat } from "./dtype.js";

type Either<A> = E.Either<string, A>;

export interface TriangularSolveParams {
  /** true: solve op(a) x = b; false: solve x op(a) = b. */
  leftSide: boolean;
  /** Which triangle of `a` is read (the other is ignored). */
  lower: boolean;
  /** op(a) = a^T when true. */
  transposeA: boolean;
  /** The diagonal of `a` is taken as ones (and not read). */
  unitDiagonal: boolean;
}

export interface LinalgPrimitiveParams {
  cholesky: Record<string, never>;
  triangularSolve: TriangularSolveParams;
  lu: Record<string, never>;
  qr: { fullMatrices: boolean };
  geqrf: Record<string, never>;
  householderProduct: Record<string, never>;
  eigh: { lower: boolean };
  svd: { fullMatrices: boolean; computeUv: boolean };
}

/** `a` as a batch of matrices of a float dtype: [batch, m, n], or a message. */
function matrixOperand(name: string, what: string, a: ShapedArray | undefined, square: boolean): Either<{ batch: readonly number[]; m: number; n: number }> {
  if (a === undefined) return E.left(`${name}: missing operand ${what}`);
  if (a.ndim < 2) return E.left(`${name}: ${what} must have at least 2 dims (a batch of matrices), got ${a}`);
  if (!isFloat(a.dtype)) return E.left(`${name}: ${what} must be float32 or float64, got ${a}`);
  const m = a.shape[a.ndim - 2]!;
  const n = a.shape[a.ndim - 1]!;
  if (square && m !== n) return E.left(`${name}: ${what} must be a batch of square matrices, got ${a}`);
  return E.right({ batch: a.shape.slice(0, -2), m, n });
}

const arity = (name: string, inputs: readonly ShapedArray[], k: number): Either<void> =>
  inputs.length === k ? E.right(undefined) : E.left(`${name} takes ${k} operand${k === 1 ? "" : "s"}, got ${inputs.length}`);

const sameBatch = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export function choleskyRule(inputs: readonly ShapedArray[]): Either<ShapedArray[]> {
  const ar = arity("cholesky", inputs, 1);
  if (E.isLeft(ar)) return ar;
  const a = matrixOperand("cholesky", "a", inputs[0], true);
  return E.isLeft(a) ? a : E.right([inputs[0]!.strongly()]);
}

export function triangularSolveRule(inputs: readonly ShapedArray[], p: TriangularSolveParams): Either<ShapedArray[]> {
  const ar = arity("triangular_solve", inputs, 2);
  if (E.isLeft(ar)) return ar;
  const [a, b] = inputs as [ShapedArray, ShapedArray];
  const ma = matrixOperand("triangular_solve", "a", a, true);
  if (E.isLeft(ma)) return ma;
  const mb = matrixOperand("triangular_solve", "b", b, false);
  if (E.isLeft(mb)) return mb;
  if (a.dtype !== b.dtype) return E.left(`triangular_solve: a ${a} and b ${b} must have one dtype`);
  if (!sameBatch(ma.right.batch, mb.right.batch)) return E.left(`triangular_solve: a ${a} and b ${b} must have the same batch dims`);
  const k = p.leftSide ? mb.right.m : mb.right.n;
  if (k !== ma.right.m)
    return E.left(`triangular_solve: with leftSide=${p.leftSide}, b ${b} must have ${ma.right.m} ${p.leftSide ? "rows" : "columns"} to match a ${a}`);
  return E.right([b.strongly()]);
}

export function luRule(inputs: readonly ShapedArray[]): Either<ShapedArray[]> {
  const ar = arity("lu", inputs, 1);
  if (E.isLeft(ar)) return ar;
  const r = matrixOperand("lu", "a", inputs[0], false);
  if (E.isLeft(r)) return r;
  const { batch, m, n } = r.right;
  return E.right([inputs[0]!.strongly(), new ShapedArray([...batch, Math.min(m, n)], "int32"), new ShapedArray([...batch, m], "int32")]);
}

export function qrRule(inputs: readonly ShapedArray[], { fullMatrices }: { fullMatrices: boolean }): Either<ShapedArray[]> {
  const ar = arity("qr", inputs, 1);
  if (E.isLeft(ar)) return ar;
  const r = matrixOperand("qr", "a", inputs[0], false);
  if (E.isLeft(r)) return r;
  const { batch, m, n } = r.right;
  const k = fullMatrices ? m : Math.min(m, n);
  const dt = inputs[0]!.dtype;
  return E.right([new ShapedArray([...batch, m, k], dt), new ShapedArray([...batch, k, n], dt)]);
}

export function geqrfRule(inputs: readonly ShapedArray[]): Either<ShapedArray[]> {
  const ar = arity("geqrf", inputs, 1);
  if (E.isLeft(ar)) return ar;
  const r = matrixOperand("geqrf", "a", inputs[0], false);
  if (E.isLeft(r)) return r;
  const { batch, m, n } = r.right;
  return E.right([inputs[0]!.strongly(), new ShapedArray([...batch, Math.min(m, n)], inputs[0]!.dtype)]);
}

export function householderProductRule(inputs: readonly ShapedArray[]): Either<ShapedArray[]> {
  const ar = arity("householder_product", inputs, 2);
  if (E.isLeft(ar)) return ar;
  const [a, taus] = inputs as [ShapedArray, ShapedArray];
  const r = matrixOperand("householder_product", "a", a, false);
  if (E.isLeft(r)) return r;
  const { batch, m, n } = r.right;
  if (m < n) return E.left(`householder_product: a must have at least as many rows as columns, got ${a}`);
  if (taus.dtype !== a.dtype) return E.left(`householder_product: a ${a} and taus ${taus} must have one dtype`);
  if (taus.ndim !== a.ndim - 1 || !sameBatch(batch, taus.shape.slice(0, -1)))
    return E.left(`householder_product: taus ${taus} must be a batch of vectors with a's batch dims (a is ${a})`);
  if (taus.shape[taus.ndim - 1]! > n)
    return E.left(`householder_product: taus ${taus} must not have more entries than min(rows, columns) = ${n} of a ${a}`);
  return E.right([a.strongly()]);
}

export function eighRule(inputs: readonly ShapedArray[]): Either<ShapedArray[]> {
  const ar = arity("eigh", inputs, 1);
  if (E.isLeft(ar)) return ar;
  const r = matrixOperand("eigh", "a", inputs[0], true);
  if (E.isLeft(r)) return r;
  const { batch, n } = r.right;
  const dt = inputs[0]!.dtype;
  return E.right([new ShapedArray([...batch, n, n], dt), new ShapedArray([...batch, n], dt)]);
}

export function svdRule(inputs: readonly ShapedArray[], { fullMatrices, computeUv }: LinalgPrimitiveParams["svd"]): Either<ShapedArray[]> {
  const ar = arity("svd", inputs, 1);
  if (E.isLeft(ar)) return ar;
  const r = matrixOperand("svd", "a", inputs[0], false);
  if (E.isLeft(r)) return r;
  const { batch, m, n } = r.right;
  const k = Math.min(m, n);
  const dt = inputs[0]!.dtype;
  const s = new ShapedArray([...batch, k], dt);
  if (!computeUv) return E.right([s]);
  const [ku, kv] = fullMatrices ? [m, n] : [k, k];
  return E.right([s, new ShapedArray([...batch, m, ku], dt), new ShapedArray([...batch, kv, n], dt)]);
}
