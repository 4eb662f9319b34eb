/**
 * `nn.initializers`: JAX's `jax.nn.initializers`, with the same numerics.
 *
 * Each builder returns an initializer `(key, shape, dtype?) => array` (`zeros` and `ones` are
 * initializers themselves), as in JAX: `glorotNormal()(key, [784, 512])`,
 * `varianceScaling(2.0, "fan_out", "normal")`, `zeros(key, [10])`. Options JAX takes as
 * keywords come in a trailing object (`glorotUniform({inAxis, outAxis, batchAxis, dtype})`).
 * Samples come from `random` and are bit-for-bit JAX's; the scaling arithmetic is JAX's too
 * (fans in float64, the variance rounded to the dtype, then dtype arithmetic), so the results
 * match JAX's exactly except `orthogonal`, whose QR agrees to float32 rounding.
 */
import type { JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import { normalizeAxis } from "../numpy/util.js";
import type { FloatDType } from "../random/samplers.js";
import * as random from "../random/index.js";
import { arrayLike, bindArgs, int, intOrInts, kind, num, oneOf, orNull, required } from "../core/options.js";

// Each builder takes JAX's positional order (`glorotNormal(inAxis, outAxis)`, as stax calls it)
// or a trailing options object; see core/options.ts. dtype values are checked by checkedDtype.
const floatDtype = orNull(oneOf<readonly FloatDType[]>("float32", "float64"));
const anyString = kind<string>("a string", (v) => typeof v === "string");
const FAN_ARGS = { inAxis: intOrInts, outAxis: intOrInts, batchAxis: intOrInts, dtype: floatDtype };

export type Shape = readonly number[];
export type Initializer = (key: JArray, shape: Shape | number, dtype?: FloatDType) => JArray;
type Axes = number | readonly number[];

function checkedShape(fn: string, shape: Shape | number): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  if (s.some((d) => !Number.isInteger(d) || d < 0)) throw new ValueError(`nn.initializers.${fn}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
  return s;
}

function checkedDtype(fn: string, dtype: unknown): FloatDType {
  if (dtype === undefined || dtype === null) return "float32";
  if (dtype === "float32" || dtype === "float64") return dtype;
  throw new ValueError(`nn.initializers.${fn}: dtype must be float32 or float64, got ${JSON.stringify(dtype)}`);
}

/** A scalar constant of `dtype` (JAX's `jnp.array(value, dtype)`). */
const constOf = (v: number, dtype: FloatDType): JArray => lax.convertElementType(v, dtype);

/** An initializer that returns zeros (the key is ignored). */
export function zeros(_key: JArray, shape: Shape | number, dtype?: FloatDType): JArray {
  return np.zeros(checkedShape("zeros", shape), { dtype: checkedDtype("zeros", dtype) });
}

/** An initializer that returns ones (the key is ignored). */
export function ones(_key: JArray, shape: Shape | number, dtype?: FloatDType): JArray {
  return np.ones(checkedShape("ones", shape), { dtype: checkedDtype("ones", dtype) });
}

/** `constant(value, {dtype})`: an initializer returning arrays full of `value`. */
export function constant(value: number | JArray, opts?: { dtype?: FloatDType }): Initializer;
export function constant(value: number | JArray, dtype?: FloatDType | null): Initializer;
export function constant(...args: unknown[]): Initializer {
  const { value, ...opts } = bindArgs("nn.initializers.constant", args, { value: required(arrayLike), dtype: floatDtype });
  return (_key, shape, dtype = opts.dtype ?? undefined) => np.full(checkedShape("constant", shape), value, { dtype: checkedDtype("constant", dtype) });
}

/** `uniform(scale=1e-2, {dtype})`: uniform samples in [0, scale). */
export function uniform(scale?: number, opts?: { dtype?: FloatDType }): Initializer;
export function uniform(scale?: number, dtype?: FloatDType | null): Initializer;
export function uniform(...args: unknown[]): Initializer {
  const { scale = 1e-2, ...opts } = bindArgs("nn.initializers.uniform", args, { scale: num, dtype: floatDtype });
  return (key, shape, dtype = opts.dtype ?? undefined) => {
    const d = checkedDtype("uniform", dtype);
    return lax.mul(random.uniform(key, checkedShape("uniform", shape), { dtype: d }), constOf(scale, d));
  };
}

/** `normal(stddev=1e-2, {dtype})`: normal samples with mean 0 and standard deviation `stddev`. */
export function normal(stddev?: number, opts?: { dtype?: FloatDType }): Initializer;
export function normal(stddev?: number, dtype?: FloatDType | null): Initializer;
export function normal(...args: unknown[]): Initializer {
  const { stddev = 1e-2, ...opts } = bindArgs("nn.initializers.normal", args, { stddev: num, dtype: floatDtype });
  return (key, shape, dtype = opts.dtype ?? undefined) => {
    const d = checkedDtype("normal", dtype);
    return lax.mul(random.normal(key, checkedShape("normal", shape), { dtype: d }), constOf(stddev, d));
  };
}

/**
 * `truncatedNormal(stddev=1e-2, {dtype, lower=-2, upper=2})`: `stddev` times a standard normal
 * truncated to (lower, upper). As in JAX, no variance correction is applied.
 */
export function truncatedNormal(stddev?: number, opts?: { dtype?: FloatDType; lower?: number; upper?: number }): Initializer;
export function truncatedNormal(stddev?: number, dtype?: FloatDType | null, lower?: number, upper?: number): Initializer;
export function truncatedNormal(...args: unknown[]): Initializer {
  const { stddev = 1e-2, ...opts } = bindArgs("nn.initializers.truncatedNormal", args, { stddev: num, dtype: floatDtype, lower: num, upper: num });
  return (key, shape, dtype = opts.dtype ?? undefined) => {
    const d = checkedDtype("truncatedNormal", dtype);
    const s = checkedShape("truncatedNormal", shape);
    return lax.mul(random.truncatedNormal(key, opts.lower ?? -2.0, opts.upper ?? 2.0, s, { dtype: d }), constOf(stddev, d));
  };
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * Fan-in and fan-out of a weight shape (JAX's `_compute_fans`): axes not named by inAxis,
 * outAxis or batchAxis form the receptive field, which multiplies both fans.
 */
export function computeFans(shape: Shape, inAxis: Axes = -2, outAxis: Axes = -1, batchAxis: Axes = []): [number, number] {
  if (typeof inAxis === "number" && inAxis === -2 && shape.length <= 1)
    throw new ValueError(
      `Can't compute input and output sizes of a ${shape.length}-dimensional weights tensor with default inAxis. Must be at least 2D or specify inAxis explicitly.`,
    );
  const size = (axes: Axes, what: string) =>
    typeof axes === "number" ? shape[normalizeAxis("nn.initializers", axes, shape.length, what)]! : prod(axes.map((a) => shape[normalizeAxis("nn.initializers", a, shape.length, what)]!));
  const inSize = size(inAxis, "inAxis");
  const outSize = size(outAxis, "outAxis");
  const batchSize = size(batchAxis, "batchAxis");
  const receptiveField = prod(shape) / inSize / outSize / batchSize;
  return [inSize * receptiveField, outSize * receptiveField];
}

export type FanMode = "fan_in" | "fan_out" | "fan_avg" | "fan_geo_avg";
export type Distribution = "truncated_normal" | "normal" | "uniform";
export interface FanOptions {
  inAxis?: Axes;
  outAxis?: Axes;
  batchAxis?: Axes;
  dtype?: FloatDType;
}

/**
 * `varianceScaling(scale, mode, distribution, {inAxis=-2, outAxis=-1, batchAxis=[], dtype})`:
 * samples with standard deviation sqrt(scale / n), n the fan the mode names. "truncated_normal"
 * truncates at two standard deviations and divides by 0.87962566103423978 (the standard
 * deviation of a unit normal truncated to (-2, 2)); "uniform" draws from [-limit, limit) with
 * limit = sqrt(3 * scale / n).
 */
export function varianceScaling(scale: number, mode: FanMode, distribution: Distribution, opts?: FanOptions): Initializer;
export function varianceScaling(
  scale: number,
  mode: FanMode,
  distribution: Distribution,
  inAxis?: Axes,
  outAxis?: Axes,
  batchAxis?: Axes,
  dtype?: FloatDType | null,
): Initializer;
export function varianceScaling(...args: unknown[]): Initializer {
  // mode and distribution values are checked below, with JAX's ValueError.
  const { scale, mode, distribution, ...opts } = bindArgs("nn.initializers.varianceScaling", args, {
    scale: required(num),
    mode: required(anyString),
    distribution: required(anyString),
    ...FAN_ARGS,
  });
  return varianceScalingImpl(scale, mode as FanMode, distribution as Distribution, { ...opts, dtype: opts.dtype ?? undefined });
}

function varianceScalingImpl(scale: number, mode: FanMode, distribution: Distribution, opts: FanOptions): Initializer {
  if (!["fan_in", "fan_out", "fan_avg", "fan_geo_avg"].includes(mode)) throw new ValueError(`invalid mode for variance scaling initializer: ${mode}`);
  if (!["truncated_normal", "normal", "uniform"].includes(distribution))
    throw new ValueError(`invalid distribution for variance scaling initializer: ${distribution}`);
  return (key, shape, dtype = opts.dtype) => {
    const d = checkedDtype("varianceScaling", dtype);
    const s = checkedShape("varianceScaling", shape);
    const [fanIn, fanOut] = computeFans(s, opts.inAxis ?? -2, opts.outAxis ?? -1, opts.batchAxis ?? []);
    const denominator = mode === "fan_in" ? fanIn : mode === "fan_out" ? fanOut : mode === "fan_avg" ? (fanIn + fanOut) / 2 : Math.sqrt(fanIn * fanOut);
    const variance = constOf(scale / denominator, d);
    if (distribution === "truncated_normal") {
      const stddev = lax.div(lax.sqrt(variance), constOf(0.87962566103423978, d));
      return lax.mul(random.truncatedNormal(key, -2, 2, s, { dtype: d }), stddev);
    }
    if (distribution === "normal") return lax.mul(random.normal(key, s, { dtype: d }), lax.sqrt(variance));
    return lax.mul(random.uniform(key, s, { dtype: d, minval: -1 }), lax.sqrt(lax.mul(variance, 3)));
  };
}

/** The fan-based builders take JAX's `(inAxis, outAxis, batchAxis, dtype)` positionally or as options. */
type FanBuilder = {
  (opts?: FanOptions): Initializer;
  (inAxis?: Axes, outAxis?: Axes, batchAxis?: Axes, dtype?: FloatDType | null): Initializer;
};

function fanBuilder(name: string, scale: number, mode: FanMode, distribution: Distribution): FanBuilder {
  return (...args: unknown[]): Initializer => {
    const opts = bindArgs(`nn.initializers.${name}`, args, FAN_ARGS);
    return varianceScalingImpl(scale, mode, distribution, { ...opts, dtype: opts.dtype ?? undefined });
  };
}

/** Glorot (Xavier) uniform: varianceScaling(1, "fan_avg", "uniform"). */
export const glorotUniform = fanBuilder("glorotUniform", 1.0, "fan_avg", "uniform");
/** Glorot (Xavier) normal: varianceScaling(1, "fan_avg", "truncated_normal"). */
export const glorotNormal = fanBuilder("glorotNormal", 1.0, "fan_avg", "truncated_normal");
/** LeCun uniform: varianceScaling(1, "fan_in", "uniform"). */
export const lecunUniform = fanBuilder("lecunUniform", 1.0, "fan_in", "uniform");
/** LeCun normal: varianceScaling(1, "fan_in", "truncated_normal"). */
export const lecunNormal = fanBuilder("lecunNormal", 1.0, "fan_in", "truncated_normal");
/** He (Kaiming) uniform: varianceScaling(2, "fan_in", "uniform"). */
export const heUniform = fanBuilder("heUniform", 2.0, "fan_in", "uniform");
/** He (Kaiming) normal: varianceScaling(2, "fan_in", "truncated_normal"). */
export const heNormal = fanBuilder("heNormal", 2.0, "fan_in", "truncated_normal");
export const xavierUniform = glorotUniform;
export const xavierNormal = glorotNormal;
export const kaimingUniform = heUniform;
export const kaimingNormal = heNormal;

/**
 * `orthogonal(scale=1.0, {columnAxis=-1, dtype})`: (semi-)orthogonal matrices, reshaped so that
 * `columnAxis` holds the columns; all other axes are flattened into rows. See
 * random.orthogonal for the QR (exact to float32 rounding, not bit for bit).
 */
export function orthogonal(scale?: number, opts?: { columnAxis?: number; dtype?: FloatDType }): Initializer;
export function orthogonal(scale?: number, columnAxis?: number, dtype?: FloatDType | null): Initializer;
export function orthogonal(...args: unknown[]): Initializer {
  const { scale = 1.0, ...opts } = bindArgs("nn.initializers.orthogonal", args, { scale: num, columnAxis: int, dtype: floatDtype });
  return (key, shape, dtype = opts.dtype ?? undefined) => {
    const d = checkedDtype("orthogonal", dtype);
    const s = checkedShape("orthogonal", shape);
    if (s.length < 2) throw new ValueError("orthogonal initializer requires at least a 2D shape");
    if (s.some((n) => n === 0)) return np.zeros(s, { dtype: d });
    const col = normalizeAxis("nn.initializers.orthogonal", opts.columnAxis ?? -1, s.length, "columnAxis");
    const nCols = s[col]!;
    const nRows = prod(s) / nCols;
    const q = random.orthogonal(key, nRows, [], { dtype: d, m: nCols });
    const rest = s.filter((_, i) => i !== col);
    const shaped = np.moveaxis(np.reshape(q, [...rest, nCols]), -1, col);
    return lax.mul(constOf(scale, d), shaped);
  };
}
