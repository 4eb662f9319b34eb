/**
 * Reductions (`sum mean prod max min var std argmax argmin all any logsumexp`), cumulative
 * scans (`cumsum cumprod`), and closeness tests (`isclose allclose arrayEqual`), following
 * jax.numpy's dtype rules: sums and products of bool give int32 and of int32 stay int32, means
 * and variances of integers are float32, results are strongly typed, `axis = null` reduces
 * everything, and `max`/`min` of a zero-size axis is a ValueError (they have no identity).
 */
import { showShape } from "../../ir/aval.js";
import { arrayLike, bindArgs, bool, checkOptions, dtype as dtypeKind, num, orNull, required, union } from "../core/options.js";
import { type DType, isFloat, isInt } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { describe, scalar } from "../core/convert.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { checkDType } from "./creation.js";
import { asArray, broadcastArgs, broadcastShapes, broadcastToShape, normalizeAxes, normalizeAxis, promoteArgs, promoteArgsInexact } from "./util.js";

export type Axis = number | readonly number[] | null;

export interface ReduceOptions {
  keepdims?: boolean;
}

export interface SumOptions extends ReduceOptions {
  /** The dtype to accumulate in and return (JAX's `dtype`). */
  dtype?: DType;
  /** A scalar combined with the result (`sum` adds it, `max` takes the maximum, ...). */
  initial?: number | boolean;
  /** A mask broadcastable to the input: only elements where it is true take part. */
  where?: ArrayLike;
}

export interface MaxOptions extends ReduceOptions {
  initial?: number | boolean;
  where?: ArrayLike;
}

export interface MeanOptions extends ReduceOptions {
  dtype?: DType;
  where?: ArrayLike;
}

export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is `N - ddof`. */
  ddof?: number;
  /** The array-API spelling of `ddof`. */
  correction?: number;
  dtype?: DType;
  where?: ArrayLike;
}

export interface BoolReduceOptions extends ReduceOptions {
  where?: ArrayLike;
}

// --- shared machinery ------------------------------------------------------------------------

/** `shape` with the reduced `axes` kept as size-1 dims. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function expandReduced(result: JArray, inShape: readonly number[], axes: readonly number[]): JArray {
  return lax.reshape(result, keptShape(inShape, axes));
}

/** The mask of a `where` option broadcast to `shape`, as bool. */
function whereMask(fn: string, where: ArrayLike, shape: readonly number[]): JArray {
  let w = asArray(where, `${fn}: where`);
  if (w.dtype !== "bool") w = lax.ne(w, 0);
  const target = broadcastShapes(`${fn}: where`, w.shape, shape);
  if (target.length !== shape.length || target.some((d, i) => d !== shape[i]))
    throw new ValueError(`${fn}: where mask of shape ${showShape(w.shape)} does not broadcast to the input shape ${showShape(shape)}`);
  return broadcastToShape(w, shape);
}

/** A strongly typed scalar constant. */
const konst = (value: number | boolean, dtype: DType): JArray => scalar(value, dtype, false);

/** A scalar constant of `dtype` broadcast to `shape`. */
function filled(value: number | boolean, dtype: DType, shape: readonly number[]): JArray {
  return lax.broadcastInDim(konst(value, dtype), shape, []);
}

/** The lowest / highest value of a dtype: the identity of max / min. */
function lowest(dtype: DType): number {
  return isFloat(dtype) ? -Infinity : dtype === "int32" ? -0x80000000 : 0;
}
function highest(dtype: DType): number {
  return isFloat(dtype) ? Infinity : dtype === "int32" ? 0x7fffffff : dtype === "uint32" ? 0xffffffff : 1;
}

/** JAX's `promote_integers`: bool accumulates as int32; int32 and uint32 stay as they are. */
function accumulationDtype(dtype: DType): DType {
  return dtype === "bool" ? "int32" : dtype;
}

interface Reducer {
  name: string;
  /** The identity element (null for max/min, which have none). */
  identity: (dtype: DType) => number | null;
  /** Reduces `axes` of `x` (already in its computation dtype). */
  reduce: (x: JArray, axes: number[]) => JArray;
  /** Combines the result with the `initial` scalar. */
  combine: (a: JArray, b: JArray) => JArray;
  /** Whether ints and bools are promoted (sum, prod). */
  promoteIntegers: boolean;
}

/** JAX's `_reduction`: dtype rules, identity checks, `where`, `initial`, `keepdims`. */
function reduction(r: Reducer, x: ArrayLike, axis: Axis | undefined, opts: SumOptions): JArray {
  const fn = r.name;
  const a = asArray(x, `${fn}: argument a`);
  checkOpts(fn as "sum" | "prod" | "max" | "min", opts);
  const axes = normalizeAxes(fn, axis, a.ndim);
  const identity = r.identity(a.dtype);
  if (opts.initial === undefined && identity === null) {
    const empty = axes.filter((d) => a.shape[d] === 0);
    if (empty.length > 0)
      throw new ValueError(`${fn}: zero-size array to reduction operation ${fn} which has no identity (shape ${showShape(a.shape)}, axis ${axisStr(axis)})`);
    if (opts.where !== undefined)
      throw new ValueError(`${fn}: reduction operation ${fn} does not have an identity, so to use a where mask one has to specify 'initial'`);
  }
  const explicit = opts.dtype === undefined ? undefined : checkDType(fn, opts.dtype);
  const dtype = explicit ?? (r.promoteIntegers ? accumulationDtype(a.dtype) : a.dtype);
  let c = lax.convertElementType(a, dtype, false);
  if (opts.where !== undefined) {
    const mask = whereMask(fn, opts.where, c.shape);
    const init = r.identity(dtype) ?? (r.name === "max" ? lowest(dtype) : highest(dtype));
    c = lax.select(mask, c, filled(init, dtype, c.shape));
  }
  let out = r.reduce(c, axes);
  if (opts.initial !== undefined) {
    if (typeof opts.initial !== "number" && typeof opts.initial !== "boolean")
      throw new TypeError(`${fn}: initial must be a scalar number, got ${typeof opts.initial}`);
    out = r.combine(konst(opts.initial, dtype), out);
  }
  if (opts.keepdims) out = expandReduced(out, a.shape, axes);
  return out;
}

// Each reduction's options, checked strictly (core/options.ts); axis stays positional, as NumPy's.
const KEEPDIMS = { keepdims: bool };
const WHERE = { ...KEEPDIMS, where: arrayLike };
const INITIAL = union(num, bool);
const OPTION_SPECS = {
  sum: { ...WHERE, dtype: dtypeKind, initial: INITIAL },
  prod: { ...WHERE, dtype: dtypeKind, initial: INITIAL },
  max: { ...WHERE, initial: INITIAL },
  min: { ...WHERE, initial: INITIAL },
  ptp: KEEPDIMS,
  countNonzero: KEEPDIMS,
  all: WHERE,
  any: WHERE,
  mean: { ...WHERE, dtype: dtypeKind },
  var: { ...WHERE, dtype: dtypeKind, ddof: num, correction: num },
  std: { ...WHERE, dtype: dtypeKind, ddof: num, correction: num },
  average: { ...KEEPDIMS, weights: orNull(arrayLike) },
  argmax: KEEPDIMS,
  argmin: KEEPDIMS,
  logsumexp: { ...KEEPDIMS, b: orNull(arrayLike) },
  cumsum: { dtype: dtypeKind },
  cumprod: { dtype: dtypeKind },
  isclose: { rtol: num, atol: num, equalNan: bool },
  allclose: { rtol: num, atol: num, equalNan: bool },
  arrayEqual: { equalNan: bool },
} as const;

/** Checks `opts` against the options `fn` takes; a non-object (`np.sum(x, 0, true)`) is an error too. */
function checkOpts(fn: keyof typeof OPTION_SPECS, opts: unknown, leading: readonly string[] = ["a", "axis?"]): void {
  checkOptions(`np.${fn}`, opts, OPTION_SPECS[fn], leading);
}

const axisStr = (axis: Axis | undefined): string => (axis === null || axis === undefined ? "None" : JSON.stringify(axis));

const sumReducer: Reducer = {
  name: "sum",
  identity: () => 0,
  reduce: (x, axes) => (x.dtype === "bool" ? lax.reduceOr(x, axes) : lax.reduceSum(x, axes)),
  combine: (a, b) => (a.dtype === "bool" ? lax.or(a, b) : lax.add(a, b)),
  promoteIntegers: true,
};
const prodReducer: Reducer = {
  name: "prod",
  identity: () => 1,
  reduce: (x, axes) => (x.dtype === "bool" ? lax.reduceAnd(x, axes) : lax.reduceProd(x, axes)),
  combine: (a, b) => (a.dtype === "bool" ? lax.and(a, b) : lax.mul(a, b)),
  promoteIntegers: true,
};
const maxReducer: Reducer = {
  name: "max",
  identity: () => null,
  reduce: (x, axes) => lax.reduceMax(x, axes),
  combine: (a, b) => lax.max(a, b),
  promoteIntegers: false,
};
const minReducer: Reducer = {
  name: "min",
  identity: () => null,
  reduce: (x, axes) => lax.reduceMin(x, axes),
  combine: (a, b) => lax.min(a, b),
  promoteIntegers: false,
};

// --- sum, prod, max, min ---------------------------------------------------------------------

/** `np.sum(x, axis?, {keepdims, dtype, initial, where})`; bool sums to int32. */
export function sum(x: ArrayLike, axis?: Axis, opts: SumOptions = {}): JArray {
  return reduction(sumReducer, x, axis, opts);
}

/** `np.prod(x, axis?, {keepdims, dtype, initial, where})`; bool multiplies as int32. */
export function prod(x: ArrayLike, axis?: Axis, opts: SumOptions = {}): JArray {
  return reduction(prodReducer, x, axis, opts);
}

/** `np.max(x, axis?, {keepdims, initial, where})`; NaN propagates; zero-size axes need `initial`. */
export function max(x: ArrayLike, axis?: Axis, opts: MaxOptions = {}): JArray {
  return reduction(maxReducer, x, axis, opts);
}

/** `np.min(x, axis?, {keepdims, initial, where})`. */
export function min(x: ArrayLike, axis?: Axis, opts: MaxOptions = {}): JArray {
  return reduction(minReducer, x, axis, opts);
}

export const amax = max;
export const amin = min;

/** `np.ptp(x, axis?, {keepdims})`: max minus min. */
export function ptp(x: ArrayLike, axis?: Axis, opts: ReduceOptions = {}): JArray {
  checkOpts("ptp", opts);
  const a = asArray(x, "ptp: argument a");
  if (a.dtype === "bool") throw new TypeError("ptp: not supported for bool arrays (boolean subtract)");
  return lax.sub(max(a, axis, { keepdims: opts.keepdims }), min(a, axis, { keepdims: opts.keepdims }));
}

/** `np.countNonzero(x, axis?, {keepdims})`: int32 counts. */
export function countNonzero(x: ArrayLike, axis?: Axis, opts: ReduceOptions = {}): JArray {
  checkOpts("countNonzero", opts);
  const a = asArray(x, "countNonzero: argument a");
  const nz = toBool(a);
  return sum(nz, axis, { keepdims: opts.keepdims, dtype: "int32" });
}

// --- all, any ----------------------------------------------------------------------------------

function toBool(a: JArray): JArray {
  return a.dtype === "bool" ? a : lax.ne(a, 0);
}

function boolReduction(fn: "all" | "any", x: ArrayLike, axis: Axis | undefined, opts: BoolReduceOptions): JArray {
  const a = asArray(x, `${fn}: argument a`);
  checkOpts(fn, opts);
  const axes = normalizeAxes(fn, axis, a.ndim);
  let b = toBool(a);
  if (opts.where !== undefined) b = lax.select(whereMask(fn, opts.where, b.shape), b, filled(fn === "all", "bool", b.shape));
  let out = fn === "all" ? lax.reduceAnd(b, axes) : lax.reduceOr(b, axes);
  if (opts.keepdims) out = expandReduced(out, a.shape, axes);
  return out;
}

/** `np.all(x, axis?, {keepdims, where})`: true where every element is nonzero (true for empty). */
export function all(x: ArrayLike, axis?: Axis, opts: BoolReduceOptions = {}): JArray {
  return boolReduction("all", x, axis, opts);
}

/** `np.any(x, axis?, {keepdims, where})`: true where some element is nonzero (false for empty). */
export function any(x: ArrayLike, axis?: Axis, opts: BoolReduceOptions = {}): JArray {
  return boolReduction("any", x, axis, opts);
}

// --- mean, var, std, average ----------------------------------------------------------------------

const toInexactDtype = (d: DType): DType => (isFloat(d) ? d : "float32");

/** The number of elements each reduction along `axes` combines. */
const reducedCount = (shape: readonly number[], axes: readonly number[]): number => axes.reduce((n, d) => n * shape[d]!, 1);

/** `np.mean(x, axis?, {keepdims, dtype, where})`; integer inputs give float32. An empty mean is NaN. */
export function mean(x: ArrayLike, axis?: Axis, opts: MeanOptions = {}): JArray {
  const a = asArray(x, "mean: argument a");
  checkOpts("mean", opts);
  const axes = normalizeAxes("mean", axis, a.ndim);
  const dtype = opts.dtype === undefined ? toInexactDtype(a.dtype) : checkDType("mean", opts.dtype);
  const total = sum(a, axes, { dtype, keepdims: opts.keepdims, where: opts.where });
  if (opts.where === undefined) return lax.div(total, reducedCount(a.shape, axes));
  const count = sum(whereMask("mean", opts.where, a.shape), axes, { dtype, keepdims: opts.keepdims });
  return lax.div(total, count);
}

/** `np.var(x, axis?, {ddof, keepdims, dtype, where})`: mean squared deviation, divided by `N - ddof`. */
function variance(x: ArrayLike, axis?: Axis, opts: VarOptions = {}, fnName: "var" | "std" = "var"): JArray {
  const a = asArray(x, "var: argument a");
  checkOpts(fnName, opts);
  if (opts.ddof !== undefined && opts.correction !== undefined) throw new ValueError("var: ddof and correction can't both be specified");
  const ddof = opts.ddof ?? opts.correction ?? 0;
  if (typeof ddof !== "number" || !Number.isFinite(ddof)) throw new TypeError(`var: ddof must be a number, got ${String(ddof)}`);
  const axes = normalizeAxes("var", axis, a.ndim);
  const dtype = opts.dtype === undefined ? toInexactDtype(a.dtype) : checkDType("var", opts.dtype);
  if (dtype === "bool" || isInt(dtype)) throw new TypeError(`var: dtype must be a float dtype, got ${dtype}`);
  const c = lax.convertElementType(a, dtype, false);
  const m = mean(c, axes, { dtype, keepdims: true, where: opts.where });
  const centered = lax.square(lax.sub(c, broadcastToShape(m, c.shape)));
  const total = sum(centered, axes, { dtype, keepdims: opts.keepdims, where: opts.where });
  // As JAX: no degrees of freedom left (N - ddof <= 0) gives NaN, not a division by zero or a negative.
  if (opts.where === undefined) {
    const dof = reducedCount(a.shape, axes) - ddof;
    return dof > 0 ? lax.div(total, dof) : lax.mul(total, NaN);
  }
  const n = sum(whereMask("var", opts.where, a.shape), axes, { dtype, keepdims: opts.keepdims });
  const dof = lax.sub(n, ddof);
  // NaN as a constant, not total * NaN: reverse mode sends a zero cotangent into the unselected
  // branch, and 0 * NaN would poison the whole gradient.
  return lax.select(lax.gt(dof, 0), lax.div(total, dof), filled(NaN, dtype, total.shape));
}
export { variance as var };

/** `np.std(x, axis?, {ddof, keepdims, dtype, where})`: the square root of `var`. */
export function std(x: ArrayLike, axis?: Axis, opts: VarOptions = {}): JArray {
  return lax.sqrt(variance(x, axis, opts, "std"));
}

/**
 * `np.average(x, axis?, {weights, keepdims})`: the weighted mean. Weights either match the
 * input's shape or, with an integer axis, are 1-D with the length of that axis.
 */
export function average(x: ArrayLike, axis?: Axis, opts: { weights?: ArrayLike | null; keepdims?: boolean } = {}): JArray {
  checkOpts("average", opts);
  if (opts.weights === undefined || opts.weights === null) return mean(x, axis, { keepdims: opts.keepdims });
  const [a, w0] = promoteArgsInexact("average", [x, opts.weights]) as [JArray, JArray];
  const axes = normalizeAxes("average", axis, a.ndim);
  let w = w0;
  if (!(w.ndim === a.ndim && w.shape.every((d, i) => d === a.shape[i]))) {
    if (axis === null || axis === undefined)
      throw new ValueError(`average: axis must be specified when shapes of a and weights differ, got shapes ${showShape(a.shape)} and ${showShape(w.shape)}`);
    if (typeof axis !== "number" || w.ndim !== 1)
      throw new ValueError(`average: 1D weights expected when shapes of a and weights differ, got shapes ${showShape(a.shape)} and ${showShape(w.shape)}`);
    const ax = axes[0]!;
    if (w.shape[0] !== a.shape[ax])
      throw new ValueError(`average: length of weights (${w.shape[0]}) differs from the size ${a.shape[ax]} of axis ${axis} of a with shape ${showShape(a.shape)}`);
    w = lax.broadcastInDim(w, a.shape, [ax]);
  }
  const wsum = sum(w, axes, { keepdims: opts.keepdims });
  return lax.div(sum(lax.mul(a, w), axes, { keepdims: opts.keepdims }), wsum);
}

// --- argmax, argmin --------------------------------------------------------------------------

function argReduction(fn: "argmax" | "argmin", x: ArrayLike, axis: number | null | undefined, opts: ReduceOptions): JArray {
  let a = asArray(x, `${fn}: argument a`);
  checkOpts(fn, opts);
  const inShape = a.shape;
  let ax: number;
  if (axis === null || axis === undefined) {
    a = lax.reshape(a, [a.size]);
    ax = 0;
  } else {
    if (typeof axis !== "number") throw new TypeError(`${fn}: axis must be an integer or null, got ${JSON.stringify(axis)}`);
    ax = normalizeAxis(fn, axis, a.ndim);
  }
  if (a.shape[ax] === 0)
    throw new ValueError(`${fn}: attempt to get ${fn} of an empty sequence (shape ${showShape(inShape)}, axis ${axisStr(axis)})`);
  let out = fn === "argmax" ? lax.argmax(a, ax, "int32") : lax.argmin(a, ax, "int32");
  if (opts.keepdims) out = lax.reshape(out, axis === null || axis === undefined ? inShape.map(() => 1) : keptShape(inShape, [ax]));
  return out;
}

/** `np.argmax(x, axis?, {keepdims})`: int32 index of the first maximum (of the first NaN, if any). */
export function argmax(x: ArrayLike, axis?: number | null, opts: ReduceOptions = {}): JArray {
  return argReduction("argmax", x, axis, opts);
}

/** `np.argmin(x, axis?, {keepdims})`: int32 index of the first minimum (of the first NaN, if any). */
export function argmin(x: ArrayLike, axis?: number | null, opts: ReduceOptions = {}): JArray {
  return argReduction("argmin", x, axis, opts);
}

// --- logsumexp -----------------------------------------------------------------------------------

/**
 * `np.logsumexp(x, axis?, {keepdims, b})`: `log(sum(b * exp(x)))` computed stably by shifting
 * with the (finite part of the) maximum, as `jax.nn.logsumexp`. Rows of `-inf` give `-inf`, a
 * `+inf` gives `+inf`, an empty reduction gives `-inf`, and a negative sum (from `b`) NaN.
 */
export function logsumexp(x: ArrayLike, axis?: Axis, opts: { keepdims?: boolean; b?: ArrayLike | null } = {}): JArray {
  checkOpts("logsumexp", opts);
  let a: JArray;
  let b: JArray | null = null;
  if (opts.b === undefined || opts.b === null) a = promoteArgsInexact("logsumexp", [x])[0]!;
  else {
    const [pa, pb] = promoteArgsInexact("logsumexp", [x, opts.b]) as [JArray, JArray];
    const shape = broadcastShapes("logsumexp", pa.shape, pb.shape);
    a = broadcastToShape(pa, shape);
    b = broadcastToShape(pb, shape);
    // Terms with zero weight take no part, not even in the maximum (as JAX does).
    a = lax.select(lax.ne(b, 0), a, filled(-Infinity, a.dtype, shape));
  }
  const axes = normalizeAxes("logsumexp", axis, a.ndim);
  const keepdims = opts.keepdims ?? false;
  // The maximum (JAX's max with initial=-inf: an empty reduction shifts by 0 and gives -inf).
  const rawMax = reducedCount(a.shape, axes) > 0 ? max(a, axes, { keepdims: true }) : filled(-Infinity, a.dtype, keptShape(a.shape, axes));
  const shift = lax.stopGradient(lax.select(lax.isFinite(rawMax), rawMax, filled(0, a.dtype, rawMax.shape)));
  let e = lax.exp(lax.sub(a, broadcastToShape(shift, a.shape)));
  if (b !== null) e = lax.mul(e, b);
  const s = sum(e, axes, { keepdims });
  const shiftOut = keepdims ? shift : lax.reshape(shift, shift.shape.filter((_, i) => !axes.includes(i)));
  // A negative weighted sum gives NaN: for real inputs the log of it already is.
  return lax.add(lax.log(s), shiftOut);
}

// --- cumulative ------------------------------------------------------------------------------------

function cumulative(fn: "cumsum" | "cumprod", x: ArrayLike, axis: number | null | undefined, opts: { dtype?: DType }): JArray {
  let a = asArray(x, `${fn}: argument a`);
  checkOpts(fn, opts);
  if (axis !== null && axis !== undefined && typeof axis !== "number")
    throw new TypeError(`${fn}: axis must be an integer or null, got ${JSON.stringify(axis)}`);
  if (axis === null || axis === undefined || a.ndim === 0) a = lax.reshape(a, [a.size]);
  const ax = axis === null || axis === undefined ? 0 : normalizeAxis(fn, axis, a.ndim);
  const requested = opts.dtype === undefined ? undefined : checkDType(fn, opts.dtype);
  const dtype = accumulationDtype(requested ?? a.dtype);
  const c = lax.convertElementType(a, dtype, false);
  const out = fn === "cumsum" ? lax.cumsum(c, ax) : lax.cumprod(c, ax);
  return requested === "bool" ? lax.ne(out, 0) : out;
}

/** `np.cumsum(x, axis?, {dtype})`; `axis = null` scans the flattened array; bool scans as int32. */
export function cumsum(x: ArrayLike, axis?: number | null, opts: { dtype?: DType } = {}): JArray {
  return cumulative("cumsum", x, axis, opts);
}

/** `np.cumprod(x, axis?, {dtype})`. */
export function cumprod(x: ArrayLike, axis?: number | null, opts: { dtype?: DType } = {}): JArray {
  return cumulative("cumprod", x, axis, opts);
}

// --- closeness -------------------------------------------------------------------------------------

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

/**
 * `np.isclose(a, b, {rtol=1e-5, atol=1e-8, equalNan=false})`: `|a - b| <= atol + rtol * |b|`
 * elementwise; infinities are close only to the same infinity, NaN to nothing (or to NaN with
 * `equalNan`). Integer and bool arrays compare exactly.
 */
/** isclose's and allclose's parameters, NumPy's order: `(a, b, rtol?, atol?, equalNan?)` or an options object. */
const CLOSE_SPEC = { a: required(arrayLike), b: required(arrayLike), rtol: num, atol: num, equalNan: bool };

function closeOptions(fn: string, args: readonly unknown[]): [ArrayLike, ArrayLike, Required<CloseOptions>] {
  const o = bindArgs(fn, args, CLOSE_SPEC);
  return [o.a, o.b, { rtol: o.rtol ?? 1e-5, atol: o.atol ?? 1e-8, equalNan: o.equalNan ?? false }];
}

/** `np.isclose(a, b, rtol?, atol?, equalNan?)`: elementwise `|a - b| <= atol + rtol * |b|`, as NumPy. */
export function isclose(a: ArrayLike, b: ArrayLike, opts?: CloseOptions): JArray;
export function isclose(a: ArrayLike, b: ArrayLike, rtol?: number, atol?: number, equalNan?: boolean): JArray;
export function isclose(...args: unknown[]): JArray {
  return iscloseImpl("np.isclose", ...closeOptions("np.isclose", args));
}

function iscloseImpl(fn: string, a: ArrayLike, b: ArrayLike, opts: Required<CloseOptions>): JArray {
  const { rtol, atol } = opts;
  const [x, y] = broadcastArgs(fn, promoteArgs(fn, [a, b])) as [JArray, JArray];
  if (!isFloat(x.dtype)) return lax.eq(x, y);
  const d = x.dtype;
  const absY = lax.abs(y);
  let out = lax.le(lax.abs(lax.sub(x, y)), lax.add(lax.mul(absY, konst(rtol, d)), konst(atol, d)));
  const xInf = lax.eq(lax.abs(x), Infinity);
  const yInf = lax.eq(absY, Infinity);
  out = lax.and(out, lax.not(lax.or(xInf, yInf)));
  out = lax.or(out, lax.and(lax.and(xInf, yInf), lax.eq(x, y)));
  const xNan = lax.ne(x, x);
  const yNan = lax.ne(y, y);
  out = lax.and(out, lax.not(lax.or(xNan, yNan)));
  if (opts.equalNan) out = lax.or(out, lax.and(xNan, yNan));
  return out;
}

/**
 * `np.allclose(a, b, opts)`: whether every pair is close, as a JS boolean (it reads the data,
 * so under jit or vmap it throws ConcretizationTypeError).
 */
export function allclose(a: ArrayLike, b: ArrayLike, opts?: CloseOptions): boolean;
export function allclose(a: ArrayLike, b: ArrayLike, rtol?: number, atol?: number, equalNan?: boolean): boolean;
export function allclose(...args: unknown[]): boolean {
  return all(iscloseImpl("np.allclose", ...closeOptions("np.allclose", args))).item() as boolean;
}

/** `np.arrayEqual(a, b, {equalNan})`: same shape and equal elements, as a JS boolean. */
export function arrayEqual(a: ArrayLike, b: ArrayLike, opts: { equalNan?: boolean } = {}): boolean {
  checkOpts("arrayEqual", opts, ["a1", "a2"]);
  const x = asArray(a, "arrayEqual: argument a1");
  const y = asArray(b, "arrayEqual: argument a2");
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) return false;
  const [p, q] = promoteArgs("arrayEqual", [x, y]) as [JArray, JArray];
  let eq = lax.eq(p, q);
  if (opts.equalNan && isFloat(p.dtype)) eq = lax.or(eq, lax.and(lax.ne(p, p), lax.ne(q, q)));
  return all(eq).item() as boolean;
}
