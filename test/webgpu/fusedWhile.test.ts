/**
 * A while loop whose body fits runs inside one shader (fusedWhile.ts): one submission per call
 * and no predicate read back, with the same results as the cpu reference and as the loop run
 * as dispatches per trip, for even and odd trip counts (the carries' double buffers), vector
 * carries with reductions in the predicate, and a loop too large to fuse.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devicePut, jit, lax, numpy as np } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu, webgpu } from "./helpers.js";

const rand = (shape: number[], seed: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range: 1 }), { dtype: "float32", shape });

/** x_{k+1} = 0.9 x_k + sin(x_k) * c until k = n, and a running sum: both carries change every trip. */
const loop = (x: np.Array, n: np.Array) =>
  lax.whileLoop(
    ([i]: [np.Array, np.Array, np.Array]) => np.less(i, n),
    ([i, v, s]: [np.Array, np.Array, np.Array]): [np.Array, np.Array, np.Array] => [np.add(i, 1), np.add(np.multiply(v, 0.9), np.multiply(np.sin(v), 0.5)), np.add(s, np.sum(v))],
    [np.array(0, { dtype: "int32" }), x, np.array(0, { dtype: "float32" })],
  ) as np.Array[];

describe.skipIf(!hasWebgpu)("webgpu: while inside one shader", () => {
  it("agrees with the reference for every trip count, in one submission with no read back", async () => {
    const f = jit(loop, { device: "webgpu" });
    const x = rand([37], 1);
    const gx = devicePut(x, "webgpu");
    expect(f.lower(gx, devicePut(np.array(3, { dtype: "int32" }), "webgpu")).compile().asText()).toMatch(/while loop inside one shader/);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 9 }), async (n) => {
        const nn = np.array(n, { dtype: "int32" });
        const gn = devicePut(nn, "webgpu");
        await compareAsync(f(gx, gn), loop(x, nn), `while with ${n} trips`);
        const stats = webgpu().runtime.stats;
        const [submits, readbacks] = [stats.submits, stats.readbacks];
        const outs = f(gx, gn);
        expect(stats.submits - submits, "one submission").toBe(1);
        expect(stats.readbacks - readbacks, "no predicate read back").toBe(0);
        for (const o of outs) await o.data();
      }),
      { numRuns: 10 },
    );
  });

  it("a predicate with a reduction, against the loop run per trip", async () => {
    // halve until the mean is small: the trip count depends on the data
    const g = (x: np.Array) =>
      lax.whileLoop(
        ([v]: [np.Array, np.Array]) => np.greater(np.mean(np.abs(v)), 0.01),
        ([v, k]: [np.Array, np.Array]): [np.Array, np.Array] => [np.multiply(v, 0.5), np.add(k, 1)],
        [x, np.array(0, { dtype: "int32" })],
      ) as np.Array[];
    const x = rand([500], 2);
    const gx = devicePut(x, "webgpu");
    const fused = jit(g, { device: "webgpu" });
    await compareAsync(fused(gx), g(x), "fused");
    const rt = webgpu().runtime;
    const want = await Promise.all(fused(gx).map((o) => o.data()));
    rt.fuseWhile = false;
    // the backend caches programs by their jaxpr: forget them, so this compiles without fusion
    (webgpu() as unknown as { byKey: Map<string, unknown> }).byKey.clear();
    try {
      const perTrip = jit((v: np.Array) => g(v), { device: "webgpu" });
      expect(perTrip.lower(gx).compile().asText()).toMatch(/predicate read back per trip/);
      const got = await Promise.all(perTrip(gx).map((o) => o.data()));
      // the same kernels in the same order: the same bits
      got.forEach((o, k) => expect([...o], `output ${k}`).toEqual([...want[k]!]));
    } finally {
      (webgpu() as unknown as { byKey: Map<string, unknown> }).byKey.clear();
      rt.fuseWhile = true;
    }
  });

  it("a loop over a large array still runs as dispatches per trip", async () => {
    const x = devicePut(rand([100000], 3), "webgpu");
    const n = devicePut(np.array(2, { dtype: "int32" }), "webgpu");
    expect(jit(loop, { device: "webgpu" }).lower(x, n).compile().asText()).toMatch(/predicate read back per trip/);
  });
});
