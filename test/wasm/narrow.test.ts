/**
 * int8/uint8 kernels on wasm against the cpu reference: loads, stores and conversions in map
 * kernels (saturating float -> int8 as XLA's CPU convert, wrapping int -> int8), and the paired
 * int16 matmul for int8 x int8 -> int32 contractions (dotGeneral and convolutions), forced onto
 * the matmul kernel at every size, bit-exact. Each program is checked to run natively (no host
 * steps) so a fallback cannot pass for a kernel.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { ShapedArray } from "../../ir/aval.js";
import { typedArrayFor } from "../../ir/dtype.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import { lax, makeJaxpr, numpy as np } from "../../src/index.js";
import { checkJaxpr, wasmBackend } from "./helpers.js";

const forced = await createWasmBackend({ matmulMinFlops: 0, eagerHostMaxElements: 0 });

const jaxprOf = (f: (...xs: np.Array[]) => np.Array, ...avals: [number[], DType][]): Jaxpr =>
  makeJaxpr(f)(...avals.map(([shape, dtype]) => ({ shape, dtype }))).jaxpr;

/** Data of a dtype from fast-check integers/floats (int8 spans -128..127 with its ends). */
const buf = (dtype: DType, values: number[]) => {
  const b = typedArrayFor(dtype, values.length);
  values.forEach((v, i) => (b[i] = v));
  return b;
};
const int8s = (n: number) => fc.array(fc.oneof(fc.integer({ min: -128, max: 127 }), fc.constantFrom(-128, 127, 0, -1)), { minLength: n, maxLength: n });
const uint8s = (n: number) => fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 255)), { minLength: n, maxLength: n });

/** The program runs without host steps and (for contractions) with the paired matmul. */
function expectNative(j: Jaxpr, backend = forced, paired = false) {
  const text = backend.lowerText(j);
  expect(text).not.toMatch(/: host /);
  if (paired) expect(text).toContain("i32x4.dot_i16x8_s");
}

describe("int8/uint8 map kernels", () => {
  it("float -> int8/uint8 truncates and saturates (NaN, infinities, halves), ints wrap, back to float exactly", () => {
    const specials = [NaN, Infinity, -Infinity, 127.5, 128, -128.9, -129, 255.9, 256, -0.5, 0.5, 1e10, -1e10, 3.7, -3.7];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ min: -400, max: 400, noNaN: true }), fc.constantFrom(...specials)), { minLength: 1, maxLength: 37 }),
        fc.array(fc.integer({ min: -70000, max: 70000 }), { minLength: 37, maxLength: 37 }),
        fc.constantFrom<DType>("int8", "uint8"),
        (xs, is, to) => {
          const n = xs.length;
          const j = jaxprOf(
            (x, i) => {
              const q = lax.convertElementType(x, to);
              const w = lax.convertElementType(i, to);
              // back to wider types through the int8 values, plus a select/compare/clamp on them
              const sel = np.where(np.greater(q, w), q, w);
              return np.stack([lax.convertElementType(q, "float32"), lax.convertElementType(w, "float32"), lax.convertElementType(sel, "float32"), lax.convertElementType(np.clip(q, 3, 100), "float32")]);
            },
            [[n], "float32"],
            [[n], "int32"],
          );
          expectNative(j, wasmBackend);
          checkJaxpr(j, [buf("float32", xs), buf("int32", is.slice(0, n))], { rtol: 0, atol: 0 }, `convert to ${to}`);
        },
      ),
      { numRuns: 40 },
    );
  });
  it("stores int8 results (contiguous vector stores and strided ones) and reads them back through views", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), int8s(117), fc.constantFrom<DType>("int8", "uint8"), (r, c, data, dt) => {
        const vals = data.slice(0, r * c).map((v) => (dt === "uint8" ? v & 255 : v));
        const j = jaxprOf(
          (x) => {
            const t = np.transpose(x);
            const p = lax.pad(t, lax.convertElementType(np.array(7), dt), [[1, 0, 0], [0, 2, 1]]);
            return np.maximum(np.reshape(p, [-1]), lax.convertElementType(np.array(5), dt));
          },
          [[r, c], dt],
        );
        expectNative(j, wasmBackend);
        checkJaxpr(j, [buf(dt, vals)], { rtol: 0, atol: 0 }, `${dt}[${r},${c}]`);
      }),
      { numRuns: 40 },
    );
  });
  it("arithmetic that can leave the 8-bit range wraps in the kernel (no host step; narrowArith.test.ts has the rest)", () => {
    const j = jaxprOf((a, b) => np.add(a, b), [[5], "int8"], [[5], "int8"]);
    expectNative(j, wasmBackend);
    checkJaxpr(j, [buf("int8", [127, -128, 100, -100, 5]), buf("int8", [1, -1, 100, -100, 6])], { rtol: 0, atol: 0 });
  });
});

describe("paired int8 matmul (i32x4.dot_i16x8_s), bit-exact against the reference", () => {
  it("dotGeneral int8 x int8 and uint8 x uint8 -> int32 over odd M, N, K (edge panels, odd K), with an epilogue", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 21 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<DType>("int8", "uint8"),
        int8s(13 * 40),
        int8s(40 * 21),
        (m, n, k, da, ad, bd) => {
          const db = da; // lax.dotGeneral takes operands of one dtype, as JAX
          const fix = (d: DType, v: number) => (d === "uint8" ? v & 255 : v);
          const j = jaxprOf(
            (a, b) => {
              const acc = lax.dotGeneral(a, b, [[[1], [0]], [[], []]], { preferredElementType: "int32" });
              return np.add(np.multiply(lax.convertElementType(acc, "float32"), 0.0125), 1);
            },
            [[m, k], da],
            [[k, n], db],
          );
          const jRaw = jaxprOf((a, b) => lax.dotGeneral(a, b, [[[1], [0]], [[], []]], { preferredElementType: "int32" }), [[m, k], da], [[k, n], db]);
          // below one 4x8 tile the dot stays reduce-style (an int32 sum loop), also native
          expectNative(j, forced, m >= 4 && n >= 8);
          const ins = [buf(da, ad.slice(0, m * k).map((v) => fix(da, v))), buf(db, bd.slice(0, k * n).map((v) => fix(db, v)))];
          checkJaxpr(j, ins, { rtol: 0, atol: 0 }, `${da}[${m},${k}] @ ${db}[${k},${n}]`, forced);
          checkJaxpr(jRaw, ins, { rtol: 0, atol: 0 }, `raw ${da}[${m},${k}] @ ${db}[${k},${n}]`, forced);
        },
      ),
      { numRuns: 60 },
    );
  });
  it("extreme values: K = 1000 of -128 * -128 accumulates exactly in int32; transposed and batched operands", () => {
    const k = 1000;
    const j = jaxprOf((a, b) => lax.dotGeneral(a, b, [[[1], [0]], [[], []]], { preferredElementType: "int32" }), [[5, k], "int8"], [[k, 9], "int8"]);
    expectNative(j, forced, true);
    checkJaxpr(j, [buf("int8", new Array(5 * k).fill(-128)), buf("int8", new Array(k * 9).fill(-128))], { rtol: 0, atol: 0 }, "all -128", forced);
    const jb = jaxprOf((a, b) => lax.dotGeneral(a, b, [[[1], [2]], [[0], [0]]], { preferredElementType: "int32" }), [[3, 7, 6], "int8"], [[3, 10, 7], "int8"]);
    expectNative(jb, forced, true);
    const r = (n: number, s: number) => Array.from({ length: n }, (_, i) => (((i * 73 + s) * 31) % 256) - 128);
    checkJaxpr(jb, [buf("int8", r(126, 1)), buf("int8", r(210, 2))], { rtol: 0, atol: 0 }, "batched, transposed rhs", forced);
  });
  it("convGeneralDilated int8 (NHWC/HWIO and NCHW/OIHW, strides, padding, dilation, feature groups)", () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 3, max: 9 }),
          w: fc.integer({ min: 3, max: 9 }),
          g: fc.integer({ min: 1, max: 2 }),
          cig: fc.integer({ min: 1, max: 3 }),
          cog: fc.integer({ min: 1, max: 5 }),
          kh: fc.integer({ min: 1, max: 3 }),
          kw: fc.integer({ min: 1, max: 3 }),
          stride: fc.integer({ min: 1, max: 2 }),
          dil: fc.integer({ min: 1, max: 2 }),
          pad: fc.constantFrom("VALID", "SAME"),
          nchw: fc.boolean(),
        }),
        int8s(3 * 9 * 9 * 6),
        int8s(3 * 3 * 3 * 10),
        (p, xd, wd) => {
          const ci = p.g * p.cig;
          const co = p.g * p.cog;
          const dims = (p.nchw ? ["NCHW", "OIHW", "NCHW"] : ["NHWC", "HWIO", "NHWC"]) as [string, string, string];
          const xs = p.nchw ? [p.n, ci, p.h, p.w] : [p.n, p.h, p.w, ci];
          const ws = p.nchw ? [co, p.cig, p.kh, p.kw] : [p.kh, p.kw, p.cig, co];
          const j = jaxprOf(
            (x, w) =>
              lax.convGeneralDilated(x, w, [p.stride, p.stride], p.pad, {
                rhsDilation: [p.dil, p.dil],
                dimensionNumbers: dims,
                featureGroupCount: p.g,
                preferredElementType: "int32",
              }),
            [xs, "int8"],
            [ws, "int8"],
          );
          const sx = xs.reduce((a, b) => a * b, 1);
          const sw = ws.reduce((a, b) => a * b, 1);
          if (j.outs[0]!.aval.size === 0) return;
          expectNative(j, forced, true);
          checkJaxpr(j, [buf("int8", xd.slice(0, sx)), buf("int8", wd.slice(0, sw))], { rtol: 0, atol: 0 }, JSON.stringify(p), forced);
        },
      ),
      { numRuns: 40 },
    );
  });
  it("a quantized layer fuses: quantize (divide, round, clip, int8) into the packing, requantization into the epilogue", () => {
    const j = jaxprOf(
      (x, w, s) => {
        const q = lax.convertElementType(np.clip(np.round(np.divide(x, 0.05)), -127, 127), "int8");
        const acc = lax.dotGeneral(q, w, [[[1], [0]], [[], []]], { preferredElementType: "int32" });
        return np.maximum(np.multiply(lax.convertElementType(acc, "float32"), s), 0);
      },
      [[37, 50], "float32"],
      [[50, 19], "int8"],
      [[19], "float32"],
    );
    const text = wasmBackend.lowerText(j);
    expectNative(j, wasmBackend, true);
    // two pack kernels with the quantization inside, and the matmul: no int8 buffer in between
    expect(text).not.toMatch(/t\d+: int8/);
    const x = Array.from({ length: 37 * 50 }, (_, i) => Math.sin(i) * 7);
    const w = Array.from({ length: 50 * 19 }, (_, i) => ((i * 37) % 255) - 127);
    const s = Array.from({ length: 19 }, (_, i) => 0.001 * (i + 1));
    checkJaxpr(j, [buf("float32", x), buf("int8", w), buf("float32", s)], { rtol: 0, atol: 0 }, "quantized dense", wasmBackend);
    expect(new ShapedArray([1], "int8").dtype).toBe("int8");
  });
  it("a quantized convolution's activation is materialized as bytes (im2col rereads it), channel pairs gathered over output positions", () => {
    for (const dt of ["int8", "uint8"] as const) {
      const [lo, hi] = dt === "int8" ? [-127, 127] : [0, 255];
      // NHWC, 6 input channels (3 pairs, each two adjacent bytes), 7 output columns at stride 6 bytes
      const j = jaxprOf(
        (x, w, s) => {
          const q = lax.convertElementType(np.clip(np.round(np.divide(x, 0.05)), lo, hi), dt);
          const acc = lax.convGeneralDilated(q, w, [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" });
          return np.maximum(np.multiply(lax.convertElementType(acc, "float32"), s), 0);
        },
        [[2, 9, 9, 6], "float32"],
        [[3, 3, 6, 5], dt],
        [[5], "float32"],
      );
      const text = wasmBackend.lowerText(j);
      expectNative(j, wasmBackend, true);
      expect(text).toMatch(new RegExp(`t\\d+: ${dt}\\[2,9,9,6\\]`));
      // NaN and infinities too: the clip saturates them (NaN stays NaN, converts to 0), and the convert adds no clamp of its own
      const x = Array.from({ length: 2 * 9 * 9 * 6 }, (_, i) => (i % 97 === 5 ? NaN : i % 89 === 3 ? Infinity : i % 83 === 7 ? -Infinity : Math.sin(i * 1.3) * 9));
      const w = Array.from({ length: 3 * 3 * 6 * 5 }, (_, i) => (dt === "int8" ? ((i * 37) % 255) - 127 : (i * 37) % 256));
      const s = Array.from({ length: 5 }, (_, i) => 0.001 * (i + 1));
      checkJaxpr(j, [buf("float32", x), buf(dt, w), buf("float32", s)], { rtol: 0, atol: 0 }, `quantized conv ${dt}`, wasmBackend);
    }
  });
});
