/**
 * The wasm backend's native factor kernels (codegen/wasm/factor/: cholesky, triangularSolve,
 * lu, qr, eigh, svd) against the cpu reference interpreter (codegen/ref/linalg.ts), differentially, on
 * fast-check-drawn sizes up to 256, batched, float32 and float64, well- and ill-conditioned,
 * singular, not positive definite, and with inf/NaN entries; under jit and vmap. Both compute
 * in float64: LU runs the reference's operations in its order, so pivots, permutation and
 * factors agree exactly; Cholesky and the substitutions sum their dot products in another
 * order (SIMD lanes), so they agree to float64 rounding (amplified by the conditioning), which
 * a float32 result rounds away; so do QR's q and r (the reference's reflectors and signs) where
 * they are well-posed. eigh and SVD are the reference's Jacobi iterations, but a rotation's
 * threshold test on reordered sums may go the other way, so their vectors are checked by what
 * defines them (reconstruction, orthonormality) and their values against the reference.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devicePut, exportFn, jit, lax, numpy as np, vmap } from "../../src/index.js";
import { bytesOf, runStandalone } from "../export/standalone.js";

type A = np.Array;
type DT = "float32" | "float64";

/** A seeded uniform [-1, 1) stream (mulberry32). */
function uniform(seed: number, count: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

type Flavor = "well" | "ill" | "singular" | "special";

/** A batch of n x n matrices: shifted general (well), graded (ill), rank-deficient or with zero columns (singular), or with inf/NaN entries (special). */
function general(batch: number, m: number, n: number, seed: number, flavor: Flavor): Float64Array {
  const d = uniform(seed, batch * m * n);
  for (let b = 0; b < batch; b++) {
    const at = (i: number, j: number) => b * m * n + i * n + j;
    if (flavor === "well") for (let i = 0; i < Math.min(m, n); i++) d[at(i, i)]! += 4;
    if (flavor === "ill") for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[at(i, j)]! *= 10 ** (-6 * (j / Math.max(1, n - 1)));
    if (flavor === "singular") {
      // a repeated row, a zero column, and (every other matrix) a rank-one matrix
      if (m > 1) for (let j = 0; j < n; j++) d[at(m - 1, j)] = d[at(0, j)]!;
      for (let i = 0; i < m; i++) d[at(i, Math.floor(n / 2))] = 0;
      if (b % 2 === 1) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[at(i, j)] = d[b * m * n + i]! * d[b * m * n + j]!;
    }
    if (flavor === "special") {
      const k = (seed + b) % (m * n);
      d[b * m * n + k] = b % 3 === 0 ? NaN : b % 3 === 1 ? Infinity : -Infinity;
    }
  }
  return d;
}

/** A batch of symmetric matrices: G G^T / n + shift I (shift 1: well; 1e-7: ill; -0.5 or a negative pivot: not PD), or with a NaN. */
function spd(batch: number, n: number, seed: number, flavor: Flavor): Float64Array {
  const g = uniform(seed, batch * n * n);
  const out = new Float64Array(batch * n * n);
  const shift = flavor === "well" ? 1 : flavor === "ill" ? 1e-7 : flavor === "singular" ? -0.05 : 1;
  for (let b = 0; b < batch; b++) {
    const o = b * n * n;
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += g[o + i * n + k]! * g[o + j * n + k]!;
        out[o + i * n + j] = out[o + j * n + i] = s / n + (i === j ? shift : 0);
      }
    if (flavor === "singular" && b % 2 === 1) out[o + (n - 1) * n + (n - 1)] = -1; // fails at the last pivot
    if (flavor === "special") out[o + ((seed + b) % n) * (n + 1)] = b % 2 === 0 ? NaN : Infinity;
  }
  return out;
}

const asArray = (d: Float64Array, shape: number[], dtype: DT): A => np.array(d, { dtype: "float64" }).reshape(shape).astype(dtype);
const flat = (x: A): number[] => Array.from(x.dataSync() as ArrayLike<number>, Number);

/** Element-wise agreement: NaN where NaN, the same infinities, else within rtol |ref| + atol max|ref|. */
function expectClose(got: A, ref: A, rtol: number, atol: number, what: string): void {
  expect(got.shape, what).toEqual(ref.shape);
  expect(got.dtype, what).toBe(ref.dtype);
  const [g, r] = [flat(got), flat(ref)];
  const scale = r.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
  let worst = 0;
  let where = -1;
  r.forEach((v, k) => {
    const w = g[k]!;
    if (Number.isNaN(v) || !Number.isFinite(v)) {
      if (!Object.is(w, v) && !(Number.isNaN(v) && Number.isNaN(w))) {
        worst = Infinity;
        where = k;
      }
      return;
    }
    const err = Math.abs(w - v) / (rtol * Math.abs(v) + atol * scale || 1);
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      where = k;
    }
  });
  expect(worst, `${what}: element ${where} is ${g[where]}, the reference's ${r[where]}`).toBeLessThanOrEqual(1);
}

/** float64 rounding (reordered sums) amplified by the conditioning; float32 rounds it away. */
const tolerance = (dtype: DT, flavor: Flavor, n: number): [number, number] =>
  dtype === "float32" ? [2 ** -22, 2 ** -22] : flavor === "ill" || flavor === "singular" ? [1e-6, 1e-9] : [64 * n * 2 ** -52, 64 * n * 2 ** -52];

const onBoth = (f: (...xs: A[]) => A | A[], xs: A[]) => {
  const run = (device: "cpu" | "wasm") => {
    const out = jit(f, { device })(...xs.map((x) => devicePut(x, device)));
    return Array.isArray(out) ? out : [out];
  };
  return { wasm: run("wasm"), cpu: run("cpu") };
};

const sizeArb = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 24 }) }, { weight: 1, arbitrary: fc.integer({ min: 25, max: 256 }) });
const batchArb = fc.constantFrom<number[]>([], [2], [2, 3]);
const dtypeArb = fc.constantFrom<DT>("float32", "float64");
const flavorArb = fc.constantFrom<Flavor>("well", "ill", "singular", "special");
const seedArb = fc.integer({ min: 1, max: 1 << 30 });
const runs = { numRuns: 25 };
const size = (batch: number[]) => batch.reduce((a, b) => a * b, 1);

describe("wasm factor kernels agree with the cpu reference", () => {
  it("cholesky (NaN in the lower triangle where the reference fails, as JAX)", () => {
    fc.assert(
      fc.property(sizeArb, batchArb, dtypeArb, flavorArb, seedArb, (n, batch, dtype, flavor, seed) => {
        const a = asArray(spd(size(batch), n, seed, flavor), [...batch, n, n], dtype);
        const { wasm, cpu } = onBoth((x) => lax.linalg.cholesky(x), [a]);
        const [rtol, atol] = tolerance(dtype, flavor, n);
        expectClose(wasm[0]!, cpu[0]!, rtol, atol, `cholesky ${dtype} ${flavor} n=${n} batch=${batch}`);
      }),
      runs,
    );
  });

  it("lu: the same pivots and permutation, the same factors (rectangular, singular, inf/NaN)", () => {
    fc.assert(
      fc.property(sizeArb, fc.integer({ min: -3, max: 3 }), batchArb, dtypeArb, flavorArb, seedArb, (n, dm, batch, dtype, flavor, seed) => {
        const m = Math.max(1, n + dm);
        const a = asArray(general(size(batch), m, n, seed, flavor), [...batch, m, n], dtype);
        const { wasm, cpu } = onBoth((x) => lax.linalg.lu(x), [a]);
        const what = `lu ${dtype} ${flavor} ${m}x${n} batch=${batch}`;
        expect(flat(wasm[1]!), `${what} pivots`).toEqual(flat(cpu[1]!));
        expect(flat(wasm[2]!), `${what} permutation`).toEqual(flat(cpu[2]!));
        expectClose(wasm[0]!, cpu[0]!, 0, 0, `${what} factors`);
      }),
      runs,
    );
  });

  it("triangularSolve: left and right, lower and upper, transposeA, unitDiagonal", () => {
    fc.assert(
      fc.property(
        sizeArb,
        fc.integer({ min: 1, max: 5 }),
        batchArb,
        dtypeArb,
        fc.constantFrom<Flavor>("well", "ill", "special"),
        seedArb,
        fc.record({ leftSide: fc.boolean(), lower: fc.boolean(), transposeA: fc.boolean(), unitDiagonal: fc.boolean() }),
        (m, k, batch, dtype, flavor, seed, params) => {
          // ill: a triangle with a graded diagonal (the solve amplifies rounding by up to 1e6)
          const a = asArray(general(size(batch), m, m, seed, flavor === "ill" ? "well" : flavor), [...batch, m, m], dtype);
          const scaled = flavor === "ill" ? np.multiply(a, asArray(Float64Array.from({ length: m }, (_, j) => 10 ** (-6 * (j / Math.max(1, m - 1)))), [m], dtype)) : a;
          const bShape = params.leftSide ? [...batch, m, k] : [...batch, k, m];
          const b = asArray(uniform(seed + 1, size(bShape)), bShape, dtype);
          const { wasm, cpu } = onBoth((x, y) => lax.linalg.triangularSolve(x, y, params), [scaled, b]);
          const [rtol, atol] = tolerance(dtype, flavor, m);
          expectClose(wasm[0]!, cpu[0]!, rtol, atol, `triangularSolve ${JSON.stringify(params)} ${dtype} ${flavor} m=${m} k=${k} batch=${batch}`);
        },
      ),
      runs,
    );
  });

  it("svd: the same singular values; u diag(s) vh reconstructs a with orthonormal u and vh (full and reduced, wide and tall)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: -6, max: 6 }),
        fc.constantFrom<number[]>([], [2]),
        dtypeArb,
        flavorArb,
        seedArb,
        fc.record({ fullMatrices: fc.boolean(), computeUv: fc.boolean() }),
        (n, dm, batch, dtype, flavor, seed, params) => {
          const m = Math.max(1, n + dm);
          const a = asArray(general(size(batch), m, n, seed, flavor), [...batch, m, n], dtype);
          // (s, u, vh) as the primitive orders them
          const { wasm, cpu } = onBoth((x) => (params.computeUv ? ((([u, sv, vh]) => [sv, u, vh])(lax.linalg.svd(x, params) as A[]) as A[]) : lax.linalg.svd(x, params)), [a]);
          const what = `svd ${JSON.stringify(params)} ${dtype} ${flavor} ${m}x${n} batch=${batch}`;
          const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
          expectClose(wasm[0]!, cpu[0]!, 0, 64 * Math.max(m, n) * eps, `${what} s`);
          if (!params.computeUv) return;
          expect(wasm.map((w) => w.shape)).toEqual(cpu.map((w) => w.shape));
          if (flavor === "special") {
            wasm.forEach((w) => expect(flat(w).every(Number.isNaN), what).toBe(true));
            return;
          }
          // in float64: u[:, :k] diag(s) vh[:k] = a, u^T u = I, vh vh^T = I
          const [s64, u, vh] = wasm.map((w) => w.astype("float64")) as [A, A, A];
          const k = Math.min(m, n);
          const T = (x: A) => np.swapaxes(x, -1, -2);
          const all = batch.map(() => [null, null, null]);
          const uk = u.slice(...([...all, [null, null, null], [0, k, null]] as never[]));
          const vk = vh.slice(...([...all, [0, k, null]] as never[]));
          const tol = 64 * Math.max(m, n) * eps;
          const maxAbs = (x: A) => Math.max(0, ...flat(np.abs(x)));
          const a64 = a.astype("float64");
          expect(maxAbs(np.subtract(np.matmul(np.multiply(uk, np.expandDims(s64, -2)), vk), a64)), `${what} u s vh`).toBeLessThanOrEqual(tol * (1 + maxAbs(a64)));
          const eye = (d: number) => np.broadcastTo(np.eye(d, null, { dtype: "float64" }), [...batch, d, d]);
          expect(maxAbs(np.subtract(np.matmul(T(u), u), eye(u.shape[u.ndim - 1]!))), `${what} u^T u`).toBeLessThanOrEqual(tol);
          expect(maxAbs(np.subtract(np.matmul(vh, T(vh)), eye(vh.shape[vh.ndim - 2]!))), `${what} vh vh^T`).toBeLessThanOrEqual(tol);
        },
      ),
      runs,
    );
  });

  it("qr: LAPACK's reflectors and signs (q and r as the reference's; rank-deficient: q r = a, q orthonormal, r upper)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: -6, max: 6 }), fc.constantFrom<number[]>([], [2]), dtypeArb, flavorArb, seedArb, fc.boolean(), (n, dm, batch, dtype, flavor, seed, fullMatrices) => {
        const m = Math.max(1, n + dm);
        const a = asArray(general(size(batch), m, n, seed, flavor), [...batch, m, n], dtype);
        const { wasm, cpu } = onBoth((x) => lax.linalg.qr(x, { fullMatrices }), [a]);
        const what = `qr fullMatrices=${fullMatrices} ${dtype} ${flavor} ${m}x${n} batch=${batch}`;
        const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
        if (flavor !== "singular") {
          // column scaling (the ill flavor) leaves q as it is: both are well-posed
          const [rtol, atol] = tolerance(dtype, "well", Math.max(m, n));
          expectClose(wasm[0]!, cpu[0]!, rtol, atol, `${what} q`);
          expectClose(wasm[1]!, cpu[1]!, rtol, atol, `${what} r`);
          return;
        }
        // past the rank, the reflectors come from rounding noise (in LAPACK too): check what defines q and r
        const [q, r] = wasm.map((w) => w.astype("float64")) as [A, A];
        const maxAbs = (x: A) => Math.max(0, ...flat(np.abs(x)));
        const tol = 64 * Math.max(m, n) * eps;
        const a64 = a.astype("float64");
        expect(maxAbs(np.subtract(np.matmul(q, r), a64)), `${what} q r`).toBeLessThanOrEqual(tol * (1 + maxAbs(a64)));
        const kq = q.shape[q.ndim - 1]!;
        expect(maxAbs(np.subtract(np.matmul(np.swapaxes(q, -1, -2), q), np.broadcastTo(np.eye(kq, null, { dtype: "float64" }), [...batch, kq, kq]))), `${what} q^T q`).toBeLessThanOrEqual(tol);
        expect(maxAbs(np.tril(r, -1)), `${what} r upper`).toBe(0);
      }),
      runs,
    );
  });

  it("eigh: ascending eigenvalues as the reference's; v diag(w) v^T = a with orthonormal v (lower and upper triangle)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.constantFrom<number[]>([], [2]), dtypeArb, flavorArb, seedArb, fc.boolean(), (n, batch, dtype, flavor, seed, lower) => {
        const a = asArray(spd(size(batch), n, seed, flavor), [...batch, n, n], dtype);
        const { wasm, cpu } = onBoth((x) => lax.linalg.eigh(x, { lower, symmetrizeInput: false }), [a]);
        const what = `eigh lower=${lower} ${dtype} ${flavor} n=${n} batch=${batch}`;
        const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
        const tol = 64 * n * eps;
        expectClose(wasm[1]!, cpu[1]!, 0, tol, `${what} w`);
        if (flavor === "special") {
          expect(flat(wasm[0]!).every(Number.isNaN), what).toBe(true);
          return;
        }
        const [v, w] = wasm.map((x) => x.astype("float64")) as [A, A];
        const maxAbs = (x: A) => Math.max(0, ...flat(np.abs(x)));
        const a64 = a.astype("float64");
        expect(maxAbs(np.subtract(np.matmul(np.multiply(v, np.expandDims(w, -2)), np.swapaxes(v, -1, -2)), a64)), `${what} v w v^T`).toBeLessThanOrEqual(tol * (1 + maxAbs(a64)));
        expect(maxAbs(np.subtract(np.matmul(np.swapaxes(v, -1, -2), v), np.broadcastTo(np.eye(n, null, { dtype: "float64" }), [...batch, n, n]))), `${what} v^T v`).toBeLessThanOrEqual(tol);
      }),
      runs,
    );
  });

  it("under vmap (batched into the kernels) and inside np.linalg.solve / inv / det", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), dtypeArb, seedArb, (n, dtype, seed) => {
        const a = asArray(spd(3, n, seed, "well"), [3, n, n], dtype);
        const b = asArray(uniform(seed + 2, 3 * n * 2), [3, n, 2], dtype);
        const f = vmap((x: A, y: A) => [lax.linalg.cholesky(x), np.linalg.solve(x, y), np.linalg.inv(x), np.linalg.det(x), ...lax.linalg.lu(x)]);
        const { wasm, cpu } = onBoth((x, y) => f(x, y) as A[], [a, b]);
        const [rtol, atol] = tolerance(dtype, "well", n);
        wasm.forEach((w, i) => expectClose(w, cpu[i]!, rtol * 4, atol * 4, `vmapped output ${i} ${dtype} n=${n}`));
      }),
      { numRuns: 10 },
    );
  });
});

describe("degenerate shapes agree with the cpu", () => {
  const shapes: number[][] = [[0, 3, 3], [2, 0, 0], [1, 1], [2, 1, 1], [3, 0], [0, 4], [1, 5], [5, 1], [2, 0, 3]];
  for (const shape of shapes)
    for (const dtype of ["float32", "float64"] as DT[])
      it(`${JSON.stringify(shape)} ${dtype}`, () => {
        const [m, n] = shape.slice(-2) as [number, number];
        const count = shape.reduce((x, y) => x * y, 1);
        const a = asArray(Float64Array.from(uniform(7, count), (v) => v + 2), shape, dtype);
        const fs: [string, (x: A) => A[]][] = [
          ["lu", (x) => lax.linalg.lu(x)],
          ["qr", (x) => lax.linalg.qr(x)],
          ["qr reduced", (x) => lax.linalg.qr(x, { fullMatrices: false })],
          ["svd values", (x) => [lax.linalg.svd(x, { computeUv: false })]],
        ];
        if (m === n) {
          const spdA = np.add(np.matmul(a, np.swapaxes(a, -1, -2)), np.multiply(np.eye(n, null, { dtype }), n));
          fs.push(["cholesky", () => [lax.linalg.cholesky(spdA)]], ["eigh values", () => [lax.linalg.eigh(spdA)[1]]]);
          fs.push(["triangularSolve", (x) => [lax.linalg.triangularSolve(np.add(x, np.eye(n, null, { dtype })), np.ones([...shape.slice(0, -2), n, 2], { dtype }), { leftSide: true, lower: true })]]);
        }
        for (const [name, f] of fs) {
          const { wasm, cpu } = onBoth((x) => f(x), [a]);
          wasm.forEach((w, i) => expectClose(w, cpu[i]!, 1e-6, 1e-6, `${name} output ${i}`));
        }
      });
});

describe("subnormal entries", () => {
  it("svd of a matrix with subnormal off-diagonal entries is finite and the reference's (a shrunk counterexample: 1/norm of such a row overflowed)", () => {
    for (const dtype of ["float64"] as DT[]) {
      const a = asArray(Float64Array.from([2, 1e-323, 1e-323, 2.5625]), [2, 2], dtype);
      const { wasm, cpu } = onBoth((x) => (([u, sv, vh]) => [sv, u, vh])(lax.linalg.svd(x) as A[]) as A[], [a]);
      expectClose(wasm[0]!, cpu[0]!, 0, 1e-15, "s");
      wasm.forEach((w, i) => expect(flat(w).every(Number.isFinite), `output ${i}`).toBe(true));
      const [sv, u, vh] = wasm as [A, A, A];
      expectClose(np.matmul(np.multiply(u, np.expandDims(sv, -2)), vh), a, 0, 1e-15, "u s vh");
    }
  });
});

describe("factor steps inside compiled loops", () => {
  it("a scan over a stack of matrices (operands are views moving with the trip, workspaces per trip) agrees with the cpu", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), dtypeArb, seedArb, (n, steps, dtype, seed) => {
        const as = asArray(spd(steps, n, seed, "well"), [steps, n, n], dtype);
        const body = (carry: A, a: A): [A, A[]] => {
          const l = lax.linalg.cholesky(a);
          const x = lax.linalg.triangularSolve(l, carry, { leftSide: true, lower: true });
          return [np.add(carry, np.multiply(x, 0.5)), [l, lax.linalg.svd(a, { computeUv: false }), lax.linalg.qr(a)[1], lax.linalg.eigh(a)[1], lax.linalg.lu(a)[0]]];
        };
        const c0 = asArray(uniform(seed + 3, n), [n, 1], dtype);
        const { wasm, cpu } = onBoth((c, xs) => (([c1, ys]) => [c1, ...ys])(lax.scan(body, c, xs) as [A, A[]]), [c0, as]);
        const [rtol, atol] = tolerance(dtype, "well", n);
        wasm.forEach((w, i) => expectClose(w, cpu[i]!, rtol * 16, atol * 16, `scan output ${i} ${dtype} n=${n} steps=${steps}`));
      }),
      { numRuns: 10 },
    );
  });
});

describe("the compiled module", () => {
  it("runs all six factorizations as native factor steps, not host steps", () => {
    const a = np.add(np.eye(8), np.full([8, 8], 0.1));
    const b = np.ones([8, 2]);
    const f = (x: A, y: A) => [
      lax.linalg.cholesky(x),
      lax.linalg.triangularSolve(x, y, { leftSide: true, lower: true }),
      ...lax.linalg.lu(x),
      ...lax.linalg.qr(x),
      ...lax.linalg.eigh(x),
      ...lax.linalg.svd(x),
    ];
    const text = jit(f, { device: "wasm" }).lower(a, b).compile().asText();
    expect(text).toMatch(/factor cholesky\(/);
    expect(text).toMatch(/factor triangular_solve\(/);
    expect(text).toMatch(/factor lu\(/);
    expect(text).toMatch(/factor qr\(/);
    expect(text).toMatch(/factor eigh\(/);
    expect(text).toMatch(/factor svd\(/);
    expect(text).not.toMatch(/host (cholesky|triangular_solve|lu|qr|eigh|svd)\(/);
    expect(text).not.toMatch(/\(import "env" "host"/);
  });

  it("exports to a standalone module (no host step for the loader to run) that computes what jit does, bit for bit", () => {
    const n = 12;
    const a = asArray(spd(1, n, 5, "well"), [n, n], "float32");
    const b = asArray(uniform(6, n * 2), [n, 2], "float32");
    // (not np.linalg.solve: its row permutation is a gather, a host step yet)
    const f = (x: A, y: A) => [
      np.linalg.cholesky(x),
      lax.linalg.triangularSolve(x, y, { leftSide: true, lower: false, transposeA: true }),
      ...lax.linalg.lu(x),
      np.linalg.qr(x)[1],
      np.linalg.eigh(x)[0],
      np.linalg.svd(x, { computeUv: false }),
    ];
    const files = exportFn(f)(a, b).toWasm();
    const want = (jit(f, { device: "wasm" })(devicePut(a, "wasm"), devicePut(b, "wasm")) as A[]).map((o) => bytesOf(o.dataSync() as Float32Array));
    const got = runStandalone(files, [a, b].map((x) => ({ dtype: "float32", data: x.dataSync() as Float32Array })));
    expect(got.error).toBeUndefined();
    expect(got.outputs.length).toBe(want.length);
    got.outputs.forEach((o, i) => expect(o.bytes, `output ${i}`).toEqual(want[i]));
  }, 60_000);
});
