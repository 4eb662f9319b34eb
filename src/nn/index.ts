/** `nn`: activations, softmax family, oneHot, and `nn.initializers`. */
export * from "./activations.js";
export * as initializers from "./initializers.js";
export { l1Penalty, l2Penalty } from "./penalties.js";
