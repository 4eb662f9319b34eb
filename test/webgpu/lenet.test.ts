/**
 * The LeNet example trains on the webgpu device (`--device webgpu`): its loss falls, and its
 * first losses match the same training on the wasm device (same initial parameters, same
 * batches), so the convolutions, pooling and Adam ran the same math on the GPU.
 */
import { describe, expect, it } from "vitest";
import { trainLeNet } from "../../examples/lenet.js";
import { hasWebgpu } from "./helpers.js";

describe.skipIf(!hasWebgpu)("webgpu: the LeNet example", () => {
  it("trains with --device webgpu: the loss falls and tracks the wasm device's", async () => {
    const opts = { synthetic: true, epochs: 1, trainSize: 384, testSize: 100, batchSize: 32, learningRate: 3e-3, log: false } as const;
    const gpu = await trainLeNet({ ...opts, device: "webgpu" });
    const wasm = await trainLeNet({ ...opts, device: "wasm" });
    expect(gpu.losses.length).toBe(12);
    const head = (gpu.losses[0]! + gpu.losses[1]!) / 2;
    const tail = (gpu.losses[10]! + gpu.losses[11]!) / 2;
    expect(tail).toBeLessThan(head);
    // float32 on both devices, in different orders of summation: close, not equal
    for (let k = 0; k < 4; k++) expect(Math.abs(gpu.losses[k]! - wasm.losses[k]!), `loss ${k}`).toBeLessThan(2e-3 * Math.max(1, wasm.losses[k]!));
    expect(gpu.accuracy).toBeGreaterThanOrEqual(0);
  }, 240_000);
});
