/**
 * optax's schedules: functions from a step count to a value (a learning rate, a weight decay).
 *
 * Each schedule takes either a JS number, and then computes in double precision and returns a
 * JS number (optax's values with x64 enabled), or an array count (the int32 count optimizers
 * keep, possibly a tracer under jit), and then computes with jaxts ops exactly as optax does and
 * returns a float32 array. Schedule values given as arrays work too (the result is then an array).
 */
import { type ArrayLike, JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as np from "../numpy/index.js";
import type { Schedule } from "./base.js";

type Num = number | JArray;

// Arithmetic over JS numbers (double precision) or arrays (jaxts ops with JAX's promotion).
const isNum = (x: Num): x is number => typeof x === "number";
const add = (a: Num, b: Num): Num => (isNum(a) && isNum(b) ? a + b : np.add(a, b));
const sub = (a: Num, b: Num): Num => (isNum(a) && isNum(b) ? a - b : np.subtract(a, b));
const mul = (a: Num, b: Num): Num => (isNum(a) && isNum(b) ? a * b : np.multiply(a, b));
const div = (a: Num, b: Num): Num => (isNum(a) && isNum(b) ? a / b : np.divide(a, b));
const pow = (a: Num, b: Num): Num => (isNum(a) && isNum(b) ? a ** b : np.power(a, b));
const minimum = (a: Num, b: Num): Num => (isNum(a) && isNum(b) ? Math.min(a, b) : np.minimum(a, b));
const maximum = (a: Num, b: Num): Num => (isNum(a) && isNum(b) ? Math.max(a, b) : np.maximum(a, b));
const clip = (x: Num, lo: number, hi: number): Num => (isNum(x) ? Math.min(Math.max(x, lo), hi) : np.clip(x, lo, hi));
const sign = (x: Num): Num => (isNum(x) ? Math.sign(x) : np.sign(x));
const cos = (x: Num): Num => (isNum(x) ? Math.cos(x) : np.cos(x));
const floor = (x: Num): Num => (isNum(x) ? Math.floor(x) : np.floor(x));
const lessEqual = (a: Num, b: Num): boolean | JArray => (isNum(a) && isNum(b) ? a <= b : np.lessEqual(a, b));
const less = (a: Num, b: Num): boolean | JArray => (isNum(a) && isNum(b) ? a < b : np.less(a, b));
/** Integer arrays as float32 (where optax's float literals promote them; JS's `0.0` is an integer). */
const toFloat = (x: Num): Num => (isNum(x) || x.dtype === "float32" || x.dtype === "float64" ? x : x.astype("float32"));
const where = (c: boolean | JArray, x: Num, y: Num): Num => (typeof c === "boolean" ? (c ? x : y) : np.where(c, x, y));

function checkCount(count: unknown, fn: string): Num {
  if (typeof count === "number" || count instanceof JArray) return count;
  throw new TypeError(`optax.${fn}: a schedule takes a step count (a number or an array), got ${typeof count}`);
}

const asNum = (x: ArrayLike): Num => (typeof x === "boolean" ? Number(x) : x);

/** The same value at every step. */
export function constantSchedule(value: ArrayLike): Schedule {
  const v = asNum(value);
  return () => v;
}

/**
 * From `initValue` to `endValue` over `transitionSteps` steps (starting at `transitionBegin`)
 * along `(init - end) * (1 - t/T)**power + end`. A non-positive `transitionSteps` gives the
 * constant `initValue`; a negative `transitionBegin` counts as 0.
 */
export function polynomialSchedule(
  initValue: ArrayLike,
  endValue: ArrayLike,
  power: ArrayLike,
  transitionSteps: number,
  opts: { transitionBegin?: number } = {},
): Schedule {
  const init = asNum(initValue);
  const end = asNum(endValue);
  const p = asNum(power);
  if (transitionSteps <= 0) return () => init;
  const begin = Math.max(opts.transitionBegin ?? 0, 0);
  return (c) => {
    const count = clip(sub(checkCount(c, "polynomialSchedule"), begin), 0, transitionSteps);
    const frac = sub(1, div(count, transitionSteps));
    return add(mul(sub(init, end), pow(frac, p)), end);
  };
}

/** Linear interpolation from `initValue` to `endValue` over `transitionSteps` steps. */
export function linearSchedule(
  initValue: ArrayLike,
  endValue: ArrayLike,
  transitionSteps: number,
  opts: { transitionBegin?: number } = {},
): Schedule {
  return polynomialSchedule(initValue, endValue, 1, transitionSteps, opts);
}

/**
 * `initValue` times a factor that is `scale` from each boundary on (boundaries are step counts,
 * the keys of `boundariesAndScales`; factors multiply). Scales must be non-negative.
 */
export function piecewiseConstantSchedule(initValue: ArrayLike, boundariesAndScales?: Record<number, number> | null): Schedule {
  const init = asNum(initValue);
  const entries = Object.entries(boundariesAndScales ?? {}).map(([k, v]) => [Number(k), v] as [number, number]);
  for (const [k, v] of entries) {
    if (!Number.isFinite(k)) throw new ValueError(`optax.piecewiseConstantSchedule: boundary ${JSON.stringify(k)} is not a number`);
    if (typeof v !== "number" || !(v >= 0)) throw new ValueError("optax.piecewiseConstantSchedule: `piecewise_constant_schedule` expects non-negative scale factors");
  }
  entries.sort((a, b) => a[0] - b[0]);
  return (c) => {
    const count = checkCount(c, "piecewiseConstantSchedule");
    let v: Num = init;
    for (const [threshold, scale] of entries) {
      const indicator = toFloat(maximum(0.0, sign(sub(threshold, count))));
      v = add(mul(v, indicator), mul(mul(sub(1, indicator), scale), v));
    }
    return v;
  };
}

export interface ExponentialDecayOptions {
  transitionBegin?: number;
  /** Decay in whole steps of `transitionSteps`. */
  staircase?: boolean;
  /** A bound the value does not pass (a floor when decaying, a ceiling when growing). */
  endValue?: ArrayLike | null;
}

/** `initValue * decayRate ** ((count - transitionBegin) / transitionSteps)`, constant before `transitionBegin`. */
export function exponentialDecay(initValue: ArrayLike, transitionSteps: number, decayRate: number, opts: ExponentialDecayOptions = {}): Schedule {
  const init = asNum(initValue);
  if (transitionSteps <= 0 || decayRate === 0) return () => init;
  const begin = Math.max(opts.transitionBegin ?? 0, 0);
  const staircase = opts.staircase ?? false;
  const endValue = opts.endValue === undefined || opts.endValue === null ? null : asNum(opts.endValue);
  const clipFn = decayRate < 1.0 ? maximum : minimum;
  return (c) => {
    const decreased = sub(checkCount(c, "exponentialDecay"), begin);
    let p = div(decreased, transitionSteps);
    if (staircase) p = floor(p);
    let value = where(lessEqual(decreased, 0), init, mul(init, pow(decayRate, p)));
    if (endValue !== null) value = clipFn(value, endValue);
    return value;
  };
}

export interface CosineDecayOptions {
  /** The final value as a fraction of `initValue`. */
  alpha?: number;
  exponent?: number;
}

/** `initValue * ((1 - alpha) * (0.5 * (1 + cos(pi * t / decaySteps)))**exponent + alpha)`, `t` capped at `decaySteps`. */
export function cosineDecaySchedule(initValue: ArrayLike, decaySteps: number, opts: CosineDecayOptions = {}): Schedule {
  if (!(decaySteps > 0))
    throw new ValueError(`optax.cosineDecaySchedule: The cosine_decay_schedule requires positive decay_steps, got decay_steps=${decaySteps}.`);
  const init = asNum(initValue);
  const { alpha = 0.0, exponent = 1.0 } = opts;
  return (c) => {
    const count = minimum(toFloat(checkCount(c, "cosineDecaySchedule")), decaySteps);
    const cosineDecay = mul(0.5, add(1, cos(div(mul(Math.PI, count), decaySteps))));
    const decayed = add(mul(1 - alpha, pow(cosineDecay, exponent)), alpha);
    return mul(init, decayed);
  };
}

/** Each schedule in turn: `schedules[i + 1]` runs from `boundaries[i]` on, counting steps from there. */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  if (schedules.length === 0) throw new ValueError("optax.joinSchedules: expected at least one schedule");
  return (c) => {
    const step = checkCount(c, "joinSchedules");
    let out = schedules[0]!(step);
    boundaries.forEach((boundary, i) => {
      const next = schedules[i + 1];
      if (next === undefined) return;
      out = where(less(step, boundary), out, next(sub(step, boundary)));
    });
    return out;
  };
}

export interface WarmupCosineDecayOptions {
  endValue?: number;
  exponent?: number;
}

/**
 * Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then cosine decay to
 * `endValue` until step `decaySteps` (which counts the warmup).
 */
export function warmupCosineDecaySchedule(
  initValue: number,
  peakValue: number,
  warmupSteps: number,
  decaySteps: number,
  opts: WarmupCosineDecayOptions = {},
): Schedule {
  const { endValue = 0.0, exponent = 1.0 } = opts;
  const alpha = peakValue === 0 ? 0.0 : endValue / peakValue;
  return joinSchedules(
    [linearSchedule(initValue, peakValue, warmupSteps), cosineDecaySchedule(peakValue, decaySteps - warmupSteps, { alpha, exponent })],
    [warmupSteps],
  );
}
