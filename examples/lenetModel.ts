/**
 * LeNet's layers alone (the PyTorch tutorial's network: conv 5x5x6, pool, conv 5x5x16, pool,
 * 120, 84, 10), apart from the training script so that the browser page can import the model
 * without Node's modules.
 */
import { stax } from "../src/index.js";

export function LeNet(): stax.Layer {
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
    stax.Dense(84),
    stax.Relu,
    stax.Dense(10),
  );
}
