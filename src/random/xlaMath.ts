/**
 * float32 special functions computed exactly as JAX's CPU backend (XLA on x86-64) computes them,
 * so that `random.normal`, `random.truncatedNormal` and `random.categorical` reproduce JAX's
 * samples bit for bit rather than to within a few ulp.
 *
 * Why this file exists: jaxts's `lax.erfInv`, `lax.erf` and `lax.log` are (close to) correctly
 * rounded, while XLA evaluates fixed float32 polynomials. A sample is `sqrt(2) * erfInv(u)`, so
 * a different (better) erfInv gives samples a few ulp away from JAX's. To match, each function
 * below is the float32 op sequence of XLA's CPU kernel, read from the LLVM IR it emits for JAX
 * 0.10.2 (dump with `XLA_FLAGS=--xla_dump_to=DIR`):
 *  - `log`: XLA's `xla.log.f32` intrinsic (the Cephes/Eigen `plog` polynomial);
 *  - `log1p`: a rational approximation for |x| < sqrt(2) - 1, `log(1 + x)` otherwise;
 *  - `erfInv`: M. Giles' single-precision polynomial in w = -log1p(-x^2) (XLA's ErfInv32);
 *  - `erf`: XLA's rational approximation on |x| < 3.83, +-1 beyond.
 * XLA's CPU code generator contracts every `a * b + c` whose product has no other use into a
 * fused multiply-add, so those steps are written as `fma32` here: the product and sum are
 * formed in float64 (the float32 product is exact there) and rounded once to float32. That
 * double rounding can differ from a true fma only when the float64 sum lands exactly on a
 * float32 rounding boundary (about one case in 2^28); no mismatch was seen in 2^21 samples.
 *
 * These are JAX's values on an x86-64 CPU with FMA (any AVX2 machine); JAX itself gives other
 * last bits on GPUs or CPUs without FMA. Every function here is built from lax operations, so it
 * traces, jits and vmaps; erfInv and erf carry custom jvps with the exact derivatives, as
 * `lax.erf_inv` and `lax.erf` do in JAX.
 */
import { customJvp } from "../autodiff/custom.js";
import { getBackend } from "../backends/index.js";
import { ConcreteArray, type JArray } from "../core/array.js";
import * as lax from "../lax.js";

const f = Math.fround;

/** A float32 constant from its bit pattern. */
function hexF32(bits: number): number {
  const b = new Uint32Array([bits]);
  return new Float32Array(b.buffer)[0]!;
}

/** A strong float32 rank-0 constant (selects broadcast rank-0 cases). */
const c32 = (v: number): JArray => lax.convertElementType(v, "float32");

/** `pred ? a : b` for float32 constants, shaped like `pred`. */
const selectConst = (pred: JArray, a: number, b: number): JArray => lax.select(pred, lax.broadcastInDim(c32(a), pred.shape, []), c32(b));

const to64 = (x: JArray | number): JArray | number => (typeof x === "number" ? f(x) : lax.convertElementType(x, "float64"));

/** float32 `a * b + c` rounded once (see the file comment). `a` must be an array. */
export function fma32(a: JArray, b: JArray | number, c: JArray | number): JArray {
  const p = lax.mul(to64(a) as JArray, to64(b));
  return lax.convertElementType(lax.add(p, to64(c)), "float32");
}

/**
 * float64 `a * b + c` with one rounding, by error-free transformations (Dekker's product and
 * Knuth's sum): exact unless the product's error term itself rounds, which needs operands far
 * from the ranges samplers use. `a` must be an array.
 */
export function fma64(a: JArray, b: JArray | number, c: JArray | number): JArray {
  const split = (x: JArray | number): [JArray | number, JArray | number] => {
    if (typeof x === "number") {
      const t = 134217729 * x;
      const hi = t - (t - x);
      return [hi, x - hi];
    }
    const t = lax.mul(x, 134217729);
    const hi = lax.sub(t, lax.sub(t, x));
    return [hi, lax.sub(x, hi)];
  };
  const mulA = (x: JArray | number, y: JArray | number): JArray => (typeof x === "number" ? lax.mul(y, x) : lax.mul(x, y));
  const addA = (x: JArray | number, y: JArray | number): JArray => (typeof x === "number" ? lax.add(y, x) : lax.add(x, y));
  const p = mulA(a, b);
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const err = lax.add(lax.add(lax.add(lax.sub(mulA(ah, bh), p), mulA(ah, bl)), mulA(al, bh)), mulA(al, bl));
  const s = addA(p, c);
  const bb = lax.sub(s, p);
  const t = typeof c === "number" ? lax.add(lax.sub(p, lax.sub(s, bb)), lax.sub(c, bb) as JArray) : lax.add(lax.sub(p, lax.sub(s, bb)), lax.sub(c, bb));
  return lax.add(s, lax.add(t, err));
}

// --- log -----------------------------------------------------------------------------------

const FLT_MIN = hexF32(0x00800000);
const SQRT_HALF = hexF32(0x3f3504f3);
// The Cephes logf polynomial, in the order XLA's kernel uses its coefficients.
const LOG_P = [0x3d9021bb, 0xbdebd1b8, 0xbdfe5d4f, 0x3e11e9bf, 0x3e4cceac, 0xbe7ffffc, 0x3def251a, 0xbe2aae50, 0x3eaaaaaa].map(hexF32);
const LOG_Q1 = hexF32(0xb95e8083); // -2.12194440e-4
const LOG_Q2 = hexF32(0x3f318000); // 0.693359375

/** float32 natural log as XLA's CPU kernel computes it. */
export function log32(x: JArray): JArray {
  const clamped = lax.select(lax.gt(x, FLT_MIN), x, FLT_MIN);
  const b = lax.bitcastConvertType(clamped, "uint32");
  const biased = lax.convertElementType(lax.shiftRightLogical(b, 23), "int32");
  let e = lax.add(lax.convertElementType(lax.sub(biased, 127), "float32"), 1);
  const m = lax.bitcastConvertType(lax.or(lax.and(b, 0x807fffff), 0x3f000000), "float32");
  const small = lax.lt(m, SQRT_HALF);
  let xx = lax.add(lax.sub(m, 1), lax.select(small, m, 0));
  e = lax.sub(e, selectConst(small, 1, 0));
  const z = lax.mul(xx, xx);
  const x3 = lax.mul(z, xx);
  const P = LOG_P;
  let y = fma32(xx, P[0]!, P[1]!);
  let y1 = fma32(xx, P[2]!, P[3]!);
  let y2 = fma32(xx, P[4]!, P[5]!);
  y = fma32(y, xx, P[6]!);
  y1 = fma32(y1, xx, P[7]!);
  y2 = fma32(y2, xx, P[8]!);
  y = fma32(y, x3, y1);
  y = fma32(y, x3, y2);
  y = fma32(y, x3, lax.mul(e, LOG_Q1));
  xx = lax.sub(xx, lax.mul(z, 0.5));
  xx = lax.add(xx, y);
  xx = lax.add(xx, lax.mul(e, LOG_Q2)); // an fma in XLA, but e * 0.693359375 is exact
  let r = lax.select(lax.eq(x, 0), -Infinity, xx);
  r = lax.select(lax.eq(x, Infinity), Infinity, r);
  return lax.select(lax.ge(x, 0), r, NaN); // negative or NaN
}

// --- log1p ---------------------------------------------------------------------------------

const LOG1P_Q = [0x417101ad, 0x42a6185b, 0x435dc32d, 0x439a8ca3, 0x43586d8a, 0x42707982].map(hexF32);
const LOG1P_P0 = f(4.527e-5);
const LOG1P_P = [0x3eff40c5, 0x40d284fa, 0x41ef4b9c, 0x4273cc76, 0x426473ad, 0x41a05101].map(hexF32);
const LOG1P_SMALL = hexF32(0x3ed413cd); // sqrt(2) - 1

/** float32 log1p as XLA's CPU kernel computes it. */
export function log1p32(x: JArray): JArray {
  const big = log32(lax.add(x, 1));
  const x2 = lax.mul(x, x);
  let q = lax.add(x, LOG1P_Q[0]!);
  for (const c of LOG1P_Q.slice(1)) q = fma32(q, x, c);
  let p = lax.add(lax.mul(x, 0), LOG1P_P0); // as XLA: x * 0 + c (not fused: x * 0 has two uses)
  for (const c of LOG1P_P) p = fma32(p, x, c);
  const r = lax.div(p, q);
  const x3 = lax.mul(x, x2);
  // fma(x2, -0.5, x3 * r): the product x2 * -0.5 is exact, so a plain add rounds the same.
  const s = lax.add(lax.mul(x3, r), lax.mul(x2, -0.5));
  const small = lax.add(x, s);
  return lax.select(lax.lt(lax.abs(x), LOG1P_SMALL), small, big);
}

// --- erfInv --------------------------------------------------------------------------------

const ERFINV_LT5 = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941].map(f);
const ERFINV_GE5 = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682].map(f);

function erfInv32Impl(x: JArray): JArray {
  const l = log1p32(lax.mul(x, lax.neg(x))); // w = -l
  const lt = lax.gt(l, -5);
  const ww = lax.select(lt, lax.sub(lax.neg(l), 2.5), lax.sub(lax.sqrt(lax.neg(l)), 3));
  const coef = (i: number) => selectConst(lt, ERFINV_LT5[i]!, ERFINV_GE5[i]!);
  let p = coef(0);
  for (let i = 1; i < 9; i++) p = fma32(p, ww, coef(i));
  p = lax.select(lax.eq(lax.abs(x), 1), Infinity, p);
  return lax.mul(x, p);
}

/** float32 erfInv as XLA's CPU kernel computes it; its jvp is `t * sqrt(pi)/2 * exp(y^2)`. */
export const erfInv32 = customJvp(function erfInv32(x: JArray): JArray {
  return erfInv32Impl(x);
}).defjvp(([x], [t]) => {
  const y = erfInv32Impl(x);
  return [y, lax.mul(lax.mul(t, Math.sqrt(Math.PI) / 2), lax.exp(lax.square(y)))];
});

// --- erf -----------------------------------------------------------------------------------

const ERF_ALPHA = [0x39702d51, 0x3b5f5da2, 0x3d50b6eb, 0x3e3da740, 0x3f906eba].map(hexF32);
const ERF_BETA = [0xb3fd3906, 0x37c588df, 0x3a856d28, 0x3c6687d4, 0x3de34c21, 0x3efeb44a, 0x3f800000].map(hexF32);
const ERF_CLAMP = hexF32(0x407547cb); // 3.8325069

function erf32Impl(x: JArray): JArray {
  const x2 = lax.mul(x, x);
  let p = fma32(x2, ERF_ALPHA[0]!, ERF_ALPHA[1]!);
  for (const c of ERF_ALPHA.slice(2)) p = fma32(x2, p, c);
  const num = lax.mul(x, p);
  let q = fma32(x2, ERF_BETA[0]!, ERF_BETA[1]!);
  for (const c of ERF_BETA.slice(2)) q = fma32(x2, q, c);
  const sign = selectConst(lax.lt(x, 0), -1, 1);
  return lax.select(lax.ge(lax.abs(x), ERF_CLAMP), sign, lax.div(num, q));
}

/** float32 erf as XLA's CPU kernel computes it; its jvp is `t * 2/sqrt(pi) * exp(-x^2)`. */
export const erf32 = customJvp(function erf32(x: JArray): JArray {
  return erf32Impl(x);
}).defjvp(([x], [t]) => [erf32Impl(x), lax.mul(lax.mul(t, 2 / Math.sqrt(Math.PI)), lax.exp(lax.neg(lax.square(x))))]);

// --- eager evaluation -----------------------------------------------------------------------
//
// The functions above are 60-100 primitives each. Under jit a backend fuses them, but the
// reference interpreter runs every primitive as its own pass, which made an eager
// `normal(key, [1e6])` take most of a minute. So on concrete arrays on a CPU backend the same
// float32 op sequences run here over the values (each step rounded with Math.fround, each
// fused multiply-add formed in double and rounded once, exactly as the lax version does);
// tracers (jit, vmap, grad) always take the lax version. test/random/xlaMath.test.ts checks
// that the two agree bit for bit.

const fma = (a: number, b: number, c: number) => f(a * b + c);
const scratch = new DataView(new ArrayBuffer(4));
const bitsOf = (x: number) => (scratch.setFloat32(0, x), scratch.getUint32(0));
const fromBits = (b: number) => (scratch.setUint32(0, b >>> 0), scratch.getFloat32(0));

export function log32Scalar(x: number): number {
  const b = bitsOf(x > FLT_MIN ? x : FLT_MIN);
  let e = f(f((b >>> 23) - 127) + 1);
  const m = fromBits((b & 0x807fffff) | 0x3f000000);
  const small = m < SQRT_HALF;
  let xx = f(f(m - 1) + (small ? m : 0));
  e = f(e - (small ? 1 : 0));
  const z = f(xx * xx);
  const x3 = f(z * xx);
  const P = LOG_P as readonly number[] as number[];
  let y = fma(xx, P[0]!, P[1]!);
  let y1 = fma(xx, P[2]!, P[3]!);
  let y2 = fma(xx, P[4]!, P[5]!);
  y = fma(y, xx, P[6]!);
  y1 = fma(y1, xx, P[7]!);
  y2 = fma(y2, xx, P[8]!);
  y = fma(y, x3, y1);
  y = fma(y, x3, y2);
  y = fma(y, x3, f(e * LOG_Q1));
  xx = f(xx - f(z * 0.5));
  xx = f(xx + y);
  xx = f(xx + f(e * LOG_Q2));
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  return x >= 0 ? xx : NaN;
}

export function log1p32Scalar(x: number): number {
  const big = log32Scalar(f(x + 1));
  const x2 = f(x * x);
  let q = f(x + LOG1P_Q[0]!);
  for (const c of LOG1P_Q.slice(1)) q = fma(q, x, c);
  let p = f(f(x * 0) + LOG1P_P0);
  for (const c of LOG1P_P) p = fma(p, x, c);
  const r = f(p / q);
  const x3 = f(x * x2);
  const small = f(x + f(f(x3 * r) + f(x2 * -0.5)));
  return Math.abs(x) < LOG1P_SMALL ? small : big;
}

export function erfInv32Scalar(x: number): number {
  const l = log1p32Scalar(f(x * -x));
  const lt = l > -5;
  const ww = lt ? f(-l - 2.5) : f(f(Math.sqrt(-l)) - 3);
  const C = lt ? ERFINV_LT5 : ERFINV_GE5;
  let p = C[0]!;
  for (let i = 1; i < 9; i++) p = fma(p, ww, C[i]!);
  if (Math.abs(x) === 1) p = Infinity;
  return f(x * p);
}

export function erf32Scalar(x: number): number {
  const x2 = f(x * x);
  let p = fma(x2, ERF_ALPHA[0]!, ERF_ALPHA[1]!);
  for (const c of ERF_ALPHA.slice(2)) p = fma(x2, p, c);
  const num = f(x * p);
  let q = fma(x2, ERF_BETA[0]!, ERF_BETA[1]!);
  for (const c of ERF_BETA.slice(2)) q = fma(x2, q, c);
  return Math.abs(x) >= ERF_CLAMP ? (x < 0 ? -1 : 1) : f(num / q);
}

/** `fn` over the values of a concrete float32 array on a CPU backend; null for anything else. */
function onHost(x: JArray, fn: (v: number) => number): JArray | null {
  if (!(x instanceof ConcreteArray) || x.dtype !== "float32" || x.device === "webgpu") return null;
  const v = x.readHost();
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = fn(v[i]!);
  return ConcreteArray.fromHost(out, [...x.shape], "float32", getBackend(x.device));
}

/** XLA-exact float32 log, erf, erfInv and log1p: on the host for concrete arrays, else as lax operations. */
export const logF32 = (x: JArray): JArray => onHost(x, log32Scalar) ?? log32(x);
export const log1pF32 = (x: JArray): JArray => onHost(x, log1p32Scalar) ?? log1p32(x);
export const erfF32 = (x: JArray): JArray => onHost(x, erf32Scalar) ?? erf32(x);
export const erfInvF32 = (x: JArray): JArray => onHost(x, erfInv32Scalar) ?? erfInv32(x);
