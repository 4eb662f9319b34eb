/**
 * The raw QR (LAPACK geqrf): np.linalg.qr(a, { mode: "raw" }), lax.linalg.geqrf and
 * lax.linalg.householderProduct. Values replay test/golden/geqrf.json (real JAX 0.10.2, float32
 * and float64; generator test/golden/gen_geqrf.py); properties on fast-check matrices: the
 * reflectors' Q times R gives a back and matches qr's, vmap against stacking, jit against eager
 * on the cpu and wasm devices; differentiating raises NotImplementedError as JAX does.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NotImplementedError, devicePut, grad, jit, jvp, lax, numpy as np, vmap } from "../../src/index.js";
import { jaxprToOnnx } from "../../src/export/onnx.js";
import { makeJaxpr } from "../../src/transforms/makeJaxpr.js";

type A = np.Array;
interface Enc {
  array: number[];
  dtype: "float32" | "float64";
  shape: number[];
}
interface Case {
  name: string;
  fn: "qrRaw" | "geqrf" | "householderProduct";
  args: Enc[];
  out: Enc[];
  rtol: number;
  atol: number;
}
const golden = JSON.parse(readFileSync(new URL("../golden/geqrf.json", import.meta.url), "utf8")) as { jax: string; cases: Case[] };
const dec = (e: Enc): A => np.reshape(np.array(e.array, { dtype: e.dtype }), e.shape);

/** The first min(m, n) columns of geqrf's output and the taus: householderProduct's operands. */
function reflectorsOf(a: A): [A, A] {
  const [h, taus] = lax.linalg.geqrf(a);
  const [m, n] = a.shape.slice(-2) as [number, number];
  return [m >= n ? h : lax.sliceInDim(h, 0, m, 1, h.ndim - 1), taus];
}

const fns: Record<Case["fn"], (...xs: A[]) => A[]> = {
  qrRaw: (a) => np.linalg.qr(a, { mode: "raw" }),
  geqrf: (a) => lax.linalg.geqrf(a),
  householderProduct: (...xs) => [xs.length === 2 ? lax.linalg.householderProduct(xs[0]!, xs[1]!) : lax.linalg.householderProduct(...reflectorsOf(xs[0]!))],
};

function expectClose(got: A, want: A, rtol: number, atol: number, what: string) {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  const g = Array.from(got.dataSync() as Float64Array);
  Array.from(want.dataSync() as Float64Array).forEach((w, i) => {
    if (Math.abs(g[i]! - w) > atol + rtol * Math.abs(w)) expect.fail(`${what}: element ${i} is ${g[i]}, JAX gives ${w}`);
  });
}

describe("golden values from JAX", () => {
  it(`covers float32 and float64 (JAX ${golden.jax})`, () => {
    expect(new Set(golden.cases.map((c) => c.name.split(" ").at(-1)))).toEqual(new Set(["float32", "float64"]));
    expect(golden.cases.length).toBeGreaterThanOrEqual(50);
  });
  for (const c of golden.cases)
    it(c.name, () => {
      const args = c.args.map(dec);
      const want = c.out.map(dec);
      const eager = fns[c.fn](...args);
      want.forEach((w, i) => expectClose(eager[i]!, w, c.rtol, c.atol, `${c.name} output ${i}`));
      const jitted = jit((...xs: A[]) => fns[c.fn](...xs))(...args) as A[];
      want.forEach((w, i) => expectClose(jitted[i]!, w, c.rtol, c.atol, `${c.name} output ${i} under jit`));
    });
  it('np.linalg.qr takes the mode positionally too: qr(a, "raw")', () => {
    const a = dec(golden.cases.find((c) => c.fn === "qrRaw")!.args[0]!);
    const [h1, t1] = np.linalg.qr(a, "raw");
    const [h2, t2] = np.linalg.qr(a, { mode: "raw" });
    expectClose(h1, h2, 0, 0, "h");
    expectClose(t1, t2, 0, 0, "tau");
  });
});

const entries = (n: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n });
const matrixArb = (batch: number[]) =>
  fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })).chain(([m, n]) =>
    entries(batch.reduce((x, y) => x * y, 1) * m * n).map((d) => np.reshape(np.array(Float64Array.from(d)), [...batch, m, n])),
  );
const runs = { numRuns: 12 };

describe("properties", () => {
  it("the reflectors give back a: householderProduct(geqrf(a)) @ triu(r) = a, and that q and r are qr's", () => {
    fc.assert(
      fc.property(matrixArb([]), (a) => {
        const [m, n] = a.shape as [number, number];
        const [h, taus] = lax.linalg.geqrf(a);
        expect(taus.shape).toEqual([Math.min(m, n)]);
        const q = lax.linalg.householderProduct(...reflectorsOf(a));
        const r = np.triu(h.slice([0, Math.min(m, n)]));
        expectClose(np.matmul(q, r), a, 1e-12, 1e-12, "q r");
        const [q2, r2] = np.linalg.qr(a);
        expectClose(q, q2, 1e-12, 1e-12, "q against qr's");
        expectClose(r, r2, 1e-12, 1e-12, "r against qr's");
        // "raw" is geqrf transposed
        const [hr, tr] = np.linalg.qr(a, { mode: "raw" });
        expectClose(hr, np.swapaxes(h, 0, 1), 0, 0, "raw h");
        expectClose(tr, taus, 0, 0, "raw tau");
      }),
      runs,
    );
  });

  it("vmap against stacking (batch dims 0 and 1, under jit too), one operand unbatched for householderProduct", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }).chain((k) => matrixArb([k])), (stacked) => {
        const k = stacked.shape[0]!;
        const per = Array.from({ length: k }, (_, i) => lax.linalg.geqrf(stacked.slice(i)));
        const want = [0, 1].map((j) => np.stack(per.map((p) => p[j]!)));
        const check = (got: A[], what: string) => want.forEach((w, j) => expectClose(got[j]!, w, 0, 0, `${what} output ${j}`));
        check(vmap((x: A) => lax.linalg.geqrf(x))(stacked), "vmap");
        check(vmap((x: A) => lax.linalg.geqrf(x), { inAxes: 1, outAxes: 0 })(np.moveaxis(stacked, 0, 1)), "vmap inAxes 1");
        check(jit(vmap((x: A) => lax.linalg.geqrf(x)))(stacked) as A[], "jit(vmap)");
        check(lax.linalg.geqrf(stacked), "the primitive's own batch");
        const [m, n] = stacked.shape.slice(1) as [number, number];
        if (m < n) return;
        const [hs, ts] = want as [A, A];
        const qs = vmap((h: A, t: A) => lax.linalg.householderProduct(h, t))(hs, ts);
        expectClose(qs, np.stack(per.map(([h, t]) => lax.linalg.householderProduct(h, t))), 0, 0, "householderProduct vmap");
        const q0 = vmap((t: A) => lax.linalg.householderProduct(hs.slice(0), t))(ts);
        expectClose(q0, np.stack(Array.from({ length: k }, (_, i) => lax.linalg.householderProduct(hs.slice(0), ts.slice(i)))), 0, 0, "a unbatched");
      }),
      runs,
    );
  });

  it("jit gives the eager result on the cpu and wasm devices, float32 and float64", () => {
    const f = (a: A) => {
      const [h, tau] = np.linalg.qr(a, { mode: "raw" });
      return [np.multiply(h, 2), tau, np.linalg.qr(a)[0]];
    };
    fc.assert(
      fc.property(matrixArb([2]), fc.constantFrom("float32" as const, "float64" as const), (a64, dtype) => {
        const a = a64.astype(dtype);
        const eager = f(a);
        for (const device of ["cpu", "wasm"] as const) {
          const got = jit(f, { device })(devicePut(a, device));
          eager.forEach((e, i) => expectClose(got[i]!, e, dtype === "float32" ? 1e-6 : 1e-14, dtype === "float32" ? 1e-6 : 1e-14, `${device} output ${i}`));
        }
      }),
      runs,
    );
  });

  it("an inf or NaN gives all-NaN output, as qr", () => {
    const [h, t] = lax.linalg.geqrf(np.array([[1, NaN], [2, 3], [4, 5]]));
    expect(Array.from(h.dataSync()).every(Number.isNaN)).toBe(true);
    expect(Array.from(t.dataSync()).every(Number.isNaN)).toBe(true);
  });

  it("empty matrices", () => {
    for (const shape of [[0, 3], [3, 0], [2, 0, 0]]) {
      const [h, t] = lax.linalg.geqrf(np.zeros(shape));
      expect(h.shape).toEqual(shape);
      expect(t.shape).toEqual([...shape.slice(0, -2), 0]);
    }
  });
});

describe("differentiation raises NotImplementedError, as JAX (no derivative rule for geqrf)", () => {
  const a = np.array([[2, 1], [1, 3], [0, 1]]);
  it("grad and jvp of np.linalg.qr raw, lax.linalg.geqrf and householderProduct", () => {
    const cases: [string, (x: A) => A][] = [
      ["geqrf", (x) => np.sum(np.linalg.qr(x, { mode: "raw" })[0])],
      ["geqrf", (x) => np.sum(lax.linalg.geqrf(x)[1])],
      ["householder_product", (x) => np.sum(lax.linalg.householderProduct(x, np.array([1, 0.5])))],
    ];
    for (const [name, f] of cases) {
      const msg = new RegExp(`Differentiation rule for '${name}' not implemented`);
      expect(() => grad(f)(a)).toThrow(NotImplementedError);
      expect(() => grad(f)(a)).toThrow(msg);
      expect(() => jvp(f, [a], [np.onesLike(a)])).toThrow(msg);
      expect(() => jit(grad(f))(a)).toThrow(msg);
    }
  });
  it("a primal-only use inside a differentiated function is fine (no tangent reaches it)", () => {
    const g = grad((x: A) => np.sum(np.multiply(x, lax.stopGradient(lax.linalg.geqrf(a)[0]))))(a);
    expectClose(g, lax.linalg.geqrf(a)[0], 0, 0, "grad");
  });
});

describe("errors", () => {
  it("name the function, the argument and the shapes", () => {
    expect(() => lax.linalg.geqrf(np.ones([3]))).toThrow(/lax\.linalg\.geqrf: a must have at least 2 dimensions .*got shape \(3,\)/);
    expect(() => lax.linalg.geqrf(np.ones([2, 2], { dtype: "int32" }))).toThrow(/lax\.linalg\.geqrf: a must be float32 or float64, got int32/);
    expect(() => lax.linalg.householderProduct(np.ones([2, 3]), np.ones([2]))).toThrow(/lax\.linalg\.householderProduct: a must have at least as many rows as columns, got shape \(2, 3\)/);
    expect(() => lax.linalg.householderProduct(np.ones([3, 2]), np.ones([3]))).toThrow(/lax\.linalg\.householderProduct: taus \(shape \(3,\)\) must not have more entries than min\(rows, columns\) = 2 of a \(shape \(3, 2\)\)/);
    expect(() => lax.linalg.householderProduct(np.ones([2, 3, 2]), np.ones([3, 2]))).toThrow(/lax\.linalg\.householderProduct: taus must have shape \[\.\.\.batch, k\] with a's batch dims, got taus \(3, 2\) for a \(2, 3, 2\)/);
    expect(() => lax.linalg.householderProduct(np.ones([3, 2]), np.ones([2], { dtype: "float64" }))).toThrow(/lax\.linalg\.householderProduct: a \(float32\) and taus \(float64\) must have the same dtype/);
    expect(() => (lax.linalg.geqrf as (...xs: unknown[]) => unknown)(np.ones([2, 2]), true)).toThrow(/lax\.linalg\.geqrf/);
  });
  it("ONNX export names the primitive", () => {
    const closed = makeJaxpr((x: A) => lax.linalg.geqrf(x)[0])(np.ones([3, 2]));
    expect(() => jaxprToOnnx(closed)).toThrow(/jaxprToOnnx: primitive "geqrf" has no ONNX export rule/);
    const closed2 = makeJaxpr((x: A, t: A) => lax.linalg.householderProduct(x, t))(np.ones([3, 2]), np.ones([2]));
    expect(() => jaxprToOnnx(closed2)).toThrow(/jaxprToOnnx: primitive "householderProduct" has no ONNX export rule/);
  });
});

describe("the wasm backend's native kernels (factor steps) against the cpu reference", () => {
  const onBoth = (f: (...xs: A[]) => A[], xs: A[]) => {
    const run = (device: "cpu" | "wasm") => jit(f, { device })(...xs.map((x) => devicePut(x, device)));
    return { wasm: run("wasm"), cpu: run("cpu") };
  };
  const maxAbs = (x: A) => Math.max(0, ...Array.from(np.abs(x.astype("float64")).dataSync() as Float64Array));

  it("compiles geqrf and householderProduct to factor steps, not host steps", () => {
    const text = jit((x: A) => {
      const [h, t] = lax.linalg.geqrf(x);
      return [h, t, lax.linalg.householderProduct(h, t)];
    }, { device: "wasm" })
      .lower(np.ones([5, 3]))
      .compile()
      .asText();
    expect(text).toMatch(/factor geqrf\(/);
    expect(text).toMatch(/factor householder_product\(/);
    expect(text).not.toMatch(/host (geqrf|householder_product)\(/);
  });

  it("random sizes up to 64, batched, float32 and float64, full rank, rank-deficient and with inf/NaN", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: -6, max: 6 }),
        fc.constantFrom<number[]>([], [2], [2, 3]),
        fc.constantFrom("float32" as const, "float64" as const),
        fc.constantFrom("well", "rank-deficient", "special"),
        fc.integer({ min: 1, max: 1 << 30 }),
        (n, dm, batch, dtype, flavor, seed) => {
          const m = Math.max(1, n + dm);
          const count = batch.reduce((x, y) => x * y, 1) * m * n;
          let s = seed;
          const d = Float64Array.from({ length: count }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
          const at = (b: number, i: number, j: number) => b * m * n + i * n + j;
          for (let b = 0; b < count / (m * n); b++) {
            if (flavor === "well") for (let i = 0; i < Math.min(m, n); i++) d[at(b, i, i)]! += 4;
            if (flavor === "rank-deficient") for (let i = 0; i < m; i++) d[at(b, i, Math.floor(n / 2))] = 0;
            if (flavor === "special") d[b * m * n + ((seed + b) % (m * n))] = b % 2 === 0 ? NaN : -Infinity;
          }
          const a = np.reshape(np.array(d, { dtype: "float64" }), [...batch, m, n]).astype(dtype);
          const what = `${dtype} ${flavor} ${m}x${n} batch=${batch}`;
          const { wasm, cpu } = onBoth((x) => lax.linalg.geqrf(x), [a]);
          const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
          if (flavor === "special") {
            wasm.forEach((w, i) => expect(Array.from(w.dataSync()).every(Number.isNaN), `${what} output ${i} all NaN`).toBe(true));
            return;
          }
          // the same reflectors (both in float64; sums in another order), up to rounding
          const tol = (dtype === "float32" ? 4 : 64 * Math.max(m, n)) * eps;
          const [h, t] = wasm as [A, A];
          if (flavor === "well") {
            expect(maxAbs(np.subtract(h.astype("float64"), cpu[0]!.astype("float64"))), `${what} a`).toBeLessThanOrEqual(tol * (1 + maxAbs(cpu[0]!)));
            expect(maxAbs(np.subtract(t.astype("float64"), cpu[1]!.astype("float64"))), `${what} taus`).toBeLessThanOrEqual(tol * 2);
          }
          // householderProduct on wasm against the reference, on the wasm reflectors: q r = a
          const k = Math.min(m, n);
          const hk = lax.sliceInDim(h, 0, k, 1, h.ndim - 1);
          const q = onBoth((x, y) => [lax.linalg.householderProduct(x, y)], [hk, t]);
          expect(maxAbs(np.subtract(q.wasm[0]!.astype("float64"), q.cpu[0]!.astype("float64"))), `${what} q`).toBeLessThanOrEqual(tol * 2);
          const r = np.triu(lax.sliceInDim(h, 0, k, 1, h.ndim - 2));
          const a64 = a.astype("float64");
          expect(maxAbs(np.subtract(np.matmul(q.wasm[0]!.astype("float64"), r.astype("float64")), a64)), `${what} q r = a`).toBeLessThanOrEqual(64 * Math.max(m, n) * eps * (1 + maxAbs(a64)));
        },
      ),
      { numRuns: 30 },
    );
  });
});
