/**
 * Whole-array and set comparisons (`arrayEquiv isin`) and the multi-way `select`, as jax.numpy.
 */
import { showShape } from "../../ir/aval.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bindArgs, bool, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { array } from "./creation.js";
import { where } from "./elementwise.js";
import { all, any } from "./reductions.js";
import { asArray, broadcastArgs, broadcastShapes, promoteArgs } from "./util.js";

/** True when the shapes broadcast together and all elements are equal (false, not an error, when they do not broadcast). */
export function arrayEquiv(a1: ArrayLike, a2: ArrayLike): JArray {
  const [a, b] = promoteArgs("np.arrayEquiv", [a1, a2]) as [JArray, JArray];
  try {
    broadcastShapes("np.arrayEquiv", a.shape, b.shape);
  } catch (e) {
    if (e instanceof ValueError) return array(false);
    throw e;
  }
  const [x, y] = broadcastArgs("np.arrayEquiv", [a, b]) as [JArray, JArray];
  return all(lax.eq(x, y));
}

/**
 * Whether each element of `element` is in `testElements` (elementwise, `element`'s shape):
 * `isin(element, testElements, assumeUnique = false, invert = false)`.
 */
export function isin(element: ArrayLike, testElements: ArrayLike, assumeUnique?: boolean, invert?: boolean): JArray;
export function isin(element: ArrayLike, testElements: ArrayLike, opts?: { assumeUnique?: boolean; invert?: boolean }): JArray;
export function isin(...args: unknown[]): JArray {
  const o = bindArgs("np.isin", args, { element: required(arrayLike), testElements: required(arrayLike), assumeUnique: bool, invert: bool });
  const [e, t] = promoteArgs("np.isin", [o.element, o.testElements]) as [JArray, JArray];
  const flat = lax.reshape(t, [t.size]);
  const col = lax.reshape(e, [...e.shape, 1]);
  const shape = [...e.shape, t.size];
  const eq = lax.eq(lax.broadcastInDim(col, shape, shape.map((_, i) => i)), lax.broadcastInDim(flat, shape, [e.ndim]));
  const found = any(eq, -1);
  return o.invert ? lax.not(found) : found;
}

/**
 * Elementwise: the choice of the first condition that holds, else `default` (0):
 * `select(condlist, choicelist, default = 0)`.
 */
export function select(condlist: readonly ArrayLike[], choicelist: readonly ArrayLike[], defaultValue?: ArrayLike): JArray {
  if (!Array.isArray(condlist) || !Array.isArray(choicelist)) throw new TypeError("np.select: condlist and choicelist must be lists of arrays");
  if (condlist.length !== choicelist.length)
    throw new ValueError(`np.select: condlist must have the same length as choicelist, got ${condlist.length} and ${choicelist.length}`);
  if (condlist.length === 0) throw new ValueError("np.select: condlist must be non-empty");
  const conds = condlist.map((c, i) => {
    const a = asArray(c, `np.select: condlist[${i}]`);
    if (a.dtype !== "bool") throw new TypeError(`np.select: condlist[${i}] must be a boolean array, got ${a.dtype} ${showShape(a.shape)}`);
    return a;
  });
  let out: ArrayLike = defaultValue ?? 0;
  // The first true condition wins, so apply them last to first.
  for (let i = conds.length - 1; i >= 0; i--) out = where(conds[i]!, choicelist[i]!, out);
  return asArray(out, "np.select");
}
