/**
 * Eager calls as users write them: no dispose(), JS numbers as operands. Memory must stay
 * bounded in a synchronous loop (where finalizers never run), small buffers (reclaimed by
 * eviction rather than finalizers) must come back intact when used again, and the constant
 * cache for JS numbers must not change what a JS number means (-0, dtypes) or what dispose()
 * does. Values are checked against plain JS arithmetic in float32 (Math.fround).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SMALL_BUFFER_BYTES } from "../../codegen/wasm/runtime.js";
import { devicePut, lax, numpy as np } from "../../src/index.js";
import { withWasmBackend } from "./withBackend.js";

const settle = async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
};

const f32 = (n: number, g: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => g(i));

describe("eager ops without dispose, in a synchronous loop", () => {
  it("large results (100k floats) stay bounded: the oldest are evicted a batch at a time, and live ones read back", async () => {
    // Eviction as such: elementwise results would be dropped and recomputed instead (recompute.test.ts).
    await withWasmBackend({ evictAboveBytes: 8 * 2 ** 20, recomputeWindowBytes: 0 }, (b) => {
      const x = devicePut(np.array(f32(100_000, (i) => i % 7)), "wasm");
      const y = devicePut(np.array(f32(100_000, (i) => (i % 5) / 4)), "wasm");
      let peak = 0;
      const kept: np.Array[] = [];
      // 400 KB a result, 500 results: 200 MB without eviction.
      for (let i = 0; i < 500; i++) {
        const r = np.add(x, y);
        if (i % 100 === 0) kept.push(r);
        peak = Math.max(peak, b.allocatedBytes);
      }
      expect(peak).toBeLessThan(10 * 2 ** 20);
      expect(b.runtime.evictions.buffers).toBeGreaterThan(400);
      // Each sweep moves only a batch (an eighth of the threshold), not every resident buffer.
      expect(b.runtime.evictions.runs).toBeGreaterThan(20);
      for (const r of kept) {
        const got = r.dataSync();
        for (const i of [0, 1, 4, 99_999]) expect(got[i]).toBe(Math.fround((i % 7) + (i % 5) / 4));
      }
    });
  });

  it("small results (no finalizer) stay bounded in count, and are moved out of wasm memory once the event loop turns", async () => {
    await withWasmBackend({ maxSmallResident: 1000 }, async (b) => {
      const x = devicePut(np.array(f32(16, (i) => i)), "wasm");
      await settle();
      const base = b.allocatedBytes;
      let acc = x;
      const kept: np.Array[] = [];
      for (let i = 0; i < 20_000; i++) {
        acc = np.add(acc, 1); // a JS number operand, every time
        if (i % 1000 === 999) kept.push(acc);
        expect(b.allocatedBytes).toBeLessThan(base + 1100 * 64);
      }
      await settle();
      expect(b.allocatedBytes).toBeLessThanOrEqual(base);
      // Evicted small arrays come back intact on their next use.
      kept.forEach((k, j) => expect(Array.from(k.dataSync())).toEqual(Array.from({ length: 16 }, (_, i) => i + 1000 * (j + 1))));
      expect(Array.from(np.multiply(kept[3]!, 2).dataSync())).toEqual(Array.from({ length: 16 }, (_, i) => 2 * (i + 4000)));
    });
  });

  it("arrays above the small size are watched by finalizers; at or below it are not", async () => {
    await withWasmBackend({}, (b) => {
      const small = b.fromHost(new Float32Array(SMALL_BUFFER_BYTES / 4), { dtype: "float32", size: SMALL_BUFFER_BYTES / 4 } as never);
      const large = b.fromHost(new Float32Array(SMALL_BUFFER_BYTES / 4 + 1), { dtype: "float32", size: SMALL_BUFFER_BYTES / 4 + 1 } as never);
      expect(b.finalizerToken(small)).toBeUndefined();
      expect(b.finalizerToken(large)).toBe(large.token);
    });
  });
});

describe("JS numbers as operands (the constant cache)", () => {
  it("np.add(x, c) and np.multiply(c, x) match float32 arithmetic for any number, -0 and NaN included", () => {
    fc.assert(
      fc.property(
        fc.float({ noDefaultInfinity: false }).map((v) => Math.fround(v)),
        fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, 1, 2, Infinity, -Infinity)),
        (a, c) => {
          const x = np.array(new Float32Array([a, -a, 0, -0]));
          const got = np.add(x, c).dataSync();
          const want = [a, -a, 0, -0].map((v) => Math.fround(v + Math.fround(c)));
          for (let i = 0; i < 4; i++) expect(Object.is(got[i], want[i])).toBe(true);
          const got2 = np.multiply(c, x).dataSync();
          const want2 = [a, -a, 0, -0].map((v) => Math.fround(Math.fround(c) * v));
          for (let i = 0; i < 4; i++) expect(Object.is(got2[i], want2[i])).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("-0 and 0 are different constants", () => {
    const z = np.array(new Float32Array([-0, -0]));
    expect(Object.is(np.add(z, 0).dataSync()[0], 0)).toBe(true);
    expect(Object.is(np.add(z, -0).dataSync()[0], -0)).toBe(true);
    expect(Object.is(np.add(z, 0).dataSync()[1], 0)).toBe(true);
  });

  it("the same number keeps JAX's promotion on int, float and bool arrays", () => {
    const i = np.array(new Int32Array([1, 2, 3]));
    expect(np.add(i, 2).dtype).toBe("int32");
    expect(np.add(i, 2.5).dtype).toBe("float32");
    expect(Array.from(np.add(i, 2.5).dataSync())).toEqual([3.5, 4.5, 5.5]);
    const f = np.array(new Float32Array([1, 2, 3]));
    expect(np.add(f, 2).dtype).toBe("float32");
    expect(np.add(f, 2).weakType).toBe(false);
    expect(Array.from(np.add(f, 2).dataSync())).toEqual([3, 4, 5]);
    expect(np.add(np.array([true, false]), 1).dtype).toBe("int32");
    // Functions that compute in floats promote equal int operands too (the fast path must not skip that).
    expect(np.divide(i, i).dtype).toBe("float32");
    expect(Array.from(np.arctan2(i, i).dataSync())).toEqual(Array.from({ length: 3 }, () => Math.fround(Math.PI / 4)));
  });

  it("disposing an array made from a JS number leaves other uses of that number intact", () => {
    const a = lax.convertElementType(3, "float32");
    const b = lax.convertElementType(3, "float32");
    a.dispose();
    expect(() => a.dataSync()).toThrow(/disposed/);
    expect(Number(b)).toBe(3);
    const x = np.array(new Float32Array([1, 2]));
    expect(Array.from(np.add(x, 3).dataSync())).toEqual([4, 5]);
    b.dispose();
    expect(Array.from(np.multiply(x, 3).dataSync())).toEqual([3, 6]);
  });
});

describe("disposed arrays", () => {
  it("an eager op on a disposed operand still throws, on the fast path too", () => {
    const x = np.array(new Float32Array([1, 2]));
    const y = np.array(new Float32Array([3, 4]));
    expect(Array.from(np.add(x, y).dataSync())).toEqual([4, 6]); // the program is cached now
    y.dispose();
    expect(() => np.add(x, y)).toThrow(/disposed/);
    expect(() => np.add(y, 1)).toThrow(/disposed/);
  });
});
