/**
 * geqrf and householderProduct on webgpu: host steps (the reference kernel between device
 * steps), agreeing with the cpu reference in float32.
 */
import { describe, it } from "vitest";
import { devicePut, jit, lax, numpy as np } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu } from "./helpers.js";

const rand = (shape: number[], seed: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range: 1 }), { dtype: "float32", shape });

describe.skipIf(!hasWebgpu)("geqrf on webgpu", () => {
  it("qr raw, geqrf and householderProduct (tall, wide, batched) agree with the cpu reference", async () => {
    const f = (a: np.Array) => {
      const [h, tau] = np.linalg.qr(np.multiply(a, 2), { mode: "raw" });
      const [g, t] = lax.linalg.geqrf(a);
      const k = Math.min(...a.shape.slice(-2));
      return [np.add(h, 1), tau, lax.linalg.householderProduct(lax.sliceInDim(g, 0, k, 1, g.ndim - 1), t)];
    };
    for (const [shape, seed] of [[[5, 3], 1], [[3, 5], 2], [[2, 4, 4], 3]] as [number[], number][]) {
      const a = rand(shape, seed);
      const expected = jit(f, { device: "cpu" })(devicePut(a, "cpu"));
      await compareAsync(jit(f, { device: "webgpu" })(devicePut(a, "webgpu")), expected, `shape ${shape}`);
    }
  });
});
