/**
 * Whole-array reductions, sorts of many lines and batched factorizations over the thread pool
 * (issue 11 item 1): a reduction with few outputs is cut along its reduced extent into chunks of
 * a fixed number of terms (codegen/wasm/reduceSplit.ts); a sort's lines and a factorization's
 * matrices are items run on any thread, each range with its own workspace
 * (codegen/wasm/batchSplit.ts). Checked: one thread and two give the same bits (and a worker
 * thread really took chunks), a backend without shared memory (no pool at all) gives the same
 * bits again, and the results are right: sums within the rounding bound of their summation
 * order against an exact (float64) sum, max/min/argmax/argmin/sort exactly the cpu reference's,
 * factorizations within float rounding of it. Shapes are drawn around the chunk length and the
 * split thresholds.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BATCH_SPLIT_MIN_WORK } from "../../codegen/kernel/batchSlots.js";
import { REDUCE_CHUNK, REDUCE_SPLIT_MAX_OUTPUTS, REDUCE_SPLIT_MIN } from "../../codegen/wasm/reduceSplit.js";
import type { WasmBackend } from "../../src/backends/wasm.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import * as jaxts from "../../src/index.js";
// helpers registers its own wasm backend as the "wasm" device.
import { randomData, runJaxprWasm, runOnPoolThreads, wasmBackend } from "./helpers.js";

const { numpy: np, jit, lax } = jaxts;
type A = jaxts.Array;
type DT = "float32" | "float64" | "int32";
const initialThreads = jaxts.numThreads();
let unsplit: WasmBackend;
beforeAll(async () => {
  unsplit = await createWasmBackend({ sharedMemory: false, eagerHostMaxElements: 0 });
});
afterAll(() => jaxts.setNumThreads(initialThreads));

type Typed = ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
const bytesOf = (d: Typed): Uint8Array => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** The same bytes (the first difference reported; toEqual on megabyte arrays is too slow). */
function expectSameBytes(got: Typed, want: Typed, what: string): void {
  const [g, w] = [bytesOf(got), bytesOf(want)];
  expect(g.length, `${what}: length`).toBe(w.length);
  let i = 0;
  while (i < g.length && g[i] === w[i]) i++;
  expect(i === g.length ? "same" : `byte ${i} differs: ${g[i]} vs ${w[i]}`, what).toBe("same");
}

/** Runs `f` (a jaxpr over `inputs`) on 1 thread and on 2, and on a backend without a pool; returns the three results' bytes and the 2-thread outputs. */
function threeWays(f: (...a: A[]) => A | A[], inputs: { data: ArrayLike<number>; shape: number[]; dtype: DT }[], requireWorker: boolean) {
  const { jaxpr } = jaxts.makeJaxpr(f)(...inputs.map((x) => np.zeros(x.shape, x.dtype)));
  const data = inputs.map((x) => x.data as Float32Array);
  jaxts.setNumThreads(1);
  const one = runJaxprWasm(jaxpr, data);
  jaxts.setNumThreads(2);
  const pool = wasmBackend.runtime.pool;
  const two = requireWorker ? runOnPoolThreads(pool, () => runJaxprWasm(jaxpr, data)) : runJaxprWasm(jaxpr, data);
  const none = runJaxprWasm(jaxpr, data, unsplit);
  for (let k = 0; k < one.length; k++) {
    expectSameBytes(two[k]!, one[k]!, `output ${k}: 2 threads vs 1`);
    expectSameBytes(none[k]!, one[k]!, `output ${k}: no pool vs 1 thread`);
  }
  return two;
}

/** The cpu reference's result of `f`. */
function onCpu(f: (...a: A[]) => A | A[], inputs: { data: ArrayLike<number>; shape: number[]; dtype: DT }[]): ArrayLike<number>[] {
  const out = jit(f, { device: "cpu" })(...inputs.map((x) => jaxts.devicePut(np.array(Array.from(x.data), { dtype: x.dtype }).reshape(x.shape), "cpu")));
  return (Array.isArray(out) ? out : [out]).map((o) => o.dataSync() as ArrayLike<number>);
}

/** float32 data with ties (few distinct values) or spread values, sometimes a NaN. */
function drawData(dtype: DT, size: number, seed: number, ties: boolean, nan: boolean): ArrayLike<number> {
  const d = randomData(dtype === "int32" ? "int32" : dtype, size, seed, { range: 8 });
  if (ties) for (let i = 0; i < size; i++) d[i] = Math.round(Number(d[i]) % 5);
  if (nan && dtype !== "int32") d[(seed * 7919) % size] = NaN;
  return d;
}

/**
 * The rounding bound of a float sum in the split order (each chunk's terms in at most
 * chunk/4 + 4 steps per lane, then the partials in order) against the exact sum: depth * u * sum|x|.
 */
function sumBound(n: number, data: ArrayLike<number>, offset: number, stride: number, u: number): number {
  let abs = 0;
  for (let i = offset; i < data.length; i += stride) abs += Math.abs(Number(data[i]));
  const depth = REDUCE_CHUNK / 4 + 8 + Math.ceil(n / REDUCE_CHUNK) + 2;
  return depth * u * abs;
}

/**
 * A float32 sum in the split order (reduceSplit.ts), as a plain-JS model: chunks of REDUCE_CHUNK
 * terms, each summed in four lanes (term i into lane i mod 4) plus a scalar tail, the lanes then
 * added to the tail in lane order; the chunks' partials added in chunk order.
 */
function chunkedSum(d: ArrayLike<number>): number {
  const f = Math.fround;
  let acc = 0;
  for (let c0 = 0; c0 < d.length; c0 += REDUCE_CHUNK) {
    const c1 = Math.min(c0 + REDUCE_CHUNK, d.length);
    const full = c0 + ((c1 - c0) & ~3);
    const lanes = [0, 0, 0, 0];
    for (let i = c0; i < full; i++) lanes[(i - c0) % 4] = f(lanes[(i - c0) % 4]! + Number(d[i]));
    let part = 0;
    for (let i = full; i < c1; i++) part = f(part + Number(d[i]));
    for (const l of lanes) part = f(l + part);
    acc = f(acc + part);
  }
  return acc;
}

/** The exact (float64) column sums of an [n, c] array. */
function exactColumnSums(data: ArrayLike<number>, n: number, c: number): number[] {
  const out = new Array<number>(c).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) out[j] = out[j]! + Number(data[i * c + j]);
  return out;
}

describe("reductions with few outputs split along the reduced extent", () => {
  it("sum, max, min, argmax and argmin of 1e6 floats: same bits on 1 and 2 threads and without a pool; right values", () => {
    const n = 1_000_000;
    const x = { data: drawData("float32", n, 11, false, false), shape: [n], dtype: "float32" as const };
    const f = (v: A) => [np.sum(v), np.max(v), np.min(v), np.argmax(v), np.argmin(v), np.mean(np.square(v))];
    const out = threeWays(f, [x], true);
    const cpu = onCpu(f, [x]);
    const exact = exactColumnSums(x.data, n, 1)[0]!;
    expect(Math.abs(Number(out[0]![0]) - exact)).toBeLessThanOrEqual(sumBound(n, x.data, 0, 1, 2 ** -24));
    expect(Number(out[0]![0]), "the sum in the documented order").toBe(chunkedSum(x.data));
    for (const k of [1, 2, 3, 4]) expect(Number(out[k]![0]), `output ${k}`).toBe(Number(cpu[k]![0]));
    expect(Math.abs(Number(out[5]![0]) - Number(cpu[5]![0]))).toBeLessThan(1e-4 * Math.abs(Number(cpu[5]![0])));
  });

  it("all, any, prod and a bool-to-int sum of 300001 floats split too: same bits however run; the values of a plain-JS model", () => {
    const n = 300_001;
    const x = { data: drawData("float32", n, 17, false, false), shape: [n], dtype: "float32" as const };
    const f = (v: A) => [np.all(np.greater(v, -7.99)), np.any(np.greater(v, 7.9999)), np.prod(np.add(1, np.multiply(v, 1e-6))), np.sum(np.greater(v, 0).astype("int32"))];
    const out = threeWays(f, [x], true);
    const d = Array.from(x.data, Number);
    expect(Number(out[0]![0])).toBe(d.every((v) => v > -7.99) ? 1 : 0);
    expect(Number(out[1]![0])).toBe(d.some((v) => v > 7.9999) ? 1 : 0);
    // the factors as float32 computes them, their product exactly (to double rounding)
    const prod = d.reduce((p, v) => p * Math.fround(1 + Math.fround(v * Math.fround(1e-6))), 1);
    // every one of a product's n - 1 roundings scales the whole result, whatever the order: (n - 1) u
    expect(Math.abs(Number(out[2]![0]) - prod) / prod).toBeLessThan((n - 1) * 2 ** -24);
    expect(Number(out[3]![0])).toBe(d.filter((v) => v > 0).length);
  });

  it("a split reduction and a split sort inside a loop body (partials behind the arena, one set per trip) agree with the cpu reference", () => {
    const x = { data: drawData("float32", 100_000, 23, false, false), shape: [10, 10_000], dtype: "float32" as const };
    const body = (v: A) => (i: A, c: A) => np.add(c, np.sum(np.multiply(lax.sliceInDim(np.sort(np.multiply(v, i), -1), 0, 5, 1, 1), np.sum(np.sin(np.add(v, i))))));
    const f = (v: A) => lax.foriLoop(1, 4, body(v), np.array(0, { dtype: "float32" })) as A;
    const got = threeWays(f, [x], true)[0]!;
    const want = onCpu(f, [x])[0]!;
    expect(Math.abs(Number(got[0]) - Number(want[0]))).toBeLessThan(1e-3 * (1 + Math.abs(Number(want[0]))));
  });

  it("the split is in the compiled module (a partial and a combine function) only from the threshold on", () => {
    const text = (n: number) => jit((v: A) => np.sum(v)).lower(np.zeros([n])).compile().asText();
    expect(text(REDUCE_SPLIT_MIN - 1)).not.toMatch(/_part/);
    expect(text(REDUCE_SPLIT_MIN)).toMatch(/_part/);
  });

  const boundary = fc.oneof(
    fc.constantFrom(REDUCE_SPLIT_MIN - 1, REDUCE_SPLIT_MIN, REDUCE_SPLIT_MIN + 1, REDUCE_SPLIT_MIN + 7),
    fc.tuple(fc.integer({ min: 8, max: 20 }), fc.integer({ min: -9, max: 9 })).map(([k, d]) => k * REDUCE_CHUNK + d),
    fc.integer({ min: REDUCE_SPLIT_MIN - 100, max: 200_000 }),
  );
  const columns = fc.constantFrom(1, 3, 4, 5, REDUCE_SPLIT_MAX_OUTPUTS, REDUCE_SPLIT_MAX_OUTPUTS + 1);

  it("property: column sums/max/min/argmax/argmin of [n, c] over n around the chunk length and the threshold", () => {
    fc.assert(
      fc.property(
        boundary,
        columns,
        fc.constantFrom<DT>("float32", "float64", "int32"),
        fc.constantFrom("sum", "max", "min", "argmax", "argmin"),
        fc.boolean(),
        fc.integer({ min: 1, max: 1 << 20 }),
        (rowsWanted, c, dtype, op, ties, seed) => {
          // keep the array small enough for a quick property: the reduced extent is what matters
          const n = c > 4 ? Math.max(REDUCE_SPLIT_MIN - 1, Math.min(rowsWanted, REDUCE_SPLIT_MIN + 40)) : rowsWanted;
          const x = { data: drawData(dtype, n * c, seed, ties, seed % 3 === 0), shape: [n, c], dtype };
          const f = (v: A) => (op === "sum" ? np.sum(v, 0) : op === "max" ? np.max(v, 0) : op === "min" ? np.min(v, 0) : op === "argmax" ? np.argmax(v, 0) : np.argmin(v, 0));
          const got = threeWays(f, [x], false)[0]!;
          if (op !== "sum" || dtype === "int32") {
            // the model: int32 sums wrap; max/min propagate NaN; arg* take the first best (or the first NaN)
            const want = Array.from({ length: c }, (_, j) => {
              let acc = op === "sum" ? 0 : op === "max" ? -Infinity : Infinity;
              let best = Number(x.data[j]);
              let at = 0;
              for (let i = 0; i < n; i++) {
                const v = Number(x.data[i * c + j]);
                if (op === "sum") acc = (acc + v) | 0;
                else if (op === "max") acc = Math.max(acc, v);
                else if (op === "min") acc = Math.min(acc, v);
                else if (!Number.isNaN(best) && (Number.isNaN(v) || (op === "argmax" ? v > best : v < best))) [best, at] = [v, i];
              }
              return op === "argmax" || op === "argmin" ? at : acc;
            });
            expect(Array.from(got, Number)).toEqual(want);
            return;
          }
          const exact = exactColumnSums(x.data, n, c);
          for (let j = 0; j < c; j++) {
            if (Number.isNaN(exact[j])) expect(Number.isNaN(Number(got[j]))).toBe(true);
            else expect(Math.abs(Number(got[j]) - exact[j]!), `column ${j}`).toBeLessThanOrEqual(sumBound(n, x.data, j, c, dtype === "float32" ? 2 ** -24 : 2 ** -53));
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it("a whole-array reduction over two reduced axes and a fused producer (sum of exp over [a, b, c] axes 0 and 2) splits along the outer one", () => {
    const x = { data: drawData("float32", 300 * 3 * 700, 5, false, false), shape: [300, 3, 700], dtype: "float32" as const };
    const f = (v: A) => np.sum(np.exp(np.multiply(v, 0.1)), [0, 2]);
    const got = threeWays(f, [x], true)[0]!;
    const want = onCpu(f, [x])[0]!;
    for (let j = 0; j < 3; j++) expect(Math.abs(Number(got[j]) - Number(want[j])) / Math.abs(Number(want[j]))).toBeLessThan(1e-4);
  });
});

describe("sorts of many lines over the pool", () => {
  it("sort and argsort of [256, 4096] (ties, NaN): same bits on 1 and 2 threads and without a pool; equal to the cpu reference", () => {
    const x = { data: drawData("float32", 256 * 4096, 3, true, true), shape: [256, 4096], dtype: "float32" as const };
    const f = (v: A) => [np.sort(v, -1), np.argsort(v, -1)];
    const got = threeWays(f, [x], true);
    const want = onCpu(f, [x]);
    expectSameBytes(got[0]!, new Float32Array(Array.from(want[0]!)), "sorted values");
    expectSameBytes(got[1]!, new Int32Array(Array.from(want[1]!)), "argsort");
  });

  it("property: lines around the split threshold, along the last axis or an inner one, one key or several", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.constantFrom(1, 3),
        fc.constantFrom<DT>("float32", "int32", "float64"),
        fc.constantFrom("sort", "argsort", "twoKeys"),
        fc.integer({ min: 1, max: 1 << 20 }),
        (lines, n, inner, dtype, kind, seed) => {
          const shape = inner === 1 ? [lines, n] : [lines, n, inner];
          const size = lines * n * inner;
          const x = { data: drawData(dtype, size, seed, seed % 2 === 0, seed % 5 === 0), shape, dtype };
          const y = { data: drawData("int32", size, seed + 1, true, false), shape, dtype: "int32" as const };
          const f = (a: A, b: A) =>
            kind === "sort" ? np.sort(a, 1) : kind === "argsort" ? np.argsort(a, 1) : (lax.sort([a, b], { dimension: 1, numKeys: 2 }) as A[]);
          const got = threeWays(f, [x, y], false);
          // the model: a stable sort of each line's positions, NaN after everything, -0 equal to +0
          const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
          const cmp = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
          const wantX = new (got[0]!.constructor as Float64ArrayConstructor)(size);
          const wantY = new Int32Array(size);
          for (let l = 0; l < lines; l++)
            for (let q = 0; q < inner; q++) {
              const at = (j: number) => (l * n + j) * inner + q;
              const perm = Array.from({ length: n }, (_, j) => j);
              perm.sort((a, b) => cmp(Number(x.data[at(a)]), Number(x.data[at(b)])) || (kind === "twoKeys" ? Number(y.data[at(a)]) - Number(y.data[at(b)]) : 0) || a - b);
              perm.forEach((p, j) => {
                wantX[at(j)] = kind === "argsort" ? p : Number(x.data[at(p)]);
                wantY[at(j)] = Number(y.data[at(p)]);
              });
            }
          expectSameBytes(got[0]!, wantX, "first output");
          if (kind === "twoKeys") expectSameBytes(got[1]!, wantY, "second output");
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("batched factorizations over the pool", () => {
  /** n x n symmetric positive definite matrices, batched. */
  const spd = (batch: number, n: number, seed: number, dtype: DT) => {
    const g = randomData("float64", batch * n * n, seed, { range: 1 });
    const d = new Float64Array(batch * n * n);
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += g[b * n * n + i * n + k]! * g[b * n * n + j * n + k]!;
          d[b * n * n + i * n + j] = d[b * n * n + j * n + i] = s / n + (i === j ? 1 : 0);
        }
    return { data: dtype === "float32" ? new Float32Array(d) : d, shape: [batch, n, n], dtype };
  };

  it("cholesky of 64 64x64 matrices: same bits on 1 and 2 threads and without a pool; near the cpu reference", () => {
    const x = spd(64, 64, 7, "float32");
    const f = (a: A) => lax.linalg.cholesky(a);
    const got = threeWays(f, [x], true)[0]!;
    const want = onCpu(f, [x])[0]!;
    for (let i = 0; i < got.length; i++) expect(Math.abs(Number(got[i]) - Number(want[i]))).toBeLessThanOrEqual(2 ** -22 * (1 + Math.abs(Number(want[i]))));
  });

  it("regression: triangularSolve(a, a) (one buffer as both operands) compiles and solves a x = a (x = I)", () => {
    const x = spd(3, 5, 2, "float64");
    const f = (a: A) => lax.linalg.triangularSolve(np.tril(a), np.tril(a), { leftSide: true, lower: true });
    const got = threeWays(f, [x], false)[0]!;
    for (let b = 0; b < 3; b++) for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(Number(got[b * 25 + i * 5 + j])).toBeCloseTo(i === j ? 1 : 0, 12);
    const same = (a: A) => lax.linalg.triangularSolve(a, a, { leftSide: true, lower: true });
    expect(() => threeWays(same, [x], false)).not.toThrow();
  });

  it("property: batches around the split threshold of cholesky, lu, qr, triangularSolve and eigh give the same bits however they are spread", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 24 }),
        fc.integer({ min: 2, max: 40 }),
        fc.constantFrom<DT>("float32", "float64"),
        fc.constantFrom("cholesky", "lu", "qr", "triangularSolve", "eigh"),
        fc.integer({ min: 1, max: 1 << 20 }),
        (batch, n, dtype, prim, seed) => {
          const x = spd(batch, n, seed, dtype);
          const f = (a: A): A | A[] =>
            prim === "cholesky"
              ? lax.linalg.cholesky(a)
              : prim === "lu"
                ? (lax.linalg.lu(a) as A[])
                : prim === "qr"
                  ? (lax.linalg.qr(a) as A[])
                  : prim === "eigh"
                    ? (lax.linalg.eigh(a) as A[])
                    : lax.linalg.triangularSolve(a, np.multiply(a, 0.5), { leftSide: true, lower: true });
          // the split happens from batch * n^3 >= BATCH_SPLIT_MIN_WORK; both sides of it are drawn
          void BATCH_SPLIT_MIN_WORK;
          threeWays(f, [x], false);
        },
      ),
      { numRuns: 25 },
    );
  });
});
