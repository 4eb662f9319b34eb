/**
 * Native indexing kernels on wasm: gather, dynamicSlice and dynamicUpdateSlice as map kernels
 * whose index expressions read integers from a buffer (clamped), and the scatter family as a
 * copy plus a sequential update kernel. Differential tests against the cpu reference
 * interpreter over fast-check-generated dimension numbers, shapes, dtypes and index values
 * (out of range, negative, duplicated), bare, fused with producers and consumers, under jit and
 * inside scan bodies; and checks that the compiled programs hold no host step for them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import type { AnyTypedArray, DType } from "../../ir/dtype.js";
import { Jaxpr, Var, eqn } from "../../ir/jaxpr.js";
import type { IndexMode, Params } from "../../ir/primitives.js";
import { iadd, ieval, iread, irange, iscale, isubst, ivar, newVar, readBuffers } from "../../codegen/kernel/iexpr.js";
import { leafSteps, stepReads } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { renderKernel } from "../../codegen/webgpu/wgsl.js";
import { devicePut, jit, lax, numpy as np } from "../../src/index.js";
import { aval, checkJaxpr, expectClose, primJaxpr, randomData, rng } from "./helpers.js";

type A = np.Array;

const dtypes: DType[] = ["float32", "int32", "uint32", "bool", "float64"];

/** Index values around and beyond [0, n]: negatives, out of range, duplicates. */
function indexData(dtype: "int32" | "uint32", size: number, bound: number, seed: number): AnyTypedArray {
  const r = rng(seed);
  const out = dtype === "int32" ? new Int32Array(size) : new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    const u = r();
    if (u < 0.1) out[i] = dtype === "int32" ? -1 - Math.floor(r() * 4) : 0xfffffff0 + Math.floor(r() * 16);
    else if (u < 0.15) out[i] = dtype === "int32" ? 0x7fffffff : 0x80000000;
    else out[i] = Math.floor(r() * (bound + 3));
  }
  return out;
}

interface WindowCase {
  operand: number[];
  /** Batch shape of the indices (the index vector is appended as the last dim). */
  batch: number[];
  startIndexMap: number[];
  collapsed: number[];
  /** Window size per operand dim (1 for collapsed dims). */
  window: number[];
  /** Positions of the window dims among the windowed array's dims. */
  windowDims: number[];
  mode: IndexMode;
  indexDtype: "int32" | "uint32";
}

const windowCaseArb: fc.Arbitrary<WindowCase> = fc
  .record({
    operand: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
    batch: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }),
    pick: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    collapse: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    sizes: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
    perm: fc.boolean(),
    place: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    mode: fc.constantFrom<IndexMode>("clip", "fill"),
    indexDtype: fc.constantFrom<"int32" | "uint32">("int32", "uint32"),
  })
  .map(({ operand, batch, pick, collapse, sizes, perm, place, mode, indexDtype }) => {
    let startIndexMap = operand.map((_, d) => d).filter((d) => pick[d]);
    if (startIndexMap.length === 0) startIndexMap = [0];
    if (perm) startIndexMap = [...startIndexMap].reverse();
    const collapsed = startIndexMap.filter((d) => collapse[d]).sort((a, b) => a - b);
    const window = operand.map((n, d) => (collapsed.includes(d) ? 1 : Math.round(sizes[d]! * n)));
    const nWindow = operand.length - collapsed.length;
    const rank = batch.length + nWindow;
    // choose nWindow positions among `rank` for the window dims
    const positions = Array.from({ length: rank }, (_, i) => i);
    const chosen = positions.filter((i) => place[i]).slice(0, nWindow);
    for (let i = rank - 1; chosen.length < nWindow; i--) if (!chosen.includes(i)) chosen.push(i);
    const windowDims = chosen.sort((a, b) => a - b);
    return { operand, batch, startIndexMap, collapsed, window, windowDims, mode, indexDtype };
  });

function gatherJaxpr(c: WindowCase, dtype: DType, fillValue: number | null): Jaxpr {
  const p: Params<"gather"> = {
    dimensionNumbers: { offsetDims: c.windowDims, collapsedSliceDims: c.collapsed, startIndexMap: c.startIndexMap, operandBatchingDims: [], startIndicesBatchingDims: [] },
    sliceSizes: c.window,
    mode: c.mode,
    fillValue,
  };
  return primJaxpr("gather", [aval(c.operand, dtype), aval([...c.batch, c.startIndexMap.length], c.indexDtype)], p);
}

/** The windowed array's shape: batch dims where the window dims are not. */
function windowedShape(c: WindowCase): number[] {
  const sizes = c.operand.map((_, d) => d).filter((d) => !c.collapsed.includes(d)).map((d) => c.window[d]!);
  const out: number[] = [];
  let b = 0;
  let w = 0;
  for (let i = 0; i < c.batch.length + sizes.length; i++) out.push(c.windowDims.includes(i) ? sizes[w++]! : c.batch[b++]!);
  return out;
}

function scatterJaxpr(prim: "scatter" | "scatterAdd" | "scatterMul" | "scatterMin" | "scatterMax", c: WindowCase, dtype: DType): Jaxpr {
  const p: Params<"scatterAdd"> = {
    dimensionNumbers: { updateWindowDims: c.windowDims, insertedWindowDims: c.collapsed, scatterDimsToOperandDims: c.startIndexMap, operandBatchingDims: [], scatterIndicesBatchingDims: [] },
    mode: c.mode,
  };
  return primJaxpr(prim, [aval(c.operand, dtype), aval([...c.batch, c.startIndexMap.length], c.indexDtype), aval(windowedShape(c), dtype)], p);
}

const inputsOf = (j: Jaxpr, c: WindowCase, seed: number): AnyTypedArray[] =>
  j.invars.map((v, k) =>
    k === 1 ? indexData(c.indexDtype, v.aval.size, Math.max(...c.operand), seed + k) : randomData(v.aval.dtype, v.aval.size, seed + k, { specials: true }),
  );

const noHostSteps = (j: Jaxpr) => leafSteps(lowerJaxpr(j).steps).every((s) => s.kind !== "host");

/** Wraps one equation's jaxpr with a producer of its first operand and a consumer of its output (float32). */
function fused(j: Jaxpr): Jaxpr {
  const [x, ...rest] = j.invars as [Var, ...Var[]];
  const x2 = new Var(x.aval);
  const produced = new Var(x.aval);
  const e = j.eqns[0]!;
  const out = new Var(e.outVars[0]!.aval);
  const final = new Var(out.aval);
  const inputs = e.inputs.map((a) => (a === x ? produced : a));
  return new Jaxpr(
    [],
    [x2, ...rest],
    [eqn("sin", [x2], {}, [produced]), eqn(e.primitive, inputs, e.params, [out]), eqn("exp", [out], {}, [final])],
    [final],
  );
}

describe("data-dependent index expressions", () => {
  it("a read atom: its range is its clamp, it substitutes and evaluates, and steps report its buffer as read", () => {
    const i = newVar(5);
    const r = iread(7, iscale(ivar(i), 2), "int32", 0, 3);
    expect(irange(iadd(iscale(r, 4), 1))).toEqual([1, 13]);
    expect(iread(7, ivar(i), "int32", 2, 2).terms.length).toBe(0); // a one-point range is a constant
    const mem = (buf: number, at: number) => (buf === 7 ? [9, -4, 2, 1, 0, 5, 3, 3, 8, 1][at]! : NaN);
    for (let v = 0; v < 5; v++) expect(ieval(r, () => v, mem)).toBe(Math.min(Math.max(mem(7, 2 * v), 0), 3));
    const j = newVar(3);
    expect(ieval(isubst(r, (x) => (x.id === i.id ? iadd(ivar(j), 1) : undefined)), () => 0, mem)).toBe(2); // i = j + 1 = 1: mem[2]
    expect([...readBuffers(iadd(r, iread(8, r, "uint32", 0, 9)))].sort()).toEqual([7, 8]);
    const p = lowerJaxpr(gatherJaxpr({ operand: [6, 4], batch: [5], startIndexMap: [0], collapsed: [0], window: [1, 4], windowDims: [1], mode: "clip", indexDtype: "int32" }, "float32", null));
    const k = leafSteps(p.steps)[0]!;
    expect(stepReads(k).sort()).toEqual([p.inputs[0], p.inputs[1]].sort());
  });
});

describe("gather as a native map kernel", () => {
  it("matches the reference for random dimension numbers, modes, dtypes and index values", () => {
    fc.assert(
      fc.property(windowCaseArb, fc.constantFrom(...dtypes), fc.integer({ min: 0, max: 1 << 20 }), fc.boolean(), (c, dtype, seed, withFill) => {
        const j = gatherJaxpr(c, dtype, withFill && dtype !== "bool" ? 3 : null);
        expect(noHostSteps(j)).toBe(true);
        checkJaxpr(j, inputsOf(j, c, seed), {}, `gather ${JSON.stringify(c)} ${dtype}`);
        if (dtype === "float32") {
          const fj = fused(j);
          const p = lowerJaxpr(fj);
          // sin, gather and exp in one kernel (indices are read from their input buffer), unless
          // the gather reads operand elements more than once (then sin is computed once, apart)
          const outSize = fj.outs[0]!.aval.size;
          expect(leafSteps(p.steps).length).toBe(outSize === 0 ? 0 : outSize > fj.invars[0]!.aval.size ? 2 : 1);
          checkJaxpr(fj, inputsOf(fj, c, seed), { rtol: 1e-5 }, `fused gather ${JSON.stringify(c)}`);
        }
      }),
      { numRuns: 120 },
    );
  });

  it("batching dims (operandBatchingDims / startIndicesBatchingDims)", () => {
    const p: Params<"gather"> = {
      dimensionNumbers: { offsetDims: [2], collapsedSliceDims: [1], startIndexMap: [1], operandBatchingDims: [0], startIndicesBatchingDims: [0] },
      sliceSizes: [1, 1, 3],
      mode: "clip",
      fillValue: null,
    };
    const j = primJaxpr("gather", [aval([3, 6, 4]), aval([3, 5, 1], "int32")], p);
    expect(noHostSteps(j)).toBe(true);
    checkJaxpr(j, [randomData("float32", 72, 1), indexData("int32", 15, 6, 2)], {}, "batched gather");
    checkJaxpr(primJaxpr("gather", [aval([3, 6, 4]), aval([3, 5, 1], "int32")], { ...p, mode: "fill" }), [randomData("float32", 72, 1), indexData("int32", 15, 6, 3)], {}, "batched gather, fill");
  });

  it("indices computed in the program are materialized, then read", () => {
    // take(x, (i * 3) % n): the index arithmetic is a kernel of its own; the gather fuses with exp
    const f = (x: A, i: A) => np.exp(np.take(x, np.remainder(np.multiply(i, 3), 7), 0));
    const x = np.arange(21, { dtype: "float32" }).reshape([7, 3]);
    const i = np.array([0, 1, 2, 5, 5, -1], { dtype: "int32" });
    const text = jit(f, { device: "wasm" }).lower(x, i).compile().asText();
    expect(text).not.toMatch(/host /);
    const got = jit(f, { device: "wasm" })(devicePut(x, "wasm"), devicePut(i, "wasm"));
    const want = f(devicePut(x, "cpu"), devicePut(i, "cpu"));
    expectClose(got.dataSync(), want.dataSync(), "float32", { rtol: 1e-6 }, "take");
  });
});

describe("dynamicSlice and dynamicUpdateSlice as native map kernels", () => {
  const caseArb = fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
    frac: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
    starts: fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 3, maxLength: 3 }),
    literal: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    dtype: fc.constantFrom(...dtypes),
    indexDtype: fc.constantFrom<"int32" | "uint32">("int32", "uint32"),
    seed: fc.integer({ min: 0, max: 1 << 20 }),
  });
  const build = (c: { shape: number[]; frac: number[]; starts: number[]; literal: boolean[]; dtype: DType; indexDtype: "int32" | "uint32"; seed: number }, update: boolean) => {
    const sizes = c.shape.map((n, d) => Math.round(c.frac[d]! * n));
    const starts = c.shape.map((_, d) => (c.indexDtype === "uint32" ? c.starts[d]! >>> 0 : c.starts[d]!));
    const ins: (ShapedArray | { literal: number; dtype: DType })[] = [aval(c.shape, c.dtype)];
    const data: AnyTypedArray[] = [randomData(c.dtype, ins[0] instanceof ShapedArray ? ins[0].size : 0, c.seed, { specials: true })];
    if (update) {
      ins.push(aval(sizes, c.dtype));
      data.push(randomData(c.dtype, sizes.reduce((a, b) => a * b, 1), c.seed + 1, { specials: true }));
    }
    starts.forEach((s, d) => {
      if (c.literal[d]) ins.push({ literal: s, dtype: c.indexDtype });
      else {
        ins.push(aval([], c.indexDtype));
        data.push(c.indexDtype === "int32" ? Int32Array.of(s) : Uint32Array.of(s));
      }
    });
    const j = update ? primJaxpr("dynamicUpdateSlice", ins, {}) : primJaxpr("dynamicSlice", ins, { sliceSizes: sizes });
    return { j, data };
  };
  it("dynamicSlice: start indices clamped as XLA does, literal or in buffers", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { j, data } = build(c, false);
        expect(noHostSteps(j)).toBe(true);
        checkJaxpr(j, data, {}, `dynamicSlice ${JSON.stringify(c)}`);
      }),
      { numRuns: 80 },
    );
  });
  it("dynamicUpdateSlice: the window lands at the clamped start, the rest is the operand", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { j, data } = build(c, true);
        expect(noHostSteps(j)).toBe(true);
        checkJaxpr(j, data, {}, `dynamicUpdateSlice ${JSON.stringify(c)}`);
      }),
      { numRuns: 80 },
    );
  });
});

describe("the scatter family as a copy and a sequential update kernel", () => {
  const prims = ["scatter", "scatterAdd", "scatterMul", "scatterMin", "scatterMax"] as const;
  it("matches the reference (duplicates combined in order, last write wins, fill drops)", () => {
    fc.assert(
      fc.property(windowCaseArb, fc.constantFrom(...prims), fc.constantFrom(...dtypes), fc.integer({ min: 0, max: 1 << 20 }), (c, prim, dtype, seed) => {
        const j = scatterJaxpr(prim, c, dtype);
        expect(noHostSteps(j)).toBe(true);
        checkJaxpr(j, inputsOf(j, c, seed), {}, `${prim} ${JSON.stringify(c)} ${dtype}`);
      }),
      { numRuns: 150 },
    );
  });

  it("scatterAdd sums every duplicate; scatter keeps the last write", () => {
    const p: Params<"scatterAdd"> = {
      dimensionNumbers: { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] },
      mode: "fill",
    };
    const idx = Int32Array.from([1, 1, 1, 3, 1, 9, -1]);
    const upd = Float32Array.from({ length: 14 }, (_, i) => i + 1);
    const x = new Float32Array(10);
    for (const prim of ["scatterAdd", "scatter"] as const) {
      const j = primJaxpr(prim, [aval([5, 2]), aval([7, 1], "int32"), aval([7, 2])], p);
      expect(noHostSteps(j)).toBe(true);
      checkJaxpr(j, [x, idx, upd], {}, prim);
    }
  });

  it("a large scatterAdd (above the parallel threshold) stays sequential and exact", () => {
    const n = 1 << 17;
    const p: Params<"scatterAdd"> = {
      dimensionNumbers: { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] },
      mode: "fill",
    };
    const j = primJaxpr("scatterAdd", [aval([16], "int32"), aval([n, 1], "int32"), aval([n], "int32")], p);
    const idx = Int32Array.from({ length: n }, (_, i) => (i * 7) % 16);
    checkJaxpr(j, [new Int32Array(16), idx, Int32Array.from({ length: n }, (_, i) => i % 5)], {}, "large scatterAdd");
  });

  it("renders to WGSL: gather as a parallel map, scatter as one sequential invocation", () => {
    const c: WindowCase = { operand: [6, 4], batch: [5], startIndexMap: [0], collapsed: [0], window: [1, 4], windowDims: [1], mode: "fill", indexDtype: "int32" };
    const g = lowerJaxpr(gatherJaxpr(c, "float32", null));
    const gk = leafSteps(g.steps)[0]!;
    if (gk.kind !== "map") throw new Error("expected a map kernel");
    expect(renderKernel(gk, g.buffers, { sharedMatmul: true, treeMaxOutputs: 16384 }).wgsl).toMatch(/clamp\(b\d+\[/);
    const s = lowerJaxpr(scatterJaxpr("scatterAdd", c, "float32"));
    const sk = leafSteps(s.steps).find((k) => k.kind === "map" && k.sequential)!;
    if (sk.kind !== "map") throw new Error("expected a map kernel");
    const r = renderKernel(sk, s.buffers, { sharedMatmul: true, treeMaxOutputs: 16384 });
    expect(r.groups).toEqual([1, 1, 1]);
    expect(r.wgsl).toMatch(/for \(var i0/);
  });
});

describe("under jit, inside scan bodies, through the public API", () => {
  it("take, dynamic slices, at[].set / .add in a scan body == cpu; no host step in the module", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1 << 20 }), (n, length, seed) => {
        const f = (c0: A, xs: A, idx: A) =>
          lax.scan(
            (c: A, x: A) => {
              const g = np.take(np.exp(np.multiply(c, 0.1)), idx, 0, { mode: "clip" });
              const s = lax.dynamicSlice(np.add(c, x), [np.argmax(x)], [1]);
              const u = lax.dynamicUpdateSlice(c, np.multiply(s, 2), [np.argmin(x)]);
              const added = u.at(idx).add(g);
              const set = added.at(np.flip(idx, 0)).set(np.multiply(g, 3)); // duplicates: the last write wins
              return [np.tanh(set), np.sum(g)];
            },
            c0,
            xs,
          );
        const r = rng(seed);
        const c0 = np.array(Float32Array.from({ length: n }, () => r() * 2 - 1));
        const xs = np.array(Float32Array.from({ length: length * n }, () => r() * 2 - 1)).reshape([length, n]);
        const idx = np.array(Int32Array.from({ length: n + 2 }, () => Math.floor(r() * (n + 4)) - 2), { dtype: "int32" });
        const text = jit(f, { device: "wasm" }).lower(c0, xs, idx).compile().asText();
        expect(text).not.toMatch(/host /);
        expect(text).not.toMatch(/\(import "env" "host"/);
        const got = jit(f, { device: "wasm" })(devicePut(c0, "wasm"), devicePut(xs, "wasm"), devicePut(idx, "wasm"));
        const want = f(devicePut(c0, "cpu"), devicePut(xs, "cpu"), devicePut(idx, "cpu"));
        for (let k = 0; k < 2; k++) {
          const a = got[k]!.dataSync();
          const b = want[k]!.dataSync();
          expect(a.length).toBe(b.length);
          for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!), `output ${k}[${i}]`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(b[i]!));
        }
      }),
      { numRuns: 20 },
    );
  });
});
