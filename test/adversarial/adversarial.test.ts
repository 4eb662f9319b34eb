/**
 * adversarial: FGSM's step is eps * sign(gradient) and raises the loss; PGD stays inside the eps
 * ball and the clip range (property), raises the loss at least as much as FGSM on a nonlinear
 * model, runs as one loop; trainStep lowers the adversarial loss.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { adversarial, grad, jit, makeJaxpr, numpy as np, optax, random } from "../../src/index.js";

const W1 = random.normal(random.key(1), [6, 12]);
const W2 = random.normal(random.key(2), [12, 3]);
const logits = (x: np.Array) => np.matmul(np.tanh(np.matmul(x, W1)), W2);
const loss = (x: np.Array, y: np.Array) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(logits(x), y));
const x = random.uniform(random.key(3), [8, 6]);
const y = np.array([0, 1, 2, 0, 1, 2, 0, 1], "int32");
const maxAbs = (a: np.Array) => np.max(np.abs(a)).item() as number;

describe("adversarial.fgsm", () => {
  it("moves every input by eps along the sign of the loss gradient, and the loss rises", () => {
    const adv = adversarial.fgsm(loss, x, y, 0.05);
    const g = grad(loss)(x, y);
    expect(maxAbs(np.subtract(np.subtract(adv, x), np.multiply(0.05, np.sign(g))))).toBeLessThan(1e-6);
    expect(loss(adv, y).item()).toBeGreaterThan(loss(x, y).item() as number);
  });
  it("respects clip", () => {
    const adv = adversarial.fgsm(loss, x, y, 0.5, { clip: [0, 1] });
    expect(np.min(adv).item()).toBeGreaterThanOrEqual(0);
    expect(np.max(adv).item()).toBeLessThanOrEqual(1);
  });
});

describe("adversarial.pgd", () => {
  it("stays inside the eps ball around x and inside the clip range (property over eps, step size, steps and keys)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.4, noNaN: true }),
        fc.double({ min: 0.01, max: 0.3, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (eps, stepSize, steps, seed) => {
          const adv = adversarial.pgd(loss, random.key(seed), x, y, { eps, stepSize, steps, clip: [0, 1] });
          expect(adv.shape).toEqual(x.shape);
          expect(maxAbs(np.subtract(adv, x))).toBeLessThanOrEqual(eps + 1e-6);
          expect(np.min(adv).item()).toBeGreaterThanOrEqual(0);
          expect(np.max(adv).item()).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 8 },
    );
  });

  it("without a random start, one step of size eps is FGSM; more steps raise the loss further", () => {
    const one = adversarial.pgd(loss, random.key(0), x, y, { eps: 0.1, stepSize: 0.1, steps: 1, randomStart: false });
    expect(maxAbs(np.subtract(one, adversarial.fgsm(loss, x, y, 0.1)))).toBeLessThan(1e-6);
    const many = adversarial.pgd(loss, random.key(0), x, y, { eps: 0.1, stepSize: 0.025, steps: 20 });
    expect(loss(many, y).item()).toBeGreaterThan(loss(x, y).item() as number);
    expect(loss(many, y).item()).toBeGreaterThanOrEqual((loss(one, y).item() as number) - 1e-4);
  });

  it("is deterministic for a key, and its steps are one loop in the program (not unrolled)", () => {
    const o = { eps: 0.1, stepSize: 0.03, steps: 5 };
    const a = adversarial.pgd(loss, random.key(4), x, y, o);
    expect(adversarial.pgd(loss, random.key(4), x, y, o).tolist()).toEqual(a.tolist());
    expect(maxAbs(np.subtract(jit((k: np.Array, b: np.Array) => adversarial.pgd(loss, k, b, y, o))(random.key(4), x), a))).toBeLessThan(1e-6);
    const text = makeJaxpr((k: np.Array, b: np.Array) => adversarial.pgd(loss, k, b, y, o))(random.key(4), x).toString();
    const loops = text.match(/\b(scan|while)\[/g) ?? [];
    expect(loops.length).toBe(1);
  });

  it("takes eps as a traced scalar, so one compiled attack serves every eps", () => {
    const attack = jit((eps: np.Array, b: np.Array) => adversarial.pgd(loss, random.key(1), b, y, { eps, stepSize: np.divide(eps, 4), steps: 3, clip: [0, 1] }));
    for (const eps of [0.05, 0.2]) {
      const expected = adversarial.pgd(loss, random.key(1), x, y, { eps, stepSize: eps / 4, steps: 3, clip: [0, 1] });
      expect(maxAbs(np.subtract(attack(np.array(eps), x), expected))).toBeLessThan(1e-6);
    }
    expect(maxAbs(np.subtract(jit((e: np.Array) => adversarial.fgsm(loss, x, y, e))(np.array(0.1)), adversarial.fgsm(loss, x, y, 0.1)))).toBeLessThan(1e-6);
  });

  it("rejects missing options and a key that is not one", () => {
    expect(() => adversarial.pgd(loss, random.key(0), x, y, { eps: 0.1, steps: 3 } as never)).toThrow(/adversarial\.pgd: missing required argument "stepSize"/);
    expect(() => adversarial.fgsm(loss, x, y, -1)).toThrow(/adversarial\.fgsm: eps must be a non-negative number or a scalar array, got -1/);
    expect(() => adversarial.fgsm(loss, x, y, 0.1, { clip: [1, 0] })).toThrow(/clip must be a pair \[lo, hi\] with lo <= hi/);
  });
});

describe("adversarial.trainStep", () => {
  it("returns new params, state and the loss, and lowers the adversarial loss over a few steps", () => {
    const params = { w: np.zeros([6, 3]), b: np.zeros([3]) };
    const lossP = (p: typeof params, xx: np.Array, yy: np.Array) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(np.add(np.matmul(xx, p.w), p.b), yy));
    // A separable problem: the class is the argmax of the first three features.
    const xs = random.uniform(random.key(7), [32, 6]);
    const ys = np.argmax(xs.slice([0, 32], [0, 3]), -1);
    const opt = optax.adam(0.1);
    for (const attack of ["pgd", "fgsm"] as const) {
      const step = adversarial.trainStep(lossP, opt, { eps: 0.05, attack, steps: 3, clip: [0, 1] });
      let p = params;
      let s = opt.init(p);
      const losses: number[] = [];
      for (let i = 0; i < 15; i++) {
        const [p2, s2, l] = step(p, s, random.key(i), xs, ys);
        [p, s] = [p2, s2];
        losses.push(l.item() as number);
      }
      expect(losses[0]!).toBeCloseTo(Math.log(3), 4);
      expect(losses[14]!, attack).toBeLessThan(losses[0]! - 0.2);
    }
  });
});
