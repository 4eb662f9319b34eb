/** The registry of backends, the default device, and moving arrays between devices. */
import { ValueError } from "../errors.js";
import type { Backend, DeviceName } from "./backend.js";
import { cpuBackend } from "./cpu.js";
import { wasmBackend } from "./wasm.js";
import { createBrowserWebgpuBackend, createDawnWebgpuBackend } from "./webgpu.js";

export type { Backend, DeviceName } from "./backend.js";

const backends = new Map<DeviceName, Backend>([
  ["cpu", cpuBackend as Backend],
  ["wasm", wasmBackend as Backend],
]);

// WebGPU joins only where an adapter exists: a browser's navigator.gpu is asked at import (quiet);
// Node's Dawn only when devices() or the webgpu device is first asked for (its drivers are loud).
const browserGpu = await createBrowserWebgpuBackend().catch(() => null);
if (browserGpu) backends.set("webgpu", browserGpu as Backend);
let webgpuProbed = browserGpu !== null;
function probeWebgpu(): void {
  if (webgpuProbed) return;
  webgpuProbed = true;
  const b = createDawnWebgpuBackend();
  if (b) backends.set("webgpu", b as Backend);
}

/** Compiled WebAssembly is the default; `cpu` is the reference interpreter. */
let defaultName: DeviceName = "wasm";

/** The names of the backends available here. */
export function devices(): DeviceName[] {
  probeWebgpu();
  return [...backends.keys()];
}

export function getBackend(name: DeviceName = defaultName): Backend {
  if (name === "webgpu") probeWebgpu();
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
