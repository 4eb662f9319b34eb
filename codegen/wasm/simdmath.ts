/**
 * Vectorized float32 transcendentals for f32x4, emitted inline as WAT.
 *
 * Sources of the constants (facts, re-derived nowhere here):
 * - exp, log, sin, cos, tanh: the single-precision Cephes library (S. L. Moshier, Cephes Math
 *   Library 2.2, 1992: expf.c, logf.c, sinf.c, tanhf.c), in the vectorized form popularized by
 *   J. Pommier's sse_mathfun (the same constants appear in Eigen and ncnn).
 * - erf: the float erff of FreeBSD msun s_erff.c (Sun Microsystems 1993, float version by
 *   I. L. Taylor), as also used by musl: four intervals, computed for all lanes and blended.
 * - sin: reduction by pi with Cephes/SLEEF's float PI_A/PI_B split and SLEEF's degree-9 sinf
 *   polynomial (sleefsp.c, xsinf): one polynomial and the quadrant sign trick, no select.
 * With relaxed SIMD, multiply-adds use f32x4.relaxed_madd (fused or not: the splits keep the
 * products that must be exact exact either way), and long polynomials go by Estrin's scheme:
 * these kernels are latency-bound, so the shorter dependency chain is what counts.
 * Accuracy, measured against Math's double results rounded to float32 (test/wasm/math.test.ts):
 * a few ulp over the tested ranges (exp 1, sin 2 near |r| = pi/2, cos 1). cos reduces with
 * Cephes' three-part pi/4; beyond |x| > 8192 lanes fall back to the host's Math.sin/Math.cos.
 */
import { vf32, vi32 } from "./wat.js";

/** Where math code goes: `tmp` assigns an expression to a fresh v128 local and returns `(local.get ...)`. */
export interface Asm {
  tmp(expr: string): string;
  /** A fresh v128 local (name), for code that assigns it more than once. */
  local(): string;
  emit(stmt: string): void;
  /** The name of an imported host function `(f64) -> f64` (Math.sin, ...). */
  hostUnary(name: string): string;
  /**
   * Large trig arguments: "inline" recomputes lanes with |x| > 8192 through the host in a
   * branch; with a flag local, the kernel only records that it saw one (and reruns exactly).
   */
  trigFlag?: string;
  /** Whether `f32x4.relaxed_madd` may be used (fused or not: the code below is correct either way). */
  fma?: boolean;
}

const add = (a: string, b: string) => `(f32x4.add ${a} ${b})`;
const sub = (a: string, b: string) => `(f32x4.sub ${a} ${b})`;
const mul = (a: string, b: string) => `(f32x4.mul ${a} ${b})`;
const div = (a: string, b: string) => `(f32x4.div ${a} ${b})`;

/** a*b + c: relaxed fused multiply-add when allowed, else a rounded multiply and add. */
const madd = (m: Asm, a: string, b: string, c: string) => (m.fma ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : add(mul(a, b), c));

const k = (v: number | string) => (typeof v === "number" ? vf32(v) : v);

/** c[0]*x^(n-1) + ... + c[n-1], by Horner (c[0] the highest power). */
function horner(m: Asm, x: string, c: readonly (number | string)[]): string {
  let acc = k(c[0]!);
  for (let i = 1; i < c.length; i++) acc = m.tmp(madd(m, acc, x, k(c[i]!)));
  return acc;
}

/**
 * The same polynomial by Estrin's scheme (pairs a*x + b in parallel, then in x^2, x^4...): the
 * same value up to rounding, with a dependency chain of log2(n) multiply-adds instead of n - 1.
 */
function estrin(m: Asm, x: string, c: readonly (number | string)[], x2?: string): string {
  let terms: string[] = [];
  // pair from the low end: [.., c[n-2], c[n-1]] -> c[n-2]*x + c[n-1]
  const r = [...c];
  while (r.length > 0) {
    const lo = r.pop()!;
    const hi = r.pop();
    terms.unshift(hi === undefined ? k(lo) : m.tmp(madd(m, k(hi), x, k(lo))));
  }
  let p = x;
  while (terms.length > 1) {
    p = p === x && x2 ? x2 : m.tmp(mul(p, p));
    const next: string[] = [];
    while (terms.length > 0) {
      const lo = terms.pop()!;
      const hi = terms.pop();
      next.unshift(hi === undefined ? lo : m.tmp(madd(m, hi, p, lo)));
    }
    terms = next;
  }
  return terms[0]!;
}

const SIGN = vi32(0x80000000);

/** e^x. */
export function expF32x4(m: Asm, x: string): string {
  // pmax/pmin with x first keep a NaN x (and compile to single instructions, unlike max/min).
  const t = m.tmp(`(f32x4.pmin (f32x4.pmax ${x} ${vf32(-104)}) ${vf32(89)})`);
  // n = round(t / ln 2) via the 1.5 * 2^23 shifter: its low bits hold n as an integer.
  const sh = m.tmp(madd(m, t, vf32(1.44269504088896341), vf32(12582912)));
  const n = m.tmp(sub(sh, vf32(12582912)));
  // r = t - n ln2 in two parts (Cephes C1 = 0.693359375 has 9 bits, so n * C1 is exact, fused or not).
  const r = m.tmp(madd(m, n, vf32(2.1219444005469058277e-4), madd(m, n, vf32(-0.693359375), t)));
  const z = m.tmp(mul(r, r));
  // Cephes expf's polynomial, evaluated by Estrin's scheme for a shorter dependency chain.
  const p = estrin(m, r, [1.98756915e-4, 1.39819995e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1], z);
  const y = m.tmp(add(madd(m, p, z, r), vf32(1)));
  // 2^n as two factors so that subnormal results round once.
  const ni = m.tmp(`(i32x4.sub ${sh} ${vi32(0x4b400000)})`);
  const n1 = m.tmp(`(i32x4.shr_s ${ni} (i32.const 1))`);
  const s1 = `(i32x4.shl (i32x4.add ${n1} ${vi32(127)}) (i32.const 23))`;
  const s2 = `(i32x4.shl (i32x4.add (i32x4.sub ${ni} ${n1}) ${vi32(127)}) (i32.const 23))`;
  return m.tmp(mul(mul(y, s1), s2));
}

/** Natural logarithm. */
export function logF32x4(m: Asm, x0: string): string {
  const x = m.tmp(x0);
  // Subnormals: scale by 2^23 first.
  const sub_ = m.tmp(`(f32x4.lt ${x} ${vf32(1.1754943508222875e-38)})`);
  const xs = m.tmp(`(v128.bitselect ${mul(x, vf32(8388608))} ${x} ${sub_})`);
  const bits = xs;
  const e0 = m.tmp(
    `(i32x4.add (i32x4.sub (i32x4.shr_u ${bits} (i32.const 23)) ${vi32(126)}) (v128.and ${sub_} ${vi32(-23)}))`,
  );
  const mant = m.tmp(`(v128.or (v128.and ${bits} ${vi32(0x007fffff)}) ${vi32(0x3f000000)})`);
  const small = m.tmp(`(f32x4.lt ${mant} ${vf32(0.707106781186547524)})`);
  const e = m.tmp(`(f32x4.convert_i32x4_s (i32x4.add ${e0} ${small}))`); // small is -1 where true
  const f = m.tmp(add(sub(mant, vf32(1)), `(v128.and ${mant} ${small})`));
  const z = m.tmp(mul(f, f));
  const p = horner(m, f, [
    7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1,
    -2.4999993993e-1, 3.3333331174e-1,
  ]);
  let y = m.tmp(mul(mul(p, f), z));
  y = m.tmp(add(y, mul(e, vf32(-2.12194440e-4))));
  y = m.tmp(sub(y, mul(z, vf32(0.5))));
  let r = m.tmp(add(add(f, y), mul(e, vf32(0.693359375))));
  // Special values: log(0) = -inf, log(x<0) = NaN, log(inf) = inf, NaN stays NaN.
  r = m.tmp(`(v128.bitselect ${vf32(-Infinity)} ${r} (f32x4.eq ${x} ${vf32(0)}))`);
  r = m.tmp(`(v128.bitselect ${vf32(Infinity)} ${r} (f32x4.eq ${x} ${vf32(Infinity)}))`);
  r = m.tmp(`(v128.bitselect ${vf32(NaN)} ${r} (f32x4.lt ${x} ${vf32(0)}))`);
  return m.tmp(`(v128.bitselect ${x} ${r} (f32x4.ne ${x} ${x}))`);
}

/** Large trig arguments (|x| > 8192, and infinities): the reductions lose accuracy; ask the host per lane. */
function trigFallback(m: Asm, x: string, ax: string, res: string, fnName: "sin" | "cos"): void {
  const fn = m.hostUnary(fnName);
  const lanes = [0, 1, 2, 3]
    .map(
      (l) =>
        `(local.set ${res} (f32x4.replace_lane ${l} (local.get ${res}) (f32.demote_f64 (call ${fn} (f64.promote_f32 (f32x4.extract_lane ${l} ${x}))))))`,
    )
    .join(" ");
  const big = `(f32x4.gt ${ax} ${vf32(8192)})`;
  if (m.trigFlag) m.emit(`(local.set ${m.trigFlag} (v128.or (local.get ${m.trigFlag}) ${big}))`);
  else m.emit(`(if (v128.any_true ${big}) (then ${lanes}))`);
}

/**
 * sin, reduced by pi: x = k pi + r with |r| <= pi/2, sin x = (-1)^k sin r, one odd polynomial.
 * k = round(x / pi) from the 1.5 * 2^23 shifter (its low bit is k's parity, for either sign of x).
 * pi in three parts: 3.140625 (8 bits) and 0x1.fbp-11 (8 bits) have products with k <= 2^12
 * (|x| <= 8192) that are exact, fused or not, and the third is the float nearest the rest of pi
 * (the first two are Cephes/SLEEF's PI_A and PI_B for float). Polynomial: SLEEF's sinf
 * (xsinf, sleefsp.c, the u35 variant), sin r = r + r^3 (c0 + c1 r^2 + c2 r^4 + c3 r^6).
 */
export function sinF32x4(m: Asm, x0: string): string {
  const x = m.tmp(x0);
  const sh = m.tmp(madd(m, x, vf32(0.318309886183790671538), vf32(12582912)));
  const kf = m.tmp(sub(sh, vf32(12582912)));
  let r = m.tmp(madd(m, kf, vf32(-3.140625), x));
  r = m.tmp(madd(m, kf, vf32(-0.0009670257568359375), r));
  r = m.tmp(madd(m, kf, vf32(-6.278329465203569e-7), r));
  const s = m.tmp(mul(r, r));
  const u = estrin(m, s, [2.6083159809786593541503e-6, -1.981069071916863322258e-4, 8.33307858556509017944336e-3, -1.66666597127914428710938e-1]);
  const r3 = m.tmp(mul(s, r)); // r^3, alongside u (not after it)
  const res = m.local();
  // the sign: k odd flips it (k's low bit, moved to bit 31)
  m.emit(`(local.set ${res} (v128.xor ${madd(m, u, r3, r)} (i32x4.shl ${sh} (i32.const 31))))`);
  trigFallback(m, x, `(f32x4.abs ${x})`, res, "sin");
  return `(local.get ${res})`;
}

/** sin (cos = false) or cos (cos = true). */
export function sinCosF32x4(m: Asm, x0: string, cos: boolean): string {
  const x = m.tmp(x0);
  const ax = m.tmp(`(f32x4.abs ${x})`);
  // Cephes: j = (int)(|x| * 4/pi), made even; here j = 2k with k = round(|x| * 2/pi) from the
  // 2^23 shifter (whose low bits hold k), avoiding float<->int conversions.
  const sh = m.tmp(add(mul(ax, vf32(0.63661977236758)), vf32(8388608)));
  const y = m.tmp(mul(sub(sh, vf32(8388608)), vf32(2)));
  const r = m.tmp(sub(sub(sub(ax, mul(y, vf32(0.78515625))), mul(y, vf32(2.4187564849853515625e-4))), mul(y, vf32(3.77489497744594108e-8))));
  const q = cos ? m.tmp(`(i32x4.add ${sh} ${vi32(1)})`) : sh; // k, or k + 1 for cos
  const useCos = m.tmp(`(i32x4.eq (v128.and ${q} ${vi32(1)}) ${vi32(1)})`);
  const flip = `(i32x4.shl (v128.and ${q} ${vi32(2)}) (i32.const 30))`;
  const sign = cos ? flip : `(v128.xor ${flip} (v128.and ${x} ${SIGN}))`;
  const z = m.tmp(mul(r, r));
  const ps = horner(m, z, [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1]);
  const sinp = m.tmp(add(mul(mul(ps, z), r), r));
  const pc = horner(m, z, [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2]);
  const cosp = m.tmp(add(sub(mul(mul(pc, z), z), mul(z, vf32(0.5))), vf32(1)));
  const res = m.local();
  m.emit(`(local.set ${res} (v128.xor (v128.bitselect ${cosp} ${sinp} ${useCos}) ${sign}))`);
  trigFallback(m, x, ax, res, cos ? "cos" : "sin");
  return `(local.get ${res})`;
}

/** Hyperbolic tangent. */
export function tanhF32x4(m: Asm, x0: string): string {
  const x = m.tmp(x0);
  const ax = m.tmp(`(f32x4.abs ${x})`);
  const s = m.tmp(mul(x, x));
  const p = horner(m, s, [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1]);
  const small = m.tmp(add(mul(mul(p, s), x), x));
  const e = expF32x4(m, add(ax, ax));
  const big = m.tmp(sub(vf32(1), div(vf32(2), add(e, vf32(1)))));
  const r = m.tmp(`(v128.bitselect ${big} ${small} (f32x4.ge ${ax} ${vf32(0.625)}))`);
  // tanh is odd and keeps the sign of x (including -0): take the magnitude and x's sign.
  return m.tmp(`(v128.or (v128.andnot ${r} ${SIGN}) (v128.and ${x} ${SIGN}))`);
}

/** 1 / (1 + e^-x), as e / (1 + e) with e = e^-|x| for negative x (so it never overflows). */
export function logisticF32x4(m: Asm, x0: string): string {
  const x = m.tmp(x0);
  const e = expF32x4(m, `(f32x4.neg (f32x4.abs ${x}))`);
  const d = m.tmp(add(vf32(1), e));
  return m.tmp(`(v128.bitselect ${div(e, d)} ${div(vf32(1), d)} (f32x4.lt ${x} ${vf32(0)}))`);
}

const ERF = {
  erx: 8.4506291151e-1,
  pp: [1.2837916613e-1, -3.2504209876e-1, -2.8481749818e-2, -5.770270247e-3, -2.3763017452e-5],
  qq: [3.9791721106e-1, 6.50222525e-2, 5.0813062117e-3, 1.3249473704e-4, -3.9602282413e-6],
  pa: [-2.3621185683e-3, 4.1485610604e-1, -3.7220788002e-1, 3.1834661961e-1, -1.1089469492e-1, 3.5478305072e-2, -2.1663755178e-3],
  qa: [1.0642088205e-1, 5.4039794207e-1, 7.1828655899e-2, 1.2617121637e-1, 1.3637083583e-2, 1.1984500103e-2],
  ra: [-9.8649440333e-3, -6.938585639e-1, -1.0558626175e1, -6.2375331879e1, -1.6239666748e2, -1.8460508728e2, -8.1287437439e1, -9.8143291473],
  sa: [1.965127182e1, 1.3765776062e2, 4.3456588745e2, 6.4538726807e2, 4.2900814819e2, 1.0863500214e2, 6.5702495575, -6.0424413532e-2],
  rb: [-9.864943102e-3, -7.9928326607e-1, -1.7757955551e1, -1.6063638306e2, -6.3756646729e2, -1.0250950928e3, -4.8351919556e2, 0],
  sb: [3.0338060379e1, 3.2579251099e2, 1.5367296143e3, 3.1998581543e3, 2.553050293e3, 4.7452853394e2, -2.2440952301e1, 0],
};

/** Polynomial c[0] + c[1] x + ... (low order first, as the msun sources write them). */
function polyLow(m: Asm, x: string, c: readonly (number | string)[]): string {
  return horner(m, x, [...c].reverse());
}

/** The error function. */
export function erfF32x4(m: Asm, x0: string): string {
  const x = m.tmp(x0);
  const ax = m.tmp(`(f32x4.abs ${x})`);
  // |x| < 0.84375: x + x * R(x^2)
  const z = m.tmp(mul(x, x));
  const r1 = polyLow(m, z, ERF.pp);
  const s1 = polyLow(m, z, [1, ...ERF.qq]);
  const y1 = m.tmp(add(x, mul(x, div(r1, s1))));
  // 0.84375 <= |x| < 1.25: erx + P(s)/Q(s), s = |x| - 1
  const s = m.tmp(sub(ax, vf32(1)));
  const P = polyLow(m, s, ERF.pa);
  const Q = polyLow(m, s, [1, ...ERF.qa]);
  const y2 = m.tmp(add(vf32(ERF.erx), div(P, Q)));
  // 1.25 <= |x| < 6: 1 - exp(-z^2 - 0.5625) exp((z-x)(z+x) + R/S) / x, coefficients by interval
  const t = m.tmp(div(vf32(1), mul(ax, ax)));
  const near = m.tmp(`(f32x4.lt ${ax} ${vf32(1 / 0.35)})`);
  const sel = (a: number, b: number) => m.tmp(`(v128.bitselect ${vf32(a)} ${vf32(b)} ${near})`);
  const R = polyLow(m, t, ERF.ra.map((a, i) => sel(a, ERF.rb[i]!)));
  const S = polyLow(m, t, [vf32(1), ...ERF.sa.map((a, i) => sel(a, ERF.sb[i]!))]);
  const zz = m.tmp(`(v128.and ${ax} ${vi32(0xffffe000)})`);
  const e1 = expF32x4(m, sub(`(f32x4.neg ${mul(zz, zz)})`, vf32(0.5625)));
  const e2 = expF32x4(m, add(mul(sub(zz, ax), add(zz, ax)), div(R, S)));
  const y3 = m.tmp(sub(vf32(1), div(mul(e1, e2), ax)));
  let y = m.tmp(`(v128.bitselect ${y2} ${y3} (f32x4.lt ${ax} ${vf32(1.25)}))`);
  y = m.tmp(`(v128.bitselect ${vf32(1)} ${y} (f32x4.ge ${ax} ${vf32(6)}))`);
  y = m.tmp(`(v128.or ${y} (v128.and ${x} ${SIGN}))`);
  y = m.tmp(`(v128.bitselect ${y1} ${y} (f32x4.lt ${ax} ${vf32(0.84375)}))`);
  return m.tmp(`(v128.bitselect ${x} ${y} (f32x4.ne ${x} ${x}))`);
}

/** The natively vectorized unary float32 functions. */
export const nativeF32x4: Partial<Record<string, (m: Asm, x: string) => string>> = {
  exp: expF32x4,
  log: logF32x4,
  sin: sinF32x4,
  cos: (m, x) => sinCosF32x4(m, x, true),
  tanh: tanhF32x4,
  logistic: logisticF32x4,
  erf: erfF32x4,
};
