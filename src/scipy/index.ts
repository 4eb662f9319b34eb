/** `scipy`: the parts of `jax.scipy` jaxts has: `scipy.linalg` and `scipy.special`. */
export * as linalg from "./linalg.js";
export * as special from "./special.js";
