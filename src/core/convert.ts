/** Turning JS values into arrays at the API boundary. */
import { ShapedArray } from "../../ir/aval.js";
import { type DType, castScalar, storeScalar, typedArrayFor } from "../../ir/dtype.js";
import { type Backend, getBackend } from "../backends/index.js";
import { ConcreteArray, JArray } from "./array.js";

/** The dtype and weakness a JS scalar gets: integer-valued numbers are weak int32, others weak float32. */
export function scalarAval(x: number | boolean): ShapedArray {
  if (typeof x === "boolean") return new ShapedArray([], "bool", false);
  return new ShapedArray([], Number.isInteger(x) ? "int32" : "float32", true);
}

/**
 * Constants made from JS numbers, per backend, dtype and weakness, by value: `np.add(x, 1)` in
 * a loop uploads its 1 once. Each call gets its own array sharing the cached one's buffer
 * (ConcreteArray.share), so disposing it affects only itself. -0 is not cached (a Map key
 * does not tell it from 0); each table is cleared when it reaches CONSTANTS_PER_TABLE (the
 * dropped constants are freed by the garbage collector once no array shares them).
 */
const constants = new WeakMap<Backend, Map<string, Map<number, ConcreteArray>>>();
const CONSTANTS_PER_TABLE = 256;

function constantTable(backend: Backend, dtype: DType, weakType: boolean): Map<number, ConcreteArray> {
  let byType = constants.get(backend);
  if (byType === undefined) constants.set(backend, (byType = new Map()));
  const key = weakType ? `${dtype}~` : dtype;
  let table = byType.get(key);
  if (table === undefined) byType.set(key, (table = new Map()));
  return table;
}

/** A concrete rank-0 array on the default device. */
export function scalar(x: number | boolean, dtype?: DType, weakType?: boolean): ConcreteArray {
  const aval = scalarAval(x);
  const d = dtype ?? aval.dtype;
  const weak = weakType ?? (dtype === undefined && aval.weakType);
  const backend = getBackend();
  const v = typeof x === "number" ? x : x ? 1 : 0;
  const cacheable = !Object.is(v, -0);
  const table = cacheable ? constantTable(backend, d, weak) : undefined;
  let cached = table?.get(v);
  if (cached === undefined || cached.isDisposed) {
    const data = typedArrayFor(d, 1);
    data[0] = storeScalar(x, d);
    cached = ConcreteArray.fromHost(data, [], d, backend, weak);
    if (table !== undefined) {
      if (table.size >= CONSTANTS_PER_TABLE) table.clear();
      table.set(v, cached);
    } else {
      if (typeof x === "number") cached.jsValue = x;
      return cached;
    }
  }
  const out = cached.share();
  if (typeof x === "number") out.jsValue = x;
  return out;
}

/** An array for an argument that may be a JS scalar. */
export function asJArray(x: JArray | number | boolean, what = "argument"): JArray {
  if (x instanceof JArray) return x;
  if (typeof x === "number" || typeof x === "boolean") return scalar(x);
  throw new TypeError(`${what}: expected an array or a number, got ${describe(x)}`);
}

/**
 * A JS number passed as an argument to a transformed function (jit, grad, vmap, jvp, ...)
 * is a weak float32 scalar whatever its value, as JAX reads a Python float: JS has no
 * integer literals, so reading `3` as int32 would make `jit(grad(f))(3)` fail and compile
 * 3 and 3.5 separately. (Numbers inside arithmetic keep scalarAval's weak int/float reading.)
 */
export const numberArgAval = new ShapedArray([], "float32", true);

/** A leaf of a transformed function's arguments as an array (numbers as numberArgAval says). */
export function argLeaf(x: unknown, what: string): JArray {
  if (x instanceof JArray) return x;
  if (typeof x === "number") return scalar(x, "float32", true);
  if (typeof x === "boolean") return scalar(x);
  throw new TypeError(`${what}: expected arrays or numbers as leaves, got ${describe(x)}`);
}

/** The abstract value of an argument leaf of a transformed function, as argLeaf would make it. */
export function argAval(x: unknown, what: string): ShapedArray {
  if (x instanceof JArray) return x.aval;
  if (typeof x === "number") return numberArgAval;
  if (typeof x === "boolean") return scalarAval(x);
  throw new TypeError(`${what}: expected arrays or numbers as leaves, got ${describe(x)}`);
}

/**
 * A value as error messages name it. JS arrays are called JS arrays (nested lists), never
 * "Array", which is also the name of our array class; a missing argument says so.
 */
export function describe(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined (a missing argument?)";
  if (x instanceof JArray) return `an array ${x.aval}`;
  if (globalThis.Array.isArray(x)) return `a JS array (nested list) of length ${x.length}; use np.array(...) to make an array of it`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}; use np.array(...) to make an array of it`;
  if (typeof x === "object") {
    const name = (x as object).constructor?.name;
    return name === undefined || name === "Object" ? `an object with keys {${Object.keys(x).join(", ")}}` : `an object of type ${name}`;
  }
  if (typeof x === "string") return `the string ${JSON.stringify(x)}`;
  if (typeof x === "function") return `a function${x.name ? ` ${x.name}` : ""}`;
  return `${typeof x} ${String(x)}`;
}
