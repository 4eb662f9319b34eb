/**
 * What the compiler fuses, pinned on the kernel IR (and the WAT), and the packed matmul kernel
 * checked against the reference over odd sizes, layouts, batches and epilogues.
 */
import { describe, expect, it } from "vitest";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { showProgram } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { topoNodes } from "../../codegen/kernel/sexpr.js";
import { WasmRuntime } from "../../codegen/wasm/runtime.js";
import { createWasmBackend, loadWabt } from "../../src/backends/wasm.js";
import { devicePut, grad, jit, lax, makeJaxpr, nn, numpy as np } from "../../src/index.js";
import { checkJaxpr, randomData, wasmBackend } from "./helpers.js";

const jaxprOf = (f: (...xs: np.Array[]) => np.Array | np.Array[], ...shapes: number[][]): Jaxpr =>
  makeJaxpr(f)(...shapes.map((s) => np.zeros(s))).jaxpr;

const inputsFor = (j: Jaxpr, seed = 1) => j.invars.map((v, i) => randomData(v.aval.dtype, v.aval.size, seed + i, { range: 2 }));

describe("fusion", () => {
  it("exp(sin(x)*2+1) is one loop", () => {
    const j = jaxprOf((x) => np.exp(np.add(np.multiply(np.sin(x), 2), 1)), [1000]);
    const p = lowerJaxpr(j);
    expect(p.steps.map((s) => s.kind)).toEqual(["map"]);
    const k = p.steps[0]!;
    expect(k.kind === "map" && k.vars.length).toBe(1);
    expect(p.arenaBytes).toBe(0);
    const wat = wasmBackend.lowerText(j);
    // one kernel function (plus the entry), with a vector loop and a scalar tail
    expect(wat.match(/^\(func \$/gm)!.length).toBe(2);
    expect(wat).toContain("v128.load");
    expect(wat).toContain("f32x4.pmax"); // the inline vector exp
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5 });
  });

  it("a multi-dimensional elementwise chain over contiguous data is one flat loop", () => {
    const j = jaxprOf((x, y) => np.tanh(np.add(np.multiply(x, y), 1)), [7, 9, 5], [7, 9, 5]);
    const p = lowerJaxpr(j);
    expect(p.steps.length).toBe(1);
    const k = p.steps[0]!;
    expect(k.kind === "map" && k.vars.map((v) => v.extent)).toEqual([315]);
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5 });
  });

  it("views are index arithmetic: transpose, reshape, slice, rev, broadcast fuse without copies", () => {
    const j = jaxprOf(
      (x, b) => np.add(np.flip(np.reshape(np.transpose(x), [6, 4]), 0).slice([1, null, 2]), b),
      [4, 6],
      [4],
    );
    const p = lowerJaxpr(j);
    expect(p.steps.length).toBe(1);
    expect(p.buffers.filter((b) => b.kind === "temp").length).toBe(0);
    checkJaxpr(j, inputsFor(j));
  });

  it("pad and concatenate select by index range, without copies", () => {
    const j = jaxprOf((x, y) => np.sin(np.concatenate([np.pad(x, [[1, 2], [0, 3]]), y], 1)), [3, 4], [6, 2]);
    const p = lowerJaxpr(j);
    expect(p.steps.length).toBe(1);
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5 });
  });

  it("a reduction fuses its producers and its elementwise epilogue", () => {
    const j = jaxprOf((x) => np.sqrt(np.mean(np.exp(x), 1)), [37, 53]);
    const p = lowerJaxpr(j);
    expect(p.steps.length).toBe(1);
    const text = showProgram(p);
    expect(text).toContain("sqrt(div(reduce_sum");
    expect(text).toContain("exp(in0");
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5 });
    // reducing the leading axis vectorizes across the kept one
    const j0 = jaxprOf((x) => np.max(np.abs(x), 0), [37, 53]);
    expect(lowerJaxpr(j0).steps.length).toBe(1);
    checkJaxpr(j0, inputsFor(j0));
  });

  it("matmul followed by bias add and relu is one kernel with an epilogue", () => {
    const j = jaxprOf((x, w, b) => nn.relu(np.add(np.matmul(x, w), b)), [64, 96], [96, 48], [48]);
    const p = lowerJaxpr(j);
    const kinds = p.steps.map((s) => s.kind);
    expect(kinds.filter((k) => k === "matmul").length).toBe(1);
    expect(kinds[kinds.length - 1]).toBe("matmul"); // nothing runs after it: bias and relu are its epilogue
    const mm = p.steps[p.steps.length - 1]!;
    expect(mm.kind === "matmul" && showProgram(p)).toContain("= max(add(acc, in2[n]), 0:float32)");
    // the other steps only pack the operands
    expect(p.steps.slice(0, -1).every((s) => s.kind === "map" && s.name.includes("pack"))).toBe(true);
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5, atol: 1e-5 });
  });

  it("softmax needs 4 kernels and its temporaries share arena space by liveness", () => {
    const j = jaxprOf((x) => nn.softmax(x), [64, 100]);
    const p = lowerJaxpr(j);
    expect(p.steps.length).toBe(4);
    const temps = p.buffers.filter((b) => b.kind === "temp");
    const total = temps.reduce((s, b) => s + Math.ceil((b.size * 4) / 64) * 64, 0);
    expect(p.arenaBytes).toBeLessThan(total);
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5 });
  });

  it("shared subexpressions are computed once (hash-consed nodes)", () => {
    const j = jaxprOf((x) => {
      const s = np.sin(x);
      return np.add(np.multiply(s, s), np.cos(s));
    }, [33]);
    const p = lowerJaxpr(j);
    expect(p.steps.length).toBe(1);
    const k = p.steps[0]!;
    const nodes = k.kind === "map" ? topoNodes(k.outs.map((o) => o.value)) : [];
    expect(nodes.filter((n) => n.k === "unary" && n.op === "sin").length).toBe(1);
    const wat = wasmBackend.lowerText(j);
    // the inline polynomial range reductions (1/pi for sin, 2/pi for cos) appear in the vector
    // body (unrolled twice) and in the scalar tail: 3 times each, so sin is not recomputed for
    // the cosine (that would be 6)
    expect(wat.match(/f32x4 0\.318309/g)!.length).toBe(3);
    expect(wat.match(/f32x4 0\.6366197/g)!.length).toBe(3);
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5 });
  });

  it("a jitted program crosses into wasm once; host steps call back between kernels", async () => {
    const j = jaxprOf((x) => np.exp(np.sort(np.sin(x), 0)), [20]);
    // sort has a native step; forced onto the host-step path here
    const hostPrimitives = new Set(["sort"] as const);
    const p = lowerJaxpr(j, { hostPrimitives });
    expect(p.steps.map((s) => s.kind)).toEqual(["map", "host", "map"]);
    const backend = await createWasmBackend({ hostPrimitives });
    const wat = backend.lowerText(j);
    expect(wat).toContain('(import "env" "host"');
    expect(wat.match(/\(export "run"\)/g)!.length).toBe(1);
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5 }, "forced host step", backend);
    // and natively: map, sort, map in the one module
    expect(lowerJaxpr(j).steps.map((s) => s.kind)).toEqual(["map", "sort", "map"]);
    expect(wasmBackend.lowerText(j)).not.toContain('(import "env" "host"');
    checkJaxpr(j, inputsFor(j), { rtol: 1e-5 }, "native sort");
  });
});

describe("jit on wasm: outputs that are inputs, literals, repeats; constants", () => {
  it("returns inputs, literals and repeated outputs as fresh arrays", () => {
    const x = devicePut(np.array([1, 2, 3]), "wasm");
    const w = np.array([10, 20, 30]); // closed over: a constant of the trace
    const f = jit((a: np.Array) => [a, np.add(a, w), a, np.asarray(2.5), np.multiply(a, 2)] as np.Array[], { device: "wasm" });
    const outs = f(x);
    expect(outs.map((o) => o.tolist())).toEqual([[1, 2, 3], [11, 22, 33], [1, 2, 3], 2.5, [2, 4, 6]]);
    expect(outs.every((o) => o.device === "wasm")).toBe(true);
    outs[0]!.dispose(); // a fresh buffer: disposing it leaves the input alone
    expect(x.tolist()).toEqual([1, 2, 3]);
  });
});

describe("packed matmul kernel", async () => {
  const forced = await createWasmBackend({ matmulMinFlops: 0, eagerHostMaxElements: 0 });
  const shapes: [number, number, number][] = [
    [4, 8, 1],
    [4, 8, 5],
    [5, 9, 3],
    [13, 17, 19],
    [1, 8, 7],
    [16, 16, 16],
    [31, 40, 33],
    [64, 24, 100],
  ];
  it("x @ w over odd sizes, with and without epilogues", () => {
    for (const [m, n, k] of shapes) {
      for (const f of [
        (x: np.Array, w: np.Array) => np.matmul(x, w),
        (x: np.Array, w: np.Array) => np.tanh(np.subtract(np.matmul(x, w), 0.5)),
        (x: np.Array, w: np.Array) => np.multiply(np.matmul(np.exp(x), np.transpose(np.transpose(w))), 2),
      ]) {
        const j = jaxprOf(f, [m, k], [k, n]);
        checkJaxpr(j, inputsFor(j, m * n), { rtol: 1e-4, atol: 1e-4 }, `${m}x${k} @ ${k}x${n}`, forced);
      }
    }
  });
  it("uses relaxed-SIMD fused multiply-add exactly when the engine accepts it", async () => {
    const relaxed = WasmRuntime.detectRelaxedSimd(await loadWabt());
    expect(forced.runtime.relaxedSimd).toBe(relaxed);
    const wat = forced.lowerText(jaxprOf((x, w) => np.matmul(x, w), [8, 8], [8, 8]));
    expect(wat.includes("f32x4.relaxed_madd")).toBe(relaxed);
    if (process.env.SHOW_RELAXED) console.log("relaxed simd:", relaxed);
  });
  it("transposed operands, batched, multi-dimensional free and contracting dims", () => {
    const cases: [(a: np.Array, b: np.Array) => np.Array, number[], number[]][] = [
      [(a, b) => np.matmul(np.transpose(a), b), [19, 13], [19, 11]],
      [(a, b) => np.matmul(a, np.transpose(b)), [13, 19], [11, 19]],
      [(a, b) => np.matmul(a, b), [3, 9, 7], [3, 7, 10]],
      [(a, b) => np.einsum("ijk,klm->ijlm", a, b), [2, 5, 6], [6, 3, 4]],
      [(a, b) => np.tensordot(a, b, [[1, 2], [0, 1]]), [9, 3, 4], [3, 4, 8]],
    ];
    for (const [f, sa, sb] of cases) {
      const j = jaxprOf(f, sa, sb);
      checkJaxpr(j, inputsFor(j, 3), { rtol: 1e-5, atol: 1e-5 }, `${sa} ${sb}`, forced);
    }
  });
});

describe("convolutions through the matmul kernel (implicit im2col)", () => {
  // strides and padding are positional in lax.convGeneralDilated; the rest are its options (which reject unknown keys).
  const conv = (x: np.Array, w: np.Array, o: Parameters<typeof lax.convGeneralDilated>[4] & { strides?: number[]; padding?: [number, number][] | "SAME" | "VALID" }) => {
    const { strides = [1, 1], padding = "VALID", ...opts } = o ?? {};
    return lax.convGeneralDilated(x, w, strides, padding, opts);
  };
  it("NHWC/HWIO with strides, padding, dilations and feature groups, plus a bias+relu epilogue", () => {
    const cases: [number[], number[], Parameters<typeof conv>[2]][] = [
      [[2, 7, 6, 3], [3, 3, 3, 5], { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }],
      [[1, 8, 8, 2], [3, 2, 2, 8], { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], strides: [2, 1], padding: "SAME" }],
      [[2, 5, 5, 4], [2, 2, 2, 6], { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], featureGroupCount: 2, padding: [[1, 2], [0, 1]] }],
      [[1, 6, 5, 2], [3, 3, 2, 3], { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], lhsDilation: [2, 1], rhsDilation: [1, 2], padding: [[2, 2], [1, 1]] }],
      [[2, 3, 9, 9], [4, 3, 3, 3], { dimensionNumbers: ["NCHW", "OIHW", "NCHW"], strides: [2, 2], padding: "SAME" }],
    ];
    for (const [xs, ws, o] of cases) {
      const j = jaxprOf((x, w) => conv(x, w, o), xs, ws);
      const p = lowerJaxpr(j);
      expect(p.steps.some((s) => s.kind === "host")).toBe(false);
      expect(p.steps.filter((s) => s.kind === "matmul").length).toBe(1);
      checkJaxpr(j, inputsFor(j, xs[1]!), { rtol: 1e-4, atol: 1e-4 }, `conv ${xs} ${ws}`);
    }
    const out = (xs: number[]) => xs[3]!;
    const j = jaxprOf((x, w, b) => nn.relu(np.add(conv(x, w, { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], padding: "SAME" }), b)), [2, 6, 6, 3], [3, 3, 3, 8], [out([0, 0, 0, 8])]);
    const p = lowerJaxpr(j);
    expect(p.steps[p.steps.length - 1]!.kind).toBe("matmul");
    expect(showProgram(p)).toContain("max(add(acc,");
    checkJaxpr(j, inputsFor(j), { rtol: 1e-4, atol: 1e-4 });
  });
  it("gradients of a convolution (lhs-dilated and transposed convolutions) run natively", () => {
    const loss = (x: np.Array, w: np.Array) => np.sum(np.tanh(conv(x, w, { dimensionNumbers: ["NHWC", "HWIO", "NHWC"], strides: [2, 2], padding: "SAME" })));
    const j = jaxprOf((x, w) => grad(loss, { argnums: [0, 1] })(x, w) as np.Array[], [2, 7, 7, 3], [3, 3, 3, 4]);
    const p = lowerJaxpr(j);
    expect(p.steps.some((s) => s.kind === "host")).toBe(false);
    checkJaxpr(j, inputsFor(j), { rtol: 2e-4, atol: 2e-4 });
  });
});

