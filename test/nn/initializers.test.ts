/**
 * nn.initializers: golden values from JAX 0.10.2 (the "init" cases of test/golden/random.json,
 * bit for bit except orthogonal, which agrees to float32 rounding), fan computation, and the
 * initializers under jit and vmap.
 */
import { describe, expect, it } from "vitest";
import type { JArray } from "../../src/core/array.js";
import { ValueError } from "../../src/errors.js";
import * as init from "../../src/nn/initializers.js";
import * as np from "../../src/numpy/index.js";
import * as random from "../../src/random/index.js";
import { jit } from "../../src/transforms/jit.js";
import { vmap } from "../../src/vmap/api.js";
import { check, golden, runCase } from "../random/goldenCases.js";

describe(`initializers golden values (JAX ${golden.jax_version})`, () => {
  for (const c of golden.cases.filter((c) => c.fn === "init")) it(c.name, () => check(c, runCase(c)));
});

const num = (x: JArray): number => Number(x.item());

describe("computeFans", () => {
  it("dense, conv (receptive field) and explicit axes", () => {
    expect(init.computeFans([5, 7])).toEqual([5, 7]);
    expect(init.computeFans([3, 3, 4, 8])).toEqual([36, 72]);
    expect(init.computeFans([4, 8, 3, 3], 0, 1)).toEqual([36, 72]);
    expect(init.computeFans([2, 3, 4], [0, 1], -1)).toEqual([6, 4]);
    expect(init.computeFans([3, 5, 4], -2, -1, 0)).toEqual([5, 4]);
  });

  it("needs 2D weights for the default inAxis", () => {
    expect(() => init.computeFans([5])).toThrow(ValueError);
    expect(() => init.glorotNormal()(random.key(0), [5])).toThrow(ValueError);
    expect(init.computeFans([5], 0, 0)).toEqual([1, 1]); // the receptive field is 5 / 5 / 5, as in JAX
  });
});

describe("builders", () => {
  const key = random.key(0);

  it("dtypes and default arguments", () => {
    expect(init.zeros(key, [2, 3]).dtype).toBe("float32");
    expect(init.ones(key, [2], "float64").dtype).toBe("float64");
    expect(init.constant(3, { dtype: "float64" })(key, [2]).tolist()).toEqual([3, 3]);
    expect(init.heNormal({ dtype: "float64" })(key, [3, 4]).dtype).toBe("float64");
    expect(init.heNormal({ dtype: "float64" })(key, [3, 4], "float32").dtype).toBe("float32");
    expect(() => init.varianceScaling(1, "fan_sideways" as any, "normal")).toThrow(ValueError);
    expect(() => init.varianceScaling(1, "fan_in", "cauchy" as any)).toThrow(ValueError);
    expect(() => init.orthogonal()(key, [3])).toThrow(ValueError);
    expect([...init.orthogonal()(key, [0, 3]).shape]).toEqual([0, 3]);
  });

  it("variance scaling has the requested spread", () => {
    const w = init.varianceScaling(2.0, "fan_in", "truncated_normal")(key, [200, 300]);
    expect(Math.abs(num(np.std(w)) - Math.sqrt(2 / 200))).toBeLessThan(0.002);
    const u = init.heUniform()(key, [200, 300]);
    expect(num(np.max(np.abs(u)))).toBeLessThan(Math.sqrt(6 / 200));
  });

  it("orthogonal: orthonormal rows or columns, scaled, along columnAxis", () => {
    const q = init.orthogonal(2.0)(key, [3, 5]);
    expect(np.allclose(np.matmul(q, q.T), np.multiply(np.eye(3), 4), { atol: 1e-5 })).toBe(true);
    const c = init.orthogonal(1.0, { columnAxis: 0 })(key, [4, 2, 3]); // 6 rows of 4 columns
    const m = np.reshape(np.moveaxis(c, 0, -1), [6, 4]);
    expect(np.allclose(np.matmul(m.T, m), np.eye(4), { atol: 1e-5 })).toBe(true);
  });

  it("jit and vmap give what eager evaluation gives", () => {
    const fns: Record<string, (k: JArray) => JArray> = {
      glorotNormal: (k) => init.glorotNormal()(k, [4, 6]),
      heUniform: (k) => init.heUniform()(k, [3, 3, 2, 4]),
      lecunNormal: (k) => init.lecunNormal({ inAxis: 0, outAxis: 1 })(k, [5, 2]),
      normal: (k) => init.normal(0.5)(k, [7]),
      truncatedNormal: (k) => init.truncatedNormal()(k, [7]),
      uniform: (k) => init.uniform(2)(k, [7]),
    };
    const keys = random.split(key, 3);
    for (const [name, f] of Object.entries(fns)) {
      expect(np.arrayEqual(jit(f)(key), f(key)), name).toBe(true);
      const stacked = np.stack([0, 1, 2].map((i) => f(keys.slice(i))));
      expect(np.arrayEqual(vmap(f)(keys), stacked), name).toBe(true);
    }
    const o = (k: JArray) => init.orthogonal()(k, [4, 3]);
    expect(np.allclose(jit(o)(key), o(key), { atol: 2e-6 })).toBe(true);
  });
});
