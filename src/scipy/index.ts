/** `scipy`: SciPy's names with JAX's semantics (jax.scipy). */
export * as linalg from "./linalg.js";
