/**
 * Dtype introspection (`finfo iinfo promoteTypes resultType`) and shape queries that also take
 * JS numbers and nested lists (`ndim shape size isscalar`), as jax.numpy.
 */
import { type DType, isDType, isFloat, promoteTypes as promote } from "../../ir/dtype.js";
import { JArray } from "../core/array.js";
import { bindArgs, checkedLater, int, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";

/** Machine limits of a float dtype, with numpy's field names (camelCase). */
export interface FInfo {
  dtype: DType;
  bits: number;
  eps: number;
  epsneg: number;
  max: number;
  min: number;
  tiny: number;
  smallestNormal: number;
  smallestSubnormal: number;
  resolution: number;
  precision: number;
  nmant: number;
  nexp: number;
  maxexp: number;
  minexp: number;
}

export interface IInfo {
  dtype: DType;
  bits: number;
  min: number;
  max: number;
  kind: "i" | "u";
}

const FINFO: Record<"float32" | "float64", FInfo> = {
  float32: {
    dtype: "float32",
    bits: 32,
    eps: 2 ** -23,
    epsneg: 2 ** -24,
    max: 3.4028234663852886e38,
    min: -3.4028234663852886e38,
    tiny: 2 ** -126,
    smallestNormal: 2 ** -126,
    smallestSubnormal: 2 ** -149,
    resolution: Math.fround(1e-6),
    precision: 6,
    nmant: 23,
    nexp: 8,
    maxexp: 128,
    minexp: -126,
  },
  float64: {
    dtype: "float64",
    bits: 64,
    eps: 2 ** -52,
    epsneg: 2 ** -53,
    max: Number.MAX_VALUE,
    min: -Number.MAX_VALUE,
    tiny: 2 ** -1022,
    smallestNormal: 2 ** -1022,
    smallestSubnormal: 2 ** -1074,
    resolution: 1e-15,
    precision: 15,
    nmant: 52,
    nexp: 11,
    maxexp: 1024,
    minexp: -1022,
  },
};

/** A dtype given as a dtype string or by an array of that dtype. */
function dtypeOf(fname: string, v: unknown): DType {
  if (v instanceof JArray) return v.dtype;
  if (isDType(v)) return v;
  throw new TypeError(`${fname}: expected a dtype ("float32", "float64", "int32", "uint32", "bool") or an array, got ${typeof v === "string" ? JSON.stringify(v) : typeof v}`);
}

/** The limits of a float dtype: `finfo("float32").eps`. */
export function finfo(dtype: DType | JArray): FInfo {
  const d = dtypeOf("np.finfo", dtype);
  if (!isFloat(d)) throw new ValueError(`np.finfo: data type ${d} not inexact (use np.iinfo for integer dtypes)`);
  return { ...FINFO[d as "float32" | "float64"] };
}

/** The limits of an integer dtype: `iinfo("int32").max`. */
export function iinfo(dtype: DType | JArray): IInfo {
  const d = dtypeOf("np.iinfo", dtype);
  if (d === "int32") return { dtype: d, bits: 32, min: -(2 ** 31), max: 2 ** 31 - 1, kind: "i" };
  if (d === "uint32") return { dtype: d, bits: 32, min: 0, max: 2 ** 32 - 1, kind: "u" };
  throw new ValueError(`np.iinfo: invalid integer data type ${JSON.stringify(d)}`);
}

/** The dtype two dtypes promote to, by JAX's lattice (both strongly typed): `promoteTypes("int32", "float32") === "float32"`. */
export function promoteTypes(a: DType, b: DType): DType {
  const x = dtypeOf("np.promoteTypes", a);
  const y = dtypeOf("np.promoteTypes", b);
  return promote({ dtype: x, weakType: false }, { dtype: y, weakType: false }).dtype;
}

/**
 * The dtype an operation on these arguments computes in: arrays with their weak types, dtypes,
 * and JS numbers and booleans as JAX's weakly typed Python scalars (`resultType(i32, 1.5) === "float32"`).
 */
export function resultType(...args: (DType | JArray | number | boolean)[]): DType {
  if (args.length === 0) throw new ValueError("np.resultType: at least one argument is required");
  const parts = args.map((v, i) => {
    if (v instanceof JArray) return { dtype: v.dtype, weakType: v.weakType };
    if (typeof v === "number") return { dtype: (Number.isInteger(v) ? "int32" : "float32") as DType, weakType: true };
    if (typeof v === "boolean") return { dtype: "bool" as DType, weakType: false };
    if (isDType(v)) return { dtype: v, weakType: false };
    throw new TypeError(`np.resultType: argument ${i + 1} must be an array, a number, a boolean or a dtype, got ${JSON.stringify(v)}`);
  });
  return promote(...parts).dtype;
}

/** The shape of an array, a JS number (`[]`) or a nested list. */
export function shape(a: unknown): number[] {
  if (a instanceof JArray) return [...a.shape];
  if (typeof a === "number" || typeof a === "boolean") return [];
  if (Array.isArray(a)) {
    if (a.length === 0) return [0];
    const inner = shape(a[0]);
    for (const x of a) {
      const s = shape(x);
      if (s.length !== inner.length || s.some((d, i) => d !== inner[i]))
        throw new ValueError(`np.shape: the nested list is ragged (shapes ${JSON.stringify(inner)} and ${JSON.stringify(s)} at the same depth)`);
    }
    return [a.length, ...inner];
  }
  if (ArrayBuffer.isView(a)) return [(a as unknown as { length: number }).length];
  throw new TypeError(`np.shape: expected an array, a number or a nested list, got ${typeof a}`);
}

/** The number of dimensions of an array, a JS number (0) or a nested list. */
export function ndim(a: unknown): number {
  return shape(a).length;
}

/** The number of elements, or with `axis` the length along it: `size(a, axis?)`. */
export function size(a: unknown, axis?: number | null): number;
export function size(a: unknown, opts?: { axis?: number | null }): number;
export function size(...args: unknown[]): number {
  const o = bindArgs("np.size", args, { a: required(checkedLater("an array")), axis: orNull(int) });
  const s = shape(o.a);
  if (o.axis === undefined || o.axis === null) return s.reduce((p, d) => p * d, 1);
  if (o.axis < -s.length || o.axis >= s.length) throw new ValueError(`np.size: axis ${o.axis} is out of bounds for an array of dimension ${s.length}`);
  return s[o.axis < 0 ? o.axis + s.length : o.axis]!;
}

/** True for a JS number or boolean and for a 0-d array, as `jnp.isscalar`. */
export function isscalar(element: unknown): boolean {
  if (element instanceof JArray) return element.ndim === 0;
  return typeof element === "number" || typeof element === "boolean";
}
