/**
 * Shared pieces of the reference interpreter: the buffer and implementation types, and
 * the few helpers every file uses (allocation, row-major multi-index iteration, and the
 * strided offsets and copies that index arithmetic comes down to).
 */
import { type ShapedArray, shapeSize, stridesOf } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, castScalar as castScalarInt, isFloat, roundToFloat16, typedArrayFor } from "../../ir/dtype.js";
import type { Params, Primitive } from "../../ir/primitives.js";

/** A reference buffer: row-major, contiguous; bool is a Uint8Array of 0/1. */
export type RefBuffer = AnyTypedArray;

/** The implementation of one primitive: fresh output buffers, one per out aval. */
export type RefImpl<P extends Primitive> = (
  inputs: readonly RefBuffer[],
  inAvals: readonly ShapedArray[],
  params: Params<P>,
  outAvals: readonly ShapedArray[],
) => RefBuffer[];

/** A zero-filled buffer for an aval. */
export const alloc = (aval: ShapedArray): RefBuffer => typedArrayFor(aval.dtype, aval.size);

/** The i-th element of a list that the shape rule guarantees exists. */
export function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`reference interpreter: missing operand ${i}`);
  return x;
}

/**
 * Calls `fn` for every multi-index of `shape` in row-major order, with the flat position.
 * The index array is reused between calls: copy it to keep it.
 */
export function forEachIndex(shape: readonly number[], fn: (idx: number[], flat: number) => void): void {
  const n = shapeSize(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    fn(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/**
 * The flat offset `base + sum over d of idx[d] * strides[d]` of every multi-index `idx` of
 * `shape`, in row-major order. Precomputing these once turns "for every index, which
 * element" into a plain loop over an Int32Array (strides may be 0, to broadcast, or negative).
 */
export function stridedOffsets(shape: readonly number[], strides: readonly number[], base = 0): Int32Array {
  const offsets = new Int32Array(shapeSize(shape));
  if (offsets.length === 0) return offsets;
  const { dims, strides: merged } = mergeDims(shape, [strides]);
  const st = merged[0]!;
  const rank = dims.length;
  const [n, step] = [dims[rank - 1]!, st[rank - 1]!]; // rows along the last dim
  const idx = new Int32Array(rank);
  let off = base;
  for (let flat = 0; flat < offsets.length; flat += n) {
    for (let j = 0; j < n; j++) offsets[flat + j] = off + j * step;
    // Advance the multi-index of the dims before the last like an odometer, keeping `off` in step with it.
    for (let d = rank - 2; d >= 0; d--) {
      off += st[d]!;
      if (++idx[d]! < dims[d]!) break;
      off -= dims[d]! * st[d]!;
      idx[d] = 0;
    }
  }
  return offsets;
}

/**
 * dst[dstBase + sum of idx[d] * dstStrides[d]] = src[srcBase + sum of idx[d] * srcStrides[d]]
 * for every multi-index idx of `shape`: the one loop behind every primitive that moves
 * elements (with dstStrides = stridesOf(shape) it fills dst in order; with srcStrides =
 * stridesOf(shape) it places all of src). dst and src have the same dtype. The same pairs
 * of offsets are visited after `mergeDims`, in rows along the last dim, so the inner loop
 * is long and plain.
 */
export function copyStrided(
  shape: readonly number[],
  dst: RefBuffer,
  dstBase: number,
  dstStrides: readonly number[],
  src: RefBuffer,
  srcBase: number,
  srcStrides: readonly number[],
): void {
  if (shape.includes(0)) return;
  const { dims, strides } = mergeDims(shape, [dstStrides, srcStrides]);
  copyRows(dims, bitsView(dst), dstBase, strides[0]!, bitsView(src), srcBase, strides[1]!);
}

/** copyStrided's loop, over merged dims (at least one). */
function copyRows(
  dims: Int32Array,
  to: Uint8Array | Int32Array | Float64Array,
  dstBase: number,
  ds: Int32Array,
  from: Uint8Array | Int32Array | Float64Array,
  srcBase: number,
  ss: Int32Array,
): void {
  const rank = dims.length;
  const [n, dStep, sStep] = [dims[rank - 1]!, ds[rank - 1]!, ss[rank - 1]!];
  const rows = dims.reduce((a, b) => a * b, 1) / n;
  const idx = new Int32Array(rank);
  let [d0, s0] = [dstBase, srcBase];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) to[d0 + j * dStep] = from[s0 + j * sStep]!;
    // Advance the multi-index of the dims before the last like an odometer, moving both offsets with it.
    for (let d = rank - 2; d >= 0; d--) {
      d0 += ds[d]!;
      s0 += ss[d]!;
      if (++idx[d]! < dims[d]!) break;
      d0 -= dims[d]! * ds[d]!;
      s0 -= dims[d]! * ss[d]!;
      idx[d] = 0;
    }
  }
}

/**
 * The same memory as an array of elements of the same width (bool as bytes, float32 /
 * int32 / uint32 as Int32Array, float64 as itself), for the loops that only move elements:
 * they then move the exact bits, and see three array types rather than five, which keeps
 * V8's element accesses in them fast.
 */
export function bitsView(b: RefBuffer): Uint8Array | Int32Array | Float64Array {
  if (b instanceof Float32Array || b instanceof Uint32Array) return new Int32Array(b.buffer, b.byteOffset, b.length);
  if (b instanceof Int8Array) return new Uint8Array(b.buffer, b.byteOffset, b.length);
  // float16 operands are widened to float32 before any kernel runs (evalPrimitiveRef).
  if (b instanceof Uint16Array) throw new Error("reference interpreter: a float16 buffer reached a kernel unwidened");
  return b;
}

/**
 * The same index space with fewer dims, for loops that visit `base + sum of idx[d] * strides[d]`
 * for several stride lists at once: size-1 dims are dropped (their index is always 0), and
 * a dim is merged into the one before it when, in every stride list, the outer stride is
 * exactly the inner dim's size times its stride (then the two indices together step like
 * one index of the combined size). The offsets visited, and their order, are unchanged.
 */
export function mergeDims(shape: readonly number[], stridesList: readonly (readonly number[])[]): { dims: Int32Array; strides: Int32Array[] } {
  const dims: number[] = [];
  const strides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = dims.length - 1;
    let nests = last >= 0;
    for (let k = 0; k < strides.length && nests; k++) nests = strides[k]![last] === n * stridesList[k]![d]!;
    if (nests) dims[last]! *= n;
    else dims.push(n);
    for (let k = 0; k < strides.length; k++) strides[k]![dims.length - 1] = stridesList[k]![d]!;
  }
  // A single element (rank 0, or all dims 1) is one dim of size 1, so that callers always have a last dim.
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  return { dims: new Int32Array(dims), strides: strides.map((s) => new Int32Array(s)) };
}

/** The flat position of a multi-index under the given strides. */
export function flatIndex(idx: readonly number[], strides: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < idx.length; d++) f += idx[d]! * strides[d]!;
  return f;
}

export { stridesOf };

export const clampInt = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/**
 * Scalar arithmetic in a dtype, on JS numbers: ints wrap to 32 bits, bool add/mul are
 * or/and (XLA's PRED semantics), floats are computed in double and left unrounded (the
 * store into the output TypedArray rounds float32). max/min propagate NaN.
 */
export interface DTypeOps {
  add(a: number, b: number): number;
  mul(a: number, b: number): number;
  max(a: number, b: number): number;
  min(a: number, b: number): number;
  /** The identity of max: -inf, or the dtype's smallest value. */
  lowest: number;
  /** The identity of min: +inf, or the dtype's largest value. */
  highest: number;
}

export function opsFor(dtype: DType): DTypeOps {
  switch (dtype) {
    case "float32":
    case "float64":
    case "float16":
      return { add: (a, b) => a + b, mul: (a, b) => a * b, max: Math.max, min: Math.min, lowest: -Infinity, highest: Infinity };
    case "int8":
    case "uint8": {
      // Values are held as JS numbers and wrap when stored into the Int8Array/Uint8Array.
      const [lowest, highest] = dtype === "int8" ? [-0x80, 0x7f] : [0, 0xff];
      const wrap = (x: number) => castScalarInt(x, dtype);
      return { add: (a, b) => wrap(a + b), mul: (a, b) => wrap(a * b), max: (a, b) => (a > b ? a : b), min: (a, b) => (a < b ? a : b), lowest, highest };
    }
    case "int32":
      return {
        add: (a, b) => (a + b) | 0,
        mul: (a, b) => Math.imul(a, b),
        max: (a, b) => (a > b ? a : b),
        min: (a, b) => (a < b ? a : b),
        lowest: -0x80000000,
        highest: 0x7fffffff,
      };
    case "uint32":
      return {
        add: (a, b) => (a + b) >>> 0,
        mul: (a, b) => Math.imul(a, b) >>> 0,
        max: (a, b) => (a > b ? a : b),
        min: (a, b) => (a < b ? a : b),
        lowest: 0,
        highest: 0xffffffff,
      };
    case "bool":
      return {
        add: (a, b) => a | b,
        mul: (a, b) => a & b,
        max: (a, b) => a | b,
        min: (a, b) => a & b,
        lowest: 0,
        highest: 1,
      };
  }
}

/**
 * Converts a value of one dtype to another, as XLA's convert on CPU does: float to int
 * truncates toward zero, saturates at the int range and maps NaN to 0; int to int wraps;
 * anything to bool is `x != 0` (NaN is true).
 */
export function convertScalar(v: number, from: DType, to: DType): number {
  switch (to) {
    case "float32":
      return Math.fround(v);
    case "float64":
      return v;
    case "bool":
      return v !== 0 ? 1 : 0;
    case "int32":
      if (isFloat(from)) return Number.isNaN(v) ? 0 : clampInt(Math.trunc(v), -0x80000000, 0x7fffffff);
      return v | 0;
    case "uint32":
      if (isFloat(from)) return Number.isNaN(v) ? 0 : clampInt(Math.trunc(v), 0, 0xffffffff);
      return v >>> 0;
    case "int8":
      if (isFloat(from)) return Number.isNaN(v) ? 0 : clampInt(Math.trunc(v), -0x80, 0x7f);
      return castScalarInt(v, "int8");
    case "uint8":
      if (isFloat(from)) return Number.isNaN(v) ? 0 : clampInt(Math.trunc(v), 0, 0xff);
      return castScalarInt(v, "uint8");
    case "float16":
      return roundToFloat16(v);
  }
}
