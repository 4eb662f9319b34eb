/**
 * The compiler passes that make a recurrent network's training step fast, each against an
 * independent truth: index-set splitting (pad/concatenate kernels cut where their predicates
 * change) is bit-identical to the unsplit kernel; views of a product folded into the product
 * give the reference interpreter's bits; dead scan outputs and cheap residuals are neither
 * computed nor stacked; accumulating carries become one contraction after the loop, and the
 * gradients of jitted loops on wasm agree with the cpu reference interpreter (the oracle) and
 * with central differences.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { type MatmulKernel, type Step, leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { optimizeJaxpr } from "../../codegen/kernel/passes.js";
import { topoNodes } from "../../codegen/kernel/sexpr.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import { defaultDevice, devicePut, grad, jit, lax, makeJaxpr, nn, numpy as np, testing } from "../../src/index.js";
import { expectClose, randomData, runJaxprWasm } from "./helpers.js";

type A = np.Array;

const prims = (j: Jaxpr) => j.eqns.map((e) => e.primitive);
const f32 = (shape: readonly number[], seed: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range: 1 }), { dtype: "float32", shape: [...shape] });
const hostData = (shapes: readonly (readonly number[])[], seed: number) => shapes.map((s, i) => randomData("float32", s.reduce((a, b) => a * b, 1), seed + i, { range: 1 }));

/** Every map kernel of a program, loop bodies included. */
const mapKernels = (steps: readonly Step[]) => leafSteps(steps).filter((s) => s.kind === "map");

describe("index-set splitting", () => {
  const unsplit = createWasmBackend({ eagerHostMaxElements: 0, splitIndexSets: false });
  it("the gradient of column slices (a sum of pads) and a concatenate lower to kernels without predicates, bit-identical to the unsplit kernels", async () => {
    const other = await unsplit;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 2, maxLength: 4 }), fc.integer({ min: 0, max: 1000 }), (rows, widths, seed) => {
        const total = widths.reduce((a, b) => a + b, 0);
        const starts = widths.map((_, i) => widths.slice(0, i).reduce((a, b) => a + b, 0));
        // d/dx of sum_k sum(f_k(x[:, piece k])) is a sum of zero pads, one per piece.
        const loss = (x: A) => starts.map((s, k) => np.sum(np.multiply(np.sin(x.slice([null, null], [s, s + widths[k]!])), k + 1))).reduce((a, b) => np.add(a, b));
        const f = (x: A, y: A) => np.concatenate([grad(loss)(x), y, x], 1);
        const jaxpr = makeJaxpr(f)(np.zeros([rows, total]), np.zeros([rows, 3])).jaxpr;
        const program = lowerJaxpr(jaxpr, { splitIndexSets: true });
        for (const k of mapKernels(program.steps))
          for (const n of topoNodes(k.outs.map((o) => o.value))) expect(n.k === "icond" || n.k === "select", `${k.name} still branches per element`).toBe(false);
        const ins = hostData([[rows, total], [rows, 3]], seed);
        const split = runJaxprWasm(jaxpr, ins);
        const whole = runJaxprWasm(jaxpr, ins, other);
        expect(Array.from(split[0]!)).toEqual(Array.from(whole[0]!));
        expectClose(split[0]!, evalJaxprRef(jaxpr, [], ins)[0]!, "float32", {}, "vs the reference");
      }),
      { numRuns: 25 },
    );
  });
});

describe("views of a product folded into the product", () => {
  it("transpose(a @ b) is b^T-ordered dot; a slice of a @ b slices the operands; the reference gives the same bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1000 }), (m, k, n, seed) => {
        const f = (a: A, b: A) => [np.transpose(np.matmul(a, b)), np.matmul(a, b).slice([0, Math.ceil(m / 2)], [Math.floor(n / 3), n])];
        const jaxpr = makeJaxpr(f)(np.zeros([m, k]), np.zeros([k, n])).jaxpr;
        const o = optimizeJaxpr(jaxpr);
        expect(prims(o).filter((p) => p === "transpose")).toEqual([]);
        expect(prims(o).filter((p) => p === "dotGeneral").length).toBe(2);
        // The slices moved onto the operands: the product's result is the output itself.
        for (const e of o.eqns) if (e.primitive === "slice") expect(o.eqns.find((d) => d.primitive === "dotGeneral" && d.inputs.includes(e.outVars[0]!))).toBeDefined();
        const ins = hostData([[m, k], [k, n]], seed);
        const want = evalJaxprRef(jaxpr, [], ins);
        const got = evalJaxprRef(o, [], ins);
        want.forEach((w, i) => expect(Array.from(got[i]!)).toEqual(Array.from(w)));
        runJaxprWasm(jaxpr, ins).forEach((g, i) => expectClose(g, want[i]!, "float32", {}, `output ${i}`));
      }),
      { numRuns: 30 },
    );
  });
});

/** An LSTM-like cell over a scan: gates from [x, h] @ w + b, as stax.LSTM computes them. */
function recurrentLoss(hidden: number, reverse: boolean) {
  return (p: { w: A; b: A }, xs: A, y: A) => {
    const batch = xs.shape[1]!;
    const zeros = np.zeros([batch, hidden], xs.dtype);
    const gate = (z: A, k: number) => z.slice([null, null], [k * hidden, (k + 1) * hidden]);
    const [[h]] = lax.scan(
      ([h, c]: [A, A], x: A) => {
        const z = np.add(np.matmul(np.concatenate([x, h], 1), p.w), p.b);
        const c2 = np.add(np.multiply(nn.sigmoid(gate(z, 0)), np.tanh(gate(z, 1))), np.multiply(c, nn.sigmoid(gate(z, 2))));
        return [[np.multiply(np.tanh(c2), nn.sigmoid(gate(z, 3))), c2] as [A, A], null];
      },
      [zeros, zeros],
      xs,
      { reverse },
    ) as unknown as [[A, A]];
    return np.mean(np.square(np.subtract(h, y)));
  };
}

describe("gradients of loops", () => {
  it("an accumulating carry (the weight's cotangent) becomes one product after the loop, with K = length * batch; wasm agrees with the cpu reference", () => {
    fc.assert(
      fc.property(
        fc.record({ length: fc.integer({ min: 2, max: 6 }), batch: fc.integer({ min: 1, max: 5 }), input: fc.integer({ min: 1, max: 6 }), hidden: fc.integer({ min: 2, max: 9 }), reverse: fc.boolean(), seed: fc.integer({ min: 0, max: 1000 }) }),
        ({ length, batch, input, hidden, reverse, seed }) => {
          const loss = recurrentLoss(hidden, reverse);
          const args = (device: "cpu" | "wasm") =>
            [{ w: devicePut(f32([input + hidden, 4 * hidden], seed), device), b: devicePut(f32([4 * hidden], seed + 1), device) }, devicePut(f32([length, batch, input], seed + 2), device), devicePut(f32([batch, hidden], seed + 3), device)] as const;
          const g = grad(loss);
          const jaxpr = makeJaxpr(g)(...args("cpu")).jaxpr;
          // After the loop: the weight gradient's contraction runs over (t, batch) at once.
          const o = optimizeJaxpr(jaxpr);
          const wide = o.eqns.filter((e) => e.primitive === "dotGeneral" && e.inputs[0]!.aval.shape[0] === length && e.inputs[0]!.aval.ndim === 3);
          expect(wide.length, "a product over (t, batch) after the loop").toBe(1);
          const [[lc]] = (wide[0]!.params as unknown as { dimensionNumbers: readonly [readonly [readonly number[], readonly number[]]] }).dimensionNumbers;
          expect(lc).toEqual([0, 1]);
          const big = lowerJaxpr(makeJaxpr(g)(...args("cpu")).jaxpr, { matmulMinFlops: 1 });
          if (input + hidden >= 4) expect(big.steps.some((s) => s.kind === "matmul" && (s as MatmulKernel).K === length * batch), "a matmul kernel with K = length * batch, outside the loop").toBe(true);
          const want = jit(g, { device: "cpu" })(...args("cpu"));
          const got = jit(g, { device: "wasm" })(...args("wasm"));
          expectClose(got.w.dataSync(), want.w.dataSync(), "float32", { rtol: 1e-4, atol: 1e-6 }, "dw");
          expectClose(got.b.dataSync(), want.b.dataSync(), "float32", { rtol: 1e-4, atol: 1e-6 }, "db");
        },
      ),
      { numRuns: 12 },
    );
  });
  it("central differences agree with the compiled gradient of the recurrent loss (rev, orders 1 and 2)", () => {
    const saved = defaultDevice();
    defaultDevice("wasm");
    try {
      const loss = recurrentLoss(3, false);
      const f = jit((w: A, b: A, xs: A) => loss({ w, b }, xs, np.full([2, 3], 0.25)));
      const args = [np.asarray(f32([5, 12], 3), { dtype: "float64" }), np.asarray(f32([12], 4), { dtype: "float64" }), np.asarray(f32([4, 2, 2], 5), { dtype: "float64" })];
      // float64 weight gradients take the same path: one product over (t, batch) after the loop.
      expect(optimizeJaxpr(makeJaxpr(grad(f))(...args).jaxpr).eqns.some((e) => e.primitive === "dotGeneral" && e.inputs[0]!.aval.ndim === 3)).toBe(true);
      testing.checkGrads(f, args, 2, { modes: ["rev"] });
    } finally {
      defaultDevice(saved);
    }
  });
  it("cheap functions of other residuals (s * (1 - s), 1 - t^2) are recomputed by the transposed scan, not stacked", () => {
    const loss = recurrentLoss(4, false);
    const jaxpr = optimizeJaxpr(makeJaxpr(grad(loss))({ w: np.zeros([7, 16]), b: np.zeros([16]) }, np.zeros([5, 2, 3]), np.zeros([2, 4])).jaxpr);
    const [forward, backward] = jaxpr.eqns.filter((e) => e.primitive === "scan");
    const body = (forward!.params as { jaxpr: Jaxpr }).jaxpr;
    // The forward body computes the cell and nothing of its derivative.
    expect(prims(body).filter((p) => p === "sub" || p === "square")).toEqual([]);
    // Stacked per step: the concatenated input, tanh(j), sigmoid(i), sigmoid(f), c, sigmoid(o), tanh(c').
    expect(forward!.outVars.length - 2).toBe(7);
    expect(prims((backward!.params as { jaxpr: Jaxpr }).jaxpr)).toContain("sub");
  });
  it("a ys output nobody reads is not computed, and an operand the body no longer reads is dropped", () => {
    const f = (c0: A, xs: A, zs: A) => {
      const [c, ys] = lax.scan((c: A, [x, z]: [A, A]) => [np.add(np.sin(c), x), np.exp(z)], c0, [xs, zs]) as unknown as [A, A];
      void ys;
      return c;
    };
    const jaxpr = optimizeJaxpr(makeJaxpr(f)(np.zeros([3]), np.zeros([4, 3]), np.zeros([4, 3])).jaxpr);
    const scan = jaxpr.eqns.find((e) => e.primitive === "scan")!;
    expect(scan.outVars.length).toBe(1);
    expect(scan.inputs.length).toBe(2);
    expect(prims((scan.params as { jaxpr: Jaxpr }).jaxpr)).not.toContain("exp");
    const ins = hostData([[3], [4, 3], [4, 3]], 7);
    expectClose(runJaxprWasm(jaxpr, ins)[0]!, evalJaxprRef(makeJaxpr(f)(np.zeros([3]), np.zeros([4, 3]), np.zeros([4, 3])).jaxpr, [], ins)[0]!, "float32", {}, "c");
  });
});
