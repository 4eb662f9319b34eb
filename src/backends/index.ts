/** The registry of backends, the default device, and moving arrays between devices. */
import { ValueError } from "../errors.js";
import type { Backend, DeviceName } from "./backend.js";
import { cpuBackend } from "./cpu.js";
import { wasmBackend } from "./wasm.js";
import { createWebgpuBackend } from "./webgpu.js";

export type { Backend, DeviceName } from "./backend.js";

const backends = new Map<DeviceName, Backend>([
  ["cpu", cpuBackend as Backend],
  ["wasm", wasmBackend as Backend],
]);

// WebGPU joins only where an adapter exists (the browser's, or Dawn's optional npm package in Node).
const webgpu = await createWebgpuBackend().catch(() => null);
if (webgpu) backends.set("webgpu", webgpu as Backend);

/** Compiled WebAssembly is the default; `cpu` is the reference interpreter. */
let defaultName: DeviceName = "wasm";

/** The names of the backends available here. */
export function devices(): DeviceName[] {
  return [...backends.keys()];
}

export function getBackend(name: DeviceName = defaultName): Backend {
  const b = backends.get(name);
  if (!b) throw new ValueError(`device "${name}" is not available here; available: ${devices().join(", ")}`);
  return b;
}

export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
}

/** Sets the default device (and returns it); with no argument, returns the current default. */
export function defaultDevice(name?: DeviceName): DeviceName {
  if (name !== undefined) {
    getBackend(name);
    defaultName = name;
  }
  return defaultName;
}
