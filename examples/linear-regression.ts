/**
 * The Keras "hello world": one Dense unit learns y = 2x from four points with mean squared
 * error and SGD over 500 epochs, then predicts y for x = 5 (about 10).
 */
import { jit, numpy as np, optax, random, stax, valueAndGrad } from "../src/index.js";

export interface LinearRegressionResult {
  prediction: number;
  losses: number[];
}

export function trainLinearRegression(opts: { epochs?: number; learningRate?: number; seed?: number } = {}): LinearRegressionResult {
  const epochs = opts.epochs ?? 500;
  const xs = np.array([[1], [2], [3], [4]]);
  const ys = np.array([[2], [4], [6], [8]]);
  const [init, apply] = stax.Dense(1);
  let [, params] = init(random.key(opts.seed ?? 0), [-1, 1]);
  // Keras' SGD with a learning rate that converges in 500 full-batch epochs.
  const opt = optax.sgd(opts.learningRate ?? 0.05);
  let state = opt.init(params);
  const loss = (p: unknown) => np.mean(np.square(np.subtract(apply(p, xs), ys)));
  const step = jit((p: unknown, s: unknown) => {
    const [l, g] = valueAndGrad(loss)(p);
    const [updates, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, updates), s2, l];
  });
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const [p, s, l] = step(params, state) as [unknown, unknown, np.Array];
    params = p;
    state = s;
    losses.push(Number(l));
  }
  const prediction = Number(apply(params, np.array([[5]])));
  return { prediction, losses };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { prediction, losses } = trainLinearRegression();
  console.log(`final loss ${losses[losses.length - 1]!.toExponential(3)}; prediction for x = 5: ${prediction.toFixed(4)}`);
}
