/**
 * `nn` activations. relu, softmax and logSoftmax carry custom jvp rules as in JAX, so their
 * gradients are exact at 0 (relu) and stable for large inputs (softmax, logSoftmax).
 */
import { arrayLike, bindArgs, bool, dtype as dtypeKind, int, intOrInts, keywordOnly, nonNegInt, num, orNull, required } from "../core/options.js";
import { showShape } from "../../ir/aval.js";
import { ValueError } from "../errors.js";
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

// --- more activations, with jax.nn's formulas -------------------------------------------------

/** Continuously differentiable ELU: `max(x, 0) + alpha * expm1(min(x, 0) / alpha)`: `celu(x, alpha = 1)`. */
export function celu(x: ArrayLike, alpha?: number): JArray;
export function celu(x: ArrayLike, opts?: { alpha?: number }): JArray;
export function celu(...args: unknown[]): JArray {
  const o = bindArgs("nn.celu", args, { x: required(arrayLike), alpha: num });
  const a = inexact(o.x, "nn.celu");
  const alpha = o.alpha ?? 1;
  return np.add(np.maximum(a, 0), np.multiply(alpha, np.expm1(np.divide(np.minimum(a, 0), alpha))));
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** Scaled ELU with the self-normalizing constants. */
export function selu(x: ArrayLike): JArray {
  return np.multiply(SELU_SCALE, elu(inexact(x, "nn.selu"), SELU_ALPHA));
}

/** Gated linear unit: the first half of `axis` times the sigmoid of the second: `glu(x, axis = -1)`. */
export function glu(x: ArrayLike, axis?: number): JArray;
export function glu(x: ArrayLike, opts?: { axis?: number }): JArray;
export function glu(...args: unknown[]): JArray {
  const o = bindArgs("nn.glu", args, { x: required(arrayLike), axis: int });
  const a = asArray(o.x, "nn.glu: argument x");
  const axis = o.axis ?? -1;
  const ax = axis < 0 ? axis + a.ndim : axis;
  if (a.ndim === 0 || ax < 0 || ax >= a.ndim) throw new ValueError(`nn.glu: axis ${axis} is out of bounds for shape ${showShape(a.shape)}`);
  if (a.shape[ax]! % 2 !== 0) throw new ValueError(`nn.glu: axis ${axis} of shape ${showShape(a.shape)} must have an even size to split in two`);
  const [x1, x2] = np.split(a, 2, ax) as [JArray, JArray];
  return np.multiply(x1, sigmoid(x2));
}

/** `relu6(x + 3) / 6`. */
export function hardSigmoid(x: ArrayLike): JArray {
  return np.divide(relu6(np.add(inexact(x, "nn.hardSigmoid"), 3)), 6);
}

/** `x * hardSigmoid(x)`. */
export function hardSilu(x: ArrayLike): JArray {
  const a = inexact(x, "nn.hardSilu");
  return np.multiply(a, hardSigmoid(a));
}
export const hardSwish = hardSilu;

/** `x` clipped to [-1, 1]. */
export function hardTanh(x: ArrayLike): JArray {
  const a = inexact(x, "nn.hardTanh");
  return np.where(np.greater(a, 1), 1, np.where(np.less(a, -1), -1, a));
}

/** The identity activation. */
export function identity(x: ArrayLike): JArray {
  return asArray(x, "nn.identity");
}

/** `log(1 - exp(-x))`, accurate on both sides of log 2 (log(-expm1(-x)) below, log1p(-exp(-x)) above). */
export function log1mexp(x: ArrayLike): JArray {
  const a = inexact(x, "nn.log1mexp");
  return np.where(np.less(a, Math.LN2), np.log(np.negative(np.expm1(np.negative(a)))), np.log1p(np.negative(np.exp(np.negative(a)))));
}

/** `x * tanh(softplus(x))`. */
export function mish(x: ArrayLike): JArray {
  const a = inexact(x, "nn.mish");
  return np.multiply(a, np.tanh(softplus(a)));
}

/** `x / (|x| + 1)`. */
export function softSign(x: ArrayLike): JArray {
  const a = inexact(x, "nn.softSign");
  return np.divide(a, np.add(np.abs(a), 1));
}

/** 0 below -1, x above 1, and `(x + 1)^2 / 4` between: a smooth relu. */
export function sparsePlus(x: ArrayLike): JArray {
  const a = inexact(x, "nn.sparsePlus");
  return np.where(np.lessEqual(a, -1), 0, np.where(np.greaterEqual(a, 1), a, np.divide(np.square(np.add(a, 1)), 4)));
}

/** `clip((x + 1) / 2, 0, 1)`: sparsePlus's derivative. */
export function sparseSigmoid(x: ArrayLike): JArray {
  return np.multiply(0.5, np.clip(np.add(inexact(x, "nn.sparseSigmoid"), 1), 0, 2));
}

/** `(x + sqrt(x^2 + b)) / 2`: `squareplus(x, b = 4)`. */
export function squareplus(x: ArrayLike, b?: ArrayLike): JArray;
export function squareplus(x: ArrayLike, opts?: { b?: ArrayLike }): JArray;
export function squareplus(...args: unknown[]): JArray {
  const o = bindArgs("nn.squareplus", args, { x: required(arrayLike), b: arrayLike });
  const a = inexact(o.x, "nn.squareplus");
  return np.divide(np.add(a, np.sqrt(np.add(np.square(a), o.b ?? 4))), 2);
}
