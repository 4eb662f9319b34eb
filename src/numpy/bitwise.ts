/**
 * The array API's bitwise names (`bitwiseInvert bitwiseLeftShift bitwiseRightShift`) and
 * `bitwiseCount`, the number of 1 bits in each element's absolute value, as jax.numpy.
 */
import { isFloat } from "../../ir/dtype.js";
import type { ArrayLike, JArray } from "../core/array.js";
import * as lax from "../lax.js";
import { bitwiseNot, leftShift, rightShift } from "./elementwise.js";
import { asArray } from "./util.js";

export const bitwiseInvert = bitwiseNot;
export const bitwiseLeftShift = leftShift;
export const bitwiseRightShift = rightShift;

/**
 * The population count of `|x|` (numpy's and JAX's definition, so -1 counts one bit). JAX
 * returns uint8; jaxts has no uint8 arithmetic dtype, so the count is int32.
 */
export function bitwiseCount(x: ArrayLike): JArray {
  const a = asArray(x, "np.bitwiseCount: argument x");
  if (isFloat(a.dtype)) throw new TypeError(`np.bitwiseCount: only integer and boolean arrays are supported, got ${a.dtype}`);
  if (a.dtype === "bool") return lax.convertElementType(a, "int32");
  // The classic SWAR popcount on the unsigned bits of |x| (|INT_MIN| wraps to 2^31: one bit, as numpy).
  let v = a.dtype === "uint32" ? a : lax.bitcastConvertType(lax.abs(a), "uint32");
  v = lax.sub(v, lax.and(lax.shiftRightLogical(v, 1), 0x55555555));
  v = lax.add(lax.and(v, 0x33333333), lax.and(lax.shiftRightLogical(v, 2), 0x33333333));
  v = lax.and(lax.add(v, lax.shiftRightLogical(v, 4)), 0x0f0f0f0f);
  v = lax.shiftRightLogical(lax.mul(v, 0x01010101), 24);
  return lax.convertElementType(v, "int32");
}
