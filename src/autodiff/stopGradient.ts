import type { JArray } from "../core/array.js";
import * as lax from "../lax.js";
import * as tree from "../tree.js";

/** Blocks differentiation through every array leaf of `x` (its value passes through). */
export function stopGradient<T>(x: T): T {
  return tree.map((leaf: JArray | number) => lax.stopGradient(leaf), x);
}
