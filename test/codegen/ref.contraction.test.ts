/** The reference interpreter: dotGeneral, convGeneralDilated and reduceWindow, against direct-definition JS models. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Arr, allIndices, arr, build, get, run, values } from "./refHelpers.js";

const rand = (shape: number[], seed: number): Arr => {
  let s = seed;
  return build(shape, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s % 11) - 5; // small ints: sums are exact in any order
  });
};

describe("dotGeneral", () => {
  it("a 2x3 @ 3x2 matmul (naive triple loop)", () => {
    const a = arr([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = arr([7, 8, 9, 10, 11, 12], [3, 2]);
    const model = [0, 1].flatMap((i) => [0, 1].map((j) => [0, 1, 2].reduce((s, k) => s + get(a, [i, k]) * get(b, [k, j]), 0)));
    expect(values("dotGeneral", [a, b], { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: null })).toEqual(model);
  });

  it("any batch/contracting dims in any layout, as an einsum over named dims (property)", () => {
    const sizes = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 2 });
    const arb = fc.tuple(sizes, sizes, sizes, sizes, fc.integer()).chain(([batch, lfree, rfree, contract, seed]) => {
      const lhsRoles = [...batch.map((_, i) => `b${i}`), ...lfree.map((_, i) => `l${i}`), ...contract.map((_, i) => `c${i}`)];
      const rhsRoles = [...batch.map((_, i) => `b${i}`), ...rfree.map((_, i) => `r${i}`), ...contract.map((_, i) => `c${i}`)];
      return fc.tuple(
        fc.constant({ batch, lfree, rfree, contract, seed }),
        fc.shuffledSubarray(lhsRoles, { minLength: lhsRoles.length, maxLength: lhsRoles.length }),
        fc.shuffledSubarray(rhsRoles, { minLength: rhsRoles.length, maxLength: rhsRoles.length }),
      );
    });
    fc.assert(
      fc.property(arb, ([{ batch, lfree, rfree, contract, seed }, lhsLabels, rhsLabels]) => {
        const size: Record<string, number> = {};
        batch.forEach((n, i) => (size[`b${i}`] = n));
        lfree.forEach((n, i) => (size[`l${i}`] = n));
        rfree.forEach((n, i) => (size[`r${i}`] = n));
        contract.forEach((n, i) => (size[`c${i}`] = n));
        const lhs = rand(lhsLabels.map((l) => size[l]!), seed);
        const rhs = rand(rhsLabels.map((l) => size[l]!), seed + 1);
        const dimsOf = (labels: string[], prefix: string, n: number) => [...Array(n).keys()].map((i) => labels.indexOf(`${prefix}${i}`));
        const y = run("dotGeneral", [lhs, rhs], {
          dimensionNumbers: [
            [dimsOf(lhsLabels, "c", contract.length), dimsOf(rhsLabels, "c", contract.length)],
            [dimsOf(lhsLabels, "b", batch.length), dimsOf(rhsLabels, "b", batch.length)],
          ],
          preferredElementType: null,
        });
        // batch dims in the order listed, then free dims in each operand's own order
        const outLabels = [...batch.map((_, i) => `b${i}`), ...lhsLabels.filter((l) => l[0] === "l"), ...rhsLabels.filter((l) => l[0] === "r")];
        const cLabels = contract.map((_, i) => `c${i}`);
        expect(y.shape).toEqual(outLabels.map((l) => size[l]));
        const model = allIndices(outLabels.map((l) => size[l]!)).map((o) => {
          const env: Record<string, number> = {};
          outLabels.forEach((l, k) => (env[l] = o[k]!));
          let s = 0;
          for (const c of allIndices(cLabels.map((l) => size[l]!))) {
            cLabels.forEach((l, k) => (env[l] = c[k]!));
            s += get(lhs, lhsLabels.map((l) => env[l]!)) * get(rhs, rhsLabels.map((l) => env[l]!));
          }
          return s;
        });
        expect(y.data).toEqual(model);
      }),
    );
  });

  it("int32 products and sums wrap; preferredElementType sets the output dtype", () => {
    const a = arr([65536, 65536], [1, 2], "int32");
    const b = arr([65536, 1], [2, 1], "int32");
    expect(values("dotGeneral", [a, b], { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: null })).toEqual([65536]);
    const f = run("dotGeneral", [arr([0.1, 0.2], [2], "float32"), arr([0.3, 0.4], [2], "float32")], {
      dimensionNumbers: [[[0], [0]], [[], []]],
      preferredElementType: "float64",
    });
    expect(f.dtype).toBe("float64");
    expect(f.data[0]).toBe(Math.fround(0.1) * Math.fround(0.3) + Math.fround(0.2) * Math.fround(0.4));
  });
});

// ---------------------------------------------------------------------------------------
// Convolution: a model built from the definition with explicitly materialized arrays.

/** Inserts (d - 1) zeros between elements of each spatial dim of an NHWC array. */
function dilateNHWC(x: Arr, dh: number, dw: number): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const H = h === 0 ? 0 : (h - 1) * dh + 1;
  const W = w === 0 ? 0 : (w - 1) * dw + 1;
  return build([n, H, W, c], ([b, i, j, k]) => (i! % dh === 0 && j! % dw === 0 ? get(x, [b!, i! / dh, j! / dw, k!]) : 0));
}

/** Zero padding [lo, hi] of the spatial dims; negative values crop. */
function padNHWC(x: Arr, [[t, b], [l, r]]: [[number, number], [number, number]]): Arr {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return build([n, h + t + b, w + l + r, c], ([q, i, j, k]) => {
    const [si, sj] = [i! - t, j! - l];
    return si >= 0 && si < h && sj >= 0 && sj < w ? get(x, [q!, si, sj, k!]) : 0;
  });
}

interface Conv2d {
  strides: [number, number];
  padding: [[number, number], [number, number]];
  lhsDilation: [number, number];
  rhsDilation: [number, number];
  groups: number;
}

/** out[n, i, j, o] = sum_{kh, kw, c} xp[n, i*s + kh*rd, j*s + kw*rd, g*Cg + c] * w[kh, kw, c, o]. */
function conv2dModel(x: Arr, w: Arr, p: Conv2d): Arr {
  const xp = padNHWC(dilateNHWC(x, ...p.lhsDilation), p.padding);
  const [n, H, W] = xp.shape as [number, number, number, number];
  const [kh, kw, cg, o] = w.shape as [number, number, number, number];
  const ekh = kh === 0 ? 0 : (kh - 1) * p.rhsDilation[0] + 1;
  const ekw = kw === 0 ? 0 : (kw - 1) * p.rhsDilation[1] + 1;
  const oh = H < ekh ? 0 : Math.floor((H - ekh) / p.strides[0]) + 1;
  const ow = W < ekw ? 0 : Math.floor((W - ekw) / p.strides[1]) + 1;
  return build([n, oh, ow, o], ([b, i, j, f]) => {
    const g = Math.floor(f! / (o / p.groups));
    let s = 0;
    for (let a = 0; a < kh; a++)
      for (let e = 0; e < kw; e++)
        for (let c = 0; c < cg; c++)
          s += get(xp, [b!, i! * p.strides[0] + a * p.rhsDilation[0], j! * p.strides[1] + e * p.rhsDilation[1], g * cg + c]) * get(w, [a, e, c, f!]);
    return s;
  });
}

const nhwc = { lhsSpec: [0, 3, 1, 2], rhsSpec: [3, 2, 0, 1], outSpec: [0, 3, 1, 2] };

describe("convGeneralDilated", () => {
  it("NHWC/HWIO 2-D with strides, padding (negative too), lhs and rhs dilation and feature groups (property)", () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 1, max: 5 }),
      w: fc.integer({ min: 1, max: 5 }),
      cg: fc.integer({ min: 1, max: 2 }),
      og: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      kh: fc.integer({ min: 1, max: 3 }),
      kw: fc.integer({ min: 1, max: 3 }),
      strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
      padding: fc.tuple(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 }))),
      lhsDilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      rhsDilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const x = rand([c.n, c.h, c.w, c.cg * c.groups], c.seed);
        const w = rand([c.kh, c.kw, c.cg, c.og * c.groups], c.seed + 7);
        const p: Conv2d = { strides: c.strides, padding: c.padding, lhsDilation: c.lhsDilation, rhsDilation: c.rhsDilation, groups: c.groups };
        const want = conv2dModel(x, w, p);
        const got = run("convGeneralDilated", [x, w], {
          windowStrides: p.strides,
          padding: p.padding,
          lhsDilation: p.lhsDilation,
          rhsDilation: p.rhsDilation,
          dimensionNumbers: nhwc,
          featureGroupCount: p.groups,
          batchGroupCount: 1,
          preferredElementType: null,
        });
        expect(got.shape).toEqual(want.shape);
        expect(got.data).toEqual(want.data);
      }),
    );
  });

  it("NCHW/OIHW gives the NHWC/HWIO result transposed", () => {
    const x = rand([2, 4, 3, 3], 1); // NHWC
    const w = rand([2, 2, 3, 2], 2); // HWIO
    const common = { windowStrides: [1, 2], padding: [[1, 0], [0, 1]] as [number, number][], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1, batchGroupCount: 1, preferredElementType: null };
    const ref = run("convGeneralDilated", [x, w], { ...common, dimensionNumbers: nhwc });
    const xt = run("transpose", [x], { permutation: [0, 3, 1, 2] });
    const wt = run("transpose", [w], { permutation: [3, 2, 0, 1] });
    const out = run("convGeneralDilated", [xt, wt], { ...common, dimensionNumbers: { lhsSpec: [0, 1, 2, 3], rhsSpec: [0, 1, 2, 3], outSpec: [0, 1, 2, 3] } });
    expect(out.data).toEqual(run("transpose", [ref], { permutation: [0, 3, 1, 2] }).data);
  });

  const close = (got: readonly number[], want: readonly number[]) => {
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]!))));
  };
  const nch = { lhsSpec: [0, 1, 2], rhsSpec: [0, 1, 2], outSpec: [0, 1, 2] };
  const ramp = (shape: number[], scale = 1) => {
    let i = 1;
    return build(shape, () => i++ / scale);
  };

  it("feature groups with lhs dilation, strides and padding in 1-D (JAX on CPU)", () => {
    const got = run("convGeneralDilated", [ramp([2, 4, 5]), ramp([6, 2, 3], 10)], {
      windowStrides: [2],
      padding: [[1, 2]],
      lhsDilation: [2],
      rhsDilation: [1],
      dimensionNumbers: nch,
      featureGroupCount: 2,
      batchGroupCount: 1,
      preferredElementType: null,
    });
    expect(got.shape).toEqual([2, 6, 5]);
    close(got.data, [
      3.2, 3.9, 4.6, 5.3, 6.0, 7.4, 9.3, 11.2, 13.1, 15.0, 11.6, 14.7, 17.8, 20.9, 24.0, 58.8, 63.1, 67.4, 71.7, 76.0, 75.0, 80.5, 86.0, 91.5, 97.0, 91.2,
      97.9, 104.6, 111.3, 118.0, 17.2, 17.9, 18.6, 19.3, 20.0, 45.4, 47.3, 49.2, 51.1, 53.0, 73.6, 76.7, 79.8, 82.9, 86.0, 144.8, 149.1, 153.4, 157.7,
      162.0, 185.0, 190.5, 196.0, 201.5, 207.0, 225.2, 231.9, 238.6, 245.3, 252.0,
    ]);
  });

  it("batch groups with rhs dilation and negative padding in 1-D (JAX on CPU)", () => {
    const got = run("convGeneralDilated", [ramp([4, 2, 5]), ramp([6, 2, 2], 10)], {
      windowStrides: [1],
      padding: [[0, -1]],
      lhsDilation: [1],
      rhsDilation: [2],
      dimensionNumbers: nch,
      featureGroupCount: 1,
      batchGroupCount: 2,
      preferredElementType: null,
    });
    expect(got.shape).toEqual([2, 6, 2]);
    close(got.data, [5.7, 6.7, 12.9, 15.5, 20.1, 24.3, 143.3, 149.1, 182.5, 189.9, 221.7, 230.7, 15.7, 16.7, 38.9, 41.5, 62.1, 66.3, 201.3, 207.1, 256.5, 263.9, 311.7, 320.7]);
  });
});

// ---------------------------------------------------------------------------------------
// reduceWindow: a model that materializes the dilated, padded operand (holes and padding
// hold the identity) and then folds each strided, dilated window.

function reduceWindow2dModel(
  x: Arr,
  f: (a: number, b: number) => number,
  id: number,
  p: { win: number[]; strides: number[]; padding: [number, number][]; base: number[]; wdil: number[] },
): Arr {
  const dilated = x.shape.map((d, i) => (d === 0 ? 0 : (d - 1) * p.base[i]! + 1));
  const padded = dilated.map((d, i) => d + p.padding[i]![0] + p.padding[i]![1]);
  const xp = build(padded, (idx) => {
    const src = idx.map((v, i) => v - p.padding[i]![0]);
    if (src.some((v, i) => v < 0 || v >= dilated[i]! || v % p.base[i]! !== 0)) return id;
    return get(x, src.map((v, i) => v / p.base[i]!));
  });
  const ew = p.win.map((k, i) => (k - 1) * p.wdil[i]! + 1);
  const outShape = padded.map((d, i) => (d < ew[i]! ? 0 : Math.floor((d - ew[i]!) / p.strides[i]!) + 1));
  return build(outShape, (o) => allIndices(p.win).reduce((acc, w) => f(acc, get(xp, o.map((v, i) => v * p.strides[i]! + w[i]! * p.wdil[i]!))), id));
}

describe("reduceWindow", () => {
  const ops = [
    ["reduceWindowSum", (a: number, b: number) => a + b, 0],
    ["reduceWindowMax", Math.max, -Infinity],
    ["reduceWindowMin", Math.min, Infinity],
  ] as const;

  it("sum/max/min in 2-D with strides, padding, base and window dilation (property)", () => {
    const pair = (lo: number, hi: number) => fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }));
    const arb = fc.record({
      shape: pair(0, 4),
      win: pair(1, 3),
      strides: pair(1, 2),
      padding: fc.tuple(pair(-1, 2), pair(-1, 2)),
      base: pair(1, 2),
      wdil: pair(1, 2),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const dilated = c.shape.map((d, i) => (d === 0 ? 0 : (d - 1) * c.base[i]! + 1));
        fc.pre(dilated.every((d, i) => d + c.padding[i]![0] + c.padding[i]![1] >= 0));
        const x = rand(c.shape, c.seed);
        for (const [prim, f, id] of ops) {
          const want = reduceWindow2dModel(x, f, id, { win: c.win, strides: c.strides, padding: c.padding, base: c.base, wdil: c.wdil });
          const got = run(prim, [x], { windowDimensions: c.win, windowStrides: c.strides, padding: c.padding, baseDilation: c.base, windowDilation: c.wdil });
          expect(got.shape).toEqual(want.shape);
          expect(got.data).toEqual(want.data);
        }
      }),
    );
  });

  it("JAX on CPU: max with base dilation and padding; sum with base and window dilation", () => {
    const x = arr([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(run("reduceWindowMax", [x], { windowDimensions: [2, 2], windowStrides: [1, 2], padding: [[1, 0], [0, 1]], baseDilation: [1, 2], windowDilation: [1, 1] })).toEqual(
      arr([1, 2, 3, 4, 5, 6], [2, 3]),
    );
    expect(run("reduceWindowSum", [x], { windowDimensions: [1, 3], windowStrides: [1, 1], padding: [[0, 0], [1, 1]], baseDilation: [2, 1], windowDilation: [1, 2] })).toEqual(
      arr([2, 0, 5], [3, 1]),
    );
  });

  it("pads ints with the dtype's extremes", () => {
    const x = arr([-5, -7], [2], "int32");
    const p = { windowDimensions: [2], windowStrides: [1], padding: [[1, 1]] as [number, number][], baseDilation: [1], windowDilation: [1] };
    expect(values("reduceWindowMax", [x], p)).toEqual([-5, -5, -7]);
    expect(values("reduceWindowMin", [arr([5, 7], [2], "uint32")], p)).toEqual([5, 5, 7]);
  });
});
