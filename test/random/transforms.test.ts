/**
 * random under transforms: every sampler is built from lax operations, so jit gives the same
 * bits as eager evaluation, vmap over a batch of keys equals stacking per-key draws, traces show
 * the threefry2x32 primitive, and the float parameters (uniform bounds, truncation bounds) are
 * differentiable. Also the API's argument checking.
 */
import { describe, expect, it } from "vitest";
import { grad } from "../../src/autodiff/api.js";
import type { JArray } from "../../src/core/array.js";
import { ValueError } from "../../src/errors.js";
import * as np from "../../src/numpy/index.js";
import * as random from "../../src/random/index.js";
import { jit } from "../../src/transforms/jit.js";
import { makeJaxpr } from "../../src/transforms/makeJaxpr.js";
import { vmap } from "../../src/vmap/api.js";

const key = random.key(42);
const num = (x: JArray): number => Number(x.item());

/** Same dtype, shape and bit patterns. */
function expectSameBits(a: JArray, b: JArray, what = ""): void {
  expect(a.dtype, what).toBe(b.dtype);
  expect([...a.shape], what).toEqual([...b.shape]);
  const bytes = (x: JArray) => {
    const d = x.dataSync();
    return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  };
  expect(bytes(a), what).toEqual(bytes(b));
}

const logits = np.array([
  [0.1, 2.0, -1.0, 0.5],
  [1.0, 1.0, 1.0, 1.0],
  [-3.0, 0.0, 3.0, 0.2],
]);

/** One call of each sampler, as a function of the key only. */
const samplers: Record<string, (k: JArray) => JArray> = {
  split: (k) => random.split(k, 3),
  foldIn: (k) => random.foldIn(k, 17),
  bits: (k) => random.bits(k, [2, 3]),
  uniform: (k) => random.uniform(k, [5]),
  uniformRange: (k) => random.uniform(k, [5], { minval: -3, maxval: 7 }),
  uniform64: (k) => random.uniform(k, [5], { dtype: "float64", minval: 0.1, maxval: 0.7 }),
  normal: (k) => random.normal(k, [3]),
  normal64: (k) => random.normal(k, [4], { dtype: "float64" }),
  truncatedNormal: (k) => random.truncatedNormal(k, -1, 2.5, [6]),
  bernoulli: (k) => random.bernoulli(k, 0.3, [7]),
  gumbel: (k) => random.gumbel(k, [4]),
  categorical: (k) => random.categorical(k, logits),
  categoricalNoReplace: (k) => random.categorical(k, logits, { shape: [2, 3], replace: false }),
  permutation: (k) => random.permutation(k, 9),
  permutation2d: (k) => random.permutation(k, np.arange(12).reshape([3, 4]), { axis: 1 }),
  randint: (k) => random.randint(k, [6], -5, 17),
  orthogonal: (k) => random.orthogonal(k, 3),
};

describe("jit", () => {
  for (const [name, f] of Object.entries(samplers)) {
    if (name === "orthogonal") continue; // the traced QR rounds differently: checked below
    it(`${name}: jit equals eager, bit for bit`, () => expectSameBits(jit(f)(key), f(key), name));
  }

  it("orthogonal: the traced QR (jit) agrees with the eager one", () => {
    const a = jit((k: JArray) => random.orthogonal(k, 5, [2], { m: 3 }))(key);
    const b = random.orthogonal(key, 5, [2], { m: 3 });
    expect([...a.shape]).toEqual([2, 5, 3]);
    expect(np.allclose(a, b, { atol: 2e-6 })).toBe(true);
    const q = a.slice(0); // 5 x 3: orthonormal columns
    expect(np.allclose(np.matmul(q.T, q), np.eye(3), { atol: 1e-5 })).toBe(true);
  });
});

describe("vmap over keys", () => {
  const keys = random.split(key, 4);
  const stacked = (f: (k: JArray) => JArray) => np.stack([0, 1, 2, 3].map((i) => f(keys.slice(i))));

  it("vmap((k) => normal(k, [3]))(split(key, 4)) stacks the per-key draws", () => {
    const out = vmap((k: JArray) => random.normal(k, [3]))(keys);
    expect([...out.shape]).toEqual([4, 3]);
    expectSameBits(out, stacked((k) => random.normal(k, [3])));
  });

  for (const [name, f] of Object.entries(samplers)) {
    if (name === "orthogonal") continue;
    it(`${name}`, () => expectSameBits(vmap(f)(keys), stacked(f), name));
  }

  it("orthogonal (traced QR under vmap)", () => {
    const out = vmap((k: JArray) => random.orthogonal(k, 3))(keys);
    expect(np.allclose(out, stacked((k) => random.orthogonal(k, 3)), { atol: 2e-6 })).toBe(true);
  });

  it("vmap of jit, and keys from a batch of seeds", () => {
    const f = jit((k: JArray) => random.uniform(k, [2]));
    expectSameBits(vmap(f)(keys), stacked(f));
    const seeds = np.array(new Int32Array([0, 1, -1, 42]));
    expectSameBits(
      vmap((s: JArray) => random.key(s))(seeds),
      np.stack([0, 1, -1, 42].map((s) => random.key(s))),
    );
  });

  it("foldIn with batched data", () => {
    const data = np.array(new Uint32Array([0, 5, 4294967295]));
    const out = vmap((d: JArray) => random.foldIn(key, d))(data);
    expectSameBits(out, np.stack([0, 5, 4294967295].map((d) => random.foldIn(key, d))));
  });

  it("uniform with batched bounds", () => {
    const lo = np.array([0, -1, 10]);
    const out = vmap((m: JArray) => random.uniform(key, [2], { minval: m, maxval: 20 }))(lo);
    expectSameBits(out, np.stack([0, -1, 10].map((m) => random.uniform(key, [2], { minval: m, maxval: 20 }))));
  });
});

describe("traces", () => {
  it("makeJaxpr of a sampler shows threefry2x32 and no host loops", () => {
    const text = makeJaxpr((k: JArray) => random.normal(k, [3]))(key).toString();
    expect(text).toContain("threefry2x32");
    expect(text).toContain("custom_jvp_call"); // xlaMath's erfInv, with JAX's erf_inv derivative
    // constant bounds: the exact scale-by-2 step needs no float64 fma emulation
    expect(text.slice(0, text.indexOf("custom_jvp_call"))).not.toContain("f64");
  });

  it("split and bits trace to one threefry2x32 each", () => {
    const text = makeJaxpr((k: JArray) => random.bits(random.split(k).slice(1), [4]))(key).toString();
    expect(text.match(/threefry2x32/g)?.length).toBe(2);
  });
});

describe("gradients", () => {
  it("uniform is differentiable in its bounds", () => {
    const f = (lo: JArray) => np.sum(random.uniform(key, [8], { minval: lo, maxval: 5 }));
    const g = grad(f)(np.array(1.0));
    // d/dlo [f * (5 - lo) + lo] = 8 - sum(f) where f = (u - lo) / (5 - lo)
    const u = random.uniform(key, [8], { minval: 1, maxval: 5 });
    const expected = 8 - num(np.sum(np.divide(np.subtract(u, 1), 4)));
    expect(Math.abs(num(g) - expected)).toBeLessThan(1e-5);
  });

  it("truncatedNormal is differentiable in its bounds (JAX's erf/erfInv derivatives)", () => {
    const f = (lo: JArray, hi: JArray) => np.sum(random.truncatedNormal(key, lo, hi, [5]));
    const [gl, gh] = grad(f, { argnums: [0, 1] })(np.array(-1.0), np.array(2.0)) as JArray[];
    // central differences in float32 are rough: compare loosely
    const h = 1e-2;
    const fd = (dl: number, dh: number) => num(f(np.array(-1 + dl), np.array(2 + dh)));
    expect(num(gl!)).toBeCloseTo((fd(h, 0) - fd(-h, 0)) / (2 * h), 1);
    expect(num(gh!)).toBeCloseTo((fd(0, h) - fd(0, -h)) / (2 * h), 1);
  });
});

describe("keys and argument checking", () => {
  it("key: seeds modulo 2^32 as JAX without x64", () => {
    expect(random.key(0).tolist()).toEqual([0, 0]);
    expect(random.key(-1).tolist()).toEqual([0, 4294967295]);
    expect(random.key(2 ** 32 + 7).tolist()).toEqual([0, 7]);
    expect(random.key(2n ** 63n - 1n).tolist()).toEqual([0, 4294967295]);
    expect(random.PRNGKey(5).dtype).toBe("uint32");
    expect(() => random.key(1.5)).toThrow(TypeError);
    expect(() => random.key(2n ** 64n)).toThrow(RangeError);
  });

  it("split shapes and keyData", () => {
    expect([...random.split(key).shape]).toEqual([2, 2]);
    expect([...random.split(key, [2, 3]).shape]).toEqual([2, 3, 2]);
    expect(random.keyData(random.split(key, 3))).toBeDefined();
    expect(() => random.keyData(np.zeros([3]))).toThrow(TypeError);
  });

  it("samplers take one key; batches go through vmap", () => {
    expect(() => random.normal(random.split(key, 3), [2])).toThrow(ValueError);
    expect(() => random.normal(np.array([0, 42]), [2])).toThrow(TypeError);
    expect(() => random.uniform(key, [2], { dtype: "int32" as any })).toThrow(ValueError);
    expect(() => random.foldIn(key, -1)).toThrow(RangeError);
    expect(() => random.foldIn(key, 2 ** 32)).toThrow(RangeError);
    expect(() => random.uniform(key, [2], { minval: np.zeros([3]) })).toThrow(ValueError);
    expect(() => random.randint(key, [2], 0, 2 ** 40)).toThrow(RangeError);
    expect(() => random.categorical(key, logits, { shape: [5, 2, 3], replace: false })).toThrow(ValueError);
  });

  it("bernoulli keeps p's dtype and shape; randint's degenerate spans give minval", () => {
    expect(random.bernoulli(key).dtype).toBe("bool");
    expect([...random.bernoulli(key, np.array([0.1, 0.9])).shape]).toEqual([2]);
    expect(random.randint(key, [3], 4, 4).tolist()).toEqual([4, 4, 4]);
    expect(random.randint(key, [3], 9, 2).tolist()).toEqual([9, 9, 9]);
  });

  it("statistics are plausible", () => {
    const x = random.normal(key, [20000]);
    expect(Math.abs(num(np.mean(x)))).toBeLessThan(0.03);
    expect(Math.abs(num(np.std(x)) - 1)).toBeLessThan(0.03);
    const u = random.uniform(key, [20000], { minval: 2, maxval: 4 });
    expect(num(np.min(u))).toBeGreaterThanOrEqual(2);
    expect(num(np.max(u))).toBeLessThan(4);
    const t = random.truncatedNormal(key, -0.5, 1, [5000]);
    expect(num(np.min(t))).toBeGreaterThan(-0.5);
    expect(num(np.max(t))).toBeLessThan(1);
    const p = random.permutation(key, 100);
    expect((np.sort(p).tolist() as number[])).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
