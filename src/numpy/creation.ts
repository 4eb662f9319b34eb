/** Creating arrays: `array`, `zeros`, `ones`, `full`, `arange`, `linspace`, `eye`, the `*Like`s. */
import { shapeSize } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, castScalar, storeScalar, dtypeOfTypedArray, dtypes, isDType, typedArrayFor } from "../../ir/dtype.js";
import { type DeviceName, getBackend } from "../backends/index.js";
import { type ArrayLike, ConcreteArray, JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { asArray } from "./util.js";
import { any, arrayLike, bindArgs, bool, dtype as dtypeKind, int, keywordOnly, kind, nonNegInt, num, oneOf, orNull, required } from "../core/options.js";

// NumPy's positional order for each creation function (`np.zeros([2, 3], "int32")`,
// `np.arange(0, 10, 2, "float32")`), or the options object; see core/options.ts.
const shapeArg = kind<readonly number[] | number>(
  "a shape (an array of integers, or one integer)",
  (v) => typeof v === "number" || (globalThis.Array.isArray(v) && v.every((x) => typeof x === "number")),
);
const optDtype = orNull(dtypeKind);
const device = keywordOnly(oneOf<readonly DeviceName[]>("cpu", "wasm", "webgpu"));

/** NumPy's parameters of each creation function, as constants (np.array runs per scalar in places). */
const SPECS = {
  // copy is accepted for JAX's sake: arrays are immutable, so a copy or not cannot be told apart.
  array: { data: required(any), dtype: optDtype, copy: keywordOnly(bool), shape: keywordOnly(shapeArg), device },
  full: { shape: required(shapeArg), fillValue: required(arrayLike), dtype: optDtype },
  filled: { shape: required(shapeArg), dtype: optDtype },
  fullLike: { a: required(arrayLike), fillValue: required(arrayLike), dtype: optDtype, shape: shapeArg },
  arange: { start: required(num), stop: orNull(num), step: orNull(num), dtype: optDtype },
  eye: { N: required(nonNegInt), M: orNull(nonNegInt), k: int, dtype: optDtype },
  identity: { n: required(nonNegInt), dtype: optDtype },
  astype: { x: required(arrayLike), dtype: required(dtypeKind) },
};

/** `np.zeros(2, 3)` is NumPy's most common slip (the shape is one argument): say so. */
function shapeIsOneArgument(fname: string, args: readonly unknown[], at: number): void {
  if (typeof args[0] === "number" && typeof args[at] === "number")
    throw new TypeError(`${fname}: the shape is one argument: ${fname}([${args[0]}, ${args[at]}]), not ${fname}(${args[0]}, ${args[at]})`);
}

export interface DTypeOption {
  dtype?: DType;
}

export function checkDType(fn: string, dtype: unknown): DType {
  if (!isDType(dtype)) throw new TypeError(`${fn}: unsupported dtype ${JSON.stringify(dtype)}; jaxts has ${dtypes.join(", ")}`);
  return dtype;
}

function checkShape(fn: string, shape: readonly number[] | number): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  if (s.some((d) => !Number.isInteger(d) || d < 0))
    throw new ValueError(`${fn}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
  return s;
}

type Nested = number | boolean | readonly Nested[];

/** Shape of nested JS arrays, checking they are rectangular. */
function nestedShape(fn: string, data: Nested): number[] {
  const shape: number[] = [];
  let level: Nested = data;
  while (globalThis.Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  const check = (x: Nested, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (globalThis.Array.isArray(x)) throw new ValueError(`${fn}: nested lists are ragged at ${path}`);
      if (typeof x !== "number" && typeof x !== "boolean" && !(x instanceof JArray))
        throw new TypeError(`${fn}: entries must be numbers or booleans, got ${typeof x} at ${path}`);
      return;
    }
    if (!globalThis.Array.isArray(x) || x.length !== shape[depth])
      throw new ValueError(`${fn}: nested lists are ragged at ${path} (expected length ${shape[depth]})`);
    x.forEach((y, i) => check(y, depth + 1, `${path}[${i}]`));
  };
  check(data, 0, "data");
  return shape;
}

/**
 * `np.array(data, {dtype})` from a number, boolean, nested JS arrays, a TypedArray (flat, keeping
 * its dtype), or another array. JS numbers default to float32; booleans to bool.
 */
export interface ArrayOptions extends DTypeOption {
  /** The shape to give a flat TypedArray or nested data (a jaxts addition: reshape on creation). */
  shape?: readonly number[];
  device?: DeviceName;
}

type ArrayData = Nested | ArrayLike | AnyTypedArray | readonly ArrayLike[];

export function array(data: ArrayData, opts?: ArrayOptions): JArray;
export function array(data: ArrayData, dtype?: DType | null, opts?: Omit<ArrayOptions, "dtype">): JArray;
export function array(...args: unknown[]): JArray {
  const o = bindArgs("np.array", args, SPECS.array);
  return arrayImpl(o.data as ArrayData, { dtype: o.dtype ?? undefined, shape: o.shape === undefined ? undefined : checkShape("np.array", o.shape), device: o.device });
}

function arrayImpl(data: ArrayData, opts: ArrayOptions): JArray {
  const dtype = opts.dtype === undefined ? undefined : checkDType("np.array", opts.dtype);
  if (data instanceof JArray) return dtype && dtype !== data.dtype ? lax.convertElementType(data, dtype) : data;
  const backend = getBackend(opts.device);
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfTypedArray(data);
    if (own === undefined) throw new TypeError(`np.array: unsupported TypedArray ${data.constructor.name}`);
    const shape = opts.shape ? checkShape("np.array", opts.shape) : [data.length];
    if (shapeSize(shape) !== data.length) throw new ValueError(`np.array: ${data.length} values do not fill shape ${JSON.stringify(shape)}`);
    const d = dtype ?? own;
    const buf = typedArrayFor(d, data.length);
    for (let i = 0; i < data.length; i++) buf[i] = storeScalar(data[i]!, d);
    return ConcreteArray.fromHost(buf, shape, d, backend);
  }
  const nested = data as Nested;
  const given = opts.shape ? checkShape("np.array", opts.shape) : undefined;
  const natural = nestedShape("np.array", nested);
  if (given && shapeSize(given) !== shapeSize(natural))
    throw new ValueError(`np.array: ${shapeSize(natural)} values (shape ${JSON.stringify(natural)}) do not fill shape ${JSON.stringify(given)}`);
  const shape = given ?? natural;
  const flat: (number | boolean | JArray)[] = globalThis.Array.isArray(nested) ? (nested as any[]).flat(Infinity) : [nested];
  if (flat.some((x) => x instanceof JArray)) {
    // A list of arrays: stack them (this traces if they are tracers).
    const parts = flat.map((x) => asArray(x as ArrayLike, "np.array"));
    const stacked = lax.concatenate(parts.map((p) => lax.reshape(p, [1, ...p.shape])), 0);
    return lax.reshape(dtype ? lax.convertElementType(stacked, dtype) : stacked, given ?? [...natural, ...parts[0]!.shape]);
  }
  const allBool = flat.length > 0 && flat.every((x) => typeof x === "boolean");
  const d: DType = dtype ?? (allBool ? "bool" : "float32");
  const buf = typedArrayFor(d, flat.length);
  for (let i = 0; i < flat.length; i++) buf[i] = storeScalar(flat[i] as number | boolean, d);
  return ConcreteArray.fromHost(buf, shape, d, backend);
}

/** Alias of `array` (JAX's `asarray`). */
export const asarray = array;

export function full(shape: readonly number[] | number, fillValue: ArrayLike, opts?: DTypeOption): JArray;
export function full(shape: readonly number[] | number, fillValue: ArrayLike, dtype?: DType | null): JArray;
export function full(...args: unknown[]): JArray {
  const o = bindArgs("np.full", args, SPECS.full);
  return fullImpl("np.full", o.shape, o.fillValue, o.dtype ?? undefined);
}

function fullImpl(fname: string, shape: readonly number[] | number, fillValue: ArrayLike, dtype: DType | undefined): JArray {
  const opts = { dtype };
  const s = checkShape(fname, shape);
  if (fillValue instanceof JArray) {
    const v = opts.dtype ? lax.convertElementType(fillValue, checkDType(fname, opts.dtype)) : fillValue;
    return lax.broadcastInDim(v, s, s.slice(s.length - v.ndim).map((_, i) => s.length - v.ndim + i));
  }
  const d = checkDType(fname, opts.dtype ?? (typeof fillValue === "boolean" ? "bool" : "float32"));
  const buf = typedArrayFor(d, shapeSize(s));
  buf.fill(storeScalar(fillValue, d));
  return ConcreteArray.fromHost(buf, s, d, getBackend());
}

/** zeros and ones: `(shape, dtype?)` as NumPy. */
function filled(fname: string, value: number, args: readonly unknown[]): JArray {
  shapeIsOneArgument(fname, args, 1);
  const o = bindArgs(fname, args, SPECS.filled);
  return fullImpl(fname, o.shape, value, o.dtype ?? "float32");
}

export function zeros(shape: readonly number[] | number, opts?: DTypeOption): JArray;
export function zeros(shape: readonly number[] | number, dtype?: DType | null): JArray;
export function zeros(...args: unknown[]): JArray {
  return filled("np.zeros", 0, args);
}

export function ones(shape: readonly number[] | number, opts?: DTypeOption): JArray;
export function ones(shape: readonly number[] | number, dtype?: DType | null): JArray;
export function ones(...args: unknown[]): JArray {
  return filled("np.ones", 1, args);
}

type LikeOptions = DTypeOption & { shape?: readonly number[] };

/** The `*Like`s: `(a, dtype?, shape?)` after the fill value, as NumPy. */
function filledLike(fname: string, x: ArrayLike, fillValue: ArrayLike, dtype: DType | null | undefined, shape: readonly number[] | number | undefined): JArray {
  const a = asArray(x, fname);
  return fullImpl(fname, shape ?? a.shape, fillValue, dtype ?? a.dtype);
}

const LIKE = { a: required(arrayLike), dtype: optDtype, shape: shapeArg };

export function fullLike(x: ArrayLike, fillValue: ArrayLike, opts?: LikeOptions): JArray;
export function fullLike(x: ArrayLike, fillValue: ArrayLike, dtype?: DType | null, shape?: readonly number[]): JArray;
export function fullLike(...args: unknown[]): JArray {
  const o = bindArgs("np.fullLike", args, SPECS.fullLike);
  return filledLike("np.fullLike", o.a, o.fillValue, o.dtype, o.shape);
}

export function zerosLike(x: ArrayLike, opts?: LikeOptions): JArray;
export function zerosLike(x: ArrayLike, dtype?: DType | null, shape?: readonly number[]): JArray;
export function zerosLike(...args: unknown[]): JArray {
  const o = bindArgs("np.zerosLike", args, LIKE);
  return filledLike("np.zerosLike", o.a, 0, o.dtype, o.shape);
}

export function onesLike(x: ArrayLike, opts?: LikeOptions): JArray;
export function onesLike(x: ArrayLike, dtype?: DType | null, shape?: readonly number[]): JArray;
export function onesLike(...args: unknown[]): JArray {
  const o = bindArgs("np.onesLike", args, LIKE);
  return filledLike("np.onesLike", o.a, 1, o.dtype, o.shape);
}

/**
 * `np.arange(stop)`, `np.arange(start, stop, step?)`, each with an optional trailing `{dtype}`
 * (`np.arange(5, {dtype: "float32"})`) or, as in NumPy, the dtype as a fourth positional
 * argument. Integer arguments give int32, as in JAX; any non-integer gives float32.
 */
export function arange(start: number, stop?: number | null, step?: number | null, dtype?: DType | null): JArray;
export function arange(start: number, stop?: number | null, step?: number | null, opts?: DTypeOption): JArray;
export function arange(start: number, opts: DTypeOption): JArray;
export function arange(start: number, stop: number | null, opts: DTypeOption): JArray;
export function arange(...args: unknown[]): JArray {
  const o = bindArgs("np.arange", args, SPECS.arange);
  let { start, stop } = o;
  const step = o.step ?? 1;
  const opts = { dtype: o.dtype ?? undefined };
  if (stop === undefined || stop === null) [start, stop] = [0, start];
  if (step === 0) throw new ValueError("np.arange: step must not be zero");
  for (const [k, v] of [["start", start], ["stop", stop], ["step", step]] as const)
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`np.arange: ${k} must be a finite number, got ${v}`);
  const allInt = Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step);
  const d = opts.dtype ? checkDType("np.arange", opts.dtype) : allInt ? "int32" : "float32";
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const buf = typedArrayFor(d, n);
  for (let i = 0; i < n; i++) buf[i] = storeScalar(start + i * step, d);
  return ConcreteArray.fromHost(buf, [n], d, getBackend());
}

export interface LinspaceOptions extends DTypeOption {
  endpoint?: boolean;
}

export function linspace(start: number, stop: number, num?: number, opts?: LinspaceOptions): JArray;
export function linspace(start: number, stop: number, num?: number, endpoint?: boolean, retstep?: false, dtype?: DType | null): JArray;
export function linspace(...args: unknown[]): JArray {
  // NumPy's order: start, stop, num, endpoint, retstep, dtype (retstep kept so positions line up).
  const o = bindArgs("np.linspace", args, {
    start: required(num),
    stop: required(num),
    num: nonNegInt,
    endpoint: bool,
    retstep: kind<false>("false (jaxts's linspace returns the samples only)", (v) => v === false),
    dtype: optDtype,
  });
  const { start, stop, num: n = 50 } = o;
  return linspaceImpl(start, stop, n, { endpoint: o.endpoint, dtype: o.dtype ?? undefined });
}

function linspaceImpl(start: number, stop: number, num: number, opts: LinspaceOptions): JArray {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`np.linspace: num must be a non-negative integer, got ${num}`);
  const endpoint = opts.endpoint ?? true;
  const d = checkDType("np.linspace", opts.dtype ?? "float32");
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const buf = typedArrayFor(d, num);
  for (let i = 0; i < num; i++) buf[i] = storeScalar(endpoint && i === num - 1 && num > 1 ? stop : start + i * step, d);
  return ConcreteArray.fromHost(buf, [num], d, getBackend());
}

export function eye(n: number, m?: number | null, opts?: DTypeOption & { k?: number }): JArray;
export function eye(n: number, m?: number | null, k?: number, dtype?: DType | null): JArray;
export function eye(...args: unknown[]): JArray {
  const opts = bindArgs("np.eye", args, SPECS.eye);
  const n = opts.N;
  const cols = opts.M ?? n;
  const k = opts.k ?? 0;
  const d = checkDType("np.eye", opts.dtype ?? "float32");
  checkShape("np.eye", [n, cols]);
  const buf = typedArrayFor(d, n * cols);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < cols) buf[i * cols + j] = 1;
  }
  return ConcreteArray.fromHost(buf, [n, cols], d, getBackend());
}

export function identity(n: number, opts?: DTypeOption): JArray;
export function identity(n: number, dtype?: DType | null): JArray;
export function identity(...args: unknown[]): JArray {
  const o = bindArgs("np.identity", args, SPECS.identity);
  return eye(o.n, o.n, 0, o.dtype);
}

/** `x` converted to `dtype` (JAX's `astype`). */
export function astype(x: ArrayLike, dtype: DType): JArray {
  bindArgs("np.astype", [...arguments], SPECS.astype);
  return lax.convertElementType(asArray(x, "astype"), checkDType("astype", dtype));
}
