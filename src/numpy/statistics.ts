/**
 * Differences, integrals and second moments along an axis, as jax.numpy: `diff ediff1d
 * trapezoid unwrap cumulativeSum cumulativeProd cov corrcoef`.
 */
import { showShape } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bindArgs, bool, dtype as dtypeKind, int, nonNegInt, num, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { clip, mod, notEqual, sqrt, subtract } from "./elementwise.js";
import { cumprod, cumsum, mean, sum } from "./reductions.js";
import { concatenate, moveaxis, ravel, squeeze } from "./shapes.js";
import { asArray, broadcastShapes, broadcastToShape, normalizeAxis, promoteArgsInexact, filledLike } from "./util.js";

/** `x` sliced to `[start, stop)` along `axis`. */
const sliceAxis = (x: JArray, axis: number, start: number, stop: number): JArray => lax.sliceInDim(x, start, stop, 1, axis);

/**
 * The `n`-th discrete difference along `axis`: `diff(a, n = 1, axis = -1, prepend?, append?)`;
 * booleans differ by `!=`, as numpy.
 */
export function diff(a: ArrayLike, n?: number, axis?: number, prepend?: ArrayLike | null, append?: ArrayLike | null): JArray;
export function diff(a: ArrayLike, opts?: { n?: number; axis?: number; prepend?: ArrayLike | null; append?: ArrayLike | null }): JArray;
export function diff(...args: unknown[]): JArray {
  const o = bindArgs("np.diff", args, { a: required(arrayLike), n: nonNegInt, axis: int, prepend: orNull(arrayLike), append: orNull(arrayLike) });
  let x = asArray(o.a, "np.diff: argument a");
  const n = o.n ?? 1;
  if (x.ndim === 0) throw new ValueError(`np.diff: diff requires input that is at least one dimensional; got a 0-d array`);
  const ax = normalizeAxis("np.diff", o.axis ?? -1, x.ndim);
  const edge = (v: ArrayLike, what: string) => {
    const e = asArray(v, `np.diff: ${what}`);
    if (e.ndim > 0) return e;
    const shape = x.shape.map((d, i) => (i === ax ? 1 : d));
    return broadcastToShape(e, shape);
  };
  const parts = [
    ...(o.prepend !== undefined && o.prepend !== null ? [edge(o.prepend, "prepend")] : []),
    x,
    ...(o.append !== undefined && o.append !== null ? [edge(o.append, "append")] : []),
  ];
  if (parts.length > 1) x = concatenate(parts, ax);
  for (let k = 0; k < n; k++) {
    const len = x.shape[ax]!;
    if (len === 0) break;
    const hi = sliceAxis(x, ax, 1, len);
    const lo = sliceAxis(x, ax, 0, len - 1);
    x = x.dtype === "bool" ? notEqual(hi, lo) : subtract(hi, lo);
  }
  return x;
}

/** The differences of the flattened array, with optional values before and after: `ediff1d(ary, toEnd?, toBegin?)`. */
export function ediff1d(ary: ArrayLike, toEnd?: ArrayLike | null, toBegin?: ArrayLike | null): JArray;
export function ediff1d(ary: ArrayLike, opts?: { toEnd?: ArrayLike | null; toBegin?: ArrayLike | null }): JArray;
export function ediff1d(...args: unknown[]): JArray {
  const o = bindArgs("np.ediff1d", args, { ary: required(arrayLike), toEnd: orNull(arrayLike), toBegin: orNull(arrayLike) });
  const flat = ravel(asArray(o.ary, "np.ediff1d: argument ary"));
  let out = flat.shape[0]! > 0 ? subtract(sliceAxis(flat, 0, 1, flat.shape[0]!), sliceAxis(flat, 0, 0, flat.shape[0]! - 1)) : flat;
  const asFlat = (v: ArrayLike) => lax.convertElementType(ravel(asArray(v, "np.ediff1d")), out.dtype);
  if (o.toBegin !== undefined && o.toBegin !== null) out = concatenate([asFlat(o.toBegin), out]);
  if (o.toEnd !== undefined && o.toEnd !== null) out = concatenate([out, asFlat(o.toEnd)]);
  return out;
}

/** The trapezoidal rule along `axis`, with sample points `x` or spacing `dx`: `trapezoid(y, x?, dx = 1, axis = -1)`. */
export function trapezoid(y: ArrayLike, x?: ArrayLike | null, dx?: number, axis?: number): JArray;
export function trapezoid(y: ArrayLike, opts?: { x?: ArrayLike | null; dx?: number; axis?: number }): JArray;
export function trapezoid(...args: unknown[]): JArray {
  const o = bindArgs("np.trapezoid", args, { y: required(arrayLike), x: orNull(arrayLike), dx: num, axis: int });
  const hasX = o.x !== undefined && o.x !== null;
  const [yy, xx] = promoteArgsInexact("np.trapezoid", hasX ? [o.y, o.x!] : [o.y]) as [JArray, JArray | undefined];
  if (yy.ndim === 0) throw new ValueError("np.trapezoid: y must be at least 1-dimensional, got a 0-d array");
  const ax = normalizeAxis("np.trapezoid", o.axis ?? -1, yy.ndim);
  const ym = moveaxis(yy, ax, -1);
  const n = ym.shape[ym.ndim - 1]!;
  let d: JArray | number = o.dx ?? 1;
  if (xx !== undefined) {
    if (xx.ndim === 1) {
      if (xx.shape[0] !== n) throw new ValueError(`np.trapezoid: x of shape ${showShape(xx.shape)} does not match y's axis of length ${n}`);
      d = diff(xx);
    } else d = diff(moveaxis(xx, ax, -1), 1, -1);
  }
  const last = ym.ndim - 1;
  const mid = lax.add(sliceAxis(ym, last, 1, n), sliceAxis(ym, last, 0, Math.max(n - 1, 0)));
  let prodTerm: JArray;
  if (typeof d === "number") prodTerm = lax.mul(mid, d);
  else {
    const shape = broadcastShapes("np.trapezoid", mid.shape, d.shape);
    prodTerm = lax.mul(broadcastToShape(mid, shape), broadcastToShape(lax.convertElementType(d, mid.dtype), shape));
  }
  return lax.mul(sum(prodTerm, -1), 0.5);
}

/** Phase unwrapping: jumps larger than `discont` become their `period` complement: `unwrap(p, discont?, axis = -1, period = 2 pi)`. */
export function unwrap(p: ArrayLike, discont?: number | null, axis?: number, period?: number): JArray;
export function unwrap(p: ArrayLike, opts?: { discont?: number | null; axis?: number; period?: number }): JArray;
export function unwrap(...args: unknown[]): JArray {
  const o = bindArgs("np.unwrap", args, { p: required(arrayLike), discont: orNull(num), axis: int, period: num });
  const x = promoteArgsInexact("np.unwrap", [o.p])[0]!;
  if (x.ndim === 0) throw new ValueError("np.unwrap: p must be at least 1-dimensional, got a 0-d array");
  const ax = normalizeAxis("np.unwrap", o.axis ?? -1, x.ndim);
  const period = o.period ?? 2 * Math.PI;
  const interval = period / 2;
  const discont = o.discont ?? interval;
  const dd = diff(x, 1, ax);
  let ddmod = lax.sub(mod(lax.add(dd, interval), period), interval);
  ddmod = lax.select(lax.and(lax.eq(ddmod, -interval), lax.gt(dd, 0)), filledLike(ddmod, interval), ddmod);
  const correction = lax.select(lax.lt(lax.abs(dd), discont), filledLike(dd, 0), lax.sub(ddmod, dd));
  const n = x.shape[ax]!;
  if (n === 0) return x;
  return concatenate([sliceAxis(x, ax, 0, 1), lax.add(sliceAxis(x, ax, 1, n), cumsum(correction, ax))], ax);
}

interface CumulativeOptions {
  axis?: number | null;
  dtype?: DType | null;
  includeInitial?: boolean;
}

function cumulativeImpl(fn: "np.cumulativeSum" | "np.cumulativeProd", args: unknown[]): JArray {
  const o = bindArgs(fn, args, { x: required(arrayLike), axis: orNull(int), dtype: orNull(dtypeKind), includeInitial: bool });
  const x = asArray(o.x, `${fn}: argument x`);
  if (x.ndim === 0) throw new ValueError(`${fn}: the input must be non-scalar to take a cumulative ${fn === "np.cumulativeSum" ? "sum" : "product"}, got a 0-d array`);
  if ((o.axis === undefined || o.axis === null) && x.ndim > 1)
    throw new ValueError(`${fn}: the input has ${x.ndim} dimensions (shape ${showShape(x.shape)}), so axis must be given`);
  const ax = normalizeAxis(fn, o.axis ?? 0, x.ndim);
  const opts = o.dtype === undefined || o.dtype === null ? {} : { dtype: o.dtype };
  let out = fn === "np.cumulativeSum" ? cumsum(x, ax, opts) : cumprod(x, ax, opts);
  if (o.includeInitial) {
    const shape = out.shape.map((d, i) => (i === ax ? 1 : d));
    const first = lax.broadcastInDim(lax.convertElementType(fn === "np.cumulativeSum" ? 0 : 1, out.dtype), shape, []);
    out = concatenate([first, out], ax);
  }
  return out;
}

/** The array API's cumulative sum: `cumulativeSum(x, axis?, dtype?, includeInitial = false)`; axis may be left out for 1-D input. */
export function cumulativeSum(x: ArrayLike, opts?: CumulativeOptions): JArray;
export function cumulativeSum(x: ArrayLike, axis?: number | null, opts?: Omit<CumulativeOptions, "axis">): JArray;
export function cumulativeSum(...args: unknown[]): JArray {
  return cumulativeImpl("np.cumulativeSum", args);
}

/** The array API's cumulative product, as cumulativeSum. */
export function cumulativeProd(x: ArrayLike, opts?: CumulativeOptions): JArray;
export function cumulativeProd(x: ArrayLike, axis?: number | null, opts?: Omit<CumulativeOptions, "axis">): JArray;
export function cumulativeProd(...args: unknown[]): JArray {
  return cumulativeImpl("np.cumulativeProd", args);
}

export interface CovOptions {
  y?: ArrayLike | null;
  rowvar?: boolean;
  bias?: boolean;
  ddof?: number | null;
  fweights?: ArrayLike | null;
  aweights?: ArrayLike | null;
}

const COV_SPEC = {
  m: required(arrayLike),
  y: orNull(arrayLike),
  rowvar: bool,
  bias: bool,
  ddof: orNull(int),
  fweights: orNull(arrayLike),
  aweights: orNull(arrayLike),
};

/** As a 2-D array of variables (rows) by observations (columns). */
function asVariables(fn: string, v: JArray, rowvar: boolean): JArray {
  if (v.ndim > 2) throw new ValueError(`${fn}: m has more than 2 dimensions (shape ${showShape(v.shape)})`);
  let x = v.ndim === 2 ? v : lax.reshape(v, [1, v.size]);
  if (!rowvar && x.shape[0] !== 1) x = lax.transpose(x, [1, 0]);
  return x;
}

function covImpl(fn: string, o: { m: ArrayLike; y?: ArrayLike | null; rowvar?: boolean; bias?: boolean; ddof?: number | null; fweights?: ArrayLike | null; aweights?: ArrayLike | null }): JArray {
  const hasY = o.y !== undefined && o.y !== null;
  const [m, y] = promoteArgsInexact(fn, hasY ? [o.m, o.y!] : [o.m]) as [JArray, JArray | undefined];
  const rowvar = o.rowvar ?? true;
  let X = asVariables(fn, m, rowvar);
  if (X.shape[0] === 0) return lax.reshape(X, [0, 0]);
  if (y !== undefined) {
    const Y = asVariables(fn, y, rowvar);
    if (Y.shape[1] !== X.shape[1]) throw new ValueError(`${fn}: m and y have different numbers of observations (shapes ${showShape(m.shape)} and ${showShape(y.shape)})`);
    X = concatenate([X, Y], 0);
  }
  const nObs = X.shape[1]!;
  const ddof = o.ddof ?? (o.bias ? 0 : 1);
  let w: JArray | null = null;
  const weight = (v: ArrayLike, what: string) => {
    const t = lax.convertElementType(asArray(v, `${fn}: ${what}`), X.dtype);
    if (t.ndim !== 1 || t.shape[0] !== nObs) throw new ValueError(`${fn}: ${what} must be 1-dimensional of length ${nObs} (the number of observations), got shape ${showShape(t.shape)}`);
    return t;
  };
  const fw = o.fweights !== undefined && o.fweights !== null ? weight(o.fweights, "fweights") : null;
  const aw = o.aweights !== undefined && o.aweights !== null ? weight(o.aweights, "aweights") : null;
  if (fw) w = fw;
  if (aw) w = w ? lax.mul(w, aw) : aw;
  let avg: JArray;
  let fact: JArray | number;
  if (w === null) {
    avg = mean(X, 1);
    fact = nObs - ddof;
  } else {
    const wSum = sum(w);
    avg = lax.div(sum(lax.mul(X, broadcastToShape(w, X.shape)), 1), wSum);
    fact = aw === null ? lax.sub(wSum, ddof) : lax.sub(wSum, lax.div(lax.mul(sum(lax.mul(w, aw)), ddof), wSum));
  }
  const centered = lax.sub(X, broadcastToShape(lax.reshape(avg, [X.shape[0]!, 1]), X.shape));
  const weighted = w === null ? centered : lax.mul(centered, broadcastToShape(w, X.shape));
  const c = lax.dotGeneral(centered, weighted, [[[1], [1]], [[], []]]);
  return squeeze(lax.div(c, fact));
}

/**
 * The covariance matrix of the variables in the rows of `m` (columns if `rowvar` is false), and
 * of `y`'s: `cov(m, y?, rowvar = true, bias = false, ddof?, fweights?, aweights?)`.
 */
export function cov(m: ArrayLike, y?: ArrayLike | null, rowvar?: boolean, bias?: boolean, ddof?: number | null, fweights?: ArrayLike | null, aweights?: ArrayLike | null): JArray;
export function cov(m: ArrayLike, opts?: CovOptions): JArray;
export function cov(...args: unknown[]): JArray {
  return covImpl("np.cov", bindArgs("np.cov", args, COV_SPEC));
}

/** Pearson correlation coefficients, `cov` normalized by the standard deviations (clipped to [-1, 1]): `corrcoef(x, y?, rowvar = true)`. */
export function corrcoef(x: ArrayLike, y?: ArrayLike | null, rowvar?: boolean): JArray;
export function corrcoef(x: ArrayLike, opts?: { y?: ArrayLike | null; rowvar?: boolean }): JArray;
export function corrcoef(...args: unknown[]): JArray {
  const o = bindArgs("np.corrcoef", args, { x: required(arrayLike), y: orNull(arrayLike), rowvar: bool });
  const c = covImpl("np.corrcoef", { m: o.x, y: o.y, rowvar: o.rowvar });
  if (c.ndim === 0) return lax.div(c, c);
  const n = c.shape[0]!;
  // The diagonal as a masked row sum (not a gather), so the gradient stays a plain elementwise one.
  const eye = lax.convertElementType(lax.eq(lax.broadcastedIota("int32", [n, n], 0), lax.broadcastedIota("int32", [n, n], 1)), c.dtype);
  const stddev = sqrt(sum(lax.mul(c, eye), 1));
  const scaled = lax.div(lax.div(c, broadcastToShape(lax.reshape(stddev, [n, 1]), [n, n])), broadcastToShape(lax.reshape(stddev, [1, n]), [n, n]));
  return clip(scaled, -1, 1);
}
