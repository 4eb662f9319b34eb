/**
 * Memory: a long training loop on the wasm backend holds steady memory. 10,000 calls of a
 * jitted MLP training step (grad of the loss + SGD, through the public API) leave the bytes
 * allocated in wasm memory flat; arrays dropped without dispose() are reclaimed by the
 * FinalizationRegistry once the garbage collector runs.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { Allocator, WasmOutOfMemoryError } from "../../codegen/wasm/runtime.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import { devicePut, grad, jit, nn, numpy as np, tree } from "../../src/index.js";
import { primJaxpr, randomData, wasmBackend } from "./helpers.js";

type Params = { w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array };

const put = (shape: number[], seed: number) => devicePut(np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range: 0.5 }), { shape }), "wasm");

function setup() {
  const params: Params = { w1: put([8, 16], 1), b1: put([16], 2), w2: put([16, 4], 3), b2: put([4], 4) };
  const x = put([32, 8], 5);
  const y = put([32, 4], 6);
  const loss = (p: Params, x: np.Array, y: np.Array) => {
    const h = nn.relu(np.add(np.matmul(x, p.w1), p.b1));
    const out = np.add(np.matmul(h, p.w2), p.b2);
    return np.mean(np.square(np.subtract(out, y)));
  };
  const step = jit(
    (p: Params, x: np.Array, y: np.Array): [Params, np.Array] => {
      const g = grad(loss)(p, x, y) as Params;
      return [tree.map((w: np.Array, gw: np.Array) => np.subtract(w, np.multiply(gw, 0.05)), p, g) as Params, loss(p, x, y)];
    },
    { device: "wasm" },
  );
  return { params, x, y, step };
}

describe("wasm memory over a training loop", () => {
  it("10,000 jitted training steps (disposing the old parameters) leave allocated bytes flat", () => {
    let { params, x, y, step } = setup();
    const first = (() => {
      const [p, l] = step(params, x, y);
      l.dispose();
      tree.leaves(params).forEach((a) => (a as np.Array).dispose());
      params = p;
      return Number(step(params, x, y)[1]);
    })();
    const compiles = wasmBackend.stats.compiles;
    const base = wasmBackend.allocatedBytes;
    let last = first;
    for (let i = 0; i < 10_000; i++) {
      const [p, l] = step(params, x, y);
      if (i === 9_999) last = Number(l);
      l.dispose();
      tree.leaves(params).forEach((a) => (a as np.Array).dispose());
      params = p;
      if (i % 1000 === 0) expect(wasmBackend.allocatedBytes).toBe(base);
    }
    expect(wasmBackend.allocatedBytes).toBe(base);
    expect(wasmBackend.stats.compiles).toBe(compiles); // one compiled program, reused
    expect(last).toBeLessThan(first); // and it trains
    tree.leaves(params).forEach((a) => (a as np.Array).dispose());
    x.dispose();
    y.dispose();
  });

  it("arrays dropped without dispose() are freed by the garbage collector", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const settle = async () => {
      for (let k = 0; k < 3; k++) {
        gc();
        await new Promise((r) => setTimeout(r, 0));
      }
    };
    let { params, x, y, step } = setup();
    [params] = step(params, x, y);
    await settle();
    const base = wasmBackend.allocatedBytes;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 500; i++) [params] = step(params, x, y);
      await settle();
      // everything but the live parameters (and what the previous round left) is reclaimed
      expect(wasmBackend.allocatedBytes).toBeLessThanOrEqual(base + 4096);
    }
  });

  it("running out of memory is a clear error, and the backend keeps working", async () => {
    const small = await createWasmBackend({ maxBytes: 4 * 65536, initialBytes: 65536 });
    const aval = new ShapedArray([100_000], "float32");
    expect(() => small.fromHost(new Float32Array(100_000), aval)).toThrow(WasmOutOfMemoryError);
    expect(() => small.fromHost(new Float32Array(100_000), aval)).toThrow(/out of memory: cannot allocate \d+ bytes/);
    const v = new ShapedArray([1000], "float32");
    const ok = small.fromHost(new Float32Array(1000).fill(2), v);
    const [y] = small.executePrimitive("mul", [ok, ok], [v, v], {}, [v]);
    expect(small.readSync(y!, v)[999]).toBe(4);
  });

  it("the allocator reuses and coalesces freed blocks", () => {
    const a = new Allocator(new WebAssembly.Memory({ initial: 1, maximum: 16 }), 16 * 65536);
    const p1 = a.alloc(100);
    const p2 = a.alloc(1000);
    const p3 = a.alloc(100);
    a.release(p1, 100);
    a.release(p2, 1000);
    expect(a.alloc(1100)).toBe(p1); // the two freed neighbours coalesced
    a.release(p3, 100);
    const top = a.top;
    expect(a.alloc(64 * 1024)).toBeGreaterThanOrEqual(64);
    expect(a.top).toBeGreaterThan(top); // grew the memory
    expect(a.allocatedBytes).toBe(Math.ceil(1100 / 64) * 64 + 64 * 1024);
  });

  it("runs over a shared memory (the layout workers will use)", async () => {
    const shared = await createWasmBackend({ sharedMemory: true, maxBytes: 256 * 65536 });
    expect(shared.runtime.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const v = new ShapedArray([37], "float32");
    const x = shared.fromHost(Float32Array.from({ length: 37 }, (_, i) => i / 7), v);
    const [y] = shared.executePrimitive("sin", [x], [v], {}, [v]);
    const got = shared.readSync(y!, v);
    for (let i = 0; i < 37; i++) expect(got[i]).toBeCloseTo(Math.sin(Math.fround(i / 7)), 6);
    expect(shared.lowerText(primJaxpr("exp", [v], {}))).toContain("(memory 1 256 shared)");
  });
});

describe("wasm memory without dispose, in a synchronous loop", () => {
  it("stays bounded: buffers are evicted to host memory, where the JS garbage collector frees dropped ones", async () => {
    const { registerBackend, getBackend } = await import("../../src/backends/index.js");
    const saved = getBackend("wasm");
    const small = await createWasmBackend({ evictAboveBytes: 4 * 2 ** 20 });
    registerBackend(small);
    try {
      let params = { w: devicePut(np.ones([64, 64]), "wasm"), b: devicePut(np.zeros([64]), "wasm") };
      const x = devicePut(np.ones([32, 64]), "wasm");
      const loss = (p: typeof params) => np.mean(np.square(np.add(np.matmul(x, p.w), p.b)));
      const step = jit((p: typeof params) => tree.map((w: np.Array, g: np.Array) => np.subtract(w, np.multiply(g, 1e-3)), p, grad(loss)(p)) as typeof params, {
        device: "wasm",
      });
      // 20 KB of new parameters per step, never disposed: 2000 steps would be 40 MB without eviction.
      for (let i = 0; i < 2000; i++) params = step(params);
      expect(small.allocatedBytes).toBeLessThan(12 * 2 ** 20);
      expect(small.runtime.evictions.runs).toBeGreaterThan(0);
      // Evicted arrays still read back and compute correctly.
      const expected = np.subtract(params.w, np.multiply(grad(loss)(params).w, 1e-3));
      expect(np.allclose(step(params).w, expected)).toBe(true);
    } finally {
      registerBackend(saved);
    }
  });
});

describe("10,000 jitted training steps with no dispose at all", () => {
  it("leave wasm memory and the JS heap flat (the GC and eviction reclaim everything dropped)", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { registerBackend, getBackend } = await import("../../src/backends/index.js");
    const saved = getBackend("wasm");
    const small = await createWasmBackend({ evictAboveBytes: 2 * 2 ** 20 });
    registerBackend(small);
    try {
      const put = (shape: number[], seed: number) => devicePut(np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range: 0.5 }), { shape }), "wasm");
      let params: Params = { w1: put([8, 16], 1), b1: put([16], 2), w2: put([16, 4], 3), b2: put([4], 4) };
      const x = put([32, 8], 5);
      const y = put([32, 4], 6);
      const loss = (p: Params) => {
        const h = nn.relu(np.add(np.matmul(x, p.w1), p.b1));
        return np.mean(np.square(np.subtract(np.add(np.matmul(h, p.w2), p.b2), y)));
      };
      const step = jit((p: Params) => tree.map((w: np.Array, g: np.Array) => np.subtract(w, np.multiply(g, 0.05)), p, grad(loss)(p)) as Params, { device: "wasm" });
      const settle = async () => {
        for (let k = 0; k < 3; k++) {
          gc();
          await new Promise((r) => setTimeout(r, 0));
        }
      };
      for (let i = 0; i < 200; i++) params = step(params); // warm up: compile, caches
      await settle();
      const wasmBase = small.allocatedBytes;
      const heapBase = process.memoryUsage().heapUsed;
      let peak = 0;
      for (let i = 0; i < 10_000; i++) {
        params = step(params); // a synchronous loop, nothing disposed: finalizers cannot run here
        peak = Math.max(peak, small.allocatedBytes);
      }
      // Without eviction the dropped parameters would pile up (about 1.1 KB a step, 11 MB in all).
      expect(peak).toBeLessThan(6 * 2 ** 20);
      await settle();
      expect(small.allocatedBytes).toBeLessThanOrEqual(wasmBase + 4096);
      // Flat heap: what 10,000 steps leave behind is far less than one step's garbage per step.
      expect(process.memoryUsage().heapUsed - heapBase).toBeLessThan(4 * 2 ** 20);
      expect(Number(loss(params))).toBeLessThan(Number(loss({ w1: put([8, 16], 1), b1: put([16], 2), w2: put([16, 4], 3), b2: put([4], 4) })));
    } finally {
      registerBackend(saved);
    }
  }, 120_000);
});
