/**
 * What the tests of memory reclaimed by the garbage collector share (liveness tokens,
 * recomputable results): a full collection on demand, a task turn, deterministic float32 data,
 * and the wasm buffer behind an array.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { WasmBuffer } from "../../codegen/wasm/runtime.js";
import type { ConcreteArray } from "../../src/core/array.js";
import type { numpy as np } from "../../src/index.js";

setFlagsFromString("--expose-gc");
/** A full collection (the engine runs them by itself under memory pressure; tests force them). */
export const gc = runInNewContext("gc") as () => void;
/** A task turn: the liveness token pool refills, finalizers run. */
export const turn = () => new Promise((r) => setTimeout(r, 0));
/** n float32 values that differ with the seed. */
export const ramp = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => ((i * 7 + seed * 13) % 1000) / 8 - 50);
export const bufferOf = (x: np.Array) => (x as unknown as ConcreteArray).buffer as WasmBuffer;
