/**
 * What the overfitting, saliency and adversarial examples share: their data (a subset of
 * Fashion-MNIST when Debian's `dataset-fashion-mnist` is installed, else a synthetic set of
 * shifted, noisy patterns), LeNet with optional dropout, and batched accuracy.
 */
import { existsSync } from "node:fs";
import { data, jit, numpy as np, optax, random, stax, valueAndGrad } from "../src/index.js";
import { LeNet } from "./lenetModel.js";
import { type Dataset, FASHION_MNIST_DIR, loadFashionMnist } from "./lenet.js";

export interface Split {
  train: Dataset;
  test: Dataset;
  dataset: "fashion-mnist" | "synthetic";
}

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Ten classes, each a fixed random pattern of strokes in the middle of a 28x28 image, drawn at
 * a random shift of up to +-3 pixels with strong pixel noise. Few examples per class are easy to
 * memorize and hard to generalize from, so it shows overfitting as Fashion-MNIST subsets do;
 * the patterns are the same for every call (only `seed` varies the examples).
 */
export function shiftedPatterns(n: number, seed: number): Dataset {
  const proto = xorshift(12345);
  const prototypes = Array.from({ length: 10 }, () => {
    const p = new Float32Array(28 * 28);
    for (let s = 0; s < 4; s++) {
      // A stroke: a line of 6-10 pixels, horizontal, vertical or diagonal, inside rows/cols 7..20.
      let [r, c] = [7 + Math.floor(proto() * 14), 7 + Math.floor(proto() * 14)];
      const [dr, dc] = [[0, 1], [1, 0], [1, 1], [1, -1]][Math.floor(proto() * 4)]!;
      const len = 6 + Math.floor(proto() * 5);
      for (let k = 0; k < len && r >= 7 && r <= 20 && c >= 7 && c <= 20; k++, r += dr!, c += dc!) p[r * 28 + c] = 1;
    }
    return p;
  });
  const rand = xorshift(seed);
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = Math.floor(rand() * 10);
    labels[i] = cls;
    const dy = Math.floor(rand() * 7) - 3;
    const dx = Math.floor(rand() * 7) - 3;
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++) {
        const [sr, sc] = [r - dy, c - dx];
        const v = sr >= 0 && sr < 28 && sc >= 0 && sc < 28 ? prototypes[cls]![sr * 28 + sc]! : 0;
        images[i * 784 + r * 28 + c] = Math.min(1, Math.max(0, 0.8 * v + 0.4 * rand() - 0.1));
      }
  }
  return { images, labels, n };
}

/** `trainSize` training and `testSize` test images: Fashion-MNIST when installed, else synthetic. */
export async function loadSplit(opts: { trainSize: number; testSize: number; synthetic?: boolean; log?: boolean }): Promise<Split> {
  const haveData = !opts.synthetic && existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`);
  if (!haveData && !opts.synthetic && (opts.log ?? true))
    console.log("Fashion-MNIST is not installed; using a synthetic set of shifted noisy patterns.\n  To use the real data: sudo apt-get install dataset-fashion-mnist");
  if (!haveData) return { train: shiftedPatterns(opts.trainSize, 1), test: shiftedPatterns(opts.testSize, 2), dataset: "synthetic" };
  const head = (d: Dataset, n: number): Dataset => ({ images: d.images.subarray(0, n * 784), labels: d.labels.subarray(0, n), n: Math.min(n, d.n) });
  return { train: head(await loadFashionMnist("train"), opts.trainSize), test: head(await loadFashionMnist("t10k"), opts.testSize), dataset: "fashion-mnist" };
}

export const FASHION_CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"];

/** LeNet with Dropout(rate) after each hidden dense layer when rate > 0 (examples/lenetModel.ts). */
export { LeNet };

/** Rows `start..start+count` of a dataset as a [count, 28, 28, 1] batch and int32 labels. */
export function batchOf(d: Dataset, rows: ArrayLike<number>): [np.Array, np.Array] {
  const n = rows.length;
  const px = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) px.set(d.images.subarray(rows[i]! * 784, rows[i]! * 784 + 784), i * 784);
  return [np.array(px, { shape: [n, 28, 28, 1] }), np.array(Int32Array.from({ length: n }, (_, i) => d.labels[rows[i]!]!))];
}

export const range = (start: number, stop: number) => Array.from({ length: stop - start }, (_, i) => start + i);

/** Accuracy of `predict(params, x) -> logits` over a dataset, in batches. */
export function accuracyOn(predict: (params: unknown, x: np.Array) => np.Array, params: unknown, d: Dataset, batchSize = 500): number {
  let correct = 0;
  for (let s = 0; s < d.n; s += batchSize) {
    const [x, y] = batchOf(d, range(s, Math.min(d.n, s + batchSize)));
    correct += np.sum(np.equal(np.argmax(predict(params, x), -1), y)).item() as number;
  }
  return correct / d.n;
}

/** A jitted eval-mode forward pass for a stax apply function. */
export const evalLogits = (apply: stax.ApplyFun) => jit((p: unknown, x: np.Array) => apply(p, x, { mode: "eval" }));

/** A table with right-aligned columns after the first. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((v) => (typeof v === "number" ? v.toFixed(3) : v)))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => String(r[c]).length)));
  const line = (r: (string | number)[]) => r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]!) : String(v).padStart(widths[c]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** `--name value` from the command line, as a string. */
export function argString(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** LeNet trained with Adam on cross-entropy (no regularization): what the saliency and adversarial examples explain and attack. */
export function trainLeNetOn(
  train: Dataset,
  opts: { epochs: number; batchSize?: number; learningRate?: number; seed?: number },
): { params: unknown; apply: stax.ApplyFun; logits: (p: unknown, x: np.Array) => np.Array; loss: (p: unknown, x: np.Array, y: np.Array) => np.Array } {
  const [init, apply] = LeNet();
  let [, params] = init(random.key(opts.seed ?? 0), [-1, 28, 28, 1]);
  const opt = optax.adam(opts.learningRate ?? 2e-3);
  let state = opt.init(params);
  const loss = (p: unknown, x: np.Array, y: np.Array) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(apply(p, x), y));
  const step = jit((p: unknown, s: unknown, x: np.Array, y: np.Array) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    const [updates, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, updates), s2, l];
  });
  for (let epoch = 0; epoch < opts.epochs; epoch++)
    for (const rows of data.batches(train.n, opts.batchSize ?? 50, { seed: epoch + 1, dropRemainder: true })) {
      const [x, y] = batchOf(train, rows);
      [params, state] = step(params, state, x, y) as [unknown, unknown];
    }
  return { params, apply, logits: evalLogits(apply), loss };
}
