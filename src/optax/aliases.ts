/**
 * optax's optimizers, each a `chain` of transformations exactly as optax builds it (so their
 * states have optax's layout: one entry per link of the chain).
 *
 * Each takes its arguments in optax's positional order (`sgd(0.1, 0.9)` has momentum 0.9) or
 * as a trailing options object (`sgd(0.1, {momentum: 0.9})`); see core/options.ts.
 */
import type { DType } from "../../ir/dtype.js";
import type { ArrayLike } from "../core/array.js";
import { arrayLike, bindArgs, bool, dtype, keywordOnly, orNull, required } from "../core/options.js";
import { type GradientTransformation, type ScalarOrSchedule, chain, identity, maskOrFn, scalarOrSchedule } from "./base.js";
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

type GT = GradientTransformation;
const lr = required(scalarOrSchedule);

export interface SgdOptions {
  /** Momentum decay (none when null/undefined). */
  momentum?: ArrayLike | null;
  nesterov?: boolean;
  accumulatorDtype?: DType | null;
}

const SGD = { learningRate: lr, momentum: orNull(arrayLike), nesterov: bool, accumulatorDtype: orNull(dtype) };

/** Stochastic gradient descent, with optional (Nesterov) momentum: `sgd(lr, momentum?, nesterov?)`. */
export function sgd(learningRate: ScalarOrSchedule, opts?: SgdOptions): GT;
export function sgd(learningRate: ScalarOrSchedule, momentum?: ArrayLike | null, nesterov?: boolean, accumulatorDtype?: DType | null): GT;
export function sgd(...args: unknown[]): GT {
  const { learningRate, momentum = null, nesterov = false, accumulatorDtype = null } = bindArgs("optax.sgd", args, SGD);
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

/** optax's order: b1, b2, eps, eps_root, mu_dtype; nesterov is keyword-only. */
const ADAM_ARGS = { b1: arrayLike, b2: arrayLike, eps: arrayLike, epsRoot: arrayLike, muDtype: orNull(dtype) };
const ADAM = { learningRate: lr, ...ADAM_ARGS, nesterov: keywordOnly(bool) };

/** Adam (Kingma & Ba, 2014): `adam(lr, b1?, b2?, eps?, epsRoot?, muDtype?)`. */
export function adam(learningRate: ScalarOrSchedule, opts?: AdamOptions): GT;
export function adam(learningRate: ScalarOrSchedule, b1?: ArrayLike, b2?: ArrayLike, eps?: ArrayLike, epsRoot?: ArrayLike, muDtype?: DType | null): GT;
export function adam(...args: unknown[]): GT {
  const { learningRate, ...opts } = bindArgs("optax.adam", args, ADAM);
  return chain(scaleByAdam(opts), scaleByLearningRate(learningRate));
}

/** Adam with Nesterov momentum (NAdam, Dozat 2016): `adam` with `nesterov: true`. */
export function nadam(learningRate: ScalarOrSchedule, opts?: Omit<AdamOptions, "nesterov">): GT;
export function nadam(learningRate: ScalarOrSchedule, b1?: ArrayLike, b2?: ArrayLike, eps?: ArrayLike, epsRoot?: ArrayLike, muDtype?: DType | null): GT;
export function nadam(...args: unknown[]): GT {
  const { learningRate, ...opts } = bindArgs("optax.nadam", args, { learningRate: lr, ...ADAM_ARGS });
  return chain(scaleByAdam({ ...opts, nesterov: true }), scaleByLearningRate(learningRate));
}

export interface AdamwOptions extends AdamOptions {
  /** Decoupled weight decay (default 1e-4); a number or a schedule. */
  weightDecay?: ScalarOrSchedule;
  /** Which parameters to decay: a boolean tree or a function of the parameters. */
  mask?: MaskOrFn | null;
}

const ADAMW_ARGS = { ...ADAM_ARGS, weightDecay: scalarOrSchedule, mask: maskOrFn };

function adamwImpl(learningRate: ScalarOrSchedule, opts: AdamwOptions): GT {
  const { weightDecay = 1e-4, mask = null, ...adamOpts } = opts;
  return chain(scaleByAdam(adamOpts), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}

/** Adam with decoupled weight decay (Loshchilov & Hutter, 2019): `adamw(lr, b1?, b2?, eps?, epsRoot?, muDtype?, weightDecay?, mask?)`. */
export function adamw(learningRate: ScalarOrSchedule, opts?: AdamwOptions): GT;
export function adamw(
  learningRate: ScalarOrSchedule,
  b1?: ArrayLike,
  b2?: ArrayLike,
  eps?: ArrayLike,
  epsRoot?: ArrayLike,
  muDtype?: DType | null,
  weightDecay?: ScalarOrSchedule,
  mask?: MaskOrFn | null,
): GT;
export function adamw(...args: unknown[]): GT {
  const { learningRate, ...opts } = bindArgs("optax.adamw", args, { learningRate: lr, ...ADAMW_ARGS, nesterov: keywordOnly(bool) });
  return adamwImpl(learningRate, opts);
}

/** AdamW with Nesterov momentum: `adamw` with `nesterov: true`. */
export function nadamw(learningRate: ScalarOrSchedule, opts?: Omit<AdamwOptions, "nesterov">): GT;
export function nadamw(
  learningRate: ScalarOrSchedule,
  b1?: ArrayLike,
  b2?: ArrayLike,
  eps?: ArrayLike,
  epsRoot?: ArrayLike,
  muDtype?: DType | null,
  weightDecay?: ScalarOrSchedule,
  mask?: MaskOrFn | null,
): GT;
export function nadamw(...args: unknown[]): GT {
  const { learningRate, ...opts } = bindArgs("optax.nadamw", args, { learningRate: lr, ...ADAMW_ARGS });
  return adamwImpl(learningRate, { ...opts, nesterov: true });
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

const RMSPROP = {
  learningRate: lr,
  decay: arrayLike,
  eps: arrayLike,
  initialScale: arrayLike,
  epsInSqrt: bool,
  centered: bool,
  momentum: orNull(arrayLike),
  nesterov: bool,
  biasCorrection: bool,
};

/** RMSProp (Hinton), optionally centered (Graves, 2013) and with momentum; positional in optax's order. */
export function rmsprop(learningRate: ScalarOrSchedule, opts?: RmspropOptions): GT;
export function rmsprop(
  learningRate: ScalarOrSchedule,
  decay?: ArrayLike,
  eps?: ArrayLike,
  initialScale?: ArrayLike,
  epsInSqrt?: boolean,
  centered?: boolean,
  momentum?: ArrayLike | null,
  nesterov?: boolean,
  biasCorrection?: boolean,
): GT;
export function rmsprop(...args: unknown[]): GT {
  const o = bindArgs("optax.rmsprop", args, RMSPROP);
  const { decay = 0.9, eps = 1e-8, initialScale = 0.0, epsInSqrt = true, centered = false, momentum = null, nesterov = false, biasCorrection = false } = o;
  const scaling = (centered ? scaleByStddev : scaleByRms)({ decay, eps, initialScale, epsInSqrt, biasCorrection });
  return chain(scaling, scaleByLearningRate(o.learningRate), momentum === null ? identity() : trace({ decay: momentum, nesterov }));
}

export interface AdagradOptions {
  initialAccumulatorValue?: ArrayLike;
  eps?: ArrayLike;
}

/** Adagrad (Duchi et al., 2011): `adagrad(lr, initialAccumulatorValue?, eps?)`. */
export function adagrad(learningRate: ScalarOrSchedule, opts?: AdagradOptions): GT;
export function adagrad(learningRate: ScalarOrSchedule, initialAccumulatorValue?: ArrayLike, eps?: ArrayLike): GT;
export function adagrad(...args: unknown[]): GT {
  const o = bindArgs("optax.adagrad", args, { learningRate: lr, initialAccumulatorValue: arrayLike, eps: arrayLike });
  const { initialAccumulatorValue = 0.1, eps = 1e-7 } = o;
  return chain(scaleByRss({ initialAccumulatorValue, eps }), scaleByLearningRate(o.learningRate));
}

export interface LambOptions {
  b1?: ArrayLike;
  b2?: ArrayLike;
  eps?: ArrayLike;
  epsRoot?: ArrayLike;
  weightDecay?: ScalarOrSchedule;
  mask?: MaskOrFn | null;
}

const LAMB = { learningRate: lr, b1: arrayLike, b2: arrayLike, eps: arrayLike, epsRoot: arrayLike, weightDecay: scalarOrSchedule, mask: maskOrFn };

/** LAMB (You et al., 2020): Adam, weight decay, then a per-leaf trust ratio; positional in optax's order. */
export function lamb(learningRate: ScalarOrSchedule, opts?: LambOptions): GT;
export function lamb(
  learningRate: ScalarOrSchedule,
  b1?: ArrayLike,
  b2?: ArrayLike,
  eps?: ArrayLike,
  epsRoot?: ArrayLike,
  weightDecay?: ScalarOrSchedule,
  mask?: MaskOrFn | null,
): GT;
export function lamb(...args: unknown[]): GT {
  const o = bindArgs("optax.lamb", args, LAMB);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-6, epsRoot = 0.0, weightDecay = 0.0, mask = null } = o;
  return chain(
    scaleByAdam({ b1, b2, eps, epsRoot }),
    addDecayedWeights(weightDecay, mask),
    scaleByTrustRatio(),
    scaleByLearningRate(o.learningRate),
  );
}

export interface LionOptions {
  b1?: ArrayLike;
  b2?: ArrayLike;
  muDtype?: DType | null;
  weightDecay?: ScalarOrSchedule;
  mask?: MaskOrFn | null;
}

const LION = { learningRate: lr, b1: arrayLike, b2: arrayLike, muDtype: orNull(dtype), weightDecay: scalarOrSchedule, mask: maskOrFn };

/** Lion (Chen et al., 2023): the sign of an interpolated momentum, with decoupled weight decay (default 1e-3). */
export function lion(learningRate: ScalarOrSchedule, opts?: LionOptions): GT;
export function lion(
  learningRate: ScalarOrSchedule,
  b1?: ArrayLike,
  b2?: ArrayLike,
  muDtype?: DType | null,
  weightDecay?: ScalarOrSchedule,
  mask?: MaskOrFn | null,
): GT;
export function lion(...args: unknown[]): GT {
  const o = bindArgs("optax.lion", args, LION);
  const { b1 = 0.9, b2 = 0.99, muDtype = null, weightDecay = 1e-3, mask = null } = o;
  return chain(scaleByLion({ b1, b2, muDtype }), addDecayedWeights(weightDecay, mask), scaleByLearningRate(o.learningRate));
}
