/**
 * Direct convolution kernels for int8/uint8 x int8/uint8 -> int32 convolutions
 * (codegen/kernel/directConv.ts with `paired`, codegen/wasm/directConvKernel.ts): taps paired
 * along the last spatial dim as int16 halves of int32 words, multiplied with
 * i32x4.dot_i16x8_s into int32 accumulators. The sums are exact, so every test is bit-exact
 * against the cpu reference: fast-check geometry (1-3 spatial dims, input features 1..8 and up
 * to 64 (65 for im2col), odd and even kernel widths, strides, asymmetric and negative padding, rhs dilation,
 * feature groups, any layout), int8 and uint8 operands with their extremes (-128, 127,
 * 255) so the int32 sums are large; the requantizing epilogue fused; 1 and 2 threads
 * bit-identical; the vector clip -> int8 conversion (clamped in int32).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { typedArrayFor } from "../../ir/dtype.js";
import { directConvPays } from "../../codegen/kernel/directConv.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import * as jaxts from "../../src/index.js";
import { convJaxpr, geometryArb as convGeometry } from "./convGeometry.js";
import { aval, checkJaxpr, primJaxpr, runOnPoolThreads, wasmBackend } from "./helpers.js";

const { numpy: np, lax, jit, devicePut, makeJaxpr } = jaxts;
type A = jaxts.Array;
const initialThreads = jaxts.numThreads();
afterAll(() => jaxts.setNumThreads(initialThreads));
const exact = { rtol: 0, atol: 0 };

/** n values of a byte dtype from a seed: a third of them the dtype's extremes (the largest products), the rest uniform. */
function byteData(dtype: "int8" | "uint8", n: number, seed: number, extremesOnly = false) {
  const out = typedArrayFor(dtype, n);
  const [lo, hi] = dtype === "int8" ? [-128, 127] : [0, 255];
  let s = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const r = (s >>> 8) / (1 << 24);
    out[i] = extremesOnly || r < 1 / 3 ? (r < 1 / 6 || (extremesOnly && i % 3 === 0) ? lo : hi) : lo + Math.floor(r * (hi - lo + 1));
  }
  return out;
}

const geometryArb = convGeometry(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constantFrom(15, 16, 17, 64, 65)), {
  dtypes: fc.constantFrom<["int8" | "uint8", "int8" | "uint8"]>(["int8", "int8"], ["uint8", "uint8"]),
  extremesOnly: fc.boolean(),
});

describe("int8/uint8 direct convolution kernels (int16 pairs, i32x4.dot_i16x8_s)", () => {
  it("are bit-exact against the cpu reference over random geometry, layouts, dtypes and extreme values", () => {
    let direct = 0;
    let ran = 0;
    fc.assert(
      fc.property(geometryArb, (c) => {
        let j;
        try {
          j = convJaxpr(c, c.dtypes, "int32");
        } catch {
          return; // an empty or negative output size
        }
        if (j.outs[0]!.aval.size * c.I > 400_000) return; // keep a run short
        ran++;
        expect(j.outs[0]!.aval.dtype).toBe("int32");
        const isDirect = directConvPays(j.eqns[0]!);
        if (isDirect) direct++;
        // the wasm backend's lowering options
        const steps = leafSteps(lowerJaxpr(j, { splitIndexSets: true, factorSteps: true, directConv: true }).steps);
        const kernels = steps.filter((s) => s.kind === "directConv");
        expect(kernels.length, `direct iff the rule says so: ${JSON.stringify(c)}`).toBe(isDirect ? 1 : 0);
        if (isDirect) expect(kernels[0]!.kind === "directConv" && kernels[0]!.paired).toBe(c.I % 2 === 0 ? "features" : "taps");
        const data = j.invars.map((v, i) => byteData(c.dtypes[i]!, v.aval.size, c.seed + i, c.extremesOnly));
        checkJaxpr(j, data, exact, `int8 conv ${JSON.stringify(c)}`);
      }),
      { numRuns: 150 },
    );
    expect(ran).toBeGreaterThan(60);
    expect(direct).toBeGreaterThan(40);
  });

  it("give the exact large sums of 64 input features x 5x5 taps of extremes (-128 * -128, 255 * 255), odd and even widths (and im2col at 65)", () => {
    const cases: { dt: [DType, DType]; x: number[]; w: number[]; pad: [number, number][]; direct: boolean }[] = [
      { dt: ["int8", "int8"], x: [2, 9, 11, 64], w: [5, 5, 64, 10], pad: [[2, 2], [1, 3]], direct: true },
      { dt: ["uint8", "uint8"], x: [2, 7, 8, 64], w: [5, 4, 64, 9], pad: [[0, 0], [0, 0]], direct: true },
      { dt: ["int8", "int8"], x: [1, 6, 9, 63], w: [3, 5, 63, 17], pad: [[1, 0], [2, 2]], direct: true },
      { dt: ["uint8", "uint8"], x: [2, 7, 9, 65], w: [5, 5, 65, 9], pad: [[1, 1], [0, 2]], direct: false },
    ];
    for (const c of cases) {
      const j = makeJaxpr((x: A, w: A) =>
        lax.convGeneralDilated(x, w, [1, 1], c.pad, { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" }),
      )({ shape: c.x, dtype: c.dt[0] }, { shape: c.w, dtype: c.dt[1] }).jaxpr;
      const text = wasmBackend.lowerText(j);
      if (c.direct) expect(text).toMatch(/: directConv \[[^\]]*int16 pairs of (taps|features)\]/);
      else expect(text).not.toMatch(/: directConv \[/);
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      for (const extremesOnly of [true, false]) {
        const data = [byteData(c.dt[0] as "int8", size(c.x), 1, extremesOnly), byteData(c.dt[1] as "int8", size(c.w), 2, extremesOnly)];
        checkJaxpr(j, data, exact, `${c.dt} ${c.x} * ${c.w} extremes ${extremesOnly}`);
      }
      // all -128 (or 255): every output of the interior is the largest sum, I * taps * 128^2 (255^2)
      const top = c.dt[0] === "int8" ? -128 : 255;
      const topW = c.dt[1] === "int8" ? -128 : 255;
      const x = typedArrayFor(c.dt[0], size(c.x)).fill(top);
      const w = typedArrayFor(c.dt[1], size(c.w)).fill(topW);
      checkJaxpr(j, [x, w], exact, `${c.dt} all extremes`);
    }
  });

  it("take int8/uint8 -> int32 convolutions up to 64 input features per group (the measured rule), and int8 results (int32 sums wrapped once)", () => {
    const conv = (x: number[], w: number[], dtype: DType, out: "int32" | null = "int32", groups = 1) =>
      primJaxpr("convGeneralDilated", [aval(x, dtype), aval(w, dtype)], {
        windowStrides: [1, 1],
        padding: [[0, 0], [0, 0]] as never,
        lhsDilation: [1, 1],
        rhsDilation: [1, 1],
        dimensionNumbers: { lhsSpec: [0, 1, 2, 3], rhsSpec: [0, 1, 2, 3], outSpec: [0, 1, 2, 3] },
        featureGroupCount: groups,
        batchGroupCount: 1,
        preferredElementType: out,
      });
    const pays = (j: ReturnType<typeof conv>) => directConvPays(j.eqns[0]!);
    expect(pays(conv([2, 1, 28, 28], [6, 1, 5, 5], "int8"))).toBe(true); // LeNet's conv1
    expect(pays(conv([2, 6, 12, 12], [16, 6, 5, 5], "uint8"))).toBe(true); // conv2
    expect(pays(conv([2, 64, 8, 8], [16, 64, 3, 3], "int8"))).toBe(true);
    expect(pays(conv([2, 65, 8, 8], [16, 65, 3, 3], "int8"))).toBe(false);
    expect(pays(conv([2, 130, 8, 8], [16, 65, 3, 3], "int8", "int32", 2))).toBe(false);
    expect(pays(conv([2, 128, 8, 8], [16, 64, 3, 3], "int8", "int32", 2))).toBe(true);
    expect(pays(conv([2, 4, 8, 8], [16, 4, 3, 3], "int8", null))).toBe(true); // an int8 result: a paired contraction too (contractionAcc.ts)
    expect(pays(conv([2, 65, 8, 8], [16, 65, 3, 3], "int8", null))).toBe(false);
  });

  it("fuse the requantizing epilogue (scale, bias, relu, round, clip to int8) and are exact through a quantized layer", () => {
    for (const dt of ["int8", "uint8"] as const) {
      const j = makeJaxpr((x: A, w: A, s: A, b: A) => {
        const acc = lax.convGeneralDilated(x, w, [1, 1], "SAME", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" });
        const y = np.maximum(np.add(np.multiply(lax.convertElementType(acc, "float32"), s), b), 0);
        return lax.convertElementType(np.clip(np.round(np.divide(y, 0.37)), -127, 127), "int8");
      })({ shape: [2, 10, 9, 6], dtype: dt }, { shape: [5, 5, 6, 16], dtype: dt }, { shape: [16], dtype: "float32" }, { shape: [16], dtype: "float32" }).jaxpr;
      const text = wasmBackend.lowerText(j);
      expect(text).toMatch(/: directConv \[[^\]]*int16 pairs of (taps|features)\]/);
      // one kernel after the packs: the requantization is the direct kernel's epilogue
      expect(text).not.toMatch(/: map \[[^\n]*\n[^\n]*convert<int8>/);
      const s = typedArrayFor("float32", 16);
      const b = typedArrayFor("float32", 16);
      for (let i = 0; i < 16; i++) [s[i], b[i]] = [1e-3 * (i + 1), (i - 8) * 0.7];
      checkJaxpr(j, [byteData(dt, 2 * 10 * 9 * 6, 5), byteData(dt, 5 * 5 * 6 * 16, 6), s, b], exact, `quantized layer ${dt}`);
    }
  });

  it("clip -> int8/uint8 conversions (clamped in int32 after truncating) match the reference on NaN, infinities, halves and any bounds", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<"int8" | "uint8">("int8", "uint8"),
        fc.integer({ min: -130, max: 10 }),
        fc.integer({ min: -10, max: 260 }),
        fc.boolean(),
        fc.array(fc.oneof(fc.double({ min: -400, max: 400, noNaN: false }), fc.constantFrom(NaN, Infinity, -Infinity, 0.5, -0.5, 126.5, -127.5, 2 ** 31, -(2 ** 31))), { minLength: 37, maxLength: 37 }),
        (dt, lo, hi, roundFirst, xs) => {
          const j = makeJaxpr((x: A) => lax.convertElementType(np.clip(roundFirst ? np.round(x) : x, lo, hi), dt))({ shape: [37], dtype: "float32" }).jaxpr;
          const x = typedArrayFor("float32", 37);
          xs.forEach((v, i) => (x[i] = v));
          checkJaxpr(j, [x], exact, `clip(${lo}, ${hi}) -> ${dt}`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("are bit-identical on 1 and 2 threads (LeNet's two quantized convolutions, batch 16)", () => {
    const pool = wasmBackend.runtime.pool;
    const dn = { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] as [string, string, string], preferredElementType: "int32" as const };
    const put = (shape: number[], s: number) => devicePut(np.array(byteData("int8", shape.reduce((a, b) => a * b, 1), s), { shape, dtype: "int8" }), "wasm");
    const x1 = put([16, 28, 28, 1], 1);
    const w1 = put([5, 5, 1, 6], 2);
    const x2 = put([16, 12, 12, 6], 3);
    const w2 = put([5, 5, 6, 16], 4);
    const valid = (x: A, w: A) => lax.convGeneralDilated(x, w, [1, 1], "VALID", dn);
    const padded = (x: A, w: A) => lax.convGeneralDilated(x, w, [1, 1], [[2, 1], [1, 2]], dn);
    const [f, g] = [jit(valid, { device: "wasm" }), jit(padded, { device: "wasm" })];
    expect(f.lower(x2, w2).compile().asText()).toMatch(/: directConv \[[^\]]*int16 pairs of (taps|features)\]/);
    const run = () => [f(x1, w1), f(x2, w2), g(x1, w1), g(x2, w2)];
    const values = (a: A) => Array.from(a.dataSync() as Int32Array);
    jaxts.setNumThreads(1);
    const one = run().map(values);
    jaxts.setNumThreads(2);
    const out = runOnPoolThreads(pool, run);
    out.map(values).forEach((b, i) => expect(b, `output ${i}`).toEqual(one[i]));
    // and both against the cpu reference
    const cpu = (a: A) => devicePut(a, "cpu");
    const [fr, gr] = [jit(valid, { device: "cpu" }), jit(padded, { device: "cpu" })];
    const want = [fr(cpu(x1), cpu(w1)), fr(cpu(x2), cpu(w2)), gr(cpu(x1), cpu(w1)), gr(cpu(x2), cpu(w2))];
    want.forEach((w, i) => expect(one[i], `output ${i} against cpu`).toEqual(values(w)));
  });
});
