/**
 * LeNet's layers alone (the PyTorch tutorial's network: conv 5x5x6, pool, conv 5x5x16, pool,
 * 120, 84, 10), apart from the training script so that the browser page can import the model
 * without Node's modules.
 */
import { stax } from "../src/index.js";

export function LeNet(dropout = 0): stax.Layer {
  // Dropout(rate) after each hidden dense layer when rate > 0 (examples/overfitting.ts).
  const drop = dropout > 0 ? [stax.Dropout(dropout)] : [];
  return stax.serial(
    stax.Conv(6, [5, 5]),
    stax.Relu,
    stax.MaxPool([2, 2], { strides: [2, 2] }),
    stax.Conv(16, [5, 5]),
    stax.Relu,
    stax.MaxPool([2, 2], { strides: [2, 2] }),
    stax.Flatten,
    stax.Dense(120),
    stax.Relu,
    ...drop,
    stax.Dense(84),
    stax.Relu,
    ...drop,
    stax.Dense(10),
  );
}
