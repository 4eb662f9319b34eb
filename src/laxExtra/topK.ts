/** `lax.topK`: the k largest entries along the last axis, by a stable sort (ties keep the lower index first, as XLA's TopK). */
import { showShape } from "../../ir/aval.js";
import { isFloat } from "../../ir/dtype.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { bindArgs, checkedLater, nonNegInt, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import { broadcastedIota, laxOperands, neg, not, sliceInDim, sort } from "../lax.js";

/** `[values, indices]` of the `k` largest entries along the last axis, largest first (indices int32). */
export function topK(operand: ArrayLike, k: number): [JArray, JArray];
export function topK(...args: unknown[]): [JArray, JArray] {
  const o = bindArgs("lax.topK", args, { operand: required(checkedLater<ArrayLike>("an array")), k: required(nonNegInt) });
  const [x] = laxOperands("top_k", [o.operand]) as [JArray];
  if (x.ndim === 0) throw new ValueError("lax.topK: the operand must have at least 1 dimension, got a scalar");
  const n = x.shape[x.ndim - 1]!;
  if (o.k > n) throw new ValueError(`lax.topK: k (${o.k}) must be at most the size of the last axis of the operand (shape ${showShape(x.shape)})`);
  if (x.dtype === "bool") throw new TypeError("lax.topK: bool operands are not supported");
  // Sort ascending on an order-reversing key (negation for floats; ~x for integers, which does
  // not overflow), stable so that equal values keep their index order.
  const key = isFloat(x.dtype) ? neg(x) : not(x);
  const idx = broadcastedIota("int32", x.shape, x.ndim - 1);
  const [, values, indices] = sort([key, x, idx], { dimension: x.ndim - 1, isStable: true, numKeys: 1 }) as [JArray, JArray, JArray];
  const last = x.ndim - 1;
  return [sliceInDim(values, 0, o.k, 1, last), sliceInDim(indices, 0, o.k, 1, last)];
}
