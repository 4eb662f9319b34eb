/**
 * `scipy.special` against golden values from jax.scipy.special (test/golden/gen_scipy_special.py,
 * JAX 0.10.2, float32): values, edge cases (poles, 0 and 1 for ndtri, x = 0 in xlogy), and the
 * gradient of the sum, which pins down JAX's custom jvps (logit, xlogy, xlog1py, entr).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grad, jit, numpy as np, scipy } from "../../src/index.js";
import { type EncArray, compareTree, decodeInput } from "../goldenTree.js";

type Arr = np.Array;
interface Case {
  inputs: EncArray[];
  out: EncArray;
  grad?: EncArray[];
}
const golden = JSON.parse(readFileSync(new URL("../golden/scipy_special.json", import.meta.url), "utf8")) as { cases: Record<string, Case> };
const sp = scipy.special;

const fns: Record<string, (...a: Arr[]) => Arr> = {
  erf: sp.erf,
  erfc: sp.erfc,
  erfinv: sp.erfinv,
  expit: sp.expit,
  logit: sp.logit,
  ndtr: sp.ndtr,
  ndtri: sp.ndtri,
  ndtri_edges: sp.ndtri,
  gammaln: sp.gammaln,
  gammaln_poles: sp.gammaln,
  entr: sp.entr,
  entr_grad: sp.entr,
  xlogy: sp.xlogy,
  xlogy_values: sp.xlogy,
  xlog1py: sp.xlog1py,
  rel_entr: sp.relEntr,
  kl_div: sp.klDiv,
  betaln: sp.betaln,
  logsumexp: (a) => sp.logsumexp(a, 1),
  softmax: (a) => sp.softmax(a, -1),
  log_softmax: (a) => sp.logSoftmax(a, 0),
};

// float32 on both sides, but different erf/log/lgamma kernels: agreement to a few float32 ulps.
const RTOL = 1e-5;
const ATOL = 1e-6;

describe("scipy.special against jax.scipy.special", () => {
  it("has a function for every golden case", () => {
    expect(Object.keys(fns).sort()).toEqual(Object.keys(golden.cases).sort());
  });

  for (const [name, c] of Object.entries(golden.cases)) {
    it(name, () => {
      const f = fns[name]!;
      const inputs = c.inputs.map(decodeInput);
      const errs: string[] = [];
      compareTree(f(...inputs), c.out, RTOL, ATOL, "value", errs);
      compareTree(jit(f)(...inputs), c.out, RTOL, ATOL, "jit value", errs);
      if (c.grad) {
        const argnums = inputs.map((_, i) => i);
        const g = grad((...a: Arr[]) => np.sum(f(...a)), { argnums })(...inputs);
        compareTree(g, c.grad, 1e-4, 1e-5, "grad", errs);
      }
      expect(errs).toEqual([]);
    });
  }

  it("integers are promoted to float32, and errors name the function", () => {
    expect(sp.expit(np.array(Int32Array.from([0]))).dtype).toBe("float32");
    expect(() => sp.xlogy(np.ones([2]), np.ones([3]))).toThrow(/scipy.special.xlogy/);
    expect(() => sp.erf("a" as never)).toThrow(/scipy.special.erf/);
  });
});
