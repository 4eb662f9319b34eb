/**
 * float16 scatterAdd / scatterMul against real JAX (test/golden/narrow_scatter.json, from
 * gen_narrow_scatter.py): XLA rounds to float16 at every update, in update order, so repeated
 * indices give one rounding per update (a float32 accumulation rounded once differs). The cpu
 * reference and the wasm kernel (the scatter kernel's widened combine) must both give JAX's bits.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { primJaxpr, runJaxprWasm, wasmBackend } from "./helpers.js";

interface GoldenCase {
  op: "scatterAdd" | "scatterMul";
  operand: number[];
  indices: number[];
  updates: number[];
  out: number[];
}

const golden = JSON.parse(readFileSync(new URL("../golden/narrow_scatter.json", import.meta.url), "utf8")) as { cases: GoldenCase[] };
const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] };

const hex = (xs: ArrayLike<number>) => Array.from(xs, (b) => `0x${b.toString(16)}`);

describe("float16 scatterAdd / scatterMul round at every update, as JAX (golden)", () => {
  it.each(golden.cases.map((c, k) => [`#${k} ${c.op} of ${c.updates.length} updates into ${c.operand.length}`, c] as const))("%s", (_, c) => {
    const jaxpr = primJaxpr(c.op, [new ShapedArray([c.operand.length], "float16"), new ShapedArray([c.indices.length, 1], "int32"), new ShapedArray([c.updates.length], "float16")], { dimensionNumbers: dn, mode: "fill" });
    const inputs = [Uint16Array.from(c.operand), Int32Array.from(c.indices), Uint16Array.from(c.updates)];
    expect(hex(evalJaxprRef(jaxpr, [], inputs)[0]!), "reference").toEqual(hex(c.out));
    expect(wasmBackend.lowerText(jaxpr)).not.toMatch(/: host /);
    expect(hex(runJaxprWasm(jaxpr, inputs)[0]!), "wasm").toEqual(hex(c.out));
  });
});
