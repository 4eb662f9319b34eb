import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grad, nn, numpy as np, vmap } from "../../src/index.js";

// Golden values from jax.nn (test/golden/gen_nn.py), float64.
type Enc = { shape: number[]; data: number[] };
const golden = JSON.parse(readFileSync(new URL("../golden/nn.json", import.meta.url), "utf8")) as { x: Enc; m: Enc; cases: Record<string, Enc> };
const arr = (e: Enc) => np.array(Float64Array.from(e.data), { dtype: "float64", shape: e.shape });
const x = arr(golden.x);
const m = arr(golden.m);
const labels = np.array(new Int32Array([3, 1, 0]));

const cases: Record<string, () => np.Array> = {
  relu: () => nn.relu(x),
  relu6: () => nn.relu6(np.multiply(x, 2)),
  sigmoid: () => nn.sigmoid(x),
  softplus: () => nn.softplus(x),
  silu: () => nn.silu(x),
  elu: () => nn.elu(x),
  elu_alpha: () => nn.elu(x, 0.3),
  leakyRelu: () => nn.leakyRelu(x),
  leakyRelu_slope: () => nn.leakyRelu(x, 0.2),
  logSigmoid: () => nn.logSigmoid(x),
  gelu: () => nn.gelu(x),
  gelu_exact: () => nn.gelu(x, { approximate: false }),
  softmax: () => nn.softmax(m),
  softmax_axis0: () => nn.softmax(m, 0),
  logSoftmax: () => nn.logSoftmax(m),
  logSoftmax_axis0: () => nn.logSoftmax(m, 0),
  logsumexp: () => nn.logsumexp(m, 1),
  oneHot: () => nn.oneHot(np.array(new Int32Array([0, 2, 1, 3, -1, 4])), 4, { dtype: "float64" }),
  grad_softmax_xent: () => grad((l: np.Array) => np.negative(np.sum(np.multiply(nn.oneHot(labels, 4, { dtype: "float64" }), nn.logSoftmax(l)))))(m),
  grad_gelu: () => vmap(grad((v: np.Array) => nn.gelu(v)))(x),
  grad_silu: () => vmap(grad((v: np.Array) => nn.silu(v)))(x),
  grad_elu: () => vmap(grad((v: np.Array) => nn.elu(v)))(x),
  grad_softplus: () => vmap(grad((v: np.Array) => nn.softplus(v)))(x),
};

describe("nn agrees with jax.nn", () => {
  it("covers every golden case", () => expect(Object.keys(cases).sort()).toEqual(Object.keys(golden.cases).sort()));
  for (const [name, want] of Object.entries(golden.cases)) {
    it(name, () => {
      const got = cases[name]!();
      expect(got.shape).toEqual(want.shape);
      const d = got.dataSync();
      want.data.forEach((v, i) => expect(Math.abs(d[i]! - v)).toBeLessThanOrEqual(1e-14 + 1e-12 * Math.abs(v)));
    });
  }
});
