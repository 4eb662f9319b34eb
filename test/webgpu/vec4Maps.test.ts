/**
 * Map kernels rendered four points per invocation (codegen/webgpu/vec4Map.ts) agree with the
 * cpu reference: random elementwise chains over random shapes, with operands broadcast along
 * and across the innermost axis (splatted and per-lane loads), transposed operands, iota,
 * padding (index predicates), relu-style max with NaN, selects, int32 and bool values. Every
 * case also runs with vec4 kernels off, and enough cases must actually render as vec4.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultDevice, devicePut, jit, makeJaxpr, nn, numpy as np } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu, webgpu } from "./helpers.js";

type A = np.Array;
const rand = (shape: number[], seed: number, range = 2) =>
  np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range }), { dtype: "float32", shape });

/** Elementwise programs of (x [r, c], row [c], col [r, 1], xt [c, r]); each is one map kernel or a few. */
const programs: Record<string, (x: A, row: A, col: A, xt: A) => A> = {
  expsin: (x) => np.exp(np.sin(x).mul(2).add(1)),
  reluBias: (x, row) => nn.relu(x.add(row)),
  colScale: (x, _r, col) => np.tanh(x.mul(col)).sub(col),
  transposed: (x, _r, _c, xt) => x.add(np.transpose(xt)).mul(0.5),
  maxMinNan: (x, row) => np.minimum(np.maximum(x, np.divide(row, row.sub(row))), 3),
  where: (x, row) => np.where(np.greater(x, row), np.sqrt(np.abs(x)), np.negative(x)),
  int32: (x, row) => np.astype(np.add(np.astype(np.multiply(x, 10), "int32"), np.astype(row, "int32")), "float32"),
  boolOut: (x, row) => np.astype(np.logicalOr(np.less(x, row), np.equal(x, 0)), "float32"),
  iota: (x) => x.add(np.astype(np.arange(x.shape[1]!), "float32")),
  padded: (x) => np.pad(x, [[0, 0], [4, 4]]).mul(3),
  square: (x, _r, col) => np.square(x).add(np.power(col, 3)).add(nn.sigmoid(x)),
};

/**
 * WGSL allows sin/cos an absolute error of 2^-11 on [-pi, pi] and exp/tanh a few ULP of 3 + 2|x|
 * (SwiftShader uses that room): exp(2 sin(x) + 1) then differs from float64 by ~1e-3 relative.
 */
const loose = new Set(["expsin", "colScale", "square"]);
const tolFor = (name: string) => (loose.has(name) ? { rtol: 2e-3, atol: 1e-3 } : { rtol: 2e-4, atol: 2e-4 });

async function withVec4<T>(on: boolean, body: () => Promise<T>): Promise<T> {
  const rt = webgpu().runtime;
  const saved = rt.vec4Maps;
  rt.vec4Maps = on;
  try {
    return await body();
  } finally {
    rt.vec4Maps = saved;
  }
}

describe.skipIf(!hasWebgpu)("webgpu: vec4 map kernels", () => {
  it("agree with the reference (and with scalar kernels) on random shapes and programs", async () => {
    let vec4Cases = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        fc.oneof(fc.integer({ min: 1, max: 12 }).map((q) => 4 * q), fc.integer({ min: 1, max: 30 })),
        fc.constantFrom(...Object.keys(programs)),
        fc.integer({ min: 1, max: 1000 }),
        async (r, c, name, seed) => {
          const f = programs[name]!;
          const x = rand([r, c], seed);
          const row = rand([c], seed + 1);
          const col = rand([r, 1], seed + 2);
          const xt = rand([c, r], seed + 3);
          const args = [x, row, col, xt].map((a) => devicePut(a, "webgpu"));
          const expected = [f(x, row, col, xt)];
          const what = `${name} on [${r}, ${c}]`;
          const g = jit(f, { device: "webgpu" });
          await withVec4(true, async () => {
            await compareAsync([g(...(args as [A, A, A, A]))], expected, `${what} (vec4 on)`, tolFor(name));
            if (/array<vec4<(f32|i32|u32)>(, \d+)?>/.test(g.lower(...(args as [A, A, A, A])).compile().asText())) vec4Cases++;
          });
          const h = jit(f, { device: "webgpu" });
          await withVec4(false, async () => {
            await compareAsync([h(...(args as [A, A, A, A]))], expected, `${what} (vec4 off)`, tolFor(name));
            expect(h.lower(...(args as [A, A, A, A])).compile().asText()).not.toMatch(/vec4</);
          });
        },
      ),
      { numRuns: 60 },
    );
    expect(vec4Cases, "cases rendered as vec4 kernels").toBeGreaterThan(15);
  }, 240_000);

  it("expsin on 1e6 floats is one vec4 kernel, bit-equal to the scalar kernel", async () => {
    const x = devicePut(rand([1_000_000], 5, 6), "webgpu");
    const f = (a: A) => np.exp(np.sin(a).mul(2).add(1));
    const g = jit(f, { device: "webgpu" });
    const vec = await withVec4(true, async () => {
      const text = g.lower(x).compile().asText();
      expect(text).toMatch(/var<storage, read_write> b0: array<vec4<f32>, 250000>/);
      return g(x).data();
    });
    const h = jit(f, { device: "webgpu" });
    const scalar = await withVec4(false, () => h(x).data());
    expect(Buffer.from(vec.buffer).equals(Buffer.from(scalar.buffer))).toBe(true);
  });

  it("JS numbers under defaultDevice('webgpu') are literals in the trace, not bound buffers", async () => {
    const f = (a: A) => np.exp(np.sin(a).mul(2).add(1));
    const xh = rand([64], 3);
    const expected = f(xh);
    const x = devicePut(xh, "webgpu");
    const saved = defaultDevice();
    defaultDevice("webgpu");
    let out: A;
    try {
      expect(makeJaxpr(f)(x).jaxpr.constvars).toHaveLength(0);
      const g = jit(f, { device: "webgpu" });
      const text = g.lower(x).compile().asText();
      expect(text).toMatch(/vec4<f32>\(2\.0f\)/);
      expect(text).not.toMatch(/@binding\(2\)/);
      out = g(x);
    } finally {
      defaultDevice(saved);
    }
    await compareAsync([out], [expected], "expsin under defaultDevice('webgpu')", { rtol: 2e-3, atol: 1e-3 });
  });
});
