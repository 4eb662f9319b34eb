/**
 * `adversarial`: L-infinity attacks on a differentiable loss and adversarial training.
 *
 * - `fgsm(lossFn, x, y, eps, {clip?})`: the fast gradient sign method (Goodfellow et al. 2015),
 *   x + eps * sign(d lossFn(x, y) / dx), clipped to `clip: [lo, hi]` when given.
 * - `pgd(lossFn, key, x, y, {eps, stepSize, steps, randomStart = true, clip?})`: projected
 *   gradient descent on the negated loss (Madry et al. 2018): from a uniform random start in the
 *   eps ball, `steps` signed-gradient steps of `stepSize`, each projected back onto the ball
 *   around x and into `clip`. The steps run as one `lax.foriLoop`, so under `jit` the attack is
 *   one compiled loop.
 * - `trainStep(lossFn, optimizer, {eps, attack?, steps?, stepSize?, ...})`: a jitted training
 *   step on adversarial examples made against the current parameters.
 *
 * `lossFn(x, y)` returns a scalar (a mean over the batch); both attacks return the adversarial
 * batch, shaped like x.
 */
import { JArray } from "../core/array.js";
import { any, bindArgs, bool, fn, keywordOnly, kind, nonNegInt, num, object, oneOf, refine, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import { grad, valueAndGrad } from "../autodiff/api.js";
import { stopGradient } from "../autodiff/stopGradient.js";
import { foriLoop } from "../controlFlow/loops.js";
import * as np from "../numpy/index.js";
import type { GradientTransformation } from "../optax/base.js";
import { applyUpdates } from "../optax/index.js";
import * as random from "../random/index.js";
import { jit } from "../transforms/jit.js";

type Loss = (x: JArray, y: JArray) => JArray;
type Range = readonly [number, number];

const X = required(kind<JArray>("an array (a batch of inputs)", (v) => v instanceof JArray));
const nonNeg = refine(num, "a non-negative number", (v) => v >= 0);
/** eps and step sizes: a non-negative number, or a scalar array (traced under jit, so one program serves every eps). */
const size = kind<number | JArray>("a non-negative number or a scalar array", (v) => (typeof v === "number" && v >= 0) || (v instanceof JArray && v.ndim === 0));
const range = kind<Range>("a pair [lo, hi] with lo <= hi", (v) => Array.isArray(v) && v.length === 2 && v.every((b) => typeof b === "number") && (v as number[])[0]! <= (v as number[])[1]!);

function checkX(fname: string, x: JArray): void {
  if (x.dtype !== "float32" && x.dtype !== "float64") throw new ValueError(`${fname}: x must be floats, got ${x.dtype}[${x.shape.join(", ")}]`);
}

const clipTo = (x: JArray, clip: Range | undefined) => (clip === undefined ? x : np.clip(x, clip[0], clip[1]));

/** `fgsm(lossFn, x, y, eps, {clip?})`: one signed-gradient step of size eps that increases the loss. */
export function fgsm(lossFn: Loss, x: JArray, y: JArray, eps: number | JArray, opts?: { clip?: Range }): JArray;
export function fgsm(...args: unknown[]): JArray {
  const o = bindArgs("adversarial.fgsm", args, { lossFn: required(fn), x: X, y: required(any), eps: required(size), clip: keywordOnly(range) });
  checkX("adversarial.fgsm", o.x);
  const g = grad(o.lossFn as Loss)(o.x, o.y);
  return clipTo(np.add(o.x, np.multiply(o.eps, np.sign(g))), o.clip);
}

interface PgdOptions {
  eps: number | JArray;
  stepSize: number | JArray;
  steps: number;
  randomStart?: boolean;
  clip?: Range;
}
const PGD_OPTIONS = {
  eps: required(size, { keyword: true }),
  stepSize: required(size, { keyword: true }),
  steps: required(nonNegInt, { keyword: true }),
  randomStart: keywordOnly(bool),
  clip: keywordOnly(range),
};

function pgdAttack(lossFn: Loss, key: JArray, x: JArray, y: JArray, o: PgdOptions): JArray {
  const lo = np.subtract(x, o.eps);
  const hi = np.add(x, o.eps);
  const project = (xa: JArray) => clipTo(np.clip(xa, lo, hi), o.clip);
  const start = (o.randomStart ?? true) ? project(np.add(x, random.uniform(key, x.shape, x.dtype as "float32", np.negative(o.eps), o.eps))) : clipTo(x, o.clip);
  const step = (_i: JArray, xa: JArray) => project(np.add(xa, np.multiply(o.stepSize, np.sign(grad(lossFn)(xa, y)))));
  return foriLoop(0, o.steps, step, start);
}

/** `pgd(lossFn, key, x, y, {eps, stepSize, steps, randomStart = true, clip?})`: L-infinity PGD. */
export function pgd(lossFn: Loss, key: JArray, x: JArray, y: JArray, opts: PgdOptions): JArray;
export function pgd(...args: unknown[]): JArray {
  const o = bindArgs("adversarial.pgd", args, {
    lossFn: required(fn),
    key: required(kind<JArray>("a PRNG key", (v) => v instanceof JArray)),
    x: X,
    y: required(any),
    ...PGD_OPTIONS,
  });
  checkX("adversarial.pgd", o.x);
  return pgdAttack(o.lossFn as Loss, o.key, o.x, o.y as JArray, o);
}

export interface TrainStepOptions {
  /** The L-infinity radius. */
  eps: number;
  /** "pgd" (default) or "fgsm". */
  attack?: "pgd" | "fgsm";
  /** PGD steps (default 7). */
  steps?: number;
  /** PGD step size (default 2.5 * eps / steps, Madry et al.'s choice). */
  stepSize?: number;
  randomStart?: boolean;
  clip?: Range;
  /** Weight of the clean loss in the training loss, the rest on the adversarial loss (default 0). */
  cleanWeight?: number;
}

export type TrainStep<P, S> = (params: P, optState: S, key: JArray, x: JArray, y: JArray) => [P, S, JArray];

/**
 * `trainStep(lossFn, optimizer, {eps, attack?, steps?, stepSize?, randomStart?, clip?, cleanWeight?})`:
 * a jitted `(params, optState, key, x, y) -> [params, optState, loss]` that attacks the batch
 * against the current params (the attack is not differentiated through: the adversarial batch
 * is a constant for the update, as in Madry et al.), and takes one optimizer step on
 * `cleanWeight * lossFn(params, x, y) + (1 - cleanWeight) * lossFn(params, xAdv, y)`.
 * `lossFn(params, x, y)` returns a scalar. `key` is ignored by FGSM.
 */
export function trainStep<P, S>(lossFn: (params: P, x: JArray, y: JArray) => JArray, optimizer: GradientTransformation<S>, opts: TrainStepOptions): TrainStep<P, S>;
export function trainStep(...args: unknown[]): TrainStep<unknown, unknown> {
  const o = bindArgs("adversarial.trainStep", args, {
    lossFn: required(fn),
    optimizer: required(object),
    eps: required(nonNeg, { keyword: true }),
    attack: keywordOnly(oneOf("pgd", "fgsm")),
    steps: keywordOnly(nonNegInt),
    stepSize: keywordOnly(nonNeg),
    randomStart: keywordOnly(bool),
    clip: keywordOnly(range),
    cleanWeight: keywordOnly(refine(num, "a number in [0, 1]", (v) => v >= 0 && v <= 1)),
  });
  const lossFn = o.lossFn as (p: unknown, x: JArray, y: JArray) => JArray;
  const optimizer = o.optimizer as GradientTransformation<unknown>;
  const steps = o.steps ?? 7;
  const pgdOpts: PgdOptions = { eps: o.eps, steps, stepSize: o.stepSize ?? (2.5 * o.eps) / Math.max(steps, 1), randomStart: o.randomStart, clip: o.clip };
  const cleanWeight = o.cleanWeight ?? 0;
  return jit((params: unknown, optState: unknown, key: JArray, x: JArray, y: JArray) => {
    const lossOfX = (xx: JArray, yy: JArray) => lossFn(params, xx, yy);
    const xAdv = stopGradient(o.attack === "fgsm" ? fgsm(lossOfX, x, y, o.eps, { clip: o.clip }) : pgdAttack(lossOfX, key, x, y, pgdOpts));
    const training = (p: unknown) =>
      cleanWeight === 0 ? lossFn(p, xAdv, y) : np.add(np.multiply(cleanWeight, lossFn(p, x, y)), np.multiply(1 - cleanWeight, lossFn(p, xAdv, y)));
    const [loss, g] = valueAndGrad(training)(params);
    const [updates, newState] = optimizer.update(g, optState, params);
    return [applyUpdates(params, updates), newState, loss];
  }) as TrainStep<unknown, unknown>;
}
