/**
 * Grids and index arrays (`meshgrid indices fromfunction diagIndices diagIndicesFrom`) and
 * geometric sequences (`logspace geomspace`), as jax.numpy.
 */
import { showShape } from "../../ir/aval.js";
import { type DType, castScalar, typedArrayFor } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bindArgs, bool, dtype as dtypeKind, fn, int, ints, nonNegInt, num, oneOf, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { array } from "./creation.js";
import { asArray } from "./util.js";

export interface MeshgridOptions {
  copy?: boolean;
  sparse?: boolean;
  indexing?: "xy" | "ij";
}

/**
 * Coordinate arrays from 1-D coordinate vectors: `meshgrid(x1, x2, ..., {sparse?, indexing =
 * "xy"})`. With "xy" the first two outputs' axes are swapped (Cartesian), as numpy.
 */
export function meshgrid(...args: (ArrayLike | MeshgridOptions)[]): JArray[] {
  const last = args[args.length - 1];
  const hasOpts = last !== undefined && typeof last === "object" && !(last instanceof JArray) && !Array.isArray(last);
  const xs = (hasOpts ? args.slice(0, -1) : args) as ArrayLike[];
  const o = bindArgs("np.meshgrid", hasOpts ? [last] : [], { copy: bool, sparse: bool, indexing: oneOf("xy", "ij") });
  const vs = xs.map((x, i) => {
    const a = asArray(x, `np.meshgrid: argument ${i + 1}`);
    if (a.ndim !== 1) throw new ValueError(`np.meshgrid: arguments must be 1-D, got shape ${showShape(a.shape)} for argument ${i + 1}`);
    return a;
  });
  const n = vs.length;
  const indexing = o.indexing ?? "xy";
  const shape = vs.map((v) => v.shape[0]!);
  if (indexing === "xy" && n >= 2) [shape[0], shape[1]] = [shape[1]!, shape[0]!];
  return vs.map((v, i) => {
    const dim = indexing === "xy" && n >= 2 && i < 2 ? 1 - i : i;
    if (o.sparse) {
      const s = shape.map((_, j) => (j === dim ? v.shape[0]! : 1));
      return lax.reshape(v, s);
    }
    return lax.broadcastInDim(v, shape, [dim]);
  });
}

/** The index grid of a shape: `indices(dimensions, dtype = "int32", sparse = false)` has shape `[ndim, ...dimensions]` (a list when sparse). */
export function indices(dimensions: readonly number[], dtype?: DType, sparse?: boolean): JArray;
export function indices(dimensions: readonly number[], opts?: { dtype?: DType; sparse?: boolean }): JArray;
export function indices(dimensions: readonly number[], dtype: DType | undefined, sparse: true): JArray[];
export function indices(...args: unknown[]): JArray | JArray[] {
  const o = bindArgs("np.indices", args, { dimensions: required(ints), dtype: dtypeKind, sparse: bool });
  const dims = [...o.dimensions];
  if (dims.some((d) => d < 0)) throw new ValueError(`np.indices: dimensions must be non-negative, got ${showShape(dims)}`);
  const dtype = o.dtype ?? "int32";
  const grids = dims.map((d, i) => {
    const s = dims.map((_, j) => (j === i ? d : 1));
    return o.sparse ? lax.broadcastedIota(dtype, s, i) : lax.broadcastedIota(dtype, dims, i);
  });
  if (o.sparse) return grids;
  if (grids.length === 0) return lax.reshape(array([], { dtype }), [0]);
  return lax.concatenate(grids.map((g) => lax.reshape(g, [1, ...dims])), 0);
}

/** `f(...indices(shape, dtype))`: an array built from its index grids (float32 indices by default, as JAX). */
export function fromfunction<T>(f: (...idx: JArray[]) => T, shape: readonly number[], opts?: { dtype?: DType }): T;
export function fromfunction<T>(...args: unknown[]): T {
  const o = bindArgs("np.fromfunction", args, { function: required(fn), shape: required(ints), dtype: dtypeKind });
  const dims = [...o.shape];
  const dtype = o.dtype ?? "float32";
  return o.function(...dims.map((_, i) => lax.broadcastedIota(dtype, dims, i))) as T;
}

/** `[arange(n), arange(n), ...]` (`ndim` of them): the indices of an n x n x ... array's main diagonal. */
export function diagIndices(n: number, ndim?: number): JArray[];
export function diagIndices(n: number, opts?: { ndim?: number }): JArray[];
export function diagIndices(...args: unknown[]): JArray[] {
  const o = bindArgs("np.diagIndices", args, { n: required(nonNegInt), ndim: nonNegInt });
  const idx = lax.iota("int32", o.n);
  return Array.from({ length: o.ndim ?? 2 }, () => idx);
}

/** `diagIndices` for an array whose dims are all equal (and at least 2 of them). */
export function diagIndicesFrom(arr: ArrayLike): JArray[] {
  const a = asArray(arr, "np.diagIndicesFrom: argument arr");
  if (a.ndim < 2) throw new ValueError(`np.diagIndicesFrom: input array must be at least 2-d, got shape ${showShape(a.shape)}`);
  if (a.shape.some((d) => d !== a.shape[0])) throw new ValueError(`np.diagIndicesFrom: all dimensions of the input must be of equal length, got shape ${showShape(a.shape)}`);
  return diagIndices(a.shape[0]!, a.ndim);
}

/** `num` samples computed on the host by `f(i)`, in `dtype`. */
function hostSequence(num: number, dtype: DType, f: (i: number) => number): JArray {
  const buf = typedArrayFor(dtype, num);
  for (let i = 0; i < num; i++) buf[i] = castScalar(f(i), dtype);
  return array(buf as Float32Array);
}


export interface LogspaceOptions {
  num?: number;
  endpoint?: boolean;
  base?: number;
  dtype?: DType | null;
  axis?: number;
}

/** `base ** linspace(start, stop, num)`: `logspace(start, stop, num = 50, endpoint = true, base = 10, dtype?, axis = 0)`. */
export function logspace(start: number, stop: number, num?: number, endpoint?: boolean, base?: number, dtype?: DType | null, axis?: number): JArray;
export function logspace(start: number, stop: number, opts?: LogspaceOptions): JArray;
export function logspace(...args: unknown[]): JArray {
  const o = bindArgs("np.logspace", args, {
    start: required(num),
    stop: required(num),
    num: nonNegInt,
    endpoint: bool,
    base: num,
    dtype: orNull(dtypeKind),
    axis: int,
  });
  checkAxis("np.logspace", o.axis);
  const n = o.num ?? 50;
  const div = (o.endpoint ?? true) ? n - 1 : n;
  const step = div > 0 ? (o.stop - o.start) / div : 0;
  const base = o.base ?? 10;
  return hostSequence(n, o.dtype ?? "float32", (i) => base ** ((o.endpoint ?? true) && i === n - 1 && n > 1 ? o.stop : o.start + i * step));
}

/** Samples evenly spaced on a log scale from `start` to `stop` (same sign, nonzero): `geomspace(start, stop, num = 50, endpoint = true, dtype?, axis = 0)`. */
export function geomspace(start: number, stop: number, num?: number, endpoint?: boolean, dtype?: DType | null, axis?: number): JArray;
export function geomspace(start: number, stop: number, opts?: Omit<LogspaceOptions, "base">): JArray;
export function geomspace(...args: unknown[]): JArray {
  const o = bindArgs("np.geomspace", args, { start: required(num), stop: required(num), num: nonNegInt, endpoint: bool, dtype: orNull(dtypeKind), axis: int });
  checkAxis("np.geomspace", o.axis);
  if (o.start === 0 || o.stop === 0) throw new ValueError(`np.geomspace: geometric sequence cannot include zero (start ${o.start}, stop ${o.stop})`);
  const n = o.num ?? 50;
  const endpoint = o.endpoint ?? true;
  const sign = Math.sign(o.start);
  const [l0, l1] = [Math.log10(o.start / sign), Math.log10(o.stop / sign)];
  const div = endpoint ? n - 1 : n;
  const step = div > 0 ? (l1 - l0) / div : 0;
  // The endpoints are exact, as JAX sets them.
  return hostSequence(n, o.dtype ?? "float32", (i) => (i === 0 ? o.start : endpoint && i === n - 1 ? o.stop : sign * 10 ** (l0 + i * step)));
}

function checkAxis(fname: string, axis: number | undefined): void {
  if (axis !== undefined && axis !== 0 && axis !== -1) throw new ValueError(`${fname}: axis ${axis} is out of bounds for the 1-D result`);
}
