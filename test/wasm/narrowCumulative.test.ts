/**
 * float16 cumulative ops (cumsum, cumprod, cummax, cummin) against real JAX
 * (test/golden/narrow_cumulative.json, from gen_narrow_cumulative.py): XLA's blocked order
 * (rows of 16, each folded from init in increasing index order also when reversed, the rows'
 * totals scanned the same way one level up), float16 rounded at every combination. The cpu
 * reference (codegen/ref/blockedScan.ts) and the wasm kernels (codegen/kernel/blockedScan.ts)
 * must both give JAX's bits; then the kernels against the reference over shapes and values.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { float16Bits, roundToFloat16 } from "../../ir/dtype.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { blockedScan } from "../../codegen/ref/blockedScan.js";
import { jit, lax, makeJaxpr, numpy as np } from "../../src/index.js";
import { primJaxpr, runJaxprWasm, wasmBackend } from "./helpers.js";

type Op = "cumsum" | "cumprod" | "cummax" | "cummin";
interface GoldenCase {
  op: Op;
  shape: number[];
  axis: number;
  reverse: boolean;
  x: number[];
  out: number[];
}

const golden = JSON.parse(readFileSync(new URL("../golden/narrow_cumulative.json", import.meta.url), "utf8")) as { cases: GoldenCase[] };

const isNaN16 = (b: number) => (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
/** float16 bits as hex, any NaN as "nan" (JAX's NaN is 0xfe00, ours 0x7e00). */
const hex = (xs: ArrayLike<number>) => Array.from(xs, (b) => (isNaN16(b) ? "nan" : `0x${b.toString(16)}`));

describe("float16 cumulative ops in XLA's blocked order, as JAX (golden)", () => {
  it.each(golden.cases.map((c, k) => [`#${k} ${c.op}${c.reverse ? " reversed" : ""} [${c.shape}] axis ${c.axis}`, c] as const))("%s", (_, c) => {
    const jaxpr = primJaxpr(c.op, [new ShapedArray(c.shape, "float16")], { axis: c.axis, reverse: c.reverse });
    const inputs = [Uint16Array.from(c.x)];
    expect(hex(evalJaxprRef(jaxpr, [], inputs)[0]!), "reference").toEqual(hex(c.out));
    expect(wasmBackend.lowerText(jaxpr)).not.toMatch(/: host /);
    expect(hex(runJaxprWasm(jaxpr, inputs)[0]!), "wasm").toEqual(hex(c.out));
  });

  it("the witnesses: one rounding per addition (not a float32 scan rounded once), rows of 16 (not a sequential float16 scan)", () => {
    const find = (x0: number, n: number) => golden.cases.find((g) => g.op === "cumsum" && !g.reverse && g.x.length === n && g.x[0] === x0)!;
    // 1 + 2^-11 + 2^-11: 1 at each float16 step (1.000977 rounded once)
    expect(hex(find(0x3c00, 3).out)).toEqual(hex([0x3c00, 0x3c00, 0x3c00]));
    // 2048 then 17 ones: the second row's two ones sum to 2 before they meet 2048 (2050, where a
    // sequential float16 scan stays at 2048); the model gives the same
    expect(find(0x6800, 18).out.at(-1)).toBe(float16Bits(2050));
    const add16 = (a: number, b: number) => roundToFloat16(a + b);
    expect(blockedScan(add16, 0, [2048, ...Array<number>(17).fill(1)], false).at(-1)).toBe(2050);
  });
});

describe("float16 cumulative kernels == the reference, bit for bit", () => {
  const specials = [0x7e00, 0x8000, 0x0000, 0x7bff, 0xfbff, 0xfc00, 0x7c00, 0x0001, 0x8001, 0x3c00, 0xbc00];
  it("any op, axis and direction; lengths over 1..600 (one, two and three levels of rows), values spread over magnitudes, specials; no host step", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Op>("cumsum", "cumprod", "cummax", "cummin"),
        fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 240, max: 600 })),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.boolean(),
        (op, n, other, where, reverse, seed, withSpecials) => {
          // the scanned axis at position `where` of a rank-1..3 shape
          const shape = where === 0 ? [n, other] : where === 1 ? [other, n] : [n];
          const axis = where === 1 ? 1 : 0;
          const size = shape.reduce((a, b) => a * b, 1);
          let s = seed;
          const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32);
          const x = new Uint16Array(size);
          for (let i = 0; i < size; i++) {
            const u = next();
            // sums: magnitudes 2^-12..2^8 with random signs (the order of additions shows);
            // products: near +-1 (they stay finite for hundreds of steps); max/min: ties and +-0
            const v =
              op === "cumsum" ? (u - 0.5) * 2 ** Math.floor(next() * 21 - 12) : op === "cumprod" ? (next() < 0.5 ? -1 : 1) * (1 + (u - 0.5) * 0.05) : Math.floor(u * 7 - 3) * (next() < 0.2 ? 0 : 0.5);
            x[i] = withSpecials && next() < 0.02 ? specials[Math.floor(next() * specials.length)]! : float16Bits(v);
          }
          const jaxpr = makeJaxpr((a: np.Array) => lax[op](a, axis, reverse))({ shape, dtype: "float16" }).jaxpr;
          expect(wasmBackend.lowerText(jaxpr)).not.toMatch(/: host /);
          expect(hex(runJaxprWasm(jaxpr, [x])[0]!), `${op} [${shape}] axis ${axis}${reverse ? " reversed" : ""}`).toEqual(hex(evalJaxprRef(jaxpr, [], [x])[0]!));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("jit(...).lower().compile().asText() has no host step; jit on wasm gives the cpu device's bits", () => {
    const x = np.array(Float32Array.from({ length: 3 * 300 }, (_, i) => ((i * 7919) % 211) / 32 - 3), { shape: [3, 300], dtype: "float16" });
    for (const op of ["cumsum", "cumprod", "cummax", "cummin"] as const)
      for (const reverse of [false, true]) {
        const f = (a: np.Array) => lax[op](a, 1, reverse);
        expect(jit(f).lower(x).compile().asText(), `${op} ${reverse}`).not.toMatch(/: host /);
        const bits = (a: np.Array) => hex(Uint16Array.from(a.dataSync() as Float32Array, float16Bits));
        expect(bits(jit(f, { device: "wasm" })(x)), `${op} ${reverse}`).toEqual(bits(jit(f, { device: "cpu" })(x)));
      }
  });

  it("fused with a producer and a consumer under jit, and a 4097-long axis (three levels)", () => {
    const x = new Uint16Array(2 * 4097);
    for (let i = 0; i < x.length; i++) x[i] = float16Bits(((i * 7919) % 201) / 64 - 1.5);
    for (const reverse of [false, true]) {
      const jaxpr = makeJaxpr((a: np.Array) => lax.mul(lax.cumsum(lax.neg(a), 1, reverse), 0.5))({ shape: [2, 4097], dtype: "float16" }).jaxpr;
      expect(wasmBackend.lowerText(jaxpr)).not.toMatch(/: host /);
      expect(hex(runJaxprWasm(jaxpr, [x])[0]!)).toEqual(hex(evalJaxprRef(jaxpr, [], [x])[0]!));
    }
  });
});
