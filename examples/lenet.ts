/**
 * LeNet (the PyTorch tutorial's network: conv 5x5x6, pool, conv 5x5x16, pool, 120, 84, 10)
 * trained on Fashion-MNIST with cross-entropy and Adam, with a progress bar and test accuracy,
 * precision and recall at the end. Without Debian's `dataset-fashion-mnist` package it says how
 * to install it and trains on a small synthetic set instead.
 *
 *   node dist/examples/lenet.js [--epochs N] [--train-size N] [--batch-size N] [--device wasm|webgpu|cpu]
 */
import { existsSync } from "node:fs";
import type { DeviceName } from "../src/backends/index.js";
import { data, defaultDevice, devicePut, jit, numpy as np, optax, random, tree, valueAndGrad } from "../src/index.js";
import { LeNet } from "./lenetModel.js";

export { LeNet };

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

export interface Dataset {
  images: Float32Array; // [n, 28, 28, 1] scaled to [0, 1]
  labels: Int32Array;
  n: number;
}

export interface LeNetOptions {
  epochs?: number;
  /** Train on at most this many examples per epoch (the rest are skipped). */
  trainSize?: number;
  testSize?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** Print a progress bar (default true). */
  log?: boolean;
  /** Use the synthetic set even when Fashion-MNIST is installed. */
  synthetic?: boolean;
  /** The device to train on (default: the default device); webgpu's values are read with `await x.data()`. */
  device?: DeviceName;
}

export interface LeNetResult {
  losses: number[];
  accuracy: number;
  precision: number;
  recall: number;
  dataset: "fashion-mnist" | "synthetic";
  /** The trained parameters (stax's tree for `LeNet()`). */
  params: unknown;
}

/** Fashion-MNIST from Debian's package, as [0, 1] floats. */
export async function loadFashionMnist(split: "train" | "t10k"): Promise<Dataset> {
  const images = await data.loadIdx(`${FASHION_MNIST_DIR}/${split}-images-idx3-ubyte.gz`);
  const labels = await data.loadIdx(`${FASHION_MNIST_DIR}/${split}-labels-idx1-ubyte.gz`);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  return { images: pixels, labels: Int32Array.from(labels.data), n: labels.shape[0]! };
}

/**
 * A small synthetic set with learnable structure: each class is a bright bar at its own
 * position and orientation, plus noise.
 */
export function syntheticDataset(n: number, seed: number): Dataset {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const images = new Float32Array(n * 28 * 28);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 10;
    labels[i] = c;
    for (let p = 0; p < 28 * 28; p++) images[i * 784 + p] = 0.2 * rand();
    const pos = 3 + 2 * c;
    for (let k = 4; k < 24; k++) {
      const [r, col] = c % 2 === 0 ? [pos, k] : [k, pos];
      images[i * 784 + r * 28 + col] = 0.8 + 0.2 * rand();
    }
  }
  return { images, labels, n };
}

function bar(done: number, total: number, width = 24): string {
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

export async function trainLeNet(opts: LeNetOptions = {}): Promise<LeNetResult> {
  const saved = defaultDevice();
  try {
    return await train(opts, saved);
  } finally {
    defaultDevice(saved);
  }
}

async function train(opts: LeNetOptions, hostDevice: DeviceName): Promise<LeNetResult> {
  const log = opts.log ?? true;
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 64;
  const haveData = !opts.synthetic && existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);
  if (!haveData && !opts.synthetic && log)
    console.log(
      "Fashion-MNIST is not installed; training on a small synthetic set instead.\n" +
        "  To use the real data: sudo apt-get install dataset-fashion-mnist",
    );
  const train = haveData ? await loadFashionMnist("train") : syntheticDataset(opts.trainSize ?? 640, 1);
  const test = haveData ? await loadFashionMnist("t10k") : syntheticDataset(opts.testSize ?? 200, 2);
  const trainN = Math.min(train.n, opts.trainSize ?? train.n);
  const testN = Math.min(test.n, opts.testSize ?? test.n);

  const [init, apply] = LeNet();
  const key = random.key(opts.seed ?? 0);
  let [, params] = init(key, [-1, 28, 28, 1]);
  // The initializers sample on the default device (their float32 math rounds through float64,
  // which WebGPU lacks); the parameters then move to the training device, which becomes the default.
  if (opts.device) {
    params = tree.map((x: np.Array) => devicePut(x, opts.device), params);
    defaultDevice(opts.device);
  }
  const opt = optax.adam(opts.learningRate ?? 1e-3);
  let state = opt.init(params);
  const loss = (p: unknown, x: np.Array, y: np.Array) =>
    np.mean(optax.softmaxCrossEntropyWithIntegerLabels(apply(p, x), y));
  const step = jit((p: unknown, s: unknown, x: np.Array, y: np.Array) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    const [updates, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, updates), s2, l];
  });
  const predict = jit((p: unknown, x: np.Array) => np.argmax(apply(p, x), -1));

  const losses: number[] = [];
  const stepsPerEpoch = Math.floor(trainN / batchSize);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = performance.now();
    let seen = 0;
    let k = 0;
    for (const rows of data.batches(trainN, batchSize, { seed: epoch + 1, dropRemainder: true })) {
      const x = np.array(data.gatherRows(train.images, 784, rows), { shape: [rows.length, 28, 28, 1] });
      const y = np.array(Int32Array.from(rows, (r) => train.labels[r]!));
      const [p, s, l] = step(params, state, x, y) as [unknown, unknown, np.Array];
      params = p;
      state = s;
      losses.push((await l.data())[0]!);
      seen += rows.length;
      k++;
      if (log && (k % 5 === 0 || k === stepsPerEpoch)) {
        const secs = (performance.now() - start) / 1000;
        process.stdout.write(
          `\repoch ${epoch + 1}/${epochs} ${bar(k, stepsPerEpoch)} step ${k}/${stepsPerEpoch} loss ${losses[losses.length - 1]!.toFixed(4)} ${(seen / secs).toFixed(0)} img/s   `,
        );
      }
    }
    if (log) process.stdout.write("\n");
  }

  const predictions: number[] = [];
  const truth: number[] = [];
  for (const rows of data.batches(testN, 500)) {
    const x = np.array(data.gatherRows(test.images, 784, rows), { shape: [rows.length, 28, 28, 1] });
    predictions.push(...Array.from(await predict(params, x).data()));
    truth.push(...Array.from(rows, (r) => test.labels[r]!));
  }
  defaultDevice(hostDevice); // the metrics read their values synchronously
  const accuracy = data.metrics.accuracy(predictions, truth);
  const precision = data.metrics.precision(predictions, truth, { numClasses: 10 }) as number;
  const recall = data.metrics.recall(predictions, truth, { numClasses: 10 }) as number;
  if (log)
    console.log(
      `test (${testN} images): accuracy ${(100 * accuracy).toFixed(2)}%, precision ${(100 * precision).toFixed(2)}%, recall ${(100 * recall).toFixed(2)}%`,
    );
  return { losses, accuracy, precision, recall, dataset: haveData ? "fashion-mnist" : "synthetic", params };
}

/** `--name value` from the command line. */
export function argValue(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const d = process.argv.indexOf("--device");
  const device = d >= 0 ? (process.argv[d + 1] as DeviceName) : undefined;
  await trainLeNet({ epochs: argValue("epochs") ?? 1, trainSize: argValue("train-size"), batchSize: argValue("batch-size"), device });
}
