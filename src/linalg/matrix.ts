/**
 * Batched-matrix building blocks over the last two dims, written with lax primitives only, so
 * the linear-algebra rules (jvp, batching) and the numpy/scipy layers share them and every
 * transform sees ordinary primitives: matmul with batch dims, transposes, triangles, identity,
 * diagonals.
 */
import { showShape } from "../../ir/aval.js";
import { isFloat } from "../../ir/dtype.js";
import { range } from "../../ir/util.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { asJArray, describe } from "../core/convert.js";
import { ValueError } from "../errors.js";
import { full } from "../autodiff/ruleUtils.js";
import * as lax from "../lax.js";

/** The batch dims of a stack of matrices. */
const batchAxes = (x: JArray) => range(x.ndim - 2);

/** a @ b over the last two dims; a and b have the same batch dims. */
export function mm(a: JArray, b: JArray): JArray {
  const bd = batchAxes(a);
  return lax.dotGeneral(a, b, [
    [[a.ndim - 1], [b.ndim - 2]],
    [bd, bd],
  ]);
}

/** The last two dims swapped. */
export function mT(x: JArray): JArray {
  const perm = range(x.ndim);
  perm[x.ndim - 2] = x.ndim - 1;
  perm[x.ndim - 1] = x.ndim - 2;
  return lax.transpose(x, perm);
}

/** A boolean mask of x's shape: true where col - row <= k (lower) or col - row >= k (upper). */
function triMask(shape: readonly number[], k: number, lower: boolean): JArray {
  const nd = shape.length;
  const rows = lax.broadcastedIota("int32", shape, nd - 2);
  const cols = lax.broadcastedIota("int32", shape, nd - 1);
  const diff = lax.sub(cols, rows);
  return lower ? lax.le(diff, k) : lax.ge(diff, k);
}

/** Zeros above the k-th diagonal (numpy's tril over the last two dims). */
export function tril(x: JArray, k = 0): JArray {
  return lax.select(triMask(x.shape, k, true), x, full(0, x));
}

/** Zeros below the k-th diagonal. */
export function triu(x: JArray, k = 0): JArray {
  return lax.select(triMask(x.shape, k, false), x, full(0, x));
}

/** Identity matrices shaped [...batch, n, n] (or [n, m] rectangles) in `dtype`. */
export function eye(shape: readonly number[], dtype: JArray["dtype"]): JArray {
  const nd = shape.length;
  const eq = lax.eq(lax.broadcastedIota("int32", shape, nd - 2), lax.broadcastedIota("int32", shape, nd - 1));
  return lax.convertElementType(eq, dtype);
}

/** The main diagonal of each matrix: [..., m, n] -> [..., min(m, n)]. Exact (no products with 0). */
export function diagonalOf(x: JArray): JArray {
  const [m, n] = [x.shape[x.ndim - 2]!, x.shape[x.ndim - 1]!];
  const k = Math.min(m, n);
  const sq = m === k && n === k ? x : lax.slice(x, x.shape.map(() => 0), [...x.shape.slice(0, -2), k, k]);
  const mask = lax.eq(lax.broadcastedIota("int32", sq.shape, sq.ndim - 2), lax.broadcastedIota("int32", sq.shape, sq.ndim - 1));
  return lax.reduceSum(lax.select(mask, sq, full(0, sq)), [sq.ndim - 1]);
}

/** Diagonal matrices from vectors: [..., k] -> [..., k, k]. */
export function diagMatrix(v: JArray): JArray {
  const k = v.shape[v.ndim - 1]!;
  const shape = [...v.shape, k];
  const b = lax.broadcastInDim(v, shape, [...range(v.ndim - 1), v.ndim]);
  const mask = lax.eq(lax.broadcastedIota("int32", shape, v.ndim - 1), lax.broadcastedIota("int32", shape, v.ndim));
  return lax.select(mask, b, full(0, { shape, dtype: v.dtype }));
}

/** (x + x^T) / 2, the symmetric part, as JAX symmetrizes inputs of cholesky and eigh. */
export function symmetrize(x: JArray): JArray {
  return lax.div(lax.add(x, mT(x)), 2);
}

/**
 * The permutation that the row swaps `pivots` [..., k] make of 0..m-1 (JAX's
 * lu_pivots_to_permutation), built from k selects so it traces, batches and jits.
 */
export function pivotsToPermutation(pivots: JArray, m: number): JArray {
  const k = pivots.shape[pivots.ndim - 1]!;
  const shape = [...pivots.shape.slice(0, -1), m];
  const last = shape.length - 1;
  const iota = lax.broadcastedIota("int32", shape, last);
  let perm = iota;
  for (let i = 0; i < k; i++) {
    const pi = lax.slice(pivots, pivots.shape.map((_, d) => (d === last ? i : 0)), [...pivots.shape.slice(0, -1), i + 1]);
    const p = lax.broadcastInDim(lax.reshape(pi, pivots.shape.slice(0, -1)), shape, range(last));
    const at = (idx: JArray) => lax.reduceSum(lax.select(lax.eq(iota, idx), perm, full(0, perm)), [last]);
    const vi = lax.broadcastInDim(at(full(i, { shape, dtype: "int32" })), shape, range(last));
    const vp = lax.broadcastInDim(at(p), shape, range(last));
    perm = lax.select(lax.eq(iota, i), vp, lax.select(lax.eq(iota, p), vi, perm));
  }
  return perm;
}

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
