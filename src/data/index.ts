/** `data`: reading IDX datasets (MNIST, Fashion-MNIST), batching, and classification metrics. */
export * from "./idx.js";
export * as metrics from "./metrics.js";
export * as augment from "./augment.js";
