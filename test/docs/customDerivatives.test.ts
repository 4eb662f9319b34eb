/**
 * Port of JAX's "Custom derivative rules":
 * https://docs.jax.dev/en/latest/notebooks/Custom_derivative_rules_for_Python_code.html,
 * "Numerical stability" (log1pexp: the naive gradient is NaN at 100, the custom_jvp one is 1),
 * "Convenience wrappers" (defjvps) and "Gradient clipping" (clip_gradient, a custom_vjp whose
 * bwd returns None for lo and hi). Golden values: test/golden/gen_docs.py ("custom").
 */
import { describe, expect, it } from "vitest";
import { customJvp, customVjp, grad, jit, numpy as np, vmap } from "../../src/index.js";
import { expectLikeJax, golden } from "./docsGolden.js";

type Arr = np.Array;
const g = golden("custom");
const RTOL = 1e-6;
const ATOL = 1e-7;

const log1pexpNaive = (x: Arr) => np.log(np.add(1, np.exp(x)));

const log1pexp = customJvp(function log1pexp(x: Arr) {
  return np.log(np.add(1, np.exp(x)));
}).defjvp(([x], [xDot]) => {
  const ans = log1pexp(x);
  const ansDot = np.multiply(np.subtract(1, np.divide(1, np.add(1, np.exp(x)))), xDot);
  return [ans, ansDot];
});

const log1pexp2 = customJvp(function log1pexp2(x: Arr) {
  return np.log(np.add(1, np.exp(x)));
}).defjvps((t: Arr, _ans: Arr, x: Arr) => np.multiply(np.subtract(1, np.divide(1, np.add(1, np.exp(x)))), t));

// Python floats in the docs are float32 scalars here: np.array(100).
const f32 = (v: number) => np.array(v);

describe("custom derivative rules", () => {
  it("log1pexp: the naive gradient at 100 is NaN; the custom_jvp one is 1", () => {
    expectLikeJax(grad(log1pexpNaive)(f32(100)), g.naive_grad_100, 0, 0, "naive grad");
    expect(Number.isNaN(grad(log1pexpNaive)(f32(100)).item())).toBe(true);
    expectLikeJax(log1pexp(f32(3)), g.log1pexp_3, RTOL, ATOL, "log1pexp(3.)");
    expectLikeJax(grad(jit(log1pexp))(f32(3)), g.grad_jit_3, RTOL, ATOL, "grad(jit(log1pexp))(3.)");
    expectLikeJax(vmap(jit(grad(log1pexp)))(np.arange(3, { dtype: "float32" })), g.vmap_jit_grad, RTOL, ATOL, "vmap(jit(grad))");
    expectLikeJax(grad(log1pexp)(f32(100)), g.grad_100, RTOL, ATOL, "grad(log1pexp)(100.)");
  });

  it("the same rule through defjvps", () => {
    expectLikeJax(grad(log1pexp2)(f32(100)), g.defjvps_grad_100, RTOL, ATOL, "defjvps grad at 100");
    expectLikeJax(vmap(grad(log1pexp2))(np.arange(3, { dtype: "float32" })), g.defjvps_vmap_grad, RTOL, ATOL, "defjvps vmap(grad)");
  });

  it("clip_gradient: a custom_vjp whose bwd returns null (JAX's None) for lo and hi", () => {
    const clipGradient = customVjp(function clipGradient(_lo: Arr | number, _hi: Arr | number, x: Arr) {
      return x; // identity function
    }).defvjp(
      (lo, hi, x) => [x, [lo, hi]], // save bounds as residuals
      ([lo, hi]: [Arr, Arr], gr: Arr) => [null, null, np.clip(gr, lo, hi)], // null: zero cotangents for lo and hi
    );
    const clipSin = (x: Arr) => np.sin(clipGradient(-0.75, 0.75, x));
    const t = np.linspace(0, 10, 1000);
    // linspace may place a point one float32 ulp (~1e-6 near 10) from JAX's: cos moves by as much.
    expectLikeJax(vmap(grad(np.sin))(t), g.sin_grad, 1e-5, 2e-6, "vmap(grad(sin))");
    expectLikeJax(vmap(grad(clipSin))(t), g.clip_sin_grad, 1e-5, 2e-6, "vmap(grad(clip_sin))");
  });
});
