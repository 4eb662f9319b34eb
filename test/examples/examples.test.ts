import { describe, expect, it } from "vitest";
import { trainLeNet } from "../../examples/lenet.js";
import { trainLinearRegression } from "../../examples/linear-regression.js";
import { lossCurveSvg } from "../../examples/plot.js";

describe("examples, at small sizes", () => {
  it("linear regression learns y = 2x and predicts 10 +- 0.1 for x = 5", () => {
    const { prediction, losses } = trainLinearRegression();
    expect(Math.abs(prediction - 10)).toBeLessThan(0.1);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
  });

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
});
