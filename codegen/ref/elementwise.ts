/**
 * Elementwise primitives: unary, binary and comparison families, and the other
 * per-element ones (round, integerPow, selectN, clamp, conversions, copies).
 *
 * Values are read from the TypedArrays as JS numbers (uint32 as unsigned), computed in
 * double, and stored through the output TypedArray, which rounds float32 and wraps ints.
 * Where a double result would not wrap correctly (int32 products, shifts, division) the
 * function does the integer arithmetic itself.
 */
import type { ShapedArray } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import type { BinaryPrimitive, ComparisonPrimitive, UnaryPrimitive } from "../../ir/primitives.js";
import { erf, erfc, erfInv, nextafter, powC, roundAwayFromZero, roundToNearestEven } from "./special.js";
import { type RefBuffer, type RefImpl, alloc, at, convertScalar, opsFor } from "./util.js";

/** Applies `f` elementwise; rank-0 operands broadcast against the others. */
export function mapElementwise(
  inputs: readonly RefBuffer[],
  inAvals: readonly ShapedArray[],
  outAval: ShapedArray,
  f: (args: readonly number[]) => number,
): RefBuffer {
  const out = alloc(outAval);
  const steps = inAvals.map((a) => (a.ndim === 0 ? 0 : 1));
  const args = new Array<number>(inputs.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = at(inputs, k)[i * steps[k]!]!;
    out[i] = f(args);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Unary.

type Unary = (x: number) => number;

const floatOnly = (f: Unary) => (): Unary => f;

export const unaryScalar: { [P in UnaryPrimitive]: (dtype: DType) => Unary } = {
  neg: (d) => (d === "uint32" ? (x) => -x >>> 0 : (x) => -x), // int32: -MIN wraps to MIN in the store
  sign: (d) => (d === "uint32" ? (x) => (x === 0 ? 0 : 1) : Math.sign), // Math.sign keeps NaN and -0
  abs: () => Math.abs, // int32: |MIN| = 2^31 wraps back to MIN in the store, as in XLA
  square: (d) => (d === "int32" || d === "uint32" ? (x) => Math.imul(x, x) : (x) => x * x),
  floor: floatOnly(Math.floor),
  ceil: floatOnly(Math.ceil),
  isFinite: floatOnly((x) => (Number.isFinite(x) ? 1 : 0)),
  exp: floatOnly(Math.exp),
  exp2: floatOnly((x) => Math.pow(2, x)),
  log: floatOnly(Math.log),
  expm1: floatOnly(Math.expm1),
  log1p: floatOnly(Math.log1p),
  tanh: floatOnly(Math.tanh),
  logistic: floatOnly((x) => 1 / (1 + Math.exp(-x))),
  sin: floatOnly(Math.sin),
  cos: floatOnly(Math.cos),
  tan: floatOnly(Math.tan),
  asin: floatOnly(Math.asin),
  acos: floatOnly(Math.acos),
  atan: floatOnly(Math.atan),
  sinh: floatOnly(Math.sinh),
  cosh: floatOnly(Math.cosh),
  asinh: floatOnly(Math.asinh),
  acosh: floatOnly(Math.acosh),
  atanh: floatOnly(Math.atanh),
  sqrt: floatOnly(Math.sqrt),
  rsqrt: floatOnly((x) => 1 / Math.sqrt(x)),
  cbrt: floatOnly(Math.cbrt),
  erf: floatOnly(erf),
  erfc: floatOnly(erfc),
  erfInv: floatOnly(erfInv),
  not: (d) => (d === "bool" ? (x) => 1 - x : (x) => ~x), // ~x is int32; the uint32 store wraps it
};

export const unaryImpl =
  (p: UnaryPrimitive): RefImpl<UnaryPrimitive> =>
  (inputs, inAvals, _params, outAvals) => {
    const f = unaryScalar[p](at(inAvals, 0).dtype);
    return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => f(a[0]!))];
  };

// ---------------------------------------------------------------------------------------
// Binary.

type Binary = (a: number, b: number) => number;

/** x / y for ints, truncating toward zero, with XLA's answers for x/0 (-1, all bits set) and MIN/-1 (MIN). */
function intDiv(unsigned: boolean): Binary {
  return (a, b) => {
    if (b === 0) return unsigned ? 0xffffffff : -1;
    if (!unsigned && a === -0x80000000 && b === -1) return a;
    return Math.trunc(a / b); // exact: the quotient of 32-bit ints is never within rounding of an integer
  };
}

/** x rem y for ints: the sign of the dividend, x rem 0 = x, MIN rem -1 = 0. */
const intRem: Binary = (a, b) => (b === 0 ? a : a % b);

/** Shift amounts are read as unsigned: anything >= 32 (negative included) shifts everything out. */
const shiftOutOfRange = (b: number) => b < 0 || b >= 32;

export const binaryScalar: { [P in BinaryPrimitive]: (dtype: DType) => Binary } = {
  add: (d) => opsFor(d).add,
  sub: () => (a, b) => a - b,
  mul: (d) => opsFor(d).mul,
  div: (d) => (d === "int32" ? intDiv(false) : d === "uint32" ? intDiv(true) : (a, b) => a / b),
  rem: (d) => (d === "int32" || d === "uint32" ? intRem : (a, b) => a % b), // JS % is C's fmod
  pow: () => powC,
  max: (d) => opsFor(d).max,
  min: (d) => opsFor(d).min,
  atan2: () => Math.atan2,
  nextafter: (d) => (a, b) => nextafter(a, b, d === "float32" ? 32 : 64),
  and: () => (a, b) => a & b,
  or: () => (a, b) => a | b,
  xor: () => (a, b) => a ^ b,
  shiftLeft: () => (a, b) => (shiftOutOfRange(b) ? 0 : a << b),
  shiftRightLogical: () => (a, b) => (shiftOutOfRange(b) ? 0 : a >>> b),
  // On the 32-bit pattern (a uint32 operand is shifted as if signed); out of range fills with the sign.
  shiftRightArithmetic: () => (a, b) => (shiftOutOfRange(b) ? (a | 0) >> 31 : (a | 0) >> b),
};

export const binaryImpl =
  (p: BinaryPrimitive): RefImpl<BinaryPrimitive> =>
  (inputs, inAvals, _params, outAvals) => {
    const f = binaryScalar[p](at(inAvals, 0).dtype);
    return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => f(a[0]!, a[1]!))];
  };

export const comparisonScalar: { [P in ComparisonPrimitive]: (a: number, b: number) => boolean } = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
};

export const comparisonImpl =
  (p: ComparisonPrimitive): RefImpl<ComparisonPrimitive> =>
  (inputs, inAvals, _params, outAvals) => {
    const f = comparisonScalar[p];
    return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => (f(a[0]!, a[1]!) ? 1 : 0))];
  };

// ---------------------------------------------------------------------------------------
// The rest.

export const roundImpl: RefImpl<"round"> = (inputs, inAvals, { roundingMethod }, outAvals) => {
  const f = roundingMethod === "awayFromZero" ? roundAwayFromZero : roundToNearestEven;
  return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => f(a[0]!))];
};

/**
 * x ** y by repeated squaring with every product rounded to the operand dtype, exactly as
 * JAX expands integer_pow; a negative y takes the reciprocal at the end.
 */
export function integerPowScalar(x: number, y: number, dtype: DType): number {
  const round = (v: number) => convertScalar(v, "float64", dtype);
  const mul = (a: number, b: number) => (dtype === "float32" ? Math.fround(a * b) : opsFor(dtype).mul(a, b));
  if (y === 0) return 1;
  const reciprocal = y < 0;
  let n = Math.abs(y);
  let acc: number | null = null;
  let base = x;
  while (n > 0) {
    if (n & 1) acc = acc === null ? base : mul(acc, base);
    n = Math.floor(n / 2);
    if (n > 0) base = mul(base, base);
  }
  return reciprocal ? round(1 / acc!) : acc!;
}

export const integerPowImpl: RefImpl<"integerPow"> = (inputs, inAvals, { y }, outAvals) => {
  const dtype = at(inAvals, 0).dtype;
  return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => integerPowScalar(a[0]!, y, dtype))];
};

/** selectN(which, ...cases): cases[which]; a bool `which` picks case 0 for false. */
export const selectNImpl: RefImpl<"selectN"> = (inputs, inAvals, _params, outAvals) => {
  const last = inputs.length - 2;
  return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => a[1 + Math.min(Math.max(a[0]!, 0), last)]!)];
};

/** clamp(lo, x, hi) = min(max(x, lo), hi), NaN-propagating. */
export const clampImpl: RefImpl<"clamp"> = (inputs, inAvals, _params, outAvals) => {
  const ops = opsFor(at(inAvals, 1).dtype);
  return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => ops.min(ops.max(a[1]!, a[0]!), a[2]!))];
};

export const convertElementTypeImpl: RefImpl<"convertElementType"> = (inputs, inAvals, { newDtype }, outAvals) => {
  const from = at(inAvals, 0).dtype;
  return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => convertScalar(a[0]!, from, newDtype))];
};

/** Reinterprets the bytes (the shape rule makes the widths equal). */
export const bitcastConvertTypeImpl: RefImpl<"bitcastConvertType"> = (inputs, _inAvals, _params, outAvals) => {
  const x = at(inputs, 0);
  const out = alloc(at(outAvals, 0));
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  if (out instanceof Uint8Array) for (let i = 0; i < out.length; i++) out[i] = out[i] !== 0 ? 1 : 0;
  return [out];
};

/** copy and stopGradient: a fresh buffer with the same contents. */
export const identityImpl: RefImpl<"copy" | "stopGradient"> = (inputs) => [at(inputs, 0).slice()];
