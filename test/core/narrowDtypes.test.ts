import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { float16Bits, float16Value } from "../../ir/dtype.js";
import * as np from "../../src/numpy/index.js";
import * as lax from "../../src/lax.js";
import { jit } from "../../src/transforms/jit.js";
import { devicePut } from "../../src/devices.js";

// float16 conversion checked against known IEEE half values and the float32 round trip.
describe("float16 bits", () => {
  it("encodes known values", () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00],
      [2 ** -24, 0x0001], [2 ** -14, 0x0400], [0.1, 0x2e66], [Infinity, 0x7c00], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [x, bits] of cases) expect([x, float16Bits(x)]).toEqual([x, bits]);
    expect(Number.isNaN(float16Value(float16Bits(NaN)))).toBe(true);
  });
  it("decodes every finite pattern to a value that encodes back to it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (bits) => {
        const v = float16Value(bits);
        if (Number.isNaN(v)) return;
        expect(float16Bits(v)).toBe(bits);
      }),
      { numRuns: 300 },
    );
  });
  it("rounds to the nearest half value", () => {
    fc.assert(
      fc.property(fc.double({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const r = float16Value(float16Bits(x));
        // No representable neighbour is closer: the next values up and down differ by one ulp.
        const b = float16Bits(r);
        for (const nb of [b - 1, b + 1]) {
          const n = float16Value(nb & 0xffff);
          if (Number.isFinite(n) && Math.sign(n) === Math.sign(r)) expect(Math.abs(x - r)).toBeLessThanOrEqual(Math.abs(x - n));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe.each(["cpu", "wasm"] as const)("int8, uint8, float16 arrays on %s", (device) => {
  const put = <T>(x: T) => devicePut(x as never, device) as T;
  it("store, wrap and read", () => {
    const a = put(np.array([1, -2, 127, 200], { dtype: "int8" }));
    expect(a.dtype).toBe("int8");
    expect(Array.from(a.dataSync())).toEqual([1, -2, 127, -56]);
    const u = put(np.array([1, 255, 256, -1], { dtype: "uint8" }));
    expect(Array.from(u.dataSync())).toEqual([1, 255, 0, 255]);
    const h = put(np.array([0.1, 1, 65504, 1e6], { dtype: "float16" }));
    expect(h.dataSync()).toBeInstanceOf(Float32Array);
    expect(Array.from(h.dataSync())).toEqual([float16Value(0x2e66), 1, 65504, Infinity]);
  });
  it("computes in the narrow dtype (wrap-around, float16 rounding)", () => {
    const a = put(np.array([100, -100, 5], { dtype: "int8" }));
    expect(Array.from(np.add(a, a).dataSync())).toEqual([-56, 56, 10]);
    expect(np.add(a, 1).dtype).toBe("int8");
    const h = put(np.array([1, 2048], { dtype: "float16" }));
    const s = np.add(h, np.array([2 ** -11, 1], { dtype: "float16" }));
    expect(s.dtype).toBe("float16");
    expect(Array.from(s.dataSync())).toEqual([1, 2048]); // both ties round to even
    expect(Array.from(np.multiply(h, 0.5).dataSync())).toEqual([0.5, 1024]);
  });
  it("converts between dtypes and runs under jit", () => {
    const x = put(np.array([1.7, -2.5, 300, -300]));
    expect(Array.from(lax.convertElementType(x, "int8").dataSync())).toEqual([1, -2, 127, -128]);
    const f = jit((q: np.Array, s: np.Array) => np.multiply(lax.convertElementType(q, "float32"), s));
    const q = put(np.array([1, -2, 3], { dtype: "int8" }));
    expect(Array.from(f(q, np.array(0.5)).dataSync())).toEqual([0.5, -1, 1.5]);
    const g = jit((h: np.Array) => np.sum(lax.convertElementType(h, "float32")));
    expect(g(put(np.array([0.5, 0.25], { dtype: "float16" }))).item()).toBe(0.75);
  });
  it("int8 dotGeneral accumulates in int32 with preferredElementType", () => {
    const a = put(np.array([[127, -128], [3, 4]], { dtype: "int8" }));
    const b = put(np.array([[127, 1], [-128, 2]], { dtype: "int8" }));
    const c = lax.dotGeneral(a, b, [[[1], [0]], [[], []]], { preferredElementType: "int32" });
    expect(c.dtype).toBe("int32");
    expect(c.tolist()).toEqual([[127 * 127 + 128 * 128, 127 - 256], [381 - 512, 3 + 8]]);
    const cj = jit((x: np.Array, y: np.Array) => lax.dotGeneral(x, y, [[[1], [0]], [[], []]], { preferredElementType: "int32" }))(a, b);
    expect(cj.tolist()).toEqual(c.tolist());
  });
});
