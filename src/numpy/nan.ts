/**
 * NaN-ignoring reductions and scans (`nansum nanprod nanmax nanmin nanargmax nanargmin nanmean
 * nanvar nanstd nancumsum nancumprod`), as jax.numpy writes them: NaNs are replaced by the
 * operation's identity (or masked out of the count), an all-NaN slice gives NaN for max/min/mean
 * and -1 for argmax/argmin, and integer inputs are passed straight to the plain reduction.
 */
import { isFloat } from "../../ir/dtype.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bool, checkOptions, dtype as dtypeKind, num } from "../core/options.js";
import * as lax from "../lax.js";
import {
  type Axis,
  all,
  argmax,
  argmin,
  cumprod,
  cumsum,
  max,
  mean,
  min,
  prod,
  std,
  sum,
  var as variance,
} from "./reductions.js";
import { asArray, broadcastToShape, filledLike } from "./util.js";

export interface NanReduceOptions {
  keepdims?: boolean;
  where?: ArrayLike;
}
export interface NanSumOptions extends NanReduceOptions {
  dtype?: import("../../ir/dtype.js").DType;
  initial?: number;
}
export interface NanVarOptions extends NanReduceOptions {
  dtype?: import("../../ir/dtype.js").DType;
  ddof?: number;
}

const WHERE = { keepdims: bool, where: arrayLike };
const SPECS = {
  sum: { ...WHERE, dtype: dtypeKind, initial: num },
  max: { ...WHERE, initial: num },
  mean: { ...WHERE, dtype: dtypeKind },
  var: { ...WHERE, dtype: dtypeKind, ddof: num },
  arg: { keepdims: bool },
  cum: { dtype: dtypeKind },
};

const isnan = (a: JArray) => lax.ne(a, a);
const notnan = (a: JArray) => lax.eq(a, a);

/** `where` and "not NaN" together, as one mask for the plain reduction's `where`. */
function combinedWhere(a: JArray, where: ArrayLike | undefined): JArray {
  const ok = notnan(a);
  if (where === undefined) return ok;
  let w = asArray(where, "where");
  if (w.dtype !== "bool") w = lax.ne(w, 0);
  return lax.and(ok, broadcastToShape(w, a.shape));
}

/** `sum(x, axis?, {keepdims, dtype, initial, where})` with NaNs counted as 0. */
export function nansum(x: ArrayLike, axis?: Axis, opts: NanSumOptions = {}): JArray {
  checkOptions("np.nansum", opts, SPECS.sum, ["a", "axis?"]);
  const a = asArray(x, "np.nansum: argument a");
  if (!isFloat(a.dtype)) return sum(a, axis, opts);
  return sum(lax.select(isnan(a), filledLike(a, 0), a), axis, opts);
}

/** `prod(x, axis?, {keepdims, dtype, initial, where})` with NaNs counted as 1. */
export function nanprod(x: ArrayLike, axis?: Axis, opts: NanSumOptions = {}): JArray {
  checkOptions("np.nanprod", opts, SPECS.sum, ["a", "axis?"]);
  const a = asArray(x, "np.nanprod: argument a");
  if (!isFloat(a.dtype)) return prod(a, axis, opts);
  return prod(lax.select(isnan(a), filledLike(a, 1), a), axis, opts);
}

function nanExtremum(fn: "np.nanmax" | "np.nanmin", x: ArrayLike, axis: Axis | undefined, opts: NanReduceOptions & { initial?: number }): JArray {
  checkOptions(fn, opts, SPECS.max, ["a", "axis?"]);
  const a = asArray(x, `${fn}: argument a`);
  const reduce = fn === "np.nanmax" ? max : min;
  if (!isFloat(a.dtype)) return reduce(a, axis, opts);
  const out = reduce(lax.select(isnan(a), filledLike(a, fn === "np.nanmax" ? -Infinity : Infinity), a), axis, opts);
  const allNan = all(isnan(a), axis, { keepdims: opts.keepdims });
  return lax.select(allNan, filledLike(out, NaN), out);
}

/** `max` ignoring NaNs; NaN where a slice is all NaN. */
export function nanmax(x: ArrayLike, axis?: Axis, opts: NanReduceOptions & { initial?: number } = {}): JArray {
  return nanExtremum("np.nanmax", x, axis, opts);
}
/** `min` ignoring NaNs; NaN where a slice is all NaN. */
export function nanmin(x: ArrayLike, axis?: Axis, opts: NanReduceOptions & { initial?: number } = {}): JArray {
  return nanExtremum("np.nanmin", x, axis, opts);
}

function nanArg(fn: "np.nanargmax" | "np.nanargmin", x: ArrayLike, axis: number | null | undefined, opts: { keepdims?: boolean }): JArray {
  checkOptions(fn, opts, SPECS.arg, ["a", "axis?"]);
  const a = asArray(x, `${fn}: argument a`);
  const arg = fn === "np.nanargmax" ? argmax : argmin;
  if (!isFloat(a.dtype)) return arg(a, axis, opts);
  const mask = isnan(a);
  const res = arg(lax.select(mask, filledLike(a, fn === "np.nanargmax" ? -Infinity : Infinity), a), axis, opts);
  const allNan = all(mask, axis, { keepdims: opts.keepdims });
  return lax.select(allNan, filledLike(res, -1), res);
}

/** `argmax` ignoring NaNs; -1 where a slice is all NaN. */
export function nanargmax(x: ArrayLike, axis?: number | null, opts: { keepdims?: boolean } = {}): JArray {
  return nanArg("np.nanargmax", x, axis, opts);
}
/** `argmin` ignoring NaNs; -1 where a slice is all NaN. */
export function nanargmin(x: ArrayLike, axis?: number | null, opts: { keepdims?: boolean } = {}): JArray {
  return nanArg("np.nanargmin", x, axis, opts);
}

/** The mean of the non-NaN elements; NaN where there are none. */
export function nanmean(x: ArrayLike, axis?: Axis, opts: NanReduceOptions & { dtype?: import("../../ir/dtype.js").DType } = {}): JArray {
  checkOptions("np.nanmean", opts, SPECS.mean, ["a", "axis?"]);
  const a = asArray(x, "np.nanmean: argument a");
  if (!isFloat(a.dtype)) return mean(a, axis, opts);
  return mean(lax.select(isnan(a), filledLike(a, 0), a), axis, { ...opts, where: combinedWhere(a, opts.where) });
}

/**
 * The variance of the non-NaN elements (divisor: their count minus `ddof`); NaN where none are
 * left. JAX's formula: the NaN-free mean, squared deviations with NaNs zeroed, a masked divisor.
 */
export function nanvar(x: ArrayLike, axis?: Axis, opts: NanVarOptions = {}): JArray {
  checkOptions("np.nanvar", opts, SPECS.var, ["a", "axis?"]);
  return nanvarImpl("np.nanvar", x, axis, opts);
}

function nanvarImpl(fn: string, x: ArrayLike, axis: Axis | undefined, opts: NanVarOptions): JArray {
  const a = asArray(x, `${fn}: argument a`);
  if (!isFloat(a.dtype)) return variance(a, axis, opts);
  const dtype = opts.dtype ?? a.dtype;
  const c = lax.convertElementType(a, dtype);
  const where = opts.where;
  const m = nanmean(c, axis, { keepdims: true, where });
  const nan = isnan(c);
  const centered = lax.square(lax.select(nan, filledLike(c, 0), lax.sub(c, broadcastToShape(m, c.shape))));
  const count = sum(lax.not(nan), axis, { keepdims: opts.keepdims, where, dtype });
  const normalizer = lax.sub(count, opts.ddof ?? 0);
  const empty = lax.le(normalizer, 0);
  const total = sum(centered, axis, { keepdims: opts.keepdims, where, dtype });
  return lax.div(lax.select(empty, filledLike(total, NaN), total), lax.select(empty, filledLike(normalizer, 1), normalizer));
}

/** The standard deviation of the non-NaN elements. */
export function nanstd(x: ArrayLike, axis?: Axis, opts: NanVarOptions = {}): JArray {
  checkOptions("np.nanstd", opts, SPECS.var, ["a", "axis?"]);
  return lax.sqrt(nanvarImpl("np.nanstd", x, axis, opts));
}

/** `cumsum` with NaNs counted as 0. */
export function nancumsum(x: ArrayLike, axis?: number | null, opts: { dtype?: import("../../ir/dtype.js").DType } = {}): JArray {
  checkOptions("np.nancumsum", opts, SPECS.cum, ["a", "axis?"]);
  const a = asArray(x, "np.nancumsum: argument a");
  return cumsum(isFloat(a.dtype) ? lax.select(isnan(a), filledLike(a, 0), a) : a, axis, opts);
}

/** `cumprod` with NaNs counted as 1. */
export function nancumprod(x: ArrayLike, axis?: number | null, opts: { dtype?: import("../../ir/dtype.js").DType } = {}): JArray {
  checkOptions("np.nancumprod", opts, SPECS.cum, ["a", "axis?"]);
  const a = asArray(x, "np.nancumprod: argument a");
  return cumprod(isFloat(a.dtype) ? lax.select(isnan(a), filledLike(a, 1), a) : a, axis, opts);
}
