/**
 * Primitives that only move, reinterpret or create values (views, conversions, iota): lower.ts
 * fuses them into their consumers' index arithmetic, and narrow.ts knows they keep an int8/uint8
 * value in range. A leaf module, so both can import it (lower.ts imports narrow.ts).
 */
import type { Primitive } from "../../ir/primitives.js";

export const viewPrims: ReadonlySet<Primitive> = new Set<Primitive>([
  "broadcastInDim",
  "reshape",
  "transpose",
  "squeeze",
  "rev",
  "slice",
  "pad",
  "concatenate",
  "convertElementType",
  "copy",
  "stopGradient",
  "iota",
]);
