/**
 * The wasm backend's thread pool (issue 11, items 1 and 5): results are bit-identical between
 * one thread and two (reductions, contractions, elementwise transcendentals, a loop whose body
 * holds a parallel kernel, a training step) and agree with the cpu reference; the pool really
 * ran chunks on worker threads; a Node process using the pool exits on its own; a failure on a
 * worker thread surfaces on the calling thread as a clear error; setNumThreads, numThreads,
 * JAXTS_NUM_THREADS and blockUntilReady behave as documented.
 *
 * This file is the suite's 2-thread run: it sets the count itself, whatever the machine has.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ThreadPool, WorkerError } from "../../codegen/wasm/threads.js";
import * as jaxts from "../../src/index.js";
// helpers registers its own wasm backend as the "wasm" device.
import { randomData, runJaxprWasm, runOnPoolThreads, wasmBackend } from "./helpers.js";
import { createWasmBackend } from "../../src/backends/wasm.js";

const { numpy: np, jit, grad, lax, tree, nn } = jaxts;
const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const initialThreads = jaxts.numThreads();
afterAll(() => jaxts.setNumThreads(initialThreads));

const put = (shape: number[], seed: number, range = 1) =>
  jaxts.devicePut(np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range }), { shape }), "wasm");
const bits = (a: jaxts.Array) => Array.from(new Uint32Array(new Float32Array(a.dataSync() as Float32Array).buffer));

/** Runs `f` with 1 thread and with 2 (until a worker thread took part), and returns both results' bits. */
function oneAndTwo(f: () => jaxts.Array[]): { one: number[][]; two: number[][]; out: jaxts.Array[] } {
  jaxts.setNumThreads(1);
  const one = f().map(bits);
  jaxts.setNumThreads(2);
  const pool = wasmBackend.runtime.pool;
  const out = runOnPoolThreads(pool, f);
  return { one, two: out.map(bits), out };
}

/** Within float32 tolerance of the cpu reference (the independent truth). */
function nearCpu(got: jaxts.Array, f: () => jaxts.Array, tol = 1e-4): void {
  jaxts.defaultDevice("cpu");
  try {
    const want = f().dataSync() as Float32Array;
    const g = got.dataSync() as Float32Array;
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(g[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
    expect(worst).toBeLessThan(tol);
  } finally {
    jaxts.defaultDevice("wasm");
  }
}

describe("results do not depend on the thread count", () => {
  it("reductions (rows, columns, a whole array) are bit-identical with 1 and 2 threads", () => {
    const x = put([300, 700], 1);
    const rows = jit((a: jaxts.Array) => np.sum(a, 1));
    const cols = jit((a: jaxts.Array) => np.max(np.exp(a), 0));
    const all = jit((a: jaxts.Array) => np.mean(np.square(a)));
    const { one, two, out } = oneAndTwo(() => [rows(x), cols(x), all(x)]);
    expect(two).toEqual(one);
    const cpuX = () => jaxts.devicePut(x, "cpu");
    nearCpu(out[0]!, () => np.sum(cpuX(), 1));
    nearCpu(out[1]!, () => np.max(np.exp(cpuX()), 0));
  });

  it("matmul (square, odd edges, batched) is bit-identical with 1 and 2 threads", () => {
    const a = put([200, 301], 2);
    const b = put([301, 190], 3);
    const c = put([12, 40, 64], 4);
    const d = put([12, 64, 50], 5);
    const mm = jit((p: jaxts.Array, q: jaxts.Array) => nn.relu(np.matmul(p, q)));
    const { one, two, out } = oneAndTwo(() => [mm(a, b), mm(c, d)]);
    expect(two).toEqual(one);
    nearCpu(out[0]!, () => nn.relu(np.matmul(jaxts.devicePut(a, "cpu"), jaxts.devicePut(b, "cpu"))));
    nearCpu(out[1]!, () => nn.relu(np.matmul(jaxts.devicePut(c, "cpu"), jaxts.devicePut(d, "cpu"))));
  });

  it("a tall matmul with few columns (split over blocks of row panels) and LeNet's first convolution are bit-identical with 1 and 2 threads", () => {
    const a = put([20001, 25], 7);
    const b = put([25, 6], 8);
    const img = put([64, 28, 28, 1], 9);
    const ker = put([5, 5, 1, 6], 10);
    const mm = jit((p: jaxts.Array, q: jaxts.Array) => np.matmul(p, q));
    const conv = jit((x: jaxts.Array, w: jaxts.Array) => nn.relu(lax.convGeneralDilated(x, w, [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] })));
    const { one, two, out } = oneAndTwo(() => [mm(a, b), conv(img, ker)]);
    expect(two).toEqual(one);
    nearCpu(out[0]!, () => np.matmul(jaxts.devicePut(a, "cpu"), jaxts.devicePut(b, "cpu")));
    nearCpu(out[1]!, () => nn.relu(lax.convGeneralDilated(jaxts.devicePut(img, "cpu"), jaxts.devicePut(ker, "cpu"), [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] })));
  });

  it("elementwise sin/exp over 1e5+3 floats (some large arguments, so the exact path reruns a chunk) is bit-identical", () => {
    const x = put([100003], 6, 20000);
    const f = jit((v: jaxts.Array) => np.exp(np.multiply(np.sin(v), 0.5)));
    const { one, two, out } = oneAndTwo(() => [f(x)]);
    expect(two).toEqual(one);
    nearCpu(out[0]!, () => np.exp(np.multiply(np.sin(jaxts.devicePut(x, "cpu")), 0.5)), 1e-5);
  });

  it("a scan whose body holds a parallel kernel is bit-identical and matches the cpu reference", () => {
    const w = put([128, 128], 7, 0.1);
    const x0 = put([64, 128], 8);
    const run = (w: jaxts.Array, x0: jaxts.Array) => lax.foriLoop(0, 5, (_i: jaxts.Array, x: jaxts.Array) => np.tanh(np.matmul(x, w)), x0);
    const f = jit(run);
    const { one, two, out } = oneAndTwo(() => [f(w, x0) as jaxts.Array]);
    expect(two).toEqual(one);
    nearCpu(out[0]!, () => run(jaxts.devicePut(w, "cpu"), jaxts.devicePut(x0, "cpu")) as jaxts.Array);
  });

  it("a training step (MLP, grad + SGD) is bit-identical with 1 and 2 threads", () => {
    type P = { w1: jaxts.Array; b1: jaxts.Array; w2: jaxts.Array; b2: jaxts.Array };
    const p: P = { w1: put([196, 256], 9, 0.1), b1: put([256], 10, 0.1), w2: put([256, 10], 11, 0.1), b2: put([10], 12, 0.1) };
    const x = put([128, 196], 13);
    const y = nn.oneHot(np.array(Array.from({ length: 128 }, (_, i) => i % 10), "int32"), 10);
    const loss = (p: P) => {
      const h = nn.relu(np.add(np.matmul(x, p.w1), p.b1));
      return np.negative(np.mean(np.sum(np.multiply(nn.logSoftmax(np.add(np.matmul(h, p.w2), p.b2)), y), 1)));
    };
    const step = jit((p: P) => tree.map((w: jaxts.Array, g: jaxts.Array) => np.subtract(w, np.multiply(g, 0.1)), p, grad(loss)(p)) as P);
    const { one, two } = oneAndTwo(() => tree.leaves(step(step(p))) as jaxts.Array[]);
    expect(two).toEqual(one);
  });
});

describe("split kernels compute what one pass computes", () => {
  it("sin/exp over 1e5+1 floats, row sums and a matmul with odd edges give the bits of a backend that never splits", async () => {
    const unsplit = await createWasmBackend({ sharedMemory: false, eagerHostMaxElements: 0 });
    const cases: [(...a: jaxts.Array[]) => jaxts.Array, number[][]][] = [
      [(v) => np.exp(np.multiply(np.sin(v), 0.5)), [[100001]]],
      [(v) => np.sum(np.tanh(v), 1), [[301, 517]]],
      [(a, b) => np.matmul(a, b), [[203, 301], [301, 190]]],
    ];
    jaxts.setNumThreads(2);
    for (const [f, shapes] of cases) {
      const { jaxpr } = jaxts.makeJaxpr(f)(...shapes.map((s) => np.zeros(s)));
      const inputs = shapes.map((s, i) => randomData("float32", s.reduce((a, b) => a * b, 1), 20 + i, { range: 100 }));
      const jobs = wasmBackend.runtime.pool.stats.jobs + wasmBackend.runtime.pool.stats.serialJobs;
      const split = runJaxprWasm(jaxpr, inputs);
      expect(wasmBackend.runtime.pool.stats.jobs + wasmBackend.runtime.pool.stats.serialJobs, "the kernel was split").toBeGreaterThan(jobs);
      expect(new Uint32Array(split[0]!.buffer)).toEqual(new Uint32Array(runJaxprWasm(jaxpr, inputs, unsplit)[0]!.buffer));
    }
  });
});

describe("the pool's threads", () => {
  it("do not keep a Node process alive, and JAXTS_NUM_THREADS sets the default count", async () => {
    // Bundle the child (a plain JS file Node runs as is), next to node_modules so its imports resolve.
    const { build } = await import("rolldown");
    const dir = join(repo, "tmp", "threads-child");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "child.mjs");
    await build({
      input: join(repo, "test", "wasm", "fixtures", "threadsChild.ts"),
      external: [/^node:/, "wabt", "fast-check", "fp-ts", "immer", /^fp-ts\//],
      platform: "node",
      logLevel: "silent",
      output: { file, format: "esm", codeSplitting: false },
    });
    const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000, env: { ...process.env, JAXTS_NUM_THREADS: "3" } });
    expect(r.error, "the child exited on its own within 60 s").toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(got.fromEnv).toBe(3);
    expect(got.threads).toBe(2);
    expect(got.jobs).toBeGreaterThan(0);
    expect(got.poolThreads).toBe(1);
    const bad = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000, env: { ...process.env, JAXTS_NUM_THREADS: "zero" } });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('JAXTS_NUM_THREADS must be a positive integer, got "zero"');
  }, 120_000);

  it("a kernel that runs out of wasm memory on a worker thread fails on the calling thread with a clear error", () => {
    // A module over the shared memory whose kernel loads past the memory's end when it runs on a
    // pool thread (whose scratch differs from the caller's) and is slow on the calling thread,
    // so that the pool thread gets chunks.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    const wat = `(module (import "env" "memory" (memory 1 2 shared))
      (func (export "k") (param $caller i32) (param $lo i32) (param $hi i32) (param $scratch i32) (local $i i32)
        (if (i32.ne (local.get $scratch) (local.get $caller)) (then (drop (i32.load (i32.const 0x7ffffff0)))))
        (loop $spin (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $spin (i32.lt_u (local.get $i) (i32.const 2000000))))))`;
    const bytes = wasmBackend.runtime.assemble(wat);
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    let next = 1024;
    const pool = new ThreadPool(memory, () => (next += 4096), 64);
    const mod = { id: 0, module, kernels: [{ name: "k", nargs: 1, extent: 64, chunk: 1, nChunks: 64 }], fns: [instance.exports.k as (...a: number[]) => void], math: [] };
    jaxts.setNumThreads(2);
    let err: unknown = null;
    try {
      const deadline = Date.now() + 20_000;
      while (err === null && Date.now() < deadline) {
        try {
          pool.run(mod, 0, [64]);
        } catch (e) {
          err = e;
        }
      }
    } finally {
      void pool.terminate();
    }
    expect(err).toBeInstanceOf(WorkerError);
    expect((err as Error).message).toMatch(/^wasm backend: kernel k failed on a worker thread \(pool thread 1 failed on chunk \d+ of 64: memory access out of bounds\)$/);
  });
});

describe("setNumThreads, numThreads, blockUntilReady", () => {
  it("setNumThreads takes a positive integer and numThreads reports it", () => {
    jaxts.setNumThreads(3);
    expect(jaxts.numThreads()).toBe(3);
    jaxts.setNumThreads(1);
    expect(jaxts.numThreads()).toBe(1);
    expect(() => jaxts.setNumThreads(0)).toThrow(/setNumThreads.*n.*must be a positive integer/s);
    expect(() => jaxts.setNumThreads(1.5)).toThrow(TypeError);
    expect(() => (jaxts.setNumThreads as () => void)()).toThrow(/setNumThreads.*n/s);
  });

  it("blockUntilReady returns its argument, for an array and for a tree, and rejects a disposed array", () => {
    const x = np.arange(4);
    expect(x.blockUntilReady()).toBe(x);
    const t = { a: [x, np.ones([2])], b: 3, c: null };
    expect(jaxts.blockUntilReady(t)).toBe(t);
    expect(jaxts.blockUntilReady(x)).toBe(x);
    const y = np.ones([3]);
    y.dispose();
    expect(() => y.blockUntilReady()).toThrow(/disposed/);
    expect(() => jaxts.blockUntilReady({ y })).toThrow(/disposed/);
    // Under a transform, a traced value is returned as it is.
    expect(jit((v: jaxts.Array) => jaxts.blockUntilReady(np.multiply(v, 2)) as jaxts.Array)(x).tolist()).toEqual([0, 2, 4, 6]);
  });
});
