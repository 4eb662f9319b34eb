/**
 * Overfitting and three cures. LeNet on a small training set (2,000 Fashion-MNIST images, or the
 * synthetic set of shifted noisy patterns when the dataset is not installed), trained five ways:
 * no regularization, an L2 penalty on the weights (nn.l2Penalty with a mask that skips biases),
 * dropout (stax.Dropout), data augmentation (data.augment: random crops with padding, and
 * horizontal flips for Fashion-MNIST), and all three. Prints a table of train and test accuracy
 * and writes the train and test accuracy curves (SVG) and a PNG of augmented training images.
 *
 *   node dist/examples/overfitting.js [--epochs N] [--train-size N] [--test-size N] [--out DIR] [--synthetic]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { data, jit, nn, numpy as np, optax, random, tree, valueAndGrad } from "../src/index.js";
import { deflateSync } from "node:zlib";
import { LeNet, accuracyOn, argString, batchOf, evalLogits, loadSplit, range, table } from "./classifier.js";
import { encodePng, grid, tile } from "./image.js";
import { argValue } from "./lenet.js";
import { PALETTE, lossCurveSvg } from "./plot.js";

export interface Regularization {
  name: string;
  l2?: number;
  dropout?: number;
  augment?: boolean;
}

export const SETUPS: Regularization[] = [
  { name: "none" },
  { name: "L2", l2: 1e-3 },
  { name: "dropout", dropout: 0.3 },
  { name: "augmentation", augment: true },
  { name: "all three", l2: 1e-3, dropout: 0.3, augment: true },
];

export interface OverfittingOptions {
  epochs?: number;
  trainSize?: number;
  testSize?: number;
  batchSize?: number;
  learningRate?: number;
  setups?: Regularization[];
  synthetic?: boolean;
  log?: boolean;
  /** Measure train and test accuracy every this many epochs (default 1) and after the last. */
  evalEvery?: number;
  /** Where to write the pictures (default "out"); null writes none. */
  outDir?: string | null;
}

export interface SetupResult {
  name: string;
  trainAccuracy: number[];
  testAccuracy: number[];
}

export async function runOverfitting(opts: OverfittingOptions = {}): Promise<{ results: SetupResult[]; dataset: string; files: string[] }> {
  const log = opts.log ?? true;
  // Long enough for the unregularized net to overfit (train accuracy near 1): at 15 epochs on
  // Fashion-MNIST every setup still underfits and dropout's gap is not yet the smaller one.
  const epochs = opts.epochs ?? 50;
  const batchSize = opts.batchSize ?? 50;
  const split = await loadSplit({ trainSize: opts.trainSize ?? 2000, testSize: opts.testSize ?? 2000, synthetic: opts.synthetic, log });
  const { train, test } = split;
  // Flips keep Fashion-MNIST's classes (clothes are left-right symmetric); the synthetic patterns are not.
  const flips = split.dataset === "fashion-mnist";
  const augment = data.augment.compose((k, x) => data.augment.randomCrop(k, x, { padding: 2 }), ...(flips ? [data.augment.randomFlip] : []));

  const results: SetupResult[] = [];
  for (const setup of opts.setups ?? SETUPS) {
    const [init, apply] = LeNet(setup.dropout ?? 0);
    let [, params] = init(random.key(0), [-1, 28, 28, 1]);
    // Penalize the weights, not the biases: stax keeps each layer's params as [W, b].
    const mask = tree.map((leaf: np.Array) => leaf.ndim > 1, params);
    const opt = optax.adam(opts.learningRate ?? 2e-3);
    let state = opt.init(params);
    const loss = (p: unknown, x: np.Array, y: np.Array, key: np.Array) => {
      const ce = np.mean(optax.softmaxCrossEntropyWithIntegerLabels(apply(p, x, { rng: key, mode: "train" }), y));
      return setup.l2 ? np.add(ce, np.multiply(setup.l2, nn.l2Penalty(p, { mask }))) : ce;
    };
    const step = jit((p: unknown, s: unknown, x: np.Array, y: np.Array, key: np.Array) => {
      const [kAug, kDrop] = random.split(key) as unknown as [np.Array, np.Array];
      const xIn = setup.augment ? augment(kAug, x) : x;
      const [l, g] = valueAndGrad(loss)(p, xIn, y, kDrop);
      const [updates, s2] = opt.update(g, s, p);
      return [optax.applyUpdates(p, updates), s2, l];
    });
    const logits = evalLogits(apply);
    const r: SetupResult = { name: setup.name, trainAccuracy: [], testAccuracy: [] };
    let key = random.key(1);
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const rows of data.batches(train.n, batchSize, { seed: epoch + 1, dropRemainder: true })) {
        const [x, y] = batchOf(train, rows);
        const [k, sub] = random.split(key) as unknown as [np.Array, np.Array];
        key = k;
        [params, state] = step(params, state, x, y, sub) as [unknown, unknown, np.Array];
      }
      if ((epoch + 1) % (opts.evalEvery ?? 1) !== 0 && epoch !== epochs - 1) continue;
      r.trainAccuracy.push(accuracyOn(logits, params, train));
      r.testAccuracy.push(accuracyOn(logits, params, test));
    }
    if (log) console.log(`${setup.name.padEnd(13)} train ${r.trainAccuracy.at(-1)!.toFixed(3)}  test ${r.testAccuracy.at(-1)!.toFixed(3)}`);
    results.push(r);
  }

  if (log) {
    console.log(`\nLeNet on ${train.n} ${split.dataset} images, ${epochs} epochs; accuracy on ${test.n} test images\n`);
    const rows = results.map((r) => {
      const [tr, te] = [r.trainAccuracy.at(-1)!, r.testAccuracy.at(-1)!];
      return [r.name, tr, te, tr - te];
    });
    console.log(table(["regularization", "train", "test", "gap"], rows));
  }
  const files: string[] = [];
  if (opts.outDir !== null) {
    const dir = opts.outDir ?? "out";
    mkdirSync(dir, { recursive: true });
    const svg = lossCurveSvg(
      results.flatMap((r, k) => [
        { name: `${r.name} test`, values: r.testAccuracy, color: PALETTE[k % PALETTE.length] },
        { name: `${r.name} train`, values: r.trainAccuracy, color: PALETTE[k % PALETTE.length], dashed: true },
      ]),
      { title: `LeNet on ${train.n} ${split.dataset} images: train (dashed) and test accuracy`, xLabel: "epoch" },
    );
    files.push(join(dir, "overfitting.svg"));
    writeFileSync(files[0]!, svg);
    // What augmentation shows the network: ten training images, then three augmented draws of them.
    const [x] = batchOf(train, range(0, Math.min(10, train.n)));
    const draws = [x, ...[1, 2, 3].map((k) => augment(random.key(k), x))].map((b) => {
      const px = b.dataSync() as Float32Array;
      return Array.from({ length: b.shape[0]! }, (_, i) => tile(px.subarray(i * 784, (i + 1) * 784), 28, 28, { lo: 0, hi: 1 }));
    });
    files.push(join(dir, "augmentation.png"));
    writeFileSync(files[1]!, encodePng(grid(draws, { scale: 2, pad: 3 }), { deflate: (b) => new Uint8Array(deflateSync(b)) }));
    if (log) console.log(`wrote ${files.join(", ")}`);
  }
  return { results, dataset: split.dataset, files };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain)
  await runOverfitting({ epochs: argValue("epochs"), trainSize: argValue("train-size"), testSize: argValue("test-size"), outDir: argString("out"), synthetic: process.argv.includes("--synthetic") });
