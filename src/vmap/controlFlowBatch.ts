/**
 * Batching rules of the control-flow primitives: a batched predicate turns cond into
 * evaluating every branch and selecting; a batched while predicate runs until every lane is
 * done; scan (and while) find which carries are batched by fixpoint.
 */
import type { BatchRule } from "./batchRules.js";

const todo = (name: string) => () => {
  throw new Error(`vmap of ${name} is not implemented yet`);
};

export const condBatch: BatchRule<"cond"> = todo("cond");
export const whileBatch: BatchRule<"while"> = todo("while");
export const scanBatch: BatchRule<"scan"> = todo("scan");
