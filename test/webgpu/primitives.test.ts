/**
 * What runs natively and what falls back, each against the cpu reference: threefry random
 * bits, float32 convolutions (im2col and col2im), pooling and its gradient, cumulative ops,
 * gather, dynamic slices, scatter and sort are GPU kernels; a
 * program using erfInv (no WGSL form yet) runs whole on the host.
 */
import { describe, expect, it } from "vitest";
import { devicePut, grad, jit, lax, numpy as np, random } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu, webgpu } from "./helpers.js";

const rand = (shape: number[], seed: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range: 1 }), { dtype: "float32", shape });

/**
 * Runs f under jit on webgpu, compares with the reference, and returns how many host steps a
 * second call took (the first also traces, which may run eager ops on constants).
 */
async function check(what: string, f: (...xs: np.Array[]) => np.Array, args: np.Array[]): Promise<number> {
  const expected = f(...args);
  const g = jit(f, { device: "webgpu" });
  const gArgs = args.map((x) => devicePut(x, "webgpu"));
  await compareAsync([g(...gArgs)], [expected], what);
  const stats = webgpu().runtime.stats;
  const before = stats.hostSteps;
  await compareAsync([g(...gArgs)], [expected], `${what} (second call)`);
  return stats.hostSteps - before;
}

describe.skipIf(!hasWebgpu)("webgpu: native kernels and host fallbacks", () => {
  it("random bits (threefry) and float32 convolution run as GPU kernels", async () => {
    const k = random.key(42);
    expect(await check("random.uniform", (kk) => random.uniform(kk, [5, 7]), [k]), "random.uniform host steps").toBe(0);
    const conv = (x: np.Array, w: np.Array) => np.tanh(lax.conv(x, w, [1, 1], "SAME"));
    expect(await check("conv", conv, [rand([2, 3, 9, 9], 1), rand([8, 3, 3, 3], 2)])).toBe(0);
  });

  it("pooling (max, min, sum; padding, strides, dilation), max pooling's gradient and a convolution's input gradient (col2im) run as GPU kernels", async () => {
    const x = rand([2, 7, 6, 3], 5);
    const pool = (op: typeof lax.max, init: number) => (a: np.Array) =>
      lax.reduceWindow(a, init, op, [1, 3, 2, 1], [1, 2, 1, 1], [[0, 0], [1, 1], [0, 1], [0, 0]], { windowDilation: [1, 1, 2, 1] });
    expect(await check("maxPool", pool(lax.max, -Infinity), [x])).toBe(0);
    expect(await check("minPool", pool(lax.min, Infinity), [x])).toBe(0);
    expect(await check("sumPool", pool(lax.add, 0), [x])).toBe(0);
    const maxPoolGrad = grad((a: np.Array) => np.sum(np.sin(lax.reduceWindow(a, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"))));
    expect(await check("maxPool gradient", maxPoolGrad, [x])).toBe(0);
    // ties, infinities and NaN: the choice as XLA folds its select (a NaN held only where it ends a window)
    const tied = np.array(Float32Array.from({ length: 48 }, (_, i) => [1, 2, NaN, 1, 1, -Infinity, 2, 2, Infinity, 0, NaN, NaN][(i * 5) % 12]!), { shape: [2, 4, 6] });
    for (const op of [lax.max, lax.min]) {
      const weights = np.arange(24, { dtype: "float32" }).reshape([2, 4, 3]);
      const poolGrad = grad((a: np.Array) => np.sum(np.multiply(lax.reduceWindow(a, op === lax.max ? -Infinity : Infinity, op, [1, 3, 3], [1, 1, 2], [[0, 0], [1, 1], [1, 1]]), weights)));
      expect(await check("pool gradient with ties and NaN", poolGrad, [tied])).toBe(0);
    }
    const convInputGrad = grad((a: np.Array, w: np.Array) => np.sum(np.tanh(lax.convGeneralDilated(a, w, [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }))));
    expect(await check("conv input gradient", convInputGrad, [rand([2, 8, 8, 6], 6), rand([5, 5, 6, 4], 7)])).toBe(0);
  });

  it("cumulative ops along any axis, either direction, are GPU kernels (a loop per line)", async () => {
    const x = rand([6, 5, 7], 8);
    expect(await check("cumsum", (a) => np.exp(np.cumsum(a, 0)), [x])).toBe(0);
    expect(await check("cumprod", (a) => np.cumprod(np.add(a, 1), 2), [x])).toBe(0);
    expect(await check("cummax reversed", (a) => lax.cummax(a, 1, true), [x])).toBe(0);
    expect(await check("cummin", (a) => lax.cummin(np.sin(a), 2), [x])).toBe(0);
  });

  it("gather, dynamic slices and scatter (data-dependent indices; scatter one sequential invocation) run as GPU kernels", async () => {
    const x = rand([6, 5], 3);
    const idx = np.array(new Int32Array([4, 0, 2, 2, -1, 9]));
    expect(await check("gather", (a, i) => np.add(np.take(a, i, 1, { mode: "clip" }), 1), [x, idx])).toBe(0);
    expect(await check("scatter", (a) => np.multiply(a.at(1).set(np.ones([5])), 3), [x])).toBe(0);
    expect(await check("scatterAdd with duplicates", (a, i) => np.multiply(a.at(np.remainder(i, 6)).add(np.ones([6, 5])), 3), [x, idx])).toBe(0);
    // uint32 indices (clamped before the cast to i32), fill mode's bounds test on the raw index
    const u = np.array(new Uint32Array([4, 0, 0xffffffff, 2, 7]));
    const dims = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };
    expect(await check("gather, uint32, fill", (a, i) => lax.gather(a, np.reshape(i, [5, 1]), dims, [1, 5], { mode: "fill", fillValue: -7 }), [x, u])).toBe(0);
    expect(await check("gather, uint32, clip", (a, i) => lax.gather(a, np.reshape(i, [5, 1]), dims, [1, 5], { mode: "clip" }), [x, u])).toBe(0);
    const k = np.array(3, { dtype: "int32" });
    expect(await check("dynamic slices", (a, s) => lax.dynamicUpdateSlice(a, np.exp(lax.dynamicSlice(a, [s, s], [2, 2])), [np.negative(s), s]), [x, k])).toBe(0);
  });

  it("sort (a bitonic network) and scatter (atomics) run as device steps", async () => {
    const x = rand([6, 5], 3);
    expect(await check("sort", (a) => np.multiply(np.sort(np.sin(a), 1), 2), [x]), "sort is a device step").toBe(0);
    expect(await check("scatter", (a) => np.multiply(a.at(1).set(np.ones([5])), 3), [x]), "scatter is a device step").toBe(0);
  });

  it("erfInv is a kernel; a program with nextafter runs whole on the host, and says so in its text", async () => {
    const x = rand([7], 4);
    expect(await check("erfInv", (a) => np.add(lax.erfInv(np.multiply(a, 0.9)), 1), [x])).toBe(0);
    const f = (a: np.Array) => np.add(lax.nextafter(a, np.zeros([7])), 1);
    expect(await check("nextafter", f, [x])).toBe(1);
    expect(jit(f, { device: "webgpu" }).lower(devicePut(x, "webgpu")).compile().asText()).toMatch(/runs on the host: binary nextafter has no WGSL form yet/);
  });
});
