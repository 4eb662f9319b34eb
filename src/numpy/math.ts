/**
 * More elementwise math, with jax.numpy's formulas: the array-API aliases (`acos`, ...), sign
 * and exponent manipulation (`copysign frexp ldexp modf`), and `floatPower heaviside
 * logaddexp2 sinc nanToNum degrees radians`.
 */
import { isFloat } from "../../ir/dtype.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { customJvp } from "../autodiff/custom.js";
import { arrayLike, bindArgs, bool, num, orNull, required } from "../core/options.js";
import * as lax from "../lax.js";
import { arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, deg2rad, logaddexp, rad2deg, signbit } from "./elementwise.js";
import { asArray, broadcastArgs, filledLike, promoteArgsInexact } from "./util.js";


// The array API's names for the inverse trigonometric functions.
export const acos = arccos;
export const acosh = arccosh;
export const asin = arcsin;
export const asinh = arcsinh;
export const atan = arctan;
export const atan2 = arctan2;
export const atanh = arctanh;
export const degrees = rad2deg;
export const radians = deg2rad;

const inexact2 = (fn: string, x: ArrayLike, y: ArrayLike): [JArray, JArray] => broadcastArgs(fn, promoteArgsInexact(fn, [x, y])) as [JArray, JArray];
const inexact1 = (fn: string, x: ArrayLike): JArray => promoteArgsInexact(fn, [x])[0]!;

/** `|x1|` with the sign of `x2` (the sign bit, so -0.0 counts as negative). */
export function copysign(x1: ArrayLike, x2: ArrayLike): JArray {
  const [a, b] = inexact2("np.copysign", x1, x2);
  const mag = lax.abs(a);
  return lax.select(signbit(b), lax.neg(mag), mag);
}

/** `x1 ** x2` computed in floating point (integers become float32). */
export function floatPower(x1: ArrayLike, x2: ArrayLike): JArray {
  return lax.pow(...inexact2("np.floatPower", x1, x2));
}

/** The Heaviside step: 0 for x1 < 0, 1 for x1 > 0, and x2 at x1 == 0. */
export function heaviside(x1: ArrayLike, x2: ArrayLike): JArray {
  const [a, b] = inexact2("np.heaviside", x1, x2);
  return lax.select(lax.lt(a, 0), filledLike(a, 0), lax.select(lax.gt(a, 0), filledLike(a, 1), b));
}

/** `log2(2**x1 + 2**x2)` without overflow (through logaddexp, so its tie-splitting gradient). */
export function logaddexp2(x1: ArrayLike, x2: ArrayLike): JArray {
  const [a, b] = inexact2("np.logaddexp2", x1, x2);
  return lax.div(logaddexp(lax.mul(a, Math.LN2), lax.mul(b, Math.LN2)), Math.LN2);
}

// sinc's derivatives near 0 come from its Maclaurin series (JAX's custom jvp does this at 0),
// since the quotients cancel catastrophically there: sinc'(x) ~ -pi^2 x / 3 + pi^4 x^3 / 30
// and sinc''(x) ~ -pi^2 / 3 + pi^4 x^2 / 10, to within 1e-11 for |x| < 1e-3.
const SERIES_BELOW = 1e-3;
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;

const sincDerivative = customJvp(function sincDerivative(x: JArray): JArray {
  const small = lax.lt(lax.abs(x), SERIES_BELOW);
  const safe = lax.select(small, filledLike(x, 1), x);
  const px = lax.mul(safe, Math.PI);
  const d = lax.div(lax.sub(lax.mul(lax.cos(px), px), lax.sin(px)), lax.mul(px, safe));
  const x2 = lax.square(x);
  const series = lax.mul(x, lax.add(lax.mul(x2, PI4 / 30), -PI2 / 3));
  return lax.select(small, series, d);
}).defjvp(([x], [t]) => {
  const small = lax.lt(lax.abs(x), SERIES_BELOW);
  const safe = lax.select(small, filledLike(x, 1), x);
  // d/dx [(pi x cos(pi x) - sin(pi x)) / (pi x^2)] = (-(pi x)^2 sin(pi x) - 2 pi x cos(pi x) + 2 sin(pi x)) / (pi x^3)
  const px = lax.mul(safe, Math.PI);
  const s = lax.sin(px);
  const c = lax.cos(px);
  const num2 = lax.add(lax.sub(lax.neg(lax.mul(lax.square(px), s)), lax.mul(lax.mul(px, c), 2)), lax.mul(s, 2));
  const second = lax.div(num2, lax.mul(lax.mul(px, safe), safe));
  const series = lax.add(lax.mul(lax.square(x), PI4 / 10), -PI2 / 3);
  return [sincDerivative(x), lax.mul(t, lax.select(small, series, second))];
});

const sincImpl = customJvp(function sinc(x: JArray): JArray {
  const isZero = lax.eq(x, 0);
  const safe = lax.select(isZero, filledLike(x, 1), x);
  const px = lax.mul(safe, Math.PI);
  return lax.select(isZero, filledLike(x, 1), lax.div(lax.sin(px), px));
}).defjvp(([x], [t]) => [sincImpl(x), lax.mul(t, sincDerivative(x))]);

/** The normalized sinc `sin(pi x) / (pi x)`, 1 at 0 (with exact derivatives there). */
export function sinc(x: ArrayLike): JArray {
  return sincImpl(inexact1("np.sinc", x));
}

/** `[x - whole, whole]` where `whole` is x rounded toward zero (both floats, as JAX's modf). */
export function modf(x: ArrayLike): [JArray, JArray] {
  const a = inexact1("np.modf", x);
  const whole = lax.select(lax.ge(a, 0), lax.floor(a), lax.ceil(a));
  return [lax.sub(a, whole), whole];
}

/**
 * `2 ** e` for an int32 array `e`, applied to `x` by repeated exact scaling: each factor is a
 * float32 power of two built from its bits, so the result is exact wherever it is representable
 * (and overflows to inf or underflows to 0 as it should).
 */
function scaleByPow2(x: JArray, e: JArray): JArray {
  // Enough steps of at most 2^±126 to cover float64's range from its smallest subnormal up.
  const steps = x.dtype === "float64" ? 18 : 3;
  const limit = steps * 126;
  let rest = lax.clamp(-limit, e, limit);
  let out = x;
  for (let i = 0; i < steps; i++) {
    const step = lax.clamp(-126, rest, 126);
    const bits = lax.shiftLeft(lax.add(step, 127), 23);
    const factor = lax.convertElementType(lax.bitcastConvertType(bits, "float32"), x.dtype);
    out = lax.mul(out, factor);
    rest = lax.sub(rest, step);
  }
  return out;
}

/** `x1 * 2 ** x2` for an integer `x2`, exact (as C's ldexp). */
export function ldexp(x1: ArrayLike, x2: ArrayLike): JArray {
  const e = asArray(x2, "np.ldexp: argument x2");
  if (isFloat(e.dtype) || e.dtype === "bool") throw new TypeError(`np.ldexp: x2 must be an integer array, got ${e.dtype}`);
  const m = inexact1("np.ldexp", x1);
  const [a, b] = broadcastArgs("np.ldexp", [m, lax.convertElementType(e, "int32")]) as [JArray, JArray];
  const full = (t: JArray, like: JArray) => (t.ndim === 0 && like.ndim > 0 ? lax.broadcastInDim(t, like.shape, []) : t);
  const x = full(a, b);
  // Zeros and infinities pass through as they are (so their derivative is 1, as in JAX's ldexp).
  return lax.select(lax.or(lax.eq(x, 0), lax.eq(lax.abs(x), Infinity)), x, scaleByPow2(x, full(b, a)));
}

/**
 * `[mantissa, exponent]` with `x = mantissa * 2 ** exponent` and `0.5 <= |mantissa| < 1`
 * (exponent int32); zero, infinities and NaN give `[x, 0]`, as JAX.
 */
export function frexp(x: ArrayLike): [JArray, JArray] {
  const a = inexact1("np.frexp", x);
  const ax = lax.abs(a);
  const regular = lax.and(lax.isFinite(a), lax.ne(a, 0));
  // log2 gives the exponent to within one (and is exact for powers of two); subnormals are
  // scaled up first so that log2 sees a normal number.
  const tinyLimit = a.dtype === "float64" ? 2.2250738585072014e-308 : 1.1754943508222875e-38;
  const tiny = lax.lt(ax, tinyLimit);
  const boost = 64;
  const scaled = lax.select(tiny, lax.mul(ax, 2 ** boost), ax);
  const safe = lax.select(regular, scaled, filledLike(ax, 1));
  let e = lax.convertElementType(lax.add(lax.floor(lax.div(lax.log(safe), Math.LN2)), 1), "int32");
  e = lax.select(tiny, lax.sub(e, boost), e);
  let m = scaleByPow2(a, lax.neg(e));
  const big = lax.ge(lax.abs(m), 1);
  m = lax.select(big, lax.mul(m, 0.5), m);
  e = lax.select(big, lax.add(e, 1), e);
  const small = lax.lt(lax.abs(m), 0.5);
  m = lax.select(small, lax.mul(m, 2), m);
  e = lax.select(small, lax.sub(e, 1), e);
  return [lax.select(regular, m, a), lax.select(regular, e, filledLike(e, 0))];
}

/**
 * NaN to `nan` (0), +inf to `posinf` and -inf to `neginf` (the dtype's largest and lowest finite
 * values by default): `nanToNum(x, copy?, nan?, posinf?, neginf?)` or with the options.
 */
export function nanToNum(x: ArrayLike, opts?: { copy?: boolean; nan?: number; posinf?: number | null; neginf?: number | null }): JArray;
export function nanToNum(x: ArrayLike, copy?: boolean, nan?: number, posinf?: number | null, neginf?: number | null): JArray;
export function nanToNum(...args: unknown[]): JArray {
  const o = bindArgs("np.nanToNum", args, { x: required(arrayLike), copy: bool, nan: num, posinf: orNull(num), neginf: orNull(num) });
  const a = asArray(o.x, "np.nanToNum: argument x");
  if (!isFloat(a.dtype)) return a;
  const big = a.dtype === "float64" ? Number.MAX_VALUE : 3.4028234663852886e38;
  let out = lax.select(lax.ne(a, a), filledLike(a, o.nan ?? 0), a);
  out = lax.select(lax.eq(out, Infinity), filledLike(a, o.posinf ?? big), out);
  out = lax.select(lax.eq(out, -Infinity), filledLike(a, o.neginf ?? -big), out);
  return out;
}
