/**
 * The bench's three webgpu workloads (a matmul, exp(sin(x)*2+1), an MLP training step with
 * valueAndGrad and SGD in one jit) each record one command buffer per jitted call; and
 * `await x.blockUntilReady()` / `await blockUntilReady(tree)` wait for the device's queue.
 */
import { describe, expect, it } from "vitest";
import { blockUntilReady, devicePut, jit, nn, numpy as np, tree, valueAndGrad } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { hasWebgpu, webgpu } from "./helpers.js";

const rand = (shape: number[], seed: number, range = 1) =>
  devicePut(np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range }), { dtype: "float32", shape }), "webgpu");

/** Submissions of the second and third calls (the first compiles, and its trace may run eager ops). */
async function submitsPerCall(call: () => np.Array[]): Promise<number[]> {
  for (const y of call()) await y.data();
  const stats = webgpu().runtime.stats;
  const counts: number[] = [];
  for (let k = 0; k < 2; k++) {
    const before = stats.submits;
    const ys = call();
    counts.push(stats.submits - before);
    for (const y of ys) await y.data();
  }
  return counts;
}

describe.skipIf(!hasWebgpu)("webgpu: one submission per jitted call", () => {
  it("matmul, exp(sin(x)*2+1) and an MLP training step", async () => {
    const [a, b] = [rand([128, 128], 1), rand([128, 128], 2)];
    const mm = jit((x: np.Array, y: np.Array) => np.matmul(x, y), { device: "webgpu" });
    expect(await submitsPerCall(() => [mm(a, b)])).toEqual([1, 1]);
    const x = rand([10000], 3);
    const es = jit((v: np.Array) => np.exp(np.sin(v).mul(2).add(1)), { device: "webgpu" });
    expect(await submitsPerCall(() => [es(x)])).toEqual([1, 1]);

    type P = { w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array };
    let params: P = { w1: rand([64, 32], 4, 0.2), b1: rand([32], 5, 0.1), w2: rand([32, 10], 6, 0.2), b2: rand([10], 7, 0.1) };
    const xs = rand([16, 64], 8);
    const ys = devicePut(nn.oneHot(np.array(Int32Array.from({ length: 16 }, (_, i) => i % 10)), 10), "webgpu");
    const loss = (p: P, x: np.Array, y: np.Array) => {
      const h = nn.relu(np.matmul(x, p.w1).add(p.b1));
      return np.mean(np.sum(nn.logSoftmax(np.matmul(h, p.w2).add(p.b2), -1).mul(y), -1)).neg();
    };
    const step = jit(
      (p: P, x: np.Array, y: np.Array) => {
        const [l, g] = valueAndGrad(loss)(p, x, y) as [np.Array, P];
        return [l, tree.map((w: np.Array, gw: np.Array) => w.sub(gw.mul(0.1)), p, g)] as [np.Array, P];
      },
      { device: "webgpu" },
    );
    const losses: number[] = [];
    const counts = await submitsPerCall(() => {
      const [l, next] = step(params, xs, ys);
      params = next;
      return [l];
    });
    expect(counts).toEqual([1, 1]);
    for (let k = 0; k < 5; k++) {
      const [l, next] = step(params, xs, ys);
      params = next;
      losses.push((await l.data())[0]!);
    }
    expect(losses[4]!).toBeLessThan(losses[0]!);
  });

  it("await x.blockUntilReady() and await blockUntilReady(tree) wait for the queue", async () => {
    const x = rand([256, 256], 9);
    const f = jit((v: np.Array) => np.tanh(np.matmul(v, v)), { device: "webgpu" });
    const y = f(x);
    const p = y.blockUntilReady() as unknown;
    expect(p).toBeInstanceOf(Promise);
    expect(await p).toBe(y);
    const t = { a: f(x), b: [f(x)] };
    expect(await blockUntilReady(t)).toBe(t);
  });
});
