/**
 * vmap of every elementwise primitive (unary, binary, comparison, selectN, clamp, conversions,
 * threefry2x32), with rank-0 operands that broadcast, against the slice-and-stack loop.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { bind1 } from "../../src/core/interpreter.js";
import { lax } from "../../src/index.js";
import { type Kind, type Spec, shapeArb, vmapProperty } from "./helpers.js";

const UNARY: [string, (x: any) => any, Kind][] = [
  ["neg", lax.neg, "f"],
  ["neg int", lax.neg, "i32"],
  ["sign", lax.sign, "f"],
  ["abs", lax.abs, "i32"],
  ["square", lax.square, "f"],
  ["floor", lax.floor, "f"],
  ["ceil", lax.ceil, "f"],
  ["isFinite", lax.isFinite, "f"],
  ["exp", lax.exp, "f"],
  ["exp2", lax.exp2, "f"],
  ["log", lax.log, "pos"],
  ["expm1", lax.expm1, "f"],
  ["log1p", lax.log1p, "pos"],
  ["tanh", lax.tanh, "f"],
  ["logistic", lax.logistic, "f"],
  ["sin", lax.sin, "f"],
  ["cos", lax.cos, "f"],
  ["tan", lax.tan, "unit"],
  ["asin", lax.asin, "unit"],
  ["acos", lax.acos, "unit"],
  ["atan", lax.atan, "f"],
  ["sinh", lax.sinh, "f"],
  ["cosh", lax.cosh, "f"],
  ["asinh", lax.asinh, "f"],
  ["acosh", lax.acosh, "ge1"],
  ["atanh", lax.atanh, "unit"],
  ["sqrt", lax.sqrt, "pos"],
  ["rsqrt", lax.rsqrt, "pos"],
  ["cbrt", lax.cbrt, "f"],
  ["erf", lax.erf, "f"],
  ["erfc", lax.erfc, "f"],
  ["erfInv", lax.erfInv, "unit"],
  ["not bool", lax.not, "bool"],
  ["not int", lax.not, "i32"],
  ["round away", (x) => lax.round(x, 0), "f"],
  ["round even", (x) => lax.round(x, 1), "f"],
  ["integerPow 3", (x) => lax.integerPow(x, 3), "f"],
  ["integerPow -2", (x) => lax.integerPow(x, -2), "pos"],
  ["convert f64->i32", (x) => lax.convertElementType(x, "int32"), "f"],
  ["convert i32->f32", (x) => lax.convertElementType(x, "float32"), "i32"],
  ["convert bool->f64", (x) => lax.convertElementType(x, "float64"), "bool"],
  ["bitcast u32->i32", (x) => lax.bitcastConvertType(x, "int32"), "u32"],
  ["stopGradient", lax.stopGradient, "f"],
  ["f32 exp", lax.exp, "f32"],
  // `copy` has no lax wrapper; bind it directly
  ["copy", (x) => bind1("copy", [x], {}), "f"],
];

const BINARY: [string, (x: any, y: any) => any, Kind, Kind][] = [
  ["add", lax.add, "f", "f"],
  ["add int", lax.add, "i32", "i32"],
  ["sub", lax.sub, "f", "f"],
  ["mul", lax.mul, "f", "f"],
  ["div", lax.div, "f", "pos"],
  ["div int", lax.div, "i32", { idx: [1, 5] }],
  ["rem", lax.rem, "f", "pos"],
  ["pow", lax.pow, "pos", "f"],
  ["max", lax.max, "f", "f"],
  ["min", lax.min, "i32", "i32"],
  ["atan2", lax.atan2, "f", "f"],
  ["nextafter", lax.nextafter, "f", "f"],
  ["and", lax.and, "bool", "bool"],
  ["or", lax.or, "i32", "i32"],
  ["xor", lax.xor, "bool", "bool"],
  ["shiftLeft", lax.shiftLeft, "i32", { idx: [0, 31] }],
  ["shiftRightLogical", lax.shiftRightLogical, "i32", { idx: [0, 31] }],
  ["shiftRightArithmetic", lax.shiftRightArithmetic, "i32", { idx: [0, 31] }],
  ["eq", lax.eq, { idx: [0, 2] }, { idx: [0, 2] }],
  ["ne", lax.ne, "bool", "bool"],
  ["lt", lax.lt, "f", "f"],
  ["le", lax.le, "i32", "i32"],
  ["gt", lax.gt, "f", "f"],
  ["ge", lax.ge, "f", "f"],
];

/** Per-example shapes of an n-ary elementwise op: each operand is the full shape or rank 0. */
const operandShapes = (k: number, mustFull: readonly number[] = []) =>
  fc.tuple(shapeArb(0, 3), fc.array(fc.boolean(), { minLength: k, maxLength: k })).map(([full, scal]) =>
    scal.map((s, i) => (s && !mustFull.includes(i) ? [] : full)),
  );

/** select_n's shapes: predicate and cases each rank 0 or the full shape (a full predicate may pick between scalars). */
const selectShapes = (k: number) => operandShapes(k);

describe("vmap of unary elementwise primitives", () => {
  it.each(UNARY)("%s", (name, f, kind) => {
    vmapProperty(
      shapeArb(0, 3).map((shape): Spec => ({ name, f, args: [{ shape, kind }] })),
      3,
    );
  });
});

describe("vmap of binary elementwise primitives, rank-0 operands included", () => {
  it.each(BINARY)("%s", (name, f, k1, k2) => {
    vmapProperty(
      operandShapes(2).map(([s1, s2]): Spec => ({ name, f, args: [{ shape: s1!, kind: k1 }, { shape: s2!, kind: k2 }] })),
      5,
    );
  });

  it("with a JS scalar operand on either side", () => {
    vmapProperty(
      shapeArb(0, 3).map((shape): Spec => ({ name: "x*2.5 - 1", f: (x) => lax.sub(lax.mul(x, 2.5), 1), args: [{ shape, kind: "f" }] })),
      4,
    );
    vmapProperty(
      shapeArb(0, 3).map((shape): Spec => ({ name: "3 - x", f: (x) => lax.sub(3, x), args: [{ shape, kind: "i32" }] })),
      4,
    );
  });
});

describe("vmap of selectN, clamp and threefry2x32", () => {
  it("selectN with a bool predicate (scalar or full) and two cases", () => {
    vmapProperty(
      selectShapes(3).map(([p, a, b]): Spec => ({
        name: "selectN bool",
        f: (w, x, y) => lax.selectN(w, x, y),
        args: [{ shape: p!, kind: "bool" }, { shape: a!, kind: "f" }, { shape: b!, kind: "f" }],
      })),
      10,
    );
  });

  it("selectN with an int32 predicate and three cases", () => {
    vmapProperty(
      selectShapes(4).map(([p, a, b, c]): Spec => ({
        name: "selectN int",
        f: (w, x, y, z) => lax.selectN(w, x, y, z),
        args: [{ shape: p!, kind: { idx: [0, 2] } }, { shape: a!, kind: "i32" }, { shape: b!, kind: "i32" }, { shape: c!, kind: "i32" }],
      })),
      8,
    );
  });

  it("lax.select", () => {
    vmapProperty(
      selectShapes(3).map(([p, a, b]): Spec => ({
        name: "select",
        f: (w, x, y) => lax.select(w, x, y),
        args: [{ shape: p!, kind: "bool" }, { shape: a!, kind: "f" }, { shape: b!, kind: "f" }],
      })),
      4,
    );
  });

  it("clamp with scalar or full bounds, any of them batched", () => {
    vmapProperty(
      operandShapes(3, [1]).map(([lo, x, hi]): Spec => ({
        name: "clamp",
        f: (l, v, h) => lax.clamp(l, v, h),
        args: [{ shape: lo!, kind: "f" }, { shape: x!, kind: "f" }, { shape: hi!, kind: "f" }],
      })),
      12,
    );
  });

  it("clamp of a rank-0 operand with batched rank-0 bounds", () => {
    vmapProperty(
      fc.constant<Spec>({
        name: "clamp scalars",
        f: (l, v, h) => lax.clamp(l, v, h),
        args: [{ shape: [], kind: "f" }, { shape: [], kind: "f" }, { shape: [], kind: "f" }],
      }),
      12,
    );
  });

  it("threefry2x32 with scalar key words and count arrays, keys or counts batched", () => {
    vmapProperty(
      operandShapes(4, [2, 3]).map(([k1, k2, x1, x2]): Spec => ({
        name: "threefry2x32",
        f: (a, b, c, d) => lax.threefry2x32(a, b, c, d),
        args: [{ shape: k1!, kind: "u32" }, { shape: k2!, kind: "u32" }, { shape: x1!, kind: "u32" }, { shape: x2!, kind: "u32" }],
      })),
      8,
    );
  });
});
