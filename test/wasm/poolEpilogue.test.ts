/**
 * Pooling fused into the direct convolution's epilogue (codegen/kernel/poolEpilogue.ts): conv
 * -> bias -> relu -> max/min/sum pooling stores only the pooled result. Differential tests
 * over fast-check geometry (1-2 spatial dims, batch, channels across the 8-wide block, conv
 * strides and padding, pool windows 1..3 with strides 1..3, VALID and SAME pooling, sizes the
 * window does not tile): against the cpu reference (float32: the convolution's sum is the
 * direct kernel's, whose order differs from the reference's, so within the sum's forward error
 * bound) and bit for bit against the unfused wasm kernels (the same sums and window order);
 * int8 (quantized) bit for bit against the cpu reference; fused exactly where the rule says;
 * 1 and 2 threads bit-identical.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import * as jaxts from "../../src/index.js";
import { checkJaxpr, expectClose, randomData, runOnPoolThreads, wasmBackend } from "./helpers.js";

const { numpy: np, lax, jit, devicePut, quant, makeJaxpr } = jaxts;
type A = jaxts.Array;
const initialThreads = jaxts.numThreads();
afterAll(() => jaxts.setNumThreads(initialThreads));

/** Forward error bound of a float32 sum of k products of magnitude <= 1, through bias + relu (max/min exact; sum of w terms: w times). */
const sumTol = (k: number, w = 1) => ({ rtol: 1e-6, atol: w * (2 * k * 2 ** -24 + 1e-7) + 1e-6 });

const geometry = fc.record({
  nsp: fc.integer({ min: 1, max: 2 }),
  nb: fc.integer({ min: 1, max: 3 }),
  I: fc.integer({ min: 1, max: 6 }),
  O: fc.integer({ min: 1, max: 18 }),
  size: fc.array(fc.integer({ min: 2, max: 11 }), { minLength: 2, maxLength: 2 }),
  k: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 2 }),
  convStride: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 2, maxLength: 2 }),
  convPad: fc.constantFrom("VALID", "SAME"),
  win: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
  stride: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
  poolPad: fc.constantFrom("VALID", "VALID", "SAME"),
  op: fc.constantFrom("max", "max", "min", "sum"),
  seed: fc.nat(1 << 20),
});
type Geometry = typeof geometry extends fc.Arbitrary<infer T> ? T : never;

/** conv (channels last) -> bias -> relu -> pooling, and the same returning the convolution too (which keeps it unfused). */
function model(c: Geometry) {
  const sp = <T>(xs: T[]) => xs.slice(0, c.nsp);
  const dn = c.nsp === 1 ? (["NWC", "WIO", "NWC"] as const) : (["NHWC", "HWIO", "NHWC"] as const);
  const conv = (x: A, w: A, b: A) => np.maximum(np.add(lax.convGeneralDilated(x, w, sp(c.convStride), c.convPad, { dimensionNumbers: [...dn] }), b), 0);
  const init = c.op === "max" ? -Infinity : c.op === "min" ? Infinity : 0;
  const reducer = c.op === "max" ? lax.max : c.op === "min" ? lax.min : lax.add;
  const pool = (h: A) => lax.reduceWindow(h, init, reducer, [1, ...sp(c.win), 1], [1, ...sp(c.stride), 1], c.poolPad);
  const shapes = { x: [c.nb, ...sp(c.size), c.I], w: [...sp(c.k), c.I, c.O], b: [c.O] };
  return { fused: (x: A, w: A, b: A) => pool(conv(x, w, b)), both: (x: A, w: A, b: A) => [pool(conv(x, w, b)), conv(x, w, b)] as [A, A], shapes };
}

/** Per spatial dim, the convolution's output extent, the pooling's padding (total) and pooled extent. */
function extents(c: Geometry) {
  return sp2(c, c.size).map((n, d) => {
    const [k, cs, w, s] = [c.k[d]!, c.convStride[d]!, c.win[d]!, c.stride[d]!];
    const conv = c.convPad === "SAME" ? Math.ceil(n / cs) : Math.max(0, Math.floor((n - k) / cs) + 1);
    const pad = c.poolPad === "SAME" ? Math.max(0, (Math.ceil(conv / s) - 1) * s + w - conv) : 0;
    const pooled = c.poolPad === "SAME" ? Math.ceil(conv / s) : Math.max(0, Math.floor((conv - w) / s) + 1);
    return { conv, pad, pooled };
  });
}

/** What the rule fuses: a non-empty pooling without padding over non-overlapping windows of at most 4 positions. */
const fusable = (c: Geometry) =>
  extents(c).every((e) => e.pad === 0 && e.pooled > 0) && sp2(c, c.stride).every((s, d) => s >= c.win[d]!) && sp2(c, c.win).reduce((a, b) => a * b, 1) <= 4 && c.nb > 0;
const sp2 = (c: Geometry, xs: number[]) => xs.slice(0, c.nsp);

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const arr = (shape: number[], s: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), s, { range: 1 }), { shape });

describe("pooling fused into the direct convolution's epilogue", () => {
  it("matches the cpu reference and, bit for bit, the unfused kernels over random geometry (odd sizes, padding, strides, channels, max/min/sum)", () => {
    let fused = 0;
    let ran = 0;
    fc.assert(
      fc.property(geometry, (c) => {
        const m = model(c);
        const args = [arr(m.shapes.x, c.seed), arr(m.shapes.w, c.seed + 1), arr(m.shapes.b, c.seed + 2)] as [A, A, A];
        let text: string;
        try {
          text = jit(m.fused, { device: "wasm" }).lower(...args).compile().asText();
        } catch {
          return; // an empty pooled output (window larger than the convolution's output)
        }
        ran++;
        const isFused = /pooled: /.test(text);
        // (a convolution the direct kernel does not take, directConvPays, has nothing to fuse into)
        expect(isFused, `fused iff the rule says so: ${JSON.stringify(c)}`).toBe(fusable(c) && /: directConv \[/.test(text));
        if (isFused) {
          fused++;
          expect(text, "no pooling kernel of its own").not.toMatch(/: map \[[^\]]*\]\n;;   t\d+\[[^\n]*reduce_(max|min|sum)\[w/);
        }
        const on = (d: "wasm" | "cpu") => args.map((a) => devicePut(a, d)) as [A, A, A];
        const got = jit(m.fused, { device: "wasm" })(...on("wasm")).dataSync();
        const unfused = jit(m.both, { device: "wasm" })(...on("wasm"))[0].dataSync();
        expect(/pooled: /.test(jit(m.both, { device: "wasm" }).lower(...args).compile().asText())).toBe(false);
        // (the same direct kernel's sums; without the fusion the lowering may differ: col2im, im2col)
        if (isFused) expect(bits(got), `fused = unfused bit for bit: ${JSON.stringify(c)}`).toEqual(bits(unfused));
        const want = jit(m.fused, { device: "cpu" })(...on("cpu")).dataSync();
        const k = c.I * sp2(c, c.k).reduce((a, b) => a * b, 1);
        expectClose(got, want, "float32", sumTol(k, c.op === "sum" ? sp2(c, c.win).reduce((a, b) => a * b, 1) : 1), `pooled ${JSON.stringify(c)}`);
      }),
      { numRuns: 120 },
    );
    expect(ran).toBeGreaterThan(80);
    expect(fused).toBeGreaterThan(20);
  });

  it("fuses LeNet's two conv -> bias -> relu -> 2x2 max pool layers, float32 and int8 (quantized: bit for bit against the cpu reference)", () => {
    const dn = { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] as ["NHWC", "HWIO", "NHWC"] };
    const pool = (h: A) => lax.reduceWindow(h, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
    const layer = (h: A, w: A, b: A) => pool(np.maximum(np.add(lax.convGeneralDilated(h, w, [1, 1], "VALID", dn), b), 0));
    const net = (p: { w1: A; b1: A; w2: A; b2: A }, x: A) => layer(layer(x, p.w1, p.b1), p.w2, p.b2);
    // odd batch and a 29x27 image (conv1 25x23: the pool leaves a row and a column out)
    const x = arr([3, 29, 27, 1], 1);
    const p = { w1: arr([5, 5, 1, 6], 2), b1: arr([6], 3), w2: arr([5, 5, 6, 16], 4).mul(0.3), b2: arr([16], 5) };
    const text = jit(net, { device: "wasm" }).lower(p, x).compile().asText();
    expect(text.match(/pooled: max/g)?.length).toBe(2);
    const on = <T>(t: T, d: "wasm" | "cpu"): T => jaxts.tree.map((a: A) => devicePut(a, d), t as never) as T;
    expectClose(jit(net, { device: "wasm" })(on(p, "wasm"), on(x, "wasm")).dataSync(), jit(net, { device: "cpu" })(on(p, "cpu"), on(x, "cpu")).dataSync(), "float32", sumTol(150, 1), "float32 LeNet layers");

    const scales = quant.calibrate(net, p, [x]);
    const qf = quant.quantizedApply(net, scales);
    const qp = quant.quantizeParams(p);
    const qtext = jit(qf, { device: "wasm" }).lower(qp, x).compile().asText();
    expect(qtext.match(/pooled: max/g)?.length).toBe(2);
    // the requantization (round, clip, int8) is the pooled epilogue: no int32 activation is stored
    expect(qtext).toMatch(/pooled: max[^\n]*convert<float32>\(acc\)[^\n]*\n;;   t\d+\[[^\n]*= convert<int8>/);
    const got = jit(qf, { device: "wasm" })(on(qp, "wasm"), on(x, "wasm")).dataSync();
    const want = jit(qf, { device: "cpu" })(on(qp, "cpu"), on(x, "cpu")).dataSync();
    expect(bits(got)).toEqual(bits(want));
  });

  it("quantized conv -> pool layers are bit-exact against the cpu reference over random geometry", () => {
    fc.assert(
      fc.property(geometry, (c0) => {
        // (a weight with two dims above 1, which quant quantizes: an int8 x int8 -> int32 convolution)
        const c = { ...c0, I: Math.max(2, c0.I), O: Math.max(2, c0.O), op: "max" as const, poolPad: "VALID" as const };
        if (extents(c).some((e) => e.pooled === 0)) return;
        const m = model(c);
        const net = (p: { w: A; b: A }, x: A) => m.fused(x, p.w, p.b);
        const x = arr(m.shapes.x, c.seed);
        const p = { w: arr(m.shapes.w, c.seed + 1), b: arr(m.shapes.b, c.seed + 2) };
        let qf, qp;
        try {
          qf = quant.quantizedApply(net, quant.calibrate(net, p, [x]));
          qp = quant.quantizeParams(p);
          jit(qf, { device: "wasm" }).lower(qp, x);
        } catch {
          return; // an empty pooled output
        }
        const on = <T>(t: T, d: "wasm" | "cpu"): T => jaxts.tree.map((a: A) => devicePut(a, d), t as never) as T;
        const text = jit(qf, { device: "wasm" }).lower(qp, x).compile().asText();
        if (/: directConv \[/.test(text)) expect(text).toMatch(/directConv \[[^\n]*int16 pairs/);
        expect(/pooled: /.test(text)).toBe(fusable(c) && /: directConv \[/.test(text));
        const got = jit(qf, { device: "wasm" })(on(qp, "wasm"), on(x, "wasm")).dataSync();
        const want = jit(qf, { device: "cpu" })(on(qp, "cpu"), on(x, "cpu")).dataSync();
        expect(bits(got), JSON.stringify(c)).toEqual(bits(want));
      }),
      { numRuns: 40 },
    );
  });

  it("pools int32 sums by their max and min where the dequantizing scale is finite, per element elsewhere (infinite and NaN scales, zero sums, negative scales: bit for bit)", () => {
    for (const op of ["max", "min"] as const) {
      const j = makeJaxpr((x: A, w: A, s: A, b: A) => {
        const acc = lax.convGeneralDilated(x, w, [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], preferredElementType: "int32" });
        const y = np.add(np.multiply(lax.convertElementType(acc, "float32"), s), b);
        return lax.reduceWindow(y, op === "max" ? -Infinity : Infinity, op === "max" ? lax.max : lax.min, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
      })({ shape: [2, 9, 10, 2], dtype: "int8" }, { shape: [2, 2, 2, 6], dtype: "int8" }, { shape: [6], dtype: "float32" }, { shape: [6], dtype: "float32" }).jaxpr;
      const text = wasmBackend.lowerText(j);
      expect(text).toMatch(/int16 pairs[^\n]*\n;;   pooled: /);
      // small values, half zeros: many window sums are 0 (0 * inf is NaN), others of both signs
      const x = Int8Array.from({ length: 2 * 9 * 10 * 2 }, (_, i) => [0, 1, 0, -1, 0, 2, -3, 0][(i * 7 + (i >> 3)) % 8]!);
      const w = Int8Array.from({ length: 2 * 2 * 2 * 6 }, (_, i) => [1, -1, 0, 2, 1, -2][(i * 5) % 6]!);
      const s = Float32Array.from([0.5, -0.25, Infinity, -Infinity, NaN, -0]);
      const b = Float32Array.from([0.1, -0, 0, 1, -2, -0]);
      checkJaxpr(j, [x, w, s, b], { rtol: 0, atol: 0 }, `${op} pooling of dequantized int32 sums`);
      // the same with every scale finite (the fast path for every block)
      checkJaxpr(j, [x, w, Float32Array.from([0.5, -0.25, 3, -1e-30, 0, -0]), b], { rtol: 0, atol: 0 }, `${op}, finite scales`);
    }
  });

  it("leaves training's pooling apart: the backward pass reads the full-resolution activation (pooling's argmax, relu's gradient)", () => {
    const dn = { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] as ["NHWC", "HWIO", "NHWC"] };
    const loss = (w: A, x: A) =>
      np.sum(lax.reduceWindow(np.maximum(lax.convGeneralDilated(x, w, [1, 1], "VALID", dn), 0), -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"));
    const [w, x] = [arr([5, 5, 1, 6], 1), arr([4, 12, 12, 1], 2)];
    expect(jit(loss, { device: "wasm" }).lower(w, x).compile().asText()).toMatch(/pooled: max/);
    const text = jit(jaxts.grad(loss), { device: "wasm" }).lower(w, x).compile().asText();
    expect(text).toMatch(/: directConv \[/);
    expect(text).not.toMatch(/pooled: /);
    const on = (d: "wasm" | "cpu") => [devicePut(w, d), devicePut(x, d)] as [A, A];
    // each weight's gradient sums 64 routed inputs (4 images x 4x4 pooled positions) of magnitude
    // <= 1: the float32 forward error bound of a 64-term sum of magnitude <= 64 (the routing
    // itself is exact: relu's zeros tie exactly on both devices, other values do not tie)
    const gradTol = { rtol: 1e-6, atol: 2 * 64 * 2 ** -24 * 64 };
    expectClose(jit(jaxts.grad(loss), { device: "wasm" })(...on("wasm")).dataSync(), jit(jaxts.grad(loss), { device: "cpu" })(...on("cpu")).dataSync(), "float32", gradTol, "gradient");
  });

  it("is bit-identical on 1 and 2 threads (LeNet's first layer, float32 and int8, batch 16)", () => {
    const pool = wasmBackend.runtime.pool;
    const dn = { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] as ["NHWC", "HWIO", "NHWC"] };
    const net = (p: { w: A; b: A }, x: A) => lax.reduceWindow(np.maximum(np.add(lax.convGeneralDilated(x, p.w, [1, 1], "VALID", dn), p.b), 0), -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
    const put = <T>(t: T): T => jaxts.tree.map((a: A) => devicePut(a, "wasm"), t as never) as T;
    const x = put(arr([16, 28, 28, 1], 1));
    const p = put({ w: arr([5, 5, 1, 6], 2), b: arr([6], 3) });
    const qf = jit(quant.quantizedApply(net, quant.calibrate(net, p, [x])));
    const qp = put(quant.quantizeParams(p));
    const f = jit(net);
    expect(f.lower(p, x).compile().asText()).toMatch(/pooled: max/);
    const run = () => [f(p, x), qf(qp, x)];
    jaxts.setNumThreads(1);
    const one = run().map((a) => bits(a.dataSync()));
    jaxts.setNumThreads(2);
    const out = runOnPoolThreads(pool, run);
    out.forEach((a, i) => expect(bits(a.dataSync()), `output ${i}`).toEqual(one[i]));
  });
});
