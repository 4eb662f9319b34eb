/**
 * Autodiff against golden values from real JAX in float64 (test/golden/gen_autodiff.py writes
 * test/golden/autodiff.json; CI needs no Python). The registry of jaxts twins of the Python
 * `@case` functions is in goldenCases.ts; a key missing on either side fails the test.
 */
import { describe, expect, it } from "vitest";
import { ValueError, checkpoint, customVjp, grad, jvp, makeJaxpr, numpy as np } from "../../src/index.js";
import { type A, compareTree, decodeInput, golden, makeCases, plain } from "./goldenCases.js";

const cases = makeCases(plain);

// --- golden comparison -------------------------------------------------------------------------

describe(`autodiff agrees with ${golden.source}`, () => {
  it("has a jaxts twin for every golden case and vice versa", () => {
    const names = golden.cases.map((c) => c.name);
    expect(Object.keys(cases)).toEqual(names);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => {
    const fn = cases[name];
    if (fn === undefined) throw new Error(`no jaxts function for golden case ${name}`);
    const inputs = c.inputs.map(decodeInput);
    const got = fn(...inputs);
    const errs: string[] = [];
    compareTree(got, c.out, c.rtol, c.atol, "out", errs);
    expect(errs, errs.join("\n")).toEqual([]);
  });
});

// --- structural and error checks (no golden needed) ---------------------------------------------

const f64 = (data: number[]) => np.array(data, { dtype: "float64" });

describe("reverse mode structure", () => {
  const f = (x: A) => np.sum(np.sin(np.multiply(x, x)));
  const x = f64([0.5, 1.0, 1.5]);
  const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

  it("grad(f) does not recompute the forward pass", () => {
    const text = makeJaxpr(grad(f))(x).toString();
    expect(count(text, /= sin /g), text).toBe(1);
    expect(count(text, /= cos /g), text).toBe(1);
    // x*x is computed once: no two `mul a a` equations on the same variable.
    const squares = [...text.matchAll(/= mul (\w+) (\w+)\b/g)].filter((m) => m[1] === m[2]).map((m) => m[1]);
    expect(squares.length, text).toBe(1);
    expect(text).not.toContain("checkpoint");
  });

  it("grad(checkpoint(f)) recomputes inside the backward pass", () => {
    const text = makeJaxpr(grad(checkpoint(f)))(x).toString();
    const parts = text.split(/= checkpoint\[/);
    // Two checkpoint equations: the forward one, then the backward one with the recomputation.
    expect(parts.length - 1, text).toBe(2);
    const forward = parts[1]!;
    const backward = parts[2]!;
    expect(forward).toMatch(/= sin /);
    // The backward sub-jaxpr recomputes x*x from the primal input and uses cos of it.
    expect(backward, text).toMatch(/= mul (\w+) \1\b/);
    expect(backward, text).toMatch(/= cos /);
    // And the values agree with no checkpoint.
    expect(Array.from(grad(checkpoint(f))(x).dataSync())).toEqual(Array.from(grad(f)(x).dataSync()));
  });
});

describe("autodiff errors", () => {
  const sinV = customVjp(function sinV(x: A) {
    return np.sin(x);
  }).defvjp(
    (x) => [np.sin(x), np.cos(x)],
    (c: A, g) => [np.multiply(c, g)],
  );

  it("customVjp under forward mode is a TypeError naming custom_vjp", () => {
    expect(() => jvp(sinV, [f64([1])], [f64([1])])).toThrow(TypeError);
    expect(() => jvp(sinV, [f64([1])], [f64([1])])).toThrow(/custom_vjp/);
  });

  it("grad of an integer input is a TypeError unless allowInt", () => {
    const n = np.array([1, 2, 3], { dtype: "int32" });
    const f = (x: A, n: A) => np.sum(np.multiply(x, n.astype("float64")));
    expect(() => grad(f, { argnums: 1 })(f64([1, 2, 3]), n)).toThrow(TypeError);
    expect(() => grad((n: A) => np.sum(n.astype("float64")))(n)).toThrow(TypeError);
    const [gx, gn] = grad(f, { argnums: [0, 1], allowInt: true })(f64([1, 2, 3]), n) as A[];
    expect(Array.from(gx!.dataSync())).toEqual([1, 2, 3]);
    // JAX returns float0 zeros here; jaxts has no float0, so only the zeros are checked.
    expect(gn!.shape).toEqual([3]);
    expect(Array.from(gn!.dataSync(), Number)).toEqual([0, 0, 0]);
  });

  it("grad of a non-scalar output is a TypeError that gives the shape", () => {
    expect(() => grad((x: A) => np.sin(x))(f64([1, 2, 3]))).toThrow(TypeError);
    expect(() => grad((x: A) => np.sin(x))(f64([1, 2, 3]))).toThrow(/\[3\]|\(3,?\)/);
  });

  it("jvp with mismatched tree structures is a TypeError", () => {
    expect(() => jvp((x: A, y: A) => np.add(x, y), [f64([1]), f64([2])], [f64([1])])).toThrow(TypeError);
    expect(() => jvp((p: A[]) => np.sum(p[0]!), [[f64([1]), f64([2])]], [{ a: f64([1]), b: f64([2]) }])).toThrow(TypeError);
  });

  it("jvp with mismatched shapes is a ValueError", () => {
    expect(() => jvp(np.sin, [f64([1, 2])], [f64([1, 2, 3])])).toThrow(ValueError);
  });
});
