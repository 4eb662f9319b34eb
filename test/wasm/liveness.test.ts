/**
 * Liveness tokens (codegen/wasm/liveness.ts): inside one job (a loop that awaits only
 * microtasks, where no finalizer can run) the runtime reuses the wasm memory of arrays the user
 * dropped without copying them to host memory first, once a full collection has cleared their
 * tokens. These tests force those collections with `gc()` (the engine runs them by itself under
 * memory pressure) and check what matters: a dropped array's memory is reclaimed without a copy;
 * a live array is never reclaimed, however it is held (directly, through an array sharing its
 * buffer, or as a raw buffer inside the runtime across allocations); values stay exact.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WasmBuffer } from "../../codegen/wasm/runtime.js";
import type { ConcreteArray } from "../../src/core/array.js";
import { numpy as np } from "../../src/index.js";
import { bufferOf, gc, ramp, turn } from "./collector.js";
import { withWasmBackend } from "./withBackend.js";



/** Exact float32 values of a + c. */
const plus = (a: Float32Array, c: number) => a.map((v) => Math.fround(v + c));

describe("liveness tokens: dropped arrays reclaimed without a copy inside one job", () => {
  it("a microtask-only loop of dropped results reuses their memory; kept results stay exact", async () => {
    // Liveness as such: elementwise results would be dropped and recomputed instead (recompute.test.ts).
    await withWasmBackend({ evictAboveBytes: 4 * 2 ** 20, recomputeWindowBytes: 0 }, async (be) => {
      const n = 32 * 1024; // 128 KB a result: not a small buffer
      const a0 = ramp(n, 1);
      const a = np.array(a0);
      await turn(); // the token pool (made on the first large array) is filled in a task of its own
      const kept: [number, np.Array][] = [];
      const before = { ...be.runtime.evictions };
      // One job: every await below resolves at once, so no task (and no finalizer) runs until the end.
      await (async () => {
        for (let i = 0; i < 400; i++) {
          const y = np.add(a, i);
          await y.blockUntilReady();
          if (i % 9 === 0) kept.push([i, y]);
          if (i % 10 === 9) gc(); // a full collection every 1.25 MB of garbage (the threshold is 4 MB)
        }
      })();
      const reclaimed = be.runtime.evictions.reclaimedBytes - before.reclaimedBytes;
      const copied = be.runtime.evictions.bytes - before.bytes;
      // 400 x 128 KB = 50 MB through a 4 MB threshold, 45 MB of it dropped: found so, not copied
      // (what is copied: the kept results, 45 x 128 KB, and the JS numbers' scalars).
      expect(reclaimed).toBeGreaterThan(30 * 2 ** 20);
      expect(copied).toBeLessThan(8 * 2 ** 20);
      expect(be.allocatedBytes).toBeLessThan(16 * 2 ** 20);
      for (const [i, y] of kept) expect(await y.data()).toEqual(plus(a0, i));
    });
  });

  it("an array held only through another sharing its buffer is not reclaimed", async () => {
    await withWasmBackend({ evictAboveBytes: 2 * 2 ** 20 }, async (be) => {
      const n = 64 * 1024;
      const x0 = ramp(n, 2);
      let x: ConcreteArray | undefined = np.array(x0) as unknown as ConcreteArray;
      await turn();
      await (async () => {
        let owner: ConcreteArray | undefined = np.add(x!, 0) as unknown as ConcreteArray; // takes a token made in the earlier job
        const sharer = owner.share();
        owner = undefined;
        x = undefined;
        gc();
        for (let i = 0; i < 40; i++) await np.ones([n]).blockUntilReady(); // sweeps
        gc();
        for (let i = 0; i < 40; i++) await np.ones([n]).blockUntilReady();
        expect(be.runtime.evictions.reclaimed).toBeGreaterThan(0); // the np.ones results were
        expect(await sharer.readAsync()).toEqual(x0);
      })();
    });
  });

  it("a raw buffer used after its array died is kept (the first sweep only marks it); unused for two sweeps it is freed, and a use then throws", async () => {
    await withWasmBackend({ evictAboveBytes: 2 * 2 ** 20 }, async (be) => {
      const rt = be.runtime;
      const n = 64 * 1024;
      const x0 = ramp(n, 3);
      np.array(x0); // creates the token pool
      await turn();
      // A sweep moves the oldest unpinned buffers out; fill past the threshold with fresh allocations.
      const sweep = () => {
        const runs = rt.evictions.runs;
        const held: WasmBuffer[] = [];
        while (rt.evictions.runs === runs) held.push(rt.allocBuffer(2 ** 20));
        for (const b of held) rt.free(b);
      };
      await (async () => {
        // Arrays made and dropped in a frame of their own (a suspended async frame may keep stale temporaries).
        const rawBufferOfDroppedArray = () => bufferOf(np.add(np.array(x0), 0));
        const kept = rawBufferOfDroppedArray();
        const lost = rawBufferOfDroppedArray();
        // Sweeps leave buffers younger than the last collection seen and ask for one; the engine
        // would run it by itself soon, here gc() runs it now; a sweep after it finds both tokens
        // cleared: marked, not freed.
        for (let k = 0; k < 4 && kept.deadSince * lost.deadSince === 0; k++) {
          sweep();
          gc();
        }
        expect(kept.deadSince).toBeGreaterThan(0);
        expect(lost.deadSince).toBeGreaterThan(0);
        expect(kept.freed || lost.freed).toBe(false);
        expect(rt.read(kept, "float32", n)).toEqual(x0); // a use: `kept` is resident again, for good
        sweep();
        sweep();
        expect(kept.freed).toBe(false);
        expect(rt.read(kept, "float32", n)).toEqual(x0);
        expect(lost.freed).toBe(true);
        expect(() => rt.read(lost, "float32", n)).toThrow(ReferenceError);
        expect(() => rt.pin([lost])).toThrow(ReferenceError);
        rt.free(kept);
      })();
    });
  });

  it("a buffer with two owners is never reclaimed by liveness", async () => {
    await withWasmBackend({ evictAboveBytes: 2 * 2 ** 20 }, async (be) => {
      const rt = be.runtime;
      np.array(ramp(64 * 1024, 4));
      await turn();
      const b = rt.allocBuffer(256 * 1024);
      const first = rt.livenessToken(b);
      expect(first).toBeDefined();
      expect(rt.livenessToken(b)).toBeUndefined();
      expect(b.alive).toBeUndefined();
      rt.free(b);
    });
  });

  it("property: any interleaving of creating, dropping, disposing, collecting and reading keeps live arrays exact and reclaims dropped ones", async () => {
    type Op = { kind: "make"; size: number; seed: number } | { kind: "drop"; pick: number } | { kind: "dispose"; pick: number } | { kind: "gc" } | { kind: "read"; pick: number } | { kind: "turn" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("make" as const), size: fc.constantFrom(16, 1000, 1025, 20_000, 70_000), seed: fc.nat(99) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("drop" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("dispose" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("gc" as const) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("read" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("turn" as const) }) },
    );
    await withWasmBackend({ evictAboveBytes: 1 * 2 ** 20 }, async (be) => {
      np.array(ramp(70_000, 0));
      await turn();
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 120 }), async (ops) => {
          const live: { x: np.Array; want: Float32Array }[] = [];
          for (const o of ops) {
            switch (o.kind) {
              case "make": {
                const base = ramp(o.size, o.seed);
                // an op's result (a fresh buffer with a token), sometimes from a live array
                const from = live.length > 0 && o.seed % 2 === 0 ? live[o.seed % live.length]! : undefined;
                const x = from !== undefined && from.want.length === o.size ? np.add(from.x, 1) : np.add(np.array(base), 0);
                live.push({ x, want: from !== undefined && from.want.length === o.size ? plus(from.want, 1) : base });
                break;
              }
              case "drop":
                if (live.length > 0) live.splice(o.pick % live.length, 1);
                break;
              case "dispose":
                if (live.length > 0) live.splice(o.pick % live.length, 1)[0]!.x.dispose();
                break;
              case "gc":
                gc();
                break;
              case "read":
                if (live.length > 0) {
                  const l = live[o.pick % live.length]!;
                  expect(l.x.dataSync()).toEqual(l.want);
                }
                break;
              case "turn":
                await turn();
                break;
            }
          }
          for (const l of live) expect(await l.x.data()).toEqual(l.want);
        }),
        { numRuns: 25 },
      );
      // Memory stays bounded by the threshold and what is live, not by what was ever made.
      await turn();
      gc();
      await turn();
      expect(be.allocatedBytes).toBeLessThan(8 * 2 ** 20);
    });
  }, 120_000);
});

describe("the liveness token pool", () => {
  it("hands out tokens made in an earlier task, and doubles (up to its maximum) after a job ran it dry", async () => {
    const { LivenessPool } = await import("../../codegen/wasm/liveness.js");
    const pool = new LivenessPool(4, 16);
    const drain = () => {
      let n = 0;
      while (pool.take() !== undefined) n++;
      return n;
    };
    await turn(); // tokens are made in a task of their own
    expect(drain()).toBe(4);
    await turn();
    expect(drain()).toBe(8);
    await turn();
    expect(drain()).toBe(16);
    await turn();
    expect(drain()).toBe(16);
  });
});
