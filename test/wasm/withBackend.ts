/** A fresh wasm backend for one test (no side effect on import, unlike helpers.ts, which registers its own backend). */
import { getBackend, registerBackend } from "../../src/backends/index.js";
import { type WasmBackend, createWasmBackend } from "../../src/backends/wasm.js";
import { defaultDevice } from "../../src/index.js";

/**
 * Runs `f` with a fresh wasm backend (its own memory; `opts` as createWasmBackend takes them)
 * registered as "wasm" and made the default device, then puts back the backend and default
 * device that were there.
 */
export async function withWasmBackend<T>(opts: Parameters<typeof createWasmBackend>[0], f: (b: WasmBackend) => Promise<T> | T): Promise<T> {
  const saved = getBackend("wasm");
  const savedDefault = defaultDevice();
  const b = await createWasmBackend(opts);
  registerBackend(b);
  defaultDevice("wasm");
  try {
    return await f(b);
  } finally {
    registerBackend(saved);
    defaultDevice(savedDefault);
  }
}
