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
import { type RefBuffer, type RefImpl, alloc, at, bitsView, convertScalar, opsFor } from "./util.js";

/** How far each operand advances per output element: 1, or 0 for a rank-0 operand broadcast against the others. */
const stepOf = (aval: ShapedArray): number => (aval.ndim === 0 ? 0 : 1);

/** Applies `f` elementwise; rank-0 operands broadcast against the others. The generic path, for any arity. */
export function mapElementwise(
  inputs: readonly RefBuffer[],
  inAvals: readonly ShapedArray[],
  outAval: ShapedArray,
  f: (args: readonly number[]) => number,
): RefBuffer {
  const out = alloc(outAval);
  const steps = inAvals.map(stepOf);
  const args = new Array<number>(inputs.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < inputs.length; k++) args[k] = inputs[k]![i * steps[k]!]!;
    out[i] = f(args);
  }
  return out;
}

/** out[i] = f(x[i]): mapElementwise for one operand, without the argument array. */
function mapUnary(x: RefBuffer, out: RefBuffer, f: (x: number) => number): RefBuffer {
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]!);
  return out;
}

/** out[i] = f(a[i], b[i]) with rank-0 broadcasting: mapElementwise for two operands, without the argument array. */
function mapBinary(a: RefBuffer, sa: number, b: RefBuffer, sb: number, out: RefBuffer, f: (a: number, b: number) => number): RefBuffer {
  for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = f(a[j]!, b[k]!);
  return out;
}

type FloatBuffer = Float32Array | Float64Array;
const isFloatBuffer = (b: RefBuffer): b is FloatBuffer => b instanceof Float32Array || b instanceof Float64Array;

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
    const x = at(inputs, 0);
    const out = alloc(at(outAvals, 0));
    const floatLoop = unaryFloatLoops[p];
    if (floatLoop && isFloatBuffer(x) && isFloatBuffer(out)) floatLoop(x, out);
    else mapUnary(x, out, unaryScalar[p](at(inAvals, 0).dtype));
    return [out];
  };

/**
 * The float cases of the common unary ops, as loops with unaryScalar's definition written
 * in, so that it inlines instead of being a call per element. One function per op, so
 * that V8 optimizes each on its own.
 */
// prettier-ignore
const unaryFloatLoops: { [P in UnaryPrimitive]?: (x: FloatBuffer, out: FloatBuffer) => void } = {
  neg: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = -x[i]!; },
  abs: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.abs(x[i]!); },
  square: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = x[i]! * x[i]!; },
  exp: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.exp(x[i]!); },
  log: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.log(x[i]!); },
  expm1: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.expm1(x[i]!); },
  log1p: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.log1p(x[i]!); },
  tanh: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x[i]!); },
  logistic: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-x[i]!)); },
  sqrt: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(x[i]!); },
  rsqrt: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = 1 / Math.sqrt(x[i]!); },
  sin: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.sin(x[i]!); },
  cos: (x, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.cos(x[i]!); },
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

/**
 * int8/uint8 (held as their JS values): XLA's integer semantics at 8 bits. x/0 is all bits set
 * (-1, 255) and x rem 0 is x; logical right shifts shift the 8-bit pattern in zeros, arithmetic
 * ones its bit 7 (a uint8 too); shift amounts of 8 or more (negative ones included) shift
 * everything out. The results wrap when stored into the Int8Array/Uint8Array.
 */
const byteBinary = (op: "div" | "rem" | "shiftRightLogical" | "shiftRightArithmetic", d: "int8" | "uint8"): Binary => {
  const out = (b: number) => b < 0 || b >= 8;
  switch (op) {
    case "div":
      return (a, b) => (b === 0 ? -1 : Math.trunc(a / b));
    case "rem":
      return intRem;
    case "shiftRightLogical":
      return (a, b) => (out(b) ? 0 : (a & 0xff) >>> b);
    case "shiftRightArithmetic":
      return d === "int8" ? (a, b) => a >> Math.min(b >>> 0, 31) : (a, b) => ((a << 24) >> 24) >> (out(b) ? 31 : b);
  }
};
const isByte = (d: DType): d is "int8" | "uint8" => d === "int8" || d === "uint8";

export const binaryScalar: { [P in BinaryPrimitive]: (dtype: DType) => Binary } = {
  add: (d) => opsFor(d).add,
  sub: () => (a, b) => a - b,
  mul: (d) => opsFor(d).mul,
  div: (d) => (d === "int32" ? intDiv(false) : d === "uint32" ? intDiv(true) : isByte(d) ? byteBinary("div", d) : (a, b) => a / b),
  rem: (d) => (d === "int32" || d === "uint32" || isByte(d) ? intRem : (a, b) => a % b), // JS % is C's fmod
  pow: () => powC,
  max: (d) => opsFor(d).max,
  min: (d) => opsFor(d).min,
  atan2: () => Math.atan2,
  nextafter: (d) => (a, b) => nextafter(a, b, d === "float32" ? 32 : 64),
  and: () => (a, b) => a & b,
  or: () => (a, b) => a | b,
  xor: () => (a, b) => a ^ b,
  shiftLeft: () => (a, b) => (shiftOutOfRange(b) ? 0 : a << b),
  shiftRightLogical: (d) => (isByte(d) ? byteBinary("shiftRightLogical", d) : (a, b) => (shiftOutOfRange(b) ? 0 : a >>> b)),
  // On the 32-bit pattern (a uint32 operand is shifted as if signed); out of range fills with the sign.
  shiftRightArithmetic: (d) => (isByte(d) ? byteBinary("shiftRightArithmetic", d) : (a, b) => (shiftOutOfRange(b) ? (a | 0) >> 31 : (a | 0) >> b)),
};

export const binaryImpl =
  (p: BinaryPrimitive): RefImpl<BinaryPrimitive> =>
  (inputs, inAvals, _params, outAvals) => {
    const [a, b] = [at(inputs, 0), at(inputs, 1)];
    const [sa, sb] = [stepOf(at(inAvals, 0)), stepOf(at(inAvals, 1))];
    const out = alloc(at(outAvals, 0));
    const floatLoop = binaryFloatLoops[p];
    if (floatLoop && isFloatBuffer(a) && isFloatBuffer(b) && isFloatBuffer(out)) floatLoop(a, sa, b, sb, out);
    else mapBinary(a, sa, b, sb, out, binaryScalar[p](at(inAvals, 0).dtype));
    return [out];
  };

type FloatBinaryLoop = (a: FloatBuffer, sa: number, b: FloatBuffer, sb: number, out: FloatBuffer | Uint8Array) => void;

/**
 * The float cases of the arithmetic binary ops, as loops with binaryScalar's definition
 * written in (a rank-0 operand has step 0). One function per op.
 */
// prettier-ignore
const binaryFloatLoops: { [P in BinaryPrimitive]?: FloatBinaryLoop } = {
  add: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! + b[k]!; },
  sub: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! - b[k]!; },
  mul: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! * b[k]!; },
  div: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! / b[k]!; },
  max: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = Math.max(a[j]!, b[k]!); },
  min: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = Math.min(a[j]!, b[k]!); },
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
    const [a, b] = [at(inputs, 0), at(inputs, 1)];
    const [sa, sb] = [stepOf(at(inAvals, 0)), stepOf(at(inAvals, 1))];
    const out = alloc(at(outAvals, 0)) as Uint8Array;
    if (isFloatBuffer(a) && isFloatBuffer(b)) compareFloatLoops[p](a, sa, b, sb, out);
    else {
      const f = comparisonScalar[p];
      mapBinary(a, sa, b, sb, out, (u, v) => (f(u, v) ? 1 : 0));
    }
    return [out];
  };

/** The float cases of the comparisons, as loops with comparisonScalar's definition written in (true is 1). */
// prettier-ignore
const compareFloatLoops: { [P in ComparisonPrimitive]: FloatBinaryLoop } = {
  eq: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! === b[k]! ? 1 : 0; },
  ne: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! !== b[k]! ? 1 : 0; },
  lt: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! < b[k]! ? 1 : 0; },
  le: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! <= b[k]! ? 1 : 0; },
  gt: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! > b[k]! ? 1 : 0; },
  ge: (a, sa, b, sb, out) => { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = a[j]! >= b[k]! ? 1 : 0; },
};

// ---------------------------------------------------------------------------------------
// The rest.

export const roundImpl: RefImpl<"round"> = (inputs, inAvals, { roundingMethod }, outAvals) => {
  const f = roundingMethod === "awayFromZero" ? roundAwayFromZero : roundToNearestEven;
  return [mapUnary(at(inputs, 0), alloc(at(outAvals, 0)), f)];
};

/**
 * x ** y by repeated squaring with every product rounded to the operand dtype, exactly as
 * JAX expands integer_pow; a negative y takes the reciprocal at the end.
 */
export function integerPowScalar(x: number, y: number, dtype: DType): number {
  return integerPowBy(x, y, productIn(dtype), (v) => convertScalar(v, "float64", dtype));
}

/** a * b rounded to the dtype: float32 rounds every product, ints wrap. */
const productIn = (dtype: DType): ((a: number, b: number) => number) =>
  dtype === "float32" ? (a, b) => Math.fround(a * b) : opsFor(dtype).mul;

function integerPowBy(x: number, y: number, mul: (a: number, b: number) => number, round: (v: number) => number): number {
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
  const mul = productIn(dtype);
  const round = (v: number) => convertScalar(v, "float64", dtype);
  return [mapUnary(at(inputs, 0), alloc(at(outAvals, 0)), (x) => integerPowBy(x, y, mul, round))];
};

/** selectN(which, ...cases): cases[which]; a bool `which` picks case 0 for false. */
export const selectNImpl: RefImpl<"selectN"> = (inputs, inAvals, _params, outAvals) => {
  const last = inputs.length - 2;
  if (last === 1) {
    // Two cases: `which` (bool or int) picks case 1 when it is >= 1, that is > 0, else case 0.
    // The cases' elements are moved, not computed on, so the loop works on their bits.
    const out = alloc(at(outAvals, 0));
    const [sw, s0, s1] = [stepOf(at(inAvals, 0)), stepOf(at(inAvals, 1)), stepOf(at(inAvals, 2))];
    select2(at(inputs, 0), sw, bitsView(at(inputs, 1)), s0, bitsView(at(inputs, 2)), s1, bitsView(out));
    return [out];
  }
  return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => a[1 + Math.min(Math.max(a[0]!, 0), last)]!)];
};

type Bits = Uint8Array | Int32Array | Float64Array;

/** out[i] = which[i] > 0 ? c1[i] : c0[i], with rank-0 operands at step 0. */
function select2(which: RefBuffer, sw: number, c0: Bits, s0: number, c1: Bits, s1: number, out: Bits): void {
  for (let i = 0; i < out.length; i++) out[i] = which[i * sw]! > 0 ? c1[i * s1]! : c0[i * s0]!;
}

/** clamp(lo, x, hi) = min(max(x, lo), hi), NaN-propagating. */
export const clampImpl: RefImpl<"clamp"> = (inputs, inAvals, _params, outAvals) => {
  const ops = opsFor(at(inAvals, 1).dtype);
  return [mapElementwise(inputs, inAvals, at(outAvals, 0), (a) => ops.min(ops.max(a[1]!, a[0]!), a[2]!))];
};

export const convertElementTypeImpl: RefImpl<"convertElementType"> = (inputs, inAvals, { newDtype }, outAvals) => {
  const from = at(inAvals, 0).dtype;
  const x = at(inputs, 0);
  const out = alloc(at(outAvals, 0));
  // To a float, convertScalar is the rounding that storing into the Float32Array / Float64Array does anyway.
  if (newDtype === "float32" || newDtype === "float64") out.set(x);
  else mapUnary(x, out, (v) => convertScalar(v, from, newDtype));
  return [out];
};

/** Reinterprets the bytes (the shape rule makes the widths equal). */
export const bitcastConvertTypeImpl: RefImpl<"bitcastConvertType"> = (inputs, _inAvals, _params, outAvals) => {
  const x = at(inputs, 0);
  const out = alloc(at(outAvals, 0));
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  // a bool holds 0/1; a uint8 (also a Uint8Array) keeps its byte
  if (at(outAvals, 0).dtype === "bool") for (let i = 0; i < out.length; i++) out[i] = out[i] !== 0 ? 1 : 0;
  return [out];
};

/** copy and stopGradient: a fresh buffer with the same contents. */
export const identityImpl: RefImpl<"copy" | "stopGradient"> = (inputs) => [at(inputs, 0).slice()];
