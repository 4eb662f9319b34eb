/**
 * Splitting along a fixed axis (`hsplit vsplit dsplit`), `unstack`, and `append`, as jax.numpy.
 */
import { showShape } from "../../ir/aval.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bindArgs, int, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { concatenate, ravel, split } from "./shapes.js";
import { asArray, normalizeAxis, promoteArgs } from "./util.js";

type Sections = number | readonly number[] | JArray;

function splitOn(fn: string, x: ArrayLike, sections: Sections, minNdim: number, axis: (ndim: number) => number): JArray[] {
  const a = asArray(x, `${fn}: argument ary`);
  if (a.ndim < minNdim) throw new ValueError(`${fn}: only works on arrays of ${minNdim} or more dimensions, got shape ${showShape(a.shape)}`);
  return split(a, sections, axis(a.ndim));
}

/** Splits along axis 1 (axis 0 for 1-D input). */
export function hsplit(ary: ArrayLike, indicesOrSections: Sections): JArray[] {
  return splitOn("np.hsplit", ary, indicesOrSections, 1, (n) => (n === 1 ? 0 : 1));
}
/** Splits along axis 0 of an at-least-2-D array. */
export function vsplit(ary: ArrayLike, indicesOrSections: Sections): JArray[] {
  return splitOn("np.vsplit", ary, indicesOrSections, 2, () => 0);
}
/** Splits along axis 2 of an at-least-3-D array. */
export function dsplit(ary: ArrayLike, indicesOrSections: Sections): JArray[] {
  return splitOn("np.dsplit", ary, indicesOrSections, 3, () => 2);
}

/** The slices of `x` along `axis` (default 0), as a list: the inverse of `stack`. */
export function unstack(x: ArrayLike, axis?: number): JArray[];
export function unstack(x: ArrayLike, opts?: { axis?: number }): JArray[];
export function unstack(...args: unknown[]): JArray[] {
  const o = bindArgs("np.unstack", args, { x: required(arrayLike), axis: int });
  const a = asArray(o.x, "np.unstack: argument x");
  if (a.ndim === 0) throw new ValueError("np.unstack: cannot unstack a 0-dimensional array");
  const ax = normalizeAxis("np.unstack", o.axis ?? 0, a.ndim);
  const rest = a.shape.filter((_, i) => i !== ax);
  return Array.from({ length: a.shape[ax]! }, (_, i) => lax.reshape(lax.sliceInDim(a, i, i + 1, 1, ax), rest));
}

/** `values` appended to `arr` along `axis`; with no axis (null) both are flattened first. */
export function append(arr: ArrayLike, values: ArrayLike, axis?: number | null): JArray;
export function append(arr: ArrayLike, values: ArrayLike, opts?: { axis?: number | null }): JArray;
export function append(...args: unknown[]): JArray {
  const o = bindArgs("np.append", args, { arr: required(arrayLike), values: required(arrayLike), axis: orNull(int) });
  const [a, v] = promoteArgs("np.append", [o.arr, o.values]) as [JArray, JArray];
  if (o.axis === undefined || o.axis === null) return concatenate([ravel(a), ravel(v)]);
  return concatenate([a, v], o.axis);
}
