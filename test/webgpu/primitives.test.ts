/**
 * What runs natively and what falls back, each against the cpu reference: threefry random
 * bits and float32 convolutions are GPU kernels; sort, cumsum, gather, scatter and pooling are
 * host steps between kernels (inputs read back, the reference run, outputs written back); a
 * program using erfInv (no WGSL form yet) runs whole on the host.
 */
import { describe, expect, it } from "vitest";
import { devicePut, jit, lax, numpy as np, random } from "../../src/index.js";
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

  it("sort, cumsum, gather, scatter and pooling run as host steps between kernels", async () => {
    const x = rand([6, 5], 3);
    expect(await check("sort", (a) => np.multiply(np.sort(np.sin(a), 1), 2), [x]), "sort is a device step").toBe(0);
    expect(await check("cumsum", (a) => np.exp(np.cumsum(a, 0)), [x])).toBe(1);
    const idx = np.array(new Int32Array([4, 0, 2, 2]));
    expect(await check("gather", (a, i) => np.add(np.take(a, i, 1), 1), [x, idx])).toBeGreaterThan(0);
    expect(await check("scatter", (a) => np.multiply(a.at(1).set(np.ones([5])), 3), [x]), "scatter is a device step").toBe(0);
    expect(await check("maxPool", (a) => lax.reduceWindow(a, -Infinity, lax.max, [2, 2], [1, 1]), [x])).toBe(1);
  });

  it("erfInv is a kernel; a program with nextafter runs whole on the host, and says so in its text", async () => {
    const x = rand([7], 4);
    expect(await check("erfInv", (a) => np.add(lax.erfInv(np.multiply(a, 0.9)), 1), [x])).toBe(0);
    const f = (a: np.Array) => np.add(lax.nextafter(a, np.zeros([7])), 1);
    expect(await check("nextafter", f, [x])).toBe(1);
    expect(jit(f, { device: "webgpu" }).lower(devicePut(x, "webgpu")).compile().asText()).toMatch(/runs on the host: binary nextafter has no WGSL form yet/);
  });
});
