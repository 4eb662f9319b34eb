/**
 * interpret: saliency, SmoothGrad and Integrated Gradients against closed forms (a linear model's
 * gradient is its weight column; its IG is (x - baseline) * w) and jacrev, and Integrated
 * Gradients' completeness (attributions sum to f(x) - f(baseline)) with stated tolerances.
 */
import { describe, expect, it } from "vitest";
import { interpret, jacrev, jit, nn, numpy as np, random, stax } from "../../src/index.js";

const maxDiff = (a: np.Array, b: np.Array) => np.max(np.abs(np.subtract(a, b))).item() as number;
const x = random.uniform(random.key(0), [5, 3, 4]);
const W = random.normal(random.key(1), [12, 6]);
const linear = (b: np.Array) => np.matmul(b.reshape([b.shape[0]!, 12]), W);
// A smooth nonlinear classifier: tanh MLP.
const W1 = np.multiply(random.normal(random.key(2), [12, 16]), 0.5);
const W2 = random.normal(random.key(3), [16, 6]);
const mlp = (b: np.Array) => np.matmul(np.tanh(np.matmul(b.reshape([b.shape[0]!, 12]), W1)), W2);
const target = np.array([0, 5, 2, 2, 3], "int32");
/** The target scores f(x)[i, t_i]. */
const picked = (scores: np.Array, t: np.Array) => np.takeAlongAxis(scores, t.reshape([-1, 1]), 1).reshape([-1]);

describe("interpret.saliency", () => {
  it("of a linear model is the target's weight column, per example", () => {
    const s = interpret.saliency(linear, x, { target });
    expect(s.shape).toEqual(x.shape);
    const expected = np.stack((target.tolist() as number[]).map((t) => W.T.slice(t).reshape([3, 4])));
    expect(maxDiff(s, expected)).toBeLessThan(1e-6);
  });

  it("defaults to the argmax class, and matches jacrev of a nonlinear model row by row", () => {
    const s = interpret.saliency(mlp, x);
    const top = np.argmax(mlp(x), -1).tolist() as number[];
    for (let i = 0; i < 5; i++) {
      const xi = x.slice([i, i + 1]);
      const jac = jacrev((v: np.Array) => mlp(v).slice(0))(xi) as np.Array; // [6, 1, 3, 4]
      expect(maxDiff(s.slice(i), jac.slice(top[i]!, 0))).toBeLessThan(1e-5);
    }
  });

  it("does not mix examples: one example's attribution is the same alone or in a batch", () => {
    const s = interpret.saliency(mlp, x, { target });
    expect(maxDiff(s.slice([2, 3]), interpret.saliency(mlp, x.slice([2, 3]), { target: target.slice([2, 3]) }))).toBeLessThan(1e-6);
  });

  it("runs inside a user's jit with the parameters as an argument", () => {
    const f = jit((w: np.Array, b: np.Array) => interpret.saliency((v: np.Array) => np.matmul(v.reshape([v.shape[0]!, 12]), w), b, { target }));
    expect(maxDiff(f(W, x), interpret.saliency(linear, x, { target }))).toBeLessThan(1e-6);
  });
});

describe("interpret.smoothGrad", () => {
  it("is the saliency when the gradient does not depend on x (linear) or the noise is zero", () => {
    expect(maxDiff(interpret.smoothGrad(linear, random.key(4), x, { target, samples: 8, sigma: 0.5 }), interpret.saliency(linear, x, { target }))).toBeLessThan(1e-5);
    expect(maxDiff(interpret.smoothGrad(mlp, random.key(4), x, { target, samples: 3, sigma: 0 }), interpret.saliency(mlp, x, { target }))).toBeLessThan(1e-5);
  });

  it("averages gradients at noisy inputs: deterministic per key, different for another key, smoother than one sample", () => {
    const a = interpret.smoothGrad(mlp, random.key(5), x, { target, samples: 16, sigma: 0.3 });
    expect(a.shape).toEqual(x.shape);
    expect(interpret.smoothGrad(mlp, random.key(5), x, { target, samples: 16, sigma: 0.3 }).tolist()).toEqual(a.tolist());
    const b = interpret.smoothGrad(mlp, random.key(6), x, { target, samples: 16, sigma: 0.3 });
    expect(maxDiff(a, b)).toBeGreaterThan(1e-6);
    // Two 16-sample estimates agree better than two 1-sample ones (the variance falls with samples).
    const one = (k: number) => interpret.smoothGrad(mlp, random.key(k), x, { target, samples: 1, sigma: 0.3 });
    const spread16 = np.mean(np.square(np.subtract(a, b))).item() as number;
    const spread1 = np.mean(np.square(np.subtract(one(7), one(8)))).item() as number;
    expect(spread16).toBeLessThan(spread1);
  });
});

describe("interpret.integratedGradients", () => {
  it("of a linear model is (x - baseline) times the weight column", () => {
    const baseline = np.full([5, 3, 4], 0.25);
    const ig = interpret.integratedGradients(linear, x, { target, baseline, steps: 4 });
    const w = np.stack((target.tolist() as number[]).map((t) => W.T.slice(t).reshape([3, 4])));
    expect(maxDiff(ig, np.multiply(np.subtract(x, 0.25), w))).toBeLessThan(1e-5);
  });

  it("completeness, smooth model: attributions sum to f(x) - f(baseline) within 1e-3 (relative to the largest |difference|) with 64 steps", () => {
    const ig = interpret.integratedGradients(mlp, x, { target, steps: 64 });
    const sums = np.sum(ig, [1, 2]);
    const diff = np.subtract(picked(mlp(x), target), picked(mlp(np.zerosLike(x)), target));
    const scale = np.max(np.abs(diff)).item() as number;
    expect(maxDiff(sums, diff)).toBeLessThan(1e-3 * scale);
    // With 4 steps the quadrature error is visible, and more steps shrink it (O(1/steps^2)).
    const coarse = maxDiff(np.sum(interpret.integratedGradients(mlp, x, { target, steps: 4 }), [1, 2]), diff);
    expect(maxDiff(sums, diff)).toBeLessThan(coarse);
  });

  it("completeness, ReLU convnet: within 2% of the largest |f(x) - f(baseline)| with 128 steps", () => {
    const [init, apply] = stax.serial(stax.Conv(4, [3, 3]), stax.Relu, stax.Flatten, stax.Dense(16), stax.Relu, stax.Dense(5));
    const [, params] = init(random.key(9), [-1, 8, 8, 1]);
    const f = (b: np.Array) => apply(params, b);
    const imgs = random.uniform(random.key(10), [3, 8, 8, 1]);
    const ig = interpret.integratedGradients(f, imgs, { steps: 128 });
    const t = np.argmax(f(imgs), -1);
    const diff = np.subtract(picked(f(imgs), t), picked(f(np.zerosLike(imgs)), t));
    const scale = np.max(np.abs(diff)).item() as number;
    expect(maxDiff(np.sum(ig, [1, 2, 3]), diff)).toBeLessThan(0.02 * scale);
  });
});

describe("mistakes", () => {
  it("name the function, the argument and the shapes", () => {
    expect(() => interpret.saliency(linear, x, { target: np.array([0, 1], "int32") })).toThrow(/interpret\.saliency: target must be int32 of shape \[5\].*got int32\[2\]/);
    expect(() => interpret.saliency(linear, x, { target: np.zeros([5]) })).toThrow(/target must be int32 of shape \[5\].*got float32\[5\]/);
    expect(() => interpret.integratedGradients((b: np.Array) => np.sum(b), x)).toThrow(/interpret\.integratedGradients: f must map a batch of 5 to scores of shape \[5, numClasses\].*has shape \[\]/);
    expect(() => interpret.smoothGrad(linear, random.key(0), x, { samples: 0 })).toThrow(/interpret\.smoothGrad: samples must be a positive integer/);
    expect(() => interpret.saliency(linear, x, { targets: target } as never)).toThrow(/unknown option "targets" \(did you mean target\?\)/);
    expect(nn.relu).toBeDefined();
  });
});
