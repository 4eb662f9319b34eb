/**
 * A backend holds array memory and runs primitives and jaxprs on it. The `cpu` backend is
 * the reference interpreter; compiled backends (wasm, webgpu) implement the same interface.
 */
import type { ShapedArray } from "../../ir/aval.js";
import type { AnyTypedArray } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";

export type DeviceName = "cpu" | "wasm" | "webgpu";

export interface Backend<B = unknown> {
  readonly name: DeviceName;
  /** Whether buffers must be freed explicitly (the FinalizationRegistry does it for dropped arrays). */
  readonly manualMemory: boolean;
  /** Copies host data (already of the aval's dtype) into a new buffer. */
  fromHost(data: AnyTypedArray, aval: ShapedArray): B;
  /** A host copy of a buffer's contents, or throws if this backend can only read asynchronously. */
  readSync(buffer: B, aval: ShapedArray): AnyTypedArray;
  read(buffer: B, aval: ShapedArray): Promise<AnyTypedArray>;
  dispose(buffer: B): void;
  /**
   * What the FinalizationRegistry keeps for a buffer (default: the buffer itself), and how it
   * frees by it: a backend that can move buffers out of device memory gives a token that does
   * not keep the moved data alive. `undefined`: register no finalizer (the backend reclaims such
   * buffers itself, as the wasm backend does for small ones: registering costs more than a small op).
   */
  finalizerToken?(buffer: B): object | undefined;
  disposeToken?(token: object): void;
  /**
   * An object the array owning `buffer` holds for its whole life and nothing else holds, through
   * which the backend learns of the array's death before finalizers run (codegen/wasm/liveness.ts).
   * Asked once per owning array; undefined: nothing to hold.
   */
  livenessToken?(buffer: B): object | undefined;
  /** An asynchronous device's one-element buffer whose value is known on the host (placed from it), else undefined. */
  hostScalar?(buffer: B): number | undefined;
  /** Waits for the work producing a buffer (backends that queue work; others are always ready); an asynchronous device (webgpu) returns a promise. */
  blockUntilReady?(buffer: B): void | Promise<void>;
  executePrimitive<P extends Primitive>(
    prim: P,
    inputs: readonly B[],
    inAvals: readonly ShapedArray[],
    params: Params<P>,
    outAvals: readonly ShapedArray[],
  ): B[];
  /** Runs a whole jaxpr without constvars (a jit call). */
  executeJaxpr(jaxpr: Jaxpr, inputs: readonly B[]): B[];
  /** Generated code for a jaxpr (jit(f).lower().compile().asText()), on compiling backends. */
  lowerText?(jaxpr: Jaxpr): string;
}
