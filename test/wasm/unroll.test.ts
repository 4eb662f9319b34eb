/**
 * Map loops with a vectorized transcendental are unrolled twice (two interleaved vectors per
 * trip, then at most one more vector and a scalar tail): every length, multiple outputs, large
 * trig arguments (the rerun through the host) and strided (non-innermost) loops still agree with
 * the reference.
 */
import { describe, expect, it } from "vitest";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { makeJaxpr, numpy as np } from "../../src/index.js";
import { checkJaxpr, randomData, wasmBackend } from "./helpers.js";

const jaxprOf = (f: (...xs: np.Array[]) => np.Array | np.Array[], ...shapes: number[][]): Jaxpr =>
  makeJaxpr(f)(...shapes.map((s) => np.zeros(s))).jaxpr;

const inputsFor = (j: Jaxpr, seed = 1, range = 3) => j.invars.map((v, i) => randomData(v.aval.dtype, v.aval.size, seed + i, { range }));

describe("unrolled transcendental loops", () => {
  it("exp(sin(x)*2+1) over every length 1..41", () => {
    for (let n = 1; n <= 41; n++) {
      const j = jaxprOf((x) => np.exp(np.add(np.multiply(np.sin(x), 2), 1)), [n]);
      checkJaxpr(j, inputsFor(j, n), { rtol: 1e-5 }, `n = ${n}`);
    }
  });

  it("interleaves the two vectors of a trip and steps by 8", () => {
    const wat = wasmBackend.lowerText(jaxprOf((x) => np.exp(x), [64]));
    expect(wat).toContain("(i32.const 8)))");
    // the two copies' loads come first, side by side
    const loads = [...wat.matchAll(/v128\.load/g)].map((m) => m.index!);
    expect(loads.length).toBeGreaterThanOrEqual(2);
    expect(wat.slice(loads[0]!, loads[1]!).split("\n").length).toBeLessThanOrEqual(2);
  });

  it("cheap bodies stay one vector per trip", () => {
    const wat = wasmBackend.lowerText(jaxprOf((x) => np.add(np.multiply(x, 2), 1), [64]));
    expect(wat).not.toMatch(/i32\.const 8\)\)\) \(i32\.const 64\)/);
  });

  it("two outputs, 2-d shapes, a broadcast operand and large sin/cos arguments", () => {
    for (const [r, c] of [
      [3, 13],
      [5, 8],
      [2, 4],
      [4, 1],
    ] as const) {
      const j = jaxprOf((x, y) => [np.tanh(np.add(x, y)), np.cos(np.multiply(np.sin(x), y))], [r, c], [c]);
      checkJaxpr(j, inputsFor(j, r * c), { rtol: 1e-5, atol: 1e-6 }, `${r}x${c}`);
      const k = jaxprOf((x) => np.add(np.sin(x), np.cos(x)), [r, c]);
      checkJaxpr(k, inputsFor(k, r + c, 1e5), { rtol: 1e-5, atol: 1e-6 }, `large ${r}x${c}`);
    }
  });
});
