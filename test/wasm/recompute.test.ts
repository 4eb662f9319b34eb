/**
 * Recomputable results (codegen/wasm/recompute.ts): a recent elementwise or data-movement result keeps a recipe;
 * once the window's bytes of newer ones exist its contents are dropped and its memory reused at
 * once, and a use after that computes the same bytes again. These tests check what a user can
 * see: every value reads back exactly (bit for bit, against the values read before the drop
 * and against plain JS), whatever was disposed, dropped or collected meanwhile; and what the
 * runtime promises: dropped-result loops stay in a few blocks without copies, recipes never
 * hold memory after their results are gone.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_RECIPE_DEPTH } from "../../codegen/wasm/recompute.js";
import type { ConcreteArray } from "../../src/core/array.js";
import { grad, jit, lax, numpy as np } from "../../src/index.js";
import { bufferOf, gc, ramp, turn } from "./collector.js";
import { withWasmBackend } from "./withBackend.js";

/**
 * Makes the runtime's liveness-token pool (on the first large array) and lets it fill: only a
 * result whose array holds a token can be dropped (without one, nothing would tell the runtime
 * inside a job that it died).
 */
async function withTokens(): Promise<void> {
  np.array(new Float32Array(N));
  await turn();
}

/** The stored bytes (float16 as bits), to compare exactly. */
const stored = (x: np.Array) => (x as unknown as ConcreteArray).readStored();

const N = 4096; // 16 KB in float32: above the small-buffer size, so results get recipes
const WINDOW = 64 * 1024;

/** Makes `bytes` of newer elementwise results over a settled input (and drops them): older results leave the window. */
function churn(a: np.Array, bytes: number): void {
  const each = a.size * 4;
  for (let k = 0; k * each < bytes + 2 * each; k++) np.add(a, k);
}

describe("recomputable results (wasm)", () => {
  it("a loop of dropped 100k-float results runs in a few blocks: no copies, nothing evicted, kept results read back exactly", async () => {
    await withWasmBackend({ evictAboveBytes: 8 * 2 ** 20 }, async (be) => {
      await withTokens();
      const rt = be.runtime;
      const a0 = ramp(100_000, 1);
      const b0 = ramp(100_000, 2);
      const a = np.array(a0);
      const b = np.array(b0);
      churn(np.zeros([100_000]), 8 * 2 ** 20); // a and b are settled past this
      const before = { ...rt.evictions };
      const base = be.allocatedBytes;
      let peak = 0;
      const kept: [number, np.Array][] = [];
      await (async () => {
        for (let i = 0; i < 500; i++) {
          const y = np.add(np.multiply(a, i), b); // np.multiply's result is dropped at once, np.add's by the next iteration
          await y.blockUntilReady();
          if (i % 50 === 0) kept.push([i, y]);
          peak = Math.max(peak, be.allocatedBytes - base);
        }
      })();
      const dropped = rt.evictions.dropped - before.dropped;
      // 1000 results of 400 KB: all but the window's (4 MiB by default: ten) dropped, none copied
      expect(dropped).toBeGreaterThan(950);
      expect(rt.evictions.buffers - before.buffers).toBe(0);
      expect(rt.evictions.reclaimed - before.reclaimed).toBe(0);
      expect(peak).toBeLessThan(4 * 2 ** 20 + 2 * 400_000 + 65536);
      const recomputedBefore = rt.evictions.recomputed;
      for (const [i, y] of kept) {
        const got = y.dataSync();
        for (const j of [0, 1, 777, 99_999]) expect(got[j]).toBe(Math.fround(Math.fround(a0[j]! * i) + b0[j]!));
      }
      // Each kept result but the newest few was dropped and is computed again, once.
      expect(rt.evictions.recomputed - recomputedBefore).toBeGreaterThanOrEqual(kept.length - 2);
      const again = rt.evictions.recomputed;
      for (const [, y] of kept) y.dataSync();
      expect(rt.evictions.recomputed).toBe(again);
    });
  });

  it("property: every elementwise op and dtype reads back bit for bit after its contents were dropped", async () => {
    type Case = { name: string; f: (a: np.Array, b: np.Array) => np.Array };
    const cases: Case[] = [
      { name: "add", f: (a, b) => np.add(a, b) },
      { name: "sub scalar", f: (a) => np.subtract(a, 0.37) },
      { name: "mul", f: (a, b) => np.multiply(a, b) },
      { name: "div", f: (a, b) => np.divide(a, b) },
      { name: "exp", f: (a) => np.exp(a) },
      { name: "sin", f: (a) => np.sin(a) },
      { name: "tanh", f: (a) => np.tanh(a) },
      { name: "maximum", f: (a, b) => np.maximum(a, b) },
      { name: "less (bool)", f: (a, b) => np.less(a, b) },
      { name: "where", f: (a, b) => np.where(np.greater(a, 0), a, b) },
      { name: "to int32", f: (a) => np.astype(np.multiply(a, 100), "int32") },
      { name: "int32 ops", f: (a, b) => np.bitwiseXor(np.astype(a, "int32"), np.astype(np.multiply(b, 7), "int32")) },
      { name: "to float16", f: (a) => np.astype(a, "float16") },
      { name: "float16 mul", f: (a, b) => np.multiply(np.astype(a, "float16"), np.astype(b, "float16")) },
      { name: "to uint8", f: (a) => np.astype(np.abs(a), "uint8") },
      { name: "int8 add", f: (a, b) => np.add(np.astype(a, "int8"), np.astype(b, "int8")) },
      // moving data around (not size-generic programs: compiled per shape)
      { name: "broadcast", f: (a) => np.broadcastTo(np.reshape(a, [1, -1]), [3, a.size]) },
      { name: "add a broadcast row", f: (a, b) => np.add(np.reshape(a, [1, -1]), np.reshape(np.stack([b, a]), [2, -1])) },
      { name: "transpose", f: (a, b) => np.transpose(np.stack([a, b])) },
      { name: "concatenate", f: (a, b) => np.concatenate([b, a]) },
      { name: "flip", f: (a) => np.flip(a) },
      { name: "pad", f: (a) => np.pad(a, [[3, 5]]) },
      { name: "slice", f: (a) => lax.slice(a, [1], [a.size - 2], [2]) },
      { name: "arange (iota)", f: (a) => np.add(np.arange(a.size, { dtype: "int32" }), 1) },
    ];
    await withWasmBackend({ recomputeWindowBytes: WINDOW }, async (be) => {
      await withTokens();
      const rt = be.runtime;
      for (const c of cases) {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(N, 5000, 3 * N + 3), fc.nat(50), async (n, seed) => {
          // Inputs made, then settled by newer work; the case's intermediate steps get recipes too (and drop).
          const a = np.array(ramp(n, seed));
          const b = np.array(ramp(n, seed + 1));
          churn(np.zeros([n]), WINDOW);
          const y = c.f(a, b);
          const want = stored(y);
          const bytes = want.byteLength;
          churn(np.zeros([n]), WINDOW);
          if (bytes > 4096) expect(bufferOf(y).dropped).toBe(true);
          const recomputed = rt.evictions.recomputed;
          expect(stored(y)).toEqual(want);
          if (bytes > 4096) {
            // y, and the dropped temporaries of the case's own steps that y's recipe reads
            expect(rt.evictions.recomputed).toBeGreaterThanOrEqual(recomputed + 1);
            expect(rt.evictions.recomputed).toBeLessThanOrEqual(recomputed + MAX_RECIPE_DEPTH);
          }
          expect(bufferOf(y).dropped).toBe(false);
          }),
          { numRuns: 3 },
        );
      }
    });
  }, 60_000);

  it("a dropped result computes again from inputs its owners disposed; their memory goes with the last recipe", async () => {
    await withWasmBackend({ recomputeWindowBytes: WINDOW }, async (be) => {
      await withTokens();
      const a0 = ramp(N, 3);
      const b0 = ramp(N, 4);
      const a = np.array(a0);
      const b = np.array(b0);
      const z = np.zeros([N]);
      churn(z, WINDOW);
      const y = np.multiply(a, b);
      churn(z, WINDOW);
      expect(bufferOf(y).dropped).toBe(true);
      const held = be.allocatedBytes;
      a.dispose();
      b.dispose();
      expect(be.allocatedBytes).toBe(held); // a's and b's blocks stay while y's recipe reads them
      expect(y.dataSync()).toEqual(a0.map((v, i) => Math.fround(v * b0[i]!)));
      // The recipe went with the recomputation, and a's and b's 32 KB with it.
      expect(be.allocatedBytes).toBeLessThanOrEqual(held - 2 * N * 4 + N * 4);
      expect(bufferOf(y).recipe).toBeUndefined();
    });
  });

  it("disposing an input of a recent result frees it at once (the result keeps its contents, without a recipe)", async () => {
    await withWasmBackend({ recomputeWindowBytes: WINDOW }, async (be) => {
      await withTokens();
      const a0 = ramp(N, 8);
      const a = np.array(a0);
      const t = np.multiply(a, 3);
      const y = np.add(t, 1); // reads t, which reads a
      expect(bufferOf(y).recipe?.depth).toBe(2);
      const before = be.allocatedBytes;
      t.dispose();
      a.dispose();
      expect(be.allocatedBytes).toBe(before - 2 * N * 4);
      expect(bufferOf(y).recipe).toBeUndefined();
      churn(np.zeros([N]), WINDOW);
      expect(bufferOf(y).dropped).toBe(false);
      expect(y.dataSync()).toEqual(a0.map((v) => Math.fround(Math.fround(v * 3) + 1)));
    });
  });

  it("disposing a dropped result lets its recipe go", async () => {
    await withWasmBackend({ recomputeWindowBytes: WINDOW }, async (be) => {
      await withTokens();
      const a = np.array(ramp(N, 5));
      const z = np.zeros([N]);
      churn(z, WINDOW);
      const y = np.exp(a);
      churn(z, WINDOW);
      expect(bufferOf(y).dropped).toBe(true);
      a.dispose();
      const before = be.allocatedBytes;
      y.dispose();
      expect(be.allocatedBytes).toBe(before - N * 4); // a's block, freed with the recipe
    });
  });

  it("dropped results whose arrays were collected release what their recipes held (finalizers, and inside one job)", async () => {
    await withWasmBackend({ recomputeWindowBytes: WINDOW }, async (be) => {
      await withTokens();
      const rt = be.runtime;
      const z = np.zeros([N]);
      np.array(ramp(N, 0)); // makes the liveness token pool
      await turn();
      // Inputs disposed by their owners, results dropped: only recipes hold the inputs.
      const base = be.allocatedBytes;
      (() => {
        for (let i = 0; i < 8; i++) {
          const a = np.array(ramp(N, i));
          churn(z, WINDOW);
          np.add(a, 1);
          churn(z, WINDOW);
          a.dispose();
        }
      })();
      expect(be.allocatedBytes - base).toBeGreaterThanOrEqual(8 * N * 4 - 65536);
      gc();
      await turn(); // finalizers of the dropped results run
      gc();
      await turn();
      expect(be.allocatedBytes - base).toBeLessThan(2 * WINDOW);
      // Inside one job (no finalizer runs): the runtime looks at the dropped results' liveness
      // tokens as their number doubles, after a collection has cleared them.
      const start = be.allocatedBytes;
      await (async () => {
        const pending: np.Array[] = [];
        for (let i = 0; i < 3000; i++) {
          const a = np.array(ramp(N, i % 17));
          if (i % 16 === 0) churn(z, WINDOW);
          np.add(a, 1);
          // disposed once the result that reads it has left the window (its contents dropped)
          pending.push(a);
          if (pending.length > 8) pending.shift()!.dispose();
          if (i % 500 === 499) gc();
        }
      })();
      expect(rt.evictions.dropped).toBeGreaterThan(0);
      // 3000 inputs of 16 KB (48 MB) were held by dropped results at some point
      expect(be.allocatedBytes - start).toBeLessThan(16 * 2 ** 20);
    });
  });

  it("recipes chain up to MAX_RECIPE_DEPTH; a chain computes again from its start", async () => {
    await withWasmBackend({ recomputeWindowBytes: WINDOW }, async (be) => {
      await withTokens();
      const rt = be.runtime;
      const a0 = ramp(N, 6);
      const a = np.array(a0);
      const z = np.zeros([N]);
      const chain = [np.add(a, 1)];
      for (let k = 1; k < 2 * MAX_RECIPE_DEPTH + 2; k++) chain.push(np.add(chain[k - 1]!, 1));
      // depths 1..MAX, then none (an input as deep as recipes go), then 1.. again
      const depths = chain.map((x) => bufferOf(x).recipe?.depth ?? 0);
      const cycle = [...Array.from({ length: MAX_RECIPE_DEPTH }, (_, k) => k + 1), 0];
      expect(depths).toEqual(Array.from({ length: chain.length }, (_, k) => cycle[k % cycle.length]));
      churn(z, WINDOW);
      chain.forEach((x, k) => expect(bufferOf(x).dropped).toBe(depths[k]! > 0));
      const before = rt.evictions.recomputed;
      const last = chain.length - 1;
      expect(chain[last]!.dataSync()).toEqual(a0.map((v) => {
        let r = v;
        for (let k = 0; k <= last; k++) r = Math.fround(r + 1);
        return r;
      }));
      // the last result and the dropped ones it reads, back to a result that kept its contents
      expect(rt.evictions.recomputed - before).toBe(depths[last]!);
      for (let k = 0; k <= last; k++) expect(chain[k]!.dataSync()[5]).toBe(a0.map((v) => {
        let r = v;
        for (let j = 0; j <= k; j++) r = Math.fround(r + 1);
        return r;
      })[5]);
    });
  });

  it("a dropped result used by jit, grad, share and as an operand computes again transparently", async () => {
    await withWasmBackend({ recomputeWindowBytes: WINDOW }, async () => {
      await withTokens();
      const a0 = ramp(N, 7);
      const a = np.array(a0);
      const z = np.zeros([N]);
      churn(z, WINDOW);
      const make = () => {
        const y = np.multiply(a, 0.5);
        churn(z, WINDOW);
        expect(bufferOf(y).dropped).toBe(true);
        return y;
      };
      const half = a0.map((v) => Math.fround(v * 0.5));
      const f = jit((x: np.Array) => np.sum(np.multiply(x, x)));
      expect(f(make()).item()).toBe(f(np.array(half)).item());
      const g = grad((x: np.Array) => np.sum(np.multiply(x, x)))(make());
      expect(g.dataSync()).toEqual(half.map((v) => Math.fround(2 * v)));
      const shared = (make() as unknown as ConcreteArray).share();
      expect(shared.readHost()).toEqual(half);
      expect(np.add(make(), 1).dataSync()).toEqual(half.map((v) => Math.fround(v + 1)));
      expect(await make().data()).toEqual(half);
    });
  });

  it("property: any interleaving of ops, drops, disposes, collections and reads keeps values exact and leaks no memory", async () => {
    type Op =
      | { kind: "make"; seed: number }
      | { kind: "op"; pick: number; pick2: number; c: number }
      | { kind: "churn" }
      | { kind: "drop"; pick: number }
      | { kind: "dispose"; pick: number }
      | { kind: "read"; pick: number }
      | { kind: "gc" }
      | { kind: "turn" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("make" as const), seed: fc.nat(99) }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("op" as const), pick: fc.nat(), pick2: fc.nat(), c: fc.integer({ min: -3, max: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("churn" as const) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("drop" as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("dispose" as const), pick: fc.nat() }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("read" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("gc" as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("turn" as const) }) },
    );
    await withWasmBackend({ recomputeWindowBytes: WINDOW, evictAboveBytes: 2 * 2 ** 20 }, async (be) => {
      await withTokens();
      const z = np.zeros([N]);
      np.array(ramp(N, 0));
      await turn();
      gc();
      await turn();
      const base = be.allocatedBytes;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 80 }), async (ops) => {
          const live: { x: np.Array; want: Float32Array }[] = [];
          const pick = (k: number) => live[k % live.length]!;
          for (const o of ops) {
            switch (o.kind) {
              case "make": {
                const want = ramp(N, o.seed);
                live.push({ x: np.array(want), want });
                break;
              }
              case "op":
                if (live.length > 0) {
                  const p = pick(o.pick);
                  const q = pick(o.pick2);
                  // a scalar operand, a second array, or both
                  if (o.c >= 0) live.push({ x: np.add(p.x, o.c), want: p.want.map((v) => Math.fround(v + o.c)) });
                  else live.push({ x: np.multiply(np.add(p.x, q.x), o.c), want: p.want.map((v, i) => Math.fround(Math.fround(v + q.want[i]!) * o.c)) });
                }
                break;
              case "churn":
                churn(z, WINDOW);
                break;
              case "drop":
                if (live.length > 0) live.splice(o.pick % live.length, 1);
                break;
              case "dispose":
                if (live.length > 0) live.splice(o.pick % live.length, 1)[0]!.x.dispose();
                break;
              case "read":
                if (live.length > 0) {
                  const l = pick(o.pick);
                  expect(l.x.dataSync()).toEqual(l.want);
                }
                break;
              case "gc":
                gc();
                break;
              case "turn":
                await turn();
                break;
            }
          }
          for (const l of live) expect(await l.x.data()).toEqual(l.want);
          for (const l of live) l.x.dispose();
        }),
        { numRuns: 40 },
      );
      // Everything made was disposed or dropped: once collected, no recipe holds any memory.
      for (let k = 0; k < 3; k++) {
        gc();
        await turn();
      }
      churn(z, WINDOW); // the window's own results are the only ones left
      gc();
      await turn();
      expect(be.allocatedBytes - base).toBeLessThanOrEqual(WINDOW + 4 * N * 4);
    });
  }, 120_000);
});
