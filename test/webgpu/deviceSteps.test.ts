/**
 * sort and the scatter family run as WGSL kernels on the webgpu device (deviceSteps.ts), not as
 * host steps: property tests against the cpu reference over shapes, dimensions, dtypes and
 * values (NaNs, signed zeros, ties, duplicate and out-of-range indices), with no host step in
 * the second call.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devicePut, grad, jit, lax, numpy as np } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu, webgpu } from "./helpers.js";

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Runs f under jit on webgpu and compares with the reference; returns the host steps of a second call. */
async function check(what: string, f: (...xs: np.Array[]) => np.Array | np.Array[], args: np.Array[], t?: { rtol: number; atol: number }): Promise<number> {
  const wrap = (...xs: np.Array[]) => {
    const r = f(...xs);
    return Array.isArray(r) ? r : [r];
  };
  const expected = wrap(...args);
  const g = jit(wrap, { device: "webgpu" });
  const gArgs = args.map((x) => devicePut(x, "webgpu"));
  await compareAsync(g(...gArgs), expected, what, t);
  const stats = webgpu().runtime.stats;
  const before = stats.hostSteps;
  await compareAsync(g(...gArgs), expected, `${what} (second call)`, t);
  return stats.hostSteps - before;
}

/** float32 values with ties, signed zeros and (optionally) NaNs. */
const floats = (n: number, seed: number, nans: boolean) => {
  const x = Float32Array.from(randomData("float32", n, seed, { range: 3 }) as Float32Array, (v, i) => (i % 5 === 0 ? Math.round(v) : v));
  for (let i = 0; i < n; i += 7) x[i] = i % 2 ? -0 : 0;
  if (nans) for (let i = 3; i < n; i += 11) x[i] = NaN;
  return x;
};

describe.skipIf(!hasWebgpu)("webgpu: sort and scatter as device kernels", () => {
  it("sort and argsort agree with the reference (stable, NaNs last, -0 == +0) along any dimension", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.constantFrom("float32", "int32"),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        async (shape, dimPick, dtype, nans, seed) => {
          const dim = dimPick % shape.length;
          const n = size(shape);
          const x =
            dtype === "float32"
              ? np.array(floats(n, seed, nans), { shape })
              : np.array(Int32Array.from({ length: n }, (_, i) => ((i * 7919 + seed) % 13) - 6), { shape });
          const steps = await check(`sort dim ${dim} of ${dtype}[${shape}]`, (a) => [np.sort(a, dim), np.argsort(a, dim)], [x]);
          expect(steps).toBe(0);
        },
      ),
      { numRuns: 30 },
    );
  }, 240_000);

  it("a long sort with two keys, and sorting fused between kernels", async () => {
    const n = 3000;
    const k1 = np.array(Int32Array.from({ length: n }, (_, i) => (i * 31) % 17));
    const k2 = np.array(floats(n, 5, true));
    const v = np.array(Uint32Array.from({ length: n }, (_, i) => i * 3));
    expect(await check("lax.sort numKeys 2", (a, b, c) => lax.sort([a, b, c], { numKeys: 2 }) as np.Array[], [k1, k2, v])).toBe(0);
    const x = np.array(floats(2 * 700, 6, false), { shape: [2, 700] });
    expect(await check("sort between kernels", (a) => np.multiply(np.sort(np.sin(a), 1), 2), [x])).toBe(0);
  });

  it("scatter, scatterAdd/Mul/Min/Max agree with the reference, duplicate indices included", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: -14, max: 14 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom("set", "add", "mul", "min", "max"),
        fc.constantFrom("float32", "int32"),
        fc.integer({ min: 1, max: 1000 }),
        async (rows, cols, idx, how, dtype, seed) => {
          const x =
            dtype === "float32"
              ? np.array(floats(rows * cols, seed, false), { shape: [rows, cols] })
              : np.array(Int32Array.from({ length: rows * cols }, (_, i) => ((i * 37 + seed) % 9) - 4), { shape: [rows, cols] });
          const u =
            dtype === "float32"
              ? np.array(floats(idx.length * cols, seed + 1, false), { shape: [idx.length, cols] })
              : np.array(Int32Array.from({ length: idx.length * cols }, (_, i) => ((i * 13 + seed) % 7) - 3), { shape: [idx.length, cols] });
          const i = np.array(Int32Array.from(idx));
          const f = (a: np.Array, ii: np.Array, uu: np.Array) => (a.at(ii) as unknown as Record<string, (v: np.Array) => np.Array>)[how]!(uu);
          // float sums and products of duplicates add in another order on the GPU
          const t = { rtol: 1e-5, atol: 1e-5 };
          expect(await check(`x.at(${idx}).${how} on ${dtype}[${rows},${cols}]`, f, [x, i, u], t)).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  }, 240_000);

  it("the gradient of an embedding lookup (a scatterAdd) runs on the device", async () => {
    const table = np.array(floats(50 * 8, 9, false), { shape: [50, 8] });
    const ids = np.array(Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 50));
    const loss = (t: np.Array, i: np.Array) => np.sum(np.square(np.take(t, i, 0)));
    const dloss = (t: np.Array, i: np.Array) => grad(loss)(t, i);
    await check("grad of take", dloss, [table, ids], { rtol: 1e-5, atol: 1e-5 });
    const text = jit(dloss, { device: "webgpu" }).lower(devicePut(table, "webgpu"), devicePut(ids, "webgpu")).compile().asText();
    expect(text).toMatch(/scatterAdd as \d+ dispatches/);
  });
});
