/**
 * data.augment: the affine resampler against an independent NumPy implementation for fixed
 * parameters, the random transforms against the same NumPy maps with each example's parameters
 * drawn by jax.random (test/golden/gen_augment.py), and the properties every transform must have:
 * determinism per key, one draw per example, jit and vmap giving the same values, gradients.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { affineImage } from "../../src/data/affine.js";
import { data, jit, numpy as np, random, testing, vmap } from "../../src/index.js";

type Enc = { shape: number[]; data: number[] };
const golden = JSON.parse(readFileSync(new URL("../golden/augment.json", import.meta.url), "utf8")) as {
  fixed: { image: Enc; angle: number; scale: number; ty: number; tx: number; out: Enc }[];
  randomAffine: { seed: number; rotate: number; scale: [number, number]; translate: [number, number]; images: Enc; out: Enc };
  randomCrop: { seed: number; padding: number; size: [number, number]; images: Enc; out: Enc };
};
const arr = (e: Enc) => np.array(Float32Array.from(e.data), { shape: e.shape });
const maxDiff = (a: np.Array, b: np.Array) => np.max(np.abs(np.subtract(a, b))).item() as number;
const { augment } = data;

describe("the affine resampler", () => {
  it("matches NumPy's bilinear resampling for fixed rotations, scalings and shifts", () => {
    for (const c of golden.fixed) {
      const out = affineImage(arr(c.image), (c.angle * Math.PI) / 180, c.scale, c.ty, c.tx);
      expect(out.shape).toEqual(c.out.shape);
      expect(maxDiff(out, arr(c.out)), `angle ${c.angle} scale ${c.scale} shift ${c.ty},${c.tx}`).toBeLessThan(1e-5);
    }
  });

  it("rotates counterclockwise as displayed: 90 degrees on a square image is NumPy's rot90", () => {
    const img = np.arange(25).astype("float32").reshape([5, 5, 1]);
    // np.rot90: out[i][j] = in[j][W-1-i]; in[r][c] = 5r + c.
    expect(np.round(affineImage(img, Math.PI / 2, 1, 0, 0)).tolist()).toEqual(
      [...Array(5)].map((_, i) => [...Array(5)].map((_, j) => [5 * j + (4 - i)])),
    );
  });

  it("is differentiable in the image (checkGrads, forward and reverse)", () => {
    const img = random.uniform(random.key(0), [4, 5, 2], "float64");
    testing.checkGrads((x: np.Array) => affineImage(x, 0.3, 1.1, 0.4, -0.6), [img], 1, { modes: ["fwd", "rev"] });
  });
});

describe("data.augment against the golden draws", () => {
  it("randomAffine: each example's rotation, scale and shift drawn from its own key, as jax.random draws them", () => {
    const g = golden.randomAffine;
    const out = augment.randomAffine(random.key(g.seed), arr(g.images), { rotate: g.rotate, scale: g.scale, translate: g.translate });
    expect(out.shape).toEqual(g.out.shape);
    expect(maxDiff(out, arr(g.out))).toBeLessThan(1e-4);
  });

  it("randomCrop: pads with zeros and crops at each example's own offset", () => {
    const g = golden.randomCrop;
    const out = augment.randomCrop(random.key(g.seed), arr(g.images), { padding: g.padding, size: g.size });
    expect(out.shape).toEqual(g.out.shape);
    expect(out.tolist()).toEqual(arr(g.out).tolist());
  });
});

const images = (seed: number, shape = [4, 6, 5, 2]) => random.uniform(random.key(seed), shape);
const ALL: [string, data.augment.Augmentation][] = [
  ["randomCrop", (k, x) => augment.randomCrop(k, x, { padding: 2 })],
  ["randomFlip", augment.randomFlip],
  ["randomAffine", (k, x) => augment.randomAffine(k, x, { rotate: 15, scale: [0.9, 1.1], translate: [1, 1] })],
  ["colorJitter", (k, x) => augment.colorJitter(k, x, { brightness: 0.3, contrast: 0.3 })],
  ["compose", augment.compose((k, x) => augment.randomCrop(k, x, { padding: 1 }), augment.randomFlip, (k, x) => augment.colorJitter(k, x, { brightness: 0.2 }))],
];

describe("every transform", () => {
  for (const [name, aug] of ALL) {
    it(`${name}: keeps shape and dtype, is deterministic for a key, and jit and vmap agree with eager calls`, () => {
      const x = images(1);
      const k = random.key(5);
      const a = aug(k, x);
      expect(a.shape).toEqual(x.shape);
      expect(a.dtype).toBe("float32");
      expect(aug(k, x).tolist()).toEqual(a.tolist());
      expect(maxDiff(jit(aug)(k, x), a)).toBeLessThan(1e-6);
      const keys = random.split(random.key(9), 2);
      const xs = np.stack([x, images(2)]);
      const batched = vmap(aug)(keys, xs) as np.Array;
      for (const i of [0, 1]) expect(maxDiff(batched.slice(i), aug(keys.slice(i), xs.slice(i)))).toBeLessThan(1e-6);
    });
  }

  it("draws per example: identical images in a batch come out different, and another key gives another batch", () => {
    const one = images(3, [1, 6, 6, 1]);
    const x = np.concatenate([one, one, one, one, one, one]);
    for (const [name, aug] of ALL.filter(([n]) => n !== "randomFlip")) {
      const out = aug(random.key(11), x);
      expect(maxDiff(out.slice(0), out.slice(1)), name).toBeGreaterThan(1e-3);
      expect(maxDiff(out, aug(random.key(12), x)), name).toBeGreaterThan(1e-3);
    }
  });
});

describe("randomFlip", () => {
  it("returns each image or its mirror, and flipping twice with the same key is the identity", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const x = images(seed, [6, 3, 4, 1]);
        const k = random.key(seed);
        const y = augment.randomFlip(k, x);
        for (let i = 0; i < 6; i++) {
          const xi = x.slice(i);
          const yi = y.slice(i);
          expect(Math.min(maxDiff(yi, xi), maxDiff(yi, np.flip(xi, 1)))).toBe(0);
        }
        expect(augment.randomFlip(k, y).tolist()).toEqual(x.tolist());
      }),
      { numRuns: 5 },
    );
  });
});

describe("randomAffine and randomCrop", () => {
  it("are the identity with no rotation, unit scale, no shift, and no padding", () => {
    const x = images(4);
    expect(maxDiff(augment.randomAffine(random.key(0), x), x)).toBeLessThan(1e-5);
    expect(augment.randomCrop(random.key(0), x, { padding: 0 }).tolist()).toEqual(x.tolist());
  });
  it("randomCrop with padding p moves content by at most p pixels and fills with zeros", () => {
    const x = np.ones([8, 5, 5, 1]);
    const out = augment.randomCrop(random.key(2), x, { padding: 2 });
    // Each crop keeps a (5 - |dy|) x (5 - |dx|) block of ones, with |dy|, |dx| <= 2.
    for (const s of np.sum(out, [1, 2, 3]).tolist() as number[]) expect([9, 12, 15, 16, 20, 25]).toContain(s);
    expect(augment.randomCrop(random.key(2), x, 2, 3).shape).toEqual([8, 3, 3, 1]);
  });
});

describe("colorJitter", () => {
  it("brightness multiplies each image by one factor within [1 - b, 1 + b]; contrast keeps each image's mean", () => {
    const x = np.add(images(6), 0.5);
    const b = augment.colorJitter(random.key(1), x, { brightness: 0.25 });
    const ratio = np.divide(b, x);
    const perImage = ratio.reshape([4, -1]);
    expect(maxDiff(np.max(perImage, 1), np.min(perImage, 1))).toBeLessThan(1e-5);
    for (const r of np.mean(perImage, 1).tolist() as number[]) expect(Math.abs(r - 1)).toBeLessThanOrEqual(0.25 + 1e-6);
    const c = augment.colorJitter(random.key(1), x, { contrast: 0.5 });
    expect(maxDiff(np.mean(c, [1, 2, 3]), np.mean(x, [1, 2, 3]))).toBeLessThan(1e-5);
    expect(maxDiff(c, x)).toBeGreaterThan(1e-3);
  });
});

describe("mistakes", () => {
  it("name the function, the argument and the shapes", () => {
    expect(() => augment.randomFlip(random.key(0), np.ones([5, 5, 1]))).toThrow(/data\.augment\.randomFlip: images must be an NHWC batch \(rank 4\), got shape \[5, 5, 1\]/);
    expect(() => augment.randomCrop(random.key(0), np.ones([1, 5, 5, 1]), { padding: 1, size: 8 })).toThrow(/randomCrop: size \[8, 8\] must fit in the padded image \[7, 7\]/);
    expect(() => augment.randomAffine(random.split(random.key(0), 3), np.ones([3, 5, 5, 1]))).toThrow(/randomAffine: key must be one PRNG key .*uint32\[3, 2\]/);
    expect(() => augment.randomAffine(random.key(0), np.ones([1, 5, 5, 1]), { scale: [1.2, 0.8] })).toThrow(/scale must be a pair \[lo, hi\] with 0 < lo <= hi/);
    expect(() => augment.randomCrop(random.key(0), np.ones([1, 5, 5, 1]), {} as never)).toThrow(/missing required argument "padding"/);
    expect(() => augment.compose(augment.randomFlip, 3 as never)).toThrow(/compose: argument 1 must be a function/);
  });
});
