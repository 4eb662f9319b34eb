/**
 * A small MLP trained with grad under jit on webgpu matches the same steps on the cpu
 * reference, and the jitted step allocates no GPU buffers after warm-up (outputs, temporaries
 * and readback staging all come from the pool) while making one submission per call.
 */
import { describe, expect, it } from "vitest";
import { devicePut, jit, numpy as np, tree, valueAndGrad } from "../../src/index.js";
import { expectClose, randomData } from "../wasm/helpers.js";
import { hasWebgpu, webgpu } from "./helpers.js";

type Params = { w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array };
const rand = (shape: number[], seed: number, range = 1) =>
  np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range }), { dtype: "float32", shape });

function loss(p: Params, x: np.Array, y: np.Array): np.Array {
  const h = np.tanh(np.add(np.matmul(x, p.w1), p.b1));
  const out = np.add(np.matmul(h, p.w2), p.b2);
  return np.mean(np.square(np.subtract(out, y)));
}

const step = (p: Params, x: np.Array, y: np.Array): [np.Array, Params] => {
  const [l, g] = valueAndGrad(loss)(p, x, y) as [np.Array, Params];
  return [l, tree.map((a: np.Array, d: np.Array) => np.subtract(a, np.multiply(d, 0.1)), p, g) as Params];
};

describe.skipIf(!hasWebgpu)("training on webgpu", () => {
  const init: Params = { w1: rand([12, 32], 1, 0.5), b1: np.zeros([32]), w2: rand([32, 3], 2, 0.5), b2: np.zeros([3]) };
  const x = rand([24, 12], 3);
  const y = rand([24, 3], 4);

  it("an MLP step with grad and jit matches the cpu reference, and the loss falls", async () => {
    const cpuStep = jit(step, { device: "cpu" });
    const gpuStep = jit(step, { device: "webgpu" });
    let pc = init;
    let pg = tree.map((a: np.Array) => devicePut(a, "webgpu"), init) as Params;
    const [xg, yg] = [devicePut(x, "webgpu"), devicePut(y, "webgpu")];
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [lc, nc] = cpuStep(pc, x, y);
      const [lg, ng] = gpuStep(pg, xg, yg);
      expectClose(await lg.data(), lc.dataSync(), "float32", { rtol: 1e-4, atol: 1e-5 }, `loss at step ${i}`);
      losses.push(lc.item() as number);
      pc = nc;
      pg = ng;
    }
    for (const k of ["w1", "b1", "w2", "b2"] as const)
      expectClose(await pg[k].data(), pc[k].dataSync(), "float32", { rtol: 1e-4, atol: 1e-5 }, `param ${k}`);
    expect(losses[4]!).toBeLessThan(losses[0]!);
  });

  it("a jitted training loop allocates nothing per step after warm-up, one submission per step", async () => {
    const gpuStep = jit(step, { device: "webgpu" });
    let p = tree.map((a: np.Array) => devicePut(a, "webgpu"), init) as Params;
    const [xg, yg] = [devicePut(x, "webgpu"), devicePut(y, "webgpu")];
    const stats = webgpu().runtime.stats;
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const [l, next] = gpuStep(p, xg, yg);
        await l.data();
        l.dispose();
        for (const a of Object.values(p)) a.dispose();
        p = next;
      }
    };
    await run(2);
    const created = stats.created;
    const submits = stats.submits;
    await run(5);
    expect(stats.created, "GPUBuffers created after warm-up").toBe(created);
    // one submission per step (a read's copy is counted in readbacks, not here)
    expect(stats.submits - submits).toBe(5);
  });
});
