/**
 * Properties of the factorizations and what is built on them, on fast-check-generated
 * well-conditioned matrices (SPD: B B^T + n I; general: B + n I; entries of B in [-1, 1]):
 * checkGrads (orders 1 and 2, forward and reverse, central differences in float64), vmap
 * against stacking per-example results, jit against eager, and errors that name the function,
 * the argument and the shapes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devicePut, jit, lax, numpy as np, scipy, vmap } from "../../src/index.js";
import { checkGrads } from "../../src/testing/checkGrads.js";

type A = np.Array;

const entries = (n: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n });

/**
 * A general matrix B + shift I (float64), shape [...batch, m, n]. The default shift makes it
 * strictly diagonally dominant, so it is well conditioned and LU's pivots are never near a tie
 * (where LU is not differentiable and central differences would straddle a pivot switch).
 */
const generalArb = (m: number, n: number, batch: number[] = [], shift = 2 * Math.min(m, n) + 1) =>
  entries(batch.reduce((a, b) => a * b, 1) * m * n).map((d) => {
    const b = np.reshape(np.array(Float64Array.from(d)), [...batch, m, n]);
    return shift === 0 ? b : np.add(b, np.multiply(np.eye(m, n, { dtype: "float64" }), shift));
  });

/**
 * QR inputs: generalArb plus a fixed nonzero strictly-lower part, so no Householder sub-column
 * is exactly zero (a shrunk B of zeros would give one). There LAPACK's convention (H = I for a
 * zero sub-column, else the diagonal's sign flips) makes Q and R jump, in JAX too, and central
 * differences straddle the jump.
 */
const qrArb = (m: number, n: number) => generalArb(m, n).map((a) => np.add(a, np.tril(np.full([m, n], 0.25, { dtype: "float64" }), -1)));

const spdArb = (n: number, batch: number[] = []) =>
  generalArb(n, n, batch, 0).map((b) => np.add(np.matmul(b, np.swapaxes(b, -1, -2)), np.multiply(np.eye(n, null, { dtype: "float64" }), n)));

/**
 * Well-separated spectra (eigh and svd derivatives are only defined for distinct values; JAX's
 * caveat): B + diag(3 k s), k = 1.., s = the size, moves each value by at most |B| <= s.
 */
const distinctArb = (m: number, n: number, symmetric: boolean) =>
  generalArb(m, n, [], 0).map((b) => {
    const s = Math.max(m, n);
    const d = np.multiply(np.eye(m, n, { dtype: "float64" }), np.multiply(np.arange(1, n + 1).astype("float64"), 3 * s));
    const x = symmetric ? np.divide(np.add(b, np.swapaxes(b, -1, -2)), 2) : b;
    return np.add(x, d);
  });

const sizeArb = fc.integer({ min: 1, max: 4 });
const runs = { numRuns: 4 };

/** Squares: eigen/singular vectors enter losses sign-invariantly. */
const sq = (x: A) => np.multiply(x, x);

describe("checkGrads of the factorizations (float64, orders 1 and 2, fwd and rev)", () => {
  const cases: [string, (n: number) => fc.Arbitrary<A[]>, (...xs: A[]) => A | A[]][] = [
    ["cholesky", (n) => spdArb(n).map((a) => [a]), (a) => np.linalg.cholesky(a)],
    ["triangularSolve left lower", (n) => fc.tuple(generalArb(n, n), generalArb(n, 2, [], 0)), (a, b) => lax.linalg.triangularSolve(a, b, { leftSide: true, lower: true })],
    ["triangularSolve right upper transposed unit", (n) => fc.tuple(generalArb(n, n), generalArb(2, n, [], 0)), (a, b) => lax.linalg.triangularSolve(a, b, { transposeA: true, unitDiagonal: true })],
    ["lu", (n) => generalArb(n, n).map((a) => [a]), (a) => lax.linalg.lu(a)[0]],
    ["lu wide", (n) => generalArb(n, n + 1).map((a) => [a]), (a) => lax.linalg.lu(a)[0]],
    ["lu tall", (n) => generalArb(n + 1, n).map((a) => [a]), (a) => lax.linalg.lu(a)[0]],
    ["qr reduced tall", (n) => qrArb(n + 2, n).map((a) => [a]), (a) => np.linalg.qr(a)],
    ["qr complete tall", (n) => qrArb(n + 1, n).map((a) => [a]), (a) => np.linalg.qr(a, { mode: "complete" })],
    ["qr wide", (n) => qrArb(n, n + 2).map((a) => [a]), (a) => np.linalg.qr(a)],
    ["eigh", (n) => distinctArb(n, n, true).map((a) => [a]), (a) => {
      const [w, v] = np.linalg.eigh(a);
      return [w, sq(v)];
    }],
    ["svd tall", (n) => distinctArb(n + 1, n, false).map((a) => [a]), (a) => {
      const [u, s, vh] = np.linalg.svd(a, { fullMatrices: false });
      return [sq(u), s, sq(vh)];
    }],
    ["svd wide (values)", (n) => distinctArb(n + 2, n, false).map((a) => [np.swapaxes(a, -1, -2)]), (a) => np.linalg.svd(a, { computeUv: false })],
    ["svd wide", (n) => distinctArb(n + 1, n, false).map((a) => [np.swapaxes(a, -1, -2)]), (a) => {
      const [u, s, vh] = np.linalg.svd(a, { fullMatrices: false });
      return [sq(u), s, sq(vh)];
    }],
    ["solve", (n) => fc.tuple(generalArb(n, n), generalArb(n, 2, [], 0)), (a, b) => np.linalg.solve(a, b)],
    ["inv", (n) => generalArb(n, n).map((a) => [a]), (a) => np.linalg.inv(a)],
    ["det", (n) => generalArb(n, n).map((a) => [a]), (a) => np.linalg.det(a)],
    ["slogdet", (n) => generalArb(n, n).map((a) => [a]), (a) => np.linalg.slogdet(a)[1]],
    ["slogdet by qr", (n) => qrArb(n, n).map((a) => [a]), (a) => np.linalg.slogdet(a, { method: "qr" })[1]],
    ["pinv", (n) => generalArb(n + 1, n).map((a) => [a]), (a) => np.linalg.pinv(a)],
    ["expm", (n) => generalArb(n, n, [], 0).map((a) => [a]), (a) => scipy.linalg.expm(a)],
    // choFactor reads one triangle without symmetrizing, and the Cholesky jvp (JAX's) assumes a
    // symmetric tangent, so the derivative is that of a function of symmetric matrices.
    ["choSolve", (n) => fc.tuple(spdArb(n), generalArb(n, 2, [], 0)), (a, b) =>
      scipy.linalg.choSolve(scipy.linalg.choFactor(np.divide(np.add(a, np.swapaxes(a, -1, -2)), 2), { lower: true }), b)],
  ];
  for (const [name, arb, f] of cases)
    it(name, () => {
      fc.assert(
        fc.property(sizeArb.chain(arb), (args) => {
          checkGrads(f, args, 1, { modes: ["fwd", "rev"] });
          checkGrads(f, args, 2, { modes: ["fwd", "rev"] });
        }),
        runs,
      );
    });
});

describe("vmap of the primitives equals stacking per-example results", () => {
  const stackOf = (xs: A[]) => np.stack(xs);
  const closeTo = (got: A, exp: A) => {
    expect(got.shape).toEqual(exp.shape);
    const g = Array.from(got.dataSync() as Float64Array);
    const e = Array.from(exp.dataSync() as Float64Array);
    g.forEach((v, i) => expect(Math.abs(v - e[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(e[i]!))));
  };
  const fns: [string, (a: A) => A[]][] = [
    ["cholesky", (a) => [lax.linalg.cholesky(a)]],
    ["lu", (a) => lax.linalg.lu(a)],
    ["qr", (a) => lax.linalg.qr(a)],
    ["eigh", (a) => lax.linalg.eigh(a)],
    ["svd", (a) => lax.linalg.svd(a)],
    ["solve", (a) => [np.linalg.solve(a, np.ones([a.shape[a.ndim - 1]!], { dtype: "float64" }))]],
  ];
  for (const [name, f] of fns)
    it(`${name}, batch dims 0 and 1, under jit too`, () => {
      fc.assert(
        fc.property(
          sizeArb.chain((n) => fc.tuple(fc.integer({ min: 1, max: 3 }).chain((k) => fc.array(spdArb(n), { minLength: k, maxLength: k })), fc.constant(n))),
          ([mats]) => {
            const per = mats.map(f);
            const stacked = stackOf(mats);
            const v0 = vmap((a: A) => f(a))(stacked) as A[];
            per[0]!.forEach((_, k) => closeTo(v0[k]!, stackOf(per.map((p) => p[k]!))));
            const v1 = vmap((a: A) => f(a), { inAxes: 1 })(np.moveaxis(stacked, 0, 1)) as A[];
            per[0]!.forEach((_, k) => closeTo(v1[k]!, stackOf(per.map((p) => p[k]!))));
            const vj = jit(vmap((a: A) => f(a)))(stacked) as A[];
            per[0]!.forEach((_, k) => closeTo(vj[k]!, stackOf(per.map((p) => p[k]!))));
          },
        ),
        runs,
      );
    });

  it("triangularSolve with one operand unbatched", () => {
    fc.assert(
      fc.property(sizeArb.chain((n) => fc.tuple(generalArb(n, n, [3]), generalArb(n, 2, [], 0))), ([as, b]) => {
        const f = (a: A, bb: A) => lax.linalg.triangularSolve(a, bb, { leftSide: true, lower: true });
        const got = vmap(f, { inAxes: [0, null] })(as, b);
        closeTo(got, stackOf([0, 1, 2].map((i) => f(as.slice(i), b))));
        const b2 = np.multiply(b, 2);
        const got2 = vmap((bb: A) => f(as.slice(0), bb), { inAxes: 1 })(np.stack([b, b2], 1));
        closeTo(got2, stackOf([f(as.slice(0), b), f(as.slice(0), b2)]));
        // Right side: b's examples fold into rows.
        const g = (bb: A) => lax.linalg.triangularSolve(as.slice(1), bb, { leftSide: false, lower: false, transposeA: true });
        const bt = np.swapaxes(b, 0, 1);
        const got3 = vmap(g, { inAxes: 2 })(np.stack([bt, np.multiply(bt, -1), bt], 2));
        closeTo(got3, stackOf([g(bt), g(np.multiply(bt, -1)), g(bt)]));
        // Both batched, and batched over a leading batch dim of the primitive.
        const b3 = np.stack([np.stack([b, b, b]), np.stack([b2, b2, b2])]);
        const got4 = vmap((x: A, y: A) => f(x, y), { inAxes: [null, 0] })(as, b3);
        closeTo(got4, stackOf([f(as, np.stack([b, b, b])), f(as, np.stack([b2, b2, b2]))]));
      }),
      runs,
    );
  });
});

describe("jit gives the eager result", () => {
  const fns: [string, (a: A) => unknown][] = [
    ["cholesky", (a) => np.linalg.cholesky(a)],
    ["solve", (a) => np.linalg.solve(a, np.ones([a.shape[0]!], { dtype: "float64" }))],
    ["inv", (a) => np.linalg.inv(a)],
    ["det", (a) => np.linalg.det(a)],
    ["slogdet", (a) => np.linalg.slogdet(a)],
    ["eigh", (a) => np.linalg.eigh(a)],
    ["svd", (a) => np.linalg.svd(a)],
    ["qr", (a) => np.linalg.qr(a)],
    ["pinv", (a) => np.linalg.pinv(a)],
    ["expm", (a) => scipy.linalg.expm(np.multiply(a, 0.1))],
    ["norm nuc", (a) => np.linalg.norm(a, { ord: "nuc" })],
  ];
  for (const [name, f] of fns)
    it(name, () => {
      fc.assert(
        fc.property(sizeArb.chain((n) => spdArb(n)), (a) => {
          const e = (Array.isArray(f(a)) ? f(a) : [f(a)]) as A[];
          const j = jit(f)(a) as A | A[];
          const jl = (Array.isArray(j) ? j : [j]) as A[];
          e.forEach((x, i) => {
            const g = Array.from(jl[i]!.dataSync() as Float64Array);
            Array.from(x.dataSync() as Float64Array).forEach((v, k) => expect(Math.abs(g[k]! - v)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v))));
          });
        }),
        runs,
      );
    });
});

describe("errors name the function, the argument and the shapes", () => {
  it("non-square input", () => {
    expect(() => np.linalg.cholesky(np.ones([2, 3]))).toThrow(/np\.linalg\.cholesky: a must be a \(stack of\) square matrices, got shape \(2, 3\)/);
    expect(() => np.linalg.inv(np.ones([3]))).toThrow(/np\.linalg\.inv: a must have at least 2 dimensions, got shape \(3,\)/);
  });
  it("mismatched solve", () => {
    expect(() => np.linalg.solve(np.eye(3), np.ones([4]))).toThrow(/np\.linalg\.solve: a with shape \(3, 3\) and b with shape \(4,\)/);
    expect(() => scipy.linalg.solveTriangular(np.eye(3), np.ones([2, 2]))).toThrow(/scipy\.linalg\.solveTriangular/);
  });
  it("unknown options are TypeErrors listing the accepted keys", () => {
    expect(() => np.linalg.svd(np.eye(2), { full_matrices: false } as never)).toThrow(TypeError);
    expect(() => np.linalg.svd(np.eye(2), { full_matrices: false } as never)).toThrow(/np\.linalg\.svd: unknown option "full_matrices" \(did you mean fullMatrices\?\); the options are fullMatrices, computeUv, hermitian/);
    expect(() => np.linalg.qr(np.eye(2), { mode: "economic" } as never)).toThrow(/np\.linalg\.qr: unsupported mode "economic"/);
  });
  it("integer matrices are promoted to float, as JAX", () => {
    expect(np.linalg.inv(np.array([[2, 0], [0, 4]], { dtype: "int32" })).dtype).toBe("float32");
  });
});

describe("the wasm backend (factorizations as host steps for now) agrees with the cpu reference", () => {
  const f = (a: A, b: A) => {
    const [w, v] = np.linalg.eigh(a);
    return [np.linalg.cholesky(a), np.linalg.solve(a, b), w, np.abs(v), np.linalg.svd(a, { computeUv: false }), np.linalg.qr(a)[1], np.linalg.det(a)];
  };
  it("float32, jitted on each device", () => {
    fc.assert(
      fc.property(sizeArb.chain((n) => fc.tuple(spdArb(n), generalArb(n, 2, [], 0))), ([a64, b64]) => {
        const [a, b] = [a64.astype("float32"), b64.astype("float32")];
        const onCpu = jit(f, { device: "cpu" })(devicePut(a, "cpu"), devicePut(b, "cpu"));
        const onWasm = jit(f, { device: "wasm" })(devicePut(a, "wasm"), devicePut(b, "wasm"));
        onCpu.forEach((c, i) => {
          const w = Array.from(onWasm[i]!.dataSync() as Float32Array);
          Array.from(c.dataSync() as Float32Array).forEach((v, k) => expect(Math.abs(w[k]! - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
        });
      }),
      runs,
    );
  });
});

describe("rank-deficient input", () => {
  const orthonormalCols = (u: A) => {
    const g = np.matmul(np.swapaxes(u, -1, -2), u);
    const e = np.eye(u.shape[u.ndim - 1]!, null, { dtype: u.dtype });
    const d = Array.from(np.abs(np.subtract(g, e)).dataSync() as Float64Array);
    expect(Math.max(...d)).toBeLessThan(1e-12);
  };
  it("svd keeps u and vh orthonormal for zero and rank-one matrices (full and reduced)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), entries(4), (m, n, e) => {
        const x = np.array(Float64Array.from(e.slice(0, m).concat(new Array(Math.max(0, m - e.length)).fill(0.5))));
        const y = np.array(Float64Array.from(e.slice(0, n).concat(new Array(Math.max(0, n - e.length)).fill(-0.25))));
        for (const a of [np.zeros([m, n], { dtype: "float64" }), np.outer(x, y)])
          for (const fullMatrices of [true, false]) {
            const [u, s, vh] = np.linalg.svd(a, { fullMatrices });
            orthonormalCols(u);
            orthonormalCols(np.swapaxes(vh, -1, -2));
            const k = Math.min(m, n);
            const rec = np.matmul(np.multiply(u.slice([null, null, null], [0, k, null]), s), vh.slice([0, k, null]));
            const d = Array.from(np.abs(np.subtract(rec, a)).dataSync() as Float64Array);
            expect(Math.max(...d)).toBeLessThan(1e-12);
          }
      }),
      { numRuns: 10 },
    );
  });
});

describe("the reference factorizations on random sizes (up to 40, float64) satisfy their definitions", () => {
  const maxAbs = (x: A) => Math.max(0, ...Array.from(np.abs(x).dataSync() as Float64Array));
  const near = (got: A, exp: A, tol: number) => expect(maxAbs(np.subtract(got, exp))).toBeLessThanOrEqual(tol * (1 + maxAbs(exp)));
  const eyeN = (k: number) => np.eye(k, null, { dtype: "float64" });
  const T = (x: A) => np.swapaxes(x, -1, -2);
  const dims = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }));
  const randomMatrix = (m: number, n: number, seed: number) => {
    let s = seed;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    return np.reshape(np.array(Float64Array.from({ length: m * n }, next)), [m, n]);
  };
  it("cholesky, lu, qr, eigh and svd", () => {
    fc.assert(
      fc.property(dims, ([m, n, seed]) => {
        const a = randomMatrix(m, n, seed);
        const tol = 1e-12 * Math.max(m, n);
        const [lu, piv, perm] = lax.linalg.lu(a);
        const k = Math.min(m, n);
        const l = np.add(np.tril(lu, -1).slice([null, null, null], [0, k, null]), np.eye(m, k, { dtype: "float64" }));
        const u = np.triu(lu).slice([0, k, null]);
        near(np.matmul(l, u), np.take(a, perm, 0), tol);
        expect(piv.shape).toEqual([k]);
        const [q, r] = lax.linalg.qr(a, { fullMatrices: true });
        near(np.matmul(q, r), a, tol);
        near(np.matmul(T(q), q), eyeN(m), tol);
        near(r, np.triu(r), 0);
        const [uu, s, vt] = lax.linalg.svd(a);
        near(np.matmul(np.multiply(uu.slice([null, null, null], [0, k, null]), s), vt.slice([0, k, null])), a, tol);
        near(np.matmul(T(uu), uu), eyeN(m), tol);
        near(np.matmul(vt, T(vt)), eyeN(n), tol);
        const sv = Array.from(s.dataSync() as Float64Array);
        sv.forEach((x, i) => i > 0 && expect(x).toBeLessThanOrEqual(sv[i - 1]!));
        const spd = np.add(np.matmul(a, T(a)), eyeN(m));
        const c = lax.linalg.cholesky(spd);
        near(np.matmul(c, T(c)), spd, tol);
        const [v, w] = lax.linalg.eigh(spd);
        near(np.matmul(np.multiply(v, w), T(v)), spd, tol);
        near(np.matmul(T(v), v), eyeN(m), tol);
        const ws = Array.from(w.dataSync() as Float64Array);
        ws.forEach((x, i) => i > 0 && expect(x).toBeGreaterThanOrEqual(ws[i - 1]!));
      }),
      { numRuns: 12 },
    );
  });
});

describe("vmap of functions built on the factorizations equals stacking", () => {
  const fns: [string, (a: A) => A][] = [
    ["det", (a) => np.linalg.det(a)],
    ["slogdet", (a) => np.linalg.slogdet(a)[1]],
    ["inv", (a) => np.linalg.inv(a)],
    ["pinv", (a) => np.linalg.pinv(a)],
    ["expm", (a) => scipy.linalg.expm(a)],
    ["luSolve", (a) => scipy.linalg.luSolve(scipy.linalg.luFactor(a), np.ones([a.shape[0]!], { dtype: "float64" }))],
    ["norm 2", (a) => np.linalg.norm(a, { ord: 2 })],
  ];
  for (const [name, f] of fns)
    it(name, () => {
      fc.assert(
        fc.property(sizeArb.chain((n) => fc.array(generalArb(n, n), { minLength: 1, maxLength: 3 })), (mats) => {
          const got = vmap(f)(np.stack(mats));
          const exp = np.stack(mats.map(f));
          const g = Array.from(got.dataSync() as Float64Array);
          Array.from(exp.dataSync() as Float64Array).forEach((v, i) => expect(Math.abs(g[i]! - v)).toBeLessThanOrEqual(1e-11 * (1 + Math.abs(v))));
        }),
        runs,
      );
    });
});

describe("slogdet by QR agrees with slogdet by LU", () => {
  // Any sign of the determinant (no diagonal shift), batched, float64 and float32.
  it("on random matrices: the same sign, logabsdet within rounding", () => {
    fc.assert(
      fc.property(sizeArb, fc.integer({ min: 1, max: 3 }), fc.boolean(), (n, b, f32) =>
        fc.assert(
          fc.property(generalArb(n, n, [b], 0.3), (a64) => {
            const a = f32 ? a64.astype("float32") : a64;
            const [sq, lq] = np.linalg.slogdet(a, { method: "qr" });
            const [sl, ll] = np.linalg.slogdet(a);
            expect(sq.dtype).toBe(a.dtype);
            expect(Array.from(sq.dataSync())).toEqual(Array.from(sl.dataSync()));
            const tol = f32 ? 1e-4 : 1e-10;
            const gq = lq.dataSync(), gl = ll.dataSync();
            for (let i = 0; i < gl.length; i++) expect(Math.abs(gq[i]! - gl[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(gl[i]!)));
          }),
          { numRuns: 2 },
        ),
      ),
      runs,
    );
  });
  it("gives sign 0 and -inf for a singular matrix, and runs under jit and vmap", () => {
    // A zero column: exactly singular in floating point too (a rank-deficient matrix whose
    // columns merely combine to zero would leave a rounding-sized r_ii, in JAX as here).
    const singular = np.array([[1, 0, 2], [3, 0, 4], [5, 0, 6]], { dtype: "float64" });
    const [s0, l0] = np.linalg.slogdet(singular, { method: "qr" });
    expect(Math.abs(s0.item() as number)).toBe(0);
    expect(l0.item()).toBe(-Infinity);
    const a = np.array([[[0, 1], [1, 0]], [[2, 1], [1, 3]]], { dtype: "float64" });
    const f = (x: A) => np.linalg.slogdet(x, { method: "qr" });
    const [sj, lj] = jit(f)(a);
    const [sv, lv] = vmap(f)(a);
    expect(Array.from(sj.dataSync())).toEqual([-1, 1]);
    expect(Array.from(sv.dataSync())).toEqual([-1, 1]);
    expect(lj.dataSync()[1]).toBeCloseTo(Math.log(5), 12);
    expect(lv.dataSync()[0]).toBeCloseTo(0, 12);
  });
  it("refuses another method, naming it", () => {
    expect(() => np.linalg.slogdet(np.eye(2), { method: "svd" as "qr" })).toThrow(/np\.linalg\.slogdet: method must be "lu" or "qr", got "svd"/);
  });
});

describe("lax.linalg.eigh with sortEigenvalues false", () => {
  it("returns a valid eigendecomposition (the ascending order, as every backend here gives)", () => {
    const a = np.array([[2, 1, 0], [1, 3, 1], [0, 1, 4]], { dtype: "float64" });
    const [v, w] = lax.linalg.eigh(a, { sortEigenvalues: false });
    const [v2, w2] = lax.linalg.eigh(a);
    expect(Array.from(w.dataSync())).toEqual(Array.from(w2.dataSync()));
    expect(Array.from(v.dataSync())).toEqual(Array.from(v2.dataSync()));
    const back = np.matmul(np.matmul(v, np.diag(w)), np.swapaxes(v, -1, -2)).dataSync();
    Array.from(a.dataSync()).forEach((x, i) => expect(back[i]!).toBeCloseTo(x, 12));
  });
});
