/** nn.l1Penalty and nn.l2Penalty: values against plain JS sums, masks, and gradients by checkGrads. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, nn, numpy as np, random, stax, testing } from "../../src/index.js";

const params = () => ({ dense: { w: np.array([[1, -2], [3, -0.5]]), b: np.array([0.25, -4]) }, scale: np.array(-1.5) });

describe("nn.l1Penalty and nn.l2Penalty", () => {
  it("sum |w| and w^2 over every leaf", () => {
    expect(nn.l1Penalty(params()).item()).toBeCloseTo(1 + 2 + 3 + 0.5 + 0.25 + 4 + 1.5, 5);
    expect(nn.l2Penalty(params()).item()).toBeCloseTo(1 + 4 + 9 + 0.25 + 0.0625 + 16 + 2.25, 5);
    expect(nn.l2Penalty([]).item()).toBe(0);
  });

  it("a mask tree (or a prefix of one, or a function of the params) skips the leaves under false", () => {
    const mask = { dense: { w: true, b: false }, scale: false };
    expect(nn.l1Penalty(params(), { mask }).item()).toBeCloseTo(6.5, 5);
    expect(nn.l2Penalty(params(), { mask: { dense: true, scale: false } }).item()).toBeCloseTo(14.25 + 16.0625, 4);
    expect(nn.l2Penalty(params(), { mask: (p: ReturnType<typeof params>) => ({ dense: { w: false, b: true }, scale: p.scale.ndim === 0 }) }).item()).toBeCloseTo(16.0625 + 2.25, 4);
  });

  it("match plain JS sums on random trees (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }), (rows) => {
        const t = rows.map((r) => np.array(r));
        const flat = rows.flat().map((v) => Math.fround(v));
        const l1 = flat.reduce((a, v) => a + Math.abs(v), 0);
        const l2 = flat.reduce((a, v) => a + v * v, 0);
        expect(Math.abs((nn.l1Penalty(t).item() as number) - l1)).toBeLessThanOrEqual(1e-5 * Math.max(1, l1));
        expect(Math.abs((nn.l2Penalty(t).item() as number) - l2)).toBeLessThanOrEqual(1e-5 * Math.max(1, l2));
      }),
      { numRuns: 20 },
    );
  });

  it("have the gradients sign(w) and 2w, masked leaves zero (checkGrads and exact values)", () => {
    const w = random.normal(random.key(0), [3, 4], "float64");
    const b = np.add(random.normal(random.key(1), [4], "float64"), 0.1);
    const mask = { w: true, b: false };
    testing.checkGrads((w: np.Array, b: np.Array) => nn.l2Penalty({ w, b }, { mask }), [w, b], 2, { modes: ["fwd", "rev"] });
    testing.checkGrads((w: np.Array, b: np.Array) => nn.l1Penalty({ w, b }), [w, b], 1, { modes: ["fwd", "rev"] });
    const g = grad((p: { w: np.Array; b: np.Array }) => nn.l2Penalty(p, { mask }))({ w, b });
    expect(g.w.tolist()).toEqual(np.multiply(w, 2).tolist());
    expect(g.b.tolist()).toEqual([0, 0, 0, 0]);
    const g1 = grad((p: { w: np.Array; b: np.Array }) => nn.l1Penalty(p))({ w, b });
    expect(g1.w.tolist()).toEqual(np.sign(w).tolist());
  });

  it("work on a stax params tree, with a mask that skips biases", () => {
    const [, p] = stax.serial(stax.Dense(3), stax.Relu, stax.Dense(2))[0](random.key(0), [-1, 4]);
    const mask = p.map((layer: unknown[]) => layer.map((_leaf, i) => i === 0));
    const ws = [p[0][0], p[2][0]] as np.Array[];
    const expected = ws.reduce((a, w) => a + (np.sum(np.square(w)).item() as number), 0);
    expect(nn.l2Penalty(p, { mask }).item()).toBeCloseTo(expected, 4);
  });

  it("reject a mask leaf that is not a boolean, and unknown options", () => {
    expect(() => nn.l1Penalty(params(), { mask: { dense: 3, scale: true } })).toThrow(/nn\.l1Penalty: mask leaves must be booleans, got 3/);
    expect(() => nn.l2Penalty(params(), { masks: {} } as never)).toThrow(/nn\.l2Penalty: unknown option "masks" \(did you mean mask\?\)/);
  });
});
