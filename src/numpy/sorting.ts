/**
 * Sorting: `sort` and `argsort`, through the variadic `sort` primitive. NaNs sort after
 * everything else (as in NumPy and JAX); `axis = null` sorts the flattened array.
 */
import { bool, checkOptions } from "../core/options.js";
import type { ArrayLike, JArray } from "../core/array.js";
import * as lax from "../lax.js";
import { asArray, normalizeAxis } from "./util.js";

export interface SortOptions {
  /** Keep equal elements in their original order (the default, as in JAX). */
  stable?: boolean;
  /** Sort from largest to smallest (NaNs first). */
  descending?: boolean;
}

function prepare(fn: string, x: ArrayLike, axis: number | null | undefined, opts: SortOptions): [JArray, number] {
  checkOptions(`np.${fn}`, opts, { stable: bool, descending: bool }, ["a", "axis?"]);
  const a = asArray(x, `${fn}: argument a`);
  if (axis === null) return [lax.reshape(a, [a.size]), 0];
  const ax = axis ?? -1;
  if (typeof ax !== "number") throw new TypeError(`${fn}: axis must be an integer or null, got ${JSON.stringify(ax)}`);
  return [a, normalizeAxis(fn, ax, a.ndim)];
}

/** `np.sort(x, axis=-1, {stable, descending})`: sorted copy along `axis` (`null`: flattened). */
export function sort(x: ArrayLike, axis: number | null = -1, opts: SortOptions = {}): JArray {
  const [a, dimension] = prepare("sort", x, axis, opts);
  const sorted: JArray = lax.sort(a, { dimension, isStable: opts.stable ?? true, numKeys: 1 });
  return opts.descending ? lax.rev(sorted, [dimension]) : sorted;
}

/**
 * `np.argsort(x, axis=-1, {stable, descending})`: int32 indices that sort `x` along `axis`
 * (`null`: indices into the flattened array). A stable descending sort keeps equal elements in
 * their original order, as JAX does.
 */
export function argsort(x: ArrayLike, axis: number | null = -1, opts: SortOptions = {}): JArray {
  let [a, dimension] = prepare("argsort", x, axis, opts);
  const stable = opts.stable ?? true;
  let iota = lax.broadcastedIota("int32", a.shape, dimension);
  if (opts.descending && stable) {
    a = lax.rev(a, [dimension]);
    iota = lax.rev(iota, [dimension]);
  }
  const [, indices] = lax.sort([a, iota], { dimension, isStable: stable, numKeys: 1 }) as [JArray, JArray];
  return opts.descending ? lax.rev(indices, [dimension]) : indices;
}
