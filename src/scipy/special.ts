/**
 * `scipy.special`: the functions of `jax.scipy.special` that build on existing primitives, with
 * JAX's formulas (so their values and derivatives match JAX's, edge cases included).
 */
import type { ArrayLike, JArray } from "../core/array.js";
import { customJvp } from "../autodiff/custom.js";
import * as lax from "../lax.js";
import * as nn from "../nn/activations.js";
import * as np from "../numpy/index.js";
import { broadcastArgs, promoteArgsInexact } from "../numpy/util.js";

const inexact = (fn: string, x: ArrayLike): JArray => promoteArgsInexact(fn, [x])[0]!;
const inexact2 = (fn: string, x: ArrayLike, y: ArrayLike): [JArray, JArray] =>
  broadcastArgs(fn, promoteArgsInexact(fn, [x, y])) as [JArray, JArray];

/** The error function. */
export function erf(x: ArrayLike): JArray {
  return lax.erf(inexact("scipy.special.erf", x));
}

/** The complementary error function `1 - erf(x)`, accurate for large x. */
export function erfc(x: ArrayLike): JArray {
  return lax.erfc(inexact("scipy.special.erfc", x));
}

/** The inverse of `erf` on (-1, 1). */
export function erfinv(x: ArrayLike): JArray {
  return lax.erfInv(inexact("scipy.special.erfinv", x));
}

/** The logistic sigmoid `1 / (1 + exp(-x))`. */
export function expit(x: ArrayLike): JArray {
  return lax.logistic(inexact("scipy.special.expit", x));
}

// JAX's logit has a custom jvp `g / (x (1 - x))`, finite where the quotient rule loses precision.
const logitImpl = customJvp(function logit(x: JArray): JArray {
  return lax.log(lax.div(x, lax.sub(1, x)));
}).defjvps((g: JArray, _ans: JArray, x: JArray) => lax.div(g, lax.mul(x, lax.sub(1, x))));

/** The inverse of `expit`: `log(x / (1 - x))`. */
export function logit(x: ArrayLike): JArray {
  return logitImpl(inexact("scipy.special.logit", x));
}

/** `log(sum(b * exp(x)))` over `axis`, computed stably: `np.logsumexp`, as `jax.scipy.special.logsumexp`. */
export const logsumexp = np.logsumexp;

/** `softmax(x, axis=-1)`, as `jax.nn.softmax`. */
export const softmax = nn.softmax;
/** `logSoftmax(x, axis=-1)`, as `jax.nn.log_softmax`. */
export const logSoftmax = nn.logSoftmax;

// x * log(y) with 0 where x == 0 (and NaN from y kept), and JAX's jvp, which is finite at x = 0.
const xlogyImpl = customJvp(function xlogy(x: JArray, y: JArray): JArray {
  return np.where(np.logicalOr(np.notEqual(x, 0), np.isnan(y)), lax.mul(x, lax.log(y)), np.zerosLike(x));
}).defjvp(([x, y], [xDot, yDot]) => [xlogyImpl(x, y), lax.add(lax.mul(xDot, lax.log(y)), lax.div(lax.mul(yDot, x), y))]);

const xlog1pyImpl = customJvp(function xlog1py(x: JArray, y: JArray): JArray {
  return np.where(np.logicalOr(np.notEqual(x, 0), np.isnan(y)), lax.mul(x, lax.log1p(y)), np.zerosLike(x));
}).defjvp(([x, y], [xDot, yDot]) => [xlog1pyImpl(x, y), lax.add(lax.mul(xDot, lax.log1p(y)), lax.div(lax.mul(yDot, x), lax.add(y, 1)))]);

/** `x * log(y)`, 0 where `x == 0` (so `xlogy(0, 0) = 0`). */
export function xlogy(x: ArrayLike, y: ArrayLike): JArray {
  return xlogyImpl(...inexact2("scipy.special.xlogy", x, y));
}

/** `x * log1p(y)`, 0 where `x == 0` (so `xlog1py(0, -1) = 0`). */
export function xlog1py(x: ArrayLike, y: ArrayLike): JArray {
  return xlog1pyImpl(...inexact2("scipy.special.xlog1py", x, y));
}

// x log x with the derivative log(x) + 1 (JAX's _xlogx).
const xlogx = customJvp(function xlogx(x: JArray): JArray {
  return xlogyImpl(x, x);
}).defjvp(([x], [xDot]) => [xlogx(x), lax.mul(xDot, lax.add(lax.log(x), 1))]);

/** Elementwise entropy `-x log x` (0 at 0, -inf for negative x). */
export function entr(x: ArrayLike): JArray {
  const a = inexact("scipy.special.entr", x);
  return lax.select(lax.lt(a, 0), np.fullLike(a, -Infinity), lax.neg(xlogx(a)));
}

/** Elementwise relative entropy `p log(p / q)` (0 where p == 0 and q >= 0, inf where undefined). */
export function relEntr(p: ArrayLike, q: ArrayLike): JArray {
  const [a, b] = inexact2("scipy.special.relEntr", p, q);
  const bothPositive = lax.and(lax.gt(a, 0), lax.gt(b, 0));
  const zeroP = lax.and(lax.eq(a, 0), lax.ge(b, 0));
  const safeP = np.where(bothPositive, a, 1);
  const safeQ = np.where(bothPositive, b, 1);
  const logVal = lax.sub(xlogx(safeP), xlogyImpl(safeP, safeQ));
  return np.where(bothPositive, logVal, np.where(zeroP, 0, Infinity));
}

/** Elementwise Kullback-Leibler divergence `p log(p / q) - p + q`. */
export function klDiv(p: ArrayLike, q: ArrayLike): JArray {
  const [a, b] = inexact2("scipy.special.klDiv", p, q);
  return lax.add(lax.sub(relEntr(a, b), a), b);
}

/** The standard normal CDF, as JAX's `ndtr` (erf near 0, erfc in the tails). */
export function ndtr(x: ArrayLike): JArray {
  const a = inexact("scipy.special.ndtr", x);
  const halfSqrt2 = 0.5 * Math.SQRT2;
  const w = lax.mul(a, halfSqrt2);
  const z = lax.abs(w);
  const y = lax.select(lax.lt(z, halfSqrt2), lax.add(lax.erf(w), 1), lax.select(lax.gt(w, 0), lax.sub(2, lax.erfc(z)), lax.erfc(z)));
  return lax.mul(y, 0.5);
}

// Cephes' rational approximations for ndtri, as JAX uses them (highest power first, as polyval).
const P0 = [-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1, 1.39312609387279679503e1, -1.23916583867381258016e0];
const Q0 = [
  1.0, 1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1, -2.25462687854119370527e2, 2.00260212380060660359e2,
  -8.20372256168333339912e1, 1.59056225126211695515e1, -1.18331621121330003142e0,
];
const P1 = [
  4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1, 4.40805073893200834700e1, 1.46849561928858024014e1,
  2.18663306850790267539e0, -1.40256079171354495875e-1, -3.50424626827848203418e-2, -8.57456785154685413611e-4,
];
const Q1 = [
  1.0, 1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1, 1.50425385692907503408e1, 2.50464946208309415979e0,
  -1.42182922854787788574e-1, -3.80806407691578277194e-2, -9.33259480895457427372e-4,
];
const P2 = [
  3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0, 1.33303460815807542389e0, 2.01485389549179081538e-1,
  1.23716634817820021358e-2, 3.01581553508235416007e-4, 2.65806974686737550832e-6, 6.23974539184983293730e-9,
];
const Q2 = [
  1.0, 6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0, 2.16236993594496635890e-1, 1.34204006088543189037e-2,
  3.28014464682127739104e-4, 2.89247864745380683936e-6, 6.79019408009981274425e-9,
];

/** Horner's rule with the coefficients highest power first (numpy's polyval). */
function polyval(coeffs: readonly number[], x: JArray): JArray {
  let acc = np.zerosLike(x);
  for (const c of coeffs) acc = lax.add(lax.mul(acc, x), c);
  return acc;
}

/** The inverse of `ndtr`: the x with `ndtr(x) = p` (Cephes' algorithm, as JAX's). */
export function ndtri(p: ArrayLike): JArray {
  const a = inexact("scipy.special.ndtri", p);
  const maybeComplement = np.where(lax.gt(a, -Math.expm1(-2)), lax.sub(1, a), a);
  // p == 0 would give NaNs in branches that are not used; any harmless value does.
  const mcp = np.where(lax.eq(maybeComplement, 0), 0.5, maybeComplement);
  const w = lax.sub(mcp, 0.5);
  const ww = lax.square(w);
  const bigP = lax.mul(lax.add(w, lax.mul(lax.mul(w, ww), lax.div(polyval(P0, ww), polyval(Q0, ww)))), -Math.sqrt(2 * Math.PI));
  const z = lax.sqrt(lax.mul(lax.log(mcp), -2));
  const first = lax.sub(z, lax.div(lax.log(z), z));
  const invZ = lax.div(1, z);
  const smallP = lax.sub(first, lax.div(lax.div(polyval(P2, invZ), polyval(Q2, invZ)), z));
  const otherwise = lax.sub(first, lax.div(lax.div(polyval(P1, invZ), polyval(Q1, invZ)), z));
  let x = np.where(lax.gt(mcp, Math.exp(-2)), bigP, np.where(lax.ge(z, 8), smallP, otherwise));
  x = np.where(lax.gt(a, 1 - Math.exp(-2)), x, lax.neg(x));
  return np.where(lax.eq(a, 0), -Infinity, np.where(lax.eq(a, 1), Infinity, x));
}

// XLA's lgamma (which jax.scipy.special.gammaln is): Lanczos with g = 7 and reflection below 0.5.
const LANCZOS_G = 7;
const LANCZOS_BASE = 0.99999999999980993227684700473478;
const LANCZOS_COEFFS = [
  676.520368121885098567009190444019, -1259.13921672240287047156078755283, 771.3234287776530788486528258894, -176.61502916214059906584551354,
  12.507343278686904814458936853, -0.13857109526572011689554707, 9.984369578019570859563e-6, 1.50563273514931155834e-7,
];

/** `log|Γ(x)|`, as XLA's lgamma (Lanczos approximation, reflection for x < 0.5; +inf at poles and ±inf). */
export function gammaln(x: ArrayLike): JArray {
  const a = inexact("scipy.special.gammaln", x);
  const reflect = lax.lt(a, 0.5);
  const z = np.where(reflect, lax.neg(a), lax.sub(a, 1));
  let sum = np.fullLike(z, LANCZOS_BASE);
  LANCZOS_COEFFS.forEach((c, i) => {
    sum = lax.add(sum, lax.div(c, lax.add(z, i + 1)));
  });
  const gPlusHalf = LANCZOS_G + 0.5;
  const t = lax.add(z, gPlusHalf);
  const logT = lax.add(lax.log1p(lax.div(z, gPlusHalf)), Math.log(gPlusHalf));
  // (z + 1/2) log t - t, written as XLA does so that a large t does not overflow.
  const logY = lax.add(lax.add(lax.mul(lax.sub(lax.add(z, 0.5), lax.div(t, logT)), logT), 0.5 * Math.log(2 * Math.PI)), lax.log(sum));
  const absA = lax.abs(a);
  const frac = lax.sub(absA, lax.floor(absA));
  // Only reflected elements use this branch; elsewhere a harmless 0.5 keeps log(sin(0)) = -inf
  // out of the gradient (0 * inf would make it NaN even though the branch is not selected).
  const reducedFrac = np.where(reflect, np.where(lax.gt(frac, 0.5), lax.sub(1, frac), frac), 0.5);
  const reflectionDenom = lax.log(lax.sin(lax.mul(reducedFrac, Math.PI)));
  const reflection = np.where(lax.isFinite(reflectionDenom), lax.sub(lax.sub(Math.log(Math.PI), reflectionDenom), logY), lax.neg(reflectionDenom));
  const out = np.where(reflect, reflection, logY);
  return np.where(np.isinf(a), Infinity, out);
}

/** `log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)`. */
export function betaln(a: ArrayLike, b: ArrayLike): JArray {
  const [x, y] = inexact2("scipy.special.betaln", a, b);
  return lax.sub(lax.add(gammaln(x), gammaln(y)), gammaln(lax.add(x, y)));
}

// --- digamma and polygamma ---------------------------------------------------------------------

/** Shifts applied by the recurrences below, so the asymptotic series run at arguments >= 10. */
const SHIFT = 10;

/** `pi / tan(pi x)`, with the argument reduced to [-1/2, 1/2] first (tan's period), for accuracy near integers. */
function piCot(x: JArray): JArray {
  const r = lax.sub(x, lax.round(x, "toNearestEven"));
  return lax.div(Math.PI, lax.tan(lax.mul(r, Math.PI)));
}

/** ψ(x) for x >= 0.5: the recurrence up to x + 10, then the asymptotic series ln y - 1/2y - Σ B2k / (2k y^2k). */
function digammaPositive(x: JArray): JArray {
  let acc = np.zerosLike(x);
  for (let k = 0; k < SHIFT; k++) acc = lax.add(acc, lax.div(1, lax.add(x, k)));
  const y = lax.add(x, SHIFT);
  const inv2 = lax.div(1, lax.mul(y, y));
  // 1/12 - inv2 (1/120 - inv2 (1/252 - inv2 (1/240 - inv2 (1/132 - inv2 691/32760))))
  const coeffs = [1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760];
  let series = np.fullLike(x, coeffs[coeffs.length - 1]!);
  for (let i = coeffs.length - 2; i >= 0; i--) series = lax.add(lax.mul(series, inv2), coeffs[i]!);
  const asym = lax.sub(lax.sub(lax.log(y), lax.div(0.5, y)), lax.mul(series, inv2));
  return lax.sub(asym, acc);
}

function digammaImpl(x: JArray): JArray {
  const reflect = lax.lt(x, 0.5);
  // Reflection ψ(x) = ψ(1 - x) - π cot(πx); both branches see safe arguments.
  const positive = digammaPositive(np.where(reflect, lax.sub(1, x), x));
  const out = np.where(reflect, lax.sub(positive, piCot(np.where(reflect, x, 0.25))), positive);
  // Poles at 0, -1, -2, ...: NaN, as JAX's.
  const pole = lax.and(lax.le(x, 0), lax.eq(x, lax.floor(x)));
  return np.where(pole, NaN, np.where(lax.eq(x, Infinity), Infinity, out));
}

// Bernoulli numbers B2, B4, ..., B12 over (2k)!, for the Euler-Maclaurin tail of Hurwitz's zeta.
const BERNOULLI_OVER_FACT = [1 / 6 / 2, -1 / 30 / 24, 1 / 42 / 720, -1 / 30 / 40320, 5 / 66 / 3628800, -691 / 2730 / 479001600];

/**
 * Hurwitz's ζ(s, x) for an integer s >= 2, by Euler-Maclaurin: the first 10 terms summed, then
 * the integral, half the next term and the Bernoulli corrections at y = x + 10. Valid where
 * x + 10 > 0 and no x + k is 0.
 */
function hurwitzZeta(s: number, x: JArray): JArray {
  let acc = np.zerosLike(x);
  for (let k = 0; k < SHIFT; k++) acc = lax.add(acc, lax.integerPow(lax.add(x, k), -s));
  const y = lax.add(x, SHIFT);
  const ys = lax.integerPow(y, -s);
  let tail = lax.add(lax.div(lax.mul(ys, y), s - 1), lax.mul(ys, 0.5));
  // Σ B2j/(2j)! · s(s+1)...(s+2j-2) · y^(-s-2j+1)
  let rising = s;
  let pw = lax.div(ys, y);
  const inv2 = lax.div(1, lax.mul(y, y));
  BERNOULLI_OVER_FACT.forEach((b, j) => {
    if (j > 0) {
      rising *= (s + 2 * j - 1) * (s + 2 * j);
      pw = lax.mul(pw, inv2);
    }
    tail = lax.add(tail, lax.mul(pw, b * rising));
  });
  return lax.add(acc, tail);
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

const polygammaByOrder = new Map<number, (x: JArray) => JArray>();

/** ψ⁽ⁿ⁾ as a function with its jvp ψ⁽ⁿ⁺¹⁾, so derivatives of any order follow. */
function polygammaOfOrder(n: number): (x: JArray) => JArray {
  let f = polygammaByOrder.get(n);
  if (f !== undefined) return f;
  if (n === 0) {
    f = customJvp(function digamma(x: JArray): JArray {
      return digammaImpl(x);
    }).defjvps((g: JArray, _ans: JArray, x: JArray) => lax.mul(g, polygammaOfOrder(1)(x)));
  } else {
    const sign = n % 2 === 1 ? 1 : -1;
    const scale = sign * factorial(n);
    f = customJvp(function polygamma(x: JArray): JArray {
      const value = lax.mul(hurwitzZeta(n + 1, x), scale);
      if (n !== 1) return value;
      // Trigamma below 1/2 by reflection: ψ1(x) = π² / sin²(πx) - ψ1(1 - x).
      const reflect = lax.lt(x, 0.5);
      const other = lax.mul(hurwitzZeta(2, np.where(reflect, lax.sub(1, x), 1)), scale);
      const sinPi = lax.sin(lax.mul(lax.sub(x, lax.round(x, "toNearestEven")), Math.PI));
      const reflected = lax.sub(lax.div(Math.PI * Math.PI, lax.square(sinPi)), other);
      return np.where(reflect, reflected, value);
    }).defjvps((g: JArray, _ans: JArray, x: JArray) => lax.mul(g, polygammaOfOrder(n + 1)(x)));
  }
  polygammaByOrder.set(n, f);
  return f;
}

/** The digamma function ψ(x) = d/dx ln Γ(x); NaN at 0, -1, -2, ... Its derivative is polygamma(1, x). */
export function digamma(x: ArrayLike): JArray {
  return polygammaOfOrder(0)(inexact("scipy.special.digamma", x));
}

/**
 * The n-th derivative of the digamma function, `polygamma(n, x)`, for a non-negative integer
 * `n` (JAX also takes an array of orders; here it is one JS integer). Orders >= 2 are computed
 * for x > -10.
 */
export function polygamma(n: number, x: ArrayLike): JArray {
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`scipy.special.polygamma: n must be a non-negative integer (a JS number), got ${String(n)}`);
  return polygammaOfOrder(n)(inexact("scipy.special.polygamma", x));
}
