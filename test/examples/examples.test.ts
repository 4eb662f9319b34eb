import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { charLoss, charModel, encodeBatch, loadWords, makeSampler, trainCharRnn } from "../../examples/char-rnn.js";
import { exportLeNet } from "../../examples/export-lenet.js";
import { fitGaussianProcess, generatedSet } from "../../examples/gaussian-process.js";
import { trainLeNet } from "../../examples/lenet.js";
import { trainLinearRegression } from "../../examples/linear-regression.js";
import { lossCurveSvg } from "../../examples/plot.js";
import { jit, random } from "../../src/index.js";

describe("examples, at small sizes", () => {
  it("linear regression learns y = 2x and predicts 10 +- 0.1 for x = 5", () => {
    const { prediction, losses } = trainLinearRegression();
    expect(Math.abs(prediction - 10)).toBeLessThan(0.1);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
  });

  it("Gaussian process: fitting the kernel through grad of Cholesky raises the marginal likelihood and beats a constant predictor on held-out points", () => {
    const r = fitGaussianProcess({ data: generatedSet(100), nTrain: 60, steps: 40, log: false });
    expect(r.source).toBe("generated");
    expect(r.nTest).toBe(40);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    // -log marginal likelihood per point falls.
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! - 0.1);
    expect(r.testRmse).toBeLessThan(0.8 * r.constantRmse);
    // x3 does not enter the target: its length scale grows past the relevant x0's.
    expect(r.lengthScales.x3!).toBeGreaterThan(r.lengthScales.x0!);
    expect(r.svg).toMatch(/^<svg/);
    expect(r.svg).toContain("<polygon");
  }, 120_000);

  it("LeNet trains for one epoch on a few hundred synthetic images and its loss falls", async () => {
    const r = await trainLeNet({ synthetic: true, epochs: 1, trainSize: 384, testSize: 100, batchSize: 32, learningRate: 3e-3, log: false });
    expect(r.dataset).toBe("synthetic");
    expect(r.losses.length).toBe(12);
    const head = (r.losses[0]! + r.losses[1]!) / 2;
    const tail = (r.losses[10]! + r.losses[11]!) / 2;
    expect(tail).toBeLessThan(head);
    expect(r.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.precision).toBeGreaterThanOrEqual(0);
    expect(r.recall).toBeGreaterThanOrEqual(0);
    const svg = lossCurveSvg([{ name: "loss", values: r.losses }]);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain("<polyline");
  }, 120_000);

  it("export-lenet: LeNet trained a few steps runs standalone (model.wasm + model.js, no jaxts) bit-identical to jit", () => {
    const r = exportLeNet({ steps: 3, batch: 4, log: false });
    expect(r.jaxtsImportable).toBe(false);
    expect(r.standaloneBitIdentical).toBe(true);
    expect(r.deserializedBitIdentical).toBe(true);
    expect(r.maxAbsDiff).toBe(0);
    expect(r.logits.length).toBe(40);
    expect(r.logits.every(Number.isFinite)).toBe(true);
    // This LeNet's 44426 float32 parameters (conv 5x5x1x6, conv 5x5x6x16, dense 256-120-84-10) are baked into the module.
    expect(r.weightBytes).toBe(44426 * 4);
    expect(r.files["model.wasm"]!).toBeGreaterThan(r.weightBytes);
    expect(Object.keys(r.files)).toEqual(expect.arrayContaining(["model.jaxts", "model.wasm", "model.js", "model.d.ts"]));
    rmSync(r.outDir, { recursive: true, force: true });
  }, 120_000);

  it("char-rnn: the untrained LSTM's loss is about log(27) and it samples words of letters (forward through the scan)", () => {
    const { words } = loadWords(8, true);
    expect(words.length).toBeGreaterThan(500);
    expect(words.every((w) => /^[a-z]{2,8}$/.test(w))).toBe(true);
    const [init, apply] = charModel(16);
    const [, params] = init(random.key(0), [8, 9, 27]);
    const b = encodeBatch(words.slice(0, 8), 8);
    const loss = Number(jit(charLoss(apply))(params, b.inputs, b.targets, b.mask));
    expect(Math.abs(loss - Math.log(27))).toBeLessThan(0.1);
    const sample = makeSampler(apply, 5, 8);
    const words1 = sample(params, random.key(1));
    expect(words1.length).toBe(5);
    for (const w of words1) expect(w).toMatch(/^[a-z]{1,8}$/);
    expect(sample(params, random.key(1))).toEqual(words1);
  }, 120_000);
  it("char-rnn trains an LSTM on words: its loss falls well below log(27) and it samples words", () => {
    const r = trainCharRnn({ steps: 120, hidden: 32, batchSize: 32, samples: 6, bundled: true, log: false });
    expect(r.dataset).toBe("bundled");
    expect(r.losses.length).toBe(120);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const head = mean(r.losses.slice(0, 10));
    const tail = mean(r.losses.slice(-10));
    // Checked with the time loop unrolled in JS (same math): head 3.06, tail 2.28.
    expect(head).toBeGreaterThan(2.8);
    expect(tail).toBeLessThan(head - 0.5);
    expect(tail).toBeLessThan(2.6);
    expect(r.samples.length).toBe(6);
    for (const w of r.samples) expect(w).toMatch(/^[a-z]{1,10}$/);
  }, 300_000);
});
