/**
 * `np`: NumPy's API over jaxts arrays. Each file holds one family; this module gathers them
 * and hands itself to `np.Array`'s methods.
 */
import { installNumpy } from "../core/array.js";
import * as self from "./index.js";

export { JArray as Array } from "../core/array.js";
export type { ArrayLike, Index, NestedList } from "../core/array.js";
export type { DType } from "../../ir/dtype.js";

export * from "./creation.js";
export * from "./elementwise.js";
export * from "./reductions.js";
export * from "./shapes.js";
export * from "./contraction.js";
export * from "./indexing.js";
export * from "./sorting.js";
export { diag, diagonal, trace, tril, triu } from "./diagonal.js";
export * as linalg from "./linalg.js";
export * from "./math.js";
export * from "./bitwise.js";
export * from "./nan.js";
export * from "./windows.js";
export * from "./polynomial.js";
export * from "./statistics.js";
export * from "./vectors.js";
export * from "./grids.js";
export * from "./splitting.js";
export * from "./functional.js";
export * from "./dtypes.js";
export * from "./logic.js";

export const float32 = "float32" as const;
export const float64 = "float64" as const;
export const int32 = "int32" as const;
export const uint32 = "uint32" as const;
export const bool = "bool" as const;
export const int8 = "int8" as const;
export const uint8 = "uint8" as const;
export const float16 = "float16" as const;
/** `np.newaxis` is `null`, as an index entry. */
export const newaxis = null;
export const pi = Math.PI;
export const e = Math.E;
export const inf = Infinity;
export const nan = NaN;

installNumpy(self);
