/**
 * NumPy indexing: `getIndex` (what `x.slice(...)` calls), functional updates through
 * `indexUpdateRef` (`x.at(...).set/add/mul/min/max`), `take`, `takeAlongAxis`, and the
 * concrete-only `nonzero`, `argwhere`, `flatnonzero`.
 *
 * An index is a list of entries: integers, `[start, stop, step?]` slices (`null` for an open
 * end), `null` (newaxis), `"..."`, and integer arrays (boolean arrays too when their values
 * are concrete). As in NumPy, integer arrays ("advanced" indices) broadcast together; their
 * dims replace the first advanced entry's position when the advanced entries are adjacent,
 * and go first otherwise (integer scalars count as advanced entries once an array is present).
 *
 * Lowering, as JAX does it:
 * - basic indices only (integers, slices, newaxis): `slice`, `rev` (negative steps),
 *   `squeeze` (integers) and `broadcast_in_dim` (newaxis); never a gather;
 * - scalar integer arrays only (say a loop counter): `dynamic_slice` and `squeeze`;
 * - otherwise one `gather`: slices with step 1 are windows of the gather, strided slices,
 *   integers and arrays are index columns.
 * Updates use the same plan with the scatter primitives. Out-of-range array indices are
 * clamped when reading (mode "clip", JAX's default for `x[i]`) and dropped when updating
 * (mode "fill", JAX's default for `x.at[i].set`); negative ones count from the end.
 */
import { checkOptions, num, orNull, str } from "../core/options.js";
import { showShape } from "../../ir/aval.js";
import { type DType, isInt } from "../../ir/dtype.js";
import type { IndexMode } from "../../ir/primitives.js";
import { range } from "../../ir/util.js";
import { defaultFillValue } from "../../codegen/ref/indexing.js";
import { type ArrayLike, type Index, JArray } from "../core/array.js";
import { describe, scalar } from "../core/convert.js";
import { IndexError, ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { array } from "./creation.js";
import { divide, power } from "./elementwise.js";
import { asArray, broadcastShapes, broadcastToShape, normalizeAxis } from "./util.js";


// ---------------------------------------------------------------------------------------
// Parsing an index against an array's shape.

/** A normalized slice: `len` elements starting at `start`, `step` apart (step is 1 when len <= 1). */
interface SliceEntry {
  kind: "slice";
  dim: number;
  start: number;
  step: number;
  len: number;
}
interface IntEntry {
  kind: "int";
  dim: number;
  /** Non-negative when in range; left as given (wrapped once) when not, for updates to drop. */
  value: number;
}
interface ArrayEntry {
  kind: "array";
  dim: number;
  array: JArray;
}
interface NewAxisEntry {
  kind: "newaxis";
}
type Entry = SliceEntry | IntEntry | ArrayEntry | NewAxisEntry;

/** Where each result dim comes from. */
type OutDim = { kind: "slice"; entry: SliceEntry } | { kind: "newaxis" } | { kind: "adv"; k: number };

interface ParsedIndex {
  entries: Entry[];
  /** Whether any entry is an integer array (then integers are advanced entries too). */
  hasArrays: boolean;
  /** The broadcast shape of the advanced entries (empty without arrays). */
  advShape: number[];
  /** The result's dims, newaxis included. */
  out: OutDim[];
  /** The result's shape. */
  shape: number[];
}

type RawEntry =
  | { kind: "int"; value: number }
  | { kind: "slice"; start: number | null; stop: number | null; step: number | null }
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  | { kind: "array"; array: JArray }
  | { kind: "bool"; array: JArray };

function showEntry(e: unknown): string {
  if (e instanceof JArray) return describe(e);
  if (e === undefined) return "undefined";
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

const validIndices =
  "only integers, [start, stop, step] slices, null (newaxis), \"...\" and integer or boolean arrays are valid indices";

function parseRaw(fn: string, e: unknown): RawEntry {
  if (typeof e === "number") {
    if (!Number.isInteger(e)) throw new TypeError(`${fn}: ${validIndices}; got ${e}`);
    return { kind: "int", value: e };
  }
  if (e === null) return { kind: "newaxis" };
  if (e === "...") return { kind: "ellipsis" };
  if (e instanceof JArray) {
    if (e.dtype === "bool") {
      if (e.ndim === 0) throw new TypeError(`${fn}: a scalar boolean index is not supported (got ${describe(e)})`);
      return { kind: "bool", array: e };
    }
    if (!isInt(e.dtype))
      throw new TypeError(`${fn}: index arrays must have an integer or boolean dtype, got ${describe(e)}; convert with .astype("int32")`);
    return { kind: "array", array: e };
  }
  if (Array.isArray(e)) {
    const parts = e as unknown[];
    if (parts.length < 1 || parts.length > 3)
      throw new TypeError(`${fn}: a slice is [start, stop?, step?] with 1 to 3 entries, got ${showEntry(e)}`);
    const [start, stop, step] = [0, 1, 2].map((k) => parts[k] ?? null);
    for (const p of [start, stop, step])
      if (p !== null && (typeof p !== "number" || !Number.isInteger(p)))
        throw new TypeError(`${fn}: slice entries must be integers or null, got ${showEntry(e)}`);
    if (step === 0) throw new ValueError(`${fn}: slice step cannot be zero, got ${showEntry(e)}`);
    return { kind: "slice", start: start as number | null, stop: stop as number | null, step: step as number | null };
  }
  throw new TypeError(`${fn}: ${validIndices}; got ${showEntry(e)}`);
}

/** Python's `slice(start, stop, step).indices(n)`, as start, step and length. */
function normalizeSlice(start: number | null, stop: number | null, step: number | null, n: number): { start: number; step: number; len: number } {
  const st = step ?? 1;
  let s: number;
  let len: number;
  if (st > 0) {
    s = start === null ? 0 : start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
    const e = stop === null ? n : stop < 0 ? Math.max(stop + n, 0) : Math.min(stop, n);
    len = Math.max(0, Math.ceil((e - s) / st));
  } else {
    s = start === null ? n - 1 : start < 0 ? Math.max(start + n, -1) : Math.min(start, n - 1);
    const e = stop === null ? -1 : stop < 0 ? Math.max(stop + n, -1) : Math.min(stop, n - 1);
    len = Math.max(0, Math.ceil((s - e) / -st));
  }
  if (len === 0) return { start: 0, step: 1, len: 0 };
  if (len === 1) return { start: s, step: 1, len: 1 };
  return { start: s, step: st, len };
}

/** The coordinates of the nonzero elements of a concrete array, one list per dim. */
function concreteNonzero(x: JArray, what: string): number[][] {
  const data = x.toConcrete(what).readHost();
  const coords: number[][] = x.shape.map(() => []);
  const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((p, d) => p * d, 1));
  for (let f = 0; f < data.length; f++) {
    if (data[f] === 0) continue;
    let rem = f;
    for (let d = 0; d < x.ndim; d++) {
      const s = strides[d]!;
      coords[d]!.push(Math.floor(rem / s));
      rem %= s;
    }
  }
  return coords;
}

/**
 * Parses `index` against `x`. `checkBounds` makes an out-of-range integer an IndexError (reads);
 * without it (updates) such integers stay out of range so that the scatter drops them.
 */
function parseIndex(fn: string, x: JArray, index: readonly Index[], checkBounds: boolean): ParsedIndex {
  if (!Array.isArray(index)) throw new TypeError(`${fn}: the index must be a list of entries, got ${showEntry(index)}`);
  const raw = index.map((e) => parseRaw(fn, e));
  const ellipses = raw.filter((r) => r.kind === "ellipsis").length;
  if (ellipses > 1) throw new IndexError(`${fn}: an index can only have a single ellipsis ("..."), got ${ellipses}`);
  const consumed = raw.reduce((c, r) => c + (r.kind === "bool" ? r.array.ndim : r.kind === "newaxis" || r.kind === "ellipsis" ? 0 : 1), 0);
  if (consumed > x.ndim)
    throw new IndexError(`${fn}: too many indices for array: array of shape ${showShape(x.shape)} is ${x.ndim}-dimensional, but ${consumed} were indexed`);
  const full = (): RawEntry => ({ kind: "slice", start: null, stop: null, step: null });
  const expanded: RawEntry[] = [];
  for (const r of raw) {
    if (r.kind === "ellipsis") for (let i = 0; i < x.ndim - consumed; i++) expanded.push(full());
    else expanded.push(r);
  }
  if (ellipses === 0) for (let i = 0; i < x.ndim - consumed; i++) expanded.push(full());

  const entries: Entry[] = [];
  let dim = 0;
  for (const r of expanded) {
    switch (r.kind) {
      case "newaxis":
        entries.push({ kind: "newaxis" });
        break;
      case "int": {
        const n = x.shape[dim]!;
        if (checkBounds && (r.value < -n || r.value >= n))
          throw new IndexError(`${fn}: index ${r.value} is out of bounds for axis ${dim} with size ${n} (array of shape ${showShape(x.shape)})`);
        entries.push({ kind: "int", dim, value: r.value < 0 ? r.value + n : r.value });
        dim++;
        break;
      }
      case "slice": {
        entries.push({ kind: "slice", dim, ...normalizeSlice(r.start, r.stop, r.step, x.shape[dim]!) });
        dim++;
        break;
      }
      case "array":
        entries.push({ kind: "array", dim, array: r.array });
        dim++;
        break;
      case "bool": {
        const b = r.array;
        b.shape.forEach((d, j) => {
          if (d !== x.shape[dim + j])
            throw new IndexError(
              `${fn}: boolean index did not match indexed array along axis ${dim + j}; size of axis is ${x.shape[dim + j]} but size of corresponding boolean axis is ${d} (array of shape ${showShape(x.shape)}, mask of shape ${showShape(b.shape)})`,
            );
        });
        const coords = concreteNonzero(b, `${fn} with a boolean mask (the result's shape depends on its values)`);
        for (const c of coords) {
          entries.push({ kind: "array", dim, array: array(Int32Array.from(c)) });
          dim++;
        }
        break;
      }
      case "ellipsis":
        break;
    }
  }

  const hasArrays = entries.some((e) => e.kind === "array");
  const advPositions = entries.flatMap((e, i) => (hasArrays && (e.kind === "array" || e.kind === "int") ? [i] : []));
  const advShape = hasArrays
    ? broadcastShapes(fn, ...entries.flatMap((e) => (e.kind === "array" ? [e.array.shape] : [])))
    : [];
  const contiguous = advPositions.every((p, i) => i === 0 || p === advPositions[i - 1]! + 1);
  const advDims: OutDim[] = advShape.map((_, k) => ({ kind: "adv", k }));
  const out: OutDim[] = [];
  let placed = !hasArrays;
  if (hasArrays && !contiguous) {
    out.push(...advDims);
    placed = true;
  }
  for (const e of entries) {
    if (e.kind === "slice") out.push({ kind: "slice", entry: e });
    else if (e.kind === "newaxis") out.push({ kind: "newaxis" });
    else if (!placed) {
      out.push(...advDims);
      placed = true;
    }
  }
  const shape = out.map((o) => (o.kind === "slice" ? o.entry.len : o.kind === "newaxis" ? 1 : advShape[o.k]!));
  return { entries, hasArrays, advShape, out, shape };
}

// ---------------------------------------------------------------------------------------
// Lowering.

const int32Const = (v: number): JArray => scalar(v, "int32", false);

/** An integer index array as int32 with negative entries counted from the end of a dim of size n. */
function normalizeIndexArray(i: JArray, n: number): JArray {
  if (i.dtype === "uint32") return lax.convertElementType(i, "int32");
  const a = i.dtype === "int32" && !i.weakType ? i : lax.convertElementType(i, "int32");
  return lax.select(lax.lt(a, 0), lax.add(a, n), a);
}

/**
 * Basic indexing (slices, integers, newaxis) with `slice`, `rev`, `squeeze` and
 * `broadcast_in_dim`; scalar array entries (`dynamic`) become a `dynamic_slice`.
 */
function basicIndex(x: JArray, p: ParsedIndex): JArray {
  const starts = [...x.shape].fill(0);
  const limits = [...x.shape];
  const strides = [...x.shape].fill(1);
  const revDims: number[] = [];
  const squeezeDims: number[] = [];
  const dynamic = new Map<number, JArray>();
  for (const e of p.entries) {
    if (e.kind === "int") {
      starts[e.dim] = e.value;
      limits[e.dim] = e.value + 1;
      squeezeDims.push(e.dim);
    } else if (e.kind === "slice") {
      if (e.step > 0) {
        starts[e.dim] = e.start;
        limits[e.dim] = e.len === 0 ? e.start : e.start + (e.len - 1) * e.step + 1;
        strides[e.dim] = e.step;
      } else {
        starts[e.dim] = e.start + (e.len - 1) * e.step;
        limits[e.dim] = e.start + 1;
        strides[e.dim] = -e.step;
        revDims.push(e.dim);
      }
    } else if (e.kind === "array") {
      dynamic.set(e.dim, normalizeIndexArray(e.array, x.shape[e.dim]!));
      squeezeDims.push(e.dim);
    }
  }
  const identity = starts.every((s, i) => s === 0 && limits[i] === x.shape[i] && strides[i] === 1);
  let out = identity ? x : lax.slice(x, starts, limits, strides);
  if (revDims.length > 0) out = lax.rev(out, revDims);
  if (dynamic.size > 0) {
    const sizes = out.shape.map((d, i) => (dynamic.has(i) ? 1 : d));
    out = lax.dynamicSlice(
      out,
      out.shape.map((_, i) => dynamic.get(i) ?? int32Const(0)),
      sizes,
    );
  }
  if (squeezeDims.length > 0) out = lax.squeeze(out, squeezeDims.sort((a, b) => a - b));
  if (p.out.some((o) => o.kind === "newaxis")) {
    const dims = p.out.flatMap((o, i) => (o.kind === "newaxis" ? [] : [i]));
    out = lax.broadcastInDim(out, p.shape, dims);
  }
  return out;
}

/** A gather/scatter lowering of an index: the index columns and the dimension numbers. */
interface GatherPlan {
  /** `[...batchShape, columns]` int32. */
  indices: JArray;
  /** Result positions (newaxis dims left out) that are windows of the operand. */
  windowDims: number[];
  /** Operand dims indexed by integers, arrays or strided slices. */
  collapsedDims: number[];
  /** Operand dim of each index column. */
  columnDims: number[];
  /** Window size per operand dim (1 for collapsed dims). */
  sliceSizes: number[];
  /** The result's shape with newaxis dims left out. */
  shapeNoNewaxis: number[];
  /** Whether there is nothing to index (every dim a full window). */
  trivial: boolean;
}

function gatherPlan(x: JArray, p: ParsedIndex): GatherPlan {
  const dims = p.out.filter((o) => o.kind !== "newaxis");
  const shapeNoNewaxis = p.out.flatMap((o, i) => (o.kind === "newaxis" ? [] : [p.shape[i]!]));
  const isWindow = (e: SliceEntry) => e.step === 1;
  const windowDims: number[] = [];
  const batchShape: number[] = [];
  /** Batch position of each advanced dim, and of each strided slice (by operand dim). */
  const advBatchPos: number[] = [];
  const stridedBatchPos = new Map<number, number>();
  dims.forEach((o, pos) => {
    if (o.kind === "slice" && isWindow(o.entry)) windowDims.push(pos);
    else {
      if (o.kind === "adv") advBatchPos[o.k] = batchShape.length;
      else if (o.kind === "slice") stridedBatchPos.set(o.entry.dim, batchShape.length);
      batchShape.push(shapeNoNewaxis[pos]!);
    }
  });
  const sliceSizes = [...x.shape];
  const collapsedDims: number[] = [];
  const columnDims: number[] = [];
  const columns: JArray[] = [];
  const constant = (v: number) => lax.broadcastInDim(int32Const(v), batchShape, []);
  for (const e of p.entries) {
    if (e.kind === "newaxis") continue;
    const d = e.dim;
    if (e.kind === "slice" && isWindow(e)) {
      sliceSizes[d] = e.len;
      if (e.start !== 0) {
        columnDims.push(d);
        columns.push(constant(e.start));
      }
      continue;
    }
    sliceSizes[d] = 1;
    collapsedDims.push(d);
    columnDims.push(d);
    if (e.kind === "int") columns.push(constant(e.value));
    else if (e.kind === "slice") {
      const scaled = lax.mul(lax.iota("int32", e.len), e.step);
      const v = e.start === 0 ? scaled : lax.add(scaled, e.start);
      columns.push(lax.broadcastInDim(v, batchShape, [stridedBatchPos.get(d)!]));
    } else {
      const i = broadcastToShape(normalizeIndexArray(e.array, x.shape[d]!), p.advShape);
      columns.push(lax.broadcastInDim(i, batchShape, advBatchPos));
    }
  }
  const colShape = [...batchShape, 1];
  const indices =
    columns.length === 0
      ? lax.broadcastInDim(int32Const(0), [...batchShape, 0], [])
      : lax.concatenate(
          columns.map((c) => lax.broadcastInDim(c, colShape, range(batchShape.length))),
          batchShape.length,
        );
  const trivial = columns.length === 0 && collapsedDims.length === 0 && sliceSizes.every((s, i) => s === x.shape[i]);
  return { indices, windowDims, collapsedDims, columnDims, sliceSizes, shapeNoNewaxis, trivial };
}

function gatherIndex(x: JArray, p: ParsedIndex, mode: IndexMode, fillValue: number | null): JArray {
  const filled = () => lax.broadcastInDim(scalar(fillValue ?? defaultFillValue(x.dtype), x.dtype, false), p.shape, []);
  if (p.shape.some((d) => d === 0)) return filled();
  if (x.size === 0) {
    // A non-empty read from an empty dim: only fill values can come out.
    if (mode === "fill") return filled();
    throw new IndexError(`getIndex: cannot index into an empty axis of an array of shape ${showShape(x.shape)} with a non-empty integer array`);
  }
  const plan = gatherPlan(x, p);
  const out = lax.gather(
    x,
    plan.indices,
    { offsetDims: plan.windowDims, collapsedSliceDims: plan.collapsedDims, startIndexMap: plan.columnDims },
    plan.sliceSizes,
    { mode, fillValue },
  );
  return out.ndim === p.shape.length ? out : lax.reshape(out, p.shape);
}

export type GatherMode = IndexMode | "promise_in_bounds";
const gatherMode = (fn: string, m: GatherMode | undefined, dflt: IndexMode): IndexMode => {
  if (m === undefined) return dflt;
  if (m === "promise_in_bounds") return "clip";
  if (m !== "clip" && m !== "fill") throw new ValueError(`${fn}: mode must be "clip", "fill" or "promise_in_bounds", got ${JSON.stringify(m)}`);
  return m;
};

export interface GetIndexOptions {
  /** Out-of-range integer-array indices: "clip" (the default, as JAX's `x[i]`) or "fill". */
  mode?: GatherMode;
  /** The value read for out-of-range indices in "fill" mode (NaN for floats by default). */
  fillValue?: number | null;
}

/**
 * `x[index]` with NumPy semantics (what `x.slice(...index)` calls). Static integers out of
 * range are an IndexError; integer arrays are clamped into range (JAX's default).
 */
/** Indexing options (checked strictly: core/options.ts); mode values are checked by gatherMode. */
const GET_OPTIONS = { mode: str, fillValue: orNull(num) };
const UPDATE_OPTIONS = { mode: str };

export function getIndex(x: ArrayLike, index: readonly Index[], opts: GetIndexOptions = {}): JArray {
  const fn = "getIndex";
  checkOptions("np.getIndex", opts, GET_OPTIONS, ["x", "index"]);
  const a = asArray(x, fn);
  const mode = gatherMode(fn, opts.mode, "clip");
  const p = parseIndex(fn, a, index, true);
  if (!p.hasArrays) return basicIndex(a, p);
  const arrays = p.entries.filter((e): e is ArrayEntry => e.kind === "array");
  if (mode === "clip" && arrays.every((e) => e.array.ndim === 0 && a.shape[e.dim]! > 0)) return basicIndex(a, p);
  return gatherIndex(a, p, mode, opts.fillValue ?? null);
}

// ---------------------------------------------------------------------------------------
// Functional updates: x.at(...).set(v) and friends.

type UpdateKind = "set" | "add" | "mul" | "min" | "max";

export interface UpdateOptions {
  /** Out-of-range indices: "fill" (the default) drops their updates, "clip" clamps them. */
  mode?: GatherMode;
}

function scatterUpdate(kind: UpdateKind, x: JArray, index: readonly Index[], values: ArrayLike, opts: UpdateOptions): JArray {
  const fn = `at(...).${kind}`;
  checkOptions(fn, opts, UPDATE_OPTIONS, ["values"]);
  const mode = gatherMode(fn, opts.mode, "fill");
  const p = parseIndex(fn, x, index, false);
  let v = asArray(values, `${fn}: values`);
  const lead = p.shape.length - v.ndim;
  if (lead < 0 || v.shape.some((d, i) => d !== 1 && d !== p.shape[lead + i]))
    throw new ValueError(
      `${fn}: values of shape ${showShape(v.shape)} cannot be broadcast to the indexed shape ${showShape(p.shape)} (array of shape ${showShape(x.shape)})`,
    );
  if (p.shape.some((d) => d === 0)) return x;
  v = broadcastToShape(lax.convertElementType(v, x.dtype, x.weakType), p.shape);
  const plan = gatherPlan(x, p);
  const updates = v.ndim === plan.shapeNoNewaxis.length ? v : lax.reshape(v, plan.shapeNoNewaxis);
  if (plan.trivial) {
    // Every element is updated once, in order: the update is elementwise.
    switch (kind) {
      case "set":
        return updates;
      case "add":
        return x.dtype === "bool" ? lax.or(x, updates) : lax.add(x, updates);
      case "mul":
        return x.dtype === "bool" ? lax.and(x, updates) : lax.mul(x, updates);
      case "min":
        return lax.min(x, updates);
      case "max":
        return lax.max(x, updates);
    }
  }
  const dn = { updateWindowDims: plan.windowDims, insertedWindowDims: plan.collapsedDims, scatterDimsToOperandDims: plan.columnDims };
  const op = { set: lax.scatter, add: lax.scatterAdd, mul: lax.scatterMul, min: lax.scatterMin, max: lax.scatterMax }[kind];
  return op(x, plan.indices, updates, dn, { mode });
}

/**
 * JAX's `x.at[index]`: `get()` reads, and `set add mul min max divide power` return a new
 * array with the indexed elements updated (`values` broadcast to the indexed shape and cast
 * to x's dtype). Repeated indices accumulate for add/mul/min/max; for set, one of them wins.
 */
export class IndexUpdateRef {
  constructor(
    readonly array: JArray,
    readonly index: readonly Index[],
  ) {}

  get(opts: GetIndexOptions = {}): JArray {
    return getIndex(this.array, this.index, opts);
  }
  set(values: ArrayLike, opts: UpdateOptions = {}): JArray {
    return scatterUpdate("set", this.array, this.index, values, opts);
  }
  add(values: ArrayLike, opts: UpdateOptions = {}): JArray {
    return scatterUpdate("add", this.array, this.index, values, opts);
  }
  mul(values: ArrayLike, opts: UpdateOptions = {}): JArray {
    return scatterUpdate("mul", this.array, this.index, values, opts);
  }
  multiply(values: ArrayLike, opts: UpdateOptions = {}): JArray {
    return this.mul(values, opts);
  }
  min(values: ArrayLike, opts: UpdateOptions = {}): JArray {
    return scatterUpdate("min", this.array, this.index, values, opts);
  }
  max(values: ArrayLike, opts: UpdateOptions = {}): JArray {
    return scatterUpdate("max", this.array, this.index, values, opts);
  }
  /** `x / v` at the indexed elements (as JAX: x divided by a scatter-multiplied array of ones). */
  divide(values: ArrayLike, opts: UpdateOptions = {}): JArray {
    const ones = lax.broadcastInDim(scalar(1, this.array.dtype, false), this.array.shape, []);
    return divide(this.array, scatterUpdate("mul", ones, this.index, values, opts));
  }
  /** `x ** v` at the indexed elements. */
  power(values: ArrayLike, opts: UpdateOptions = {}): JArray {
    const ones = lax.broadcastInDim(scalar(1, this.array.dtype, false), this.array.shape, []);
    return power(this.array, scatterUpdate("mul", ones, this.index, values, opts));
  }
}

/** `x.at(...index)`: see IndexUpdateRef. */
export function indexUpdateRef(x: ArrayLike, index: readonly Index[]): IndexUpdateRef {
  const a = asArray(x, "at");
  if (!Array.isArray(index)) throw new TypeError(`at: the index must be a list of entries, got ${showEntry(index)}`);
  return new IndexUpdateRef(a, [...index]);
}

// ---------------------------------------------------------------------------------------
// take, takeAlongAxis

export type TakeMode = "fill" | "clip" | "wrap" | "promise_in_bounds";

export interface TakeOptions {
  /**
   * Out-of-range indices: "fill" (the default, as jnp.take) reads `fillValue`; "clip" clamps
   * (negative indices to 0); "wrap" wraps around. Negative indices count from the end in
   * "fill" mode.
   */
  mode?: TakeMode;
  fillValue?: number | null;
}

function indexArray(fn: string, indices: ArrayLike): JArray {
  const i = asArray(indices, `${fn}: indices`);
  if (!isInt(i.dtype)) throw new TypeError(`${fn}: indices must be integers, got ${describe(i)}`);
  return i;
}

/** Indices prepared for a gather along a dim of size n, and the gather mode. */
function prepareTakeIndices(fn: string, i: JArray, n: number, mode: TakeMode): [JArray, IndexMode] {
  switch (mode) {
    case "fill":
      return [normalizeIndexArray(i, n), "fill"];
    case "clip":
    case "promise_in_bounds":
      return [i.dtype === "int32" && !i.weakType ? i : lax.convertElementType(i, "int32"), "clip"];
    case "wrap": {
      const a = i.dtype === "int32" && !i.weakType ? i : lax.convertElementType(i, "int32");
      const r = lax.rem(a, n);
      return [lax.select(lax.lt(r, 0), lax.add(r, n), r), "clip"];
    }
    default:
      throw new ValueError(`${fn}: mode must be "fill", "clip", "wrap" or "promise_in_bounds", got ${JSON.stringify(mode)}`);
  }
}

/**
 * `np.take(x, indices, axis?, {mode, fillValue})`: elements of `x` at `indices` along `axis`
 * (of the flattened array when axis is null/undefined). The result has shape
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
 */
export function take(x: ArrayLike, indices: ArrayLike, axis?: number | null, opts: TakeOptions = {}): JArray {
  checkOptions("np.take", opts, GET_OPTIONS, ["a", "indices", "axis?"]);
  const fn = "take";
  let a = asArray(x, fn);
  const idx = indexArray(fn, indices);
  if (axis === undefined || axis === null) {
    a = a.ndim === 1 ? a : lax.reshape(a, [a.size]);
    axis = 0;
  }
  const ax = normalizeAxis(fn, axis, a.ndim);
  const n = a.shape[ax]!;
  const mode = opts.mode ?? "fill";
  const outShape = [...a.shape.slice(0, ax), ...idx.shape, ...a.shape.slice(ax + 1)];
  if (n === 0 || outShape.some((d) => d === 0)) {
    if (n === 0 && idx.size > 0 && mode !== "fill")
      throw new IndexError(`${fn}: cannot do a non-empty take from an empty axis ${ax} of an array of shape ${showShape(a.shape)}`);
    return lax.broadcastInDim(scalar(opts.fillValue ?? defaultFillValue(a.dtype), a.dtype, false), outShape, []);
  }
  const [i, gmode] = prepareTakeIndices(fn, idx, n, mode);
  const offsetDims = range(a.ndim - 1).map((d) => (d < ax ? d : d + idx.ndim));
  return lax.gather(
    a,
    lax.reshape(i, [...i.shape, 1]),
    { offsetDims, collapsedSliceDims: [ax], startIndexMap: [ax] },
    a.shape.map((d, k) => (k === ax ? 1 : d)),
    { mode: gmode, fillValue: opts.fillValue ?? null },
  );
}

/**
 * `np.takeAlongAxis(arr, indices, axis, {mode, fillValue})`: `arr` indexed along `axis` by
 * `indices` of the same rank, the other dims broadcast against each other (NumPy semantics).
 * `axis` null works on the flattened array with 1-d indices.
 */
export function takeAlongAxis(arr: ArrayLike, indices: ArrayLike, axis: number | null, opts: TakeOptions = {}): JArray {
  checkOptions("np.takeAlongAxis", opts, GET_OPTIONS, ["arr", "indices", "axis"]);
  const fn = "takeAlongAxis";
  let a = asArray(arr, fn);
  const idx = indexArray(fn, indices);
  if (axis === null) {
    if (idx.ndim !== 1)
      throw new ValueError(`${fn}: with axis null, indices must be 1-d, got shape ${showShape(idx.shape)}`);
    a = a.ndim === 1 ? a : lax.reshape(a, [a.size]);
    axis = 0;
  }
  if (idx.ndim !== a.ndim)
    throw new ValueError(
      `${fn}: indices and arr must have the same number of dimensions; got indices of shape ${showShape(idx.shape)} and arr of shape ${showShape(a.shape)}`,
    );
  const ax = normalizeAxis(fn, axis, a.ndim);
  const withOne = (s: readonly number[]) => s.map((d, i) => (i === ax ? 1 : d));
  let bshape: number[];
  try {
    bshape = broadcastShapes(fn, withOne(a.shape), withOne(idx.shape));
  } catch {
    throw new ValueError(
      `${fn}: arr of shape ${showShape(a.shape)} and indices of shape ${showShape(idx.shape)} do not broadcast outside axis ${ax}`,
    );
  }
  const outShape = bshape.map((d, i) => (i === ax ? idx.shape[ax]! : d));
  const n = a.shape[ax]!;
  const mode = opts.mode ?? "fill";
  const fill = () => lax.broadcastInDim(scalar(opts.fillValue ?? defaultFillValue(a.dtype), a.dtype, false), outShape, []);
  if (outShape.some((d) => d === 0)) return fill();
  if (a.size === 0) {
    if (mode !== "fill") throw new IndexError(`${fn}: cannot do a non-empty take from an empty axis ${ax} of an array of shape ${showShape(a.shape)}`);
    return fill();
  }
  const [i, gmode] = prepareTakeIndices(fn, idx, n, mode);
  const columns: JArray[] = [];
  const columnDims: number[] = [];
  for (let d = 0; d < a.ndim; d++) {
    if (d === ax) columns.push(broadcastToShape(i, outShape));
    else if (a.shape[d] === 1) continue;
    else columns.push(lax.broadcastedIota("int32", outShape, d));
    columnDims.push(d);
  }
  const colShape = [...outShape, 1];
  const gatherIndices = lax.concatenate(
    columns.map((c) => lax.reshape(c, colShape)),
    outShape.length,
  );
  return lax.gather(
    a,
    gatherIndices,
    { offsetDims: [], collapsedSliceDims: range(a.ndim), startIndexMap: columnDims },
    a.shape.map(() => 1),
    { mode: gmode, fillValue: opts.fillValue ?? null },
  );
}

// ---------------------------------------------------------------------------------------
// nonzero, argwhere, flatnonzero (concrete arrays only: the result's shape depends on values)

export interface NonzeroOptions {
  /** A static result length: truncate, or pad with `fillValue` (0 by default). */
  size?: number;
  fillValue?: number;
}

/** nonzero's options; size's value is checked by sized (a ValueError, as NumPy). */
const NONZERO = { size: num, fillValue: num };

function sized(fn: string, coords: number[], opts: NonzeroOptions): number[] {
  if (opts.size === undefined) return coords;
  if (!Number.isInteger(opts.size) || opts.size < 0) throw new ValueError(`${fn}: size must be a non-negative integer, got ${opts.size}`);
  const out = coords.slice(0, opts.size);
  while (out.length < opts.size) out.push(opts.fillValue ?? 0);
  return out;
}

/** `np.nonzero(x)`: one int32 array of coordinates per dim. Needs a concrete `x`. */
export function nonzero(x: ArrayLike, opts: NonzeroOptions = {}): JArray[] {
  checkOptions("np.nonzero", opts, NONZERO, ["a"]);
  const a = asArray(x, "nonzero");
  if (a.ndim === 0) throw new ValueError("nonzero: calling nonzero on 0-d arrays is not allowed; use atleast1d(x) first");
  const coords = concreteNonzero(a, "nonzero (its result's shape depends on the values)");
  return coords.map((c) => array(Int32Array.from(sized("nonzero", c, opts))));
}

/** `np.argwhere(x)`: the coordinates of nonzero elements as an int32 array of shape `[count, ndim]`. */
export function argwhere(x: ArrayLike, opts: NonzeroOptions = {}): JArray {
  checkOptions("np.argwhere", opts, NONZERO, ["a"]);
  const a = asArray(x, "argwhere");
  if (a.ndim === 0) {
    const count = a.toConcrete("argwhere (its result's shape depends on the values)").readHost()[0] !== 0 ? 1 : 0;
    return array(new Int32Array(0), { shape: [opts.size ?? count, 0] });
  }
  const coords = concreteNonzero(a, "argwhere (its result's shape depends on the values)").map((c) => sized("argwhere", c, opts));
  const count = coords[0]!.length;
  const flat = new Int32Array(count * a.ndim);
  for (let r = 0; r < count; r++) for (let d = 0; d < a.ndim; d++) flat[r * a.ndim + d] = coords[d]![r]!;
  return array(flat, { shape: [count, a.ndim] });
}

/** `np.flatnonzero(x)`: indices of nonzero elements of the flattened array. */
export function flatnonzero(x: ArrayLike, opts: NonzeroOptions = {}): JArray {
  checkOptions("np.flatnonzero", opts, NONZERO, ["a"]);
  const a = asArray(x, "flatnonzero");
  return nonzero(a.ndim === 1 ? a : lax.reshape(a, [a.size]), opts)[0]!;
}
