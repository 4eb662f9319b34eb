/**
 * int8/uint8 arithmetic that wraps and float16 arithmetic in compiled wasm kernels
 * (codegen/kernel/widen.ts, codegen/wasm/float16.ts):
 * - against real JAX (test/golden/narrow.json from gen_narrow.py): every pair of a value set
 *   holding each dtype's extremes, on the cpu reference and on wasm;
 * - differential fast-check against the cpu reference over shapes and values with the extremes
 *   forced (int8 -128/127, uint8 0/255, float16 subnormals, 65504, overflow to infinity, NaN,
 *   -0), fused programs, bit-exact; each program checked to have no host step.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, float16Bits, float16Value } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import type { Primitive } from "../../ir/primitives.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { lax, makeJaxpr, numpy as np } from "../../src/index.js";
import { primJaxpr, runJaxprWasm, wasmBackend } from "./helpers.js";

interface GoldenCase {
  op: string;
  dtype: "int8" | "uint8" | "float16" | "float32";
  to?: DType;
  y?: number;
  a: number[];
  b?: number[];
  out: number[];
}
const golden = JSON.parse(readFileSync(new URL("../golden/narrow.json", import.meta.url), "utf8")) as { cases: GoldenCase[] };

const noHost = (j: Jaxpr) => expect(wasmBackend.lowerText(j)).not.toMatch(/: host /);
const f16NaN = (b: number) => (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;

const typed = (dtype: DType, values: readonly number[]): AnyTypedArray => {
  const out = dtype === "float16" ? new Uint16Array(values.length) : dtype === "int8" ? new Int8Array(values.length) : dtype === "uint8" ? new Uint8Array(values.length) : new Float32Array(values.length);
  out.set(values);
  return out;
};

/** Outputs equal bit for bit (float16 bits, ints; float32 by value with NaN == NaN). */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Object.is(got[i], want[i])) continue;
    expect.fail(`${what}: element ${i}: got ${got[i]}, expected ${want[i]}`);
  }
}

function goldenJaxpr(c: GoldenCase): Jaxpr {
  const a = new ShapedArray([c.a.length], c.dtype);
  const none = {} as never;
  switch (c.op) {
    case "integerPow":
      return primJaxpr("integerPow", [a], { y: c.y! });
    case "round":
      return primJaxpr("round", [a], { roundingMethod: "toNearestEven" });
    case "reduceSum":
    case "reduceProd":
      return primJaxpr(c.op, [a], { axes: [0] });
    case "convertElementType":
      return primJaxpr("convertElementType", [a], { newDtype: c.to!, weakType: false });
    default:
      return primJaxpr(c.op as Primitive, c.b ? [a, a] : [a], none);
  }
}

describe("narrow arithmetic against JAX (golden)", () => {
  it("int8/uint8: wrapping add/sub/mul/neg/abs/square/integerPow, div and rem by zero, shifts of every amount, sums that wrap; float16: IEEE ops and float32 -> float16 rounding", () => {
    expect(golden.cases.length).toBeGreaterThan(50);
    for (const c of golden.cases) {
      const j = goldenJaxpr(c);
      const inputs = [typed(c.dtype, c.a), ...(c.b ? [typed(c.dtype, c.b)] : [])];
      const what = `${c.op}<${c.dtype}>`;
      noHost(j);
      const ref = evalJaxprRef(j, [], inputs)[0]!;
      const wasm = runJaxprWasm(j, inputs)[0]!;
      expectSame(wasm, ref, `${what}: wasm vs reference`);
      const outF16 = j.outs[0]!.aval.dtype === "float16";
      for (let i = 0; i < c.out.length; i++) {
        // JAX keeps a NaN's sign through neg/abs/min...; the reference (and so the kernels) give its one NaN, 0x7e00
        if (outF16 && f16NaN(c.out[i]!)) expect(ref[i], `${what}[${i}] NaN`).toBe(0x7e00);
        else if (ref[i] !== c.out[i]) expect.fail(`${what}: element ${i}: inputs ${c.a[i]}${c.b ? `, ${c.b[i]}` : ""}: reference ${ref[i]}, JAX ${c.out[i]}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// Differential fast-check.

const int8Arb = fc.oneof(fc.integer({ min: -128, max: 127 }), fc.constantFrom(-128, 127, -127, -1, 0, 1));
const uint8Arb = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 255, 128, 127, 1));
/** float16 bits: any pattern (NaNs as the reference's 0x7e00), with subnormals, 65504, infinities, -0 and the values that round to the overflow threshold forced. */
const f16Arb = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((b) => (f16NaN(b) ? 0x7e00 : b)),
  fc.constantFrom(0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00, 0x3c00, 0x5bff),
  fc.integer({ min: 1, max: 0x3ff }).map((b) => b | (Math.random() < 0.5 ? 0x8000 : 0)),
);
const arbOf = (d: "int8" | "uint8" | "float16") => (d === "int8" ? int8Arb : d === "uint8" ? uint8Arb : f16Arb);

/** Runs a program on wasm and the reference and compares every output bit for bit. */
function checkSame(j: Jaxpr, inputs: AnyTypedArray[], what: string) {
  noHost(j);
  const want = evalJaxprRef(j, [], inputs);
  const got = runJaxprWasm(j, inputs);
  want.forEach((w, k) => expectSame(got[k]!, w, `${what} output ${k}`));
}

const jaxprOf = (f: (...xs: np.Array[]) => np.Array | np.Array[], ...avals: [number[], DType][]): Jaxpr => makeJaxpr(f)(...avals.map(([shape, dtype]) => ({ shape, dtype }))).jaxpr;

describe("int8/uint8 arithmetic in fused kernels, bit-exact against the reference", () => {
  it("elementwise chains (wrap at each op), shifts by any amount, div/rem (by zero too), and reductions over either axis", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<"int8" | "uint8">("int8", "uint8"),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 19 }),
        fc.array(int8Arb, { minLength: 133, maxLength: 133 }),
        fc.array(int8Arb, { minLength: 133, maxLength: 133 }),
        (dt, r, c, xs, ys) => {
          const fix = (v: number) => (dt === "uint8" ? v & 255 : v);
          const j = jaxprOf(
            (a, b) => {
              const s = lax.add(lax.mul(a, b), lax.sub(a, lax.neg(b)));
              const sh = lax.shiftRightLogical(a, b);
              const sa = lax.shiftRightArithmetic(s, lax.and(b, lax.convertElementType(np.array(15), dt)));
              const q = lax.div(s, b);
              const m = lax.rem(a, b);
              const p = lax.integerPow(lax.xor(a, b), 3);
              return [s, lax.add(sh, lax.shiftLeft(b, a)), sa, q, m, p, lax.reduceSum(s, [1]), lax.reduceProd(lax.or(a, 1), [0]), lax.reduceMax(q, [0, 1]), lax.reduceMin(m, [1]), lax.argmax(s, 1, "int32")];
            },
            [[r, c], dt],
            [[r, c], dt],
          );
          checkSame(j, [typed(dt, xs.slice(0, r * c).map(fix)), typed(dt, ys.slice(0, r * c).map(fix))], `${dt}[${r},${c}]`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("pooling over int8 (sums that wrap, max with padding) fuses with its wrapping producer", () => {
    fc.assert(
      fc.property(fc.constantFrom<"int8" | "uint8">("int8", "uint8"), fc.integer({ min: 1, max: 29 }), fc.array(int8Arb, { minLength: 29, maxLength: 29 }), (dt, n, xs) => {
        const j = jaxprOf(
          (a) => {
            const y = lax.mul(a, a);
            return [lax.reduceWindow(y, lax.convertElementType(np.array(0), dt), lax.add, [3], [2], [[1, 2]]), lax.reduceWindow(y, lax.convertElementType(np.array(dt === "int8" ? -128 : 0), dt), lax.max, [4], [1], "SAME")];
          },
          [[n], dt],
        );
        checkSame(j, [typed(dt, xs.slice(0, n).map((v) => (dt === "uint8" ? v & 255 : v)))], `${dt}[${n}]`);
      }),
      { numRuns: 30 },
    );
  });
});

describe("cumulative ops on narrow dtypes, bit-exact against the reference", () => {
  it("int8/uint8 cumsum/cumprod wrap at each step, cummax/cummin; float16 all four (in XLA's blocked order, as the reference, NaN, -0); any axis and direction, fused with a producer", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<"int8" | "uint8" | "float16">("int8", "uint8", "float16"),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 0, max: 1 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 138, maxLength: 138 }),
        (dt, r, c, axis, reverse, raw) => {
          const vals = raw.slice(0, r * c).map((v, i) => (dt === "float16" ? (i % 7 === 0 ? [0x7e00, 0x8000, 0x0000, 0x7bff, 0xfc00, 0x0001, 0x8001][(v >> 3) % 7]! : f16NaN(v) ? 0x7e00 : v) : dt === "int8" ? ((v & 255) << 24) >> 24 : v & 255));
          const j = jaxprOf(
            (a) => {
              const y = dt === "float16" ? lax.neg(a) : lax.add(a, a);
              const p = dt === "float16" ? lax.mul(a, 0.125) : a; // float16 products that stay finite for a while
              return [lax.cumsum(y, axis, reverse), lax.cumprod(p, axis, reverse), lax.cummax(y, axis, reverse), lax.cummin(a, axis, reverse)];
            },
            [[r, c], dt],
          );
          checkSame(j, [typed(dt, vals)], `${dt}[${r},${c}] axis ${axis}${reverse ? " reversed" : ""}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("scatters of narrow dtypes, bit-exact against the reference", () => {
  it("int8/uint8 scatterAdd/Mul wrap, float16 scatterAdd/Mul round at every update (as the reference and JAX), min/max, with duplicate and dropped indices", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<"int8" | "uint8" | "float16">("int8", "uint8", "float16"),
        fc.integer({ min: 1, max: 17 }),
        fc.array(fc.integer({ min: -3, max: 20 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 47, maxLength: 47 }),
        (dt, n, at, raw) => {
          const cast = (v: number) => (dt === "float16" ? (f16NaN(v) ? 0x7e00 : v) : dt === "int8" ? ((v & 255) << 24) >> 24 : v & 255);
          const small = (v: number) => (dt === "float16" ? float16Bits(((v % 41) - 20) * 0.37) : cast(v % 13));
          const k = at.length;
          const j = jaxprOf(
            (x, i, u, s) => {
              const ix = np.reshape(i, [k, 1]);
              const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
              return [lax.scatterAdd(x, ix, u, dn), lax.scatterMul(x, ix, s, dn), lax.scatterMax(x, ix, u, dn, { mode: "clip" })];
            },
            [[n], dt],
            [[k], "int32"],
            [[k], dt],
            [[k], dt],
          );
          checkSame(j, [typed(dt, raw.slice(0, n).map(cast)), Int32Array.from(at), typed(dt, raw.slice(17, 17 + k).map(cast)), typed(dt, raw.slice(17, 17 + k).map(small))], `${dt}[${n}] <- ${k}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("sorting narrow dtypes, bit-exact against the reference", () => {
  it("int8/uint8/float16 keys (two keys, and a payload), any axis: the merge sort kernel, stable, float16 in the reference's float order (-0 == 0, NaNs last)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<"int8" | "uint8" | "float16">("int8", "uint8", "float16"),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 200, maxLength: 200 }),
        (dt, r, c, dimension, raw) => {
          const few = [0x0000, 0x8000, 0x7e00, 0xfc00, 0x7c00, 0x3c00, 0xbc00, 0x0001];
          const vals = raw.slice(0, r * c).map((v) => (dt === "float16" ? (v & 1 ? few[(v >> 1) % few.length]! : f16NaN(v) ? 0x7e00 : v) : dt === "int8" ? ((v % 7) << 24) >> 24 || -128 : v % 5 === 0 ? 255 : v % 7));
          const j = jaxprOf((a, i) => [...(lax.sort([a, i], { dimension }) as np.Array[]), ...(lax.sort([a, lax.neg(a), i], { dimension, numKeys: 2 }) as np.Array[])], [[r, c], dt], [[r, c], "int32"]);
          checkSame(j, [typed(dt, vals), Int32Array.from({ length: r * c }, (_, k) => k)], `${dt}[${r},${c}] along ${dimension}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("float16 arithmetic in fused kernels, bit-exact against the reference (one rounding per operation)", () => {
  it("add/sub/mul/div/sqrt/max/min/abs/round/clamp/integerPow chains over subnormals, 65504, overflow to infinity, NaN and -0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 21 }), fc.array(f16Arb, { minLength: 126, maxLength: 126 }), fc.array(f16Arb, { minLength: 126, maxLength: 126 }), (r, c, xs, ys) => {
        const j = jaxprOf(
          (a, b) => {
            const s = lax.add(lax.mul(a, b), a); // the product rounds to float16 before the sum
            const d = lax.div(lax.sub(a, b), lax.sqrt(lax.abs(b)));
            const e = lax.max(lax.min(s, d), lax.neg(a));
            const k = lax.clamp(lax.convertElementType(np.array(-2), "float16"), lax.round(lax.mul(a, 3.3), "toNearestEven"), lax.convertElementType(np.array(1000.5), "float16"));
            return [s, d, e, k, lax.integerPow(a, 3), lax.integerPow(b, -2), np.where(lax.lt(a, b), a, b), lax.convertElementType(s, "float32"), lax.convertElementType(d, "int8")];
          },
          [[r, c], "float16"],
          [[r, c], "float16"],
        );
        checkSame(j, [typed("float16", xs.slice(0, r * c)), typed("float16", ys.slice(0, r * c))], `f16[${r},${c}]`);
      }),
      { numRuns: 40 },
    );
  });

  it("float32, float64 and int32 -> float16 rounds to nearest even (ties, overflow threshold 65520, subnormal ties), as the reference (float64 through float32)", () => {
    const f32s = fc.oneof(
      fc.float({ noNaN: false }),
      fc.integer({ min: 0, max: 0x7fffffff }).map((b) => new Float32Array(new Uint32Array([b]).buffer)[0]!),
      fc.constantFrom(65504, 65519.99, 65520, 65536, 2 ** -25, 3 * 2 ** -25, 2 ** -14 - 2 ** -25, 1 + 2 ** -11, -0, NaN, Infinity),
    );
    fc.assert(
      fc.property(fc.array(f32s, { minLength: 1, maxLength: 41 }), fc.array(fc.integer(), { minLength: 41, maxLength: 41 }), (xs, is) => {
        const n = xs.length;
        const j = jaxprOf(
          (x, d, i) => [lax.convertElementType(x, "float16"), lax.convertElementType(d, "float16"), lax.convertElementType(i, "float16")],
          [[n], "float32"],
          [[n], "float64"],
          [[n], "int32"],
        );
        const f64 = Float64Array.from(xs, (v, k) => v * (1 + k * 2 ** -30));
        checkSame(j, [Float32Array.from(xs), f64, Int32Array.from(is.slice(0, n))], `convert[${n}]`);
      }),
      { numRuns: 60 },
    );
  });

  it("reductions over float16 (sums exact in float64, as the reference's double accumulation), with padding windows", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 33 }), fc.array(f16Arb, { minLength: 165, maxLength: 165 }), (r, c, xs) => {
        const j = jaxprOf(
          (a) => [lax.reduceSum(a, [1]), lax.reduceMax(a, [0]), lax.reduceMin(a, [0, 1]), lax.reduceProd(lax.mul(a, 0.001), [0]), lax.argmin(a, 1, "int32"), lax.reduceWindow(a, lax.convertElementType(np.array(0), "float16"), lax.add, [1, 3], [1, 2], "SAME")],
          [[r, c], "float16"],
        );
        checkSame(j, [typed("float16", xs.slice(0, r * c))], `f16[${r},${c}]`);
      }),
      { numRuns: 30 },
    );
  });

  it("every float16 bit pattern decodes exactly and re-encodes to itself (NaNs to 0x7e00); float32 -> float16 agrees with ir/dtype.ts's float16Bits for every high half of the float32 bits, low halves at the rounding edges", () => {
    const all = Uint16Array.from({ length: 0x10000 }, (_, i) => i);
    const j = jaxprOf((h) => [lax.convertElementType(h, "float32"), lax.neg(lax.neg(h))], [[0x10000], "float16"]);
    noHost(j);
    const [wide, twice] = runJaxprWasm(j, [all]) as [Float32Array, Uint16Array];
    for (let i = 0; i < 0x10000; i++) {
      if (!Object.is(wide[i], float16Value(i)) && !(Number.isNaN(wide[i]) && Number.isNaN(float16Value(i)))) expect.fail(`decode 0x${i.toString(16)}: ${wide[i]} vs ${float16Value(i)}`);
      if (twice[i] !== (f16NaN(i) ? 0x7e00 : i)) expect.fail(`re-encode 0x${i.toString(16)}: 0x${twice[i]!.toString(16)}`);
    }
    // every high half, with low halves at the rounding's edges (ties, one either side) and between
    const lows = [0, 0x0fff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x2fff, 0x3000, 0x3001, 0x0800, 0xabcd, 0xffff];
    const bits = Uint32Array.from({ length: 0x10000 }, (_, i) => ((i << 16) | lows[i % lows.length]!) >>> 0);
    const f32 = new Float32Array(bits.buffer);
    // and through float16 back to float32 in one kernel (the emitter's rounding in f32, no bits in between)
    const k = jaxprOf((x) => [lax.convertElementType(x, "float16"), lax.convertElementType(lax.convertElementType(x, "float16"), "float32")], [[0x10000], "float32"]);
    noHost(k);
    const [got, rounded] = runJaxprWasm(k, [f32]) as [Uint16Array, Float32Array];
    for (let i = 0; i < 0x10000; i++) {
      const want = float16Bits(f32[i]!);
      if (got[i] !== want) expect.fail(`encode ${f32[i]} (0x${bits[i]!.toString(16)}): 0x${got[i]!.toString(16)} vs 0x${want.toString(16)}`);
      if (!Object.is(rounded[i], float16Value(want)) && !(Number.isNaN(rounded[i]) && f16NaN(want))) expect.fail(`round ${f32[i]}: ${rounded[i]} vs ${float16Value(want)}`);
    }
  });
});
