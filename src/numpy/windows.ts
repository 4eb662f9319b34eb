/**
 * Window functions for spectral analysis (`bartlett blackman hamming hanning`, `hann` as the
 * common name for hanning), as jax.numpy: float32 arrays of length M, symmetric, 1 when M == 1.
 */
import { nonNegInt, bindArgs, required } from "../core/options.js";
import type { JArray } from "../core/array.js";
import { array } from "./creation.js";

function window(fn: string, args: unknown[], f: (n: number, m: number) => number): JArray {
  const { M } = bindArgs(fn, args, { M: required(nonNegInt) });
  if (M === 1) return array([1]);
  return array(Float32Array.from({ length: M }, (_, n) => f(n, M)));
}

/** The triangular window `1 - |2n - (M - 1)| / (M - 1)`. */
export function bartlett(...args: [M: number]): JArray {
  return window("np.bartlett", args, (n, m) => 1 - Math.abs(2 * n - (m - 1)) / (m - 1));
}

/** The Blackman window `0.42 - 0.5 cos(2 pi n / (M - 1)) + 0.08 cos(4 pi n / (M - 1))`. */
export function blackman(...args: [M: number]): JArray {
  return window("np.blackman", args, (n, m) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (m - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (m - 1)));
}

/** The Hamming window `0.54 - 0.46 cos(2 pi n / (M - 1))`. */
export function hamming(...args: [M: number]): JArray {
  return window("np.hamming", args, (n, m) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (m - 1)));
}

/** The Hann window `0.5 - 0.5 cos(2 pi n / (M - 1))` (numpy's `hanning`). */
export function hanning(...args: [M: number]): JArray {
  return window("np.hanning", args, (n, m) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (m - 1)));
}
export const hann = hanning;
