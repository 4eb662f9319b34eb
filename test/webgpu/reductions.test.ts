/**
 * Reductions rendered as workgroup trees (one workgroup per output point, partials combined in
 * workgroup memory) agree with the cpu reference: random shapes, axes, ops and fused bodies and
 * epilogues, float32 and int32, NaN propagation. The runtime's tree threshold is raised here so
 * multi-output trees run too (a software adapter gets them only for a handful of outputs).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devicePut, jit, numpy as np } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu, webgpu } from "./helpers.js";

const rand = (shape: number[], seed: number, range = 1) =>
  np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range }), { dtype: "float32", shape });

type Op = "sum" | "max" | "min" | "mean" | "sumsq" | "prod" | "isum";
const reducers: Record<Op, (x: np.Array, axis: number[] | null) => np.Array> = {
  sum: (x, axis) => np.sum(x, axis),
  max: (x, axis) => np.max(x, axis),
  min: (x, axis) => np.min(x, axis),
  mean: (x, axis) => np.add(np.mean(x, axis), 1),
  sumsq: (x, axis) => np.sqrt(np.sum(np.multiply(x, x), axis)),
  // values near 1, so products of thousands stay finite
  prod: (x, axis) => np.prod(np.add(np.multiply(x, 0.001), 1), axis),
  isum: (x, axis) => np.sum(np.astype(np.multiply(x, 100), "int32"), axis),
};

async function withTrees<T>(maxOutputs: number, body: () => Promise<T>): Promise<T> {
  const rt = webgpu().runtime;
  const saved = rt.treeMaxOutputs;
  rt.treeMaxOutputs = maxOutputs;
  try {
    return await body();
  } finally {
    rt.treeMaxOutputs = saved;
  }
}

describe.skipIf(!hasWebgpu)("webgpu: tree reductions", () => {
  it("agree with the reference on random shapes, axes and ops", async () => {
    let trees = 0;
    await withTrees(16384, () =>
      fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 0, max: 7 }),
          fc.constantFrom<Op>("sum", "max", "min", "mean", "sumsq", "prod", "isum"),
          fc.integer({ min: 1, max: 1000 }),
          async (shape, axisBits, op, seed) => {
            // one big dim so reductions over it pass the tree threshold
            const full = [...shape, 300];
            const axes = full.map((_, d) => d).filter((d) => d === full.length - 1 || (axisBits >> d) & 1);
            const x = rand(full, seed);
            const f = (a: np.Array) => reducers[op](a, axes);
            const g = jit(f, { device: "webgpu" });
            const gx = devicePut(x, "webgpu");
            const t = op === "prod" || op === "sumsq" ? { rtol: 1e-4, atol: 1e-4 } : { rtol: 2e-4, atol: 2e-3 };
            await compareAsync([g(gx)], [f(x)], `${op} over ${axes} of [${full}]`, t);
            if (/var<workgroup> acc/.test(g.lower(gx).compile().asText())) trees++;
          },
        ),
        { numRuns: 25 },
      ),
    );
    expect(trees, "cases that rendered a tree").toBeGreaterThan(10);
  }, 240_000);

  it("a whole-array sum is one workgroup tree on every adapter, and NaN wins a max", async () => {
    const x = rand([1 << 16], 7, 2);
    const f = (a: np.Array) => np.sum(a);
    const g = jit(f, { device: "webgpu" });
    const gx = devicePut(x, "webgpu");
    await compareAsync([g(gx)], [f(x)], "sum of 2^16", { rtol: 1e-5, atol: 1e-3 });
    expect(g.lower(gx).compile().asText()).toMatch(/var<workgroup> acc\d+_w/);
    const data = Float32Array.from(randomData("float32", 5000, 3, { range: 1 }) as Float32Array);
    data[4321] = NaN;
    const withNan = devicePut(np.array(data), "webgpu");
    const mx = jit((a: np.Array) => np.max(a), { device: "webgpu" });
    expect(Number.isNaN((await mx(withNan).data())[0])).toBe(true);
  });

  it("rows of a software adapter's row-wise sum stay one invocation each (the tree threshold)", async () => {
    await withTrees(4, async () => {
      const x = devicePut(rand([64, 512], 9), "webgpu");
      expect(jit((a: np.Array) => np.sum(a, 1), { device: "webgpu" }).lower(x).compile().asText()).not.toMatch(/var<workgroup> acc/);
    });
  });
});
