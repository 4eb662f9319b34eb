/**
 * The golden values of the documentation ports (test/golden/gen_docs.py runs the docs' Python
 * with JAX 0.10.2 and writes test/golden/docs.json), and the comparison every port uses.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { type EncTree, compareTree } from "../goldenTree.js";

const all = JSON.parse(readFileSync(new URL("../golden/docs.json", import.meta.url), "utf8")) as Record<string, Record<string, unknown>>;

/** One example's recorded values. */
export function golden(section: "cookbook" | "custom" | "pytrees" | "random" | "vmap"): Record<string, any> {
  return all[section]!;
}

/** Asserts that a jaxts result tree matches JAX's (dtypes, shapes, values within rtol/atol). */
export function expectLikeJax(got: unknown, exp: EncTree, rtol: number, atol: number, what = "result"): void {
  const errs: string[] = [];
  compareTree(got, exp, rtol, atol, what, errs);
  expect(errs).toEqual([]);
}
