/**
 * jaxts: JAX for TypeScript. Everything users import comes from here (see API.md).
 */
export * as numpy from "./numpy/index.js";
export * as lax from "./lax.js";
export * as tree from "./tree.js";
export { JArray as Array } from "./core/array.js";
export type { ArrayLike } from "./core/array.js";
export { makeJaxpr, evalShape } from "./transforms/makeJaxpr.js";
export { jit } from "./transforms/jit.js";
export { devices, defaultDevice, devicePut, setNumThreads, numThreads, blockUntilReady } from "./devices.js";
export { ValueError, IndexError, ConcretizationTypeError, TracerBoolConversionError, UnexpectedTracerError, NotImplementedError } from "./errors.js";
export { stopGradient } from "./autodiff/stopGradient.js";
export * as nn from "./nn/index.js";
export * as data from "./data/index.js";
export { grad, valueAndGrad, jvp, vjp, linearize, linearTranspose } from "./autodiff/api.js";
export * as testing from "./testing/index.js";
export { customJvp, customVjp, checkpoint, checkpointPolicies, remat } from "./autodiff/custom.js";
export { vmap, jacfwd, jacrev, hessian } from "./vmap/api.js";
export * as random from "./random/index.js";
export * as optax from "./optax/index.js";
export * as stax from "./stax/index.js";
export * as scipy from "./scipy/index.js";
export { exportFn, deserialize } from "./export/exported.js";
export type { Exported } from "./export/exported.js";
export type { ExportOptions } from "./export/exported.js";
export type { StandaloneWasm, ToWasmOptions } from "./export/wasm.js";
export * as io from "./io/index.js";
export * as quant from "./quant/index.js";
export * as interpret from "./interpret/index.js";
export * as adversarial from "./adversarial/index.js";
