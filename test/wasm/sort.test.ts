/**
 * The native sort step on wasm (a per-line merge sort of a permutation): differential tests
 * against the cpu reference over fast-check-generated shapes, sorted dimensions, operand
 * counts, numKeys, dtypes and values full of ties, NaNs, infinities and signed zeros (the
 * stable order of equal keys is checked through the non-key operands); np.sort, np.argsort and
 * lax.topK under jit and inside scan bodies; and the compiled programs hold no host step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AnyTypedArray, DType } from "../../ir/dtype.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { devicePut, jit, lax, numpy as np } from "../../src/index.js";
import { aval, checkJaxpr, expectClose, primJaxpr, rng } from "./helpers.js";

type A = np.Array;

/** Values with many ties: a few distinct values per dtype (floats with NaN, +-0 and infinities). */
function tieData(dtype: DType, size: number, seed: number): AnyTypedArray {
  const r = rng(seed);
  const pools: Record<string, number[]> = {
    float32: [NaN, -0, 0, 1.5, -1.5, Infinity, -Infinity, 2, -NaN],
    float64: [NaN, -0, 0, 1e-300, -2.25, Infinity, -Infinity, 3],
    int32: [-2147483648, -1, 0, 1, 7, 2147483647],
    uint32: [0, 1, 7, 0x80000000, 0xffffffff],
    bool: [0, 1],
  };
  const pool = pools[dtype]!;
  const out = dtype === "float32" ? new Float32Array(size) : dtype === "float64" ? new Float64Array(size) : dtype === "int32" ? new Int32Array(size) : dtype === "uint32" ? new Uint32Array(size) : new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = r() < 0.7 ? pool[Math.floor(r() * pool.length)]! : (r() * 2 - 1) * 100;
  return out;
}

const dtypes: DType[] = ["float32", "int32", "uint32", "bool", "float64"];

describe("sort as a native step", () => {
  it("matches the reference: any dimension, several operands and keys, stable, NaNs last", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.array(fc.constantFrom(...dtypes), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: 0, max: 1 << 20 }),
        (shape, dimPick, ds, keyPick, seed) => {
          const dimension = dimPick % shape.length;
          const numKeys = 1 + (keyPick % ds.length);
          const j = primJaxpr("sort", ds.map((d) => aval(shape, d)), { dimension, isStable: true, numKeys });
          expect(leafSteps(lowerJaxpr(j).steps).map((s) => s.kind)).toEqual(["sort"]);
          const size = shape.reduce((a, b) => a * b, 1);
          checkJaxpr(j, ds.map((d, k) => tieData(d, size, seed + k)), {}, `sort ${JSON.stringify({ shape, dimension, ds, numKeys })}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("long lines (many merge passes, odd lengths), one and two keys", () => {
    for (const n of [1, 2, 3, 17, 1000, 4097]) {
      const j = primJaxpr("sort", [aval([n]), aval([n], "int32")], { dimension: 0, isStable: true, numKeys: 1 });
      checkJaxpr(j, [tieData("float32", n, n), Int32Array.from({ length: n }, (_, i) => i)], {}, `sort n=${n}`);
      const j2 = primJaxpr("sort", [aval([2, n], "int32"), aval([2, n]), aval([2, n], "uint32")], { dimension: 1, isStable: true, numKeys: 2 });
      checkJaxpr(j2, [tieData("int32", 2 * n, n + 1), tieData("float32", 2 * n, n + 2), Uint32Array.from({ length: 2 * n }, (_, i) => i)], {}, `sort2 n=${n}`);
    }
  });
});

describe("np.sort, np.argsort and lax.topK under jit and in scan bodies", () => {
  it("== cpu, with no host step in the module", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1 << 20 }), (n, length, seed) => {
        const k = Math.max(1, Math.floor(n / 2));
        const f = (c0: A, xs: A) =>
          lax.scan(
            (c: A, x: A) => {
              const s = np.sort(np.add(c, x));
              const order = np.argsort(x);
              const [vals, idx] = lax.topK(np.multiply(c, x), k);
              return [np.add(np.sin(s), np.take(c, order)), [vals, idx, order]];
            },
            c0,
            xs,
          );
        const data = tieData("float32", n * (length + 1), seed);
        const c0 = np.array(data.slice(0, n) as Float32Array);
        const xs = np.array(data.slice(n) as Float32Array).reshape([length, n]);
        const text = jit(f, { device: "wasm" }).lower(c0, xs).compile().asText();
        expect(text).not.toMatch(/host /);
        expect(text).not.toMatch(/\(import "env" "host"/);
        const got = jit(f, { device: "wasm" })(devicePut(c0, "wasm"), devicePut(xs, "wasm"));
        const want = f(devicePut(c0, "cpu"), devicePut(xs, "cpu"));
        const flat = (t: [A, A[]]) => [t[0], ...t[1]];
        const g = flat(got as [A, A[]]);
        flat(want as [A, A[]]).forEach((w, i) => expectClose(g[i]!.dataSync(), w.dataSync(), w.dtype as DType, { rtol: 1e-6 }, `output ${i}`));
      }),
      { numRuns: 20 },
    );
  });
});
