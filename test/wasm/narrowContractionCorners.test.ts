/**
 * The last narrow contractions that were host steps, now native on wasm (golden values from JAX
 * for both are in narrowContraction.test.ts: narrow_contraction_f64.json, narrow_contraction.json):
 * - float16 convolutions into float64 (preferredElementType): a sum-reduction kernel over exact
 *   float64 products of the decoded operands, as float16 dots into float64 (narrow.ts
 *   isFloat16IntoFloat64);
 * - int8/uint8 convolutions with batch groups (into int32, or into int8/uint8 wrapping): the
 *   paired matmul, the batch groups as the batch of its im2col product (contraction.ts).
 * Here: the kernels against the cpu reference, bit for bit, over geometry, layouts and values
 * (fast-check), no host step in the lowered program nor in jit(...).lower().compile().asText().
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AnyTypedArray, type DType, float16Bits, float16Value } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { jit, lax, numpy as np } from "../../src/index.js";
import { type ConvGeometry, convJaxpr, geometryArb } from "./convGeometry.js";
import { aval, primJaxpr, rng, runJaxprWasm, wasmBackend } from "./helpers.js";
import { narrowData } from "./narrowProbe.js";

const hostStep = (j: Jaxpr) => /: host /.test(wasmBackend.lowerText(j));

/** Runs `j` on the reference and on wasm (no host step) and asserts the same numbers (Object.is: -0 and NaN too). */
function checkSame(j: Jaxpr, inputs: AnyTypedArray[], what: string): void {
  expect(hostStep(j), `${what}: host step\n${wasmBackend.lowerText(j)}`).toBe(false);
  const want = evalJaxprRef(j, [], inputs)[0]!;
  const got = runJaxprWasm(j, inputs)[0]!;
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect.fail(`${what}: element ${i}: got ${got[i]}, expected ${want[i]}`);
}

/**
 * float16 values whose float64 products and sums are exact in any order (multiples of 2^-4 up to
 * 60, and 65504 = 2047 * 2^5: every partial sum is a multiple of 2^-8 below 2^40), so the test
 * checks the indexing, not an order the reference and XLA need not share; at rate `specials`
 * infinities, NaN and -0 (`finite`: -0 only).
 */
function exactFloat16(n: number, seed: number, specials: number, finite: boolean): Uint16Array {
  const r = rng(seed);
  const sp = finite ? [0x8000] : [0x7c00, 0xfc00, 0x7e00, 0x8000];
  return Uint16Array.from({ length: n }, () => {
    const u = r();
    if (u < specials) return sp[Math.floor(r() * sp.length)]!;
    if (u < specials + 0.05) return float16Bits(r() < 0.5 ? 65504 : -65504);
    return float16Bits(Math.round((r() - 0.5) * 120) / 16);
  });
}

describe("float16 convolutions into float64, native (reference's bits)", () => {
  it("geometry, layouts, feature groups, padding, dilation; infinities, NaN, -0 and 65504 in the input", () => {
    let ran = 0;
    fc.assert(
      fc.property(geometryArb(fc.integer({ min: 1, max: 12 }), { specials: fc.constantFrom(0, 0.05) }), (c) => {
        let j;
        try {
          j = convJaxpr({ ...c, og: Math.min(c.og, 8) }, ["float16", "float16"], "float64");
        } catch {
          return; // an empty or negative output size
        }
        if (j.outs[0]!.aval.size * c.I > 40000) return;
        ran++;
        expect(j.outs[0]!.aval.dtype).toBe("float64");
        // the kernel operand finite: an infinity times a padding zero is NaN in the kernels (as in XLA), skipped by the reference
        const inputs = [exactFloat16(j.invars[0]!.aval.size, c.seed, c.specials, false), exactFloat16(j.invars[1]!.aval.size, c.seed + 1, c.specials, true)];
        checkSame(j, inputs, `conv ${JSON.stringify(c)}`);
      }),
      { numRuns: 80 },
    );
    expect(ran).toBeGreaterThan(25);
  });

  it("under jit, with batch groups and lhs dilation: no host step in asText", () => {
    const x = np.array(Float32Array.from(exactFloat16(4 * 3 * 9, 1, 0, true), float16Value), { shape: [4, 3, 9], dtype: "float16" });
    const w = np.array(Float32Array.from(exactFloat16(4 * 3 * 3, 2, 0, true), float16Value), { shape: [4, 3, 3], dtype: "float16" });
    const fs = [
      (a: np.Array, b: np.Array) => lax.convGeneralDilated(a, b, [1], [[1, 1]], { preferredElementType: "float64" }),
      (a: np.Array, b: np.Array) => lax.convGeneralDilated(a, b, [1], [[2, 2]], { lhsDilation: [2], batchGroupCount: 2, preferredElementType: "float64" }),
    ];
    for (const f of fs) {
      expect(jit(f).lower(x, w).compile().asText()).not.toMatch(/: host /);
      const got = jit(f, { device: "wasm" })(x, w);
      expect(got.dtype).toBe("float64");
      expect(Array.from(got.dataSync())).toEqual(Array.from(jit(f, { device: "cpu" })(x, w).dataSync()));
    }
  });
});

/** A convolution with `B` batch groups: batch nb * B, out features og * B (feature groups 1, as JAX requires). */
function batchGroupJaxpr(c: ConvGeometry, B: number, dtype: DType, out: DType | null): Jaxpr {
  const j = convJaxpr({ ...c, groups: 1, og: c.og * B, nb: c.nb * B }, [dtype, dtype], out);
  const e = j.eqns[0]!;
  const p = { ...(e.params as Params<"convGeneralDilated">), batchGroupCount: B };
  return primJaxpr("convGeneralDilated", e.inputs.map((a) => aval(a.aval.shape, dtype)), p);
}

describe("int8/uint8 convolutions with batch groups, native (reference's bits)", () => {
  it("into int32 and into int8/uint8 (wrapping); geometry, layouts, padding, dilation; extremes", () => {
    let ran = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(
        geometryArb(fc.integer({ min: 1, max: 20 }), { dtype: fc.constantFrom<DType>("int8", "uint8"), into32: fc.boolean(), B: fc.integer({ min: 2, max: 4 }) }),
        (c) => {
          let j;
          try {
            j = batchGroupJaxpr({ ...c, og: Math.min(c.og, 6) }, c.B, c.dtype, c.into32 ? "int32" : null);
          } catch {
            return;
          }
          if (j.outs[0]!.aval.size * c.I > 40000) return;
          ran++;
          for (const s of leafSteps(lowerJaxpr(j, { splitIndexSets: true, factorSteps: true, directConv: true }).steps)) kinds.add(s.kind);
          expect(j.outs[0]!.aval.dtype).toBe(c.into32 ? "int32" : c.dtype);
          checkSame(j, j.invars.map((v, k) => narrowData(c.dtype, v.aval.size, c.seed + k)), `conv ${JSON.stringify(c)}`);
        },
      ),
      { numRuns: 80 },
    );
    expect(ran).toBeGreaterThan(25);
    expect([...kinds]).toContain("matmul");
  });

  it("the weight gradient of an int8 grouped convolution's shape, under jit: no host step in asText", () => {
    const x = np.array(narrowData("int8", 6 * 2 * 7, 3) as Int8Array, { shape: [6, 2, 7], dtype: "int8" });
    const w = np.array(narrowData("int8", 6 * 2 * 3, 4) as Int8Array, { shape: [6, 2, 3], dtype: "int8" });
    for (const preferredElementType of [null, "int32"] as const) {
      const f = (a: np.Array, b: np.Array) => lax.convGeneralDilated(a, b, [1], [[1, 1]], { rhsDilation: [2], batchGroupCount: 3, preferredElementType });
      expect(jit(f).lower(x, w).compile().asText()).not.toMatch(/: host /);
      expect(Array.from(jit(f, { device: "wasm" })(x, w).dataSync())).toEqual(Array.from(jit(f, { device: "cpu" })(x, w).dataSync()));
    }
  });
});
