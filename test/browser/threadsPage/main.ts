/**
 * A test page (not an example): the wasm backend's thread pool on browser Workers. The page's
 * `runThreadsCheck()` computes a matmul, row sums, a jitted training-like step, a whole-array
 * sum and argmax and a sort of many rows on one
 * thread and on two, and returns the results' bits and the pool's counters, so the test can
 * check that a Worker took chunks and that the bits do not depend on the thread count.
 */
import { sharedMemoryAvailable } from "../../../codegen/wasm/threads.js";
import { wasmBackend } from "../../../src/backends/wasm.js";
import * as jaxts from "../../../src/index.js";

const { numpy: np, jit, grad } = jaxts;

/** Deterministic pseudo-random floats in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const a = np.array(values(256 * 256, 1), { shape: [256, 256] });
const b = np.array(values(256 * 192, 2), { shape: [256, 192] });
const x = np.array(values(300 * 1000, 3), { shape: [300, 1000] });
const matmul = jit((p: jaxts.Array, q: jaxts.Array) => np.matmul(p, q));
const rowSums = jit((p: jaxts.Array) => np.sum(np.sin(p), 1));
const loss = (w: jaxts.Array, p: jaxts.Array) => np.mean(np.square(np.tanh(np.matmul(p, w))));
const step = jit((w: jaxts.Array, p: jaxts.Array) => np.subtract(w, np.multiply(0.1, grad(loss)(w, p))));

const bits = (t: jaxts.Array) => Array.from(new Uint32Array(new Float32Array(t.dataSync() as Float32Array).buffer));
// a whole-array sum and argmax (split along the reduced extent) and a sort of many rows (split by rows)
const whole = jit((p: jaxts.Array) => [np.sum(p), np.argmax(p)]);
const sortRows = jit((p: jaxts.Array) => np.sort(p, -1));
const run = () => [matmul(a, b), rowSums(x), step(b, a), ...(whole(x) as jaxts.Array[]), sortRows(x)].map(bits);

declare global {
  interface Window {
    runThreadsCheck: () => Promise<{ one: number[][]; two: number[][]; workerChunks: number; jobs: number; threads: number; isolated: boolean; shared: boolean }>;
  }
}

window.runThreadsCheck = async () => {
  jaxts.setNumThreads(1);
  const one = run();
  jaxts.setNumThreads(2);
  let two = run();
  if (!sharedMemoryAvailable()) return { one, two, workerChunks: 0, jobs: 0, threads: 0, isolated: crossOriginIsolated, shared: false };
  const pool = wasmBackend.runtime.pool;
  // Workers start, and receive each module, asynchronously: yield to the event loop between
  // tries, and leave the chunks to the pool once a Worker runs, until one took some.
  const deadline = Date.now() + 30_000;
  const before = pool.stats.workerChunks;
  pool.callerClaims = false;
  try {
    while (pool.stats.workerChunks === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      two = run();
    }
  } finally {
    pool.callerClaims = true;
  }
  return { one, two, workerChunks: pool.stats.workerChunks - before, jobs: pool.stats.jobs, threads: pool.size, isolated: crossOriginIsolated, shared: true };
};

const status = document.querySelector("#status")!;
status.textContent = "ready";
status.setAttribute("data-state", "ready");
