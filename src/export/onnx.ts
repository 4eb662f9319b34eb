/**
 * ONNX export: placeholder in this branch. The deploy-formats branch provides the real
 * `jaxprToOnnx` (one rule per primitive) and replaces this file when the branches merge.
 */
import type { AnyTypedArray } from "../../ir/dtype.js";
import type { ClosedJaxpr } from "../../ir/jaxpr.js";

export interface OnnxOptions {
  opset?: number | undefined;
}

export function jaxprToOnnx(_closed: ClosedJaxpr<AnyTypedArray>, _opts: OnnxOptions = {}): Uint8Array {
  throw new Error("ONNX export is not available in this build");
}
