/**
 * Batching rules of the factorizations: each primitive is already batched over its operands'
 * leading dims, so the vmapped dim moves to the front and becomes one more batch dim (an
 * unbatched operand of triangular solve is broadcast along it).
 */
import type { Primitive } from "../../ir/primitives.js";
import { bind } from "../core/interpreter.js";
import type { BatchRule } from "./batchRules.js";
import { moveBdim } from "./batching.js";

export const leadingBatch =
  <P extends Primitive>(prim: P): BatchRule<P> =>
  (values, dims, params, n) => {
    const moved = values.map((v, i) => moveBdim(v, dims[i] ?? null, 0, n));
    const outs = bind(prim, moved, params);
    return [outs, outs.map(() => 0)];
  };
