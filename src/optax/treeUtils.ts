/**
 * Pytree arithmetic the transformations share (optax's `optax.tree` helpers and `numerics`),
 * written with jaxts array ops so it traces under jit and grad. `null` nodes (optax's `None` and
 * `MaskedNode`) are empty subtrees of jaxts pytrees, so they pass through every map untouched.
 */
import type { DType } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree.js";

const asArr = (x: ArrayLike): JArray => (x instanceof JArray ? x : np.asarray(x));

export function zerosLike(t: unknown, dtype?: DType | null): any {
  return tree.map((x: ArrayLike) => np.zerosLike(asArr(x), dtype ? { dtype } : {}), t);
}

export function fullLike(t: unknown, value: ArrayLike, dtype?: DType | null): any {
  return tree.map((x: ArrayLike) => np.fullLike(asArr(x), value, dtype ? { dtype } : {}), t);
}

/** Casts every leaf to `dtype`; no-op when `dtype` is null/undefined. */
export function cast(t: unknown, dtype?: DType | null): any {
  return dtype ? tree.map((x: JArray) => x.astype(dtype), t) : t;
}

/** Casts every leaf of `t` to the dtype of the matching leaf of `like`. */
export function castLike(t: unknown, like: unknown): any {
  return tree.map((x: JArray, o: JArray) => (o instanceof JArray && x.dtype !== o.dtype ? x.astype(o.dtype) : x), t, like);
}

/** The exponential moving average of the `order`-th power: `(1 - decay) * g**order + decay * t`. */
export function updateMoment(updates: unknown, moments: unknown, decay: ArrayLike, order: number): any {
  const oneMinus = typeof decay === "number" ? 1 - decay : np.subtract(1, decay);
  return tree.map((g: JArray, t: JArray) => np.add(np.multiply(oneMinus, np.power(g, order)), np.multiply(decay, t)), updates, moments);
}

/** As updateMoment, of the elementwise norm (the same for real arrays). */
export const updateMomentPerElemNorm = updateMoment;

/** `moment / (1 - decay**count)`, the correction computed in float and cast to each leaf's dtype. */
export function biasCorrection(moment: unknown, decay: ArrayLike, count: JArray): any {
  const correction = np.subtract(1, np.power(decay, count));
  return tree.map((t: JArray) => np.divide(t, correction.astype(t.dtype)), moment);
}

const INT32_MAX = 2147483647;

/** `count + 1`, saturating at the dtype's maximum (optax's `safe_increment`). */
export function safeIncrement(count: JArray): JArray {
  if (count.dtype === "int32") return np.where(np.less(count, INT32_MAX), np.add(count, 1), INT32_MAX);
  if (count.dtype === "uint32") return np.where(np.less(count, 4294967295), np.add(count, 1), count);
  if (count.dtype === "float32" || count.dtype === "float64") {
    const max = count.dtype === "float32" ? 3.4028234663852886e38 : Number.MAX_VALUE;
    return np.where(np.less(count, max), np.add(count, 1), count);
  }
  throw new TypeError(`optax.safeIncrement: cannot increment a count of dtype ${count.dtype}`);
}

/** A fresh int32 step counter. */
export const zeroCount = (): JArray => np.zeros([], { dtype: "int32" });

/** The global L2 norm of a pytree: `sqrt(sum of squares of every element)` (optax's `global_norm`). */
export function globalNorm(t: unknown): JArray {
  const leaves = tree.leaves<JArray>(t);
  if (leaves.length === 0) return np.sqrt(np.asarray(0));
  const sums = leaves.map((x) => np.sum(np.multiply(x, x)));
  // jax.tree.reduce(add, sums, initializer=0): 0 + s1 + s2 + ... (0 is a weak int, so s1's dtype).
  return np.sqrt(sums.reduce<ArrayLike>((acc, s) => np.add(acc, s), 0) as JArray);
}

/** `jnp.linalg.norm(x)` of a whole array: `sqrt(sum(x * x))`. */
export function norm(x: JArray): JArray {
  return np.sqrt(np.sum(np.multiply(x, x)));
}

/**
 * `max(norm(x), minNorm)` whose gradient is 0 (not NaN) where the norm is below `minNorm`
 * (optax's `safe_norm`).
 */
export function safeNorm(x: JArray, minNorm: ArrayLike): JArray {
  const n = norm(x);
  const below = np.lessEqual(n, minNorm);
  const masked = np.where(below, np.onesLike(x), x);
  return np.where(below, minNorm, norm(masked));
}
