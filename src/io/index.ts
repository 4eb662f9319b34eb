/** Weights in and out of jaxts: `io.saveSafetensors` and `io.loadSafetensors`. */
export { loadSafetensors, saveSafetensors } from "./safetensors.js";
