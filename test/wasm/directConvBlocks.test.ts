/**
 * The output-feature blocks of the direct convolution kernel (codegen/wasm/directConvKernel.ts)
 * around the block width of 8: in the last, partial block the vectors without a live feature are
 * not computed (1-4 live features), and in int8 kernels with 5 or 6 live features, one word of
 * input per position and stride 1 along the last dim (`sharedTail`, LeNet's first convolution:
 * O = 6), the block's second vector holds two features of two neighbouring positions (weights
 * packed a, a, b, b; an 8-byte splat of the two positions' words), shuffled back before the
 * epilogue. Every test is bit-exact against the cpu reference (the int32 sums are exact), over
 * output feature counts 1..9 and past the second block (13, 14, 15, 21, 22), plain and with the
 * dequantize -> relu -> pool (-> requantize) epilogue that LeNet's int8 layers fuse.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { typedArrayFor } from "../../ir/dtype.js";
import { directConvPays, sharedTailPays } from "../../codegen/kernel/directConv.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import * as jaxts from "../../src/index.js";
import { convJaxpr, geometryArb } from "./convGeometry.js";
import { checkJaxpr, wasmBackend } from "./helpers.js";

const { numpy: np, lax, makeJaxpr } = jaxts;
type A = jaxts.Array;
const exact = { rtol: 0, atol: 0 };

/** Output features per group drawn around the block width (8) and past the second block. */
const featureCounts = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(5, 6, 5, 6, 13, 14, 15, 21, 22));

/** The rule, written out: 5 or 6 live features in the last block, one int32 word per position (I = 1 taps paired, I = 2 features paired, one group), stride 1 along the last dim. */
function expectShared(og: number, I: number, groups: number, lastStride: number): boolean {
  const rem = og - 8 * (Math.ceil(og / 8) - 1);
  const words = groups * (I % 2 === 0 ? I / 2 : I);
  return (rem === 5 || rem === 6) && words === 1 && lastStride === 1;
}

/** n int8 values from a seed, a third of them -128 or 127. */
function int8Data(n: number, seed: number) {
  const out = typedArrayFor("int8", n);
  let s = (seed * 2654435761 + 7) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const r = (s >>> 8) / (1 << 24);
    out[i] = r < 1 / 6 ? -128 : r < 1 / 3 ? 127 : -128 + Math.floor(r * 256);
  }
  return out;
}

describe("direct convolution output blocks (dead vectors skipped, int8 shared tail vector)", () => {
  it("int8 convolutions are bit-exact against the cpu reference for 1..9 (and 13..22) output features, and share the tail vector exactly where the rule says", () => {
    let shared = 0;
    let ran = 0;
    const arb = geometryArb(fc.constantFrom(1, 1, 2, 2, 3), { og2: featureCounts, stride1: fc.boolean(), oneGroup: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(arb, (c0) => {
        // mostly one group and stride 1 along the last dim (where the tail can be shared)
        const stride = c0.stride.map((s, i) => (i === c0.nsp - 1 && c0.stride1 ? 1 : s));
        const c = { ...c0, og: c0.og2, stride, groups: c0.oneGroup > 0 ? 1 : c0.groups };
        let j;
        try {
          j = convJaxpr(c, ["int8", "int8"], "int32");
        } catch {
          return; // an empty or negative output size
        }
        if (j.outs[0]!.aval.size * c.I > 300_000) return;
        ran++;
        const kernels = leafSteps(lowerJaxpr(j, { splitIndexSets: true, factorSteps: true, directConv: true }).steps).filter((s) => s.kind === "directConv");
        expect(kernels.length).toBe(directConvPays(j.eqns[0]!) ? 1 : 0);
        if (kernels.length === 1) {
          const want = expectShared(c.og, c.I, c.groups, stride[c.nsp - 1]!);
          const k = kernels[0]!;
          expect(k.kind === "directConv" && k.sharedTail === true, `shared tail iff the rule: ${JSON.stringify(c)}`).toBe(want);
          expect(sharedTailPays(true, c.og, c.groups * (c.I % 2 === 0 ? c.I / 2 : c.I), stride[c.nsp - 1]!)).toBe(want);
          if (want) shared++;
        }
        const data = j.invars.map((v, i) => int8Data(v.aval.size, c.seed + i));
        checkJaxpr(j, data, exact, `int8 conv ${JSON.stringify(c)}`);
      }),
      { numRuns: 200 },
    );
    expect(ran).toBeGreaterThan(100);
    expect(shared).toBeGreaterThan(15);
  });

  it("int8 conv -> dequantize -> relu -> pool (-> requantize) layers, fused into the kernel, are bit-exact for 1..9 output features and any pool window", () => {
    let sharedPooled = 0;
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      I: fc.constantFrom(1, 1, 2, 2, 3),
      O: featureCounts,
      h: fc.integer({ min: 2, max: 9 }),
      w: fc.integer({ min: 2, max: 11 }),
      kh: fc.integer({ min: 1, max: 4 }),
      kw: fc.integer({ min: 1, max: 5 }),
      sw: fc.constantFrom(1, 1, 2),
      win: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
      extraStride: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
      op: fc.constantFrom("max" as const, "min" as const),
      requantize: fc.boolean(),
      nonFinite: fc.integer({ min: 0, max: 3 }),
      seed: fc.integer({ min: 0, max: 1 << 20 }),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const oh = c.h - c.kh + 1;
        const ow = Math.floor((c.w - c.kw) / c.sw) + 1;
        const ps = [c.win[0] + c.extraStride[0], c.win[1] + c.extraStride[1]];
        if (oh < c.win[0] || ow < c.win[1]) return;
        const j = makeJaxpr((x: A, w: A, s: A, b: A) => {
          const acc = lax.convGeneralDilated(x, w, [1, c.sw], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" });
          const y = np.maximum(np.add(np.multiply(lax.convertElementType(acc, "float32"), s), b), 0);
          const init = c.op === "max" ? -Infinity : Infinity;
          const p = lax.reduceWindow(y, init, c.op === "max" ? lax.max : lax.min, [1, c.win[0], c.win[1], 1], [1, ps[0]!, ps[1]!, 1], "VALID");
          return c.requantize ? lax.convertElementType(np.clip(np.round(np.divide(p, 0.37)), -127, 127), "int8") : p;
        })({ shape: [c.n, c.h, c.w, c.I], dtype: "int8" }, { shape: [c.kh, c.kw, c.I, c.O], dtype: "int8" }, { shape: [c.O], dtype: "float32" }, { shape: [c.O], dtype: "float32" }).jaxpr;
        const text = wasmBackend.lowerText(j);
        const direct = /: directConv \[/.test(text);
        const want = direct && expectShared(c.O, c.I, 1, c.sw);
        expect(/shared tail/.test(text), `shared tail iff the rule: ${JSON.stringify(c)}\n${text}`).toBe(want);
        if (want && /pooled: /.test(text)) sharedPooled++;
        // scales: small finite ones, or (nonFinite = 0) some infinite and NaN (the per-element path of the pooled int32 extremes)
        const s = Float32Array.from({ length: c.O }, (_, i) => (c.nonFinite === 0 && i % 3 === 2 ? [Infinity, NaN, -Infinity][i % 3]! : ((i % 5) - 2) * 0.013 + 0.001));
        const b = Float32Array.from({ length: c.O }, (_, i) => ((i * 7) % 5) * 0.25 - 0.5);
        checkJaxpr(j, [int8Data(c.n * c.h * c.w * c.I, c.seed), int8Data(c.kh * c.kw * c.I * c.O, c.seed + 1), s, b], exact, `pooled int8 layer ${JSON.stringify(c)}`);
      }),
      { numRuns: 120 },
    );
    expect(sharedPooled).toBeGreaterThan(10);
  });

  it("pooled int32 sums take one dequantization at the extreme the scale's sign picks where scale and bias are finite, two where only the scale is, per element elsewhere: bit for bit", () => {
    for (const op of ["max", "min"] as const)
      for (const [I, O] of [[1, 6], [2, 6], [3, 8], [1, 13]] as const) {
        const j = makeJaxpr((x: A, w: A, s: A, b: A) => {
          const acc = lax.convGeneralDilated(x, w, [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" });
          const y = np.add(np.multiply(lax.convertElementType(acc, "float32"), s), b);
          return lax.reduceWindow(y, op === "max" ? -Infinity : Infinity, op === "max" ? lax.max : lax.min, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
        })({ shape: [2, 7, 9, I], dtype: "int8" }, { shape: [2, 3, I, O], dtype: "int8" }, { shape: [O], dtype: "float32" }, { shape: [O], dtype: "float32" }).jaxpr;
        expect(wasmBackend.lowerText(j)).toMatch(/pooled: /);
        // small values, many zero sums (0 * s = +-0), both signs; and the extremes' inputs at full range
        const x = Int8Array.from({ length: 2 * 7 * 9 * I }, (_, i) => [0, 1, 0, -1, 0, 2, -3, 0, 127, -128][(i * 7 + (i >> 3)) % 10]!);
        const w = Int8Array.from({ length: 6 * I * O }, (_, i) => [1, -1, 0, 2, 1, -2, 0][(i * 5) % 7]!);
        const cycle = (xs: number[]) => Float32Array.from({ length: O }, (_, i) => xs[i % xs.length]!);
        // finite scales of every kind: signed zeros, subnormals, huge (products overflow to +-inf), negative
        const scales = cycle([0.5, -0.25, 0, -0, 1e-45, -1e-45, 3e38, -3e38, 1e-30, -7]);
        for (const bias of [
          cycle([0.1, -0, 0, 1, -2, -0, 3e38]), // all finite: the single dequantization everywhere
          cycle([0.1, Infinity, -0, -Infinity, NaN, 1]), // not: two dequantizations (or per element)
        ]) {
          checkJaxpr(j, [x, w, scales, bias], exact, `${op} pooling, I=${I}, O=${O}, biases ${Array.from(bias)}`);
          checkJaxpr(j, [x, w, cycle([Infinity, 0.5, NaN, -0, -Infinity, 2]), bias], exact, `${op} pooling, non-finite scales, I=${I}, O=${O}`);
        }
      }
  });

  it("requantized relus, convert<int8|uint8>(clip(round(max(z, 0) / c))), relu as an int32 max after truncating, match the reference on NaN, infinities, signed zeros, halves and any bounds", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<"int8" | "uint8">("int8", "uint8"),
        fc.integer({ min: -130, max: 0 }),
        fc.integer({ min: 0, max: 260 }),
        fc.constantFrom(0.0101, 0.5, 3, 1e-30, 1e30, 1e-45, Infinity),
        fc.constantFrom("div", "mul", "mulFirst", "reluFirst"),
        fc.array(fc.oneof(fc.double({ min: -400, max: 400, noNaN: false }), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 126.5, -127.5, 1e-40, -1e-40)), { minLength: 37, maxLength: 37 }),
        (dt, lo, hi, c, form, zs) => {
          const j = makeJaxpr((z: A) => {
            const r = form === "reluFirst" ? np.maximum(0, z) : np.maximum(z, 0);
            const scaled = form === "mul" ? np.multiply(r, c) : form === "mulFirst" ? np.multiply(c, r) : np.divide(r, c);
            return lax.convertElementType(np.clip(np.round(scaled), lo, hi), dt);
          })({ shape: [37], dtype: "float32" }).jaxpr;
          const z = typedArrayFor("float32", 37);
          zs.forEach((v, i) => (z[i] = v));
          checkJaxpr(j, [z], exact, `clip(round(relu(z) ${form} ${c}), ${lo}, ${hi}) -> ${dt}`);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("LeNet's int8 first layer (O = 6) shares the tail vector; its second (I = 6, O = 16: three words per position) does not", () => {
    const j = makeJaxpr((x: A, w1: A, w2: A) => {
      const dn = { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] as ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" as const };
      const h = lax.reduceWindow(lax.convertElementType(lax.convGeneralDilated(x, w1, [1, 1], "VALID", dn), "float32"), -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
      const q = lax.convertElementType(np.clip(np.round(np.divide(h, 64)), -127, 127), "int8");
      return lax.convGeneralDilated(q, w2, [1, 1], "VALID", dn);
    })({ shape: [3, 28, 28, 1], dtype: "int8" }, { shape: [5, 5, 1, 6], dtype: "int8" }, { shape: [5, 5, 6, 16], dtype: "int8" }).jaxpr;
    const text = wasmBackend.lowerText(j);
    expect(text).toMatch(/n<6, taps 5x5 x 1, int16 pairs of taps, shared tail\]/);
    expect(text).toMatch(/n<16, taps 5x5 x 3, int16 pairs of features\]/);
    checkJaxpr(j, [int8Data(3 * 28 * 28, 1), int8Data(150, 2), int8Data(2400, 3)], exact, "LeNet int8 layers");
  });
});
