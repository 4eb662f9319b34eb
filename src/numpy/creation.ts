/** Creating arrays: `array`, `zeros`, `ones`, `full`, `arange`, `linspace`, `eye`, the `*Like`s. */
import { shapeSize } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, castScalar, dtypeOfTypedArray, isDType, typedArrayFor } from "../../ir/dtype.js";
import { type DeviceName, getBackend } from "../backends/index.js";
import { type ArrayLike, ConcreteArray, JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { asArray } from "./util.js";

export interface DTypeOption {
  dtype?: DType;
}

export function checkDType(fn: string, dtype: unknown): DType {
  if (!isDType(dtype)) throw new TypeError(`${fn}: unsupported dtype ${JSON.stringify(dtype)}; jaxts has float32, float64, int32, uint32, bool`);
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
export function array(
  data: Nested | ArrayLike | AnyTypedArray | readonly ArrayLike[],
  opts: DTypeOption & { shape?: readonly number[]; device?: DeviceName } = {},
): JArray {
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
    for (let i = 0; i < data.length; i++) buf[i] = castScalar(data[i]!, d);
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
  for (let i = 0; i < flat.length; i++) buf[i] = castScalar(flat[i] as number | boolean, d);
  return ConcreteArray.fromHost(buf, shape, d, backend);
}

/** Alias of `array` (JAX's `asarray`). */
export const asarray = array;

export function full(shape: readonly number[] | number, fillValue: ArrayLike, opts: DTypeOption = {}): JArray {
  const s = checkShape("np.full", shape);
  if (fillValue instanceof JArray) {
    const v = opts.dtype ? lax.convertElementType(fillValue, checkDType("np.full", opts.dtype)) : fillValue;
    return lax.broadcastInDim(v, s, s.slice(s.length - v.ndim).map((_, i) => s.length - v.ndim + i));
  }
  const d = checkDType("np.full", opts.dtype ?? (typeof fillValue === "boolean" ? "bool" : "float32"));
  const buf = typedArrayFor(d, shapeSize(s));
  buf.fill(castScalar(fillValue, d));
  return ConcreteArray.fromHost(buf, s, d, getBackend());
}

export function zeros(shape: readonly number[] | number, opts: DTypeOption = {}): JArray {
  return full(shape, 0, { dtype: opts.dtype ?? "float32" });
}

export function ones(shape: readonly number[] | number, opts: DTypeOption = {}): JArray {
  return full(shape, 1, { dtype: opts.dtype ?? "float32" });
}

export function fullLike(x: ArrayLike, fillValue: ArrayLike, opts: DTypeOption & { shape?: readonly number[] } = {}): JArray {
  const a = asArray(x, "np.fullLike");
  const out = full(opts.shape ?? a.shape, fillValue instanceof JArray ? fillValue : fillValue, { dtype: opts.dtype ?? a.dtype });
  return out;
}

export function zerosLike(x: ArrayLike, opts: DTypeOption = {}): JArray {
  return fullLike(x, 0, opts);
}

export function onesLike(x: ArrayLike, opts: DTypeOption = {}): JArray {
  return fullLike(x, 1, opts);
}

/**
 * `np.arange(stop)`, `np.arange(start, stop, step?)`, each with an optional trailing `{dtype}`
 * (`np.arange(5, {dtype: "float32"})`) or, as in NumPy, the dtype as a fourth positional
 * argument. Integer arguments give int32, as in JAX; any non-integer gives float32.
 */
export function arange(stop: number, opts?: DTypeOption): JArray;
export function arange(start: number, stop: number | null, opts?: DTypeOption): JArray;
export function arange(start: number, stop?: number | null, step?: number, opts?: DTypeOption | DType): JArray;
export function arange(start: number, ...rest: unknown[]): JArray {
  // The options object may follow any of the numbers, as the trailing options do everywhere.
  const last = rest[rest.length - 1];
  const opts: DTypeOption =
    typeof last === "string" && rest.length === 3 ? { dtype: last as DType } : last !== null && typeof last === "object" ? (rest.pop() as DTypeOption) : {};
  if (typeof last === "string" && rest.length === 3) rest.pop();
  if (rest.length > 2) throw new TypeError(`np.arange: too many arguments; it takes (stop), (start, stop, step?) and an optional {dtype} or dtype`);
  const bad = Object.keys(opts).filter((k) => k !== "dtype");
  if (bad.length > 0) throw new TypeError(`np.arange: unknown option ${bad.map((k) => JSON.stringify(k)).join(", ")}; it accepts {dtype?}`);
  let stop = rest[0] as number | null | undefined;
  const step = (rest[1] ?? 1) as number;
  if (stop === undefined || stop === null) [start, stop] = [0, start];
  if (step === 0) throw new ValueError("np.arange: step must not be zero");
  for (const [k, v] of [["start", start], ["stop", stop], ["step", step]] as const)
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`np.arange: ${k} must be a finite number, got ${v}`);
  const allInt = Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step);
  const d = opts.dtype ? checkDType("np.arange", opts.dtype) : allInt ? "int32" : "float32";
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const buf = typedArrayFor(d, n);
  for (let i = 0; i < n; i++) buf[i] = castScalar(start + i * step, d);
  return ConcreteArray.fromHost(buf, [n], d, getBackend());
}

export function linspace(start: number, stop: number, num = 50, opts: DTypeOption & { endpoint?: boolean } = {}): JArray {
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`np.linspace: num must be a non-negative integer, got ${num}`);
  const endpoint = opts.endpoint ?? true;
  const d = checkDType("np.linspace", opts.dtype ?? "float32");
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const buf = typedArrayFor(d, num);
  for (let i = 0; i < num; i++) buf[i] = castScalar(endpoint && i === num - 1 && num > 1 ? stop : start + i * step, d);
  return ConcreteArray.fromHost(buf, [num], d, getBackend());
}

export function eye(n: number, m?: number | null, opts: DTypeOption & { k?: number } = {}): JArray {
  const cols = m ?? n;
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

export function identity(n: number, opts: DTypeOption = {}): JArray {
  return eye(n, n, opts);
}

/** `x` converted to `dtype` (JAX's `astype`). */
export function astype(x: ArrayLike, dtype: DType): JArray {
  return lax.convertElementType(asArray(x, "astype"), checkDType("astype", dtype));
}
