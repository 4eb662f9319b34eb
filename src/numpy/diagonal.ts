/**
 * Diagonals and triangles: np.trace, np.diagonal, np.diag, np.tril, np.triu with JAX's axis
 * defaults (trace and diagonal over axes 0 and 1; tril/triu over the last two).
 */
import { showShape } from "../../ir/aval.js";
import { range } from "../../ir/util.js";
import { full } from "../autodiff/ruleUtils.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { diagMatrix, diagonalOf, tril as trilLast, triu as triuLast } from "../linalg/matrix.js";
import { bindArgs, int } from "../core/options.js";
import { asArray, normalizeAxis } from "./util.js";

/** NumPy's signatures: every argument after the array positional or by name. */
const SPECS = {
  diagonal: { offset: int, axis1: int, axis2: int },
  diag: { k: int },
  triangle: { k: int },
};

/** The `offset` diagonal of the 2-D slices over axis1 and axis2, as the last axis of the result. */
export function diagonal(a: ArrayLike, offset?: number, axis1?: number, axis2?: number): JArray;
export function diagonal(a: ArrayLike, opts: { offset?: number; axis1?: number; axis2?: number }): JArray;
export function diagonal(a: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.diagonal";
  const { offset = 0, axis1 = 0, axis2 = 1 } = bindArgs(fn, args, SPECS.diagonal, ["a"]);
  const x = asArray(a, `${fn}: a`);
  if (x.ndim < 2) throw new ValueError(`${fn}: a must have at least 2 dimensions, got shape ${showShape(x.shape)}`);
  if (!Number.isInteger(offset)) throw new TypeError(`${fn}: offset must be an integer, got ${offset}`);
  const a1 = normalizeAxis(fn, axis1, x.ndim, "axis1");
  const a2 = normalizeAxis(fn, axis2, x.ndim, "axis2");
  if (a1 === a2) throw new ValueError(`${fn}: axis1 and axis2 cannot be the same (both ${a1}) for shape ${showShape(x.shape)}`);
  const rest = range(x.ndim).filter((d) => d !== a1 && d !== a2);
  const moved = lax.transpose(x, [...rest, a1, a2]);
  const [n, m] = [x.shape[a1]!, x.shape[a2]!];
  const r0 = Math.max(0, -offset);
  const c0 = Math.max(0, offset);
  const len = Math.max(0, Math.min(n - r0, m - c0));
  const batch = rest.map((d) => x.shape[d]!);
  if (len === 0) return full(0, { shape: [...batch, 0], dtype: x.dtype });
  const sq = lax.slice(moved, [...batch.map(() => 0), r0, c0], [...batch, r0 + len, c0 + len]);
  return diagonalOf(sq);
}

/** Sum of the `offset` diagonal over axis1 and axis2 (bool and int sum as int32). */
export function trace(a: ArrayLike, offset?: number, axis1?: number, axis2?: number): JArray;
export function trace(a: ArrayLike, opts: { offset?: number; axis1?: number; axis2?: number }): JArray;
export function trace(a: ArrayLike, ...args: unknown[]): JArray {
  const { offset = 0, axis1 = 0, axis2 = 1 } = bindArgs("np.trace", args, SPECS.diagonal, ["a"]);
  let d = diagonal(a, offset, axis1, axis2);
  if (d.dtype === "bool") d = lax.convertElementType(d, "int32");
  return lax.reduceSum(d, [d.ndim - 1]);
}

/** A 1-D v -> the 2-D matrix with v on diagonal k; a 2-D v -> its diagonal k. */
export function diag(v: ArrayLike, k?: number): JArray;
export function diag(v: ArrayLike, opts: { k?: number }): JArray;
export function diag(v: ArrayLike, ...args: unknown[]): JArray {
  const fn = "np.diag";
  const { k = 0 } = bindArgs(fn, args, SPECS.diag, ["v"]);
  const x = asArray(v, `${fn}: v`);
  if (!Number.isInteger(k)) throw new TypeError(`${fn}: k must be an integer, got ${k}`);
  if (x.ndim === 2) return diagonal(x, k, 0, 1);
  if (x.ndim !== 1) throw new ValueError(`${fn}: v must be 1-D or 2-D, got shape ${showShape(x.shape)}`);
  const m = diagMatrix(x);
  if (k === 0) return m;
  const a = Math.abs(k);
  const zero = full(0, { shape: [], dtype: x.dtype });
  // k > 0: shift right (pad columns on the left, rows at the bottom); k < 0: shift down.
  return k > 0
    ? lax.pad(m, zero, [
        [0, a, 0],
        [a, 0, 0],
      ])
    : lax.pad(m, zero, [
        [a, 0, 0],
        [0, a, 0],
      ]);
}

function triangle(fn: string, m: ArrayLike, k: number, lower: boolean): JArray {
  const x = asArray(m, `${fn}: m`);
  if (x.ndim < 2) throw new ValueError(`${fn}: m must be at least 2-D, got shape ${showShape(x.shape)}`);
  if (!Number.isInteger(k)) throw new TypeError(`${fn}: k must be an integer, got ${k}`);
  return lower ? trilLast(x, k) : triuLast(x, k);
}

/** Zeros above diagonal k of the last two axes. */
export function tril(m: ArrayLike, k?: number): JArray;
export function tril(m: ArrayLike, opts: { k?: number }): JArray;
export function tril(m: ArrayLike, ...args: unknown[]): JArray {
  return triangle("np.tril", m, bindArgs("np.tril", args, SPECS.triangle, ["m"]).k ?? 0, true);
}

/** Zeros below diagonal k of the last two axes. */
export function triu(m: ArrayLike, k?: number): JArray;
export function triu(m: ArrayLike, opts: { k?: number }): JArray;
export function triu(m: ArrayLike, ...args: unknown[]): JArray {
  return triangle("np.triu", m, bindArgs("np.triu", args, SPECS.triangle, ["m"]).k ?? 0, false);
}
