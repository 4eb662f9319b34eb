/** `standardize` and `logmeanexp`, as jax.nn. */
import type { ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bindArgs, bool, intOrInts, num, orNull, required } from "../core/options.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import { asArray, normalizeAxes, promoteArgsInexact } from "../numpy/util.js";

type Axis = number | readonly number[];

export interface StandardizeOptions {
  axis?: Axis | null;
  mean?: ArrayLike | null;
  variance?: ArrayLike | null;
  epsilon?: number;
  where?: ArrayLike | null;
}

/**
 * `(x - mean) / sqrt(variance + epsilon)` over `axis` (default -1), the moments computed unless
 * given (variance as `E[x^2] - E[x]^2`, as JAX): `standardize(x, axis?, mean?, variance?, epsilon = 1e-5, where?)`.
 */
export function standardize(x: ArrayLike, axis?: Axis | null, mean?: ArrayLike | null, variance?: ArrayLike | null, epsilon?: number, where?: ArrayLike | null): JArray;
export function standardize(x: ArrayLike, opts?: StandardizeOptions): JArray;
export function standardize(...args: unknown[]): JArray {
  const o = bindArgs("nn.standardize", args, {
    x: required(arrayLike),
    axis: orNull(intOrInts),
    mean: orNull(arrayLike),
    variance: orNull(arrayLike),
    epsilon: num,
    where: orNull(arrayLike),
  });
  const a = promoteArgsInexact("nn.standardize", [o.x])[0]!;
  const axis = o.axis === undefined ? -1 : o.axis;
  const where = o.where ?? undefined;
  const mean = o.mean ?? np.mean(a, axis, { keepdims: true, where });
  const variance = o.variance ?? np.subtract(np.mean(np.square(a), axis, { keepdims: true, where }), np.square(mean));
  return np.multiply(np.subtract(a, mean), lax.rsqrt(asArray(np.add(variance, o.epsilon ?? 1e-5), "nn.standardize")));
}

/** `log(mean(exp(x)))` over `axis`, stably: `logmeanexp(x, axis?, where?, keepdims = false)`. */
export function logmeanexp(x: ArrayLike, axis?: Axis | null, where?: ArrayLike | null, keepdims?: boolean): JArray;
export function logmeanexp(x: ArrayLike, axis?: Axis | null, opts?: { where?: ArrayLike | null; keepdims?: boolean }): JArray;
export function logmeanexp(...args: unknown[]): JArray {
  const o = bindArgs("nn.logmeanexp", args, { x: required(arrayLike), axis: orNull(intOrInts), where: orNull(arrayLike), keepdims: bool });
  const a = promoteArgsInexact("nn.logmeanexp", [o.x])[0]!;
  const axis = o.axis ?? null;
  if (o.where === undefined || o.where === null) {
    const n = normalizeAxes("nn.logmeanexp", axis, a.ndim).reduce((p, d) => p * a.shape[d]!, 1);
    return np.subtract(np.logsumexp(a, axis, { keepdims: o.keepdims }), Math.log(n));
  }
  // Masked-out terms weigh 0 in logsumexp and do not count.
  const w = np.broadcastTo(np.notEqual(o.where, 0), a.shape);
  const n = np.sum(w, axis, { keepdims: o.keepdims, dtype: a.dtype });
  return np.subtract(np.logsumexp(a, axis, { keepdims: o.keepdims, b: np.astype(w, a.dtype) }), np.log(n));
}
