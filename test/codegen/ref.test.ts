/**
 * The reference interpreter, elementwise primitives and whole jaxprs. Expected values are
 * independent JS models, or (where noted) what JAX 0.10.2 returns on CPU.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import { Jaxpr, Literal, Var, eqn } from "../../ir/jaxpr.js";
import { binaryKinds, comparisonKinds, unaryKinds } from "../../ir/primitives.js";
import { evalJaxprRef, evalPrimitiveRef } from "../../codegen/ref/index.js";
import { arr, run, scalar, values } from "./refHelpers.js";

const MIN = -0x80000000;
const MAX = 0x7fffffff;
const f64 = (xs: number[]) => arr(xs, [xs.length], "float64");
const i32 = (xs: number[]) => arr(xs, [xs.length], "int32");
const u32 = (xs: number[]) => arr(xs, [xs.length], "uint32");
const f32 = (xs: number[]) => arr(xs, [xs.length], "float32");
const bool = (xs: number[]) => arr(xs, [xs.length], "bool");

const specials = [0, -0, 1, -1, 0.5, -2.75, 3, 10, 1e-300, -1e300, Infinity, -Infinity, NaN];

describe("unary float primitives agree with JS Math in float64", () => {
  const models: Record<string, (x: number) => number> = {
    neg: (x) => -x,
    abs: Math.abs,
    square: (x) => x * x,
    floor: Math.floor,
    ceil: Math.ceil,
    exp: Math.exp,
    exp2: (x) => 2 ** x,
    log: Math.log,
    expm1: Math.expm1,
    log1p: Math.log1p,
    tanh: Math.tanh,
    logistic: (x) => 1 / (1 + Math.exp(-x)),
    sin: Math.sin,
    cos: Math.cos,
    tan: Math.tan,
    asin: Math.asin,
    acos: Math.acos,
    atan: Math.atan,
    sinh: Math.sinh,
    cosh: Math.cosh,
    asinh: Math.asinh,
    acosh: Math.acosh,
    atanh: Math.atanh,
    sqrt: Math.sqrt,
    rsqrt: (x) => 1 / Math.sqrt(x),
    cbrt: Math.cbrt,
    sign: Math.sign,
    isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
  };
  for (const [name, model] of Object.entries(models)) {
    it(name, () => {
      const out = values(name as keyof typeof unaryKinds, [f64(specials)], {});
      expect(out).toEqual(specials.map(model));
    });
  }

  it("float32 results are the float64 results rounded once", () => {
    const xs = [0.1, 1.7, -3.3, 12.5].map(Math.fround);
    expect(values("exp", [f32(xs)], {})).toEqual(xs.map((x) => Math.fround(Math.exp(x))));
    expect(values("sin", [f32(xs)], {})).toEqual(xs.map((x) => Math.fround(Math.sin(x))));
  });

  it("sign keeps -0 and NaN; on ints it is -1/0/1; on uint32 0 or 1", () => {
    expect(Object.is(values("sign", [f64([-0])], {})[0], -0)).toBe(true);
    expect(values("sign", [i32([-5, 0, 7, MIN])], {})).toEqual([-1, 0, 1, -1]);
    expect(values("sign", [u32([0, 3, 0xffffffff])], {})).toEqual([0, 1, 1]);
  });
});

describe("erf, erfc and erfInv are accurate to float64", () => {
  // Reference values from mpmath at 40 digits, rounded to double.
  const erfTable: [number, number][] = [
    [1e-300, 1.1283791670955126e-300], [1e-10, 1.1283791670955126e-10], [0.1, 0.1124629160182849], [0.3, 0.3286267594591274],
    [0.46875, 0.49261347321793797], [0.5, 0.5204998778130465], [0.9, 0.7969082124228322], [1.0, 0.8427007929497149],
    [1.5, 0.9661051464753108], [2.0, 0.9953222650189527], [3.0, 0.9999779095030014], [3.9, 0.9999999652077514],
    [4.0, 0.9999999845827421], [4.5, 0.9999999998033839], [6.0, 1.0], [26.0, 1.0], [-0.2, -0.22270258921047847],
    [-0.7, -0.6778011938374184], [-2.5, -0.999593047982555], [-5.0, -0.9999999999984626],
  ];
  const erfcTable: [number, number][] = [
    [1e-300, 1.0], [1e-10, 0.999999999887162], [0.1, 0.887537083981715], [0.3, 0.6713732405408726], [0.46875, 0.507386526782062],
    [0.5, 0.4795001221869535], [0.9, 0.20309178757716786], [1.0, 0.15729920705028513], [1.5, 0.033894853524689274],
    [2.0, 0.004677734981047266], [3.0, 2.209049699858544e-5], [3.9, 3.4792248597231765e-8], [4.0, 1.541725790028002e-8],
    [4.5, 1.9661604415428876e-10], [6.0, 2.1519736712498913e-17], [10.0, 2.088487583762545e-45], [26.0, 5.663192408856143e-296],
    [-0.2, 1.2227025892104784], [-0.7, 1.6778011938374184], [-2.5, 1.999593047982555], [-5.0, 1.9999999999984626],
  ];
  const erfInvTable: [number, number][] = [
    [1e-300, 8.86226925452758e-301], [1e-8, 8.86226925452758e-9], [0.1, 0.08885599049425769], [0.5, 0.4769362762044699],
    [0.75, 0.8134198475976185], [0.9, 1.1630871536766743], [0.99, 1.8213863677184494], [0.999999, 3.458910737275499],
    [1 - 2 ** -40, 5.05125408524939], [1 - 2 ** -52, 5.805018683193453], [-0.3, -0.2724627147267543], [-0.999, -2.3267537655135246],
  ];
  const check = (name: "erf" | "erfc" | "erfInv", table: [number, number][], rtol: number) => {
    const out = values(name, [f64(table.map((t) => t[0]))], {});
    table.forEach(([x, want], i) => {
      const got = out[i]!;
      expect(Math.abs(got - want), `${name}(${x}) = ${got}, want ${want}`).toBeLessThanOrEqual(rtol * Math.abs(want));
    });
  };
  it("erf", () => check("erf", erfTable, 2e-16));
  it("erfc", () => check("erfc", erfcTable, 1e-15));
  it("erfInv", () => check("erfInv", erfInvTable, 4e-16));
  it("special points", () => {
    expect(values("erf", [f64([Infinity, -Infinity, NaN, -0])], {})).toEqual([1, -1, NaN, -0]);
    expect(values("erfc", [f64([Infinity, -Infinity, NaN])], {})).toEqual([0, 2, NaN]);
    expect(values("erfInv", [f64([1, -1, 0, -0, 1.5, NaN])], {})).toEqual([Infinity, -Infinity, 0, -0, NaN, NaN]);
  });
  it("erfInv inverts erf (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -0.999999, max: 0.999999, noNaN: true }), (y) => {
        const x = values("erfInv", [f64([y])], {})[0]!;
        const back = values("erf", [f64([x])], {})[0]!;
        expect(Math.abs(back - y)).toBeLessThanOrEqual(4e-16 * Math.max(Math.abs(y), 1e-300) + 1e-300);
      }),
    );
  });
});

describe("binary primitives", () => {
  it("integer div truncates toward zero, x/0 = -1 (all bits), MIN/-1 = MIN; rem has the dividend's sign (JAX on CPU)", () => {
    const a = i32([7, -7, 7, -7, MIN, 5]);
    const b = i32([0, 0, -2, 2, -1, 0]);
    expect(values("div", [a, b], {})).toEqual([-1, -1, -3, -3, MIN, -1]);
    expect(values("rem", [a, b], {})).toEqual([7, -7, 1, -1, 0, 5]);
    expect(values("div", [u32([7, 0, 0xffffffff]), u32([0, 0, 2])], {})).toEqual([0xffffffff, 0xffffffff, 0x7fffffff]);
    expect(values("rem", [u32([7, 0, 0xffffffff]), u32([0, 0, 10])], {})).toEqual([7, 0, 5]);
  });

  it("integer div and rem agree with a BigInt model (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN, max: MAX }), fc.integer({ min: MIN, max: MAX }), (x, y) => {
        fc.pre(y !== 0 && !(x === MIN && y === -1));
        const q = Number(BigInt(x) / BigInt(y)); // BigInt division truncates
        const r = Number(BigInt(x) % BigInt(y));
        expect(values("div", [i32([x]), i32([y])], {})).toEqual([q]);
        expect(values("rem", [i32([x]), i32([y])], {})).toEqual([r === 0 ? 0 : r]);
      }),
    );
  });

  it("float rem is fmod (sign of the dividend), div is IEEE", () => {
    expect(values("rem", [f64([5.5, -5.5, 5.5, -0, 1, Infinity]), f64([2, 2, -2, 3, 0, 2])], {})).toEqual([1.5, -1.5, 1.5, -0, NaN, NaN]);
    expect(values("div", [f64([1, -1, 0]), f64([0, 0, 0])], {})).toEqual([Infinity, -Infinity, NaN]);
  });

  it("int32 add, sub and mul wrap around; uint32 too (BigInt model, property)", () => {
    const wrap32 = (v: bigint) => Number(BigInt.asIntN(32, v));
    const wrapU = (v: bigint) => Number(BigInt.asUintN(32, v));
    fc.assert(
      fc.property(fc.integer({ min: MIN, max: MAX }), fc.integer({ min: MIN, max: MAX }), (x, y) => {
        expect(values("add", [i32([x]), i32([y])], {})).toEqual([wrap32(BigInt(x) + BigInt(y))]);
        expect(values("sub", [i32([x]), i32([y])], {})).toEqual([wrap32(BigInt(x) - BigInt(y))]);
        expect(values("mul", [i32([x]), i32([y])], {})).toEqual([wrap32(BigInt(x) * BigInt(y))]);
        const [ux, uy] = [x >>> 0, y >>> 0];
        expect(values("add", [u32([ux]), u32([uy])], {})).toEqual([wrapU(BigInt(ux) + BigInt(uy))]);
        expect(values("sub", [u32([ux]), u32([uy])], {})).toEqual([wrapU(BigInt(ux) - BigInt(uy))]);
        expect(values("mul", [u32([ux]), u32([uy])], {})).toEqual([wrapU(BigInt(ux) * BigInt(uy))]);
      }),
    );
    expect(values("neg", [i32([MIN, 5])], {})).toEqual([MIN, -5]);
    expect(values("abs", [i32([MIN, -5])], {})).toEqual([MIN, 5]);
    expect(values("neg", [u32([1, 0])], {})).toEqual([0xffffffff, 0]);
    expect(values("square", [i32([65536, -3])], {})).toEqual([0, 9]);
  });

  it("float32 arithmetic rounds each result to float32", () => {
    const xs = [0.1, 1 / 3, 1e20, -7.25].map(Math.fround);
    const ys = [0.2, 3, 1e-20, 1.1].map(Math.fround);
    expect(values("add", [f32(xs), f32(ys)], {})).toEqual(xs.map((x, i) => Math.fround(x + ys[i]!)));
    expect(values("mul", [f32(xs), f32(ys)], {})).toEqual(xs.map((x, i) => Math.fround(x * ys[i]!)));
    expect(values("div", [f32(xs), f32(ys)], {})).toEqual(xs.map((x, i) => Math.fround(x / ys[i]!)));
  });

  it("max and min propagate NaN; max(-0, 0) = 0 and min(-0, 0) = -0 (JAX on CPU)", () => {
    const a = f64([NaN, 1, -0, 0, 3]);
    const b = f64([1, NaN, 0, -0, -3]);
    expect(values("max", [a, b], {})).toEqual([NaN, NaN, 0, 0, 3]);
    expect(values("min", [a, b], {})).toEqual([NaN, NaN, -0, -0, -3]);
    expect(values("max", [u32([0xffffffff, 1]), u32([1, 2])], {})).toEqual([0xffffffff, 2]);
    expect(values("max", [bool([0, 1, 0]), bool([0, 0, 1])], {})).toEqual([0, 1, 1]);
  });

  it("pow is C's pow: pow(1, NaN) = pow(-1, inf) = pow(NaN, 0) = 1 (JAX on CPU)", () => {
    expect(values("pow", [f64([1, -1, NaN, 0, 2, -8]), f64([NaN, Infinity, 0, -1, 0.5, 1 / 3])], {})).toEqual([1, 1, 1, Infinity, Math.SQRT2, NaN]);
  });

  it("atan2", () => {
    expect(values("atan2", [f64([1, -1, 0, -0]), f64([1, -1, -1, -1])], {})).toEqual([Math.PI / 4, (-3 * Math.PI) / 4, Math.PI, -Math.PI]);
  });

  it("nextafter steps one ulp in float32 and float64, with the signs of zero right", () => {
    expect(values("nextafter", [f32([0, 1, -0, 0, 1, NaN]), f32([1, 0, 1, -0, 1, 0])], {})).toEqual([
      2 ** -149,
      Math.fround(1 - 2 ** -24),
      2 ** -149,
      -0,
      1,
      NaN,
    ]);
    expect(values("nextafter", [f64([0, 1, 1, -1, -0]), f64([-1, 2, 0, -2, 0])], {})).toEqual([-(2 ** -1074), 1 + 2 ** -52, 1 - 2 ** -53, -1 - 2 ** -52, 0]);
    expect(values("nextafter", [f32([3.4028234663852886e38]), f32([Infinity])], {})).toEqual([Infinity]);
  });

  it("bitwise and/or/xor/not on bool, int32 and uint32", () => {
    expect(values("and", [bool([0, 0, 1, 1]), bool([0, 1, 0, 1])], {})).toEqual([0, 0, 0, 1]);
    expect(values("or", [bool([0, 0, 1, 1]), bool([0, 1, 0, 1])], {})).toEqual([0, 1, 1, 1]);
    expect(values("xor", [bool([0, 0, 1, 1]), bool([0, 1, 0, 1])], {})).toEqual([0, 1, 1, 0]);
    expect(values("not", [bool([0, 1])], {})).toEqual([1, 0]);
    expect(values("not", [i32([0, -1, 5])], {})).toEqual([-1, 0, -6]);
    expect(values("not", [u32([0, 0xffffffff])], {})).toEqual([0xffffffff, 0]);
    expect(values("and", [u32([0xffff0000]), u32([0xf0f0f0f0])], {})).toEqual([0xf0f00000]);
    expect(values("xor", [i32([-1]), i32([5])], {})).toEqual([-6]);
  });

  it("shifts follow XLA: amounts >= 32 or negative give 0, or the sign for arithmetic right shifts (JAX on CPU)", () => {
    expect(values("shiftLeft", [i32([1, 1, 1, -8, 3]), i32([31, 32, -1, 33, 2])], {})).toEqual([MIN, 0, 0, 0, 12]);
    expect(values("shiftRightArithmetic", [i32([-8, 8, -8, -8]), i32([33, 40, -1, 1])], {})).toEqual([-1, 0, -1, -4]);
    expect(values("shiftRightLogical", [i32([-8, 8, -1]), i32([33, 1, 28])], {})).toEqual([0, 4, 15]);
    expect(values("shiftLeft", [u32([0x80000001]), u32([1])], {})).toEqual([2]);
    expect(values("shiftRightArithmetic", [u32([0x80000000, 0x80000000]), u32([4, 32])], {})).toEqual([0xf8000000, 0xffffffff]);
    expect(values("shiftRightLogical", [u32([0x80000000, 5]), u32([31, 0xffffffff])], {})).toEqual([1, 0]);
  });

  it("comparisons: NaN is unordered, uint32 compares unsigned, bool and -0 == 0", () => {
    const a = f64([NaN, 1, -0, 2]);
    const b = f64([NaN, NaN, 0, 1]);
    expect(values("eq", [a, b], {})).toEqual([0, 0, 1, 0]);
    expect(values("ne", [a, b], {})).toEqual([1, 1, 0, 1]);
    expect(values("lt", [a, b], {})).toEqual([0, 0, 0, 0]);
    expect(values("ge", [a, b], {})).toEqual([0, 0, 1, 1]);
    expect(values("gt", [u32([0xffffffff]), u32([1])], {})).toEqual([1]);
    expect(values("lt", [i32([-1]), i32([1])], {})).toEqual([1]);
    expect(values("le", [bool([0, 1, 1]), bool([1, 0, 1])], {})).toEqual([1, 0, 1]);
  });

  it("every binary and comparison primitive broadcasts a rank-0 operand on either side (property)", () => {
    const kinds = { ...binaryKinds, ...comparisonKinds };
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(kinds) as (keyof typeof kinds)[])),
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 0, maxLength: 6 }),
        fc.integer({ min: -20, max: 20 }),
        (prim, xs, s) => {
          const kind = kinds[prim];
          const dtype: DType = kind === "float" || kind === "numeric" || kind === "any" ? "float64" : "int32";
          const scalarArr = scalar(s, dtype);
          const vec = arr(xs, [xs.length], dtype);
          const left = values(prim, [scalarArr, vec], {});
          const right = values(prim, [vec, scalarArr], {});
          expect(left).toEqual(xs.map((x) => values(prim, [scalar(s, dtype), scalar(x, dtype)], {})[0]));
          expect(right).toEqual(xs.map((x) => values(prim, [scalar(x, dtype), scalar(s, dtype)], {})[0]));
        },
      ),
    );
  });
});

describe("other elementwise primitives", () => {
  it("round: half away from zero, or half to even, keeping -0 (JAX on CPU)", () => {
    const xs = f64([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, -0.3, 2 ** 52 + 1, Infinity, NaN]);
    expect(values("round", [xs], { roundingMethod: "awayFromZero" })).toEqual([1, 2, 3, -1, -3, 0, -0, 2 ** 52 + 1, Infinity, NaN]);
    expect(values("round", [xs], { roundingMethod: "toNearestEven" })).toEqual([0, 2, 2, -0, -2, 0, -0, 2 ** 52 + 1, Infinity, NaN]);
  });

  it("integerPow squares repeatedly in the operand dtype (ints wrap; JAX on CPU)", () => {
    expect(values("integerPow", [i32([3, -7, 12345])], { y: 21 })).toEqual([1870418611, -192061479, -198341351]);
    expect(values("integerPow", [f32([3.3, -0.5].map(Math.fround))], { y: -5 })).toEqual([0.0025552320294082165, -32]);
    expect(values("integerPow", [f64([2, NaN, 0])], { y: 0 })).toEqual([1, 1, 1]);
    expect(values("integerPow", [f64([2, -3, 1.5])], { y: 3 })).toEqual([8, -27, 3.375]);
    expect(values("integerPow", [u32([0xffffffff])], { y: 3 })).toEqual([0xffffffff]);
  });

  it("selectN picks by a bool or int32 predicate, broadcasting scalars", () => {
    expect(values("selectN", [bool([0, 1, 1]), f64([1, 2, 3]), f64([10, 20, 30])], {})).toEqual([1, 20, 30]);
    expect(values("selectN", [i32([2, 0, 1]), i32([1, 2, 3]), i32([10, 20, 30]), i32([100, 200, 300])], {})).toEqual([100, 2, 30]);
    expect(values("selectN", [scalar(1, "bool"), f64([1, 2]), f64([10, 20])], {})).toEqual([10, 20]);
    expect(values("selectN", [bool([1, 0]), scalar(5), f64([10, 20])], {})).toEqual([10, 5]);
  });

  it("clamp(lo, x, hi) = min(max(x, lo), hi), NaN propagating (JAX on CPU)", () => {
    expect(values("clamp", [scalar(0), f64([-1, 0.5, 2, NaN]), scalar(1)], {})).toEqual([0, 0.5, 1, NaN]);
    expect(values("clamp", [scalar(2), f64([NaN, 1, 5]), scalar(1)], {})).toEqual([NaN, 1, 1]);
    expect(values("clamp", [i32([0, 5]), i32([-3, 3]), i32([2, 9])], {})).toEqual([0, 5]);
  });

  it("convertElementType truncates, saturates and maps NaN to 0 (JAX on CPU)", () => {
    const xs = f32([1e10, -1e10, NaN, Infinity, -Infinity, -0.7, 2.9, 4294967296, 3e9]);
    expect(values("convertElementType", [xs], { newDtype: "int32", weakType: false })).toEqual([MAX, MIN, 0, MAX, MIN, 0, 2, MAX, MAX]);
    expect(values("convertElementType", [xs], { newDtype: "uint32", weakType: false })).toEqual([
      0xffffffff, 0, 0, 0xffffffff, 0, 0, 2, 0xffffffff, 3000000000,
    ]);
    expect(values("convertElementType", [f64([NaN, 0, -0, 0.1])], { newDtype: "bool", weakType: false })).toEqual([1, 0, 0, 1]);
    expect(values("convertElementType", [i32([-1, MAX, MIN])], { newDtype: "uint32", weakType: false })).toEqual([0xffffffff, MAX, 2 ** 31]);
    expect(values("convertElementType", [u32([0xffffffff, 2 ** 31])], { newDtype: "int32", weakType: false })).toEqual([-1, MIN]);
    expect(values("convertElementType", [i32([0, 7, -2])], { newDtype: "bool", weakType: false })).toEqual([0, 1, 1]);
    expect(values("convertElementType", [f64([0.1, 1e300])], { newDtype: "float32", weakType: false })).toEqual([Math.fround(0.1), Infinity]);
    expect(values("convertElementType", [bool([1, 0])], { newDtype: "float32", weakType: false })).toEqual([1, 0]);
    expect(values("convertElementType", [i32([16777217])], { newDtype: "float32", weakType: false })).toEqual([16777216]);
  });

  it("bitcastConvertType reinterprets the bytes", () => {
    expect(values("bitcastConvertType", [f32([1, -2, 0])], { newDtype: "int32" })).toEqual([0x3f800000, -0x40000000, 0]);
    expect(values("bitcastConvertType", [i32([-1])], { newDtype: "uint32" })).toEqual([0xffffffff]);
    expect(values("bitcastConvertType", [u32([0x7fc00000])], { newDtype: "float32" })).toEqual([NaN]);
  });

  it("copy and stopGradient return fresh buffers with the same contents", () => {
    const x = new Float64Array([1, 2, 3]);
    const aval = new ShapedArray([3], "float64");
    for (const prim of ["copy", "stopGradient"] as const) {
      const [y] = evalPrimitiveRef(prim, [x], [aval], {}, [aval]);
      expect(Array.from(y!)).toEqual([1, 2, 3]);
      expect(y).not.toBe(x);
      expect(y!.buffer).not.toBe(x.buffer);
    }
  });
});

describe("evalJaxprRef", () => {
  const f32s = (shape: number[]) => new ShapedArray(shape, "float32");

  it("runs a hand-built jaxpr with literals, shared inputs and a nested jit", () => {
    // { lambda ; a:f32[3] b:f32[3]. let c = sin a; d = mul c b; e = add d 2.0; f = jit{ x*x }(e) in (f, a) }
    const a = new Var(f32s([3]));
    const b = new Var(f32s([3]));
    const c = new Var(f32s([3]));
    const d = new Var(f32s([3]));
    const e = new Var(f32s([3]));
    const f = new Var(f32s([3]));
    const x = new Var(f32s([3]));
    const y = new Var(f32s([3]));
    const inner = new Jaxpr([], [x], [eqn("mul", [x, x], {}, [y])], [y]);
    const jaxpr = new Jaxpr(
      [],
      [a, b],
      [
        eqn("sin", [a], {}, [c]),
        eqn("mul", [c, b], {}, [d]),
        eqn("add", [d, new Literal(2, new ShapedArray([], "float32", true))], {}, [e]),
        eqn("jit", [e], { jaxpr: inner, name: "square" }, [f]),
      ],
      [f, a],
    );
    const av = new Float32Array([0, 1, 2]);
    const bv = new Float32Array([3, 4, 5]);
    const [out, aOut] = evalJaxprRef(jaxpr, [], [av, bv]);
    const model = [0, 1, 2].map((i) => {
      const dv = Math.fround(Math.fround(Math.sin(av[i]!)) * bv[i]!);
      const ev = Math.fround(dv + 2);
      return Math.fround(ev * ev);
    });
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out!)).toEqual(model);
    expect(Array.from(aOut!)).toEqual([0, 1, 2]);
    expect(aOut).not.toBe(av); // outputs are fresh
  });

  it("passes consts, and returns the same output twice as two buffers", () => {
    const k = new Var(new ShapedArray([2], "int32"));
    const a = new Var(new ShapedArray([2], "int32"));
    const s = new Var(new ShapedArray([2], "int32"));
    const jaxpr = new Jaxpr([k], [a], [eqn("sub", [a, k], {}, [s])], [s, s, new Literal(7, new ShapedArray([], "int32"))]);
    const [o1, o2, lit] = evalJaxprRef(jaxpr, [new Int32Array([1, 2])], [new Int32Array([10, 20])]);
    expect(Array.from(o1!)).toEqual([9, 18]);
    expect(o2).not.toBe(o1);
    expect(lit).toBeInstanceOf(Int32Array);
    expect(Array.from(lit!)).toEqual([7]);
  });

  it("evaluates a jit primitive through evalPrimitiveRef", () => {
    const x = new Var(new ShapedArray([2], "float64"));
    const y = new Var(new ShapedArray([], "float64"));
    const inner = new Jaxpr([], [x], [eqn("reduceSum", [x], { axes: [0] }, [y])], [y]);
    expect(run("jit", [f64([1.5, 2.5])], { jaxpr: inner, name: "sum" }).data).toEqual([4]);
  });
});
