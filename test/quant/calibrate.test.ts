/**
 * Static int8 inference: calibrated activation scales, the int8 model under jit (native int8
 * kernels on wasm, bit-identical to the cpu reference and to the standalone export), and its
 * accuracy against the float model after a short training run.
 */
import { describe, expect, it } from "vitest";
import { data, devicePut, exportFn, jit, lax, numpy as np, optax, quant, random, tree, valueAndGrad } from "../../src/index.js";
import { LeNet, syntheticDataset } from "../../examples/lenet.js";
import { bytesOf, runStandalone } from "../export/standalone.js";

const [init, apply] = LeNet();
/** Kernel functions of a compiled program that multiply paired int8 panels. */
const pairedKernels = (text: string) => text.split("(func $").filter((f) => f.includes("i32x4.dot_i16x8_s")).length;

/** LeNet after `steps` Adam steps on the synthetic set (the bars are learnable in a few dozen). */
function trained(steps: number): unknown {
  let [, params] = init(random.key(0), [-1, 28, 28, 1]) as [unknown, unknown];
  const train = syntheticDataset(steps * 32, 1);
  const opt = optax.adam(3e-3);
  let state = opt.init(params);
  const loss = (p: unknown, x: np.Array, y: np.Array) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(apply(p, x), y));
  const step = jit((p: unknown, s: unknown, x: np.Array, y: np.Array) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    const [updates, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, updates), s2, l];
  });
  for (const rows of data.batches(steps * 32, 32, { seed: 1, dropRemainder: true })) {
    const x = np.array(data.gatherRows(train.images, 784, rows), { shape: [rows.length, 28, 28, 1] });
    const y = np.array(Int32Array.from(rows, (r) => train.labels[r]!));
    [params, state] = step(params, state, x, y) as [unknown, unknown];
  }
  return params;
}

const params = trained(30);
const calib = syntheticDataset(128, 7);
const batches = [0, 1].map((b) => np.array(calib.images.subarray(b * 64 * 784, (b + 1) * 64 * 784), { shape: [64, 28, 28, 1] }));
const test = syntheticDataset(400, 2);
const testX = np.array(test.images, { shape: [400, 28, 28, 1] });

describe("quant.calibrate", () => {
  it("gives max |activation| / 127 for each quantizable contraction, in program order", () => {
    const scales = quant.calibrate(apply, params, batches);
    expect(scales.length).toBe(5); // two convolutions, three dense layers
    // The first contraction reads the images themselves.
    const amax = Math.max(...batches.map((b) => np.max(np.abs(b)).item() as number));
    expect(scales[0]).toBe(Math.fround(amax / 127));
    for (const s of scales) expect(s).toBeGreaterThan(0);
    // More batches can only widen the ranges.
    const one = quant.calibrate(apply, params, [batches[0]!]);
    one.forEach((s, i) => expect(scales[i]!).toBeGreaterThanOrEqual(s));
  });
  it("rejects what it cannot calibrate, naming the function", () => {
    expect(() => quant.calibrate(apply, params, [])).toThrow(/quant.calibrate: .*batches/);
    expect(() => quant.calibrate(apply, quant.quantizeParams(params), batches)).toThrow(/quant.calibrate: params leaf 0 is not an array/);
    expect(() => quant.calibrate(apply, params, batches, { percentile: 99 } as never)).toThrow(/quant.calibrate.*percentile/);
  });
});

describe("quant.quantizedApply", () => {
  const scales = quant.calibrate(apply, params, batches);
  const qparams = quant.quantizeParams(params);
  const qapply = quant.quantizedApply(apply, scales);

  it("runs every contraction natively in int8 on wasm (only the pooling host steps remain), bit-identical to the cpu reference", () => {
    const x = testX.slice([0, 32]);
    const f = jit((q: unknown, xs: np.Array) => qapply(q, xs));
    const text = f.lower(qparams, x).compile().asText();
    expect(pairedKernels(text)).toBe(5);
    const hosts = [...text.matchAll(/: host (\w+)/g)].map((m) => m[1]);
    expect(hosts.every((h) => h === "reduce_window_max")).toBe(true);
    const got = f(qparams, x).dataSync();
    const onCpu = tree.map((l: np.Array) => devicePut(l, "cpu"), qparams);
    const cpu = qapply(onCpu, devicePut(x, "cpu")) as np.Array;
    expect(bytesOf(got as Float32Array)).toEqual(bytesOf(cpu.dataSync() as Float32Array));
  });
  it("keeps the float model's accuracy within 1 point, with weights about 4x smaller", () => {
    const acc = (logits: np.Array) => {
      const pred = np.argmax(logits, -1).dataSync() as Int32Array;
      return pred.filter((c, i) => c === test.labels[i]).length / test.n;
    };
    const floatAcc = acc(jit(apply)(params, testX) as np.Array);
    const int8Acc = acc(jit(qapply)(qparams, testX) as np.Array);
    expect(floatAcc).toBeGreaterThan(0.8); // trained: the comparison means something
    expect(int8Acc).toBeGreaterThanOrEqual(floatAcc - 0.01);
    expect(quant.paramBytes(qparams)).toBeLessThan(quant.paramBytes(params) / 3.5);
  });
  it("exports: the standalone .wasm of the int8 model (int8 weights embedded) is bit-identical to jit, without jaxts", () => {
    const x = testX.slice([0, 16]);
    const predict = (xs: np.Array) => qapply(qparams, xs) as np.Array;
    const exported = exportFn(predict)({ shape: [16, 28, 28, 1], dtype: "float32" });
    expect(exported.consts.some((c) => c instanceof Int8Array)).toBe(true);
    const r = runStandalone(exported.toWasm({ weights: "embed" }), [{ dtype: "float32", data: x.dataSync() as Float32Array }]);
    expect(r.error).toBeUndefined();
    expect(r.jaxtsImportable).toBe(false);
    expect(r.outputs[0]!.bytes).toEqual(bytesOf(jit(predict)(x).dataSync() as Float32Array));
  });
  it("a weight left float (quantizeParams's skip) runs in float; a scale count that does not match is an error", () => {
    const partial = quant.quantizeParams(params, { skip: (w: np.Array) => w.ndim === 4 });
    const x = testX.slice([0, 32]);
    const text = jit((q: unknown, xs: np.Array) => qapply(q, xs)).lower(partial, x).compile().asText();
    expect(pairedKernels(text)).toBe(3); // the dense layers only
    expect(() => quant.quantizedApply(apply, scales.slice(1))(qparams, x)).toThrow(/quant.quantizedApply: the model has more quantizable contractions than the 4 calibrated scales/);
    expect(() => quant.quantizedApply(apply, [...scales, 1])(qparams, x)).toThrow(/quant.quantizedApply: 6 scales were given, the model has 5 quantizable contractions/);
    expect(() => quant.quantizedApply(apply, [0, ...scales.slice(1)])).toThrow(/quant.quantizedApply/);
    expect(lax).toBeDefined();
  });
});
