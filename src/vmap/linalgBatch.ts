/**
 * Batching rules of the factorizations: each primitive is already batched over its operands'
 * leading dims, so the vmapped dim moves to the front and becomes one more batch dim (an
 * unbatched operand is broadcast along it). Triangular solve with only b batched folds the
 * batch into b's columns (left side) or rows (right side) instead, as JAX does, so the
 * matrix is not copied once per example.
 */
import type { Primitive } from "../../ir/primitives.js";
import { bind, bind1 } from "../core/interpreter.js";
import * as lax from "../lax.js";
import type { BatchRule } from "./batchRules.js";
import { moveBdim } from "./batching.js";

export const leadingBatch =
  <P extends Primitive>(prim: P): BatchRule<P> =>
  (values, dims, params, n) => {
    const moved = values.map((v, i) => moveBdim(v, dims[i] ?? null, 0, n));
    const outs = bind(prim, moved, params);
    return [outs, outs.map(() => 0)];
  };

export const triangularSolveBatch: BatchRule<"triangularSolve"> = (values, dims, params, n) => {
  const [a, b] = values as [(typeof values)[0], (typeof values)[0]];
  const [da, db] = [dims[0] ?? null, dims[1] ?? null];
  if (da !== null || db === null) return leadingBatch("triangularSolve")(values, dims, params, n);
  const r = b.ndim - 1; // b's rank without the vmapped dim
  const batch = b.shape.filter((_, i) => i !== db).slice(0, r - 2);
  const [rows, cols] = b.shape.filter((_, i) => i !== db).slice(r - 2) as [number, number];
  if (params.leftSide) {
    // [..., m, k, n] -> [..., m, k*n]: every example is more right-hand-side columns.
    const folded = lax.reshape(moveBdim(b, db, r, n), [...batch, rows, cols * n]);
    const x = bind1("triangularSolve", [a, folded], params);
    return [[lax.reshape(x, [...batch, rows, cols, n])], [r]];
  }
  // [..., n, k, m] -> [..., n*k, m]: every example is more rows.
  const folded = lax.reshape(moveBdim(b, db, r - 2, n), [...batch, n * rows, cols]);
  const x = bind1("triangularSolve", [a, folded], params);
  return [[lax.reshape(x, [...batch, n, rows, cols])], [r - 2]];
};
