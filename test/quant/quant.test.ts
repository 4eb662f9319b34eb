import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as np from "../../src/numpy/index.js";
import * as lax from "../../src/lax.js";
import * as random from "../../src/random/index.js";
import { devicePut } from "../../src/devices.js";
import { jit } from "../../src/transforms/jit.js";
import * as quant from "../../src/quant/index.js";
import { LeNet, syntheticDataset } from "../../examples/lenet.js";

const vals = (a: np.Array) => Array.from(a.dataSync() as ArrayLike<number>);
// Magnitudes below 1e-3 become 0: scales of tiny channels would be float32 subnormals, whose
// rounding the per-element bound below does not model.
const floatArb = (n: number) =>
  fc.array(fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }).map((v) => (Math.abs(v) < 1e-3 ? 0 : v)), { minLength: n, maxLength: n });

describe("quant.quantize / dequantize", () => {
  it("per channel: scale = max|x| / 127 along the other axes, q = round(x / scale), error at most scale / 2", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1 }), floatArb(20), (r, c, axis, data) => {
        const xs = data.slice(0, r * c);
        const x = np.array(xs, { shape: [r, c] });
        const { q, scale } = quant.quantize(x, { axis });
        expect(q.dtype).toBe("int8");
        expect(scale.shape).toEqual(axis === 0 ? [r, 1] : [1, c]);
        const qs = vals(q);
        const ss = vals(scale);
        for (let i = 0; i < r; i++)
          for (let j = 0; j < c; j++) {
            const chan = axis === 0 ? i : j;
            const members = axis === 0 ? xs.slice(i * c, i * c + c) : Array.from({ length: r }, (_, k) => xs[k * c + j]!);
            const amax = Math.max(...members.map((v) => Math.abs(Math.fround(v))));
            const s = amax > 0 ? Math.fround(amax / 127) : 1;
            expect(ss[chan]).toBe(s);
            const xv = Math.fround(xs[i * c + j]!);
            expect(Math.abs(qs[i * c + j]!)).toBeLessThanOrEqual(127);
            expect(Math.abs(qs[i * c + j]! * s - xv)).toBeLessThanOrEqual(s / 2 + 1e-6 * Math.abs(xv));
          }
        const back = quant.dequantize({ q, scale });
        expect(back.dtype).toBe("float32");
        expect(back.shape).toEqual([r, c]);
      }),
      { numRuns: 40 },
    );
  });
  it("per tensor with axis null, and an all-zero channel gets scale 1", () => {
    const x = np.array([[0, 2], [0, -4]]);
    const t = quant.quantize(x, { axis: null });
    expect(t.scale.shape).toEqual([1, 1]);
    expect(vals(t.q)).toEqual([0, 64, 0, -127]);
    const c = quant.quantize(x);
    expect(vals(c.scale)).toEqual([1, Math.fround(4 / 127)]);
    expect(vals(c.q)).toEqual([0, 64, 0, -127]);
  });
  it("rejects what it cannot quantize, naming the function", () => {
    expect(() => quant.quantize(np.arange(3))).toThrow(/quant.quantize: x must be a float array, got int32\[3\]/);
    expect(() => quant.quantize(np.ones([2, 2]), { axis: 2 })).toThrow(/quant.quantize: axis 2 is out of range for x of shape \[2,2\]/);
    expect(() => quant.quantize(np.ones([2]), { axes: 0 } as never)).toThrow(/quant.quantize/);
    expect(() => quant.dequantize(np.ones([2]) as never)).toThrow(/quant.dequantize/);
  });
  it("quantizeParams quantizes matrices, keeps vectors, honours skip; 4x fewer bytes", () => {
    const params = [[np.ones([8, 4]), np.zeros([4])], [], [np.ones([3, 3, 2, 4]), np.zeros([1, 1, 1, 4])]];
    const qp = quant.quantizeParams(params) as any;
    expect(quant.isQuantized(qp[0][0])).toBe(true);
    expect(qp[0][1]).toBe(params[0]![1]);
    expect(quant.isQuantized(qp[2][0])).toBe(true);
    expect(qp[2][1]).toBe(params[2]![1]); // stax's [1, 1, 1, C] conv bias stays float
    // int8 values plus one float32 scale per output channel; the biases unchanged.
    expect(quant.paramBytes(params)).toBe(4 * (32 + 4 + 72 + 4));
    expect(quant.paramBytes(qp)).toBe(32 + 16 + 16 + 72 + 16 + 16);
    const skipped = quant.quantizeParams(params, { skip: (w: np.Array) => w.ndim === 4 }) as any;
    expect(skipped[2][0]).toBe(params[2]![0]);
    const back = quant.dequantizeParams(qp) as any;
    expect(vals(back[0][0])).toEqual(vals(params[0]![0] as np.Array));
  });
});

/** Plain-JS integer matmul, the truth for int8 x int8 -> int32. */
function intMatmul(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!;
      out.push(s);
    }
  return out;
}

describe.each(["cpu", "wasm"] as const)("int8 contractions with int32 accumulation on %s", (device) => {
  const i8 = (n: number) => fc.array(fc.integer({ min: -128, max: 127 }), { minLength: n, maxLength: n });
  it("dotGeneral matches integer arithmetic (eager and jit)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 4 }), i8(280), i8(280), (m, k, n, ad, bd) => {
        const a = devicePut(np.array(ad.slice(0, m * k), { dtype: "int8", shape: [m, k] }), device);
        const b = devicePut(np.array(bd.slice(0, k * n), { dtype: "int8", shape: [k, n] }), device);
        const dn = [[[1], [0]], [[], []]] as const;
        const want = intMatmul(ad, bd, m, k, n);
        const got = lax.dotGeneral(a, b, dn, { preferredElementType: "int32" });
        expect(got.dtype).toBe("int32");
        expect(vals(got)).toEqual(want);
        expect(vals(jit((x: np.Array, y: np.Array) => lax.dotGeneral(x, y, dn, { preferredElementType: "int32" }))(a, b))).toEqual(want);
      }),
      { numRuns: 15 },
    );
  });
  it("convGeneralDilated (NHWC, HWIO) matches the float convolution of the same integers", () => {
    const key = random.key(0);
    const [k1, k2] = random.split(key);
    const x = devicePut(lax.convertElementType(random.randint(k1!, [2, 6, 5, 3], -128, 128), "int8"), device);
    const w = devicePut(lax.convertElementType(random.randint(k2!, [3, 2, 3, 4], -128, 128), "int8"), device);
    const dims = { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] as [string, string, string] };
    const got = lax.convGeneralDilated(x, w, [1, 1], "SAME", { ...dims, preferredElementType: "int32" });
    expect(got.dtype).toBe("int32");
    // Products of int8 values sum far below 2^24 here, so float64 arithmetic is exact.
    const want = lax.convGeneralDilated(lax.convertElementType(x, "float32"), lax.convertElementType(w, "float32"), [1, 1], "SAME", dims);
    expect(vals(got)).toEqual(vals(want));
  });
});

/** LeNet with int8 weights and int8 activations: every Conv and Dense contracts in int8 -> int32. */
function int8LeNet(qparams: any[], x: np.Array): np.Array {
  const conv = (h: np.Array, p: any) => {
    const a = quant.quantize(h, { axis: null });
    const acc = lax.convGeneralDilated(a.q, p[0].q, [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" });
    return np.add(np.multiply(lax.convertElementType(acc, "float32"), np.multiply(a.scale, p[0].scale)), p[1]);
  };
  const dense = (h: np.Array, p: any) => {
    const a = quant.quantize(h, { axis: null });
    const acc = lax.dotGeneral(a.q, p[0].q, [[[1], [0]], [[], []]], { preferredElementType: "int32" });
    return np.add(np.multiply(lax.convertElementType(acc, "float32"), np.multiply(a.scale, p[0].scale)), p[1]);
  };
  const relu = (h: np.Array) => np.maximum(h, 0);
  const pool = (h: np.Array) => lax.reduceWindow(h, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
  let h = pool(relu(conv(x, qparams[0])));
  h = pool(relu(conv(h, qparams[3])));
  h = np.reshape(h, [h.shape[0]!, -1]);
  h = relu(dense(h, qparams[7]));
  h = relu(dense(h, qparams[9]));
  return dense(h, qparams[11]);
}

describe("int8 LeNet", () => {
  it("agrees with float32 LeNet on most of a batch, with weights 4x smaller", () => {
    const [init, apply] = LeNet();
    const [, params] = init(random.key(1), [-1, 28, 28, 1]) as [unknown, any[]];
    const data = syntheticDataset(32, 5);
    const x = np.array(data.images, { shape: [32, 28, 28, 1] });
    const floatPred = vals(np.argmax(apply(params, x), -1));
    const qparams = quant.quantizeParams(params) as any[];
    expect(quant.paramBytes(qparams)).toBeLessThan(quant.paramBytes(params) / 3.5);
    const weightOnly = vals(np.argmax(apply(quant.dequantizeParams(qparams), x), -1));
    const int8 = vals(np.argmax(jit((q: any, xs: np.Array) => int8LeNet(q, xs))(qparams, x), -1));
    const agree = (p: number[]) => p.filter((c, i) => c === floatPred[i]).length / p.length;
    expect(agree(weightOnly)).toBeGreaterThanOrEqual(0.9);
    expect(agree(int8)).toBeGreaterThanOrEqual(0.85);
  });
});
