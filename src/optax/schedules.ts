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
import { any, arrayLike, arrayOf, bindArgs, bool, fn, int, num, orNull, required } from "../core/options.js";

/**
 * optax's schedules take every argument positionally or by keyword, so each is a required
 * argument that may also be a key of the options object: `cosineDecaySchedule({initValue: 0.1,
 * decaySteps: 100})` works, and a missing or misspelled key fails here, not as a NaN later.
 */
const req = <T>(k: import("../core/options.js").Kind<T>) => required(k, { keyword: true });

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
export function constantSchedule(value: ArrayLike): Schedule;
export function constantSchedule(opts: { value: ArrayLike }): Schedule;
export function constantSchedule(...args: unknown[]): Schedule {
  const v = asNum(bindArgs("optax.constantSchedule", args, { value: req(arrayLike) }).value);
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
  transitionBeginOrOptions?: number | { transitionBegin?: number },
): Schedule;
export function polynomialSchedule(opts: { initValue: ArrayLike; endValue: ArrayLike; power: ArrayLike; transitionSteps: number; transitionBegin?: number }): Schedule;
export function polynomialSchedule(...args: unknown[]): Schedule {
  const o = bindArgs("optax.polynomialSchedule", args, POLY);
  return polynomial(o.initValue, o.endValue, o.power, o.transitionSteps, o.transitionBegin);
}

const POLY = { initValue: req(arrayLike), endValue: req(arrayLike), power: req(arrayLike), transitionSteps: req(int), transitionBegin: int };

function polynomial(initValue: ArrayLike, endValue: ArrayLike, power: ArrayLike, transitionSteps: number, transitionBegin = 0): Schedule {
  const init = asNum(initValue);
  const end = asNum(endValue);
  const p = asNum(power);
  if (transitionSteps <= 0) return () => init;
  const begin = Math.max(transitionBegin, 0);
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
  transitionBeginOrOptions?: number | { transitionBegin?: number },
): Schedule;
export function linearSchedule(opts: { initValue: ArrayLike; endValue: ArrayLike; transitionSteps: number; transitionBegin?: number }): Schedule;
export function linearSchedule(...args: unknown[]): Schedule {
  const o = bindArgs("optax.linearSchedule", args, { initValue: req(arrayLike), endValue: req(arrayLike), transitionSteps: req(int), transitionBegin: int });
  return polynomial(o.initValue, o.endValue, 1, o.transitionSteps, o.transitionBegin);
}

/**
 * `initValue` times a factor that is `scale` from each boundary on (boundaries are step counts,
 * the keys of `boundariesAndScales`; factors multiply). Scales must be non-negative.
 */
export function piecewiseConstantSchedule(initValue: ArrayLike, boundariesAndScales?: Record<number, number> | null): Schedule;
export function piecewiseConstantSchedule(opts: { initValue: ArrayLike; boundariesAndScales?: Record<number, number> | null }): Schedule;
export function piecewiseConstantSchedule(...args: unknown[]): Schedule {
  // The boundaries are a plain object, so in their position it is that argument, not options.
  const o = bindArgs("optax.piecewiseConstantSchedule", args, { initValue: req(arrayLike), boundariesAndScales: orNull(any) });
  const boundariesAndScales = o.boundariesAndScales as Record<number, number> | null | undefined;
  const init = asNum(o.initValue);
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
export function exponentialDecay(initValue: ArrayLike, transitionSteps: number, decayRate: number, opts?: ExponentialDecayOptions): Schedule;
export function exponentialDecay(
  initValue: ArrayLike,
  transitionSteps: number,
  decayRate: number,
  transitionBegin?: number,
  staircase?: boolean,
  endValue?: ArrayLike | null,
): Schedule;
export function exponentialDecay(opts: { initValue: ArrayLike; transitionSteps: number; decayRate: number } & ExponentialDecayOptions): Schedule;
export function exponentialDecay(...args: unknown[]): Schedule {
  const opts = bindArgs("optax.exponentialDecay", args, {
    initValue: req(arrayLike),
    transitionSteps: req(int),
    decayRate: req(num),
    transitionBegin: int,
    staircase: bool,
    endValue: orNull(arrayLike),
  });
  const { transitionSteps, decayRate } = opts;
  const init = asNum(opts.initValue);
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
export function cosineDecaySchedule(initValue: ArrayLike, decaySteps: number, opts?: CosineDecayOptions): Schedule;
export function cosineDecaySchedule(initValue: ArrayLike, decaySteps: number, alpha?: number, exponent?: number): Schedule;
export function cosineDecaySchedule(opts: { initValue: ArrayLike; decaySteps: number } & CosineDecayOptions): Schedule;
export function cosineDecaySchedule(...args: unknown[]): Schedule {
  const o = bindArgs("optax.cosineDecaySchedule", args, { initValue: req(arrayLike), decaySteps: req(num), alpha: num, exponent: num });
  const { initValue, decaySteps } = o;
  if (!(decaySteps > 0))
    throw new ValueError(`optax.cosineDecaySchedule: The cosine_decay_schedule requires positive decay_steps, got decay_steps=${decaySteps}.`);
  const init = asNum(initValue);
  const { alpha = 0.0, exponent = 1.0 } = o;
  return (c) => {
    const count = minimum(toFloat(checkCount(c, "cosineDecaySchedule")), decaySteps);
    const cosineDecay = mul(0.5, add(1, cos(div(mul(Math.PI, count), decaySteps))));
    const decayed = add(mul(1 - alpha, pow(cosineDecay, exponent)), alpha);
    return mul(init, decayed);
  };
}

/** Each schedule in turn: `schedules[i + 1]` runs from `boundaries[i]` on, counting steps from there. */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule;
export function joinSchedules(opts: { schedules: readonly Schedule[]; boundaries: readonly number[] }): Schedule;
export function joinSchedules(...args: unknown[]): Schedule {
  const { schedules, boundaries } = bindArgs("optax.joinSchedules", args, { schedules: req(arrayOf(fn, "an array of schedules")), boundaries: req(arrayOf(num, "an array of step numbers")) });
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
  opts?: WarmupCosineDecayOptions,
): Schedule;
export function warmupCosineDecaySchedule(initValue: number, peakValue: number, warmupSteps: number, decaySteps: number, endValue?: number, exponent?: number): Schedule;
export function warmupCosineDecaySchedule(opts: { initValue: number; peakValue: number; warmupSteps: number; decaySteps: number } & WarmupCosineDecayOptions): Schedule;
export function warmupCosineDecaySchedule(...args: unknown[]): Schedule {
  const o = bindArgs("optax.warmupCosineDecaySchedule", args, {
    initValue: req(num),
    peakValue: req(num),
    warmupSteps: req(int),
    decaySteps: req(int),
    endValue: num,
    exponent: num,
  });
  const { initValue, peakValue, warmupSteps, decaySteps, endValue = 0.0, exponent = 1.0 } = o;
  const alpha = peakValue === 0 ? 0.0 : endValue / peakValue;
  return joinSchedules(
    [linearSchedule(initValue, peakValue, warmupSteps), cosineDecaySchedule(peakValue, decaySteps - warmupSteps, { alpha, exponent })],
    [warmupSteps],
  );
}
