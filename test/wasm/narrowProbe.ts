/**
 * The probe of issue 11 item 2 for the narrow dtypes: one jitted program per primitive x dtype
 * (int8, uint8, float16), each a single equation, lowered on wasm; `hostStepOf` says whether
 * its text has a host step. The test (narrowHostSteps.test.ts) asserts the table below.
 */
import { ShapedArray } from "../../ir/aval.js";
import { expect } from "vitest";
import { type AnyTypedArray, type DType, float16Bits, float16Value } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { type Params, type Primitive, binaryKinds, comparisonKinds, dtypeHasKind, unaryKinds } from "../../ir/primitives.js";
import { primJaxpr, rng } from "./helpers.js";

export const narrowDtypes = ["int8", "uint8", "float16"] as const;
export type NarrowDType = (typeof narrowDtypes)[number];

/**
 * Primitives that still run as host steps on a narrow dtype, and why (the report repeats this):
 * - float16 bitcasts: the reference itself refuses them (codegen/ref/index.ts).
 * Contractions (dotGeneral, convGeneralDilated) are native on every narrow dtype: float16 ones
 * decode into float32 panels, int8/uint8 ones into int8/uint8 wrap int32 sums
 * (codegen/kernel/contractionAcc.ts, test/wasm/narrowContraction.test.ts).
 */
export const expectedHost: Partial<Record<Primitive, string>> = {
  bitcastConvertType: "the reference refuses float16 bitcasts",
};

/** Whether a probe of `prim` on `dtype` is expected to keep a host step (see expectedHost): both are float16-only. */
export function expectHost(prim: Primitive, dtype: NarrowDType): boolean {
  return dtype === "float16" && prim in expectedHost;
}

/** Operators of the kernel IR that are exact on float16 (no transcendental approximation; contractions and pooling gradients sum in the reference's order): bit-exact against the reference. */
export const exactFloatOps = new Set<Primitive>(["selectAndScatterAdd", "selectAndGatherAdd", "neg", "sign", "abs", "square", "floor", "ceil", "isFinite", "sqrt", "add", "sub", "mul", "div", "rem", "max", "min", "round", "integerPow", "clamp", "dotGeneral", "convGeneralDilated"]);

export interface Probe {
  name: string;
  prim: Primitive;
  dtype: NarrowDType;
  jaxpr: Jaxpr;
  inputs: AnyTypedArray[];
}

/** Values of a narrow dtype with its extremes forced: int8 -128/127, uint8 0/255, float16 subnormals, 65504, infinities, NaN, -0. */
export function narrowData(dtype: DType, n: number, seed: number, opts: { nanFree?: boolean; small?: boolean } = {}): AnyTypedArray {
  const r = rng(seed);
  if (dtype === "int8" || dtype === "uint8") {
    const ends = dtype === "int8" ? [-128, 127, -127, -1, 0, 1, 7, 8] : [0, 255, 128, 127, 1, 7, 8];
    const out = dtype === "int8" ? new Int8Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = r() < 0.4 ? ends[Math.floor(r() * ends.length)]! : Math.floor(r() * 256) - (dtype === "int8" ? 128 : 0);
    if (opts.small) for (let i = 0; i < n; i++) out[i] = out[i]! % 9;
    return out;
  }
  if (dtype === "float16") {
    const specials = [0x0000, 0x8000, 0x0001, 0x83ff, 0x0400, 0x3c00, 0xbc00, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x3555, 0x0200, 0x5bf8];
    if (!opts.nanFree) specials.push(0x7e00);
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      if (r() < 0.3) out[i] = specials[Math.floor(r() * specials.length)]!;
      else if (opts.small) out[i] = float16Bits((r() - 0.5) * 8);
      else {
        let b = Math.floor(r() * 0x10000);
        if ((b & 0x7c00) === 0x7c00 && (opts.nanFree || (b & 0x3ff) !== 0)) b = opts.nanFree ? b & 0xbfff : 0x7e00; // NaNs: the reference's one
        out[i] = b;
      }
    }
    return out;
  }
  throw new Error(`narrowData: ${dtype}`);
}

const window1d = { windowDimensions: [3], windowStrides: [2], padding: [[1, 1]] as const, baseDilation: [1], windowDilation: [1] };

/** One probe per primitive the dtype takes. */
export function narrowProbes(dtype: NarrowDType, n = 23, seed = 1): Probe[] {
  const a = new ShapedArray([n], dtype);
  const m = new ShapedArray([3, 5], dtype);
  const out: Probe[] = [];
  const data = (k: number, opts = {}) => narrowData(dtype, n, seed + k, opts);
  const add = <P extends Primitive>(prim: P, ins: (ShapedArray | { literal: number; dtype: DType })[], params: Params<P>, inputs: AnyTypedArray[], name: string = prim) =>
    out.push({ name: `${name}<${dtype}>`, prim, dtype, jaxpr: primJaxpr(prim, ins, params), inputs });
  const none = {} as never;
  for (const p of Object.keys(unaryKinds) as (keyof typeof unaryKinds)[]) if (dtypeHasKind(dtype, unaryKinds[p])) add(p, [a], none, [data(0)]);
  for (const p of Object.keys(binaryKinds) as (keyof typeof binaryKinds)[]) if (dtypeHasKind(dtype, binaryKinds[p])) add(p, [a, a], none, [data(0), data(1)]);
  for (const p of Object.keys(comparisonKinds) as (keyof typeof comparisonKinds)[]) add(p, [a, a], none, [data(0), data(1)]);
  if (dtype === "float16") add("round", [a], { roundingMethod: "toNearestEven" }, [data(0)]);
  add("integerPow", [a], { y: 3 }, [data(0)]);
  if (dtype === "float16") add("integerPow", [a], { y: -2 }, [data(0)], "integerPow-2");
  add("clamp", [{ literal: dtype === "uint8" ? 3 : -3, dtype }, a, { literal: 100, dtype }], none, [data(0)]);
  add("selectN", [new ShapedArray([n], "bool"), a, a], none, [narrowBools(n, seed), data(0, { nanFree: true }), data(1, { nanFree: true })]);
  for (const to of ["float32", "float64", "int32", "uint32", "bool", "int8", "uint8", "float16"] as DType[])
    if (to !== dtype) add("convertElementType", [a], { newDtype: to, weakType: false }, [data(0)], `convertElementType->${to}`);
  for (const from of ["float32", "int32"] as DType[]) {
    const src = new ShapedArray([n], from);
    const vals = from === "float32" ? Float32Array.from({ length: n }, (_, i) => [65519.99, 65520, 1e-8, -2.5, 300.7, -129, NaN][i % 7]! * (1 + i / 64)) : Int32Array.from({ length: n }, (_, i) => (i * 7919 - 90000) | 0);
    out.push({ name: `convertElementType<${from}->${dtype}>`, prim: "convertElementType", dtype, jaxpr: primJaxpr("convertElementType", [src], { newDtype: dtype, weakType: false }), inputs: [vals] });
  }
  type Red = "reduceSum" | "reduceProd" | "reduceMax" | "reduceMin" | "reduceAnd" | "reduceOr";
  const reds: Red[] = ["reduceSum", "reduceProd", "reduceMax", "reduceMin", ...(dtype === "float16" ? [] : (["reduceAnd", "reduceOr"] as const))];
  for (const p of reds) {
    add(p, [m], { axes: [1] }, [narrowData(dtype, 15, seed + 3, { small: p === "reduceProd" })], `${p}[1]`);
    add(p, [m], { axes: [0, 1] }, [narrowData(dtype, 15, seed + 4, { small: p === "reduceProd" })], `${p}[0,1]`);
  }
  add("reduceMax", [new ShapedArray([3, 0], dtype)], { axes: [1] }, [narrowData(dtype, 0, seed)], "reduceMax-empty");
  add("reduceMin", [new ShapedArray([3, 0], dtype)], { axes: [1] }, [narrowData(dtype, 0, seed)], "reduceMin-empty");
  add("argmax", [m], { axes: [1], indexDtype: "int32" }, [narrowData(dtype, 15, seed + 5)]);
  add("argmin", [m], { axes: [0], indexDtype: "int32" }, [narrowData(dtype, 15, seed + 6)]);
  for (const p of ["reduceWindowSum", "reduceWindowMax", "reduceWindowMin"] as const) add(p, [a], window1d, [data(0, { small: true })]);
  if (dtype === "float16") {
    // pooling's gradient and its JVP (float operands only): overlapping windows, so an element sums several windows' values
    const windows = Math.floor((n - 1) / 2) + 1;
    add("selectAndScatterAdd", [new ShapedArray([windows], dtype), a], { ...window1d, select: "max" }, [narrowData(dtype, windows, seed + 7), data(0, { nanFree: true })]);
    add("selectAndGatherAdd", [a, a], { ...window1d, select: "min" }, [data(1, { nanFree: true }), data(0, { nanFree: true })]);
    // windows of more than 512 positions: routed window by window
    const wide = { windowDimensions: [520], windowStrides: [1], padding: [[2, 1]] as const, baseDilation: [1], windowDilation: [1] };
    add("selectAndScatterAdd", [new ShapedArray([14], dtype), new ShapedArray([530], dtype)], { ...wide, select: "max" }, [narrowData(dtype, 14, seed + 12), narrowData(dtype, 530, seed + 13, { nanFree: true, small: true })], "selectAndScatterAdd-wide");
  }
  for (const p of ["cumsum", "cumprod", "cummax", "cummin"] as const) {
    add(p, [a], { axis: 0, reverse: false }, [data(0, { small: true })]);
    add(p, [a], { axis: 0, reverse: true }, [data(1, { small: true })], `${p}-reversed`); // n > 16: float16 in XLA's rows of 16
  }
  add("transpose", [m], { permutation: [1, 0] }, [narrowData(dtype, 15, seed + 8, { nanFree: true })]);
  add("pad", [a, { literal: 7, dtype }], { paddingConfig: [[2, 1, 1]] }, [data(0, { nanFree: true })]);
  add("concatenate", [a, a], { dimension: 0 }, [data(0, { nanFree: true }), data(1, { nanFree: true })]);
  add("rev", [a], { dimensions: [0] }, [data(0, { nanFree: true })]);
  add("broadcastInDim", [a], { shape: [2, n], broadcastDimensions: [1] }, [data(0, { nanFree: true })]);
  add("dynamicSlice", [a, new ShapedArray([], "int32")], { sliceSizes: [4] }, [data(0, { nanFree: true }), Int32Array.of(5)]);
  const scatterDn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] };
  const at = Int32Array.from({ length: 9 }, (_, i) => [3, 0, 3, n - 1, 7, 3, 0, n + 4, -1][i]!); // duplicates, and out of range (dropped)
  for (const p of ["scatter", "scatterAdd", "scatterMul", "scatterMin", "scatterMax"] as const)
    add(p, [a, new ShapedArray([9, 1], "int32"), new ShapedArray([9], dtype)], { dimensionNumbers: scatterDn, mode: "fill" }, [data(0, { nanFree: p === "scatter", small: p === "scatterMul" }), at, narrowData(dtype, 9, seed + 11, { nanFree: p === "scatter", small: p === "scatterMul" })]);
  add("sort", [a], { dimension: 0, isStable: true, numKeys: 1 }, [data(0)]);
  add("sort", [m, new ShapedArray([3, 5], "int32")], { dimension: 1, isStable: true, numKeys: 1 }, [narrowData(dtype, 15, seed + 9, { small: true }), Int32Array.from({ length: 15 }, (_, i) => i)], "sort-with-payload");
  add("dotGeneral", [m, new ShapedArray([5, 2], dtype)], { dimensionNumbers: [[[1], [0]], [[], []]], preferredElementType: null }, [narrowData(dtype, 15, seed, { small: true }), narrowData(dtype, 10, seed + 1, { small: true })]);
  const big = [new ShapedArray([2, 9, 40], dtype), new ShapedArray([2, 33, 40], dtype)] as const; // matmul-sized (packed panels), batched, rhs transposed
  add("dotGeneral", [...big], { dimensionNumbers: [[[2], [2]], [[0], [0]]], preferredElementType: null }, [narrowData(dtype, 720, seed + 2, { small: true }), narrowData(dtype, 2640, seed + 3, { small: true })], "dotGeneral-batched");
  const convParams = { windowStrides: [1, 2], padding: [[1, 1], [0, 1]] as [number, number][], lhsDilation: [1, 1], rhsDilation: [1, 1], featureGroupCount: 1, batchGroupCount: 1, preferredElementType: null };
  add("convGeneralDilated", [new ShapedArray([2, 3, 6, 7], dtype), new ShapedArray([4, 3, 3, 2], dtype)], { ...convParams, dimensionNumbers: { lhsSpec: [0, 1, 2, 3], rhsSpec: [0, 1, 2, 3], outSpec: [0, 1, 2, 3] } }, [narrowData(dtype, 252, seed + 4, { small: true }), finiteKernel(narrowData(dtype, 72, seed + 5, { small: true, nanFree: true }))]);
  const batchGroups = { ...convParams, batchGroupCount: 2, dimensionNumbers: { lhsSpec: [0, 1, 2, 3], rhsSpec: [0, 1, 2, 3], outSpec: [0, 1, 2, 3] } };
  add("convGeneralDilated", [new ShapedArray([4, 3, 6, 7], dtype), new ShapedArray([4, 3, 3, 2], dtype)], batchGroups, [narrowData(dtype, 504, seed + 6, { small: true }), finiteKernel(narrowData(dtype, 72, seed + 7, { small: true, nanFree: true }))], "convGeneralDilated-batchGroups");
  if (dtype === "float16") {
    // into float64 (small values: float64 sums exact in any order)
    const intoF64 = { ...convParams, preferredElementType: "float64" as const, dimensionNumbers: { lhsSpec: [0, 1, 2, 3], rhsSpec: [0, 1, 2, 3], outSpec: [0, 1, 2, 3] } };
    add("convGeneralDilated", [new ShapedArray([2, 3, 6, 7], dtype), new ShapedArray([4, 3, 3, 2], dtype)], intoF64, [narrowData(dtype, 252, seed + 8, { small: true }), finiteKernel(narrowData(dtype, 72, seed + 9, { small: true, nanFree: true }))], "convGeneralDilated->float64");
  }
  add("bitcastConvertType", [a], { newDtype: dtype === "float16" ? "float16" : dtype === "int8" ? "uint8" : "int8" }, [data(0)]);
  return out;
}

/** A convolution kernel without infinities (65504 instead): an infinity times a padding zero is NaN in the kernels, as in XLA, but the reference skips padding taps. */
function finiteKernel(x: AnyTypedArray): AnyTypedArray {
  if (!(x instanceof Uint16Array)) return x;
  return x.map((b) => ((b & 0x7fff) === 0x7c00 ? b - 1 : b));
}

function narrowBools(n: number, seed: number): Uint8Array {
  const r = rng(seed + 99);
  return Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
}

/** float16 bits a and b are equal, or (when `ulps`) both finite numbers at most one float16 ulp apart. */
export function expectFloat16(got: Uint16Array, want: Uint16Array, ulps: boolean, what: string): void {
  expect(got.length, what).toBe(want.length);
  const ordered = (b: number) => (b & 0x8000 ? -(b & 0x7fff) : b);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (g === w) continue;
    const finite = Number.isFinite(float16Value(g)) && Number.isFinite(float16Value(w));
    if (ulps && finite && Math.abs(ordered(g) - ordered(w)) <= 1) continue;
    expect.fail(`${what}: element ${i}: got 0x${g.toString(16)} (${float16Value(g)}), expected 0x${w.toString(16)} (${float16Value(w)})`);
  }
}
