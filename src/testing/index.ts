/** `testing`: gradient checking and property-test arbitraries for users' own code. */
export { checkGrads, type CheckGradsOptions } from "./checkGrads.js";
export * as arbitraries from "./arbitraries.js";
