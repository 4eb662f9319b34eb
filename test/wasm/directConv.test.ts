/**
 * Direct convolution kernels (codegen/kernel/directConv.ts, codegen/wasm/directConvKernel.ts):
 * float32 convolutions with up to 64 input features per group run without im2col. Differential
 * tests against the cpu reference over fast-check geometry (batch, input features 1..8, output
 * features across the 8-wide register block, 1-3 spatial dims, kernel sizes, strides,
 * asymmetric and negative padding, rhs dilation, feature groups, any layout), with the epilogue
 * fused (bias + relu); the choice rule (direct where it says so, im2col/col2im elsewhere);
 * bit-identical results on 1 and 2 threads; central-difference gradients through them (whose
 * transposes, the weight and input gradients, are direct convolutions too).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Params } from "../../ir/primitives.js";
import { directConvPays } from "../../codegen/kernel/directConv.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import * as jaxts from "../../src/index.js";
import { convJaxpr, geometryArb as convGeometry } from "./convGeometry.js";
import { aval, checkJaxpr, expectClose, primJaxpr, randomData, runOnPoolThreads, wasmBackend } from "./helpers.js";

const { numpy: np, jit, lax, devicePut, testing } = jaxts;
type A = jaxts.Array;
const initialThreads = jaxts.numThreads();
afterAll(() => jaxts.setNumThreads(initialThreads));

const geometryArb = convGeometry(fc.integer({ min: 1, max: 8 }), {});

/** Forward error bound of a float32 sum of k products of magnitude <= 1 (inputs in [-1, 1]). */
const sumTol = (k: number) => ({ rtol: 1e-6, atol: 2 * k * 2 ** -24 + 1e-7 });

describe("direct convolution kernels", () => {
  it("match the cpu reference over random geometry and layouts (small input features, groups, padding, dilation)", () => {
    let direct = 0;
    let ran = 0;
    fc.assert(
      fc.property(geometryArb, (c) => {
        let j;
        try {
          j = convJaxpr(c, ["float32", "float32"]);
        } catch {
          return; // an empty or negative output size
        }
        ran++;
        const isDirect = directConvPays(j.eqns[0]!);
        if (isDirect) direct++;
        // the wasm backend's lowering options
        const steps = leafSteps(lowerJaxpr(j, { splitIndexSets: true, factorSteps: true, directConv: true }).steps);
        expect(steps.some((s) => s.kind === "directConv"), `direct iff the rule says so: ${JSON.stringify(c)}`).toBe(isDirect);
        const k = c.I * c.kSize.slice(0, c.nsp).reduce((a, b) => a * b, 1);
        checkJaxpr(j, j.invars.map((v, i) => randomData("float32", v.aval.size, c.seed + i, { range: 1 })), sumTol(k), `conv ${JSON.stringify(c)}`);
      }),
      { numRuns: 200 },
    );
    expect(ran).toBeGreaterThan(100);
    expect(direct).toBeGreaterThan(60);
  });

  it("fuse their epilogue (bias + relu) and producers (the input's scale) like the matmul path", () => {
    fc.assert(
      fc.property(
        fc.record({ I: fc.integer({ min: 1, max: 8 }), O: fc.integer({ min: 1, max: 20 }), h: fc.integer({ min: 5, max: 14 }), k: fc.integer({ min: 1, max: 5 }), pad: fc.constantFrom("VALID", "SAME"), seed: fc.nat(1 << 20) }),
        (c) => {
          const f = (x: A, w: A, b: A) => jaxts.nn.relu(np.add(lax.convGeneralDilated(np.multiply(x, 2), w, [1, 1], c.pad, { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }), b));
          const arr = (shape: number[], s: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), s, { range: 1 }), { shape });
          const args: [A, A, A] = [arr([2, c.h, c.h + 1, c.I], c.seed), arr([c.k, c.k, c.I, c.O], c.seed + 1), arr([c.O], c.seed + 2)];
          const on = (d: "wasm" | "cpu") => args.map((a) => devicePut(a, d)) as [A, A, A];
          const text = jit(f, { device: "wasm" }).lower(...args).compile().asText();
          expect(text).toMatch(/: directConv \[/);
          // one kernel: the bias and relu are the direct kernel's epilogue, not a map kernel of their own
          expect(text).not.toMatch(/;; k\d+_max: map/);
          const got = jit(f, { device: "wasm" })(...on("wasm"));
          const want = jit(f, { device: "cpu" })(...on("cpu"));
          expectClose(got.dataSync(), want.dataSync(), "float32", sumTol(2 * c.I * c.k * c.k), `conv+bias+relu ${JSON.stringify(c)}`);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("leave to im2col/col2im what the rule gives them: many input features, lhs dilation, a last dim mostly padding, float64", () => {
    const conv = (lhs: number[], rhs: number[], opts: Partial<Params<"convGeneralDilated">> = {}, dtype: "float32" | "float64" = "float32") =>
      primJaxpr("convGeneralDilated", [aval(lhs, dtype), aval(rhs, dtype)], {
        windowStrides: [1, 1],
        padding: [[0, 0], [0, 0]] as never,
        lhsDilation: [1, 1],
        rhsDilation: [1, 1],
        dimensionNumbers: { lhsSpec: [0, 1, 2, 3], rhsSpec: [0, 1, 2, 3], outSpec: [0, 1, 2, 3] },
        featureGroupCount: 1,
        batchGroupCount: 1,
        preferredElementType: null,
        ...opts,
      });
    const pays = (j: ReturnType<typeof conv>) => directConvPays(j.eqns[0]!);
    expect(pays(conv([2, 1, 28, 28], [6, 1, 5, 5]))).toBe(true); // LeNet's conv1
    expect(pays(conv([2, 64, 8, 8], [16, 64, 3, 3]))).toBe(true);
    expect(pays(conv([2, 65, 8, 8], [16, 65, 3, 3]))).toBe(false);
    expect(pays(conv([2, 4, 8, 8], [16, 4, 3, 3], { lhsDilation: [2, 2] }))).toBe(false);
    expect(pays(conv([2, 4, 3, 3], [16, 4, 5, 5], { padding: [[4, 4], [4, 4]] as never }))).toBe(false);
    expect(pays(conv([2, 4, 8, 8], [16, 4, 5, 5], { padding: [[4, 4], [4, 4]] as never }))).toBe(true);
    expect(pays(conv([2, 4, 8, 8], [16, 4, 3, 3], {}, "float64"))).toBe(false);
  });

  it("run inside a scan body (the carry added to the input in the pad copy, tanh as the epilogue, stacked ys)", () => {
    const arr = (shape: number[], s: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), s, { range: 1 }), { shape });
    const f = (xs: A, w: A) =>
      lax.scan(
        (c: A, x: A) => {
          const y = np.tanh(np.add(lax.convGeneralDilated(np.add(x, c), w, [1, 1], "SAME", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }), 0.1));
          return [y, np.multiply(y, 2)];
        },
        np.zeros([2, 9, 9, 3]),
        xs,
      ) as [A, A];
    const args: [A, A] = [arr([4, 2, 9, 9, 3], 1), arr([3, 3, 3, 3], 2)];
    const text = jit(f, { device: "wasm" }).lower(...args).compile().asText();
    expect(text).toMatch(/loop \[t\d+<4\] \{[^]*: directConv \[/);
    const got = jit(f, { device: "wasm" })(...(args.map((a) => devicePut(a, "wasm")) as [A, A]));
    const want = jit(f, { device: "cpu" })(...(args.map((a) => devicePut(a, "cpu")) as [A, A]));
    // four steps of a 27-term sum through tanh (derivative <= 1): the bound compounds per step
    got.forEach((g, i) => expectClose(g.dataSync(), want[i]!.dataSync(), "float32", { rtol: 1e-6, atol: 4 * 2 * sumTol(2 * 27).atol }, `scan output ${i}`));
  });

  it("are bit-identical on 1 and 2 threads (forward, weight and input gradients of LeNet-sized convolutions)", () => {
    const pool = wasmBackend.runtime.pool;
    const dn = ["NHWC", "HWIO", "NHWC"] as const;
    const put = (shape: number[], s: number) => devicePut(np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), s, { range: 1 }), { shape }), "wasm");
    const x1 = put([16, 28, 28, 1], 1);
    const w1 = put([5, 5, 1, 6], 2);
    const x2 = put([16, 12, 12, 6], 3);
    const w2 = put([5, 5, 6, 16], 4);
    const loss = (x: A, w: A) => np.sum(np.sin(lax.convGeneralDilated(x, w, [1, 1], "VALID", { dimensionNumbers: [...dn] })));
    const g = jit(jaxts.grad(loss, { argnums: [0, 1] }));
    const f = jit((x: A, w: A) => lax.convGeneralDilated(x, w, [1, 1], [[2, 1], [1, 2]], { dimensionNumbers: [...dn] }));
    expect(jit(g).lower(x2, w2).compile().asText().match(/: directConv \[/g)?.length).toBe(3);
    const run = () => [f(x1, w1), f(x2, w2), ...(g(x2, w2) as A[])];
    const bits = (a: A) => Array.from(new Uint32Array(new Float32Array(a.dataSync() as Float32Array).buffer));
    jaxts.setNumThreads(1);
    const one = run().map(bits);
    jaxts.setNumThreads(2);
    const out = runOnPoolThreads(pool, run);
    out.map(bits).forEach((b, i) => expect(b, `output ${i}`).toEqual(one[i]));
  });

  it("pass checkGrads (orders 1 and 2, forward and reverse) through strided, padded, grouped float32 convolutions", () => {
    const saved = jaxts.defaultDevice();
    jaxts.defaultDevice("wasm");
    try {
      const arr = (shape: number[], s: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), s, { range: 1 }), { shape });
      const cases = [
        { x: [2, 9, 8, 2], w: [3, 3, 1, 6], strides: [2, 1], padding: [[1, 2], [0, 1]], groups: 2, dil: [1, 2] },
        { x: [3, 7, 7, 1], w: [5, 5, 1, 6], strides: [1, 1], padding: [[0, 0], [0, 0]], groups: 1, dil: [1, 1] },
        { x: [2, 6, 5, 3], w: [2, 3, 3, 4], strides: [1, 2], padding: [[1, 1], [2, 0]], groups: 1, dil: [2, 1] },
      ];
      for (const c of cases) {
        const f = jit((x: A, w: A) =>
          np.sin(lax.convGeneralDilated(x, w, c.strides, c.padding as never, { rhsDilation: c.dil, featureGroupCount: c.groups, dimensionNumbers: ["NHWC", "HWIO", "NHWC"] })),
        );
        const args: [A, A] = [arr(c.x, 1), arr(c.w, 2)];
        expect(f.lower(...args).compile().asText()).toMatch(/: directConv \[/);
        // eps 1e-3 for float32 central differences (rounding error ~ 2^-24 f / eps, truncation ~ eps^2 f''' / 6):
        // at the default 1e-4 the cpu reference's own float32 JVPs of these functions miss the 2e-3 tolerance
        testing.checkGrads(f, args, 2, { modes: ["fwd", "rev"], eps: 1e-3 });
      }
    } finally {
      jaxts.defaultDevice(saved);
    }
  });
});
