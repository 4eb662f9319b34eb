/**
 * Port of JAX's autodiff cookbook, logistic regression part:
 * https://docs.jax.dev/en/latest/notebooks/autodiff_cookbook.html, "Gradients" (grad with
 * argnums, with a dict of parameters, value_and_grad) and "Jacobians and Hessians using jacfwd
 * and jacrev". Golden values: test/golden/gen_docs.py ("cookbook"), the docs' own Python.
 */
import { describe, it } from "vitest";
import { grad, jacfwd, jacrev, numpy as np, random, valueAndGrad } from "../../src/index.js";
import { expectLikeJax, golden } from "./docsGolden.js";

type Arr = np.Array;
const g = golden("cookbook");
// float32 on both sides with the same formulas; sums of 4 terms differ by a few ulps at most.
const RTOL = 1e-5;
const ATOL = 1e-6;

const sigmoid = (x: Arr) => np.multiply(0.5, np.add(np.tanh(np.divide(x, 2)), 1));
const predict = (W: Arr, b: Arr, inputs: Arr) => sigmoid(np.add(np.dot(inputs, W), b));
const inputs = np.array([
  [0.52, 1.12, 0.77],
  [0.88, -1.08, 0.15],
  [0.52, 0.06, -1.3],
  [0.74, -2.49, 1.39],
]);
const targets = np.array([true, true, false, true]);
const labelLoss = (preds: Arr) => {
  const labelProbs = np.add(np.multiply(preds, targets), np.multiply(np.subtract(1, preds), np.subtract(1, targets)));
  return np.negative(np.sum(np.log(labelProbs)));
};
const loss = (W: Arr, b: Arr) => labelLoss(predict(W, b, inputs));

// key, W_key, b_key = random.split(key, 3)
const keys = random.split(random.key(0), 3);
const W = random.normal(keys.slice(1), [3]);
const b = random.normal(keys.slice(2), []);

describe("autodiff cookbook: logistic regression", () => {
  it("draws the same W and b from random.key(0)", () => {
    expectLikeJax(W, g.W, 0, 0, "W");
    expectLikeJax(b, g.b, 0, 0, "b");
  });

  it("grad with argnums 0, 1 and (0, 1)", () => {
    expectLikeJax(grad(loss, { argnums: 0 })(W, b), g.W_grad, RTOL, ATOL, "W_grad");
    expectLikeJax(grad(loss, { argnums: 1 })(W, b), g.b_grad, RTOL, ATOL, "b_grad");
    expectLikeJax(grad(loss, { argnums: [0, 1] })(W, b), g.Wb_grad, RTOL, ATOL, "(W_grad, b_grad)");
  });

  it("grad with respect to a dict of parameters, and value_and_grad", () => {
    const loss2 = (params: { W: Arr; b: Arr }) => labelLoss(predict(params.W, params.b, inputs));
    expectLikeJax(grad(loss2)({ W, b }), g.dict_grads, RTOL, ATOL, "dict grads");
    const [value, grads] = valueAndGrad(loss, { argnums: [0, 1] })(W, b);
    expectLikeJax(value, g.loss_value, RTOL, ATOL, "loss value");
    expectLikeJax(grads, g.vg_grads, RTOL, ATOL, "value_and_grad grads");
  });

  it("Jacobians with jacfwd and jacrev, and the Hessian as jacfwd(jacrev(f))", () => {
    expectLikeJax(jacfwd(predict, { argnums: 0 })(W, b, inputs), g.J_fwd, RTOL, ATOL, "jacfwd");
    expectLikeJax(jacrev(predict, { argnums: 0 })(W, b, inputs), g.J_rev, RTOL, ATOL, "jacrev");
    const hessian = (f: (x: Arr) => Arr) => jacfwd(jacrev(f));
    expectLikeJax(hessian((w: Arr) => loss(w, b))(W), g.H, RTOL, ATOL, "hessian");
  });
});
