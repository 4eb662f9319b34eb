/**
 * float16 contractions and int8/uint8 contractions into int8/uint8 as native wasm kernels
 * (codegen/kernel/contractionAcc.ts): float16 operands decoded into float32 panels (the packed
 * matmul, im2col, the direct convolution kernel), each output's products summed in order in
 * float32 and rounded once; int8 results summed in int32 by the paired kernels and wrapped once.
 * - against real JAX (test/golden/narrow_contraction.json from gen_narrow_contraction.py), the
 *   cpu reference and the wasm kernels both: float32 accumulation (not float16 per step, not
 *   float64), wrapping int8/uint8 sums;
 * - fast-check differential tests against the cpu reference, bit for bit, with no host step:
 *   dotGeneral over batch dims and any layout of the operands, convolutions over random
 *   geometry (im2col and direct kernels), float16 specials (infinities, NaN, subnormals, 65504,
 *   -0) and int8/uint8 extremes;
 * - the same bits on 1 and 2 threads (the matmul split over the pool);
 * - gradients of float16 matmuls and convolutions under jit: no host step.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, float16Bits, float16Value } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import * as jaxts from "../../src/index.js";
import { convJaxpr, geometryArb, perm } from "./convGeometry.js";
import { primJaxpr, rng, runJaxprWasm, runOnPoolThreads, wasmBackend } from "./helpers.js";
import { narrowData } from "./narrowProbe.js";
import { type EncNum, decNum } from "../goldenTree.js";

const { numpy: np, jit, lax, devicePut } = jaxts;
type A = jaxts.Array;
const initialThreads = jaxts.numThreads();
afterAll(() => jaxts.setNumThreads(initialThreads));

interface Operand {
  shape: number[];
  dtype: DType;
  data: number[];
}
interface GoldenCase {
  name: string;
  prim: "dotGeneral" | "convGeneralDilated";
  lhs: Operand;
  rhs: Operand;
  out: Operand;
  [param: string]: unknown;
}
const golden = JSON.parse(readFileSync(new URL("../golden/narrow_contraction.json", import.meta.url), "utf8")) as { cases: GoldenCase[] };
/** float16 dots and convolutions into float64 (JAX's x64 mode: gen_narrow_contraction_f64.py): float64 sums. */
const goldenF64 = JSON.parse(readFileSync(new URL("../golden/narrow_contraction_f64.json", import.meta.url), "utf8")) as { cases: GoldenCase[] };

const typed = (o: Operand): AnyTypedArray =>
  o.dtype === "float16"
    ? Uint16Array.from(o.data)
    : o.dtype === "int8"
      ? Int8Array.from(o.data)
      : o.dtype === "uint8"
        ? Uint8Array.from(o.data)
        : o.dtype === "float64"
          ? Float64Array.from(o.data as unknown as EncNum[], decNum)
          : Float32Array.from(o.data);

function goldenJaxpr(c: GoldenCase): Jaxpr {
  const ins = [new ShapedArray(c.lhs.shape, c.lhs.dtype), new ShapedArray(c.rhs.shape, c.rhs.dtype)];
  if (c.prim === "dotGeneral") return primJaxpr("dotGeneral", ins, { dimensionNumbers: c.dimensionNumbers as never, preferredElementType: (c.preferredElementType as DType | null) ?? null });
  const keys = ["windowStrides", "padding", "lhsDilation", "rhsDilation", "dimensionNumbers", "featureGroupCount", "batchGroupCount"] as const;
  const params = Object.fromEntries(keys.map((k) => [k, c[k]])) as unknown as Params<"convGeneralDilated">;
  return primJaxpr("convGeneralDilated", ins, { ...params, preferredElementType: (c.preferredElementType as DType | undefined) ?? null });
}

/** Bit patterns equal (float16 NaNs: any NaN, JAX keeps a sign the reference drops), or the same numbers. */
function expectSame(got: AnyTypedArray, want: AnyTypedArray, dtype: DType, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (dtype === "float16") {
      if (Number.isNaN(float16Value(w)) && Number.isNaN(float16Value(g))) continue;
      if (g !== w) expect.fail(`${what}: element ${i}: got 0x${g.toString(16)} (${float16Value(g)}), expected 0x${w.toString(16)} (${float16Value(w)})`);
    } else if (!Object.is(g, w)) expect.fail(`${what}: element ${i}: got ${g}, expected ${w}`);
  }
}

/** An array's data as stored: float16 as bit patterns (dataSync gives their values). */
const hostBits = (a: A): AnyTypedArray => (a.dtype === "float16" ? Uint16Array.from(a.dataSync() as Float32Array, float16Bits) : (a.dataSync() as AnyTypedArray));

const hostStep = (j: Jaxpr) => /: host /.test(wasmBackend.lowerText(j));

/** Runs `j` on the reference and on wasm (no host step) and asserts the same bits; returns the reference's outputs. */
function checkBits(j: Jaxpr, inputs: AnyTypedArray[], what: string): AnyTypedArray[] {
  expect(hostStep(j), `${what}: host step\n${wasmBackend.lowerText(j)}`).toBe(false);
  const want = evalJaxprRef(j, [], inputs) as AnyTypedArray[];
  const got = runJaxprWasm(j, inputs);
  want.forEach((w, k) => expectSame(got[k]!, w, j.outs[k]!.aval.dtype, what));
  return want;
}

describe("narrow contractions against JAX (golden)", () => {
  it("float16: float32 sums in order rounded once (not float16 per step, not float64); int8/uint8 results wrap; reference and wasm", () => {
    expect(golden.cases.length).toBeGreaterThan(10);
    expect(goldenF64.cases.length).toBe(12);
    for (const c of [...golden.cases, ...goldenF64.cases]) {
      const j = goldenJaxpr(c);
      const inputs = [typed(c.lhs), typed(c.rhs)];
      const want = typed(c.out);
      expectSame(evalJaxprRef(j, [], inputs)[0] as AnyTypedArray, want, c.out.dtype, `reference: ${c.name}`);
      expect(hostStep(j), c.name).toBe(false);
      expectSame(runJaxprWasm(j, inputs)[0]!, want, c.out.dtype, `wasm: ${c.name}`);
    }
  });
});

/**
 * float16 operands: large values from a few magnitudes with random signs (their products cancel
 * exactly, leaving small terms that the float32 partial sums kept or rounded away: the sums'
 * order shows in the float16 result), small values with fraction bits, any finite pattern
 * (subnormals to 65504), and at rate `specials` infinities, NaN, -0, the subnormal extremes
 * (`finite`: no infinity or NaN).
 */
function float16Operand(n: number, seed: number, specials: number, finite = false): Uint16Array {
  const r = rng(seed);
  const sp = [0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x3c00, ...(finite ? [] : [0x7c00, 0xfc00, 0x7e00])];
  const large = [1024, 1537, 2047, 3001];
  return Uint16Array.from({ length: n }, () => {
    const u = r();
    if (u < specials) return sp[Math.floor(r() * sp.length)]!;
    if (u < 0.45) return float16Bits((r() < 0.5 ? -1 : 1) * large[Math.floor(r() * large.length)]!);
    if (u < 0.85) return float16Bits((r() - 0.5) * 16);
    let b = Math.floor(r() * 0x10000);
    if ((b & 0x7c00) === 0x7c00) b &= 0xbfff; // finite
    return b;
  });
}

function operand(dtype: DType, n: number, seed: number, specials: number, finite = false): AnyTypedArray {
  return dtype === "float16" ? float16Operand(n, seed, specials, finite) : narrowData(dtype, n, seed);
}

/** A dotGeneral with batch dims, free dims and contracting dims each in a random position of its operand. */
const dotArb = fc.record({
  dtype: fc.constantFrom<["float16" | "int8" | "uint8", DType | null]>(["float16", null], ["float16", null], ["float16", "float32"], ["int8", null], ["uint8", null]),
  batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  lfree: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 2 }),
  rfree: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 2 }),
  contract: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 2 }),
  scale: fc.constantFrom(1, 1, 5),
  layout: fc.nat(1 << 20),
  specials: fc.constantFrom(0, 0.02, 0.1),
  seed: fc.nat(1 << 20),
});

function dotJaxpr(c: DotCase): Jaxpr {
  const [dtype, preferred] = c.dtype;
  const free = (xs: number[]) => xs.map((n, i) => (i === 0 ? n * c.scale : n));
  const lgroups = [...c.batch.map((n) => ["b", n] as const), ...free(c.lfree).map((n) => ["f", n] as const), ...c.contract.map((n) => ["c", n] as const)];
  const rgroups = [...c.batch.map((n) => ["b", n] as const), ...c.contract.map((n) => ["c", n] as const), ...free(c.rfree).map((n) => ["f", n] as const)];
  const place = (groups: (readonly [string, number])[], seed: number) => {
    const p = perm(groups.length, seed); // logical dim i sits at position p[i]
    const shape = new Array<number>(groups.length);
    groups.forEach(([, n], i) => (shape[p[i]!] = n));
    const at = (kind: string) => groups.map(([k], i) => (k === kind ? p[i]! : -1)).filter((d) => d >= 0);
    return { shape, b: at("b"), c: at("c") };
  };
  const l = place(lgroups, c.layout);
  const r = place(rgroups, c.layout + 7);
  return primJaxpr("dotGeneral", [new ShapedArray(l.shape, dtype), new ShapedArray(r.shape, dtype)], { dimensionNumbers: [[l.c, r.c], [l.b, r.b]], preferredElementType: preferred });
}

type DotCase = typeof dotArb extends fc.Arbitrary<infer T> ? T : never;

describe("narrow contractions against the cpu reference (fast-check, bit for bit)", () => {
  it("dotGeneral of float16 (into float16 or float32) and int8/uint8 (into themselves): batch dims, transposed layouts, specials and extremes", () => {
    let f16 = 0;
    fc.assert(
      fc.property(dotArb, (c) => {
        const j = dotJaxpr(c);
        if (c.dtype[0] === "float16") f16++;
        const inputs = j.invars.map((v, k) => operand(c.dtype[0], v.aval.size, c.seed + k, c.specials));
        checkBits(j, inputs, `dot ${JSON.stringify(c)}`);
      }),
      { numRuns: 150 },
    );
    expect(f16).toBeGreaterThan(40);
  });

  it("empty contractions (K = 0: zeros) and empty results, on every narrow dtype", () => {
    for (const dtype of ["float16", "int8", "uint8"] as const)
      for (const [l, r] of [[[3, 0], [0, 9]], [[0, 4], [4, 9]], [[5, 4], [4, 0]]] as const) {
        const j = primJaxpr("dotGeneral", [new ShapedArray(l, dtype), new ShapedArray(r, dtype)], { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: null });
        const out = checkBits(j, j.invars.map((v, k) => operand(dtype, v.aval.size, k, 0)), `${dtype} ${l} x ${r}`);
        expect(Array.from(out[0]!).every((x) => x === 0)).toBe(true);
      }
  });

  const convArb = (I: fc.Arbitrary<number>) => geometryArb(I, { dtype: fc.constantFrom<DType>("float16", "float16", "int8", "uint8"), specials: fc.constantFrom(0, 0.05) });

  for (const [what, I, runs] of [
    ["few input features (direct kernels)", fc.integer({ min: 1, max: 8 }), 120],
    ["many input features (im2col)", fc.integer({ min: 60, max: 80 }), 30],
  ] as const) {
    it(`convolutions of float16 and int8/uint8 (into themselves), ${what}: geometry, layouts, groups, padding, dilation`, () => {
      let ran = 0;
      const kinds = new Set<string>();
      fc.assert(
        fc.property(convArb(I), (c) => {
          let j;
          try {
            j = convJaxpr({ ...c, og: Math.min(c.og, 10) }, [c.dtype, c.dtype]);
          } catch {
            return; // an empty or negative output size
          }
          if (j.outs[0]!.aval.size * c.I > 60000) return;
          ran++;
          for (const s of leafSteps(lowerJaxpr(j, { splitIndexSets: true, factorSteps: true, directConv: true }).steps)) kinds.add(s.kind);
          // the kernel operand finite: an infinity times a padding zero is NaN in the kernels (as in XLA), skipped by the reference
          const inputs = [operand(c.dtype, j.invars[0]!.aval.size, c.seed, c.specials), operand(c.dtype, j.invars[1]!.aval.size, c.seed + 1, c.specials, true)];
          checkBits(j, inputs, `conv ${JSON.stringify(c)}`);
        }),
        { numRuns: runs },
      );
      expect(ran).toBeGreaterThan(runs / 3);
      expect([...kinds]).toContain(what.includes("direct") ? "directConv" : "matmul");
    });
  }
});

describe("narrow contractions with fused epilogues", () => {
  it("bias + relu after a float16 / int8-result matmul or convolution, and a scaled operand, under jit: the reference's bits", () => {
    fc.assert(
      fc.property(
        fc.record({ dtype: fc.constantFrom<DType>("float16", "int8", "uint8"), conv: fc.boolean(), m: fc.integer({ min: 1, max: 40 }), k: fc.integer({ min: 1, max: 30 }), n: fc.integer({ min: 1, max: 20 }), seed: fc.nat(1 << 20) }),
        (c) => {
          const put = (shape: number[], s: number, finite = false) => {
            const data = operand(c.dtype, shape.reduce((a, b) => a * b, 1), c.seed + s, 0.02, finite);
            return np.array(data instanceof Uint16Array ? Float32Array.from(data, float16Value) : data, { shape, dtype: c.dtype });
          };
          const two = np.array(2, { dtype: c.dtype });
          const core = c.conv
            ? (x: A, w: A) => lax.convGeneralDilated(np.multiply(x, two), w, [1, 1], "SAME", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] })
            : (x: A, w: A) => np.matmul(np.multiply(x, two), w);
          const f = (x: A, w: A, b: A) => np.maximum(np.add(core(x, w), b), np.array(0, { dtype: c.dtype }));
          const args: [A, A, A] = c.conv ? [put([2, c.m % 7 + 3, 5, c.k], 0), put([3, 3, c.k, c.n], 1, true), put([c.n], 2)] : [put([c.m, c.k], 0), put([c.k, c.n], 1), put([c.n], 2)];
          const text = jit(f).lower(...args).compile().asText();
          expect(text).not.toMatch(/: host /);
          const on = (d: "wasm" | "cpu") => args.map((a) => devicePut(a, d)) as [A, A, A];
          const got = jit(f, { device: "wasm" })(...on("wasm"));
          const want = jit(f, { device: "cpu" })(...on("cpu"));
          expectSame(hostBits(got), hostBits(want), c.dtype, JSON.stringify(c));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("narrow contractions on the thread pool", () => {
  it("give the same bits on 1 and 2 threads (float16 matmul and convolutions, an int8-result matmul) as the reference", () => {
    const pool = wasmBackend.runtime.pool;
    const put = (shape: number[], dtype: DType, s: number, finite = false) => {
      const data = operand(dtype, shape.reduce((a, b) => a * b, 1), s, 0.01, finite);
      return devicePut(np.array(data instanceof Uint16Array ? Float32Array.from(data, float16Value) : data, { shape, dtype }), "wasm");
    };
    const cases: [(...xs: A[]) => A, A[]][] = [
      [(a, b) => np.matmul(a, b), [put([2, 96, 72], "float16", 1), put([2, 72, 80], "float16", 2)]],
      [(a, b) => lax.dotGeneral(a, b, [[[1], [1]], [[], []]]), [put([130, 64], "int8", 3), put([70, 64], "int8", 4)]],
      [(x, w) => lax.convGeneralDilated(x, w, [1, 1], "SAME", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }), [put([8, 14, 14, 6], "float16", 5), put([5, 5, 6, 16], "float16", 6, true)]],
      [(x, w) => lax.convGeneralDilated(x, w, [1, 1], "VALID", { dimensionNumbers: ["NCHW", "OIHW", "NCHW"] }), [put([4, 80, 9, 9], "float16", 7), put([24, 80, 3, 3], "float16", 8, true)]],
    ];
    const fns = cases.map(([f]) => jit(f));
    const run = () => cases.map(([, args], i) => fns[i]!(...args));
    const bits = (a: A) => Array.from(hostBits(a));
    for (const [i, [f, args]] of cases.entries()) {
      const text = jit(f).lower(...args).compile().asText();
      expect(text, `case ${i}`).not.toMatch(/: host /);
      if (i === 2) expect(text).toMatch(/: directConv \[/);
      else expect(text).toMatch(/: matmul \[/);
    }
    jaxts.setNumThreads(1);
    const one = run().map(bits);
    jaxts.setNumThreads(2);
    const out = runOnPoolThreads(pool, run);
    out.map(bits).forEach((b, i) => expect(b, `case ${i}: 2 threads`).toEqual(one[i]));
    cases.forEach(([f, args], i) => {
      const want = jit(f, { device: "cpu" })(...args.map((a) => devicePut(a, "cpu")));
      expect(one[i], `case ${i}: reference`).toEqual(bits(want));
    });
  });
});

describe("gradients through narrow contractions", () => {
  it("grad of a float16 matmul and convolution under jit: no host step, the reference's bits", () => {
    const arr = (shape: number[], s: number) => np.array(Float32Array.from(float16Operand(shape.reduce((a, b) => a * b, 1), s, 0, true), (b) => float16Value(b) / 4096), { shape, dtype: "float16" });
    const mlp = (w: A, x: A) => np.sum(np.square(jaxts.nn.relu(np.matmul(x, w))));
    const conv = (w: A, x: A) => np.sum(np.square(lax.convGeneralDilated(x, w, [2, 1], [[1, 2], [0, 1]], { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] })));
    const cases: [(w: A, x: A) => A, A, A][] = [
      [mlp, arr([24, 40], 1), arr([16, 24], 2)],
      [conv, arr([3, 3, 5, 7], 3), arr([2, 9, 8, 5], 4)],
      [conv, arr([3, 3, 70, 6], 5), arr([2, 6, 6, 70], 6)],
    ];
    for (const [i, [f, w, x]] of cases.entries()) {
      const g = jaxts.grad(f, { argnums: [0, 1] });
      const text = jit(g).lower(w, x).compile().asText();
      expect(text, `case ${i}`).not.toMatch(/: host /);
      const got = jit(g, { device: "wasm" })(devicePut(w, "wasm"), devicePut(x, "wasm")) as A[];
      const want = jit(g, { device: "cpu" })(devicePut(w, "cpu"), devicePut(x, "cpu")) as A[];
      got.forEach((a, k) => {
        expect(a.dtype).toBe("float16");
        expectSame(hostBits(a), hostBits(want[k]!), "float16", `case ${i} grad ${k}`);
      });
    }
  });
});
