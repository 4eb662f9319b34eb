/** The `cpu` backend: the reference interpreter of codegen/ref over host TypedArrays. */
import { type RefBuffer, evalJaxprRef, evalPrimitiveRef } from "../../codegen/ref/index.js";
import type { Backend } from "./backend.js";

export const cpuBackend: Backend<RefBuffer> = {
  name: "cpu",
  manualMemory: false,
  fromHost: (data) => data.slice(),
  readSync: (buffer) => buffer.slice(),
  read: async (buffer) => buffer.slice(),
  dispose: () => {},
  executePrimitive: (prim, inputs, inAvals, params, outAvals) => evalPrimitiveRef(prim, inputs, inAvals, params, outAvals),
  executeJaxpr: (jaxpr, inputs) => evalJaxprRef(jaxpr, [], inputs),
};
