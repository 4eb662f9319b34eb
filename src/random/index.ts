/**
 * `random`: JAX's `jax.random` over Threefry-2x32 keys, bit for bit with JAX 0.10.2's default
 * (partitionable) mode. See prng.ts for keys and bits, samplers.ts for the distributions, and
 * xlaMath.ts for why float32 normal/truncatedNormal/categorical samples match to the last bit.
 *
 * Keys are uint32 arrays of shape [2] (`random.key(seed)`, as `jax.random.PRNGKey`); `split`
 * gives `[num, 2]`, so `keys.slice(i)` is a key. Every sampler takes one key; map over a batch
 * of keys with `vmap`. All are built from lax/numpy operations (the hash is the `threefry2x32`
 * primitive), so they trace, jit and vmap.
 */
export { bits, foldIn, key, keyData, PRNGKey, split, wrapKeyData } from "./prng.js";
export type { Shape } from "./prng.js";
export {
  bernoulli,
  categorical,
  gumbel,
  normal,
  permutation,
  randint,
  truncatedNormal,
  uniform,
} from "./samplers.js";
export type { FloatDType } from "./samplers.js";
export { orthogonal } from "./orthogonal.js";
