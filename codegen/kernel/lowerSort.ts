/**
 * lax.sort as a sort step (kernel.ts SortStep): the operands' shape cut into lines along the
 * sorted dimension, and int32 scratch for the permutation a renderer sorts.
 */
import { shapeSize } from "../../ir/aval.js";
import type { Eqn } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { batchSlots } from "./batchSlots.js";
import type { SortStep } from "./kernel.js";

/** int32 entries of one line's workspace (radix: keys, positions, twice, and 256 counts; merge: two permutations). */
export const sortWorkspace = (n: number): number => 4 * n + 256;
/** Workspaces of a sort step (batchSlots.ts): its lines are independent. */
export const sortSlots = (s: Pick<SortStep, "outer" | "inner" | "n">): number =>
  batchSlots(s.outer * s.inner, s.n * Math.max(1, Math.ceil(Math.log2(s.n))), 4 * sortWorkspace(s.n));

/** The sort step of `e` over buffers `inputs` -> `outputs`; null for an empty array. `scratch(n)` makes an int32 scratch buffer of n elements. */
export function sortStep(e: Eqn, name: string, inputs: readonly number[], outputs: readonly number[], scratch: (n: number) => number): SortStep | null {
  const { dimension, numKeys } = e.params as Params<"sort">;
  const shape = e.inputs[0]!.aval.shape;
  if (shapeSize(shape) === 0) return null;
  const n = shape[dimension]!;
  const outer = shapeSize(shape.slice(0, dimension));
  const inner = shapeSize(shape.slice(dimension + 1));
  return {
    kind: "sort",
    name,
    eqn: e,
    inputs,
    outputs,
    outer,
    n,
    inner,
    numKeys,
    perm: scratch(sortWorkspace(n) * sortSlots({ outer, inner, n })),
  };
}
