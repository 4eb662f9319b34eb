/**
 * Trains the page's LeNet in Node and writes what the page fetches: the parameters
 * (public/lenet.safetensors, see paramsFile.ts) and a few test images (public/samples.json), one
 * per class, with the labels they truly have.
 *
 *   npm run build && node dist/examples/browser/train.js [--epochs N] [--train-size N] [--out DIR]
 *
 * On Fashion-MNIST (Debian's `dataset-fashion-mnist`) when installed, else on lenet.ts's synthetic
 * bars. The committed files came from `--epochs 2 --train-size 30000` on Fashion-MNIST.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Dataset, argValue, loadFashionMnist, syntheticDataset, trainLeNet } from "../lenet.js";
import { CLASS_NAMES, SIDE, type SamplesFile, encodePixels, makeClassifier, samplePixels } from "./model.js";
import { encodeParams } from "./paramsFile.js";

export interface TrainPageOptions {
  /** Where lenet.safetensors and samples.json go. */
  outDir: string;
  epochs?: number;
  trainSize?: number;
  /** Test images the accuracy is measured on (default 2,000). */
  testSize?: number;
  synthetic?: boolean;
  log?: boolean;
}

export interface TrainPageResult {
  dataset: "fashion-mnist" | "synthetic";
  accuracy: number;
  /** The file's size in bytes. */
  paramBytes: number;
}

/** The first test image of each class, as samples.json holds them. */
function pickSamples(test: Dataset, dataset: SamplesFile["dataset"]): SamplesFile {
  const samples: SamplesFile["samples"] = [];
  for (let c = 0; c < CLASS_NAMES.length; c++) {
    const index = test.labels.findIndex((l) => l === c);
    if (index < 0) continue;
    samples.push({ label: c, index, pixels: encodePixels(test.images.subarray(index * SIDE * SIDE, (index + 1) * SIDE * SIDE)) });
  }
  return { dataset, classes: CLASS_NAMES, samples };
}

export async function trainPage(opts: TrainPageOptions): Promise<TrainPageResult> {
  const log = opts.log ?? true;
  const r = await trainLeNet({
    epochs: opts.epochs ?? 2,
    trainSize: opts.trainSize ?? 30_000,
    testSize: opts.testSize ?? 2_000,
    batchSize: 64,
    learningRate: 2e-3,
    synthetic: opts.synthetic,
    log,
  });
  const bytes = encodeParams(r.params, { model: "LeNet", dataset: r.dataset, testAccuracy: r.accuracy.toFixed(4) });
  const test = r.dataset === "fashion-mnist" ? await loadFashionMnist("t10k") : syntheticDataset(200, 2);
  const samples = pickSamples(test, r.dataset);
  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(join(opts.outDir, "lenet.safetensors"), bytes);
  writeFileSync(join(opts.outDir, "samples.json"), JSON.stringify(samples, null, 1) + "\n");
  if (log) {
    // What the page will say for each sample, from the file just written.
    const classify = makeClassifier(bytes);
    for (const s of samples.samples) {
      const { label, probabilities } = classify(samplePixels(s));
      console.log(`sample ${s.index} (${CLASS_NAMES[s.label]}): predicted ${CLASS_NAMES[label]} (${(100 * probabilities[label]!).toFixed(1)}%)`);
    }
    console.log(`wrote ${bytes.length} bytes of parameters and ${samples.samples.length} samples to ${opts.outDir}`);
  }
  return { dataset: r.dataset, accuracy: r.accuracy, paramBytes: bytes.length };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const outIndex = process.argv.indexOf("--out");
  // dist/examples/browser/train.js writes next to the sources: examples/browser/public.
  const here = dirname(fileURLToPath(import.meta.url));
  const outDir = outIndex >= 0 ? process.argv[outIndex + 1]! : join(here, "..", "..", "..", "examples", "browser", "public");
  await trainPage({ outDir, epochs: argValue("epochs"), trainSize: argValue("train-size") });
}
