/**
 * Shared helpers for the webgpu tests: whether an adapter exists here, and comparing webgpu
 * arrays (read asynchronously) against the cpu reference.
 */
import { expect } from "vitest";
import { getBackend } from "../../src/backends/index.js";
import type { WebgpuBackend } from "../../src/backends/webgpu.js";
import { devices, type numpy as np } from "../../src/index.js";
import { expectClose } from "../wasm/helpers.js";

export const hasWebgpu = devices().includes("webgpu");
if (!hasWebgpu)
  console.warn(
    "test/webgpu: skipped: no WebGPU adapter here. In Node this needs the optional `webgpu` package and a Vulkan driver: " +
      "`apt-get install -y chromium libvulkan1` and VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (what .ci/run sets up).",
  );

export const webgpu = (): WebgpuBackend => getBackend("webgpu") as WebgpuBackend;

export const tol = { rtol: 2e-4, atol: 2e-4 };

/** Reads webgpu outputs with `await x.data()` and compares them with the reference's. */
export async function compareAsync(actual: readonly np.Array[], expected: readonly np.Array[], what: string, t = tol): Promise<void> {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    expect(a.dtype, `${what} output ${i} dtype`).toBe(e.dtype);
    expect(a.shape, `${what} output ${i} shape`).toEqual(e.shape);
    expect(a.device, `${what} output ${i} device`).toBe("webgpu");
    expectClose(await a.data(), e.dataSync(), e.dtype, t, `${what} output ${i}`);
  }
}
