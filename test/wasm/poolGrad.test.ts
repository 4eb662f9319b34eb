/**
 * The max/min-pooling gradient (selectAndScatterAdd) and its JVP (selectAndGatherAdd) on float16
 * and float32 against real JAX (test/golden/pool_grad.json, from gen_pool_grad.py): operands with
 * many ties and infinities, overlapping windows, so one element collects several windows' source
 * values. JAX rounds a float16 sum once per addition, in window order, and folds its select (ge /
 * le) over each window in order, so a NaN is selected only where it ends the window; the cpu
 * reference and the wasm kernels must give the same bits.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, float16Bits } from "../../ir/dtype.js";
import type { Params } from "../../ir/primitives.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { maxRoutedTerms } from "../../codegen/kernel/lowerWindows.js";
import { primJaxpr, rng, runJaxprWasm, wasmBackend } from "./helpers.js";
import { narrowData } from "./narrowProbe.js";

interface GoldenCase {
  prim: "selectAndScatterAdd" | "selectAndGatherAdd";
  dtype: "float16" | "float32";
  select: "max" | "min";
  shape: number[];
  window: number[];
  strides: number[];
  padding: [number, number][];
  window_dilation?: number[];
  nan: boolean;
  first: number[];
  operand: number[];
  out: number[];
}

const golden = JSON.parse(readFileSync(new URL("../golden/pool_grad.json", import.meta.url), "utf8")) as { cases: GoldenCase[] };

/** The bit patterns as the dtype's buffer (float16 buffers hold bits; float32 ones are reinterpreted). */
function fromBits(dtype: DType, bits: readonly number[]): AnyTypedArray {
  if (dtype === "float16") return Uint16Array.from(bits);
  return new Float32Array(Uint32Array.from(bits).buffer);
}
const toBits = (dtype: DType, a: AnyTypedArray): number[] => Array.from(dtype === "float16" ? (a as Uint16Array) : new Uint32Array((a as Float32Array).slice().buffer));

export function goldenJaxpr(c: GoldenCase) {
  const rank = c.shape.length;
  const params = {
    windowDimensions: c.window,
    windowStrides: c.strides,
    padding: c.padding.map(([lo, hi]) => [lo, hi] as const),
    baseDilation: Array(rank).fill(1),
    windowDilation: c.window_dilation ?? Array(rank).fill(1),
    select: c.select,
  };
  const x = new ShapedArray(c.shape, c.dtype);
  const windows = c.shape.map((n, d) => Math.floor((n + c.padding[d]![0] + c.padding[d]![1] - ((c.window[d]! - 1) * params.windowDilation[d]! + 1)) / c.strides[d]!) + 1);
  const first = new ShapedArray(c.prim === "selectAndScatterAdd" ? windows : c.shape, c.dtype);
  return primJaxpr(c.prim, [first, x], params);
}

const describeCase = (c: GoldenCase, k: number) => `#${k} ${c.prim}<${c.dtype}> ${c.select} [${c.shape}] window [${c.window}] strides [${c.strides}]${c.nan ? " NaN" : ""}`;

function expectBits(got: number[], want: number[], what: string): void {
  const bad = want.flatMap((w, i) => (got[i] === w ? [] : [`[${i}] got 0x${got[i]!.toString(16)} want 0x${w.toString(16)}`]));
  expect(bad, what).toEqual([]);
}

describe("pooling gradients against JAX (golden)", () => {
  const cases = golden.cases.map((c, k) => [describeCase(c, k), c] as const);
  it.each(cases)("%s: the reference", (_, c) => {
    const out = evalJaxprRef(goldenJaxpr(c), [], [fromBits(c.dtype, c.first), fromBits(c.dtype, c.operand)])[0]!;
    expectBits(toBits(c.dtype, out), c.out, "reference");
  });
  it.each(cases)("%s: wasm, no host step", (_, c) => {
    const jaxpr = goldenJaxpr(c);
    expect(wasmBackend.lowerText(jaxpr)).not.toMatch(/: host /);
    const out = runJaxprWasm(jaxpr, [fromBits(c.dtype, c.first), fromBits(c.dtype, c.operand)])[0]!;
    expectBits(toBits(c.dtype, out), c.out, "wasm");
  });
});

/** Rank 1-3, windows 1-4 wide, strides 1-3, padding 0-2 (some windows all padding), dilations 1-2. */
const geometry = fc.integer({ min: 1, max: 3 }).chain((rank) =>
  fc
    .array(fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })), { minLength: rank, maxLength: rank })
    .map((dims) => ({
      shape: dims.map(([n]) => n),
      p: {
        windowDimensions: dims.map(([, w]) => w),
        windowStrides: dims.map(([, , s]) => s),
        padding: dims.map(([, , , lo, hi]) => [lo, hi] as const),
        baseDilation: dims.map(([, , , , , bd]) => bd),
        windowDilation: dims.map(([, , , , , , wd]) => wd),
      },
    })),
);

/** Operand values with many ties: small integers, +-0, +-inf, NaN, as float16 bits or float32 values. */
function tied(dtype: "float16" | "float32", n: number, seed: number): AnyTypedArray {
  const r = rng(seed);
  const vals = Array.from({ length: n }, () => (r() < 0.2 ? [Infinity, -Infinity, -0, 0, NaN][Math.floor(r() * 5)]! : Math.floor(r() * 5) - 2));
  return dtype === "float16" ? Uint16Array.from(vals, float16Bits) : Float32Array.from(vals);
}

/** Cotangents: float16 extremes (subnormals, 65504, inf, NaN, -0) and float32 values far apart in magnitude. */
function values(dtype: "float16" | "float32", n: number, seed: number): AnyTypedArray {
  if (dtype === "float16") return narrowData("float16", n, seed);
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() - 0.5) * 2 ** Math.floor(r() * 40 - 20));
}

describe("pooling gradients on wasm == the reference, bit for bit", () => {
  it.each(["float16", "float32"] as const)("%s: ties, +-0, infinities, NaN, overlapping windows, any geometry; no host step", (dtype) => {
    fc.assert(
      fc.property(geometry, fc.nat(10000), fc.constantFrom("max", "min") as fc.Arbitrary<"max" | "min">, (g, seed, select) => {
        const p: Params<"selectAndScatterAdd"> = { ...g.p, select };
        const x = new ShapedArray(g.shape, dtype);
        const windows = primJaxpr("reduceWindowMax", [x], g.p).outs[0]!.aval;
        const xData = tied(dtype, x.size, seed);
        for (const [prim, first] of [["selectAndScatterAdd", windows], ["selectAndGatherAdd", x]] as const) {
          const jaxpr = primJaxpr(prim, [first.strongly(), x], p);
          const what = `${prim}<${dtype}> [${g.shape}] ${JSON.stringify(p)}`;
          expect(wasmBackend.lowerText(jaxpr), what).not.toMatch(/: host /);
          const inputs = [values(dtype, first.size, seed + 1), xData];
          const want = toBits(dtype, evalJaxprRef(jaxpr, [], inputs)[0]!);
          expectBits(toBits(dtype, runJaxprWasm(jaxpr, inputs)[0]!), want, what);
        }
      }),
      { numRuns: 80 },
    );
  });

  it(`float16 routing sums over more than ${maxRoutedTerms} window positions route window by window (no host step, the reference's bits); float32 ones sum in a loop`, () => {
    const p: Params<"selectAndScatterAdd"> = { windowDimensions: [24, 24], windowStrides: [1, 1], padding: [[0, 0], [0, 0]], baseDilation: [1, 1], windowDilation: [1, 1], select: "max" };
    for (const dtype of ["float16", "float32"] as const) {
      const x = new ShapedArray([26, 26], dtype);
      const jaxpr = primJaxpr("selectAndScatterAdd", [new ShapedArray([3, 3], dtype), x], p);
      const text = wasmBackend.lowerText(jaxpr);
      expect(text, dtype).not.toMatch(/: host /);
      if (dtype === "float16") expect(text).toMatch(/_route: map/);
      const inputs = [values(dtype, 9, 5), tied(dtype, x.size, 6)];
      const want = evalJaxprRef(jaxpr, [], inputs)[0]!;
      const got = runJaxprWasm(jaxpr, inputs)[0]!;
      if (dtype === "float16") expectBits(toBits(dtype, got), toBits(dtype, want), dtype);
      else Array.from(want).forEach((w, i) => expect(got[i]!, `[${i}]`).toBeCloseTo(w, 4));
    }
  });

  it(`float16 routings over more than ${maxRoutedTerms} window positions: any geometry (padding, strides, base and window dilation), ties, NaN, every cotangent extreme; the reference's bits`, () => {
    let ran = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
        fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 2, maxLength: 2 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
        fc.nat(10000),
        fc.constantFrom("max", "min") as fc.Arbitrary<"max" | "min">,
        (rank, stride, dil, pad, seed, select) => {
          // windows of 23 (x 23) positions: 529 (or 23 * 23 * ... ) routed terms per element
          const win = rank === 1 ? [600] : [23, 23];
          const shape = rank === 1 ? [600 + 7 * stride[0]!] : [23 + 4 * stride[0]!, 23 * dil[1]! + 3 * stride[1]!];
          const p: Params<"selectAndScatterAdd"> = {
            windowDimensions: win,
            windowStrides: shape.map((_, d) => stride[d]!),
            padding: shape.map((_, d) => [pad[2 * d]!, pad[2 * d + 1]!] as [number, number]),
            baseDilation: shape.map((_, d) => (d === 0 ? dil[0]! : 1)),
            windowDilation: shape.map((_, d) => (d === 1 ? dil[1]! : 1)),
            select,
          };
          const x = new ShapedArray(shape, "float16");
          let windows;
          try {
            windows = primJaxpr("reduceWindowMax", [x], p).outs[0]!.aval;
          } catch {
            return; // no window fits
          }
          if (windows.size === 0) return;
          ran++;
          const jaxpr = primJaxpr("selectAndScatterAdd", [windows.strongly(), x], p);
          const what = `[${shape}] ${JSON.stringify(p)}`;
          const text = wasmBackend.lowerText(jaxpr);
          expect(text, what).not.toMatch(/: host /);
          expect(text, what).toMatch(/_route: map/);
          const inputs = [values("float16", windows.size, seed + 1), tied("float16", x.size, seed)];
          expectBits(toBits("float16", runJaxprWasm(jaxpr, inputs)[0]!), toBits("float16", evalJaxprRef(jaxpr, [], inputs)[0]!), what);
        },
      ),
      { numRuns: 30 },
    );
    expect(ran).toBeGreaterThan(10);
  });
});

describe("pooling gradient with a NaN (hand-checked against JAX 0.10.2)", () => {
  it.each(["float16", "float32"] as const)("%s: windows of 3 over [1, 2, NaN, 1, 1] padded by 1 route [1, 2, 4, 8, 16] to [0, 1, 2, 28, 0]", (dtype) => {
    // [-inf,1,2] -> 2; [1,2,NaN] -> NaN (it ends the window); [2,NaN,1], [NaN,1,1], [1,1,-inf] -> the 1 after the NaN
    const p: Params<"selectAndScatterAdd"> = { windowDimensions: [3], windowStrides: [1], padding: [[1, 1]], baseDilation: [1], windowDilation: [1], select: "max" };
    const jaxpr = primJaxpr("selectAndScatterAdd", [new ShapedArray([5], dtype), new ShapedArray([5], dtype)], p);
    const buf = (xs: number[]) => (dtype === "float16" ? Uint16Array.from(xs, float16Bits) : Float32Array.from(xs));
    const inputs = [buf([1, 2, 4, 8, 16]), buf([1, 2, NaN, 1, 1])];
    const want = toBits(dtype, buf([0, 1, 2, 28, 0]));
    expectBits(toBits(dtype, evalJaxprRef(jaxpr, [], inputs)[0]!), want, "reference");
    expectBits(toBits(dtype, runJaxprWasm(jaxpr, inputs)[0]!), want, "wasm");
  });
});
