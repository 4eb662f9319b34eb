/**
 * Applying a function over axes (`applyAlongAxis applyOverAxes`), as jax.numpy: by vmap over
 * every other axis, so `f` sees one 1-D slice and any shape of result works.
 */
import { showShape } from "../../ir/aval.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bindArgs, fn, int, intOrInts, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import { vmap } from "../vmap/api.js";
import { expandDims } from "./shapes.js";
import { asArray, normalizeAxis } from "./util.js";

/**
 * `func1d(slice, ...args)` for every 1-D slice of `arr` along `axis`; the results take that
 * axis's place: `applyAlongAxis(func1d, axis, arr, ...args)`.
 */
export function applyAlongAxis(func1d: (x: JArray, ...rest: any[]) => JArray, axis: number, arr: ArrayLike, ...args: unknown[]): JArray;
export function applyAlongAxis(...allArgs: unknown[]): JArray {
  const o = bindArgs("np.applyAlongAxis", allArgs.slice(0, 3), { func1d: required(fn), axis: required(int), arr: required(arrayLike) });
  const extra = allArgs.slice(3);
  const a = asArray(o.arr, "np.applyAlongAxis: argument arr");
  const ax = normalizeAxis("np.applyAlongAxis", o.axis, a.ndim);
  let f = (x: JArray) => o.func1d(x, ...extra) as JArray;
  // Axes after `axis` are mapped innermost with their outputs at the end; those before, outermost.
  for (let i = 1; i < a.ndim - ax; i++) f = vmap(f, i, -1) as typeof f;
  for (let i = 0; i < ax; i++) f = vmap(f, 0, 0) as typeof f;
  return f(a);
}

/** `a = func(a, axis)` for each axis in turn, a dropped axis put back as size 1: `applyOverAxes(func, a, axes)`. */
export function applyOverAxes(func: (a: JArray, axis: number) => JArray, a: ArrayLike, axes: number | readonly number[]): JArray;
export function applyOverAxes(...args: unknown[]): JArray {
  const o = bindArgs("np.applyOverAxes", args, { func: required(fn), a: required(arrayLike), axes: required(intOrInts) });
  let x = asArray(o.a, "np.applyOverAxes: argument a");
  for (const axis of typeof o.axes === "number" ? [o.axes] : o.axes) {
    const b = o.func(x, axis) as JArray;
    if (b.ndim === x.ndim) x = b;
    else if (b.ndim === x.ndim - 1) x = expandDims(b, axis);
    else throw new ValueError(`np.applyOverAxes: function is not returning an array of the correct shape (got ${showShape(b.shape)} from an input of shape ${showShape(x.shape)} over axis ${axis})`);
  }
  return x;
}
