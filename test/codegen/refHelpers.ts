/** Helpers for the reference-interpreter tests: run one primitive on plain JS data, and small JS models. */
import * as E from "fp-ts/lib/Either.js";
import { expect } from "vitest";
import { ShapedArray, shapeSize } from "../../ir/aval.js";
import { type DType, typedArrayFor } from "../../ir/dtype.js";
import { type Params, type Primitive, inferShapes } from "../../ir/primitives.js";
import { type RefBuffer, evalPrimitiveRef } from "../../codegen/ref/index.js";

export interface Arr {
  data: readonly number[];
  shape: readonly number[];
  dtype: DType;
}

export const arr = (data: readonly number[], shape: readonly number[] = [data.length], dtype: DType = "float64"): Arr => ({ data, shape, dtype });
export const scalar = (v: number, dtype: DType = "float64"): Arr => ({ data: [v], shape: [], dtype });

export function toBuffer(a: Arr): RefBuffer {
  const b = typedArrayFor(a.dtype, a.data.length);
  b.set(a.data);
  return b;
}

/** Runs one primitive through evalPrimitiveRef, with the out avals from the shape rule. */
export function runAll<P extends Primitive>(prim: P, ins: readonly Arr[], params: Params<P>): Arr[] {
  const inAvals = ins.map((a) => new ShapedArray(a.shape, a.dtype));
  for (const a of ins) if (a.data.length !== shapeSize(a.shape)) throw new Error(`test input of shape ${a.shape} has ${a.data.length} values`);
  const inferred = inferShapes(prim, inAvals, params);
  if (E.isLeft(inferred)) throw new Error(inferred.left);
  const outs = evalPrimitiveRef(prim, ins.map(toBuffer), inAvals, params, inferred.right);
  return outs.map((b, i) => {
    const aval = inferred.right[i]!;
    expect(b.length).toBe(aval.size);
    expect(b).toBeInstanceOf(typedArrayFor(aval.dtype, 0).constructor);
    return { data: Array.from(b), shape: aval.shape, dtype: aval.dtype };
  });
}

export const run = <P extends Primitive>(prim: P, ins: readonly Arr[], params: Params<P>): Arr => runAll(prim, ins, params)[0]!;

/** Values only, for toEqual against a plain list (NaN compares equal to NaN in toEqual). */
export const values = <P extends Primitive>(prim: P, ins: readonly Arr[], params: Params<P>): number[] => [...run(prim, ins, params).data];

// ---------------------------------------------------------------------------------------
// Index helpers for models: every multi-index of a shape, row-major, built recursively.

export function allIndices(shape: readonly number[]): number[][] {
  if (shape.length === 0) return [[]];
  const [first, ...rest] = shape;
  const tails = allIndices(rest);
  const out: number[][] = [];
  for (let i = 0; i < first!; i++) for (const t of tails) out.push([i, ...t]);
  return out;
}

export function get(a: Arr, idx: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < idx.length; d++) f = f * a.shape[d]! + idx[d]!;
  return a.data[f]!;
}

/** Builds an array from a function of the multi-index. */
export const build = (shape: readonly number[], f: (idx: number[]) => number, dtype: DType = "float64"): Arr => ({
  data: allIndices(shape).map(f),
  shape,
  dtype,
});

// Nested JS arrays, for models that work one axis at a time.
export type Nested = number | Nested[];

export function toNested(a: Arr): Nested {
  const go = (d: number, offset: number): Nested => {
    if (d === a.shape.length) return a.data[offset]!;
    const inner = a.shape.slice(d + 1).reduce((x, y) => x * y, 1);
    return Array.from({ length: a.shape[d]! }, (_, i) => go(d + 1, offset + i * inner));
  };
  return go(0, 0);
}

export function flatten(n: Nested): number[] {
  return typeof n === "number" ? [n] : n.flatMap(flatten);
}

/** Applies `f` to every list at depth `axis` of a nested array. */
export function mapAxis(n: Nested, axis: number, f: (xs: Nested[]) => Nested[]): Nested {
  if (typeof n === "number") throw new Error("mapAxis: axis out of range");
  return axis === 0 ? f(n) : n.map((m) => mapAxis(m, axis - 1, f));
}

/** The shape of a nested array, given its rank (empty lists have no inner shape to read). */
export function nestedShape(n: Nested, rank: number, fallback: readonly number[]): number[] {
  const shape: number[] = [];
  let cur: Nested = n;
  for (let d = 0; d < rank; d++) {
    if (typeof cur === "number") throw new Error("nestedShape: rank too large");
    shape.push(cur.length);
    if (cur.length === 0) return [...shape, ...fallback.slice(d + 1)];
    cur = cur[0]!;
  }
  return shape;
}
