/**
 * Every primitive on the wasm backend (eager path: a cached one-equation program) against the
 * cpu reference, over dtypes, odd sizes and special values.
 */
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { type Params, binaryKinds, comparisonKinds, dtypeHasKind, unaryKinds } from "../../ir/primitives.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import { aval, checkJaxpr, checkPrimitive, primJaxpr, randomData } from "./helpers.js";

const allDtypes: DType[] = ["float32", "float64", "int32", "uint32", "bool"];
const shapes = [[], [1], [7], [3, 5], [2, 3, 4], [0, 3]];

/** Inputs of the elementwise families: specials included, for each shape. */
function elementwiseCases(dtype: DType, arity: number) {
  return shapes.map((shape, s) =>
    Array.from({ length: arity }, (_, k) => ({ aval: aval(shape, dtype), data: randomData(dtype, aval(shape).size, 100 * s + k + 1, { specials: true }) })),
  );
}

/** Transcendentals: a few ulp of Math's double result (polynomials on f32). */
const tolFor = (_p: string, d: DType) => (d === "float32" ? { rtol: 4e-6, atol: 2e-7 } : {});

describe("elementwise primitives", () => {
  for (const [p, kind] of Object.entries(unaryKinds)) {
    it(`${p}`, () => {
      for (const d of allDtypes) {
        if (!dtypeHasKind(d, kind)) continue;
        for (const ins of elementwiseCases(d, 1)) checkPrimitive(p as keyof typeof unaryKinds, ins, {}, tolFor(p, d));
      }
    });
  }
  for (const [p, kind] of Object.entries(binaryKinds)) {
    it(`${p}`, () => {
      for (const d of allDtypes) {
        if (!dtypeHasKind(d, kind)) continue;
        for (const ins of elementwiseCases(d, 2)) checkPrimitive(p as keyof typeof binaryKinds, ins, {}, tolFor(p, d));
        // rank-0 operand broadcasting, both sides
        const x = { aval: aval([5], d), data: randomData(d, 5, 7, { specials: true }) };
        const s = { aval: aval([], d), data: randomData(d, 1, 8) };
        checkPrimitive(p as keyof typeof binaryKinds, [x, s], {});
        checkPrimitive(p as keyof typeof binaryKinds, [s, x], {});
      }
    });
  }
  it("comparisons", () => {
    for (const p of Object.keys(comparisonKinds) as (keyof typeof comparisonKinds)[])
      for (const d of allDtypes) for (const ins of elementwiseCases(d, 2)) checkPrimitive(p, ins, {});
  });
  it("round, integerPow, selectN, clamp", () => {
    for (const d of ["float32", "float64"] as DType[]) {
      for (const ins of elementwiseCases(d, 1)) {
        checkPrimitive("round", ins, { roundingMethod: "awayFromZero" });
        checkPrimitive("round", ins, { roundingMethod: "toNearestEven" });
      }
    }
    for (const d of ["float32", "float64", "int32", "uint32"] as DType[])
      for (const y of [0, 1, 2, 3, 5, 8, -1, -3])
        for (const ins of elementwiseCases(d, 1)) if (y >= 0 || d === "float32" || d === "float64") checkPrimitive("integerPow", ins, { y });
    for (const d of allDtypes) {
      for (const shape of [[], [9], [2, 5]]) {
        const n = aval(shape).size;
        const cases = [0, 1, 2].map((k) => ({ aval: aval(shape, d), data: randomData(d, n, 30 + k) }));
        checkPrimitive("selectN", [{ aval: aval(shape, "bool"), data: randomData("bool", n, 3) }, cases[0]!, cases[1]!], {});
        const which = { aval: aval(shape, "int32"), data: randomData("int32", n, 4).map((v) => (v % 4) - 1) as Int32Array };
        checkPrimitive("selectN", [which, ...cases], {});
        checkPrimitive("clamp", [cases[0]!, cases[1]!, cases[2]!], {});
      }
      const x = { aval: aval([6], d), data: randomData(d, 6, 5, { specials: true }) };
      const lo = { aval: aval([], d), data: randomData(d, 1, 6) };
      checkPrimitive("clamp", [lo, x, lo], {});
    }
  });
  it("convertElementType between every pair of dtypes, and bitcasts", () => {
    for (const from of allDtypes)
      for (const to of allDtypes)
        for (const ins of elementwiseCases(from, 1)) checkPrimitive("convertElementType", ins, { newDtype: to, weakType: false });
    for (const [from, to] of [
      ["float32", "int32"],
      ["float32", "uint32"],
      ["int32", "float32"],
      ["uint32", "float32"],
      ["int32", "uint32"],
    ] as [DType, DType][])
      for (const ins of elementwiseCases(from, 1)) checkPrimitive("bitcastConvertType", ins, { newDtype: to });
  });
  it("iota, copy, stopGradient", () => {
    for (const d of allDtypes)
      for (const shape of [[5], [3, 4], [2, 3, 5]]) for (let dim = 0; dim < shape.length; dim++) checkPrimitive("iota", [], { dtype: d, shape, dimension: dim });
    for (const ins of elementwiseCases("float32", 1)) {
      checkPrimitive("copy", ins, {});
      checkPrimitive("stopGradient", ins, {});
    }
  });
});

describe("reductions", () => {
  const reduceShapes: [number[], number[][]][] = [
    [[7], [[0], []]],
    [[3, 5], [[0], [1], [0, 1]]],
    [[2, 3, 9], [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]],
    [[4, 0], [[1], [0]]],
    [[13, 17], [[1], [0]]],
  ];
  const prims = ["reduceSum", "reduceProd", "reduceMax", "reduceMin", "reduceAnd", "reduceOr"] as const;
  it("reduce* over axes and dtypes", () => {
    for (const p of prims)
      for (const d of allDtypes) {
        if ((p === "reduceAnd" || p === "reduceOr") && (d === "float32" || d === "float64")) continue;
        for (const [shape, axesList] of reduceShapes)
          for (const axes of axesList) {
            const x = { aval: aval(shape, d), data: randomData(d, aval(shape).size, shape.length * 7 + axes.length, { specials: p !== "reduceSum", range: p === "reduceProd" ? 1.5 : 4 }) };
            checkPrimitive(p, [x], { axes }, { rtol: 1e-5, atol: 1e-5 });
          }
      }
  });
  it("argmax and argmin, ties and NaNs", () => {
    for (const d of allDtypes)
      for (const [shape, axesList] of reduceShapes.slice(0, 3))
        for (const axes of axesList) {
          if (axes.length !== 1) continue;
          const data = randomData(d, aval(shape).size, 77, { specials: true });
          for (const p of ["argmax", "argmin"] as const)
            for (const indexDtype of ["int32", "uint32"] as DType[])
              checkPrimitive(p, [{ aval: aval(shape, d), data }], { axes: axes as [number], indexDtype });
        }
  });
});

describe("structural primitives (views)", () => {
  const x234 = { aval: aval([2, 3, 4]), data: randomData("float32", 24, 1) };
  it("broadcastInDim, reshape, transpose, squeeze, rev", () => {
    checkPrimitive("broadcastInDim", [{ aval: aval([3]), data: randomData("float32", 3, 2) }], { shape: [2, 3, 5], broadcastDimensions: [1] });
    checkPrimitive("broadcastInDim", [{ aval: aval([3, 1]), data: randomData("float32", 3, 2) }], { shape: [3, 6], broadcastDimensions: [0, 1] });
    checkPrimitive("broadcastInDim", [{ aval: aval([]), data: randomData("float32", 1, 2) }], { shape: [2, 2], broadcastDimensions: [] });
    checkPrimitive("reshape", [x234], { newSizes: [4, 6] });
    checkPrimitive("reshape", [x234], { newSizes: [24] });
    checkPrimitive("reshape", [x234], { newSizes: [2, 2, 2, 3] });
    for (const permutation of [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]]) checkPrimitive("transpose", [x234], { permutation });
    checkPrimitive("squeeze", [{ aval: aval([3, 1, 2, 1]), data: randomData("float32", 6, 3) }], { dimensions: [1, 3] });
    checkPrimitive("rev", [x234], { dimensions: [0, 2] });
    checkPrimitive("rev", [{ aval: aval([5], "bool"), data: randomData("bool", 5, 3) }], { dimensions: [0] });
  });
  it("slice (with strides), pad (negative and interior), concatenate", () => {
    checkPrimitive("slice", [x234], { startIndices: [0, 1, 1], limitIndices: [2, 3, 4], strides: null });
    checkPrimitive("slice", [x234], { startIndices: [1, 0, 0], limitIndices: [2, 3, 4], strides: [1, 2, 3] });
    const v = { aval: aval([]), data: new Float32Array([-7]) };
    checkPrimitive("pad", [x234, v], { paddingConfig: [[1, 0, 0], [0, 2, 1], [-1, 1, 2]] });
    checkPrimitive("pad", [{ aval: aval([5], "int32"), data: randomData("int32", 5, 2) }, { aval: aval([], "int32"), data: new Int32Array([9]) }], {
      paddingConfig: [[-2, -1, 0]],
    });
    checkPrimitive("pad", [{ aval: aval([0]), data: new Float32Array(0) }, v], { paddingConfig: [[2, 1, 3]] });
    const y = { aval: aval([2, 5, 4]), data: randomData("float32", 40, 3) };
    const z = { aval: aval([2, 0, 4]), data: new Float32Array(0) };
    checkPrimitive("concatenate", [x234, z, y, x234], { dimension: 1 });
    checkPrimitive("concatenate", [x234, x234], { dimension: 2 });
  });
});

describe("host steps (reference implementations on wasm memory)", () => {
  it("cumulative ops, sort, dynamic slices, gather/scatter, threefry, windows, conv, dotGeneral", () => {
    const x = { aval: aval([3, 5]), data: randomData("float32", 15, 9) };
    for (const p of ["cumsum", "cumprod", "cummax", "cummin"] as const) {
      checkPrimitive(p, [x], { axis: 1, reverse: false }, { rtol: 1e-5 });
      checkPrimitive(p, [x], { axis: 0, reverse: true }, { rtol: 1e-5 });
    }
    checkPrimitive("sort", [x, { aval: aval([3, 5], "int32"), data: randomData("int32", 15, 2) }], { dimension: 1, isStable: true, numKeys: 1 });
    const i32 = (v: number) => ({ aval: aval([], "int32"), data: new Int32Array([v]) });
    checkPrimitive("dynamicSlice", [x, i32(1), i32(3)], { sliceSizes: [2, 3] });
    checkPrimitive("dynamicUpdateSlice", [x, { aval: aval([2, 2]), data: randomData("float32", 4, 1) }, i32(2), i32(-1)], {});
    const idx = { aval: aval([4, 1], "int32"), data: new Int32Array([2, 0, 1, 2]) };
    const gp: Params<"gather"> = {
      dimensionNumbers: { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0], operandBatchingDims: [], startIndicesBatchingDims: [] },
      sliceSizes: [1, 5],
      mode: "clip",
      fillValue: null,
    };
    checkPrimitive("gather", [x, idx], gp);
    const sp: Params<"scatterAdd"> = {
      dimensionNumbers: { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0], operandBatchingDims: [], scatterIndicesBatchingDims: [] },
      mode: "fill",
    };
    checkPrimitive("scatterAdd", [x, idx, { aval: aval([4, 5]), data: randomData("float32", 20, 4) }], sp);
    const u = (n: number, s: number) => ({ aval: aval([n], "uint32"), data: randomData("uint32", n, s) });
    checkPrimitive("threefry2x32", [u(6, 1), u(6, 2), u(6, 3), u(6, 4)], {});
    checkPrimitive("reduceWindowMax", [x], { windowDimensions: [2, 2], windowStrides: [1, 2], padding: [[0, 1], [1, 0]], baseDilation: [1, 1], windowDilation: [1, 1] });
    const img = { aval: aval([1, 5, 5, 2]), data: randomData("float32", 50, 5) };
    const ker = { aval: aval([3, 3, 2, 4]), data: randomData("float32", 72, 6) };
    checkPrimitive(
      "convGeneralDilated",
      [img, ker],
      {
        windowStrides: [1, 1],
        padding: [[1, 1], [1, 1]],
        lhsDilation: [1, 1],
        rhsDilation: [1, 1],
        dimensionNumbers: { lhsSpec: [0, 3, 1, 2], rhsSpec: [3, 2, 0, 1], outSpec: [0, 3, 1, 2] },
        featureGroupCount: 1,
        batchGroupCount: 1,
        preferredElementType: null,
      },
      { rtol: 1e-5, atol: 1e-5 },
    );
  });
  it("dotGeneral: reduce-style for every dtype and batch/contract layouts", () => {
    for (const d of allDtypes) {
      const a = { aval: aval([2, 3, 4], d), data: randomData(d, 24, 1) };
      const b = { aval: aval([2, 4, 5], d), data: randomData(d, 40, 2) };
      checkPrimitive("dotGeneral", [a, b], { dimensionNumbers: [[[2], [1]], [[0], [0]]], preferredElementType: null }, { rtol: 1e-5, atol: 1e-5 });
      const c = { aval: aval([4, 3], d), data: randomData(d, 12, 3) };
      checkPrimitive("dotGeneral", [a, c], { dimensionNumbers: [[[2, 1], [0, 1]], [[], []]], preferredElementType: null }, { rtol: 1e-5, atol: 1e-5 });
    }
    const a = { aval: aval([3, 4], "int32"), data: randomData("int32", 12, 1) };
    checkPrimitive("dotGeneral", [a, a], { dimensionNumbers: [[[1], [1]], [[], []]], preferredElementType: "float32" });
  });
});

describe("native kernels for former host steps", () => {
  it("threefry2x32 is bit-exact, with scalar keys and vector counts, through the vector path and its tail", () => {
    const u = (shape: number[], seed: number) => ({ aval: aval(shape, "uint32"), data: randomData("uint32", aval(shape).size, seed, { specials: true }) });
    for (const n of [1, 4, 7, 37]) {
      checkPrimitive("threefry2x32", [u([], 1), u([], 2), u([n], 3), u([n], 4)], {});
      checkPrimitive("threefry2x32", [u([n], 5), u([n], 6), u([n], 7), u([], 8)], {});
    }
  });
  it("shifts by literal amounts (0, 31, 32 and more) match the reference in vector code", () => {
    for (const d of ["int32", "uint32"] as const)
      for (const p of ["shiftLeft", "shiftRightLogical", "shiftRightArithmetic"] as const)
        for (const amount of [0, 1, 7, 31, 32, 40]) {
          const j = primJaxpr(p, [aval([9], d), { literal: amount, dtype: d }], {});
          checkJaxpr(j, [randomData(d, 9, amount + 1, { specials: true })], {}, `${p} ${d} by ${amount}`);
        }
  });
});

describe("eager programs", () => {
  it("elementwise primitives compile once per dtype pattern, whatever the shape", async () => {
    const backend = await createWasmBackend({ eagerHostMaxElements: 0 });
    for (const shape of [[3], [5, 7], [2, 3, 4], [1001], [1, 1]]) {
      const n = aval(shape).size;
      const x = { aval: aval(shape), data: randomData("float32", n, n) };
      const s = { aval: aval([]), data: new Float32Array([2.5]) };
      checkPrimitive("atan2", [x, x], {}, {}, backend);
      checkPrimitive("atan2", [x, s], {}, {}, backend);
    }
    expect(backend.stats.compiles).toBe(2);
  });
  it("by default, tiny non-elementwise eager ops run the reference on wasm memory instead of compiling", async () => {
    const backend = await createWasmBackend();
    const x = { aval: aval([3, 5]), data: randomData("float32", 15, 1) };
    checkPrimitive("reduceSum", [x], { axes: [1] }, {}, backend);
    checkPrimitive("transpose", [x], { permutation: [1, 0] }, {}, backend);
    expect(backend.stats.hostOps).toBe(2);
    expect(backend.stats.compiles).toBe(0);
    const big = { aval: aval([64, 64]), data: randomData("float32", 4096, 2) };
    checkPrimitive("reduceSum", [big], { axes: [1] }, { rtol: 1e-5, atol: 1e-5 }, backend);
    expect(backend.stats.compiles).toBe(1);
  });
});
