/**
 * optax's gradient transformations, with optax's numerics step for step: moment updates
 * `(1 - b) * g**k + b * m`, bias corrections `m / (1 - b**count)` with an int32 count, and the
 * same order of operations, so float32 results agree with optax to a few ulps.
 */
import type { DType } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree.js";
import {
  type EmptyState,
  type GradientTransformation,
  type OptState,
  type Params,
  type ScalarOrSchedule,
  type Schedule,
  identity,
  initEmptyState,
  isSchedule,
  requireParams,
} from "./base.js";
import * as tu from "./treeUtils.js";
import { arrayLike, bindArgs, bool, dtype, fn, keywordOnly, object, orNull, required, union } from "../core/options.js";
import { maskOrFn, scalarOrSchedule } from "./base.js";

type AL = ArrayLike;

// --- Adam and friends ------------------------------------------------------------------------------

export interface ScaleByAdamState {
  count: JArray;
  mu: any;
  nu: any;
}

export interface ScaleByAdamOptions {
  b1?: ArrayLike;
  b2?: ArrayLike;
  eps?: ArrayLike;
  epsRoot?: ArrayLike;
  /** The dtype of the first moment (default: that of the parameters). */
  muDtype?: DType | null;
  /** Nesterov momentum (NAdam, Dozat 2016). */
  nesterov?: boolean;
}

/** Rescales updates by Adam's bias-corrected moments: `mu_hat / (sqrt(nu_hat + epsRoot) + eps)`. */
export function scaleByAdam(opts?: ScaleByAdamOptions): GradientTransformation<ScaleByAdamState>;
export function scaleByAdam(b1?: AL, b2?: AL, eps?: AL, epsRoot?: AL, muDtype?: DType | null): GradientTransformation<ScaleByAdamState>;
export function scaleByAdam(...args: unknown[]): GradientTransformation<ScaleByAdamState> {
  const o = bindArgs("optax.scaleByAdam", args, { b1: arrayLike, b2: arrayLike, eps: arrayLike, epsRoot: arrayLike, muDtype: orNull(dtype), nesterov: keywordOnly(bool) });
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0.0, muDtype = null, nesterov = false } = o;
  return {
    init: (params) => ({ count: tu.zeroCount(), mu: tu.zerosLike(params, muDtype), nu: tu.zerosLike(params) }),
    update: (updates, state) => {
      let mu = tu.updateMoment(updates, state.mu, b1, 1);
      const nu = tu.updateMomentPerElemNorm(updates, state.nu, b2, 2);
      const countInc = tu.safeIncrement(state.count);
      let muHat: any;
      if (nesterov) {
        const a = tu.biasCorrection(mu, b1, tu.safeIncrement(countInc));
        const b = tu.biasCorrection(updates, b1, countInc);
        const oneMinus = typeof b1 === "number" ? 1 - b1 : np.subtract(1, b1);
        muHat = tree.map((m: JArray, g: JArray) => np.add(np.multiply(b1, m), np.multiply(oneMinus, g)), a, b);
      } else {
        muHat = tu.biasCorrection(mu, b1, countInc);
      }
      const nuHat = tu.biasCorrection(nu, b2, countInc);
      const out = tree.map((m: JArray, v: JArray) => np.divide(m, np.add(np.sqrt(np.add(v, epsRoot)), eps)), muHat, nuHat);
      mu = tu.cast(mu, muDtype);
      return [out, { count: countInc, mu, nu: tu.castLike(nu, state.nu) }];
    },
  };
}

export interface ScaleByRmsOptions {
  decay?: ArrayLike;
  eps?: ArrayLike;
  initialScale?: ArrayLike;
  /** Add `eps` inside the square root (the default) or outside it. */
  epsInSqrt?: boolean;
  biasCorrection?: boolean;
}

/** scaleByRms and scaleByStddev, in optax's order. */
const RMS = { decay: arrayLike, eps: arrayLike, initialScale: arrayLike, epsInSqrt: bool, biasCorrection: bool };

/** Rescales updates by the root of the moving average of their squares (RMSProp). */
export function scaleByRms(opts?: ScaleByRmsOptions): GradientTransformation<{ nu: any } | { count: JArray; nu: any }>;
export function scaleByRms(decay?: AL, eps?: AL, initialScale?: AL, epsInSqrt?: boolean, biasCorrection?: boolean): GradientTransformation<{ nu: any } | { count: JArray; nu: any }>;
export function scaleByRms(...args: unknown[]): GradientTransformation<{ nu: any } | { count: JArray; nu: any }> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0.0, epsInSqrt = true, biasCorrection = false } = bindArgs("optax.scaleByRms", args, RMS);
  return {
    init: (params) => {
      const nu = tu.fullLike(params, initialScale);
      return biasCorrection ? { count: tu.zeroCount(), nu } : { nu };
    },
    update: (updates, state) => {
      const nu = tu.updateMomentPerElemNorm(updates, state.nu, decay, 2);
      let nuHat = nu;
      let countInc: JArray | undefined;
      if (biasCorrection) {
        countInc = tu.safeIncrement((state as { count: JArray }).count);
        nuHat = tu.biasCorrection(nu, decay, countInc);
      }
      const out = tree.map(
        (n: JArray, g: JArray) => np.multiply(epsInSqrt ? lax.rsqrt(np.add(n, eps)) : np.divide(1, np.add(np.sqrt(n), eps)), g),
        nuHat,
        updates,
      );
      return [out, countInc ? { count: countInc, nu } : { nu }];
    },
  };
}

/** Rescales updates by the root of the centered moving average of their squares (centered RMSProp). */
export function scaleByStddev(opts?: ScaleByRmsOptions): GradientTransformation<{ mu: any; nu: any } | { count: JArray; mu: any; nu: any }>;
export function scaleByStddev(
  decay?: AL,
  eps?: AL,
  initialScale?: AL,
  epsInSqrt?: boolean,
  biasCorrection?: boolean,
): GradientTransformation<{ mu: any; nu: any } | { count: JArray; mu: any; nu: any }>;
export function scaleByStddev(...args: unknown[]): GradientTransformation<{ mu: any; nu: any } | { count: JArray; mu: any; nu: any }> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0.0, epsInSqrt = true, biasCorrection = false } = bindArgs("optax.scaleByStddev", args, RMS);
  return {
    init: (params) => {
      const mu = tu.zerosLike(params);
      const nu = tu.fullLike(params, initialScale);
      return biasCorrection ? { count: tu.zeroCount(), mu, nu } : { mu, nu };
    },
    update: (updates, state) => {
      const mu = tu.updateMoment(updates, state.mu, decay, 1);
      const nu = tu.updateMomentPerElemNorm(updates, state.nu, decay, 2);
      let muHat = mu;
      let nuHat = nu;
      let countInc: JArray | undefined;
      if (biasCorrection) {
        countInc = tu.safeIncrement((state as { count: JArray }).count);
        muHat = tu.biasCorrection(mu, decay, countInc);
        nuHat = tu.biasCorrection(nu, decay, countInc);
      }
      const scaling = tree.map((m: JArray, n: JArray) => {
        const centered = np.subtract(n, np.multiply(m, m));
        return epsInSqrt ? lax.rsqrt(np.add(centered, eps)) : np.divide(1, np.add(np.sqrt(centered), eps));
      }, muHat, nuHat);
      const out = tree.map((s: JArray, g: JArray) => np.multiply(s, g), scaling, updates);
      return [out, countInc ? { count: countInc, mu, nu } : { mu, nu }];
    },
  };
}

export interface ScaleByRssOptions {
  initialAccumulatorValue?: ArrayLike;
  eps?: ArrayLike;
}

/** Rescales updates by the root of the running sum of their squares (Adagrad). */
export function scaleByRss(opts?: ScaleByRssOptions): GradientTransformation<{ sumOfSquares: any }>;
export function scaleByRss(initialAccumulatorValue?: AL, eps?: AL): GradientTransformation<{ sumOfSquares: any }>;
export function scaleByRss(...args: unknown[]): GradientTransformation<{ sumOfSquares: any }> {
  const { initialAccumulatorValue = 0.1, eps = 1e-7 } = bindArgs("optax.scaleByRss", args, { initialAccumulatorValue: arrayLike, eps: arrayLike });
  return {
    init: (params) => ({ sumOfSquares: tu.fullLike(params, initialAccumulatorValue) }),
    update: (updates, state) => {
      const sumOfSquares = tree.map((g: JArray, t: JArray) => np.add(np.multiply(g, g), t), updates, state.sumOfSquares);
      const inv = tree.map((t: JArray) => np.where(np.greater(t, 0), lax.rsqrt(np.add(t, eps)), 0.0), sumOfSquares);
      const out = tree.map((s: JArray, g: JArray) => np.multiply(s, g), inv, updates);
      return [out, { sumOfSquares }];
    },
  };
}

export interface ScaleByLionOptions {
  b1?: ArrayLike;
  b2?: ArrayLike;
  muDtype?: DType | null;
}

/** Lion's update direction: `sign((1 - b1) * g + b1 * mu)`, with `mu` an EMA of the gradients at rate b2. */
export function scaleByLion(opts?: ScaleByLionOptions): GradientTransformation<{ count: JArray; mu: any }>;
export function scaleByLion(b1?: AL, b2?: AL, muDtype?: DType | null): GradientTransformation<{ count: JArray; mu: any }>;
export function scaleByLion(...args: unknown[]): GradientTransformation<{ count: JArray; mu: any }> {
  const { b1 = 0.9, b2 = 0.99, muDtype = null } = bindArgs("optax.scaleByLion", args, { b1: arrayLike, b2: arrayLike, muDtype: orNull(dtype) });
  return {
    init: (params) => ({ count: tu.zeroCount(), mu: tu.zerosLike(params, muDtype) }),
    update: (updates, state) => {
      const oneMinus = typeof b1 === "number" ? 1 - b1 : np.subtract(1, b1);
      const out = tree.map((g: JArray, m: JArray) => np.sign(np.add(np.multiply(oneMinus, g), np.multiply(b1, m))), updates, state.mu);
      const mu = tu.cast(tu.updateMoment(updates, state.mu, b2, 1), muDtype);
      return [out, { count: tu.safeIncrement(state.count), mu }];
    },
  };
}

export interface ScaleByTrustRatioOptions {
  minNorm?: ArrayLike;
  trustCoefficient?: ArrayLike;
  eps?: ArrayLike;
}

/**
 * Scales each update by the trust ratio `trustCoefficient * |param| / (|update| + eps)` (1 where
 * either norm is 0), as in LARS and LAMB. Needs `params`.
 */
export function scaleByTrustRatio(opts?: ScaleByTrustRatioOptions): GradientTransformation<EmptyState>;
export function scaleByTrustRatio(minNorm?: AL, trustCoefficient?: AL, eps?: AL): GradientTransformation<EmptyState>;
export function scaleByTrustRatio(...args: unknown[]): GradientTransformation<EmptyState> {
  const o = bindArgs("optax.scaleByTrustRatio", args, { minNorm: arrayLike, trustCoefficient: arrayLike, eps: arrayLike });
  const { minNorm = 0.0, trustCoefficient = 1.0, eps = 0.0 } = o;
  return {
    init: initEmptyState,
    update: (updates, state, params) => {
      requireParams(params, "optax.scaleByTrustRatio");
      const out = tree.map((u: JArray, p: JArray) => {
        const paramNorm = tu.safeNorm(p, minNorm);
        const updateNorm = tu.safeNorm(u, minNorm);
        const ratio = np.divide(np.multiply(trustCoefficient, paramNorm), np.add(updateNorm, eps));
        const zeroNorm = np.logicalOr(np.equal(paramNorm, 0.0), np.equal(updateNorm, 0.0));
        return np.multiply(u, np.where(zeroNorm, np.ones([], { dtype: p.dtype }), ratio));
      }, updates, params);
      return [out, state];
    },
  };
}

/** Replaces each update by its sign. */
export function scaleBySign(): GradientTransformation<EmptyState> {
  bindArgs("optax.scaleBySign", [...arguments], {});
  return { init: initEmptyState, update: (updates, state) => [tree.map((g: JArray) => np.sign(g), updates), state] };
}

// --- scaling by constants and schedules -------------------------------------------------------------

/** Multiplies updates by a fixed `stepSize`. */
export function scale(stepSize: ArrayLike): GradientTransformation<EmptyState> {
  bindArgs("optax.scale", [...arguments], { stepSize: required(arrayLike) });
  return { init: initEmptyState, update: (updates, state) => [tree.map((g: JArray) => np.multiply(stepSize, g), updates), state] };
}

export interface ScaleByScheduleState {
  count: JArray;
}

/** Multiplies updates by `stepSizeFn(count)` (cast to each update's dtype); `count` starts at 0. */
export function scaleBySchedule(stepSizeFn: Schedule): GradientTransformation<ScaleByScheduleState> {
  bindArgs("optax.scaleBySchedule", [...arguments], { stepSizeFn: required(fn) });
  if (!isSchedule(stepSizeFn)) throw new TypeError("optax.scaleBySchedule: expected a schedule (a function of the step count)");
  return {
    init: () => ({ count: tu.zeroCount() }),
    update: (updates, state) => {
      const stepSize = stepSizeFn(state.count);
      const out = tree.map((g: JArray) => np.multiply(np.asarray(stepSize, { dtype: g.dtype }), g), updates);
      return [out, { count: tu.safeIncrement(state.count) }];
    },
  };
}

/**
 * Multiplies updates by `-learningRate` (or `learningRate` with `flipSign: false`). A schedule
 * is evaluated at the step count; `null`/`undefined` means no scaling.
 */
export function scaleByLearningRate(
  learningRate?: ScalarOrSchedule | null,
  opts?: { flipSign?: boolean },
): GradientTransformation<OptState>;
export function scaleByLearningRate(...args: unknown[]): GradientTransformation<OptState> {
  const { learningRate, ...opts } = bindArgs("optax.scaleByLearningRate", args, { learningRate: orNull(scalarOrSchedule), flipSign: keywordOnly(bool) });
  if (learningRate === null || learningRate === undefined) return identity();
  const m = (opts.flipSign ?? true) ? -1 : 1;
  if (isSchedule(learningRate)) {
    return scaleBySchedule((count) => {
      const lr = learningRate(count);
      return typeof lr === "number" ? m * lr : np.multiply(m, lr);
    });
  }
  return scale(typeof learningRate === "number" ? m * learningRate : np.multiply(m, learningRate));
}

// --- momentum ----------------------------------------------------------------------------------------

export interface TraceOptions {
  /** The decay rate of the trace of past updates. */
  decay: ArrayLike;
  /** Nesterov momentum. */
  nesterov?: boolean;
  accumulatorDtype?: DType | null;
}

/** Momentum: `trace = g + decay * trace`; the update is the trace (or `g + decay * trace` with Nesterov). */
export function trace(opts: TraceOptions): GradientTransformation<{ trace: any }>;
export function trace(decay: AL, nesterov?: boolean, accumulatorDtype?: DType | null): GradientTransformation<{ trace: any }>;
export function trace(...args: unknown[]): GradientTransformation<{ trace: any }> {
  // optax's trace(decay, nesterov, accumulator_dtype); decay is required but may be given by name.
  const o = bindArgs("optax.trace", args, { decay: required(arrayLike, { keyword: true }), nesterov: bool, accumulatorDtype: orNull(dtype) });
  const { decay, nesterov = false, accumulatorDtype = null } = o;
  const f = (g: JArray, t: JArray) => np.add(g, np.multiply(decay, t));
  return {
    init: (params) => ({ trace: tu.zerosLike(params, accumulatorDtype) }),
    update: (updates, state) => {
      const newTrace = tree.map(f, updates, state.trace);
      const out = nesterov ? tree.map(f, updates, newTrace) : newTrace;
      return [out, { trace: tu.cast(newTrace, accumulatorDtype) }];
    },
  };
}

// --- clipping -----------------------------------------------------------------------------------------

/** Clips each update elementwise to `[-maxDelta, maxDelta]`. */
export function clip(maxDelta: ArrayLike): GradientTransformation<EmptyState> {
  bindArgs("optax.clip", [...arguments], { maxDelta: required(arrayLike) });
  const lo = typeof maxDelta === "number" ? -maxDelta : np.negative(maxDelta);
  return { init: initEmptyState, update: (updates, state) => [tree.map((g: JArray) => np.clip(g, lo, maxDelta), updates), state] };
}

/** Scales all updates by `maxNorm / globalNorm` when their global L2 norm is at least `maxNorm`. */
export function clipByGlobalNorm(maxNorm: ArrayLike): GradientTransformation<EmptyState> {
  bindArgs("optax.clipByGlobalNorm", [...arguments], { maxNorm: required(arrayLike) });
  return {
    init: initEmptyState,
    update: (updates, state) => {
      const gNorm = tu.globalNorm(updates);
      const trigger = np.less(gNorm, maxNorm);
      const out = tree.map((t: JArray) => np.where(trigger, t, np.multiply(np.divide(t, gNorm.astype(t.dtype)), maxNorm)), updates);
      return [out, state];
    },
  };
}

// --- weight decay ---------------------------------------------------------------------------------

/**
 * Adds `weightDecay * param` to each update (decoupled weight decay). A schedule is evaluated at
 * a step count kept in the state. With `mask`, only the masked-in leaves are decayed.
 */
export function addDecayedWeights(opts?: { weightDecay?: ScalarOrSchedule; mask?: MaskOrFn | null }): GradientTransformation<OptState>;
export function addDecayedWeights(weightDecay?: ScalarOrSchedule, mask?: MaskOrFn | null): GradientTransformation<OptState>;
export function addDecayedWeights(...args: unknown[]): GradientTransformation<OptState> {
  const { weightDecay = 0.0, mask } = bindArgs("optax.addDecayedWeights", args, { weightDecay: scalarOrSchedule, mask: maskOrFn });
  const inner: GradientTransformation<OptState> = {
    init: () => (isSchedule(weightDecay) ? { count: tu.zeroCount() } : {}),
    update: (updates, state, params) => {
      requireParams(params, "optax.addDecayedWeights");
      const newState = isSchedule(weightDecay) ? { count: tu.safeIncrement(state.count) } : state;
      if (typeof weightDecay === "number" && weightDecay === 0) return [updates, newState];
      const s = isSchedule(weightDecay) ? weightDecay(state.count) : weightDecay;
      return [tree.map((g: JArray, p: JArray) => np.add(g, np.multiply(s, p)), updates, params), newState];
    },
  };
  return mask === undefined || mask === null ? inner : masked(inner, mask);
}

// --- masking ------------------------------------------------------------------------------------------

/** A tree of booleans with the parameters' structure (or a prefix of it), or a function making one. */
export type MaskOrFn = any;

export interface MaskedState {
  innerState: OptState;
}

const truthy = (m: unknown): boolean => (m instanceof JArray ? Boolean(m.item()) : Boolean(m));

/**
 * Applies `inner` only to the leaves where `mask` is true; the other updates pass through
 * unchanged. `mask` is a tree of booleans (a prefix of the parameters' structure) or a function
 * from the parameters (or updates) to one. Masked-out leaves appear as `null` (empty nodes) in
 * what `inner` sees and in its state, as optax's `MaskedNode`.
 */
export function masked(inner: GradientTransformation<OptState>, mask: MaskOrFn): GradientTransformation<MaskedState> {
  bindArgs("optax.masked", [...arguments], { inner: required(object), mask: required(union(object, union(fn, bool))) });
  const maskTreeOf = (t: unknown): unknown => (typeof mask === "function" ? mask(t) : mask);
  const maskPytree = (t: unknown, maskTree: unknown): unknown => tree.map((m: unknown, p: unknown) => (truthy(m) ? p : null), maskTree, t);
  return {
    init: (params: Params) => ({ innerState: inner.init(maskPytree(params, maskTreeOf(params))) }),
    update: (updates, state, params) => {
      const maskTree = maskTreeOf(updates);
      const maskedUpdates = maskPytree(updates, maskTree);
      const maskedParams = params === undefined || params === null ? params : maskPytree(params, maskTree);
      const [newMasked, innerState] = inner.update(maskedUpdates, state.innerState, maskedParams);
      const out = tree.map((m: unknown, newU: unknown, oldU: unknown) => (truthy(m) ? newU : oldU), maskTree, newMasked, updates);
      return [out, { innerState }];
    },
  };
}
