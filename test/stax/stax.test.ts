import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grad, jit, makeJaxpr, numpy as np, random, stax, testing, valueAndGrad, vmap } from "../../src/index.js";

// Golden outputs from JAX's example_libraries.stax for given params (test/golden/gen_stax.py).
const golden = JSON.parse(readFileSync(new URL("../golden/stax.json", import.meta.url), "utf8")).layers as Record<
  string,
  { inputShape: number[]; outputShape: unknown; paramShapes: unknown; params: unknown; input: Enc; output: Enc }
>;
type Enc = { shape: number[]; data: number[] };

const decode = (x: unknown): unknown => {
  if (Array.isArray(x)) return x.map(decode);
  const e = x as Enc;
  return np.array(Float64Array.from(e.data), { dtype: "float64", shape: e.shape });
};
const shapesOf = (p: unknown): unknown => (Array.isArray(p) ? p.map(shapesOf) : [...(p as np.Array).shape]);

const layers: Record<string, stax.Layer> = {
  Dense: stax.Dense(5),
  Conv_valid: stax.Conv(3, [3, 3]),
  Conv_same_strided: stax.Conv(4, [3, 2], { strides: [2, 1], padding: "SAME" }),
  ConvTranspose_same: stax.ConvTranspose(3, [3, 3], { strides: [2, 2], padding: "SAME" }),
  ConvTranspose_valid: stax.ConvTranspose(2, [2, 3], { strides: [2, 1], padding: "VALID" }),
  BatchNorm: stax.BatchNorm(),
  BatchNorm_axis0: stax.BatchNorm({ axis: [0] }),
  MaxPool: stax.MaxPool([2, 2], { strides: [2, 2] }),
  MaxPool_same: stax.MaxPool([3, 3], { strides: [2, 2], padding: "SAME" }),
  AvgPool_same: stax.AvgPool([3, 3], { strides: [2, 2], padding: "SAME" }),
  SumPool: stax.SumPool([2, 3]),
  Flatten: stax.Flatten,
  Relu: stax.Relu,
  Tanh: stax.Tanh,
  Sigmoid: stax.Sigmoid,
  Elu: stax.Elu,
  LeakyRelu: stax.LeakyRelu,
  Gelu: stax.Gelu,
  Softplus: stax.Softplus,
  LogSoftmax: stax.LogSoftmax,
  Softmax: stax.Softmax,
  Identity: stax.Identity,
  serial_mlp: stax.serial(stax.Dense(6), stax.Relu, stax.Dense(3), stax.LogSoftmax),
  serial_fanout_parallel: stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Identity), stax.FanInConcat()),
  serial_fanout_sum: stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Dense(3)), stax.FanInSum),
  Dropout_eval: stax.Dropout(0.3, "eval"),
};

describe("stax layers agree with JAX's stax", () => {
  it("covers every golden layer", () => {
    expect(Object.keys(layers).sort()).toEqual(Object.keys(golden).sort());
  });
  for (const [name, g] of Object.entries(golden)) {
    it(name, () => {
      const [init, apply] = layers[name]!;
      const [outShape, params] = init(random.key(0), g.inputShape);
      expect(outShape).toEqual(g.outputShape);
      expect(shapesOf(params)).toEqual(g.paramShapes);
      const y = apply(decode(g.params), decode(g.input) as np.Array) as np.Array;
      expect(y.shape).toEqual(g.output.shape);
      const got = y.dataSync();
      g.output.data.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-12 + 1e-10 * Math.abs(v)));
    });
  }
});

describe("stax behaviour beyond the golden cases", () => {
  it("Dropout takes the drop rate: about that fraction is zeroed, the rest scaled by 1/(1 - rate)", () => {
    const [, apply] = stax.Dropout(0.25);
    const x = np.ones([200, 50]);
    const y = apply([], x, { rng: random.key(3) }) as np.Array;
    const data = Array.from(y.dataSync());
    const dropped = data.filter((v) => v === 0).length / data.length;
    expect(dropped).toBeGreaterThan(0.22);
    expect(dropped).toBeLessThan(0.28);
    expect(new Set(data.filter((v) => v !== 0).map((v) => v.toFixed(5)))).toEqual(new Set([(1 / 0.75).toFixed(5)]));
    expect(() => apply([], x)).toThrow(/rng/);
    expect((apply([], x, { mode: "eval" }) as np.Array).tolist()).toEqual(x.tolist());
  });

  it("recurrent layers map [batch, time, features] to [batch, time, hidden], causally", () => {
    for (const layer of [stax.RNN(3), stax.LSTM(3), stax.GRU(3)]) {
      const [init, apply] = layer;
      const [outShape, params] = init(random.key(1), [2, 4, 5]);
      expect(outShape).toEqual([2, 4, 3]);
      const x = random.normal(random.key(2), [2, 4, 5]);
      const y = apply(params, x) as np.Array;
      expect(y.shape).toEqual([2, 4, 3]);
      // The output at step t depends only on inputs up to t (causality).
      const x2 = x.at([null, null], 3).set(100);
      const y2 = apply(params, x2) as np.Array;
      expect(np.allclose(y.slice([null, null], [0, 3]), y2.slice([null, null], [0, 3]))).toBe(true);
      expect(np.allclose(y.slice([null, null], 3), y2.slice([null, null], 3))).toBe(false);
    }
  });

  it("recurrent layers reject inputs that are not [batch, time, features]", () => {
    const [init, apply] = stax.LSTM(3);
    expect(() => init(random.key(0), [2, 5])).toThrow(/stax.LSTM: expected an input shape \[batch, time, features\], got \[2,5\]/);
    const [, params] = init(random.key(0), [2, 4, 5]);
    expect(() => apply(params, np.ones([4, 5]))).toThrow(/stax.LSTM: expected inputs of shape \[batch, time, features\], got \[4,5\]/);
  });

  it("a recurrent layer's time loop is one scan: the jaxpr does not grow with the sequence length", () => {
    const jaxprOf = (layer: stax.Layer, time: number) => {
      const [init, apply] = layer;
      const [, params] = init(random.key(0), [4, time, 6]);
      const loss = (p: unknown, x: np.Array) => np.mean(np.square(apply(p, x) as np.Array));
      return makeJaxpr(jit(loss))(params, np.ones([4, time, 6])).toString();
    };
    for (const layer of [stax.RNN(5), stax.LSTM(5), stax.GRU(5)]) {
      const short = jaxprOf(layer, 3);
      const long = jaxprOf(layer, 60);
      expect(short.match(/\bscan\[/g)?.length).toBe(1);
      expect(long.match(/\bscan\[/g)?.length).toBe(1);
      expect(long.split("\n").length).toBe(short.split("\n").length);
      expect(long).toMatch(/length=60/);
    }
  });
  it("a jitted LSTM training step (value and grad) is traced once into scans whose number and size do not grow with the sequence length", () => {
    const jaxprOf = (time: number) => {
      const [init, apply] = stax.serial(stax.LSTM(5), stax.Dense(2));
      const [, params] = init(random.key(0), [4, time, 6]);
      const loss = (p: unknown, x: np.Array) => np.mean(np.square(apply(p, x) as np.Array));
      return makeJaxpr(jit(valueAndGrad(loss)))(params, np.ones([4, time, 6])).toString();
    };
    const short = jaxprOf(3);
    const long = jaxprOf(60);
    const scans = short.match(/\bscan\[/g)?.length ?? 0;
    expect(scans).toBeGreaterThanOrEqual(1);
    expect(scans).toBeLessThanOrEqual(2); // the forward loop and its transpose
    expect(long.match(/\bscan\[/g)?.length).toBe(scans);
    expect(long.split("\n").length).toBe(short.split("\n").length);
  });
  it("vmap of a recurrent layer over a leading axis of sequence batches equals applying it to each", () => {
    for (const layer of [stax.RNN(3), stax.LSTM(3), stax.GRU(3)]) {
      const [init, apply] = layer;
      const [, params] = init(random.key(4), [2, 5, 4]);
      const xs = random.normal(random.key(5), [3, 2, 5, 4]);
      const batched = vmap((x: np.Array) => apply(params, x) as np.Array)(xs);
      const each = np.stack([0, 1, 2].map((i) => apply(params, xs.slice(i)) as np.Array));
      expect(batched.shape).toEqual([3, 2, 5, 3]);
      expect(np.allclose(batched, each, { atol: 1e-6 })).toBe(true);
    }
  });

  const f64 = (t: unknown): unknown =>
    Array.isArray(t) ? t.map(f64) : t && typeof t === "object" && !(t instanceof np.Array) ? Object.fromEntries(Object.entries(t).map(([k, v]) => [k, f64(v)])) : (t as np.Array).astype("float64");
  for (const [name, layer] of [
    ["RNN", stax.RNN(2)],
    ["LSTM", stax.LSTM(2)],
    ["GRU", stax.GRU(2)],
  ] as const) {
    it(`${name}: checkGrads through the scan, orders 1 and 2, forward and reverse, in params and inputs`, () => {
      const [init, apply] = layer;
      const [, params] = init(random.key(1), [2, 3, 2]);
      const x = random.normal(random.key(2), [2, 3, 2]).astype("float64");
      const f = (p: unknown, input: np.Array) => np.sum(np.tanh(apply(p, input) as np.Array));
      testing.checkGrads(f, [f64(params), x], 1, { modes: ["fwd", "rev"] });
      testing.checkGrads(f, [f64(params), x], 2, { modes: ["fwd", "rev"] });
    });
  }

  it("a serial network's loss can be differentiated with respect to its params", () => {
    const [init, apply] = stax.serial(stax.Conv(2, [3, 3], { padding: "SAME" }), stax.Relu, stax.MaxPool([2, 2], { strides: [2, 2] }), stax.Flatten, stax.Dense(3), stax.LogSoftmax);
    const [, params] = init(random.key(0), [2, 4, 4, 1]);
    const x = random.normal(random.key(1), [2, 4, 4, 1]);
    const loss = (p: unknown) => np.negative(np.mean(np.sum(apply(p, x) as np.Array, -1)));
    const g = grad(loss)(params) as unknown[];
    expect(g.length).toBe(6);
  });
});

describe("stax layers have correct gradients (checkGrads, float64)", () => {
  const toF64 = (t: unknown): unknown => (Array.isArray(t) ? t.map(toF64) : (t as np.Array).astype("float64"));
  for (const [name, g] of Object.entries(golden)) {
    // Pooling ties and relu kinks are avoided by the random (tie-free) golden inputs.
    it(name, () => {
      const [, apply] = layers[name]!;
      const params = decode(g.params);
      const x = decode(g.input) as np.Array;
      const f = (p: unknown, input: np.Array) => {
        const y = apply(p, input) as np.Array;
        return np.sum(np.multiply(np.sin(y), y));
      };
      testing.checkGrads(f, [toF64(params), x], 1, { modes: ["fwd", "rev"] });
    });
  }
});
