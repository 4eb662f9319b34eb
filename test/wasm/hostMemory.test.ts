/**
 * Host copies of wasm arrays (codegen/wasm/hostMemory.ts): what `data()` / `dataSync()` return
 * and where evicted buffers live. They are allocated without zero-filling, so every test here
 * checks exact contents against the values that were written (a copy that missed bytes would
 * show recycled memory), that a read back is the caller's own (its own ArrayBuffer, mutating it
 * changes nothing), and that eviction, restores, dispose and the garbage collector keep values
 * and memory accounting right.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, dtypes, itemSize } from "../../ir/dtype.js";
import { copyToHost, hostBytesUninitialized } from "../../codegen/wasm/hostMemory.js";
import { devicePut, numpy as np } from "../../src/index.js";
import { withWasmBackend } from "./withBackend.js";

const settle = async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
};

/** `size` elements of `dtype` (float16 as bit patterns), none zero, from `seed`. */
function values(dtype: DType, size: number, seed: number): AnyTypedArray {
  const v = (i: number) => ((i * 2654435761 + seed * 40503) >>> 0) % 251;
  switch (dtype) {
    case "float32":
      return Float32Array.from({ length: size }, (_, i) => v(i) - 125.5);
    case "float64":
      return Float64Array.from({ length: size }, (_, i) => (v(i) - 125.5) / 3);
    case "int32":
      return Int32Array.from({ length: size }, (_, i) => (v(i) - 125) * 1000003 || 7);
    case "uint32":
      return Uint32Array.from({ length: size }, (_, i) => v(i) * 16777259 + 1);
    case "bool":
      return Uint8Array.from({ length: size }, (_, i) => v(i) & 1);
    case "int8":
      return Int8Array.from({ length: size }, (_, i) => v(i) - 125 || 1);
    case "uint8":
      return Uint8Array.from({ length: size }, (_, i) => v(i) + 1);
    case "float16":
      return Uint16Array.from({ length: size }, (_, i) => 0x3c00 + v(i)); // 1.0 .. about 1.25
  }
}

/** The first index where `a` and `b` differ (Object.is), or -1 when equal in length and elements (vitest's toEqual is slow on 1e5 elements). */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

// Sizes around the copy's thresholds: tiny, the 4 KB below which the plain constructor is
// used, and the 256 KB from which the allocator is primed.
const sizes = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 500, max: 4200 }), fc.constantFrom(65_536, 70_001));

describe("host copies (data(), dataSync(), evicted buffers)", () => {
  it("a read back is exact, in its own ArrayBuffer, and the caller may mutate it: resident or evicted, any dtype and size", async () => {
    await withWasmBackend({}, (b) =>
      fc.assert(
        fc.property(fc.constantFrom(...dtypes), sizes, fc.boolean(), fc.integer({ min: 0, max: 1000 }), (dtype, size, evict, seed) => {
          const aval = new ShapedArray([size], dtype);
          const want = values(dtype, size, seed);
          const buf = b.fromHost(want, aval);
          try {
            if (evict) b.runtime.evictAll();
            expect(buf.host !== undefined).toBe(evict);
            const got = b.readSync(buf, aval);
            expect(got.constructor).toBe(want.constructor);
            expect(got.byteOffset).toBe(0);
            expect(got.buffer.byteLength).toBe(size * itemSize[dtype]);
            expect(got.buffer).toBeInstanceOf(ArrayBuffer); // never the (shared) wasm memory
            expect(firstDifference(got, want)).toBe(-1);
            got.fill(0); // the caller's to change
            const again = b.readSync(buf, aval);
            expect(again.buffer).not.toBe(got.buffer);
            expect(firstDifference(again, want)).toBe(-1);
          } finally {
            b.dispose(buf);
          }
        }),
        { numRuns: 100 },
      ),
    );
  });

  it("x.data() and x.dataSync() return copies: mutating them changes neither x nor later reads", async () => {
    await withWasmBackend({}, async (b) => {
      const want = values("float32", 100_000, 3) as Float32Array;
      const x = devicePut(np.array(want), "wasm");
      for (const evicted of [false, true]) {
        if (evicted) b.runtime.evictAll();
        const a = x.dataSync() as Float32Array;
        const c = (await x.data()) as Float32Array;
        expect(c.buffer).not.toBe(a.buffer);
        a.fill(NaN);
        c.fill(-1);
        expect(firstDifference(x.dataSync(), want)).toBe(-1);
        expect(firstDifference(np.add(x, 1).dataSync(), want.map((v) => Math.fround(v + 1)))).toBe(-1);
      }
    });
  });

  it("evicted arrays come back exactly through repeated evict/restore cycles; dispose after eviction frees nothing twice", async () => {
    await withWasmBackend({}, (b) => {
      const want = values("float32", 100_000, 9) as Float32Array;
      const x = devicePut(np.array(want), "wasm");
      const y = np.multiply(x, 2);
      for (let cycle = 0; cycle < 4; cycle++) {
        b.runtime.evictAll();
        expect(b.allocatedBytes).toBe(0);
        expect(firstDifference(y.dataSync(), want.map((v) => Math.fround(2 * v)))).toBe(-1);
        expect(firstDifference(np.subtract(y, x).dataSync(), want.map((v) => Math.fround(Math.fround(2 * v) - v)))).toBe(-1);
      }
      b.runtime.evictAll();
      const before = b.allocatedBytes;
      x.dispose(); // on the host: nothing in wasm memory to free
      expect(b.allocatedBytes).toBe(before);
      expect(() => x.dataSync()).toThrow();
      expect(firstDifference(y.dataSync(), want.map((v) => Math.fround(2 * v)))).toBe(-1); // its neighbour is intact
      const resident = b.allocatedBytes;
      np.add(y, y).dispose(); // y comes back (a restore), the result is freed at once
      expect(b.allocatedBytes).toBe(resident + 400_000);
      y.dispose();
      expect(b.allocatedBytes).toBe(resident);
    });
  });

  it("recycled host memory never shows through: read backs after heavy churn are exact", async () => {
    await withWasmBackend({}, async (b) => {
      const n = 262_144; // 1 MiB of float32: above the priming size
      const junk = devicePut(np.array(new Float32Array(n).fill(NaN)), "wasm");
      for (let i = 0; i < 40; i++) junk.dataSync(); // 40 MiB of NaN-filled host arrays, dropped
      await settle(); // freed: the allocator may hand their memory out again
      const zeros = devicePut(np.array(new Float32Array(n)), "wasm");
      const ramp = devicePut(np.array(Float32Array.from({ length: n }, (_, i) => i)), "wasm");
      for (let i = 0; i < 10; i++) {
        const z = zeros.dataSync();
        expect(z.every((v) => v === 0)).toBe(true);
        const r = ramp.dataSync();
        expect(r.every((v, k) => v === k)).toBe(true);
      }
      // Evicted copies too: evict, churn, restore.
      b.runtime.evictAll();
      for (let i = 0; i < 20; i++) junk.dataSync();
      await settle();
      expect(np.add(zeros, ramp).dataSync().every((v, k) => v === k)).toBe(true);
    });
  });

  it("dropped arrays are reclaimed whether resident (finalizer) or evicted (their host copy is the GC's)", async () => {
    await withWasmBackend({}, async (b) => {
      await settle();
      const base = b.allocatedBytes;
      const keep = devicePut(np.array(values("float32", 50_000, 1)), "wasm");
      (() => {
        const dropped = Array.from({ length: 10 }, (_, i) => np.add(keep, i));
        b.runtime.evictAll(); // all ten (and keep) to host memory
        for (let i = 0; i < 5; i++) np.add(dropped[i]!, 1); // five come back (restored), five results made
      })();
      await settle();
      // Only `keep` (restored on the first use above) may remain in wasm memory.
      expect(b.allocatedBytes).toBeLessThanOrEqual(base + 200_064);
      expect(firstDifference(keep.dataSync(), values("float32", 50_000, 1))).toBe(-1);
    });
  });
});

describe("hostMemory primitives", () => {
  it("hostBytesUninitialized gives each array its own whole ArrayBuffer of exactly the size asked", () => {
    for (const n of [0, 1, 63, 4095, 4096, 4097, 300_000]) {
      const a = hostBytesUninitialized(n);
      expect(a.length).toBe(n);
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(n);
      expect(a.buffer).not.toBe(hostBytesUninitialized(n).buffer);
    }
  });

  it("copyToHost copies out of a shared memory into a plain ArrayBuffer", () => {
    const m = new WebAssembly.Memory({ initial: 8, maximum: 8, shared: true });
    const src = new Uint8Array(m.buffer, 128, 300_000);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7) & 255;
    const c = copyToHost(m.buffer, 128, 300_000);
    expect(c.buffer).toBeInstanceOf(ArrayBuffer);
    expect(firstDifference(c, new Uint8Array(src))).toBe(-1);
    src[0] = 99;
    expect(c[0]).toBe(0);
  });
});
