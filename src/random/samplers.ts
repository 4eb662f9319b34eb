/**
 * The samplers of `random`, each JAX's algorithm over the bits of prng.ts.
 *
 * float64: JAX with x64 enabled draws 64 random bits per float64 sample; here the two threefry
 * words give the same 52-bit mantissa, so float64 `bits -> uniform` is bit-exact too. Where a
 * float64 sampler needs erf, erfInv or log (normal, truncatedNormal, gumbel, categorical),
 * jaxts's own (near correctly rounded) lax functions are used, so those float64 samples can
 * differ from JAX's in the last bit or two.
 */
import { bindArgs, bool, checkedLater, int, orNull, required } from "../core/options.js";
import { shapeSize } from "../../ir/aval.js";
import { type DType, isFloat } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import { asArray, broadcastShapes, normalizeAxis } from "../numpy/util.js";
import { type Shape, canonicalShape, checkKey, isConcrete, randomBits32, split as splitKey, threefryWords } from "./prng.js";
import { erfF32, erfInvF32, fma32, fma64, log1pF32, logF32 } from "./xlaMath.js";

export type FloatDType = "float32" | "float64";

export function floatDtype(fn: string, dtype: unknown): FloatDType {
  if (dtype === undefined || dtype === null) return "float32";
  if (dtype === "float32" || dtype === "float64") return dtype;
  throw new ValueError(`random.${fn}: dtype must be a float dtype (float32 or float64), got ${JSON.stringify(dtype)}`);
}

/** Checks that parameter shapes broadcast to exactly `shape` (JAX's `_check_shape`). */
function checkShape(fn: string, shape: readonly number[], ...paramShapes: (readonly number[])[]): void {
  if (paramShapes.length === 0) return;
  const b = broadcastShapes(`random.${fn}`, shape, ...paramShapes);
  if (b.length !== shape.length || b.some((d, i) => d !== shape[i]))
    throw new ValueError(
      `random.${fn}: parameter shapes must be broadcast-compatible with the shape argument, and the result of broadcasting ` +
        `them must equal it, but got [${b.join(",")}] for shape [${shape.join(",")}]`,
    );
}

/** A float parameter (JS number or array) as an array of `dtype`. */
function param(x: ArrayLike, dtype: DType, what: string): JArray {
  return lax.convertElementType(asArray(x, what), dtype);
}

const toShape = (x: JArray, shape: readonly number[]): JArray =>
  x.ndim === 0 || (x.ndim === shape.length && x.shape.every((d, i) => d === shape[i])) ? x : np.broadcastTo(x, shape);

const F32_ONE_BITS = 0x3f800000;

/** Uniform floats in [0, 1) of `shape`: random mantissa bits under the exponent of 1.0, minus 1. */
function unitFloats(key: JArray, shape: readonly number[], dtype: FloatDType): JArray {
  if (dtype === "float32") {
    const b = randomBits32(key, shape);
    return lax.sub(lax.bitcastConvertType(lax.or(lax.shiftRightLogical(b, 32 - 23), F32_ONE_BITS), "float32"), 1);
  }
  // JAX (x64) draws 64 bits (w0 << 32 | w1) and keeps the top 52 as the mantissa:
  // 1.m - 1 = (w0 >> 12) * 2^-20 + ((w0 << 20 | w1 >> 12) mod 2^32) * 2^-52, both terms exact.
  const [w0, w1] = threefryWords(key, shape);
  const hi = lax.convertElementType(lax.shiftRightLogical(w0, 12), "float64");
  const lo = lax.convertElementType(lax.or(lax.shiftLeft(w0, 20), lax.shiftRightLogical(w1, 12)), "float64");
  return lax.add(lax.mul(hi, 2 ** -20), lax.mul(lo, 2 ** -52));
}

const isPowerOfTwo = (v: number) => v > 0 && Number.isFinite(v) && 2 ** Math.floor(Math.log2(v)) === v;

/**
 * `max(minval, floats * (maxval - minval) + minval)` as JAX computes it. XLA's CPU backend fuses
 * the multiply-add, so it is one rounding (fma32/fma64) unless the product is exact anyway (a
 * constant power-of-two scale, or minval 0), where a plain multiply and add give the same bits.
 */
function scaleShift(floats: JArray, minval: JArray, maxval: JArray, dtype: FloatDType): JArray {
  const shape = floats.shape;
  const concreteScalar = (x: JArray) => isConcrete(x) && x.ndim === 0 && x.device !== "webgpu";
  const scale = concreteScalar(minval) && concreteScalar(maxval) ? constantDifference(maxval, minval, dtype) : np.subtract(maxval, minval);
  let u: JArray;
  const exact =
    (concreteScalar(scale) && (isPowerOfTwo(Number(scale.item())) || Number(scale.item()) === 0)) ||
    (concreteScalar(minval) && Number(minval.item()) === 0);
  const s = toShape(scale, shape);
  const m = toShape(minval, shape);
  if (exact) u = lax.add(lax.mul(floats, s), m);
  else u = dtype === "float32" ? fma32(floats, s, m) : fma64(floats, s, m);
  return lax.max(m, u);
}

/**
 * `hi - lo` of two concrete scalars as a constant (so traces of samplers with constant bounds
 * stay constant-folded), rounded as the dtype's subtraction rounds it.
 */
function constantDifference(hi: JArray, lo: JArray, dtype: FloatDType): JArray {
  const h = Number(hi.item());
  const l = Number(lo.item());
  const d = h - l;
  // float32: the double difference of two floats is exact unless their exponents are far apart;
  // then fround would round twice, so let the subtraction primitive do it.
  if (dtype === "float32" && !(Number.isFinite(d) && d + l === h && h - d === l)) return np.subtract(hi, lo);
  return lax.convertElementType(d, dtype);
}

// JAX's positional order for each sampler (`uniform(key, shape, dtype, minval, maxval)`), or
// the options object; values are checked by the samplers themselves (checkKey, floatDtype, ...).
const KEY = required(checkedLater<JArray>("a PRNG key"));
const SHAPE = checkedLater<Shape | null>("a shape");
const DTYPE = checkedLater<FloatDType>("a float dtype");
const VALUE = checkedLater<ArrayLike>("a number or an array");
const MODE = checkedLater<"low" | "high">(`"low" or "high"`);

/** `uniform(key, shape=[], dtype?, minval=0, maxval=1)` or `uniform(key, shape, {dtype, minval, maxval})`: floats in [minval, maxval). */
export function uniform(k: JArray, shape?: Shape, opts?: { dtype?: FloatDType; minval?: ArrayLike; maxval?: ArrayLike }): JArray;
export function uniform(k: JArray, shape?: Shape, dtype?: FloatDType, minval?: ArrayLike, maxval?: ArrayLike): JArray;
export function uniform(...args: unknown[]): JArray {
  const { key: k, shape = [], ...opts } = bindArgs("random.uniform", args, { key: KEY, shape: SHAPE, dtype: DTYPE, minval: VALUE, maxval: VALUE });
  const key = checkKey("uniform", k);
  const dtype = floatDtype("uniform", opts.dtype);
  const s = canonicalShape("uniform", shape);
  const minval = param(opts.minval ?? 0, dtype, "random.uniform: minval");
  const maxval = param(opts.maxval ?? 1, dtype, "random.uniform: maxval");
  checkShape("uniform", s, minval.shape, maxval.shape);
  return scaleShift(unitFloats(key, s, dtype), minval, maxval, dtype);
}

/** `normal(key, shape=[], dtype?)`: standard normal samples, `sqrt(2) * erfInv(u)` with u uniform in (-1, 1). */
export function normal(k: JArray, shape?: Shape, opts?: { dtype?: FloatDType }): JArray;
export function normal(k: JArray, shape?: Shape, dtype?: FloatDType): JArray;
export function normal(...args: unknown[]): JArray {
  const { key: k, shape = [], ...opts } = bindArgs("random.normal", args, { key: KEY, shape: SHAPE, dtype: DTYPE });
  const key = checkKey("normal", k);
  const dtype = floatDtype("normal", opts.dtype);
  const s = canonicalShape("normal", shape);
  return normalReal(key, s, dtype);
}

function normalReal(key: JArray, shape: readonly number[], dtype: FloatDType): JArray {
  // nextafter(-1, 0): the float just above -1, so that erfInv(u) stays finite.
  const lo = dtype === "float32" ? Math.fround(-1 + 2 ** -24) : -1 + 2 ** -53;
  const u = scaleShift(unitFloats(key, shape, dtype), lax.convertElementType(lo, dtype), lax.convertElementType(1, dtype), dtype);
  return lax.mul(erfInvOf(u), Math.SQRT2);
}

const erfInvOf = (u: JArray): JArray => (u.dtype === "float32" ? erfInvF32(u) : lax.erfInv(u));
const erfOf = (x: JArray): JArray => (x.dtype === "float32" ? erfF32(x) : lax.erf(x));
const logOf = (x: JArray): JArray => (x.dtype === "float32" ? logF32(x) : lax.log(x));
const log1pOf = (x: JArray): JArray => (x.dtype === "float32" ? log1pF32(x) : lax.log1p(x));

/**
 * `truncatedNormal(key, lower, upper, shape?, {dtype})`: standard normal samples conditioned on
 * `lower < x < upper` (by inverting the CDF between erf(lower/sqrt2) and erf(upper/sqrt2)).
 * `shape` defaults to the broadcast of the bounds' shapes.
 */
export function truncatedNormal(k: JArray, lower: ArrayLike, upper: ArrayLike, shape?: Shape | null, opts?: { dtype?: FloatDType }): JArray;
export function truncatedNormal(k: JArray, lower: ArrayLike, upper: ArrayLike, shape?: Shape | null, dtype?: FloatDType): JArray;
export function truncatedNormal(...args: unknown[]): JArray {
  const { key: k, lower, upper, shape, ...opts } = bindArgs("random.truncatedNormal", args, {
    key: KEY,
    lower: required(VALUE),
    upper: required(VALUE),
    shape: SHAPE,
    dtype: DTYPE,
  });
  const key = checkKey("truncatedNormal", k);
  const dtype = floatDtype("truncatedNormal", opts.dtype);
  const lo = param(lower, dtype, "random.truncatedNormal: lower");
  const hi = param(upper, dtype, "random.truncatedNormal: upper");
  let s: number[];
  if (shape === undefined || shape === null) s = broadcastShapes("random.truncatedNormal", lo.shape, hi.shape);
  else {
    s = canonicalShape("truncatedNormal", shape);
    checkShape("truncatedNormal", s, lo.shape, hi.shape);
  }
  // XLA rewrites the division by the constant sqrt(2) as a multiplication by its reciprocal.
  const rsqrt2 = dtype === "float32" ? Math.fround(1 / Math.fround(Math.SQRT2)) : 1 / Math.SQRT2;
  const a = erfOf(lax.mul(lo, rsqrt2));
  const b = erfOf(lax.mul(hi, rsqrt2));
  const u = scaleShift(unitFloats(key, s, dtype), a, b, dtype);
  const out = lax.mul(erfInvOf(u), Math.SQRT2);
  // Clamp to the open interval (lower, upper): rounding (or u = a) can land on a bound.
  const floor = lax.nextafter(lax.stopGradient(lo), Infinity);
  const ceil = lax.nextafter(lax.stopGradient(hi), -Infinity);
  return np.minimum(ceil, np.maximum(floor, out));
}

/** `bernoulli(key, p=0.5, shape?, {mode})`: booleans that are true with probability p. */
export function bernoulli(k: JArray, p?: ArrayLike, shape?: Shape | null, opts?: { mode?: "low" | "high" }): JArray;
export function bernoulli(k: JArray, p?: ArrayLike, shape?: Shape | null, mode?: "low" | "high"): JArray;
export function bernoulli(...args: unknown[]): JArray {
  const { key: k, p = 0.5, shape, ...opts } = bindArgs("random.bernoulli", args, { key: KEY, p: VALUE, shape: SHAPE, mode: MODE });
  const key = checkKey("bernoulli", k);
  const mode = opts.mode ?? "low";
  if (mode !== "low" && mode !== "high") throw new ValueError(`random.bernoulli: got mode=${JSON.stringify(mode)}, expected "high" or "low"`);
  const pa = asArray(p, "random.bernoulli: p");
  if (!isFloat(pa.dtype)) throw new TypeError(`random.bernoulli: probability p must have a floating dtype, got ${pa.dtype}`);
  const dtype = pa.dtype as FloatDType;
  let s: number[];
  if (shape === undefined || shape === null) s = [...pa.shape];
  else {
    s = canonicalShape("bernoulli", shape);
    checkShape("bernoulli", s, pa.shape);
  }
  if (mode === "high") {
    const both = uniform(key, [2, ...s], { dtype });
    const u1 = lax.reshape(lax.slice(both, [0, ...s.map(() => 0)], [1, ...s]), s);
    const u2 = lax.mul(lax.reshape(lax.slice(both, [1, ...s.map(() => 0)], [2, ...s]), s), dtype === "float32" ? 2 ** -23 : 2 ** -52);
    return np.less(u2, np.subtract(pa, u1));
  }
  return np.less(uniform(key, s, { dtype }), pa);
}

/**
 * `gumbel(key, shape=[], {dtype, mode})`: standard Gumbel samples, `-log(-log(u))`. Mode "high"
 * uses two uniforms per sample for a wider dynamic range, as in JAX.
 */
export function gumbel(k: JArray, shape?: Shape, opts?: { dtype?: FloatDType; mode?: "low" | "high" }): JArray;
export function gumbel(k: JArray, shape?: Shape, dtype?: FloatDType, mode?: "low" | "high"): JArray;
export function gumbel(...args: unknown[]): JArray {
  const { key: k, shape = [], ...opts } = bindArgs("random.gumbel", args, { key: KEY, shape: SHAPE, dtype: DTYPE, mode: MODE });
  const key = checkKey("gumbel", k);
  const dtype = floatDtype("gumbel", opts.dtype);
  return gumbelImpl(key, canonicalShape("gumbel", shape), dtype, opts.mode ?? "low");
}

function gumbelImpl(key: JArray, shape: readonly number[], dtype: FloatDType, mode: "low" | "high"): JArray {
  const tiny = dtype === "float32" ? 2 ** -126 : 2 ** -1022;
  if (mode === "high") {
    const both = scaleShift(unitFloats(key, [2, ...shape], dtype), lax.convertElementType(0, dtype), lax.convertElementType(1, dtype), dtype);
    const high = lax.reshape(lax.slice(both, [0, ...shape.map(() => 0)], [1, ...shape]), shape);
    const low = lax.reshape(lax.slice(both, [1, ...shape.map(() => 0)], [2, ...shape]), shape);
    const nmant = dtype === "float32" ? 23 : 52;
    const x = lax.select(lax.ge(high, 0.5), high, lax.add(lax.add(high, lax.mul(low, 2 ** -nmant)), tiny));
    return lax.neg(logOf(lax.neg(log1pOf(lax.neg(x)))));
  }
  if (mode !== "low") throw new ValueError(`random.gumbel: mode must be "low" or "high", got ${JSON.stringify(mode)}`);
  const u = scaleShift(unitFloats(key, shape, dtype), lax.convertElementType(tiny, dtype), lax.convertElementType(1, dtype), dtype);
  return lax.neg(logOf(lax.neg(logOf(u))));
}

/**
 * `categorical(key, logits, {axis=-1, shape?, replace=true, mode})`: indices drawn with
 * probabilities `softmax(logits, axis)` (the Gumbel-max trick; without replacement, Gumbel
 * top-k). `shape` defaults to the logits' shape without `axis`; extra leading dims draw more
 * samples.
 */
export function categorical(k: JArray, logits: ArrayLike, opts?: { axis?: number; shape?: Shape | null; replace?: boolean; mode?: "low" | "high" }): JArray;
export function categorical(k: JArray, logits: ArrayLike, axis?: number, shape?: Shape | null, replace?: boolean, mode?: "low" | "high"): JArray;
export function categorical(...args: unknown[]): JArray {
  const { key: k, logits, ...opts } = bindArgs("random.categorical", args, {
    key: KEY,
    logits: required(VALUE),
    axis: int,
    shape: SHAPE,
    replace: bool,
    mode: MODE,
  });
  const key = checkKey("categorical", k);
  const l = asArray(logits, "random.categorical: logits");
  if (!isFloat(l.dtype)) throw new ValueError(`random.categorical: logits must have a float dtype, got ${l.dtype}`);
  if (l.ndim === 0) throw new ValueError("random.categorical: logits must have at least one dimension");
  const ax = normalizeAxis("random.categorical", opts.axis ?? -1, l.ndim);
  const batchShape = l.shape.filter((_, i) => i !== ax);
  let s: number[];
  if (opts.shape === undefined || opts.shape === null) s = batchShape;
  else {
    s = canonicalShape("categorical", opts.shape);
    checkShape("categorical", s, batchShape);
  }
  const prefix = s.slice(0, s.length - batchShape.length);
  const mode = opts.mode ?? "low";
  const dtype = l.dtype as FloatDType;
  if (opts.replace ?? true) {
    const logitsShape = s.slice(s.length - batchShape.length);
    logitsShape.splice(ax, 0, l.shape[ax]!);
    const g = gumbelImpl(key, [...prefix, ...logitsShape], dtype, mode);
    const expanded = prefix.length ? lax.expandDims(l, prefix.map((_, i) => i)) : l;
    return np.argmax(np.add(g, expanded), ax - l.ndim);
  }
  const noisy = np.add(l, gumbelImpl(key, l.shape, dtype, mode));
  const count = shapeSize(prefix);
  const n = l.shape[ax]!;
  if (count > n) throw new ValueError(`random.categorical: number of samples without replacement (${count}) cannot exceed number of categories (${n})`);
  // top-k along the category axis: a stable descending sort keeps the lower index first on ties.
  const order = np.argsort(np.moveaxis(noisy, ax, -1), -1, { descending: true, stable: true });
  const top = lax.sliceInDim(order, 0, count, 1, order.ndim - 1); // [...batch, count]
  const moved = np.moveaxis(top, -1, 0); // [count, ...batch]
  return lax.reshape(moved, s);
}

/** Number of sort rounds JAX's shuffle uses for `size` elements (a heuristic for distinct keys). */
function shuffleRounds(size: number): number {
  return Math.ceil((3 * Math.log(Math.max(1, size))) / Math.log(4294967295));
}

/** Shuffles `x` along `axis` by sorting on fresh random uint32 keys, once per round (JAX's `_shuffle`). */
function shuffle(key: JArray, x: JArray, axis: number): JArray {
  let k = key;
  for (let r = 0; r < shuffleRounds(x.size); r++) {
    const keys = splitKey(k);
    k = lax.reshape(lax.slice(keys, [0, 0], [1, 2]), [2]);
    const sub = lax.reshape(lax.slice(keys, [1, 0], [2, 2]), [2]);
    const sortKeys = randomBits32(sub, x.shape);
    x = (lax.sort([sortKeys, x], { dimension: axis, isStable: true, numKeys: 1 }) as JArray[])[1]!;
  }
  return x;
}

/**
 * `permutation(key, xOrN, {axis=0, independent=false})`: a shuffled `arange(n)` for an integer,
 * or `x` shuffled along `axis` (every slice along it permuted the same way, unless
 * `independent`).
 */
export function permutation(k: JArray, x: ArrayLike, opts?: { axis?: number; independent?: boolean }): JArray;
export function permutation(k: JArray, x: ArrayLike, axis?: number, independent?: boolean): JArray;
export function permutation(...args: unknown[]): JArray {
  const { key: k, x, ...opts } = bindArgs("random.permutation", args, { key: KEY, x: required(VALUE), axis: int, independent: bool });
  const key = checkKey("permutation", k);
  const arr = typeof x === "number" ? null : asArray(x, "random.permutation: x");
  if (arr === null || arr.ndim === 0) {
    let n: number;
    if (arr === null) n = x as number;
    else {
      if (arr.dtype !== "int32" && arr.dtype !== "uint32") throw new TypeError("random.permutation: x must be an integer or at least 1-dimensional");
      if (!isConcrete(arr)) throw new TypeError("random.permutation: an integer x must be concrete (not traced); pass np.arange(n) instead");
      n = Number(arr.item());
    }
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`random.permutation: x must be a non-negative integer or at least 1-dimensional, got ${String(x)}`);
    normalizeAxis("random.permutation", opts.axis ?? 0, 1);
    return shuffle(key, np.arange(n), 0);
  }
  const axis = normalizeAxis("random.permutation", opts.axis ?? 0, arr.ndim);
  if (opts.independent || arr.ndim === 1) return shuffle(key, arr, axis);
  const ind = shuffle(key, np.arange(arr.shape[axis]!), 0);
  return np.take(arr, ind, axis);
}

// --- randint -------------------------------------------------------------------------------

type IntDType = "int32" | "uint32";
const INT_RANGE: Record<IntDType, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };

function intParam(x: ArrayLike, dtype: IntDType, what: string): JArray {
  if (typeof x === "number") {
    const v = Math.trunc(x);
    if (!Number.isFinite(x)) throw new RangeError(`${what}: ${x} is not a finite number`);
    if (v >= -(2 ** 31) && v < 2 ** 31) return lax.convertElementType(v, "int32");
    if (dtype === "uint32" && v >= 0 && v < 2 ** 32) return lax.convertElementType(v, "uint32");
    throw new RangeError(`${what}: integer ${x} out of bounds for ${dtype === "uint32" ? "int32/uint32" : "int32"}`);
  }
  const a = asArray(x, what);
  if (a.dtype === "int32" || a.dtype === "uint32") return a;
  return lax.convertElementType(a, "int32"); // floats and bools, as JAX's astype(int)
}

/** `val` in `dtype`, clipped to the values both dtypes hold rather than wrapped. */
function convertAndClip(val: JArray, dtype: IntDType): JArray {
  const from = val.dtype as IntDType;
  if (from === dtype) return val;
  const lo = Math.max(INT_RANGE[dtype][0], INT_RANGE[from][0]);
  const hi = Math.min(INT_RANGE[dtype][1], INT_RANGE[from][1]);
  return lax.convertElementType(lax.clamp(lo, val, hi), dtype);
}

/**
 * `randint(key, shape, minval, maxval, {dtype="int32"})`: integers in [minval, maxval), by JAX's
 * algorithm (two 32-bit draws combined modulo the span; a span of 0 or less gives minval).
 */
export function randint(k: JArray, shape: Shape, minval: ArrayLike, maxval: ArrayLike, opts?: { dtype?: IntDType }): JArray;
export function randint(k: JArray, shape: Shape, minval: ArrayLike, maxval: ArrayLike, dtype?: IntDType): JArray;
export function randint(...args: unknown[]): JArray {
  const { key: k, shape, minval, maxval, ...opts } = bindArgs("random.randint", args, {
    key: KEY,
    shape: required(SHAPE),
    minval: required(VALUE),
    maxval: required(VALUE),
    dtype: checkedLater<IntDType>("an integer dtype"),
  });
  const key = checkKey("randint", k);
  const dtype = opts.dtype ?? "int32";
  if (dtype !== "int32" && dtype !== "uint32") throw new TypeError(`random.randint only accepts integer dtypes (int32, uint32), got ${String(dtype)}`);
  const s = canonicalShape("randint", shape);
  let lo = intParam(minval, dtype, "random.randint: minval");
  let hi = intParam(maxval, dtype, "random.randint: maxval");
  checkShape("randint", s, lo.shape, hi.shape);
  // maxval beyond dtype's range (a uint32 maxval for int32): the span must grow by one.
  const limit = Math.min(INT_RANGE[dtype][1], INT_RANGE[hi.dtype as IntDType][1]);
  const outOfRange = lax.gt(hi, limit);
  lo = toShape(convertAndClip(lo, dtype), s);
  hi = toShape(convertAndClip(hi, dtype), s);
  const outOfRangeB = toShape(outOfRange, s);

  const keys = splitKey(key);
  const higher = randomBits32(lax.reshape(lax.slice(keys, [0, 0], [1, 2]), [2]), s);
  const lower = randomBits32(lax.reshape(lax.slice(keys, [1, 0], [2, 2]), [2]), s);

  const u = (v: number) => lax.convertElementType(v, "uint32");
  let span = lax.convertElementType(lax.sub(hi, lo), "uint32");
  span = lax.select(lax.le(hi, lo), u(1), span);
  span = lax.select(lax.and(outOfRangeB, lax.gt(hi, lo)), lax.add(span, 1), span);
  // 2^32 mod span, as ((2^16 mod span)^2) mod span, so the 64-bit value hi*2^32 + lo reduces mod span.
  let multiplier = lax.rem(u(2 ** 16), span);
  multiplier = lax.rem(lax.mul(multiplier, multiplier), span);
  let offset = lax.add(lax.mul(lax.rem(higher, span), multiplier), lax.rem(lower, span));
  offset = lax.rem(offset, span);
  return lax.add(lo, lax.convertElementType(offset, dtype));
}
