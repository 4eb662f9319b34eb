/**
 * checkGrads (float64, orders 1 and 2, forward and reverse) of every optax loss, with respect to
 * each differentiable argument, over generated values that stay away from the losses' kinks
 * (huber's |error| = delta); plus gradients through an optimizer step with respect to its
 * hyperparameters, which shows that the state and the update are differentiable pytrees.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import * as np from "../../src/numpy/index.js";
import * as optax from "../../src/optax/index.js";
import { checkGrads } from "../../src/testing/index.js";
import * as tree from "../../src/tree.js";

type Arr = np.Array;
type Fn = (...args: any[]) => any;

const RUNS = 4;
const check = (f: Fn, args: unknown[], order = 2) => checkGrads(f, args, order, { modes: ["fwd", "rev"] });
const f64 = (data: readonly number[], shape: readonly number[]): Arr => np.array(Float64Array.from(data), { dtype: "float64", shape });
const values = (n: number, min: number, max: number) =>
  fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
/** Probabilities along the last axis of a [rows, cols] array. */
const probabilities = (rows: number, cols: number) =>
  values(rows * cols, 0.05, 1).map((v) => {
    const out = [...v];
    for (let r = 0; r < rows; r++) {
      const s = out.slice(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0);
      for (let c = 0; c < cols; c++) out[r * cols + c]! /= s;
    }
    return f64(out, [rows, cols]);
  });

describe("checkGrads of the optax losses (float64)", () => {
  it("squaredError and l2Loss, with and without targets", () => {
    fc.assert(
      fc.property(values(6, -3, 3), values(6, -3, 3), (p, t) => {
        const pred = f64(p, [2, 3]);
        const targ = f64(t, [2, 3]);
        check((a: Arr, b: Arr) => optax.squaredError(a, b), [pred, targ]);
        check((a: Arr) => optax.squaredError(a), [pred]);
        check((a: Arr, b: Arr) => optax.l2Loss(a, b), [pred, targ]);
        check((a: Arr) => optax.l2Loss(a), [pred]);
      }),
      { numRuns: RUNS },
    );
  });

  it("huberLoss away from |error| = delta (both regimes)", () => {
    // Errors in (-3, -1.2) ∪ (-0.8, 0.8) ∪ (1.2, 3) around delta = 1, targets 0 or fixed.
    const err = fc.oneof(fc.double({ min: -0.8, max: 0.8, noNaN: true }), fc.double({ min: 1.2, max: 3, noNaN: true }), fc.double({ min: -3, max: -1.2, noNaN: true }));
    fc.assert(
      fc.property(fc.array(err, { minLength: 6, maxLength: 6 }), (e) => {
        const pred = f64(e, [6]);
        check((a: Arr) => optax.huberLoss(a), [pred]);
        const targ = f64([0.5, -0.25, 1, 0, 2, -1], [6]);
        const predShifted = f64(e.map((v, i) => v + [0.5, -0.25, 1, 0, 2, -1][i]!), [6]);
        check((a: Arr, b: Arr) => optax.huberLoss(a, b), [predShifted, targ]);
        check((a: Arr) => optax.huberLoss(a, null, { delta: 1 }), [pred]);
      }),
      { numRuns: RUNS },
    );
  });

  it("softmaxCrossEntropy in logits and labels, along either axis", () => {
    fc.assert(
      fc.property(values(12, -4, 4), probabilities(3, 4), (l, labels) => {
        const logits = f64(l, [3, 4]);
        check((a: Arr, b: Arr) => optax.softmaxCrossEntropy(a, b), [logits, labels]);
        check((a: Arr, b: Arr) => optax.softmaxCrossEntropy(a, b, { axis: 0 }), [logits, labels]);
      }),
      { numRuns: RUNS },
    );
  });

  it("softmaxCrossEntropyWithIntegerLabels in logits (int axis and axis list)", () => {
    fc.assert(
      fc.property(values(12, -4, 4), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 }), (l, lab) => {
        const logits = f64(l, [3, 4]);
        const labels = np.array(Int32Array.from(lab));
        check((a: Arr) => optax.softmaxCrossEntropyWithIntegerLabels(a, labels), [logits]);
        const labels0 = np.array(Int32Array.from([lab[0]! % 3, lab[1]! % 3, lab[2]! % 3, 1]));
        check((a: Arr) => optax.softmaxCrossEntropyWithIntegerLabels(a, labels0, { axis: 0 }), [logits]);
        const flat = np.array(Int32Array.from([lab[0]! + 2, lab[1]!]));
        check((a: Arr) => optax.softmaxCrossEntropyWithIntegerLabels(a, flat, { axis: [1, 2] }), [f64(l, [2, 3, 2])]);
      }),
      { numRuns: RUNS },
    );
  });

  it("sigmoidBinaryCrossEntropy in logits and labels, large logits included", () => {
    // Logits away from 0 (the second derivative at 0 has its own test below).
    const awayFromZero = fc.tuple(fc.double({ min: 0.05, max: 6, noNaN: true }), fc.boolean()).map(([v, neg]) => (neg ? -v : v));
    fc.assert(
      fc.property(fc.array(awayFromZero, { minLength: 6, maxLength: 6 }), values(6, 0, 1), (l, y) => {
        check((a: Arr, b: Arr) => optax.sigmoidBinaryCrossEntropy(a, b), [f64(l, [2, 3]), f64(y, [2, 3])]);
      }),
      { numRuns: RUNS },
    );
    check((a: Arr, b: Arr) => optax.sigmoidBinaryCrossEntropy(a, b), [f64([-40, -15, 15, 40], [4]), f64([0.2, 1, 0, 0.7], [4])]);
    // First order at logit 0 is right (0.5 - label, as the golden gradients show too).
    check((a: Arr, b: Arr) => optax.sigmoidBinaryCrossEntropy(a, b), [f64([0, 0], [2]), f64([0.3, 1], [2])], 1);
  });

  // Regression: np.logaddexp's custom jvp must compute its output through the custom function
  // itself (as JAX's rule does), or the second derivative at x == y is wrong
  // (log_sigmoid''(0) came out -0.5; JAX: -0.25).
  it("sigmoidBinaryCrossEntropy: second derivative at logit 0", () => {
    check((a: Arr) => optax.sigmoidBinaryCrossEntropy(a, f64([0.3], [1])), [f64([0], [1])], 2);
  });
});

describe("gradients through optimizer steps", () => {
  const params = { w: f64([0.5, -1.25, 2], [3]), b: f64([0.3], [1]) };
  const grads = [
    { w: f64([0.1, -0.4, 0.25], [3]), b: f64([-0.2], [1]) },
    { w: f64([-0.3, 0.2, 0.15], [3]), b: f64([0.05], [1]) },
    { w: f64([0.2, 0.1, -0.6], [3]), b: f64([0.3], [1]) },
  ];
  /** The parameters after 3 steps of `opt` on the fixed gradients, flattened. */
  const run = (opt: optax.GradientTransformation) => {
    let p: unknown = params;
    let s = opt.init(p);
    for (const g of grads) {
      const [u, ns] = opt.update(g, s, p);
      s = ns;
      p = optax.applyUpdates(p, u);
    }
    return np.concatenate(tree.leaves<Arr>(p));
  };

  it("with respect to learning rates and moment decays (sgd with momentum, adam, rmsprop, adamw)", () => {
    check((lr: Arr, m: Arr) => run(optax.sgd(lr, { momentum: m })), [f64([0.1], []), f64([0.9], [])]);
    check((lr: Arr, b1: Arr, b2: Arr) => run(optax.adam(lr, { b1, b2 })), [f64([0.05], []), f64([0.8], []), f64([0.95], [])], 1);
    check((lr: Arr, d: Arr) => run(optax.rmsprop(lr, { decay: d, centered: true })), [f64([0.05], []), f64([0.7], [])], 1);
    check((lr: Arr, wd: Arr) => run(optax.adamw(lr, { weightDecay: wd })), [f64([0.05], []), f64([0.1], [])], 1);
  });

  it("with respect to the gradients fed to a chain with clipping and a schedule", () => {
    const opt = optax.chain(optax.clipByGlobalNorm(0.5), optax.scaleByAdam(), optax.scaleByLearningRate(optax.cosineDecaySchedule(0.1, 4)));
    check(
      (g: Arr) => {
        const s = opt.init(params.w);
        const [u] = opt.update(g, s, params.w);
        return u;
      },
      [f64([0.3, -0.4, 0.6], [3])],
      1,
    );
  });
});
