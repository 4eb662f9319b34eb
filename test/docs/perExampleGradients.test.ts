/**
 * Port of JAX's "Advanced automatic differentiation", https://docs.jax.dev/en/latest/advanced-autodiff.html,
 * "Stop gradients" (TD(0) learning with stop_gradient) and "Per-example gradients"
 * (jit(vmap(grad(td_loss), in_axes=(None, 0, 0, 0)))), and of "Automatic vectorization",
 * https://docs.jax.dev/en/latest/automatic-vectorization.html (convolve, batched by hand-free
 * vmap, with in_axes/out_axes, and under jit). Golden values: test/golden/gen_docs.py ("vmap").
 */
import { describe, it } from "vitest";
import { grad, jit, lax, numpy as np, vmap } from "../../src/index.js";
import { expectLikeJax, golden } from "./docsGolden.js";

type Arr = np.Array;
const g = golden("vmap");
const RTOL = 1e-6;
const ATOL = 1e-6;

describe("stop gradients and per-example gradients", () => {
  const valueFn = (theta: Arr, state: Arr) => np.dot(theta, state);
  const theta = np.array([0.1, -0.1, 0.0]);
  const sTm1 = np.array([1.0, 2.0, -1.0]);
  const rT = np.array(1.0);
  const sT = np.array([2.0, 1.0, 0.0]);
  const tdLoss = (theta: Arr, sTm1: Arr, rT: Arr, sT: Arr) => {
    const vTm1 = valueFn(theta, sTm1);
    const target = np.add(rT, valueFn(theta, sT));
    return np.multiply(-0.5, np.power(np.subtract(lax.stopGradient(target), vTm1), 2));
  };

  it("TD(0): the update ignores the target's dependence on theta", () => {
    expectLikeJax(grad(tdLoss)(theta, sTm1, rT, sT), g.delta_theta, RTOL, ATOL, "delta_theta");
  });

  it("per-example gradients: jit(vmap(grad(td_loss), in_axes=(None, 0, 0, 0)))", () => {
    const perexGrads = jit(vmap(grad(tdLoss), { inAxes: [null, 0, 0, 0] }));
    const batched = [sTm1, rT, sT].map((x) => np.stack([x, x]));
    expectLikeJax(perexGrads(theta, batched[0]!, batched[1]!, batched[2]!), g.per_example, RTOL, ATOL, "per-example grads");
  });
});

describe("automatic vectorization: convolve", () => {
  const x = np.arange(5);
  const w = np.array([2.0, 3.0, 4.0]);
  const convolve = (x: Arr, w: Arr) => {
    const output: Arr[] = [];
    for (let i = 1; i < x.shape[0]! - 1; i++) output.push(np.dot(x.slice([i - 1, i + 2]), w));
    return np.stack(output); // jnp.array(output) in the docs
  };
  const xs = np.stack([x, x]);
  const ws = np.stack([w, w]);

  it("one example, a batch, a batch against one kernel, batch axis 1, and under jit", () => {
    expectLikeJax(convolve(x, w), g.convolve, RTOL, ATOL, "convolve");
    expectLikeJax(vmap(convolve)(xs, ws), g.auto_batch, RTOL, ATOL, "vmap(convolve)");
    expectLikeJax(vmap(convolve, { inAxes: [0, null] })(xs, w), g.in_axes_none, RTOL, ATOL, "in_axes=[0, None]");
    expectLikeJax(vmap(convolve, { inAxes: 1, outAxes: 1 })(xs.T, ws.T), g.transposed, RTOL, ATOL, "in_axes=1, out_axes=1");
    expectLikeJax(jit(vmap(convolve))(xs, ws), g.jit_vmap, RTOL, ATOL, "jit(vmap(convolve))");
  });
});
