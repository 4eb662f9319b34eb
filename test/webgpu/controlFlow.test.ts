/**
 * Control flow on webgpu: scan runs as a loop of dispatches in one submission (carries
 * double-buffered on the device, xs and ys as moving views); a while loop reads its predicate
 * back once per trip; cond reads its index back. Each agrees with the cpu reference.
 */
import { describe, expect, it } from "vitest";
import { devicePut, jit, lax, numpy as np } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu, webgpu } from "./helpers.js";

const rand = (shape: number[], seed: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range: 1 }), { dtype: "float32", shape });
const onGpu = (xs: np.Array[]) => xs.map((x) => devicePut(x, "webgpu"));

describe.skipIf(!hasWebgpu)("control flow on webgpu", () => {
  it("scan: an RNN-like recurrence over xs, with ys, forward and reversed, in one submission", async () => {
    for (const reverse of [false, true]) {
      const f = (h0: np.Array, w: np.Array, xs: np.Array) =>
        lax.scan((h: np.Array, x: np.Array) => {
          const h2 = np.tanh(np.add(np.matmul(h, w), x));
          return [h2, np.sum(h2)];
        }, h0, xs, { reverse });
      const args = [rand([5], 1), rand([5, 5], 2), rand([7, 5], 3)];
      const expected = f(...(args as [np.Array, np.Array, np.Array]));
      const g = jit(f, { device: "webgpu" });
      const gArgs = onGpu(args) as [np.Array, np.Array, np.Array];
      await compareAsync(g(...gArgs), expected, `scan reverse=${reverse} (warm-up)`);
      const before = webgpu().runtime.stats.submits;
      const outs = g(...gArgs);
      expect(webgpu().runtime.stats.submits - before, "one submission for the whole scan").toBe(1);
      await compareAsync(outs, expected, `scan reverse=${reverse}`);
    }
  });

  it("whileLoop and foriLoop with a traced bound", async () => {
    const f = (x: np.Array, n: np.Array) =>
      lax.whileLoop(
        ([i]: [np.Array, np.Array]) => np.less(i, n),
        ([i, v]: [np.Array, np.Array]): [np.Array, np.Array] => [np.add(i, 1), np.add(np.multiply(v, 0.9), np.sin(v))],
        [np.array(0, { dtype: "int32" }), x],
      );
    const args = [rand([6], 4), np.array(5, { dtype: "int32" })];
    const expected = f(args[0]!, args[1]!) as np.Array[];
    await compareAsync(jit(f, { device: "webgpu" })(...(onGpu(args) as [np.Array, np.Array])) as np.Array[], expected, "whileLoop");
    const g = (n: np.Array, x: np.Array) => lax.foriLoop(0, n, (i: np.Array, c: np.Array) => np.add(c, np.multiply(x, i)), np.zeros([3]));
    const gArgs = [np.array(4, { dtype: "int32" }), rand([3], 5)];
    await compareAsync([jit(g, { device: "webgpu" })(...(onGpu(gArgs) as [np.Array, np.Array]))], [g(gArgs[0]!, gArgs[1]!)], "foriLoop");
  });

  it("cond and switch pick the branch from a device scalar", async () => {
    const f = (k: np.Array, x: np.Array) => lax.switch(k, [(a: np.Array) => np.sin(a), (a: np.Array) => np.multiply(a, 3), (a: np.Array) => np.exp(a)], x);
    for (const k of [-1, 1, 2, 7]) {
      const args = [np.array(k, { dtype: "int32" }), rand([4], 6)];
      await compareAsync([jit(f, { device: "webgpu" })(...(onGpu(args) as [np.Array, np.Array]))], [f(args[0]!, args[1]!)], `switch ${k}`);
    }
    const c = (p: np.Array, x: np.Array) => lax.cond(p, (a: np.Array) => np.square(a), (a: np.Array) => np.negative(a), x);
    for (const p of [true, false]) {
      const args = [np.array(p), rand([3], 7)];
      await compareAsync([jit(c, { device: "webgpu" })(...(onGpu(args) as [np.Array, np.Array]))], [c(args[0]!, args[1]!)], `cond ${p}`);
    }
  });
});
