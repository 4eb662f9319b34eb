/**
 * checkGrads (orders 1 and 2, float64) through the higher-order primitives: `jit` (grad of
 * jit, jit of grad, nested jits), `checkpoint` (with policies, nested in and around jit), and
 * custom rules (customJvp and customVjp, nested in each other's rules).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkpoint, checkpointPolicies, customJvp, customVjp, grad, jit, jvp, lax, numpy as np, testing, vjp } from "../../src/index.js";
import { type Arr, arr, check, f64, flat, shapes, runs } from "./checkgrads.helpers.js";

const RUNS = 4;
const shape = shapes({ minRank: 1, maxRank: 2, maxSide: 3 });

/** A composite with several primitives and a reduction, so derivatives of every order are non-trivial. */
function body(x: Arr, y: Arr): Arr {
  const z = np.add(np.multiply(np.sin(x), y), np.exp(np.multiply(x, 0.5)));
  return np.multiply(np.tanh(z), np.sum(np.cos(y)));
}

const scalarOf = (f: (x: Arr, y: Arr) => Arr) => (x: Arr, y: Arr) => np.sum(f(x, y));

describe("checkGrads through jit", () => {
  it("jit(f)", () => {
    const jf = jit(body);
    fc.assert(fc.property(shape.chain((s) => fc.tuple(arr(s), arr(s))), ([x, y]) => check(jf, [x, y])), { numRuns: runs(RUNS) });
  });

  it("grad of jit, and jit of grad (both argnums)", () => {
    const f = scalarOf(body);
    const gradOfJit = grad(jit(f), { argnums: [0, 1] });
    const jitOfGrad = jit(grad(f, { argnums: [0, 1] }));
    fc.assert(
      fc.property(shape.chain((s) => fc.tuple(arr(s), arr(s))), ([x, y]) => {
        check(gradOfJit, [x, y]);
        check(jitOfGrad, [x, y]);
        const [a, b] = gradOfJit(x, y) as [Arr, Arr];
        const [c, d] = jitOfGrad(x, y) as [Arr, Arr];
        const [e, g] = grad(f, { argnums: [0, 1] })(x, y) as [Arr, Arr];
        for (const [p, q] of [[a, e], [c, e], [b, g], [d, g]] as const)
          flat(p).forEach((v, i) => expect(v).toBeCloseTo(flat(q)[i]!, 12));
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("nested jits, with a closed-over constant and an unused input", () => {
    const c = f64([0.3, -0.7, 1.1], [3]);
    const inner = jit((x: Arr, unused: Arr) => np.multiply(np.sin(x), c));
    const outer = jit((x: Arr, y: Arr) => np.add(inner(np.multiply(x, y), y), inner(y, x)));
    fc.assert(fc.property(arr([3]), arr([3]), (x, y) => check(outer, [x, y])), { numRuns: runs(RUNS) });
  });

  it("jit with a non-differentiated integer input and an integer output", () => {
    const f = jit((x: Arr, k: Arr) => {
      const y = np.multiply(np.sin(x), lax.convertElementType(k, "float64"));
      return [y, lax.argmax(x, 0)];
    });
    const k = np.array(Int32Array.from([3]), { shape: [] });
    fc.assert(fc.property(arr([4]), (x) => check((a: Arr) => (f(a, k) as [Arr, Arr])[0], [x])), { numRuns: runs(RUNS) });
  });
});

describe("checkGrads through checkpoint", () => {
  it.each([
    ["default (save nothing)", undefined],
    ["everythingSaveable", checkpointPolicies.everythingSaveable],
    ["dotsSaveable", checkpointPolicies.dotsSaveable],
  ] as const)("checkpoint(f) with policy %s", (_, policy) => {
    const f = checkpoint((x: Arr, y: Arr) => np.sin(np.matmul(np.tanh(x), y)), { policy });
    fc.assert(fc.property(arr([2, 3]), arr([3, 2]), (x, y) => check(f, [x, y])), { numRuns: runs(RUNS) });
  });

  it("checkpoint inside jit, jit inside checkpoint, and nested checkpoints", () => {
    const inner = checkpoint((x: Arr) => np.sin(np.multiply(x, x)));
    const f1 = jit((x: Arr, y: Arr) => np.multiply(inner(x), y));
    const f2 = checkpoint((x: Arr, y: Arr) => jit(body)(inner(x), y));
    const f3 = checkpoint((x: Arr, y: Arr) => checkpoint(body)(inner(x), inner(y)));
    fc.assert(
      fc.property(shape.chain((s) => fc.tuple(arr(s), arr(s))), ([x, y]) => {
        check(f1, [x, y]);
        check(f2, [x, y]);
        check(f3, [x, y]);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("grad of checkpoint equals grad of the plain function", () => {
    const f = scalarOf(body);
    const x = f64([0.1, -0.5, 1.2], [3]);
    const y = f64([0.7, 0.2, -1.1], [3]);
    const a = grad(checkpoint(f), { argnums: [0, 1] })(x, y) as Arr[];
    const b = grad(f, { argnums: [0, 1] })(x, y) as Arr[];
    a.forEach((g, i) => flat(g).forEach((v, k) => expect(v).toBeCloseTo(flat(b[i]!)[k]!, 13)));
  });
});

// --- custom rules ------------------------------------------------------------------------------

/** sin with its exact derivative as a custom rule (the rule's tangent is linear in t). */
const customSin = customJvp(function customSin(x: Arr): Arr {
  return np.sin(x);
}).defjvp(([x], [t]) => [customSin(x), np.multiply(np.cos(x), t)]);

/** x * exp(y), whose jvp rule itself calls customSin (nested custom rules) via sin(pi/2 - x) = cos x. */
const customMulExp = customJvp(function mulExp(x: Arr, y: Arr): Arr {
  return np.multiply(x, np.exp(y));
}).defjvp(([x, y], [tx, ty]) => {
  const e = np.exp(y);
  const out = customMulExp(x, y);
  const unity = np.add(np.square(customSin(np.multiply(y, 0))), np.square(customSin(np.subtract(Math.PI / 2, np.multiply(y, 0)))));
  return [out, np.multiply(np.add(np.multiply(tx, e), np.multiply(out, ty)), unity)];
});

/** tanh with a hand-written vjp (bwd is itself differentiable, and calls a customJvp function). */
const vjpTanh = customVjp(function vjpTanh(x: Arr): Arr {
  return np.tanh(x);
}).defvjp(
  (x: Arr) => {
    const y = np.tanh(x);
    return [y, [y]];
  },
  ([y]: [Arr], g: Arr) => [np.multiply(g, np.subtract(1, np.multiply(y, customSin(np.arcsin(y)))))],
);

describe("checkGrads through custom rules", () => {
  it("customJvp, forward and reverse", () => {
    fc.assert(fc.property(arr(shape), (x) => check((a: Arr) => np.multiply(customSin(a), a), [x])), { numRuns: runs(RUNS) });
  });

  it("customJvp whose rule calls another customJvp function, inside jit", () => {
    const f = jit((x: Arr, y: Arr) => customMulExp(customSin(x), y));
    fc.assert(fc.property(shape.chain((s) => fc.tuple(arr(s), arr(s))), ([x, y]) => check(f, [x, y])), { numRuns: runs(RUNS) });
  });

  it("customVjp (reverse mode only, as in JAX), orders 1 and 2", () => {
    fc.assert(
      fc.property(arr(shape), (x) => {
        testing.checkGrads((a: Arr) => np.multiply(vjpTanh(a), np.sin(a)), [x], 2, { modes: ["rev"] });
        testing.checkGrads(jit((a: Arr) => vjpTanh(customSin(a))), [x], 2, { modes: ["rev"] });
        testing.checkGrads(checkpoint((a: Arr) => vjpTanh(np.multiply(a, a))), [x], 2, { modes: ["rev"] });
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("customVjp inside a customJvp function's primal: reverse mode uses the customJvp rule", () => {
    const outer = customJvp(function outer(x: Arr): Arr {
      return vjpTanh(x);
    }).defjvp(([x], [t]) => [outer(x), np.multiply(np.subtract(1, np.square(np.tanh(x))), t)]);
    fc.assert(fc.property(arr(shape), (x) => check(outer, [x])), { numRuns: runs(RUNS) });
  });

  it("custom rules are used, not the primal's derivative", () => {
    const wrong = customJvp(function wrong(x: Arr): Arr {
      return np.sin(x);
    }).defjvp(([x], [t]) => [wrong(x), np.multiply(t, 2)]);
    const x = f64([0.3], []);
    expect(grad(wrong)(x).item()).toBe(2);
    expect((jvp(wrong, [x], [f64([1], [])])[1] as Arr).item()).toBe(2);
    expect(() => testing.checkGrads(wrong, [x], 1)).toThrow(/checkGrads/);
    const [, back] = vjp(vjpTanh, [x]);
    expect((back(f64([1], []))[0] as Arr).item()).toBeCloseTo(1 - Math.tanh(0.3) ** 2, 14);
  });
});
