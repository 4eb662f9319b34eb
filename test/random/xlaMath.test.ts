/**
 * src/random/xlaMath.ts: the lax-operation versions of XLA's float32 log, log1p, erf and erfInv
 * (taken under tracing) and their host versions (taken on concrete arrays) must agree bit for
 * bit, on random inputs and on the edges. Agreement with JAX itself is the golden tests' job.
 */
import { describe, expect, it } from "vitest";
import { grad } from "../../src/autodiff/api.js";
import type { JArray } from "../../src/core/array.js";
import * as np from "../../src/numpy/index.js";
import * as random from "../../src/random/index.js";
import { erf32, erf32Scalar, erfInv32, erfInv32Scalar, log1p32, log1p32Scalar, log32, log32Scalar, erfInvF32 } from "../../src/random/xlaMath.js";
import { jit } from "../../src/transforms/jit.js";

const key = random.key(7);
const bits = (xs: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(xs).buffer));

function agree(name: string, lax: (x: JArray) => JArray, host: (v: number) => number, inputs: JArray): void {
  const viaLax = jit(lax)(inputs).dataSync();
  const viaHost = Array.from(inputs.dataSync(), host);
  const a = bits(viaLax);
  const b = bits(viaHost);
  const bad = a.map((v, i) => i).filter((i) => a[i] !== b[i] && !(Number.isNaN(viaLax[i]) && Number.isNaN(viaHost[i]!)));
  expect(bad.slice(0, 5).map((i) => [inputs.dataSync()[i], viaLax[i], viaHost[i]]), name).toEqual([]);
}

const edges = [0, -0, 1, -1, 0.5, -0.5, 1e-30, -1e-30, 1e-45, 2 ** -126, 0.41421356, -0.41421356, 0.9999999, -0.9999999, 3.8325, -3.8325, 4, -4, 100, -100, Infinity, -Infinity, NaN];

describe("xlaMath: lax and host versions agree", () => {
  const unit = random.uniform(key, [20000], { minval: -1, maxval: 1 });
  const wide = np.multiply(random.normal(key, [20000]), 3);
  const pos = np.exp(np.multiply(random.normal(key, [20000]), 20));

  it("erfInv", () => {
    agree("erfInv unit", erfInv32, erfInv32Scalar, unit);
    agree("erfInv edges", erfInv32, erfInv32Scalar, np.array(edges));
  });
  it("erf", () => {
    agree("erf wide", erf32, erf32Scalar, wide);
    agree("erf edges", erf32, erf32Scalar, np.array(edges));
  });
  it("log", () => {
    agree("log positive", log32, log32Scalar, pos);
    agree("log unit", log32, log32Scalar, unit);
    agree("log edges", log32, log32Scalar, np.array(edges));
  });
  it("log1p", () => {
    agree("log1p unit", log1p32, log1p32Scalar, unit);
    agree("log1p edges", log1p32, log1p32Scalar, np.array(edges));
  });
  it("eager samplers use the host path and match their traced selves", () => {
    const f = (k: JArray) => random.normal(k, [5000]);
    expect(bits(jit(f)(key).dataSync())).toEqual(bits(f(key).dataSync()));
  });
});

describe("xlaMath: accuracy and derivatives", () => {
  it("erfInv inverts erf to float32 accuracy", () => {
    const u = random.uniform(key, [2000], { minval: -0.999, maxval: 0.999 });
    const back = erf32(erfInvF32(u));
    expect(np.allclose(back, u, { atol: 1e-6, rtol: 1e-5 })).toBe(true);
  });

  it("erfInv's jvp is sqrt(pi)/2 exp(erfInv(x)^2), erf's is 2/sqrt(pi) exp(-x^2)", () => {
    for (const x of [-0.9, -0.3, 0, 0.2, 0.7]) {
      const y = Number(erfInvF32(np.array(x)).item());
      const g = Number(grad((a: JArray) => erfInv32(a))(np.array(x)).item());
      expect(g).toBeCloseTo((Math.sqrt(Math.PI) / 2) * Math.exp(y * y), 4);
      const ge = Number(grad((a: JArray) => erf32(a))(np.array(x)).item());
      expect(ge).toBeCloseTo((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), 5);
    }
  });
});
