/**
 * lax.sort as a sort step (kernel.ts SortStep): the operands' shape cut into lines along the
 * sorted dimension, and int32 scratch for the permutation a renderer sorts.
 */
import { shapeSize } from "../../ir/aval.js";
import type { Eqn } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import type { SortStep } from "./kernel.js";

/** The sort step of `e` over buffers `inputs` -> `outputs`; null for an empty array. `scratch(n)` makes an int32 scratch buffer of n elements. */
export function sortStep(e: Eqn, name: string, inputs: readonly number[], outputs: readonly number[], scratch: (n: number) => number): SortStep | null {
  const { dimension, numKeys } = e.params as Params<"sort">;
  const shape = e.inputs[0]!.aval.shape;
  if (shapeSize(shape) === 0) return null;
  const n = shape[dimension]!;
  return {
    kind: "sort",
    name,
    eqn: e,
    inputs,
    outputs,
    outer: shapeSize(shape.slice(0, dimension)),
    n,
    inner: shapeSize(shape.slice(dimension + 1)),
    numKeys,
    perm: scratch(4 * n + 256),
  };
}
