/**
 * `nn` activations. relu, softmax and logSoftmax carry custom jvp rules as in JAX, so their
 * gradients are exact at 0 (relu) and stable for large inputs (softmax, logSoftmax).
 */
import { arrayLike, bindArgs, bool, dtype as dtypeKind, int, intOrInts, keywordOnly, nonNegInt, orNull, required } from "../core/options.js";
import { customJvp } from "../autodiff/custom.js";
import type { ArrayLike, JArray } from "../core/array.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import { asArray, promoteArgsInexact } from "../numpy/util.js";

const inexact = (x: ArrayLike, fn: string): JArray => promoteArgsInexact(fn, [x])[0]!;

/** max(x, 0), with gradient 0 at 0 as in JAX. */
export const relu = customJvp(function relu(x: ArrayLike): JArray {
  return np.maximum(x, 0);
}).defjvp(([x], [t]) => {
  const a = asArray(x, "relu");
  const y = relu(a);
  return [y, np.where(np.greater(a, 0), t as JArray, 0)];
});

export function relu6(x: ArrayLike): JArray {
  return np.minimum(np.maximum(x, 0), 6);
}

export function sigmoid(x: ArrayLike): JArray {
  return lax.logistic(inexact(x, "sigmoid"));
}

export function softplus(x: ArrayLike): JArray {
  return np.logaddexp(inexact(x, "softplus"), 0);
}

export function logSigmoid(x: ArrayLike): JArray {
  return np.negative(softplus(np.negative(inexact(x, "logSigmoid"))));
}

export function silu(x: ArrayLike): JArray {
  const a = inexact(x, "silu");
  return np.multiply(a, sigmoid(a));
}
export const swish = silu;

export function elu(x: ArrayLike, alpha = 1.0): JArray {
  const a = inexact(x, "elu");
  const safe = np.where(np.greater(a, 0), 0, a);
  return np.where(np.greater(a, 0), a, np.multiply(alpha, np.expm1(safe)));
}

export function leakyRelu(x: ArrayLike, negativeSlope = 0.01): JArray {
  const a = inexact(x, "leakyRelu");
  return np.where(np.greaterEqual(a, 0), a, np.multiply(negativeSlope, a));
}

/** GELU; `approximate` (the default, as in JAX) uses the tanh form: `gelu(x, approximate?)` or `gelu(x, {approximate})`. */
export function gelu(x: ArrayLike, opts?: { approximate?: boolean }): JArray;
export function gelu(x: ArrayLike, approximate?: boolean): JArray;
export function gelu(...args: unknown[]): JArray {
  const { x, ...opts } = bindArgs("nn.gelu", args, { x: required(arrayLike), approximate: bool });
  const a = inexact(x, "gelu");
  if (opts.approximate ?? true) {
    const c = Math.sqrt(2 / Math.PI);
    const inner = np.multiply(c, np.add(a, np.multiply(0.044715, np.power(a, 3))));
    return np.multiply(np.multiply(0.5, a), np.add(1, np.tanh(inner)));
  }
  return np.multiply(np.multiply(0.5, a), np.add(1, lax.erf(np.divide(a, Math.SQRT2))));
}

type Axis = number | readonly number[];
const axisKey = (axis: Axis) => JSON.stringify(axis);

function softmaxImpl(x: JArray, axis: Axis): JArray {
  const unnormalized = np.exp(np.subtract(x, lax.stopGradient(np.max(x, axis, { keepdims: true }))));
  return np.divide(unnormalized, np.sum(unnormalized, axis, { keepdims: true }));
}

const softmaxByAxis = new Map<string, (x: JArray) => JArray>();
const logSoftmaxByAxis = new Map<string, (x: JArray) => JArray>();

/** `softmax(x, axis=-1)`, with JAX's custom jvp `y * (t - sum(y * t))`. */
export function softmax(x: ArrayLike, axis: Axis = -1): JArray {
  const key = axisKey(axis);
  let f = softmaxByAxis.get(key);
  if (f === undefined) {
    const g = customJvp(function softmax(a: JArray): JArray {
      return softmaxImpl(a, axis);
    }).defjvp(([a], [t]) => {
      const y = softmaxImpl(a, axis);
      return [y, np.multiply(y, np.subtract(t, np.sum(np.multiply(y, t), axis, { keepdims: true })))];
    });
    f = g;
    softmaxByAxis.set(key, f);
  }
  return f(inexact(x, "softmax"));
}

function logSoftmaxImpl(x: JArray, axis: Axis): JArray {
  const shifted = np.subtract(x, lax.stopGradient(np.max(x, axis, { keepdims: true })));
  return np.subtract(shifted, np.log(np.sum(np.exp(shifted), axis, { keepdims: true })));
}

/** `logSoftmax(x, axis=-1)`, stable for large inputs; its jvp is `t - sum(softmax(x) * t)`. */
export function logSoftmax(x: ArrayLike, axis: Axis = -1): JArray {
  const key = axisKey(axis);
  let f = logSoftmaxByAxis.get(key);
  if (f === undefined) {
    const g = customJvp(function logSoftmax(a: JArray): JArray {
      return logSoftmaxImpl(a, axis);
    }).defjvp(([a], [t]) => {
      const y = logSoftmaxImpl(a, axis);
      return [y, np.subtract(t, np.sum(np.multiply(np.exp(y), t), axis, { keepdims: true }))];
    });
    f = g;
    logSoftmaxByAxis.set(key, f);
  }
  return f(inexact(x, "logSoftmax"));
}

/** `logsumexp(a, axis?, b?, keepdims?)` in JAX's order, or `logsumexp(a, axis, {b, keepdims})`. */
export function logsumexp(x: ArrayLike, axis?: number | readonly number[] | null, opts?: { keepdims?: boolean; b?: ArrayLike | null }): JArray;
export function logsumexp(x: ArrayLike, axis?: number | readonly number[] | null, b?: ArrayLike | null, keepdims?: boolean): JArray;
export function logsumexp(...args: unknown[]): JArray {
  const { a, axis, ...opts } = bindArgs("nn.logsumexp", args, { a: required(arrayLike), axis: orNull(intOrInts), b: orNull(arrayLike), keepdims: bool });
  return np.logsumexp(a, axis, opts);
}

/** One-hot encoding of integer labels along a new last axis (float32 by default). */
export function oneHot(x: ArrayLike, numClasses: number, opts: { dtype?: np.DType; axis?: number } = {}): JArray {
  // JAX's dtype and axis are keyword-only.
  bindArgs("nn.oneHot", [...arguments], { x: required(arrayLike), numClasses: required(nonNegInt), dtype: keywordOnly(dtypeKind), axis: keywordOnly(int) });
  const labels = asArray(x, "oneHot");
  const classes = np.arange(numClasses);
  const expanded = np.expandDims(labels, opts.axis ?? -1);
  const shape = labels.shape.map(() => 1);
  const axis = opts.axis === undefined || opts.axis === -1 ? labels.ndim : opts.axis < 0 ? opts.axis + labels.ndim + 1 : opts.axis;
  shape.splice(axis, 0, numClasses);
  return np.equal(expanded, np.reshape(classes, shape)).astype(opts.dtype ?? "float32");
}
