/**
 * Transpose rules of the control-flow primitives: cond transposes each branch; scan
 * transposes into a scan running the other way that accumulates the constants' cotangents
 * in its carry; while has no transpose (JAX's ValueError).
 */
import type { TransposeRule } from "./transposeRules.js";

const todo = (name: string) => () => {
  throw new Error(`transpose of ${name} is not implemented yet`);
};

export const condTranspose: TransposeRule<"cond"> = todo("cond");
export const whileTranspose: TransposeRule<"while"> = todo("while");
export const scanTranspose: TransposeRule<"scan"> = todo("scan");
