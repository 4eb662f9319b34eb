/** `nn`: activations and friends (initializers arrive with the libraries issue). */
export * from "./activations.js";
