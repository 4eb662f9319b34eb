/**
 * `interpret`: gradient attributions for a classifier `f` that maps a batch to per-class scores
 * ([N, ...] -> [N, K]; logits or log-probabilities). Each method explains the score of one
 * class per example, `target` (an int32 array of N class indices, default the argmax of
 * `f(x)`), and returns attributions shaped like `x`:
 *
 * - `saliency`: the gradient of the target score with respect to the input (Simonyan et al.
 *   2013). Signed; heatmaps usually show its absolute value.
 * - `smoothGrad`: the saliency averaged over `samples` copies of the input with Gaussian noise of
 *   standard deviation `sigma` added (Smilkov et al. 2017); `sigma` is in input units, so 0.15
 *   is the paper's 15% noise level for inputs in [0, 1].
 * - `integratedGradients`: (x - baseline) times the gradient averaged along the straight path
 *   from `baseline` (default zeros) to x (Sundararajan et al. 2017), with the trapezoidal rule
 *   over `steps` intervals. Completeness: the attributions of an example sum to
 *   f(x)[t] - f(baseline)[t] up to the quadrature error, which is O(1/steps^2) for a smooth f
 *   (and O(1/steps) per ReLU kink the path crosses); test/interpret checks it.
 *
 * Per-example gradients are taken with `vmap(grad(...))` over the batch (so `f` may mix examples,
 * as BatchNorm in train mode does, without leaking gradients between them), and the whole
 * computation (every noisy copy or path point as one batch) runs as one jitted program. Each
 * call compiles anew, because `f` is usually a closure over parameters that change; to reuse
 * the compiled program, call these inside your own `jit` with the parameters as an argument:
 * `jit((p, x) => interpret.saliency((b) => apply(p, b), x))`.
 */
import { JArray } from "../core/array.js";
import { bindArgs, fn, kind, keywordOnly, nonNegInt, num, refine, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import { grad } from "../autodiff/api.js";
import * as np from "../numpy/index.js";
import * as random from "../random/index.js";
import { evalShape } from "../transforms/makeJaxpr.js";
import { jit } from "../transforms/jit.js";
import { vmap } from "../vmap/api.js";

export type Scores = (batch: JArray) => JArray;

const F = required(fn);
const X = required(kind<JArray>("an array (a batch of inputs)", (v) => v instanceof JArray));
const TARGET = keywordOnly(kind<JArray>("an int32 array of class indices", (v) => v instanceof JArray));
const positiveInt = refine(nonNegInt, "a positive integer", (v) => v > 0);

/** Checks `f`'s output on `x` and returns the target classes (given, or the argmax). */
function targetsFor(fname: string, f: Scores, x: JArray, target: JArray | undefined): JArray {
  if (x.ndim < 1) throw new ValueError(`${fname}: x must be a batch (rank >= 1), got a scalar`);
  const n = x.shape[0]!;
  const out = evalShape(f)(x) as { shape: number[]; dtype: string };
  if (out === null || typeof out !== "object" || !Array.isArray(out.shape) || out.shape.length !== 2 || out.shape[0] !== n)
    throw new ValueError(
      `${fname}: f must map a batch of ${n} to scores of shape [${n}, numClasses], but f(x) for x of shape [${x.shape.join(", ")}] has shape ${Array.isArray(out?.shape) ? `[${out.shape.join(", ")}]` : "(not an array)"}`,
    );
  if (target === undefined) return np.argmax(f(x), -1);
  if (target.dtype !== "int32" || target.ndim !== 1 || target.shape[0] !== n)
    throw new ValueError(`${fname}: target must be int32 of shape [${n}] (one class per example of x [${x.shape.join(", ")}]), got ${target.dtype}[${target.shape.join(", ")}]`);
  return target;
}

/** Per-example gradients of the target score: [N, ...] and [N] int32 -> [N, ...]. */
function targetGradients(f: Scores, x: JArray, target: JArray): JArray {
  const score = (xi: JArray, ti: JArray) => {
    const scores = f(np.expandDims(xi, 0)).slice(0);
    return np.sum(np.where(np.equal(np.arange(scores.shape[0]!), ti), scores, 0));
  };
  return vmap(grad(score), [0, 0])(x, target) as JArray;
}

/** Stacks `copies` ([S, N, ...]) into one batch, takes the target gradients, and restores [S, N, ...]. */
function gradientsOfCopies(f: Scores, copies: JArray, target: JArray): JArray {
  const [s, n] = [copies.shape[0]!, copies.shape[1]!];
  const flat = np.reshape(copies, [s * n, ...copies.shape.slice(2)]);
  const targets = np.reshape(np.broadcastTo(target, [s, n]), [s * n]);
  return np.reshape(targetGradients(f, flat, targets), copies.shape);
}

/** `saliency(f, x, {target?})`: d f(x)[i, target_i] / d x_i for every example i. */
export function saliency(f: Scores, x: JArray, opts?: { target?: JArray }): JArray;
export function saliency(...args: unknown[]): JArray {
  const o = bindArgs("interpret.saliency", args, { f: F, x: X, target: TARGET });
  const target = targetsFor("interpret.saliency", o.f as Scores, o.x, o.target);
  return jit((x: JArray, t: JArray) => targetGradients(o.f as Scores, x, t))(o.x, target);
}

/** `smoothGrad(f, key, x, {samples = 25, sigma = 0.15, target?})`: the saliency averaged over noisy copies of x. */
export function smoothGrad(f: Scores, key: JArray, x: JArray, opts?: { samples?: number; sigma?: number; target?: JArray }): JArray;
export function smoothGrad(...args: unknown[]): JArray {
  const o = bindArgs("interpret.smoothGrad", args, {
    f: F,
    key: required(kind<JArray>("a PRNG key", (v) => v instanceof JArray)),
    x: X,
    samples: keywordOnly(positiveInt),
    sigma: keywordOnly(refine(num, "a non-negative number", (v) => v >= 0)),
    target: TARGET,
  });
  const target = targetsFor("interpret.smoothGrad", o.f as Scores, o.x, o.target);
  const samples = o.samples ?? 25;
  const sigma = o.sigma ?? 0.15;
  return jit((key: JArray, x: JArray, t: JArray) => {
    const noise = np.multiply(random.normal(key, [samples, ...x.shape], x.dtype === "float64" ? "float64" : "float32"), sigma);
    return np.mean(gradientsOfCopies(o.f as Scores, np.add(x, noise), t), 0);
  })(o.key, o.x, target);
}

/**
 * `integratedGradients(f, x, {baseline = zeros, steps = 50, target?})`: (x - baseline) times the
 * path-averaged gradient, trapezoidal rule over `steps` intervals.
 */
export function integratedGradients(f: Scores, x: JArray, opts?: { baseline?: JArray | number; steps?: number; target?: JArray }): JArray;
export function integratedGradients(...args: unknown[]): JArray {
  const o = bindArgs("interpret.integratedGradients", args, {
    f: F,
    x: X,
    baseline: keywordOnly(kind<JArray | number>("an array broadcastable to x, or a number", (v) => typeof v === "number" || v instanceof JArray)),
    steps: keywordOnly(positiveInt),
    target: TARGET,
  });
  const target = targetsFor("interpret.integratedGradients", o.f as Scores, o.x, o.target);
  const steps = o.steps ?? 50;
  const baseline = np.broadcastTo(o.baseline ?? 0, o.x.shape).astype(o.x.dtype);
  // Trapezoidal weights on alpha = 0, 1/steps, ..., 1.
  const weights = Float32Array.from({ length: steps + 1 }, (_, k) => (k === 0 || k === steps ? 0.5 : 1) / steps);
  return jit((x: JArray, b: JArray, t: JArray) => {
    const lead = [steps + 1, ...x.shape.map(() => 1)];
    const alphas = np.reshape(np.linspace(0, 1, steps + 1).astype(x.dtype), lead);
    const delta = np.subtract(x, b);
    const path = np.add(b, np.multiply(alphas, delta));
    const grads = gradientsOfCopies(o.f as Scores, path, t);
    const avg = np.sum(np.multiply(grads, np.reshape(np.array(weights).astype(x.dtype), lead)), 0);
    return np.multiply(delta, avg);
  })(o.x, baseline, target);
}
