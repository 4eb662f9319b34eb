/**
 * Adversarial examples. Trains LeNet (Fashion-MNIST when installed, else the synthetic
 * patterns), measures test accuracy under FGSM and PGD (L-infinity, pixels kept in [0, 1]) for
 * eps in {0, 0.05, 0.1, 0.2}, then fine-tunes it for a few epochs on adversarial examples
 * (adversarial.trainStep) and measures again. Prints the table, and writes the accuracy curves
 * (SVG) and a PNG of clean and adversarial test images with the model's predictions (green when
 * right, red when wrong).
 *
 *   node dist/examples/adversarial.js [--epochs N] [--adv-epochs N] [--train-size N] [--test-size N] [--out DIR]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { adversarial, data, jit, numpy as np, optax, random } from "../src/index.js";
import { argString, batchOf, loadSplit, range, table, trainLeNetOn } from "./classifier.js";
import { encodePng, grid, tile } from "./image.js";
import { argValue } from "./lenet.js";
import { lossCurveSvg } from "./plot.js";

export const EPSILONS = [0, 0.05, 0.1, 0.2];

export interface AdversarialOptions {
  epochs?: number;
  advEpochs?: number;
  trainSize?: number;
  testSize?: number;
  /** Attack used for adversarial training (default "pgd"). */
  trainAttack?: "pgd" | "fgsm";
  pgdSteps?: number;
  synthetic?: boolean;
  log?: boolean;
  outDir?: string | null;
}

/** Accuracy per eps, for one model and one attack. */
export type Curve = number[];

export interface AdversarialResult {
  before: { fgsm: Curve; pgd: Curve };
  after: { fgsm: Curve; pgd: Curve };
  dataset: string;
  files: string[];
}

export async function runAdversarial(opts: AdversarialOptions = {}): Promise<AdversarialResult> {
  const log = opts.log ?? true;
  const split = await loadSplit({ trainSize: opts.trainSize ?? 2000, testSize: opts.testSize ?? 1000, synthetic: opts.synthetic, log });
  const { train, test } = split;
  const trained = trainLeNetOn(train, { epochs: opts.epochs ?? 5 });
  const { apply, loss } = trained;
  const clip = [0, 1] as const;
  const pgdSteps = opts.pgdSteps ?? 10;

  // One compiled program per attack: the params, the batch and eps are its arguments.
  const attackFns = {
    fgsm: jit((p: unknown, _key: np.Array, x: np.Array, y: np.Array, eps: np.Array) => adversarial.fgsm((xx: np.Array, yy: np.Array) => loss(p, xx, yy), x, y, eps, { clip })),
    pgd: jit((p: unknown, key: np.Array, x: np.Array, y: np.Array, eps: np.Array) =>
      adversarial.pgd((xx: np.Array, yy: np.Array) => loss(p, xx, yy), key, x, y, { eps, stepSize: np.divide(eps, 4), steps: pgdSteps, clip }),
    ),
  };
  const attackFn = (eps: number, attack: "fgsm" | "pgd") => (p: unknown, key: np.Array, x: np.Array, y: np.Array) =>
    eps === 0 ? x : attackFns[attack](p, key, x, y, np.array(eps));
  const predict = jit((p: unknown, x: np.Array) => np.argmax(apply(p, x), -1));

  const accuracies = (p: unknown, attack: "fgsm" | "pgd"): Curve =>
    EPSILONS.map((eps) => {
      let correct = 0;
      for (let s = 0; s < test.n; s += 250) {
        const [x, y] = batchOf(test, range(s, Math.min(test.n, s + 250)));
        const xAdv = attackFn(eps, attack)(p, random.key(s), x, y);
        correct += np.sum(np.equal(predict(p, xAdv), y)).item() as number;
      }
      return correct / test.n;
    });

  const before = { fgsm: accuracies(trained.params, "fgsm"), pgd: accuracies(trained.params, "pgd") };

  // Adversarial fine-tuning: half clean, half adversarial loss at eps 0.1 (Goodfellow et al.).
  const opt = optax.adam(1e-3);
  const trainAttack = opts.trainAttack ?? "pgd";
  const step = adversarial.trainStep(loss, opt, { eps: 0.1, attack: trainAttack, steps: 3, stepSize: 0.04, clip: [0, 1], cleanWeight: 0.5 });
  let params = trained.params;
  let state = opt.init(params);
  let key = random.key(42);
  for (let epoch = 0; epoch < (opts.advEpochs ?? 3); epoch++)
    for (const rows of data.batches(train.n, 50, { seed: 100 + epoch, dropRemainder: true })) {
      const [x, y] = batchOf(train, rows);
      const [k, sub] = random.split(key) as unknown as [np.Array, np.Array];
      key = k;
      [params, state] = step(params, state, sub, x, y);
    }
  const after = { fgsm: accuracies(params, "fgsm"), pgd: accuracies(params, "pgd") };
  const result: AdversarialResult = { before, after, dataset: split.dataset, files: [] };

  if (log) {
    console.log(`LeNet on ${train.n} ${split.dataset} images; accuracy on ${test.n} test images under attack (PGD: ${pgdSteps} steps of eps/4, random start)\n`);
    console.log(
      table(
        ["eps", "FGSM", "PGD", `FGSM, adv. trained`, `PGD, adv. trained`],
        EPSILONS.map((eps, i) => [String(eps), before.fgsm[i]!, before.pgd[i]!, after.fgsm[i]!, after.pgd[i]!]),
      ),
    );
  }
  if (opts.outDir !== null) {
    const dir = opts.outDir ?? "out";
    mkdirSync(dir, { recursive: true });
    const svg = lossCurveSvg(
      [
        { name: "FGSM", values: before.fgsm },
        { name: "PGD", values: before.pgd },
        { name: "FGSM, adv. trained", values: after.fgsm, dashed: true },
        { name: "PGD, adv. trained", values: after.pgd, dashed: true },
      ],
      { title: "test accuracy under attack", xLabel: `eps = ${EPSILONS.join(", ")}` },
    );
    result.files.push(join(dir, "adversarial.svg"));
    writeFileSync(result.files[0]!, svg);
    // Ten test images: clean, FGSM and PGD at eps 0.1, each with the plain model's prediction.
    const [x, y] = batchOf(test, range(0, Math.min(10, test.n)));
    const labels = y.tolist() as number[];
    const images = [x, attackFn(0.1, "fgsm")(trained.params, random.key(0), x, y), attackFn(0.1, "pgd")(trained.params, random.key(0), x, y)];
    const rows = images.map((img) => {
      const px = img.dataSync() as Float32Array;
      return labels.map((_, i) => tile(px.subarray(i * 784, (i + 1) * 784), 28, 28, { lo: 0, hi: 1 }));
    });
    const preds = images.map((img) => predict(trained.params, img).tolist() as number[]);
    const picture = grid(rows, {
      scale: 3,
      pad: 4,
      labels: preds.map((row) => row.map((p, i) => ({ text: String(p), color: p === labels[i] ? ([0, 140, 0] as const) : ([200, 0, 0] as const) }))),
    });
    result.files.push(join(dir, "adversarial.png"));
    writeFileSync(result.files[1]!, encodePng(picture, { deflate: (b) => new Uint8Array(deflateSync(b)) }));
    if (log) console.log(`\nwrote ${result.files.join(", ")} (PNG rows: clean, FGSM eps 0.1, PGD eps 0.1)`);
  }
  return result;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain)
  await runAdversarial({
    epochs: argValue("epochs"),
    advEpochs: argValue("adv-epochs"),
    trainSize: argValue("train-size"),
    testSize: argValue("test-size"),
    outDir: argString("out"),
    synthetic: process.argv.includes("--synthetic"),
  });
