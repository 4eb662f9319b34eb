/**
 * Shared pieces of the reference interpreter: the buffer and implementation types, and
 * the few helpers every file uses (allocation, row-major multi-index iteration).
 */
import { type ShapedArray, shapeSize, stridesOf } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, isFloat, typedArrayFor } from "../../ir/dtype.js";
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
      return { add: (a, b) => a + b, mul: (a, b) => a * b, max: Math.max, min: Math.min, lowest: -Infinity, highest: Infinity };
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
  }
}
