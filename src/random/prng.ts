/**
 * Threefry-2x32 keys as JAX's default PRNG implementation defines them, in its default
 * `jax_threefry_partitionable = True` mode (JAX 0.10.2):
 *
 * - a key is a uint32 array of shape [2] (what `jax.random.PRNGKey` returns);
 * - the n-th of `size` counters is the 64-bit integer n, split into words (hi, lo), so the
 *   hash of a [..shape] draw is `threefry2x32(k0, k1, hi, lo)` elementwise over
 *   iota(shape) (JAX's `iota_2x32_shape`);
 * - `split(key, shape)` stacks the two output words into [...shape, 2];
 * - 32-bit random bits are the xor of the two words; 64-bit ones are `(w0 << 32) | w1`;
 * - `foldIn(key, d)` hashes the counter pair (0, d) under the key.
 *
 * Everything is written with lax operations on the key array, so it traces, jits and vmaps
 * (a batch of keys is just a batched [2] array).
 */
import { bindArgs, checkedLater, required } from "../core/options.js";
import { shapeSize } from "../../ir/aval.js";
import { ConcreteArray, JArray } from "../core/array.js";
import { describe } from "../core/convert.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";

export type Shape = number | readonly number[];

/** A shape argument as a list of non-negative integers, or a ValueError naming the function. */
export function canonicalShape(fn: string, shape: Shape | undefined | null, what = "shape"): number[] {
  if (shape === undefined || shape === null) return [];
  // Checked before spreading: an options object here (`uniform(key, {shape})`) is not iterable.
  const s = typeof shape === "number" ? [shape] : Array.isArray(shape) ? [...shape] : undefined;
  if (s === undefined || s.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0))
    throw new ValueError(
      `random.${fn}: ${what} must be a non-negative integer or a list of them, got ${s === undefined ? describe(shape) : JSON.stringify(shape)}`,
    );
  return s;
}

/** Checks that `key` is one raw threefry key (uint32 [2]); batches must go through vmap. */
export function checkKey(fn: string, key: unknown): JArray {
  if (!(key instanceof JArray))
    throw new TypeError(`random.${fn}: expected a PRNG key (a uint32 array of shape [2], from random.key), got ${describe(key)}`);
  if (key.dtype !== "uint32" || key.ndim < 1 || key.shape[key.ndim - 1] !== 2)
    throw new TypeError(`random.${fn}: a PRNG key is a uint32 array of shape [2], got ${key.dtype}[${key.shape.join(",")}]`);
  if (key.ndim !== 1)
    throw new ValueError(
      `random.${fn} accepts a single key, but was given a key array of shape [${key.shape.join(",")}] != [2]. Use vmap for batching.`,
    );
  return key;
}


const u32 = (v: number): JArray => lax.convertElementType(v, "uint32");

/** The two words of a key, as rank-0 uint32 arrays. */
export function keyWords(key: JArray): [JArray, JArray] {
  const k0 = lax.reshape(lax.slice(key, [0], [1]), []);
  const k1 = lax.reshape(lax.slice(key, [1], [2]), []);
  return [k0, k1];
}

/** Counters 0..size-1 laid out in `shape`, as (hi, lo) words; hi is a rank-0 zero below 2^32. */
function counters(shape: readonly number[]): [JArray, JArray] {
  const size = shapeSize(shape);
  if (size > 2 ** 32) throw new ValueError(`random: cannot draw ${size} values from one key (at most 2^32 here)`);
  const lo = lax.reshape(lax.iota("uint32", size), shape);
  return [u32(0), lo];
}

/** The two threefry output words for a draw of `shape` (JAX's partitionable layout). */
export function threefryWords(key: JArray, shape: readonly number[]): [JArray, JArray] {
  const [k0, k1] = keyWords(key);
  const [hi, lo] = counters(shape);
  return lax.threefry2x32(k0, k1, hi, lo);
}

/** 32 random bits per element (uint32). */
export function randomBits32(key: JArray, shape: readonly number[]): JArray {
  const [a, b] = threefryWords(key, shape);
  return lax.xor(a, b);
}

/**
 * `key(seed)`: JAX's `PRNGKey(seed)` for a JS integer, a bigint, or an integer array scalar.
 * As in JAX without x64 (its default), the seed is taken modulo 2^32 and the key is
 * `[0, seed mod 2^32]`: negative seeds wrap (-1 gives [0, 4294967295]) and seeds of 2^32 and
 * more keep their low 32 bits (2^32 + 7 gives [0, 7]).
 */
export function key(seed: number | bigint | JArray): JArray {
  bindArgs("random.key", [...arguments], { seed: required(checkedLater("an integer seed")) });
  if (seed instanceof JArray) {
    if (seed.ndim !== 0) throw new TypeError(`random.key: the seed must be a scalar, got shape [${seed.shape.join(",")}]`);
    if (seed.dtype !== "int32" && seed.dtype !== "uint32") throw new TypeError(`random.key: the seed must be an integer, got ${seed.dtype}`);
    const lo = lax.reshape(lax.convertElementType(seed, "uint32"), [1]);
    return lax.concatenate([lax.reshape(u32(0), [1]), lo], 0);
  }
  let big: bigint;
  if (typeof seed === "bigint") big = seed;
  else if (typeof seed === "number" && Number.isInteger(seed)) big = BigInt(seed);
  else throw new TypeError(`random.key: the seed must be an integer, got ${describe(seed)}`);
  if (big < -(2n ** 63n) || big >= 2n ** 63n) throw new RangeError(`random.key: seed ${big} does not fit in 64 bits`);
  const lo = Number(BigInt.asUintN(32, big));
  return np.array(new Uint32Array([0, lo]));
}

/** JAX's name for `key` (its keys are the same raw uint32 [2] arrays). */
export const PRNGKey = key;

/** The raw uint32 data of a key or an array of keys (`[..., 2]`); keys here are raw already. */
export function keyData(keys: JArray): JArray {
  bindArgs("random.keyData", [...arguments], { keys: required(checkedLater("a PRNG key")) });
  if (!(keys instanceof JArray) || keys.dtype !== "uint32" || keys.ndim < 1 || keys.shape[keys.ndim - 1] !== 2)
    throw new TypeError(`random.keyData: expected uint32 key data of shape [..., 2], got ${keys instanceof JArray ? `${keys.dtype}[${keys.shape.join(",")}]` : describe(keys)}`);
  return keys;
}

/** `wrapKeyData(data)`: the inverse of keyData, which for raw keys is the identity (validated). */
export const wrapKeyData = keyData;

/** `split(key, num=2)`: `num` new keys (or a `num`-shaped array of them), shape `[...num, 2]`. */
export function split(k: JArray, num: Shape = 2): JArray {
  bindArgs("random.split", [...arguments], { key: required(checkedLater("a PRNG key")), num: checkedLater("a count or shape") });
  const key = checkKey("split", k);
  const shape = canonicalShape("split", num, "num");
  const [a, b] = threefryWords(key, shape);
  return lax.concatenate([lax.expandDims(a, [shape.length]), lax.expandDims(b, [shape.length])], shape.length);
}

/** `foldIn(key, data)`: a new key from a key and a 32-bit integer (a JS number or an integer scalar array). */
export function foldIn(k: JArray, data: number | JArray): JArray {
  bindArgs("random.foldIn", [...arguments], { key: required(checkedLater("a PRNG key")), data: required(checkedLater("an integer")) });
  const key = checkKey("foldIn", k);
  let d: JArray;
  if (data instanceof JArray) {
    if (data.ndim !== 0) throw new TypeError(`random.foldIn accepts a scalar, but was given an array of shape [${data.shape.join(",")}]. Use vmap for batching.`);
    if (data.dtype !== "int32" && data.dtype !== "uint32" && data.dtype !== "bool")
      throw new TypeError(`random.foldIn: data must be an integer, got ${data.dtype}`);
    d = lax.convertElementType(data, "uint32");
  } else {
    if (typeof data !== "number" || !Number.isInteger(data)) throw new TypeError(`random.foldIn: data must be an integer, got ${describe(data)}`);
    if (data < 0 || data >= 2 ** 32) throw new RangeError(`random.foldIn: integer ${data} out of bounds for uint32`);
    d = u32(data);
  }
  const [k0, k1] = keyWords(key);
  const [y0, y1] = lax.threefry2x32(k0, k1, u32(0), d);
  return lax.concatenate([lax.reshape(y0, [1]), lax.reshape(y1, [1])], 0);
}

/** `bits(key, shape=[], {dtype})`: uniform random uint32 bits (the only unsigned dtype here). */
export function bits(k: JArray, shape?: Shape, opts?: { dtype?: "uint32" }): JArray;
export function bits(k: JArray, shape?: Shape, dtype?: "uint32"): JArray;
export function bits(...args: unknown[]): JArray {
  const { key: k, shape = [], ...opts } = bindArgs("random.bits", args, {
    key: required(checkedLater<JArray>("a PRNG key")),
    shape: checkedLater<Shape>("a shape"),
    dtype: checkedLater<string>("an unsigned dtype"),
  });
  const key = checkKey("bits", k);
  if (opts.dtype !== undefined && opts.dtype !== "uint32")
    throw new ValueError(`random.bits: dtype must be an unsigned int dtype (uint32 here), got ${String(opts.dtype)}`);
  return randomBits32(key, canonicalShape("bits", shape));
}

/** True when `x` is a concrete array (not a tracer), so its values can be read now. */
export function isConcrete(x: JArray): x is ConcreteArray {
  return x instanceof ConcreteArray;
}
