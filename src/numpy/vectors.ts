/**
 * The array API's vector and matrix products over the last axes (`vecdot matvec vecmat
 * matrixTranspose`) and the 3-D (or 2-D) `cross` product, as jax.numpy, broadcasting the
 * leading dims.
 */
import { showShape } from "../../ir/aval.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bindArgs, int, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { matmul } from "./contraction.js";
import { moveaxis, squeeze, expandDims, stack } from "./shapes.js";
import { sum } from "./reductions.js";
import { broadcastArgs, normalizeAxis, promoteArgs } from "./util.js";

/** `x` with its last two axes swapped. */
export function matrixTranspose(x: ArrayLike): JArray {
  const a = promoteArgs("np.matrixTranspose", [x])[0]!;
  if (a.ndim < 2) throw new ValueError(`np.matrixTranspose: x must have at least 2 dimensions, got shape ${showShape(a.shape)}`);
  const perm = a.shape.map((_, i) => i);
  [perm[a.ndim - 2], perm[a.ndim - 1]] = [perm[a.ndim - 1]!, perm[a.ndim - 2]!];
  return lax.transpose(a, perm);
}

/** The dot product of vectors along `axis` (default -1), broadcasting the rest: `vecdot(x1, x2, axis?)`. */
export function vecdot(x1: ArrayLike, x2: ArrayLike, axis?: number): JArray;
export function vecdot(x1: ArrayLike, x2: ArrayLike, opts?: { axis?: number }): JArray;
export function vecdot(...args: unknown[]): JArray {
  const o = bindArgs("np.vecdot", args, { x1: required(arrayLike), x2: required(arrayLike), axis: int });
  const [a, b] = promoteArgs("np.vecdot", [o.x1, o.x2]) as [JArray, JArray];
  const ax = o.axis ?? -1;
  const na = normalizeAxis("np.vecdot", ax, a.ndim, "axis");
  const nb = normalizeAxis("np.vecdot", ax, b.ndim, "axis");
  if (a.shape[na] !== b.shape[nb])
    throw new ValueError(`np.vecdot: x1 and x2 must have the same size along axis ${ax}, got shapes ${showShape(a.shape)} and ${showShape(b.shape)}`);
  const [p, q] = broadcastArgs("np.vecdot", [moveaxis(a, na, -1), moveaxis(b, nb, -1)]) as [JArray, JArray];
  const prod = a.dtype === "bool" ? lax.and(p, q) : lax.mul(p, q);
  return sum(prod, -1);
}

function checkCore(fn: string, a: JArray, b: JArray, ka: number, kb: number): void {
  if (a.shape[ka] !== b.shape[kb])
    throw new ValueError(`${fn}: the contracted dimensions differ (${a.shape[ka]} and ${b.shape[kb]}), shapes ${showShape(a.shape)} and ${showShape(b.shape)}`);
}

/** The matrix-vector product `x1 @ x2` over x1's last two and x2's last axis, broadcasting the rest. */
export function matvec(x1: ArrayLike, x2: ArrayLike): JArray {
  const [a, b] = promoteArgs("np.matvec", [x1, x2]) as [JArray, JArray];
  if (a.ndim < 2 || b.ndim < 1) throw new ValueError(`np.matvec: x1 must be at least 2-D and x2 at least 1-D, got shapes ${showShape(a.shape)} and ${showShape(b.shape)}`);
  checkCore("np.matvec", a, b, a.ndim - 1, b.ndim - 1);
  return squeeze(matmul(a, expandDims(b, -1)), -1);
}

/** The vector-matrix product `x1 @ x2` over x1's last and x2's last two axes, broadcasting the rest. */
export function vecmat(x1: ArrayLike, x2: ArrayLike): JArray {
  const [a, b] = promoteArgs("np.vecmat", [x1, x2]) as [JArray, JArray];
  if (a.ndim < 1 || b.ndim < 2) throw new ValueError(`np.vecmat: x1 must be at least 1-D and x2 at least 2-D, got shapes ${showShape(a.shape)} and ${showShape(b.shape)}`);
  checkCore("np.vecmat", a, b, a.ndim - 1, b.ndim - 2);
  return squeeze(matmul(expandDims(a, -2), b), -2);
}

export interface CrossOptions {
  axisa?: number;
  axisb?: number;
  axisc?: number;
  axis?: number | null;
}

/**
 * The cross product of 3-vectors (or 2-vectors, whose z is 0; two 2-vectors give the scalar z
 * component) along `axisa`/`axisb`, the result's vectors along `axisc`; `axis` sets all three.
 */
export function cross(a: ArrayLike, b: ArrayLike, axisa?: number, axisb?: number, axisc?: number, axis?: number | null): JArray;
export function cross(a: ArrayLike, b: ArrayLike, opts?: CrossOptions): JArray;
export function cross(...args: unknown[]): JArray {
  const o = bindArgs("np.cross", args, { a: required(arrayLike), b: required(arrayLike), axisa: int, axisb: int, axisc: int, axis: orNull(int) });
  const [x, y] = promoteArgs("np.cross", [o.a, o.b]) as [JArray, JArray];
  const useAxis = o.axis !== undefined && o.axis !== null;
  const axisa = useAxis ? o.axis! : (o.axisa ?? -1);
  const axisb = useAxis ? o.axis! : (o.axisb ?? -1);
  const axisc = useAxis ? o.axis! : (o.axisc ?? -1);
  if (x.ndim === 0 || y.ndim === 0) throw new ValueError(`np.cross: inputs must be at least 1-dimensional, got shapes ${showShape(x.shape)} and ${showShape(y.shape)}`);
  const u = moveaxis(x, normalizeAxis("np.cross", axisa, x.ndim, "axisa"), -1);
  const v = moveaxis(y, normalizeAxis("np.cross", axisb, y.ndim, "axisb"), -1);
  const nu = u.shape[u.ndim - 1]!;
  const nv = v.shape[v.ndim - 1]!;
  if ((nu !== 2 && nu !== 3) || (nv !== 2 && nv !== 3))
    throw new ValueError(`np.cross: incompatible dimensions for cross product (dimension must be 2 or 3), got ${nu} and ${nv} (shapes ${showShape(x.shape)} and ${showShape(y.shape)})`);
  const comp = (t: JArray, i: number) => lax.reshape(lax.sliceInDim(t, i, i + 1, 1, t.ndim - 1), t.shape.slice(0, -1));
  const [a0, a1] = [comp(u, 0), comp(u, 1)];
  const [b0, b1] = [comp(v, 0), comp(v, 1)];
  const mul = (p: JArray, q: JArray) => lax.mul(...(broadcastArgs("np.cross", [p, q]) as [JArray, JArray]));
  const sub = (p: JArray, q: JArray) => lax.sub(...(broadcastArgs("np.cross", [p, q]) as [JArray, JArray]));
  const z = sub(mul(a0, b1), mul(a1, b0));
  if (nu === 2 && nv === 2) return z;
  const a2 = nu === 3 ? comp(u, 2) : null;
  const b2 = nv === 3 ? comp(v, 2) : null;
  // Missing third components are 0: a x b = (a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0).
  const term = (p: JArray, q: JArray | null) => (q === null ? null : mul(p, q));
  const diffOf = (l: JArray | null, r: JArray | null, like: JArray) => {
    if (l !== null && r !== null) return sub(l, r);
    if (l !== null) return l;
    if (r !== null) return lax.neg(r);
    return lax.mul(like, 0);
  };
  const cx = diffOf(term(a1, b2), a2 === null ? null : mul(a2, b1), z);
  const cy = diffOf(a2 === null ? null : mul(a2, b0), term(a0, b2), z);
  const parts = broadcastArgs("np.cross", [cx, cy, z]);
  const full = parts.map((p) => (p.ndim === 0 && z.ndim > 0 ? lax.broadcastInDim(p, z.shape, []) : p));
  const out = stack(full, -1);
  return moveaxis(out, -1, normalizeAxis("np.cross", axisc, out.ndim, "axisc"));
}
