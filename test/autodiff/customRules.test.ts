/**
 * The smaller parts of JAX's custom-derivative API: customVjp's bwd returning `null` (JAX's
 * `None`) for an argument, a subtree or a leaf with no cotangent, and its errors for a wrong
 * number or structure of cotangents; `customJvp(...).defjvps`; and the checkpoint policies
 * JAX names in `jax.checkpoint_policies`.
 */
import { describe, expect, it } from "vitest";
import { checkpoint, checkpointPolicies, customJvp, customVjp, grad, jit, numpy as np, testing, valueAndGrad, vjp, vmap } from "../../src/index.js";

type Arr = np.Array;
const close = (a: Arr, b: number[] | number) => expect(Array.from(a.dataSync() as Float32Array)).toEqual(
  (Array.isArray(b) ? b : [b]).map((v) => expect.closeTo(v, 5)),
);

describe("customVjp: bwd may return null for no cotangent", () => {
  const mul = customVjp(function mul(x: Arr, y: Arr) {
    return np.multiply(x, y);
  }).defvjp(
    (x, y) => [np.multiply(x, y), [x, y]],
    ([, y]: [Arr, Arr], g: Arr) => [np.multiply(g, y), null],
  );

  it("null for a whole argument gives zeros of that argument's shape and dtype", () => {
    const [gx, gy] = grad((x: Arr, y: Arr) => np.sum(mul(x, y)), { argnums: [0, 1] })(np.array([1, 2]), np.array([3, 4])) as [Arr, Arr];
    close(gx, [3, 4]);
    close(gy, [0, 0]);
    expect(gy.shape).toEqual([2]);
    expect(gy.dtype).toBe("float32");
  });

  it("works under jit and vmap of grad", () => {
    const g = (x: Arr, y: Arr) => grad((a: Arr, b: Arr) => np.sum(mul(a, b)), { argnums: 1 })(x, y);
    close(jit(g)(np.array([1, 2]), np.array([3, 4])), [0, 0]);
    const batched = vmap(g)(np.array([[1, 2], [3, 4]]), np.array([[5, 6], [7, 8]]));
    expect(batched.shape).toEqual([2, 2]);
    close(batched, [0, 0, 0, 0]);
  });

  it("null for a subtree or a leaf of a pytree argument", () => {
    const f = customVjp(function f(p: { a: Arr; b: [Arr, Arr] }, z: Arr) {
      return np.add(np.multiply(p.a, z), np.add(p.b[0], p.b[1]));
    }).defvjp(
      (p, z) => [f(p, z), [p.a, z]],
      ([a, z]: [Arr, Arr], g: Arr) => [{ a: np.multiply(g, z), b: [null, g] }, null],
    );
    const p = { a: np.array(2), b: [np.array(3), np.array(4)] as [Arr, Arr] };
    const [gp, gz] = grad((p: { a: Arr; b: [Arr, Arr] }, z: Arr) => f(p, z), { argnums: [0, 1] })(p, np.array(5)) as [{ a: Arr; b: [Arr, Arr] }, Arr];
    close(gp.a, 5);
    close(gp.b[0], 0);
    close(gp.b[1], 1);
    close(gz, 0);
    // null for the whole dict argument too
    const h = customVjp(function h(p: { a: Arr; b: Arr }, z: Arr) {
      return np.multiply(np.add(p.a, p.b), z);
    }).defvjp((p, z) => [h(p, z), [np.add(p.a, p.b)]], ([s]: [Arr], g: Arr) => [null, np.multiply(g, s)]);
    const [gq, gz2] = grad((p: { a: Arr; b: Arr }, z: Arr) => h(p, z), { argnums: [0, 1] })({ a: np.array(1), b: np.array(2) }, np.array(7)) as [
      { a: Arr; b: Arr },
      Arr,
    ];
    close(gq.a, 0);
    close(gq.b, 0);
    close(gz2, 3);
  });

  it("a wrong number of cotangents is a TypeError naming customVjp and both structures, as JAX's", () => {
    const bad = customVjp(function bad(x: Arr, y: Arr) {
      return np.multiply(x, y);
    }).defvjp((x, y) => [np.multiply(x, y), []], (_r: unknown, g: Arr) => [g]);
    const call = () => grad((x: Arr, y: Arr) => bad(x, y))(np.array(1), np.array(2));
    expect(call).toThrow(TypeError);
    expect(call).toThrow(
      "customVjp(bad): the bwd rule must return an array with one cotangent per argument of the primal function (2), each with that argument's structure or null for zeros, but got bwd output structure PyTreeDef([*]) for primal input structure PyTreeDef([*, *])",
    );
    const notArray = customVjp(function notArray(x: Arr) {
      return x;
    }).defvjp((x) => [x, []], (_r: unknown, g: Arr) => g as unknown as Arr[]);
    expect(() => grad((x: Arr) => notArray(x))(np.array(1))).toThrow("customVjp(notArray): the bwd rule must return an array with one cotangent per argument");
  });

  it("a wrong structure inside an argument, and a wrong shape, are errors naming where", () => {
    const f = customVjp(function f(p: { a: Arr; b: Arr }) {
      return np.add(p.a, p.b);
    }).defvjp((p) => [f(p), []], (_r: unknown, g: Arr) => [{ a: g }]);
    expect(() => grad((p: { a: Arr; b: Arr }) => f(p))({ a: np.array(1), b: np.array(2) })).toThrow(
      "but got bwd output structure PyTreeDef([{a: *}]) for primal input structure PyTreeDef([{a: *, b: *}])",
    );
    const s = customVjp(function s(x: Arr) {
      return np.sum(x);
    }).defvjp((x) => [np.sum(x), []], (_r: unknown, g: Arr) => [g]);
    expect(() => grad((x: Arr) => s(x))(np.array([1, 2, 3]))).toThrow(
      "customVjp(s): the bwd rule must return cotangents shaped like the arguments, but cotangent[0] has shape [] for an argument of shape [3]",
    );
  });

  it("vjp returns the zeros too", () => {
    const [, pullback] = vjp((x: Arr, y: Arr) => mul(x, y), [np.array([1, 2]), np.array([3, 4])]);
    const [cx, cy] = pullback(np.array([1, 1])) as [Arr, Arr];
    close(cx, [3, 4]);
    close(cy, [0, 0]);
  });
});

describe("customJvp(...).defjvps", () => {
  // JAX's docstring example: f(x, y) = sin(x) * y with one jvp per argument.
  const f = customJvp(function f(x: Arr, y: Arr) {
    return np.multiply(np.sin(x), y);
  }).defjvps(
    (xDot: Arr, _out: Arr, x: Arr, y: Arr) => np.multiply(np.multiply(np.cos(x), xDot), y),
    (yDot: Arr, _out: Arr, x: Arr) => np.multiply(np.sin(x), yDot),
  );

  it("sums the per-argument tangents (JAX's docstring: value_and_grad gives 1.68, (1.08, 0.84))", () => {
    const [v, [gx, gy]] = valueAndGrad(f, { argnums: [0, 1] })(np.array(1), np.array(2)) as [Arr, [Arr, Arr]];
    close(v, 2 * Math.sin(1));
    close(gx, 2 * Math.cos(1));
    close(gy, Math.sin(1));
    testing.checkGrads(f, [np.array([0.3, -1.2], { dtype: "float64" }), np.array([2, 0.5], { dtype: "float64" })], 1, { modes: ["fwd", "rev"] });
  });

  it("null means the argument has no derivative", () => {
    const g = customJvp(function g(x: Arr, y: Arr) {
      return np.multiply(x, y);
    }).defjvps((xDot: Arr, _o: Arr, _x: Arr, y: Arr) => np.multiply(xDot, y), null);
    const [gx, gy] = grad(g, { argnums: [0, 1] })(np.array(3), np.array(4)) as [Arr, Arr];
    close(gx, 4);
    close(gy, 0);
    const none = customJvp(function none(x: Arr) {
      return np.sin(x);
    }).defjvps(null);
    close(grad(none)(np.array(1)), 0);
  });

  it("one rule per argument: a count mismatch or a non-function is an error", () => {
    const g = customJvp(function g(x: Arr, y: Arr) {
      return np.multiply(x, y);
    }).defjvps((t: Arr) => t);
    expect(() => grad(g)(np.array(1), np.array(2))).toThrow("customJvp(g).defjvps: got 1 jvp rules for a function called with 2 arguments");
    expect(() => customJvp((x: Arr) => x).defjvps(3 as never)).toThrow("defjvps: argument 0 must be a function or null, got number 3");
  });
});

describe("checkpointPolicies", () => {
  it("has JAX's policy names", () => {
    for (const name of ["everythingSaveable", "nothingSaveable", "dotsSaveable", "checkpointDots", "dotsWithNoBatchDimsSaveable", "checkpointDotsWithNoBatchDims"])
      expect(typeof (checkpointPolicies as Record<string, unknown>)[name]).toBe("function");
  });

  it("dotsWithNoBatchDimsSaveable saves a dot_general without batch dimensions only (JAX's rule)", () => {
    const p = checkpointPolicies.dotsWithNoBatchDimsSaveable;
    expect(p("dotGeneral", { dimensionNumbers: [[[1], [0]], [[], []]] })).toBe(true);
    expect(p("dotGeneral", { dimensionNumbers: [[[2], [1]], [[0], [0]]] })).toBe(false);
    expect(p("convGeneralDilated", {})).toBe(false);
    expect(p("sin", {})).toBe(false);
    expect(checkpointPolicies.dotsSaveable("convGeneralDilated", {})).toBe(true);
  });

  it("a policy sees each primitive's params, and gradients stay right under every policy", () => {
    const seen: string[] = [];
    const spy = (prim: string, params: Readonly<Record<string, unknown>>) => {
      if (prim === "dotGeneral") seen.push(JSON.stringify(params.dimensionNumbers));
      return false;
    };
    // The dot's output is a residual of the product, so the policy is asked about it.
    const prod = (d: Arr) => np.sum(np.multiply(np.sin(d), d));
    const body = (x: Arr, y: Arr) => prod(np.matmul(np.tanh(x), y));
    const batched = (x: Arr, y: Arr) => prod(np.matmul(np.tanh(np.stack([x, x])), np.stack([y, y])));
    const x = np.array([[0.1, 0.2, 0.3], [0.4, -0.5, 0.6]], { dtype: "float64" });
    const y = np.array([[1, -1], [0.5, 2], [0.3, 0.7]], { dtype: "float64" });
    grad(checkpoint(body, { policy: spy }))(x, y);
    expect(seen).toContain(JSON.stringify([[[1], [0]], [[], []]]));
    for (const policy of Object.values(checkpointPolicies))
      for (const f of [body, batched]) {
        const g = grad(checkpoint(f, { policy }), { argnums: [0, 1] })(x, y) as Arr[];
        const ref = grad(f, { argnums: [0, 1] })(x, y) as Arr[];
        g.forEach((gi, i) => expect(np.allclose(gi, ref[i]!, { rtol: 1e-12, atol: 1e-12 })).toBe(true));
      }
  });
});
