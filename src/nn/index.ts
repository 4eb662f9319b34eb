/** `nn`: activations, softmax family, oneHot, and `nn.initializers`. */
export * from "./activations.js";
export * from "./normalization.js";
export * from "./attention.js";
export * as initializers from "./initializers.js";
export { l1Penalty, l2Penalty } from "./penalties.js";
