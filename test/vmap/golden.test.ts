/**
 * vmap, jacfwd, jacrev and hessian against golden values from real JAX in float64
 * (test/golden/gen_vmap.py writes test/golden/vmap.json; CI needs no Python).
 *
 * `cases` below is the twin of the Python `@case` functions: same keys, same order, the same
 * function written with jaxts. A key missing on either side fails the test.
 */
import { describe, expect, it } from "vitest";
import { compareTree, decodeInput } from "../goldenTree.js";
import { golden, makeCases, plain } from "./goldenCases.js";

const cases = makeCases(plain);

describe(`vmap and Jacobians against JAX (${golden.source})`, () => {
  it("the registry and the golden file list the same cases", () => {
    expect(Object.keys(cases)).toEqual(golden.cases.map((c) => c.name));
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => {
    const fn = cases[name];
    if (!fn) throw new Error(`no jaxts twin for golden case ${name}`);
    const got = fn(...c.inputs.map(decodeInput));
    const errs: string[] = [];
    compareTree(got, c.out, c.rtol, c.atol, name, errs);
    expect(errs, errs.join("\n")).toEqual([]);
  });
});
