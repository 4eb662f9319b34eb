/**
 * Shape manipulation: `reshape ravel transpose swapaxes moveaxis squeeze expandDims
 * broadcastTo broadcastArrays concatenate stack hstack vstack dstack columnStack split
 * arraySplit tile repeat pad flip fliplr flipud roll rot90 atleast1d atleast2d atleast3d`.
 *
 * Everything is written with lax wrappers (slice, rev, reshape, squeeze, broadcastInDim,
 * concatenate, pad, gather for static index lists), so it traces, differentiates and batches.
 * Arguments that decide shapes (axes, sizes, repeats, pad widths) are JS numbers, as they are
 * static in JAX; each is validated here with an error naming the function and the shapes.
 */
import { any, checkOptions, str } from "../core/options.js";
import { showShape } from "../../ir/aval.js";
import { isInt } from "../../ir/dtype.js";
import { range } from "../../ir/util.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { describe } from "../core/convert.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { array } from "./creation.js";
import { asArray, broadcastShapes, broadcastToShape, normalizeAxes, normalizeAxis, promoteArgs } from "./util.js";

// ---------------------------------------------------------------------------------------
// Small validators shared by this file.

/** A list of integers from a number or a list of numbers (static arguments). */
function intList(fn: string, arg: string, v: unknown): number[] {
  const list = typeof v === "number" ? [v] : Array.isArray(v) ? [...(v as unknown[])] : null;
  if (list === null || list.some((d) => typeof d !== "number" || !Number.isInteger(d)))
    throw new TypeError(`${fn}: ${arg} must be an integer or a list of integers, got ${fmtValue(v)}`);
  return list as number[];
}

function fmtValue(v: unknown): string {
  if (v instanceof JArray) return describe(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Concrete integers from a JS number, a list, or a concrete integer array (static arguments). */
function staticInts(fn: string, arg: string, v: unknown): number[] {
  if (v instanceof JArray) {
    if (!isInt(v.dtype) && v.dtype !== "bool") throw new TypeError(`${fn}: ${arg} must hold integers, got ${describe(v)}`);
    if (v.ndim > 1) throw new ValueError(`${fn}: ${arg} must be a scalar or 1-d, got shape ${showShape(v.shape)}`);
    return Array.from(v.toConcrete(`${fn} with a traced ${arg} (it must be known while tracing)`).readHost(), Number);
  }
  return intList(fn, arg, v);
}

/** One dim of the result of `broadcastInDim` that inserts size-1 dims at `axes` (sorted). */
function insertOnes(shape: readonly number[], axes: readonly number[]): { shape: number[]; dims: number[] } {
  const out: number[] = [];
  const dims: number[] = [];
  let k = 0;
  for (let i = 0; i < shape.length + axes.length; i++) {
    if (axes.includes(i)) out.push(1);
    else {
      dims.push(i);
      out.push(shape[k++]!);
    }
  }
  return { shape: out, dims };
}

// ---------------------------------------------------------------------------------------
// reshape, ravel, transpose, swapaxes, moveaxis

/** `np.reshape(x, shape)`: one entry of `shape` may be -1 (inferred). */
export function reshape(x: ArrayLike, shape: number | readonly number[]): JArray {
  const a = asArray(x, "reshape");
  const s = intList("reshape", "shape", shape);
  const unknown = s.filter((d) => d === -1).length;
  if (unknown > 1) throw new ValueError(`reshape: can only specify one unknown dimension, got shape ${showShape(s)}`);
  if (s.some((d) => d < -1)) throw new ValueError(`reshape: shape ${showShape(s)} has a negative dimension`);
  let resolved = s;
  if (unknown === 1) {
    const known = s.reduce((p, d) => (d === -1 ? p : p * d), 1);
    if (known === 0 || a.size % known !== 0)
      throw new TypeError(`reshape: cannot reshape array of shape ${showShape(a.shape)} (size ${a.size}) into shape ${showShape(s)}`);
    resolved = s.map((d) => (d === -1 ? a.size / known : d));
  }
  const size = resolved.reduce((p, d) => p * d, 1);
  if (size !== a.size)
    throw new TypeError(`reshape: cannot reshape array of shape ${showShape(a.shape)} (size ${a.size}) into shape ${showShape(s)} (size ${size})`);
  return lax.reshape(a, resolved);
}

/** `np.ravel(x)`: the elements in row-major order, as a 1-d array. */
export function ravel(x: ArrayLike): JArray {
  const a = asArray(x, "ravel");
  return a.ndim === 1 ? a : lax.reshape(a, [a.size]);
}

/** `np.transpose(x, axes?)`: reverses the dims by default. */
export function transpose(x: ArrayLike, axes?: readonly number[] | null): JArray {
  const a = asArray(x, "transpose");
  if (axes === undefined || axes === null) return lax.transpose(a, range(a.ndim).reverse());
  const list = intList("transpose", "axes", axes);
  if (list.length !== a.ndim)
    throw new TypeError(`transpose: axes ${showShape(list)} don't match array of shape ${showShape(a.shape)}`);
  const perm = list.map((ax) => normalizeAxis("transpose", ax, a.ndim, "axes entry"));
  if (new Set(perm).size !== perm.length) throw new TypeError(`transpose: repeated axis in axes ${showShape(list)} for array of shape ${showShape(a.shape)}`);
  return lax.transpose(a, perm);
}

/** Alias of `transpose` (NumPy 2's `permute_dims`). */
export const permuteDims = transpose;

/** `np.swapaxes(x, axis1, axis2)`. */
export function swapaxes(x: ArrayLike, axis1: number, axis2: number): JArray {
  const a = asArray(x, "swapaxes");
  const i = normalizeAxis("swapaxes", axis1, a.ndim, "axis1");
  const j = normalizeAxis("swapaxes", axis2, a.ndim, "axis2");
  const perm = range(a.ndim);
  perm[i] = j;
  perm[j] = i;
  return lax.transpose(a, perm);
}

/** `np.moveaxis(x, source, destination)`: the other dims keep their order. */
export function moveaxis(x: ArrayLike, source: number | readonly number[], destination: number | readonly number[]): JArray {
  const a = asArray(x, "moveaxis");
  const src = intList("moveaxis", "source", source).map((s) => normalizeAxis("moveaxis", s, a.ndim, "source"));
  const dst = intList("moveaxis", "destination", destination).map((d) => normalizeAxis("moveaxis", d, a.ndim, "destination"));
  if (src.length !== dst.length)
    throw new ValueError(`moveaxis: source ${fmtValue(source)} and destination ${fmtValue(destination)} must have the same number of elements`);
  if (new Set(src).size !== src.length) throw new ValueError(`moveaxis: repeated axis in source ${fmtValue(source)}`);
  if (new Set(dst).size !== dst.length) throw new ValueError(`moveaxis: repeated axis in destination ${fmtValue(destination)}`);
  const perm = range(a.ndim).filter((i) => !src.includes(i));
  const pairs = dst.map((d, k) => [d, src[k]!] as const).sort((p, q) => p[0] - q[0]);
  for (const [d, s] of pairs) perm.splice(d, 0, s);
  return lax.transpose(a, perm);
}

// ---------------------------------------------------------------------------------------
// squeeze, expandDims, broadcasting

/** `np.squeeze(x, axis?)`: removes the named size-1 dims, or all of them. */
export function squeeze(x: ArrayLike, axis?: number | readonly number[] | null): JArray {
  const a = asArray(x, "squeeze");
  let dims: number[];
  if (axis === undefined || axis === null) dims = range(a.ndim).filter((i) => a.shape[i] === 1);
  else {
    dims = normalizeAxes("squeeze", intList("squeeze", "axis", axis), a.ndim);
    if (dims.some((d) => a.shape[d] !== 1))
      throw new ValueError(
        `squeeze: cannot select an axis to squeeze out which has size not equal to one, got shape=${showShape(a.shape)} and dimensions=${showShape(dims)}`,
      );
  }
  return dims.length === 0 ? a : lax.squeeze(a, dims);
}

/** `np.expandDims(x, axis)`: inserts size-1 dims so that they sit at `axis` in the result. */
export function expandDims(x: ArrayLike, axis: number | readonly number[]): JArray {
  const a = asArray(x, "expandDims");
  const list = intList("expandDims", "axis", axis);
  const ndim = a.ndim + list.length;
  const axes = list.map((ax) => normalizeAxis("expandDims", ax, ndim));
  if (new Set(axes).size !== axes.length) throw new ValueError(`expandDims: repeated axis in ${fmtValue(axis)}`);
  const { shape, dims } = insertOnes(a.shape, axes);
  return lax.broadcastInDim(a, shape, dims);
}

/** `np.broadcastTo(x, shape)` with NumPy's rules (trailing alignment; size-1 dims stretch). */
export function broadcastTo(x: ArrayLike, shape: number | readonly number[]): JArray {
  const a = asArray(x, "broadcastTo");
  const s = intList("broadcastTo", "shape", shape);
  if (s.some((d) => d < 0)) throw new ValueError(`broadcastTo: shape ${showShape(s)} has a negative dimension`);
  const lead = s.length - a.ndim;
  if (lead < 0 || a.shape.some((d, i) => d !== 1 && d !== s[lead + i]))
    throw new ValueError(`broadcastTo: cannot broadcast array of shape ${showShape(a.shape)} to shape ${showShape(s)}`);
  return broadcastToShape(a, s);
}

/** `np.broadcastArrays(...xs)`: every argument broadcast to their common shape. */
export function broadcastArrays(...xs: ArrayLike[]): JArray[] {
  const arrays = xs.map((x, i) => asArray(x, `broadcastArrays: argument ${i + 1}`));
  const shape = broadcastShapes("broadcastArrays", ...arrays.map((a) => a.shape));
  return arrays.map((a) => broadcastToShape(a, shape));
}

/** `np.broadcastShapes(...shapes)`: the shape that NumPy broadcasting gives. */
function broadcastShapesOf(...shapes: (readonly number[])[]): number[] {
  return broadcastShapes("broadcastShapes", ...shapes.map((s) => intList("broadcastShapes", "shape", s)));
}

export { broadcastShapesOf as broadcastShapes };

// ---------------------------------------------------------------------------------------
// Joining and splitting

function arrayList(fn: string, xs: readonly ArrayLike[]): JArray[] {
  if (!Array.isArray(xs)) throw new TypeError(`${fn}: expected a list of arrays, got ${describe(xs)}`);
  if (xs.length === 0) throw new ValueError(`${fn}: need at least one array`);
  return promoteArgs(fn, xs);
}

const shapesList = (xs: readonly JArray[]): string => xs.map((x) => showShape(x.shape)).join(", ");

/** `np.concatenate(xs, axis=0)`; `axis=null` joins the flattened arrays. Dtypes are promoted. */
export function concatenate(xs: readonly ArrayLike[], axis: number | null = 0): JArray {
  let arrays = arrayList("concatenate", xs);
  if (axis === null) {
    arrays = arrays.map((a) => (a.ndim === 1 ? a : lax.reshape(a, [a.size])));
    axis = 0;
  }
  const first = arrays[0]!;
  if (first.ndim === 0) throw new ValueError("concatenate: zero-dimensional arrays cannot be concatenated");
  const ax = normalizeAxis("concatenate", axis, first.ndim);
  for (const a of arrays) {
    if (a.ndim !== first.ndim)
      throw new TypeError(`concatenate: all the input arrays must have the same number of dimensions, got shapes ${shapesList(arrays)}`);
    if (a.shape.some((d, i) => i !== ax && d !== first.shape[i]))
      throw new TypeError(
        `concatenate: all the input array dimensions except for the concatenation axis must match exactly, got shapes ${shapesList(arrays)} along axis ${ax}`,
      );
  }
  return lax.concatenate(arrays, ax);
}

/** Alias (NumPy 2's `concat`). */
export const concat = concatenate;

/** `np.stack(xs, axis=0)`: joins equally shaped arrays along a new axis. */
export function stack(xs: readonly ArrayLike[], axis = 0): JArray {
  const arrays = arrayList("stack", xs);
  const first = arrays[0]!;
  if (arrays.some((a) => a.ndim !== first.ndim || a.shape.some((d, i) => d !== first.shape[i])))
    throw new ValueError(`stack: all input arrays must have the same shape, got ${shapesList(arrays)}`);
  const ax = normalizeAxis("stack", axis, first.ndim + 1);
  const { shape, dims } = insertOnes(first.shape, [ax]);
  return lax.concatenate(
    arrays.map((a) => lax.broadcastInDim(a, shape, dims)),
    ax,
  );
}

/** `np.hstack(xs)`: along axis 1, or axis 0 for 1-d arrays. */
export function hstack(xs: readonly ArrayLike[]): JArray {
  const arrays = arrayList("hstack", xs).map((a) => atleast1d(a));
  return concatenate(arrays, arrays[0]!.ndim === 1 ? 0 : 1);
}

/** `np.vstack(xs)`: along axis 0 after making each array at least 2-d. */
export function vstack(xs: readonly ArrayLike[]): JArray {
  return concatenate(
    arrayList("vstack", xs).map((a) => atleast2d(a)),
    0,
  );
}

/** `np.dstack(xs)`: along axis 2 after making each array at least 3-d. */
export function dstack(xs: readonly ArrayLike[]): JArray {
  return concatenate(
    arrayList("dstack", xs).map((a) => atleast3d(a)),
    2,
  );
}

/** `np.columnStack(xs)`: 1-d arrays become columns. */
export function columnStack(xs: readonly ArrayLike[]): JArray {
  return concatenate(
    arrayList("columnStack", xs).map((a) => (a.ndim < 2 ? lax.reshape(a, [a.size, 1]) : a)),
    1,
  );
}

/** Python's `slice(start, stop).indices(n)` for step 1: clamped bounds, empty when stop <= start. */
function clampRange(start: number, stop: number, n: number): [number, number] {
  const norm = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = norm(start);
  return [s, Math.max(s, norm(stop))];
}

function splitAt(a: JArray, boundaries: readonly number[], ax: number): JArray[] {
  const n = a.shape[ax]!;
  const edges = [0, ...boundaries, n];
  const out: JArray[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    const [s, e] = clampRange(edges[k]!, edges[k + 1]!, n);
    out.push(s === 0 && e === n ? a : lax.sliceInDim(a, s, e, 1, ax));
  }
  return out;
}

/**
 * `np.split(x, indicesOrSections, axis=0)`: a number of equal sections (which must divide the
 * axis), or the indices where the pieces start.
 */
export function split(x: ArrayLike, indicesOrSections: number | readonly number[] | JArray, axis = 0): JArray[] {
  return splitImpl("split", x, indicesOrSections, axis, true);
}

/** `np.arraySplit(x, indicesOrSections, axis=0)`: as split, but sections need not divide the axis. */
export function arraySplit(x: ArrayLike, indicesOrSections: number | readonly number[] | JArray, axis = 0): JArray[] {
  return splitImpl("arraySplit", x, indicesOrSections, axis, false);
}

function splitImpl(fn: string, x: ArrayLike, spec: number | readonly number[] | JArray, axis: number, equal: boolean): JArray[] {
  const a = asArray(x, fn);
  if (a.ndim === 0) throw new ValueError(`${fn}: cannot split a 0-dimensional array`);
  const ax = normalizeAxis(fn, axis, a.ndim);
  const n = a.shape[ax]!;
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec <= 0) throw new ValueError(`${fn}: number of sections must be a positive integer, got ${spec}`);
    if (equal && n % spec !== 0)
      throw new ValueError(
        `${fn}: array split does not result in an equal division: axis ${ax} of size ${n} (shape ${showShape(a.shape)}) into ${spec} sections`,
      );
    const each = Math.floor(n / spec);
    const extra = n % spec;
    const bounds: number[] = [];
    let at = 0;
    for (let k = 0; k < spec - 1; k++) bounds.push((at += each + (k < extra ? 1 : 0)));
    return splitAt(a, bounds, ax);
  }
  return splitAt(a, staticInts(fn, "indicesOrSections", spec), ax);
}

// ---------------------------------------------------------------------------------------
// tile, repeat

/** `np.tile(x, reps)`: `x` repeated `reps[i]` times along each dim. */
export function tile(x: ArrayLike, reps: number | readonly number[]): JArray {
  const a = asArray(x, "tile");
  const r = intList("tile", "reps", reps);
  if (r.some((v) => v < 0)) throw new ValueError(`tile: reps ${fmtValue(reps)} must be non-negative`);
  const n = Math.max(r.length, a.ndim);
  const shape = [...new Array<number>(n - a.ndim).fill(1), ...a.shape];
  const rr = [...new Array<number>(n - r.length).fill(1), ...r];
  const base = lax.reshape(a, shape);
  const target = shape.flatMap((d, i) => [rr[i]!, d]);
  const b = lax.broadcastInDim(base, target, range(n).map((i) => 2 * i + 1));
  return lax.reshape(
    b,
    shape.map((d, i) => d * rr[i]!),
  );
}

/**
 * `np.repeat(x, repeats, axis?)`: each element repeated `repeats` times (or `repeats[i]` times
 * for element i) along `axis`; `axis` null/undefined works on the flattened array. Repeats
 * are static (JS numbers or a concrete array), since they decide the result's shape.
 */
export function repeat(x: ArrayLike, repeats: number | readonly number[] | JArray, axis?: number | null): JArray {
  let a = asArray(x, "repeat");
  if (axis === undefined || axis === null) {
    a = ravel(a);
    axis = 0;
  }
  const ax = normalizeAxis("repeat", axis, a.ndim);
  const n = a.shape[ax]!;
  let reps = staticInts("repeat", "repeats", repeats);
  if (reps.some((v) => v < 0)) throw new ValueError(`repeat: repeats ${fmtValue(repeats)} must be non-negative`);
  if (reps.length === 1 || (reps.length > 0 && reps.every((v) => v === reps[0]))) {
    const r = reps[0]!;
    if (reps.length !== 1 && reps.length !== n)
      throw new ValueError(`repeat: repeats has ${reps.length} entries but axis ${ax} of shape ${showShape(a.shape)} has size ${n}`);
    const { shape, dims } = insertOnes(a.shape, [ax + 1]);
    shape[ax + 1] = r;
    const b = lax.broadcastInDim(a, shape, dims);
    return lax.reshape(
      b,
      a.shape.map((d, i) => (i === ax ? d * r : d)),
    );
  }
  if (reps.length !== n)
    throw new ValueError(`repeat: repeats has ${reps.length} entries but axis ${ax} of shape ${showShape(a.shape)} has size ${n}`);
  const idx = reps.flatMap((r, i) => new Array<number>(r).fill(i));
  return takeStatic(a, ax, idx);
}

/**
 * `x` indexed along `axis` by a static list of in-range indices, as a gather with constant
 * indices (the list is part of the program, like a literal).
 */
function takeStatic(x: JArray, axis: number, idx: readonly number[]): JArray {
  if (idx.length === x.shape[axis] && idx.every((v, i) => v === i)) return x;
  const indices = array(Int32Array.from(idx), { shape: [idx.length, 1] });
  const offsetDims = range(x.ndim - 1).map((d) => (d < axis ? d : d + 1));
  return lax.gather(
    x,
    indices,
    { offsetDims, collapsedSliceDims: [axis], startIndexMap: [axis] },
    x.shape.map((d, i) => (i === axis ? 1 : d)),
    { mode: "clip" },
  );
}

// ---------------------------------------------------------------------------------------
// pad

export type PadMode = "constant" | "edge" | "reflect" | "symmetric" | "wrap" | "empty";
export type PadWidth = number | readonly number[] | readonly (readonly number[])[];
export interface PadOptions {
  mode?: PadMode;
  /** For mode "constant": a scalar, or values in padWidth's forms (per-axis `[before, after]`). */
  constantValues?: ArrayLike | readonly number[] | readonly (readonly number[])[];
}

/**
 * NumPy's `np.broadcast_to(v, (ndim, 2))` for pad widths and constant values: a scalar, `[v]`,
 * `[before, after]`, `[[before, after]]`, or one pair per axis.
 */
function perAxisPairs<T>(fn: string, arg: string, v: unknown, ndim: number, isLeaf: (x: unknown) => x is T): [T, T][] {
  const bad = () =>
    new ValueError(`${fn}: ${arg} ${fmtValue(v)} must be a scalar, [before, after], or one [before, after] pair per axis of an array with ${ndim} dims`);
  if (isLeaf(v)) return range(ndim).map(() => [v, v]);
  if (!Array.isArray(v)) throw bad();
  const rows: unknown[] = v as unknown[];
  if (rows.length === 0 && ndim === 0) return [];
  // A flat list: shape (k,) broadcasts against (ndim, 2) as a row.
  if (rows.every((r) => isLeaf(r))) {
    if (rows.length === 1) return range(ndim).map(() => [rows[0] as T, rows[0] as T]);
    if (rows.length === 2) return range(ndim).map(() => [rows[0] as T, rows[1] as T]);
    throw bad();
  }
  if (!rows.every((r) => Array.isArray(r) && r.length >= 1 && r.length <= 2 && r.every((e) => isLeaf(e)))) throw bad();
  const pairs = (rows as T[][]).map((r) => [r[0]!, r[r.length - 1]!] as [T, T]);
  if (pairs.length === 1) return range(ndim).map(() => pairs[0]!);
  if (pairs.length !== ndim) throw bad();
  return pairs;
}

const isNumber = (x: unknown): x is number => typeof x === "number";

/**
 * `np.pad(x, padWidth, {mode, constantValues})`. `padWidth` is an int, `[before, after]`, or
 * one pair per axis; modes "constant" (default), "edge", "reflect", "symmetric", "wrap"
 * ("empty" pads with zeros, as JAX does). A mode string may stand in for the options.
 */
export function pad(x: ArrayLike, padWidth: PadWidth, opts: PadOptions | PadMode = {}): JArray {
  const a = asArray(x, "pad");
  const o: PadOptions = typeof opts === "string" ? { mode: opts } : (checkOptions("np.pad", opts, { mode: str, constantValues: any }, ["array", "padWidth"]) as PadOptions);
  const mode = o.mode ?? "constant";
  const widths = perAxisPairs("pad", "padWidth", padWidth, a.ndim, isNumber);
  if (widths.some(([lo, hi]) => !Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < 0))
    throw new ValueError(`pad: padWidth ${fmtValue(padWidth)} must hold non-negative integers`);
  switch (mode) {
    case "constant":
    case "empty":
      return padConstant(a, widths, mode === "empty" ? 0 : (o.constantValues ?? 0));
    case "edge":
    case "reflect":
    case "symmetric":
    case "wrap": {
      let out = a;
      for (let ax = 0; ax < a.ndim; ax++) {
        const [lo, hi] = widths[ax]!;
        if (lo === 0 && hi === 0) continue;
        const n = a.shape[ax]!;
        if (n === 0)
          throw new ValueError(`pad: can't extend empty axis ${ax} of shape ${showShape(a.shape)} using modes other than 'constant' or 'empty'`);
        const idx = range(lo + n + hi).map((p) => padSource(mode, p - lo, n));
        out = takeRuns(out, ax, idx);
      }
      return out;
    }
    default:
      throw new ValueError(`pad: mode ${JSON.stringify(mode)} is not supported; use "constant", "edge", "reflect", "symmetric", "wrap" or "empty"`);
  }
}

/** The source position along an axis of size n for padded position p (0 is the first element). */
function padSource(mode: "edge" | "reflect" | "symmetric" | "wrap", p: number, n: number): number {
  const mod = (v: number, m: number) => ((v % m) + m) % m;
  switch (mode) {
    case "edge":
      return Math.min(Math.max(p, 0), n - 1);
    case "wrap":
      return mod(p, n);
    case "reflect": {
      if (n === 1) return 0;
      const m = mod(p, 2 * (n - 1));
      return m < n ? m : 2 * (n - 1) - m;
    }
    case "symmetric": {
      const m = mod(p, 2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
  }
}

function padConstant(a: JArray, widths: readonly [number, number][], values: unknown): JArray {
  const cast = (v: ArrayLike): JArray => {
    const arr = asArray(v, "pad: constantValues");
    if (arr.ndim !== 0) throw new ValueError(`pad: constantValues entries must be scalars, got shape ${showShape(arr.shape)}`);
    return lax.convertElementType(arr, a.dtype, a.weakType);
  };
  let vals: unknown = values;
  if (vals instanceof JArray && vals.ndim > 0) {
    // Per-axis values given as an array must be known while tracing (their layout is static).
    vals = (vals as JArray).toConcrete("pad with a non-scalar traced constantValues").tolist();
  }
  if (typeof vals === "number" || typeof vals === "boolean" || vals instanceof JArray) {
    const v = cast(vals as ArrayLike);
    if (widths.every(([lo, hi]) => lo === 0 && hi === 0)) return a;
    return lax.pad(
      a,
      v,
      widths.map(([lo, hi]) => [lo, hi, 0] as const),
    );
  }
  const pairs = perAxisPairs("pad", "constantValues", vals, a.ndim, isNumber);
  let out = a;
  for (let ax = 0; ax < a.ndim; ax++) {
    const [lo, hi] = widths[ax]!;
    const [vlo, vhi] = pairs[ax]!;
    const cfg = (l: number, h: number) => out.shape.map((_, i) => (i === ax ? ([l, h, 0] as const) : ([0, 0, 0] as const)));
    if (vlo === vhi) {
      if (lo > 0 || hi > 0) out = lax.pad(out, cast(vlo), cfg(lo, hi));
    } else {
      if (lo > 0) out = lax.pad(out, cast(vlo), cfg(lo, 0));
      if (hi > 0) out = lax.pad(out, cast(vhi), cfg(0, hi));
    }
  }
  return out;
}

/**
 * `x` indexed along `axis` by a static list of indices, written as slices, reversed slices
 * and broadcasts of maximal runs (steps +1, -1 and 0) joined by one concatenate: the
 * primitives JAX's own pad and roll produce.
 */
function takeRuns(x: JArray, axis: number, idx: readonly number[]): JArray {
  const n = x.shape[axis]!;
  if (idx.length === n && idx.every((v, i) => v === i)) return x;
  const parts: JArray[] = [];
  let i = 0;
  while (i < idx.length) {
    const a = idx[i]!;
    let step = i + 1 < idx.length ? idx[i + 1]! - a : 1;
    if (step < -1 || step > 1) step = 1;
    let j = i + 1;
    while (j < idx.length && idx[j]! - idx[j - 1]! === step) j++;
    const len = j - i;
    if (step === 1) parts.push(a === 0 && len === n ? x : lax.sliceInDim(x, a, a + len, 1, axis));
    else if (step === -1) parts.push(lax.rev(lax.sliceInDim(x, a - len + 1, a + 1, 1, axis), [axis]));
    else {
      const one = lax.sliceInDim(x, a, a + 1, 1, axis);
      parts.push(
        lax.broadcastInDim(
          one,
          one.shape.map((d, k) => (k === axis ? len : d)),
          range(x.ndim),
        ),
      );
    }
    i = j;
  }
  if (parts.length === 0) return lax.sliceInDim(x, 0, 0, 1, axis);
  return lax.concatenate(parts, axis);
}

// ---------------------------------------------------------------------------------------
// flip, roll, rot90

/** `np.flip(x, axis?)`: reverses the order of elements along the given axes (all by default). */
export function flip(x: ArrayLike, axis?: number | readonly number[] | null): JArray {
  const a = asArray(x, "flip");
  const axes = normalizeAxes("flip", axis === undefined || axis === null ? null : intList("flip", "axis", axis), a.ndim);
  return axes.length === 0 ? a : lax.rev(a, axes);
}

/** `np.fliplr(x)`: flips axis 1. */
export function fliplr(x: ArrayLike): JArray {
  const a = asArray(x, "fliplr");
  if (a.ndim < 2) throw new ValueError(`fliplr: needs an array of at least 2 dims, got shape ${showShape(a.shape)}`);
  return lax.rev(a, [1]);
}

/** `np.flipud(x)`: flips axis 0. */
export function flipud(x: ArrayLike): JArray {
  const a = asArray(x, "flipud");
  if (a.ndim < 1) throw new ValueError(`flipud: needs an array of at least 1 dim, got shape ${showShape(a.shape)}`);
  return lax.rev(a, [0]);
}

/**
 * `np.roll(x, shift, axis?)`: elements shifted along `axis` (the flattened array when axis is
 * null), wrapping around. `shift` and `axis` may be lists (broadcast against each other);
 * `shift` may also be an integer array, traced included.
 */
export function roll(x: ArrayLike, shift: number | readonly number[] | JArray, axis?: number | readonly number[] | null): JArray {
  const a = asArray(x, "roll");
  if (axis === undefined || axis === null) return lax.reshape(roll(ravel(a), shift, 0), a.shape);
  const axes = intList("roll", "axis", axis).map((ax) => normalizeAxis("roll", ax, a.ndim));
  if (shift instanceof JArray) {
    if (!isInt(shift.dtype)) throw new TypeError(`roll: shift must be an integer array, got ${describe(shift)}`);
    if (shift.ndim > 1) throw new ValueError(`roll: shift must be a scalar or 1-d, got shape ${showShape(shift.shape)}`);
    const k = shift.ndim === 0 ? 1 : shift.shape[0]!;
    if (k !== 1 && axes.length !== 1 && k !== axes.length)
      throw new ValueError(`roll: shift of shape ${showShape(shift.shape)} and axis ${fmtValue(axis)} must have the same length`);
    const count = Math.max(k, axes.length);
    let out = a;
    for (let i = 0; i < count; i++) {
      const s = shift.ndim === 0 ? shift : lax.reshape(lax.sliceInDim(shift, k === 1 ? 0 : i, (k === 1 ? 0 : i) + 1), []);
      out = rollDynamic(out, lax.convertElementType(s, "int32"), axes[axes.length === 1 ? 0 : i]!);
    }
    return out;
  }
  const shifts = intList("roll", "shift", shift);
  if (shifts.length !== 1 && axes.length !== 1 && shifts.length !== axes.length)
    throw new ValueError(`roll: shift ${fmtValue(shift)} and axis ${fmtValue(axis)} must have the same length`);
  const total = new Array<number>(a.ndim).fill(0);
  const count = Math.max(shifts.length, axes.length);
  for (let i = 0; i < count; i++) total[axes[axes.length === 1 ? 0 : i]!]! += shifts[shifts.length === 1 ? 0 : i]!;
  let out = a;
  for (let ax = 0; ax < a.ndim; ax++) {
    const n = a.shape[ax]!;
    if (n === 0) continue;
    const s = ((total[ax]! % n) + n) % n;
    if (s === 0) continue;
    out = lax.concatenate([lax.sliceInDim(out, n - s, n, 1, ax), lax.sliceInDim(out, 0, n - s, 1, ax)], ax);
  }
  return out;
}

/** A roll by a traced amount: a dynamic slice of the array concatenated with itself. */
function rollDynamic(a: JArray, shift: JArray, ax: number): JArray {
  const n = a.shape[ax]!;
  if (n === 0) return a;
  const r = lax.rem(shift, n);
  const s = lax.select(lax.lt(r, 0), lax.add(r, n), r);
  const start = lax.sub(n, s);
  const doubled = lax.concatenate([a, a], ax);
  return lax.dynamicSlice(
    doubled,
    a.shape.map((_, i) => (i === ax ? start : 0)),
    a.shape,
  );
}

/** `np.rot90(x, k=1, axes=[0, 1])`: rotates by 90 degrees k times in the plane of `axes`. */
export function rot90(x: ArrayLike, k = 1, axes: readonly [number, number] = [0, 1]): JArray {
  const a = asArray(x, "rot90");
  if (!Number.isInteger(k)) throw new TypeError(`rot90: k must be an integer, got ${k}`);
  if (a.ndim < 2) throw new ValueError(`rot90: needs an array of at least 2 dims, got shape ${showShape(a.shape)}`);
  const [a0, a1] = intList("rot90", "axes", axes).map((ax) => normalizeAxis("rot90", ax, a.ndim));
  if (axes.length !== 2 || a0 === a1) throw new ValueError(`rot90: axes ${fmtValue(axes)} must be two different axes`);
  const kk = ((k % 4) + 4) % 4;
  if (kk === 0) return a;
  if (kk === 2) return lax.rev(a, [a0!, a1!].sort((p, q) => p - q));
  const perm = range(a.ndim);
  perm[a0!] = a1!;
  perm[a1!] = a0!;
  return kk === 1 ? lax.transpose(lax.rev(a, [a1!]), perm) : lax.rev(lax.transpose(a, perm), [a1!]);
}

// ---------------------------------------------------------------------------------------
// atleast1d / 2d / 3d

function atleast(fn: string, x: ArrayLike, make: (a: JArray) => JArray): JArray {
  return make(asArray(x, fn));
}

const to1d = (a: JArray) => (a.ndim >= 1 ? a : lax.reshape(a, [1]));
const to2d = (a: JArray) => (a.ndim >= 2 ? a : lax.reshape(a, a.ndim === 0 ? [1, 1] : [1, a.shape[0]!]));
const to3d = (a: JArray) =>
  a.ndim >= 3 ? a : lax.reshape(a, a.ndim === 0 ? [1, 1, 1] : a.ndim === 1 ? [1, a.shape[0]!, 1] : [a.shape[0]!, a.shape[1]!, 1]);

/** `np.atleast1d(x)` (or a list of results for several arguments). */
export function atleast1d(x: ArrayLike): JArray;
export function atleast1d(...xs: ArrayLike[]): JArray[];
export function atleast1d(...xs: ArrayLike[]): JArray | JArray[] {
  const out = xs.map((x) => atleast("atleast1d", x, to1d));
  return out.length === 1 ? out[0]! : out;
}

/** `np.atleast2d(x)`: 1-d arrays become rows. */
export function atleast2d(x: ArrayLike): JArray;
export function atleast2d(...xs: ArrayLike[]): JArray[];
export function atleast2d(...xs: ArrayLike[]): JArray | JArray[] {
  const out = xs.map((x) => atleast("atleast2d", x, to2d));
  return out.length === 1 ? out[0]! : out;
}

/** `np.atleast3d(x)`: as NumPy, `(n,)` becomes `(1, n, 1)` and `(m, n)` becomes `(m, n, 1)`. */
export function atleast3d(x: ArrayLike): JArray;
export function atleast3d(...xs: ArrayLike[]): JArray[];
export function atleast3d(...xs: ArrayLike[]): JArray | JArray[] {
  const out = xs.map((x) => atleast("atleast3d", x, to3d));
  return out.length === 1 ? out[0]! : out;
}

