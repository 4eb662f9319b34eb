/** `scipy`: the parts of `jax.scipy` jaxts has, so far `scipy.special`. */
export * as special from "./special.js";
