/** The jaxpr passes the compiler runs first: inlining, forwarding, folding, identities, CSE, DCE. */
import { describe, expect, it } from "vitest";
import { Literal } from "../../ir/jaxpr.js";
import { jaxprKey } from "../../codegen/kernel/key.js";
import { inlineCalls, optimizeJaxpr } from "../../codegen/kernel/passes.js";
import { jit, makeJaxpr, numpy as np, stopGradient } from "../../src/index.js";
import { evalJaxprRef } from "./helpers.js";

const prims = (j: { eqns: readonly { primitive: string }[] }) => j.eqns.map((e) => e.primitive);

describe("jaxpr passes", () => {
  it("inline nested jit calls (twice the same sub-jaxpr gets fresh variables)", () => {
    const g = jit((x: np.Array) => np.sin(x));
    const j = makeJaxpr((x: np.Array) => np.add(g(x), g(np.cos(x))))(np.ones([3])).jaxpr;
    expect(prims(j)).toContain("jit");
    const inlined = inlineCalls(j);
    expect(prims(inlined)).toEqual(["sin", "cos", "sin", "add"]);
    const x = new Float32Array([0.1, 0.2, 0.3]);
    expect(evalJaxprRef(inlined, [], [x])).toEqual(evalJaxprRef(j, [], [x]));
  });
  it("CSE, forwarding of stopGradient, identities, folding of scalar literals, DCE", () => {
    const j = makeJaxpr((x: np.Array) => {
      const a = np.sin(x);
      const b = np.sin(x); // same as a
      const unused = np.exp(x);
      void unused;
      return np.add(np.multiply(stopGradient(a), 1), b);
    })(np.ones([3])).jaxpr;
    const o = optimizeJaxpr(j);
    expect(prims(o)).toEqual(["sin", "add"]);
    const k = makeJaxpr((x: np.Array) => np.multiply(x, np.add(np.asarray(2), np.asarray(3))))(np.ones([2])).jaxpr;
    const ok = optimizeJaxpr(k);
    expect(prims(ok)).toEqual(["mul"]);
    expect(ok.eqns[0]!.inputs.some((a) => a instanceof Literal && a.value === 5)).toBe(true);
  });
  it("x + 0.0 is kept for floats (it turns -0 into +0) but x + -0.0 goes", () => {
    const j = makeJaxpr((x: np.Array) => np.add(x, 0.0))(np.ones([2])).jaxpr;
    expect(prims(optimizeJaxpr(j))).toEqual(["add"]);
    const k = makeJaxpr((x: np.Array) => np.add(x, -0.0))(np.ones([2])).jaxpr;
    expect(prims(optimizeJaxpr(k))).toEqual([]);
  });
  it("structural keys distinguish literal -0 from 0 and agree on renamed variables", () => {
    const a = makeJaxpr((x: np.Array) => np.multiply(x, -0.0))(np.ones([2])).jaxpr;
    const b = makeJaxpr((x: np.Array) => np.multiply(x, 0.0))(np.ones([2])).jaxpr;
    const c = makeJaxpr((y: np.Array) => np.multiply(y, -0.0))(np.ones([2])).jaxpr;
    expect(jaxprKey(a)).not.toBe(jaxprKey(b));
    expect(jaxprKey(a)).toBe(jaxprKey(c));
  });
});
