/**
 * optax's losses. Each returns per-example (or per-element) losses with no reduction, as optax
 * does; reduce with `np.mean` or `np.sum`.
 */
import { isFloat, isInt } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import { logSigmoid, logSoftmax } from "../nn/activations.js";
import * as np from "../numpy/index.js";
import { normalizeAxes, normalizeAxis, shapeStr } from "../numpy/util.js";
import { arrayLike, bindArgs, intOrInts, keywordOnly, orNull, required } from "../core/options.js";

/** optax's losses: predictions/targets positional, then optax's own trailing arguments. */
const ARR = required(arrayLike);
const TARGETS = orNull(arrayLike);

const asArr = (x: ArrayLike): JArray => (x instanceof JArray ? x : np.asarray(x));

function floating(x: ArrayLike, fn: string, what: string): JArray {
  const a = asArr(x);
  if (!isFloat(a.dtype))
    throw new TypeError(`optax.${fn}: Expected the input to have a dtype that is a subdtype of floating, got ${a.dtype} instead (${what})`);
  return a;
}

function sameShape(a: JArray, b: JArray, fn: string): void {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i]))
    throw new ValueError(`optax.${fn}: Shape mismatch: got ${shapeStr(a)} and ${shapeStr(b)}.`);
}

/** `(predictions - targets) ** 2` elementwise (targets default to 0); shapes must match. */
export function squaredError(predictions: ArrayLike, targets?: ArrayLike | null): JArray {
  bindArgs("optax.squaredError", [...arguments], { predictions: ARR, targets: TARGETS });
  const p = floating(predictions, "squaredError", "predictions");
  let errors = p;
  if (targets !== undefined && targets !== null) {
    const t = asArr(targets);
    sameShape(p, t, "squaredError");
    errors = np.subtract(p, t);
  }
  return np.power(errors, 2);
}

/** Half the squared error: `0.5 * (predictions - targets) ** 2`. */
export function l2Loss(predictions: ArrayLike, targets?: ArrayLike | null): JArray {
  bindArgs("optax.l2Loss", [...arguments], { predictions: ARR, targets: TARGETS });
  return np.multiply(0.5, squaredError(predictions, targets));
}

/** Huber loss: quadratic for errors up to `delta`, linear beyond (`0.5 * q**2 + delta * (|e| - q)`, `q = min(|e|, delta)`). */
export function huberLoss(predictions: ArrayLike, targets?: ArrayLike | null, opts?: { delta?: ArrayLike }): JArray;
export function huberLoss(...args: unknown[]): JArray {
  // optax's delta is keyword-only.
  const { predictions, targets, delta = 1.0 } = bindArgs("optax.huberLoss", args, { predictions: ARR, targets: TARGETS, delta: keywordOnly(arrayLike) });
  const p = floating(predictions, "huberLoss", "predictions");
  const errors = targets === undefined || targets === null ? p : np.subtract(p, targets);
  const absErrors = np.abs(errors);
  const quadratic = np.minimum(absErrors, delta);
  const linear = np.subtract(absErrors, quadratic);
  return np.add(np.multiply(0.5, np.power(quadratic, 2)), np.multiply(delta, linear));
}

type Axis = number | readonly number[];

/**
 * Cross entropy between `labels` (one-hot or probabilities along `axis`) and the softmax of
 * `logits`: `-sum(labels * logSoftmax(logits), axis)`.
 */
export function softmaxCrossEntropy(logits: ArrayLike, labels: ArrayLike, opts?: { axis?: Axis }): JArray;
export function softmaxCrossEntropy(logits: ArrayLike, labels: ArrayLike, axis?: Axis): JArray;
export function softmaxCrossEntropy(...args: unknown[]): JArray {
  const { logits, labels, axis = -1 } = bindArgs("optax.softmaxCrossEntropy", args, { logits: ARR, labels: ARR, axis: intOrInts });
  const x = floating(logits, "softmaxCrossEntropy", "logits");
  const logProbs = logSoftmax(x, axis);
  return np.negative(np.sum(np.multiply(labels, logProbs), axis));
}

/**
 * Softmax cross entropy with integer class labels: `logsumexp(logits, axis) - logits[label]`.
 * `labels` has the shape of `logits` without `axis`. A list of axes is flattened into one class
 * axis (after moving the other axes to the front), as optax does.
 */
export function softmaxCrossEntropyWithIntegerLabels(logits: ArrayLike, labels: ArrayLike, opts?: { axis?: Axis }): JArray;
export function softmaxCrossEntropyWithIntegerLabels(logits: ArrayLike, labels: ArrayLike, axis?: Axis): JArray;
export function softmaxCrossEntropyWithIntegerLabels(...args: unknown[]): JArray {
  const fn = "softmaxCrossEntropyWithIntegerLabels";
  const { logits, labels, ...opts } = bindArgs(`optax.${fn}`, args, { logits: ARR, labels: ARR, axis: intOrInts });
  let x = floating(logits, fn, "logits");
  const y = asArr(labels);
  if (!isInt(y.dtype))
    throw new TypeError(`optax.${fn}: Expected the input to have a dtype that is a subdtype of integer, got ${y.dtype} instead (labels)`);
  const axisOpt = opts.axis ?? -1;
  let axis: number;
  if (typeof axisOpt === "number") axis = normalizeAxis(`optax.${fn}`, axisOpt, x.ndim);
  else {
    const logitAxes = normalizeAxes(`optax.${fn}`, axisOpt, x.ndim);
    const batchAxes = x.shape.map((_, i) => i).filter((i) => !logitAxes.includes(i));
    axis = batchAxes.length;
    x = np.transpose(x, [...batchAxes, ...logitAxes]);
    x = np.reshape(x, [...x.shape.slice(0, batchAxes.length), -1]);
  }
  const labelLogits = np.squeeze(np.takeAlongAxis(x, np.expandDims(y, axis), axis), axis);
  const logNormalizers = np.logsumexp(x, axis);
  return np.subtract(logNormalizers, labelLogits);
}

/**
 * Binary cross entropy of `sigmoid(logits)` against `labels` (0/1 or probabilities):
 * `-labels * logSigmoid(logits) - (1 - labels) * logSigmoid(-logits)`.
 */
export function sigmoidBinaryCrossEntropy(logits: ArrayLike, labels: ArrayLike): JArray {
  bindArgs("optax.sigmoidBinaryCrossEntropy", [...arguments], { logits: ARR, labels: ARR });
  const x = floating(logits, "sigmoidBinaryCrossEntropy", "logits");
  const y = asArr(labels).astype(x.dtype);
  const logP = logSigmoid(x);
  const logNotP = logSigmoid(np.negative(x));
  return np.subtract(np.multiply(np.negative(y), logP), np.multiply(np.subtract(1.0, y), logNotP));
}
