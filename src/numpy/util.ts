/**
 * What every numpy function needs at its boundary: turning arguments into arrays, dtype
 * promotion with weak types, broadcasting, and axis normalization, each with an error that
 * names the function, the argument and the shapes.
 */
import { showShape } from "../../ir/aval.js";
import { type DType, isFloat, promoteTypes } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { asJArray, describe, scalar } from "../core/convert.js";
import { ValueError } from "../errors.js";
import { isPlainObject } from "../core/options.js";
import * as lax from "../lax.js";

/** An array for a numpy argument; `what` names the function and argument for errors. */
export function asArray(x: ArrayLike, what: string): JArray {
  if (x instanceof JArray || typeof x === "number" || typeof x === "boolean") return asJArray(x, what);
  throw new TypeError(`${what}: expected an array or a number, got ${describe(x)}`);
}

/** The dtype (and weakness) numpy computes `xs` in. */
export function resultType(...xs: readonly JArray[]): { dtype: DType; weakType: boolean } {
  return promoteTypes(...xs.map((x) => ({ dtype: x.dtype, weakType: x.weakType })));
}

/**
 * `a` as `dtype`. Concrete scalars (JS numbers, mostly) convert at once rather than through a
 * primitive, so jaxprs show `mul a 2.5:f32[]` as JAX's do.
 */
export function convertTo(a: JArray, dtype: DType, weakType: boolean): JArray {
  return lax.convertElementType(a, dtype, weakType);
}

/** Converts each operand to the promoted dtype. */
export function promoteArgs(fn: string, xs: readonly ArrayLike[]): JArray[] {
  const arrays = xs.map((x, i) => asArray(x, `${fn}: argument ${i + 1}`));
  if (arrays.length === 0) return arrays;
  const { dtype, weakType } = resultType(...arrays);
  return arrays.map((a) => convertTo(a, dtype, weakType));
}

/** As promoteArgs, then to a float dtype (for true division and transcendental functions). */
export function promoteArgsInexact(fn: string, xs: readonly ArrayLike[]): JArray[] {
  const arrays = xs.map((x, i) => asArray(x, `${fn}: argument ${i + 1}`));
  const { dtype, weakType } = resultType(...arrays);
  const target = isFloat(dtype) ? dtype : "float32";
  return arrays.map((a) => convertTo(a, target, weakType));
}

/** NumPy's broadcast of several shapes, or a ValueError naming the function and shapes. */
export function broadcastShapes(fn: string, ...shapes: readonly (readonly number[])[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const k = ndim - s.length + i;
      const d = s[i]!;
      if (d === out[k] || d === 1) continue;
      if (out[k] === 1) out[k] = d;
      else
        throw new ValueError(
          `${fn}: operands could not be broadcast together with shapes ${shapes.map(showShape).join(" ")}`,
        );
    }
  }
  return out;
}

/** `x` broadcast to `shape` (trailing alignment), without checks beyond lax's. */
export function broadcastToShape(x: JArray, shape: readonly number[]): JArray {
  if (x.ndim === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const lead = shape.length - x.ndim;
  // Dims of size 1 that must grow are squeezed away, so broadcastInDim only adds dims.
  const keep = x.shape.map((d, i) => d === shape[lead + i] || d !== 1);
  const squeezed = keep.every(Boolean) ? x : lax.reshape(x, x.shape.filter((_, i) => keep[i]));
  const dims = x.shape.map((_, i) => lead + i).filter((_, i) => keep[i]);
  return lax.broadcastInDim(squeezed, shape, dims);
}

/**
 * Broadcasts operands for an elementwise op. Rank-0 operands stay rank-0 (the primitives
 * broadcast scalars themselves, so jaxprs keep `mul a 2.0:f32[]` as JAX prints them).
 */
export function broadcastArgs(fn: string, xs: readonly JArray[]): JArray[] {
  const shape = broadcastShapes(fn, ...xs.map((x) => x.shape));
  return xs.map((x) => (x.ndim === 0 ? x : broadcastToShape(x, shape)));
}

/** A non-negative axis, or a ValueError naming the function, the axis and the rank. */
export function normalizeAxis(fn: string, axis: number, ndim: number, argName = "axis"): number {
  if (!Number.isInteger(axis)) throw new TypeError(`${fn}: ${argName} must be an integer, got ${axis}`);
  if (axis < -ndim || axis >= ndim)
    throw new ValueError(`${fn}: ${argName} ${axis} is out of bounds for an array of dimension ${ndim}`);
  return axis < 0 ? axis + ndim : axis;
}

/** Normalized axes from numpy's `axis` argument (`null`/`undefined` means all). */
export function normalizeAxes(fn: string, axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  // NumPy's axis is positional, so `np.sum(x, {keepdims: true})` put the options in its place.
  if (isPlainObject(axis))
    throw new TypeError(`${fn}: axis must be an integer, an array of integers or null, got an options object; the options come after the axis: ${fn}(x, null, ${JSON.stringify(axis)})`);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(fn, a, ndim));
  if (new Set(out).size !== out.length) throw new ValueError(`${fn}: repeated axis in ${JSON.stringify(list)}`);
  return out.sort((a, b) => a - b);
}

/** The shape of an array, shown as numpy does: `(3, 4)`. */
export const shapeStr = (x: { shape: readonly number[] }): string => showShape(x.shape);

/** The constant `v` in `like`'s dtype and shape (never computed from `like`'s values, which may be inf or NaN). */
export function filledLike(like: JArray, v: number): JArray {
  const c = scalar(v, like.dtype, false);
  return like.ndim === 0 ? c : lax.broadcastInDim(c, like.shape, []);
}
