/** random against real JAX 0.10.2: every non-initializer case of test/golden/random.json (see goldenCases.ts). */
import { describe, it } from "vitest";
import { type Case, check, golden, runCase } from "./goldenCases.js";

describe(`random golden values (JAX ${golden.jax_version})`, () => {
  const groups = new Map<string, Case[]>();
  for (const c of golden.cases) if (c.fn !== "init") groups.set(c.fn, [...(groups.get(c.fn) ?? []), c]);
  for (const [fn, cases] of groups)
    describe(fn, () => {
      for (const c of cases) it(c.name, () => check(c, runCase(c)));
    });
});
