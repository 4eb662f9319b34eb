/**
 * optax's optimizers, each a `chain` of transformations exactly as optax builds it (so their
 * states have optax's layout: one entry per link of the chain).
 */
import type { DType } from "../../ir/dtype.js";
import type { ArrayLike } from "../core/array.js";
import { type GradientTransformation, type ScalarOrSchedule, chain, identity } from "./base.js";
import {
  type MaskOrFn,
  addDecayedWeights,
  scaleByAdam,
  scaleByLearningRate,
  scaleByLion,
  scaleByRms,
  scaleByRss,
  scaleByStddev,
  scaleByTrustRatio,
  trace,
} from "./transforms.js";

export interface SgdOptions {
  /** Momentum decay (none when null/undefined). */
  momentum?: ArrayLike | null;
  nesterov?: boolean;
  accumulatorDtype?: DType | null;
}

/** Stochastic gradient descent, with optional (Nesterov) momentum. */
export function sgd(learningRate: ScalarOrSchedule, opts: SgdOptions = {}): GradientTransformation {
  const { momentum = null, nesterov = false, accumulatorDtype = null } = opts;
  const first = momentum === null ? identity() : trace({ decay: momentum, nesterov, accumulatorDtype });
  return chain(first, scaleByLearningRate(learningRate));
}

export interface AdamOptions {
  b1?: ArrayLike;
  b2?: ArrayLike;
  eps?: ArrayLike;
  epsRoot?: ArrayLike;
  muDtype?: DType | null;
  nesterov?: boolean;
}

/** Adam (Kingma & Ba, 2014). */
export function adam(learningRate: ScalarOrSchedule, opts: AdamOptions = {}): GradientTransformation {
  return chain(scaleByAdam(opts), scaleByLearningRate(learningRate));
}

/** Adam with Nesterov momentum (NAdam, Dozat 2016): `adam` with `nesterov: true`. */
export function nadam(learningRate: ScalarOrSchedule, opts: Omit<AdamOptions, "nesterov"> = {}): GradientTransformation {
  return adam(learningRate, { ...opts, nesterov: true });
}

export interface AdamwOptions extends AdamOptions {
  /** Decoupled weight decay (default 1e-4); a number or a schedule. */
  weightDecay?: ScalarOrSchedule;
  /** Which parameters to decay: a boolean tree or a function of the parameters. */
  mask?: MaskOrFn | null;
}

/** Adam with decoupled weight decay (Loshchilov & Hutter, 2019). */
export function adamw(learningRate: ScalarOrSchedule, opts: AdamwOptions = {}): GradientTransformation {
  const { weightDecay = 1e-4, mask = null, ...adamOpts } = opts;
  return chain(scaleByAdam(adamOpts), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}

/** AdamW with Nesterov momentum: `adamw` with `nesterov: true`. */
export function nadamw(learningRate: ScalarOrSchedule, opts: Omit<AdamwOptions, "nesterov"> = {}): GradientTransformation {
  return adamw(learningRate, { ...opts, nesterov: true });
}

export interface RmspropOptions {
  decay?: ArrayLike;
  eps?: ArrayLike;
  initialScale?: ArrayLike;
  epsInSqrt?: boolean;
  /** Divide by the centered second moment (the variance) instead of the raw one. */
  centered?: boolean;
  /** Momentum decay applied after scaling (none when null/undefined). */
  momentum?: ArrayLike | null;
  nesterov?: boolean;
  biasCorrection?: boolean;
}

/** RMSProp (Hinton), optionally centered (Graves, 2013) and with momentum. */
export function rmsprop(learningRate: ScalarOrSchedule, opts: RmspropOptions = {}): GradientTransformation {
  const { decay = 0.9, eps = 1e-8, initialScale = 0.0, epsInSqrt = true, centered = false, momentum = null, nesterov = false, biasCorrection = false } =
    opts;
  const scaling = (centered ? scaleByStddev : scaleByRms)({ decay, eps, initialScale, epsInSqrt, biasCorrection });
  return chain(scaling, scaleByLearningRate(learningRate), momentum === null ? identity() : trace({ decay: momentum, nesterov }));
}

export interface AdagradOptions {
  initialAccumulatorValue?: ArrayLike;
  eps?: ArrayLike;
}

/** Adagrad (Duchi et al., 2011). */
export function adagrad(learningRate: ScalarOrSchedule, opts: AdagradOptions = {}): GradientTransformation {
  const { initialAccumulatorValue = 0.1, eps = 1e-7 } = opts;
  return chain(scaleByRss({ initialAccumulatorValue, eps }), scaleByLearningRate(learningRate));
}

export interface LambOptions {
  b1?: ArrayLike;
  b2?: ArrayLike;
  eps?: ArrayLike;
  epsRoot?: ArrayLike;
  weightDecay?: ScalarOrSchedule;
  mask?: MaskOrFn | null;
}

/** LAMB (You et al., 2020): Adam, weight decay, then a per-leaf trust ratio. */
export function lamb(learningRate: ScalarOrSchedule, opts: LambOptions = {}): GradientTransformation {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-6, epsRoot = 0.0, weightDecay = 0.0, mask = null } = opts;
  return chain(
    scaleByAdam({ b1, b2, eps, epsRoot }),
    addDecayedWeights(weightDecay, mask),
    scaleByTrustRatio(),
    scaleByLearningRate(learningRate),
  );
}

export interface LionOptions {
  b1?: ArrayLike;
  b2?: ArrayLike;
  muDtype?: DType | null;
  weightDecay?: ScalarOrSchedule;
  mask?: MaskOrFn | null;
}

/** Lion (Chen et al., 2023): the sign of an interpolated momentum, with decoupled weight decay (default 1e-3). */
export function lion(learningRate: ScalarOrSchedule, opts: LionOptions = {}): GradientTransformation {
  const { b1 = 0.9, b2 = 0.99, muDtype = null, weightDecay = 1e-3, mask = null } = opts;
  return chain(scaleByLion({ b1, b2, muDtype }), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}
