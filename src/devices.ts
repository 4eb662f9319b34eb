/** The public device API: `devices()`, `defaultDevice(name)`, `devicePut(x, name)`, threads, `blockUntilReady`. */
import { effectiveThreads, requestedThreadCount, setRequestedThreads } from "../codegen/wasm/threads.js";
import { type DeviceName, defaultDevice, devices, getBackend } from "./backends/index.js";
import { ConcreteArray, JArray } from "./core/array.js";
import { asJArray } from "./core/convert.js";
import { moveTo } from "./core/interpreter.js";
import { any, bindArgs, kind, required } from "./core/options.js";
import { leaves } from "./tree.js";

export { defaultDevice, devices };
export type { DeviceName };

/** `x` on device `name` (the default device when omitted); tracers pass through unchanged. */
export function devicePut(x: JArray | number | boolean, name?: DeviceName): JArray {
  const a = asJArray(x, "devicePut");
  const target = name ?? defaultDevice();
  getBackend(target);
  return a instanceof ConcreteArray ? moveTo(a, target) : a;
}

const positiveInt = kind<number>("a positive integer", (v) => Number.isInteger(v) && (v as number) >= 1);

/**
 * How many threads the wasm backend's kernels run on: large contractions, elementwise loops and
 * reductions are split into chunks fixed by their shapes, so results are bit-identical for
 * every count. The default is JAXTS_NUM_THREADS, else the machine's cores. Where threads are
 * unavailable (no SharedArrayBuffer, or not under Node) kernels run on one thread, said once.
 */
export function setNumThreads(...args: unknown[]): void {
  const { n } = bindArgs("setNumThreads", args, { n: required(positiveInt) });
  setRequestedThreads(n);
}

/** The number of threads the wasm backend's kernels run on now (1 where threads are unavailable). */
export function numThreads(...args: unknown[]): number {
  bindArgs("numThreads", args, {});
  return requestedThreadCount() <= 1 ? 1 : effectiveThreads();
}

/**
 * Waits until every array in `tree` is computed and returns `tree` (JAX's
 * `jax.block_until_ready`): the tree itself when every leaf is ready at once (cpu, wasm), a
 * promise of it when a leaf lives on an asynchronous device (webgpu). `await` works for both.
 */
export function blockUntilReady<T>(...args: [T] | unknown[]): T | Promise<T> {
  const { tree } = bindArgs("blockUntilReady", args, { tree: required(any) });
  const pending: unknown[] = [];
  for (const leaf of leaves(tree)) if (leaf instanceof JArray) pending.push(leaf.blockUntilReady());
  // on an asynchronous device (webgpu) the leaves give promises: then so does this
  if (pending.some((p) => p instanceof Promise)) return Promise.all(pending).then(() => tree as T);
  return tree as T;
}
