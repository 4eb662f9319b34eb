/**
 * Scalar special functions in double precision, where JS's Math has no (or a different)
 * version: erf, erfc, erfInv, nextafter, rounding, and C's pow.
 */

// ---------------------------------------------------------------------------------------
// erf / erfc: W. J. Cody, "Rational Chebyshev approximations for the error function",
// Math. Comp. 23 (1969) 631-637; coefficients and structure from Cody's CALERF in Netlib
// SPECFUN (https://www.netlib.org/specfun/erf). Relative accuracy ~1e-16 on all of R.

const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909, 1712.04761263407058,
  2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716,
  3439.36767414372164, 1230.33935480374942,
];
const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
const SQRPI = 0.56418958354775628695; // 1/sqrt(pi)
const THRESH = 0.46875;
const XSMALL = 1.11e-16;
const XBIG = 26.543; // erfc(x) underflows beyond this

const c = (xs: readonly number[], i: number) => xs[i]!;

/** erf(y) / y for |y| <= THRESH (Cody's first interval). */
function erfSmallOverX(y: number): number {
  const ysq = y > XSMALL ? y * y : 0;
  let num = c(A, 4) * ysq;
  let den = ysq;
  for (let i = 0; i < 3; i++) {
    num = (num + c(A, i)) * ysq;
    den = (den + c(B, i)) * ysq;
  }
  return (num + c(A, 3)) / (den + c(B, 3));
}

/** erfc(y) for y > THRESH (Cody's second and third intervals). */
function erfcLarge(y: number): number {
  let r: number;
  if (y <= 4) {
    let num = c(C, 8) * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + c(C, i)) * y;
      den = (den + c(D, i)) * y;
    }
    r = (num + c(C, 7)) / (den + c(D, 7));
  } else {
    if (y >= XBIG) return 0;
    const ysq = 1 / (y * y);
    let num = c(P, 5) * ysq;
    let den = ysq;
    for (let i = 0; i < 4; i++) {
      num = (num + c(P, i)) * ysq;
      den = (den + c(Q, i)) * ysq;
    }
    r = (ysq * (num + c(P, 4))) / (den + c(Q, 4));
    r = (SQRPI - r) / y;
  }
  // exp(-y*y) computed as exp(-ysq^2) * exp(-del) with ysq = y rounded down to 1/16: exact split.
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del) * r;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= THRESH) return x * erfSmallOverX(y);
  const r = 0.5 - erfcLarge(y) + 0.5;
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= THRESH) return 1 - x * erfSmallOverX(y);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

// ---------------------------------------------------------------------------------------
// erfInv: M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), the
// single-precision polynomial (the one XLA uses for f32) as the starting point, then
// Halley steps on f(x) = erf(x) - y (written with erfc in the tails so that 1 - y keeps
// its precision) until the step no longer changes x.

function erfInvGiles(y: number): number {
  let w = -Math.log((1 - y) * (1 + y));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  return p * y;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

export function erfInv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y; // keeps -0
  const a = Math.abs(y);
  const oneMinusA = 1 - a; // exact for a >= 0.5 (Sterbenz)
  let x = erfInvGiles(a);
  for (let iter = 0; iter < 8; iter++) {
    const f = a <= 0.5 ? erf(x) - a : oneMinusA - erfc(x);
    const fp = TWO_OVER_SQRT_PI * Math.exp(-x * x);
    if (fp === 0) break;
    const u = f / fp;
    // Halley: f'' = -2x f', so x_new = x - u / (1 + x u).
    const next = x - u / (1 + x * u);
    if (next === x || !Number.isFinite(next)) break;
    const done = Math.abs(next - x) <= 1e-17 * Math.abs(x);
    x = next;
    if (done) break;
  }
  return y < 0 ? -x : x;
}

// ---------------------------------------------------------------------------------------
// nextafter, by stepping the bit pattern (C's nextafter / nextafterf).

const scratch = new DataView(new ArrayBuffer(8));

export function nextafter(x: number, y: number, width: 32 | 64): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return y;
  if (x === 0) {
    // The smallest subnormal, with the sign of the direction.
    const tiny = width === 32 ? 1.401298464324817e-45 : Number.MIN_VALUE;
    return y > 0 ? tiny : -tiny;
  }
  const up = (y > x) === (x > 0); // away from zero: the magnitude's bits grow
  if (width === 32) {
    scratch.setFloat32(0, x);
    scratch.setUint32(0, scratch.getUint32(0) + (up ? 1 : -1));
    return scratch.getFloat32(0);
  }
  scratch.setFloat64(0, x);
  scratch.setBigUint64(0, scratch.getBigUint64(0) + (up ? 1n : -1n));
  return scratch.getFloat64(0);
}

// ---------------------------------------------------------------------------------------
// Rounding and pow.

const withSignOf = (r: number, x: number) => (r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r);

/** Rounds half away from zero (C's round). */
export function roundAwayFromZero(x: number): number {
  const t = Math.trunc(x);
  return withSignOf(Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t, x);
}

/** Rounds half to even (C's nearbyint / rint in the default mode). */
export function roundToNearestEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f; // exact
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return withSignOf(r, x);
}

/** C's pow, which XLA's CPU backend calls: unlike JS, pow(1, y) = 1 and pow(-1, ±inf) = 1 for every y. */
export function powC(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}
