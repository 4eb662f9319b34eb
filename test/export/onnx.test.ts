import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";
import * as np from "../../src/numpy/index.js";
import * as lax from "../../src/lax.js";
import * as nn from "../../src/nn/index.js";
import * as random from "../../src/random/index.js";
import * as stax from "../../src/stax/index.js";
import { makeJaxpr } from "../../src/transforms/makeJaxpr.js";
import { exportFn, quant } from "../../src/index.js";
import { decodeOnnx, jaxprToOnnx } from "../../src/export/onnx.js";
import { LeNet, syntheticDataset } from "../../examples/lenet.js";

// Every model is run by ONNX Runtime (onnxruntime-node, CPU) and compared with jaxts's own outputs.

const ortType: Record<string, string> = { float32: "float32", float64: "float64", int32: "int32", bool: "bool", int8: "int8", uint8: "uint8", uint32: "uint32" };

async function runOnnx(bytes: Uint8Array, args: np.Array[]): Promise<{ data: ArrayLike<number | boolean>; dims: readonly number[]; type: string }[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  args.forEach((a, i) => {
    feeds[`input_${i}`] = new ort.Tensor(ortType[a.dtype] as "float32", a.dataSync() as Float32Array, [...a.shape]);
  });
  const out = await session.run(feeds);
  return session.outputNames.map((n) => {
    const t = out[n]!;
    return { data: t.data as ArrayLike<number>, dims: t.dims, type: t.type };
  });
}

let modelCount = 0;

/** Exports f at args, runs it in ONNX Runtime, and checks every output against f's own. */
async function expectSameAsJaxts(f: (...a: any[]) => any, args: np.Array[], rtol = 1e-5, atol = 1e-6, opset?: number): Promise<Uint8Array> {
  const closed = makeJaxpr(f)(...args);
  const bytes = jaxprToOnnx(closed, opset === undefined ? {} : { opset });
  // JAXTS_ONNX_DIR=dir keeps the models for test/golden/check_onnx.py (ONNX's own checker).
  if (process.env.JAXTS_ONNX_DIR) writeFileSync(join(process.env.JAXTS_ONNX_DIR, `${expect.getState().currentTestName!.replace(/[^a-z0-9]+/gi, "_").slice(0, 60)}_${args.length}_${modelCount++}.onnx`), bytes);
  const got = await runOnnx(bytes, args);
  const want = [f(...args)].flat(Infinity) as np.Array[];
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i]!;
    expect([...g.dims]).toEqual([...w.shape]);
    const wv = w.dtype === "bool" ? (w.dataSync() as Uint8Array) : (w.dataSync() as Float32Array);
    const gv = Array.from(g.data, Number);
    for (let k = 0; k < wv.length; k++) {
      const [a, b] = [gv[k]!, Number(wv[k])];
      if (Number.isNaN(b)) expect(a).toBeNaN();
      else if (Math.abs(a - b) > atol + rtol * Math.abs(b)) expect.fail(`output ${i}[${k}]: onnxruntime ${a}, jaxts ${b}`);
    }
  });
  return bytes;
}

const key = random.key(0);
const normal = (k: number, shape: number[]) => random.normal(random.foldIn(key, k), shape);

describe("jaxprToOnnx: models run in ONNX Runtime give jaxts's outputs", () => {
  it("LeNet inference (Conv, MaxPool, Dense, ReLU)", async () => {
    const [init, apply] = LeNet();
    const [, params] = init(random.key(1), [-1, 28, 28, 1]);
    const data = syntheticDataset(8, 3);
    const x = np.array(data.images, { shape: [8, 28, 28, 1] });
    const bytes = await expectSameAsJaxts((xs: np.Array) => apply(params, xs), [x], 1e-5, 1e-5);
    const model = decodeOnnx(bytes);
    expect(model.opset_import[0]!.version).toBe(17);
    const ops = new Set(model.graph.node.map((n) => n.op_type));
    for (const op of ["Conv", "MaxPool", "MatMul", "Max", "Transpose"]) expect(ops.has(op)).toBe(true);
  });
  it("exported.toOnnx: an Exported's captured weights (host copies) become initializers; the int8 LeNet too", async () => {
    const [init, apply] = LeNet();
    const [, params] = init(random.key(1), [-1, 28, 28, 1]);
    const data = syntheticDataset(16, 3);
    const x = np.array(data.images, { shape: [16, 28, 28, 1] });
    const check = async (f: (xs: np.Array) => np.Array, tol: number) => {
      const exported = exportFn(f)(x);
      expect(exported.consts.length).toBeGreaterThan(0);
      const [got] = await runOnnx(exported.toOnnx(), [x]);
      const want = f(x).dataSync() as Float32Array;
      expect(got!.dims).toEqual([16, 10]);
      want.forEach((w, i) => expect(Math.abs((got!.data[i] as number) - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
    };
    await check((xs) => apply(params, xs) as np.Array, 1e-5);
    const scales = quant.calibrate(apply, params, [x]);
    const qparams = quant.quantizeParams(params);
    await check((xs) => quant.quantizedApply(apply, scales)(qparams, xs) as np.Array, 1e-5);
  });
  it("dynamicSlice and dynamicUpdateSlice with run-time starts, clamped as JAX clamps them (fast-check shapes and starts)", async () => {
    const cases: [number[], number[], number[]][] = [];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: -3, max: 8 }), { minLength: 3, maxLength: 3 }),
        (shape, sizes, starts) => {
          cases.push([shape, shape.map((n, d) => Math.min(n, sizes[d]!)), starts.slice(0, shape.length)]);
        },
      ),
      { numRuns: 12 },
    );
    for (const [shape, sizes, starts] of cases) {
      const x = normal(shape.length, shape);
      const idx = starts.map((v) => np.array(v, { dtype: "int32" }));
      await expectSameAsJaxts((a: np.Array, ...i: np.Array[]) => lax.dynamicSlice(a, i, sizes), [x, ...idx], 0, 0);
      const upd = normal(7, sizes);
      await expectSameAsJaxts((a: np.Array, u: np.Array, ...i: np.Array[]) => lax.dynamicUpdateSlice(a, u, i), [x, upd, ...idx], 0, 0);
    }
  });
  it("an MLP with softmax output, weights as initializers", async () => {
    const [init, apply] = stax.serial(stax.Dense(16), stax.Tanh, stax.Dense(8), stax.Gelu, stax.Dense(3), stax.LogSoftmax);
    const [, params] = init(random.key(2), [-1, 5]);
    await expectSameAsJaxts((x: np.Array) => apply(params, x), [normal(1, [4, 5])], 1e-5, 1e-5);
  });
  it("elementwise math and comparisons", async () => {
    const f = (x: np.Array, y: np.Array) => [
      np.add(np.multiply(x, y), np.subtract(x, 2)),
      np.divide(x, np.add(np.abs(y), 1)),
      np.exp(np.tanh(x)),
      np.log1p(np.abs(x)),
      np.sqrt(np.abs(y)),
      nn.sigmoid(x),
      np.maximum(x, y),
      np.minimum(x, 0.5),
      np.where(np.greater(x, y), x, y),
      np.sin(x),
      np.cos(y),
      np.power(np.abs(x), 1.5),
      np.square(y),
      np.negative(x),
      np.round(np.multiply(x, 3)),
      np.floor(x),
      np.ceil(y),
      np.clip(x, -0.5, 0.5),
      np.logicalAnd(np.less(x, 0), np.greaterEqual(y, 0)),
      np.notEqual(x, y),
      lax.rem(x, np.add(np.abs(y), 0.5)),
      lax.rsqrt(np.add(np.abs(x), 1)),
      np.sign(y),
      lax.integerPow(x, 3),
      nn.gelu(x),
      nn.softplus(y),
    ];
    await expectSameAsJaxts(f, [normal(2, [3, 4]), normal(3, [3, 4])], 2e-5, 1e-6);
  });
  it("reductions, argmax, cumsum, converts and iota", async () => {
    const f = (x: np.Array) => [
      np.sum(x, 0),
      np.max(x, 1),
      np.min(x),
      np.mean(x, [0, 1], { keepdims: true }),
      np.prod(np.add(np.abs(x), 0.5), 1),
      np.argmax(x, 1),
      np.argmin(x, 0),
      np.cumsum(x, 1),
      lax.convertElementType(np.multiply(x, 10), "int32"),
      np.add(x, np.arange(4)),
      np.any(np.greater(x, 1), 1),
      np.all(np.greater(x, -3), 0),
    ];
    await expectSameAsJaxts(f, [normal(4, [3, 4])], 1e-5, 1e-6);
  });
  it("shapes: reshape, transpose, broadcast, slice, pad, concatenate, flip, take, pooling", async () => {
    const f = (x: np.Array, idx: np.Array) => [
      np.reshape(x, [4, 6]),
      np.transpose(x, [2, 0, 1]),
      np.broadcastTo(np.sum(x, 2, { keepdims: true }), [2, 3, 4]),
      x.slice([0, 2], [1, null], [null, null, 2]),
      np.pad(x, [[1, 0], [0, 2], [1, 1]]),
      np.concatenate([x, np.multiply(x, 2)], 1),
      np.flip(x, 1),
      np.take(x, idx, 1),
      np.expandDims(np.squeeze(x.slice(0)), 0),
      lax.reduceWindow(x, 0, lax.add, [1, 2, 2], [1, 1, 2], "VALID"),
      lax.reduceWindow(x, Infinity, lax.min, [1, 2, 2], [1, 1, 1], "SAME"),
    ];
    await expectSameAsJaxts(f, [normal(5, [2, 3, 4]), np.array([2, 0, 2, 1], { dtype: "int32" })], 1e-5, 1e-6);
  });
  it("control flow: cond (2 and 3 branches), whileLoop, scan (forward and reverse)", async () => {
    const f = (x: np.Array, i: np.Array) => [
      lax.cond(np.greater(np.sum(x), 0), (a: np.Array) => np.multiply(a, 2), (a: np.Array) => np.negative(a), x),
      lax.switch(i, [(a: np.Array) => np.sin(a), (a: np.Array) => np.cos(a), (a: np.Array) => np.exp(a)], x),
      lax.whileLoop((c: [np.Array, np.Array]) => np.less(c[0], 5), (c: [np.Array, np.Array]): [np.Array, np.Array] => [np.add(c[0], 1), np.multiply(c[1], 1.5)], [np.array(0, { dtype: "int32" }), x])[1],
      ...lax.scan((c: np.Array, xi: np.Array) => [np.add(c, xi), np.multiply(c, xi)], np.zeros([4]), np.reshape(np.arange(12, { dtype: "float32" }), [3, 4])),
      ...lax.scan((c: np.Array, xi: np.Array) => [np.add(np.multiply(c, 0.5), xi), c], x, np.reshape(np.arange(8, { dtype: "float32" }), [2, 4]), { reverse: true }),
    ];
    for (const i of [0, 1, 2, 7]) await expectSameAsJaxts(f, [normal(6, [4]), np.array(i, { dtype: "int32" })], 1e-5, 1e-6);
  });
  it("int8 contractions with int32 results (quantized inference), batched dotGeneral as Einsum", async () => {
    const q = (k: number, shape: number[]) => lax.convertElementType(random.randint(random.foldIn(key, k), shape, -128, 128), "int8");
    const cw = q(13, [3, 3, 2, 4]); // a closed-over int8 constant: an initializer
    const f = (x: np.Array, w: np.Array, c: np.Array, a: np.Array, b: np.Array) => [
      lax.dotGeneral(x, w, [[[1], [0]], [[], []]], { preferredElementType: "int32" }),
      lax.convGeneralDilated(c, cw, [1, 1], "SAME", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" }),
      lax.dotGeneral(a, b, [[[2], [1]], [[0], [0]]]),
    ];
    await expectSameAsJaxts(f, [q(10, [3, 20]), q(11, [20, 5]), q(12, [2, 5, 5, 2]), normal(14, [2, 3, 4]), normal(15, [2, 4, 5])], 1e-5, 1e-6);
  });
  it("opset 18 (reductions take axes as inputs) gives the same outputs", async () => {
    const bytes = await expectSameAsJaxts((x: np.Array) => [np.max(x, 1), np.min(x, 0)], [normal(7, [3, 4])], 1e-6, 0, 18);
    expect(decodeOnnx(bytes).opset_import[0]!.version).toBe(18);
  });
});

describe("jaxprToOnnx errors", () => {
  it("names a primitive without an ONNX rule", () => {
    const closed = makeJaxpr((x: np.Array) => np.sort(x))(np.ones([3]));
    expect(() => jaxprToOnnx(closed)).toThrow(/jaxprToOnnx: primitive "sort" has no ONNX export rule/);
  });
  it("rejects an opset below 17 and a bad argument", () => {
    const closed = makeJaxpr((x: np.Array) => np.sin(x))(np.ones([3]));
    expect(() => jaxprToOnnx(closed, { opset: 13 })).toThrow(/opset 13 is below 17/);
    expect(() => jaxprToOnnx(closed, { opsets: 17 } as never)).toThrow(/jaxprToOnnx/);
  });
});
