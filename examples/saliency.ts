/**
 * What does LeNet look at? Trains LeNet (as in examples/overfitting.ts's data: Fashion-MNIST
 * when installed, else the synthetic patterns), then explains its prediction for ten test images,
 * one per class, three ways: the gradient (interpret.saliency), SmoothGrad and Integrated
 * Gradients. Prints a table with each image's label, prediction, and Integrated Gradients'
 * completeness error, and writes one PNG grid (rows: images with predictions, |saliency|,
 * |SmoothGrad|, |IG|).
 *
 *   node dist/examples/saliency.js [--epochs N] [--train-size N] [--out DIR]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { interpret, numpy as np, random } from "../src/index.js";
import { accuracyOn, argString, batchOf, loadSplit, table, trainLeNetOn } from "./classifier.js";
import { encodePng, grid, heatTile, type RgbImage, tile } from "./image.js";
import { argValue } from "./lenet.js";

export interface SaliencyOptions {
  epochs?: number;
  trainSize?: number;
  testSize?: number;
  smoothGradSamples?: number;
  igSteps?: number;
  synthetic?: boolean;
  log?: boolean;
  outDir?: string | null;
}

export interface SaliencyResult {
  accuracy: number;
  labels: number[];
  predictions: number[];
  images: Float32Array;
  /** Each method's attributions for the ten images, [10, 28, 28, 1] flattened. */
  maps: { saliency: Float32Array; smoothGrad: Float32Array; integratedGradients: Float32Array };
  /** |sum(IG) - (f(x) - f(0))| per image, for the predicted class. */
  completenessError: number[];
  /** f(x) - f(0) per image, for the predicted class. */
  scoreGain: number[];
  dataset: string;
  files: string[];
}

export async function runSaliency(opts: SaliencyOptions = {}): Promise<SaliencyResult> {
  const log = opts.log ?? true;
  const split = await loadSplit({ trainSize: opts.trainSize ?? 2000, testSize: opts.testSize ?? 1000, synthetic: opts.synthetic, log });
  const { params, apply, logits } = trainLeNetOn(split.train, { epochs: opts.epochs ?? 5 });
  const accuracy = accuracyOn(logits, params, split.test);
  const f = (x: np.Array) => apply(params, x);

  // The first test image of each class.
  const rows: number[] = [];
  for (let c = 0; c < 10; c++) {
    const i = split.test.labels.indexOf(c);
    if (i >= 0) rows.push(i);
  }
  const [x, y] = batchOf(split.test, rows);
  const predicted = np.argmax(f(x), -1);
  const saliency = interpret.saliency(f, x, { target: predicted });
  const smooth = interpret.smoothGrad(f, random.key(0), x, { target: predicted, samples: opts.smoothGradSamples ?? 25, sigma: 0.15 });
  const ig = interpret.integratedGradients(f, x, { target: predicted, steps: opts.igSteps ?? 32 });

  const pick = (scores: np.Array) => np.takeAlongAxis(scores, predicted.reshape([-1, 1]), 1).reshape([-1]);
  const gain = np.subtract(pick(f(x)), pick(f(np.zerosLike(x))));
  const igSum = np.sum(ig, [1, 2, 3]);
  const igSums = igSum.tolist() as number[];
  const completeness = np.abs(np.subtract(igSum, gain));
  const result: SaliencyResult = {
    accuracy,
    labels: y.tolist() as number[],
    predictions: predicted.tolist() as number[],
    images: x.dataSync() as Float32Array,
    maps: { saliency: saliency.dataSync() as Float32Array, smoothGrad: smooth.dataSync() as Float32Array, integratedGradients: ig.dataSync() as Float32Array },
    completenessError: completeness.tolist() as number[],
    scoreGain: gain.tolist() as number[],
    dataset: split.dataset,
    files: [],
  };

  if (log) {
    console.log(`LeNet on ${split.train.n} ${split.dataset} images: test accuracy ${(100 * accuracy).toFixed(1)}%\n`);
    console.log(
      table(
        ["image", "label", "predicted", "f(x) - f(0)", "sum(IG)", "|error|"],
        result.labels.map((l, i) => [String(i), String(l), String(result.predictions[i]), result.scoreGain[i]!, igSums[i]!, result.completenessError[i]!]),
      ),
    );
  }
  if (opts.outDir !== null) {
    const dir = opts.outDir ?? "out";
    mkdirSync(dir, { recursive: true });
    const n = rows.length;
    const at = (a: Float32Array, i: number) => a.subarray(i * 784, (i + 1) * 784);
    const row = (make: (i: number) => RgbImage) => Array.from({ length: n }, (_, i) => make(i));
    const picture = grid(
      [
        row((i) => tile(at(result.images, i), 28, 28, { lo: 0, hi: 1 })),
        row((i) => heatTile(at(result.maps.saliency, i), 28, 28)),
        row((i) => heatTile(at(result.maps.smoothGrad, i), 28, 28)),
        row((i) => heatTile(at(result.maps.integratedGradients, i), 28, 28)),
      ],
      {
        scale: 3,
        pad: 4,
        labels: [result.predictions.map((p, i) => ({ text: String(p), color: p === result.labels[i] ? ([0, 140, 0] as const) : ([200, 0, 0] as const) }))],
      },
    );
    result.files.push(join(dir, "saliency.png"));
    writeFileSync(result.files[0]!, encodePng(picture, { deflate: (b) => new Uint8Array(deflateSync(b)) }));
    if (log) console.log(`\nwrote ${result.files[0]} (rows: image with prediction, |saliency|, |SmoothGrad|, |Integrated Gradients|)`);
  }
  return result;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) await runSaliency({ epochs: argValue("epochs"), trainSize: argValue("train-size"), outDir: argString("out"), synthetic: process.argv.includes("--synthetic") });
