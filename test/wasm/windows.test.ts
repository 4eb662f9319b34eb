/**
 * Windowed kernels on wasm against the cpu reference: pooling (reduceWindowSum/Max/Min) as a
 * reduction over the window's variables, the gradient of max/min pooling (selectAndScatterAdd,
 * selectAndGatherAdd) and convolutions lowered as a matmul plus a col2im gather-sum, over
 * random shapes, windows, strides, padding, dilations and dtypes; and none of them is a host
 * step any more.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { Jaxpr, Var, eqn } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { aval, checkJaxpr, checkPrimitive, literal, primJaxpr, randomData } from "./helpers.js";
import { createWasmBackend } from "../../src/backends/wasm.js";

interface WindowCase {
  shape: number[];
  p: Params<"reduceWindowSum">;
}

/** Rank 1-3 operands, windows 1-3 wide, strides 1-3, padding -1..2, dilations 1-2 (some windows all padding). */
const windowCase: fc.Arbitrary<WindowCase> = fc.integer({ min: 1, max: 3 }).chain((rank) =>
  fc
    .tuple(
      ...Array.from({ length: rank }, () =>
        fc.tuple(
          fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: -1, max: 2 }),
          fc.integer({ min: -1, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
        ),
      ),
    )
    .map((dims) => ({
      shape: dims.map(([d]) => d),
      p: {
        windowDimensions: dims.map(([, w]) => w),
        windowStrides: dims.map(([, , s]) => s),
        padding: dims.map(([, , , lo, hi]) => [lo, hi] as const),
        baseDilation: dims.map(([, , , , , bd]) => bd),
        windowDilation: dims.map(([, , , , , , wd]) => wd),
      },
    })),
);

/** Values with many ties (small integers) and, for floats, the odd infinity or NaN. */
function tiedData(dtype: DType, size: number, seed: number) {
  const d = randomData(dtype, size, seed, { range: 3 });
  const specials = [Infinity, -Infinity, NaN];
  for (let i = 0; i < size; i++) {
    d[i] = Math.round(d[i]!);
    if (dtype !== "int32" && (i * 7 + seed) % 23 === 0) d[i] = specials[(i + seed) % 3]!;
  }
  return d;
}

const hostPrims = (j: Jaxpr) =>
  leafSteps(lowerJaxpr(j).steps)
    .filter((s) => s.kind === "host")
    .map((s) => (s.kind === "host" ? s.eqn.primitive : ""));

describe("pooling kernels (reduceWindowSum/Max/Min) == cpu", () => {
  it.each(["float32", "float64", "int32"] as const)("%s: any window, stride, padding and dilation; eager and fused with producer and consumer", (dtype) => {
    fc.assert(
      fc.property(windowCase, fc.nat(1000), fc.constantFrom("reduceWindowSum", "reduceWindowMax", "reduceWindowMin"), (c, seed, prim) => {
        const x = { aval: aval(c.shape, dtype), data: tiedData(dtype, c.shape.reduce((a, b) => a * b, 1), seed) };
        checkPrimitive(prim, [x], c.p, { rtol: 1e-5, atol: 1e-5 });
        // relu -> pool -> *2 under jit: one kernel with the producer in its loads and the consumer as its epilogue.
        const xv = new Var(aval(c.shape, dtype));
        const relu = new Var(aval(c.shape, dtype));
        const pooled = primJaxpr(prim, [aval(c.shape, dtype)], c.p).outs[0]!.aval;
        const pv = new Var(pooled);
        const out = new Var(pooled);
        const j = new Jaxpr(
          [],
          [xv],
          [eqn("max", [xv, literal(0, dtype)], {}, [relu]), eqn(prim, [relu], c.p, [pv]), eqn("mul", [pv, literal(2, dtype)], {}, [out])],
          [out],
        );
        checkJaxpr(j, [x.data], { rtol: 1e-5, atol: 1e-5 }, `${prim} ${JSON.stringify(c)}`);
        expect(hostPrims(j)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});

describe("max/min pooling gradient kernels (selectAndScatterAdd, selectAndGatherAdd) == cpu", () => {
  it.each(["float32", "float64"] as const)("%s: ties, infinities and NaN; any geometry", (dtype) => {
    fc.assert(
      fc.property(windowCase, fc.nat(1000), fc.constantFrom("max", "min") as fc.Arbitrary<"max" | "min">, (c, seed, select) => {
        const p = { ...c.p, select };
        const size = c.shape.reduce((a, b) => a * b, 1);
        const x = { aval: aval(c.shape, dtype), data: tiedData(dtype, size, seed) };
        const outShape = primJaxpr("reduceWindowMax", [x.aval], c.p).outs[0]!.aval.shape;
        const outSize = outShape.reduce((a, b) => a * b, 1);
        const source = { aval: aval(outShape, dtype), data: randomData(dtype, outSize, seed + 1) };
        const tangents = { aval: aval(c.shape, dtype), data: randomData(dtype, size, seed + 2) };
        checkPrimitive("selectAndScatterAdd", [source, x], p, { rtol: 1e-5, atol: 1e-5 });
        checkPrimitive("selectAndGatherAdd", [tangents, x], p);
        for (const prim of ["selectAndScatterAdd", "selectAndGatherAdd"] as const) {
          const first = prim === "selectAndScatterAdd" ? source : tangents;
          const j = primJaxpr(prim, [first.aval, x.aval], p);
          checkJaxpr(j, [first.data, x.data], { rtol: 1e-5, atol: 1e-5 }, `${prim} ${JSON.stringify(p)}`);
          expect(hostPrims(j)).toEqual([]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("windows with gaps between them (window < stride): elements in no window get nothing", () => {
    // Element (0, 2) lies in no window; its position inside the window grid, (0, 2), would
    // flatten to the same tap as (1, 0) if it were not ruled out.
    for (let seed = 0; seed < 8; seed++)
      for (const select of ["max", "min"] as const) {
        const p: Params<"selectAndScatterAdd"> = { windowDimensions: [2, 2], windowStrides: [3, 3], padding: [[0, 1], [1, 0]], baseDilation: [1, 1], windowDilation: [1, 1], select };
        const j = primJaxpr("selectAndScatterAdd", [aval([2, 2], "float32"), aval([6, 6], "float32")], p);
        checkJaxpr(j, [randomData("float32", 4, seed), randomData("float32", 36, seed + 100)], {}, `seed ${seed} ${select}`);
      }
  });

  it("routes each window's cotangent to its first maximum (a hand-checked case)", () => {
    // Windows of 3 over [1, 3, 3, 2, 3]: [1,3,3] -> index 1, [3,3,2] -> index 1, [3,2,3] -> index 2.
    const p: Params<"selectAndScatterAdd"> = { windowDimensions: [3], windowStrides: [1], padding: [[0, 0]], baseDilation: [1], windowDilation: [1], select: "max" };
    const j = primJaxpr("selectAndScatterAdd", [aval([3], "float32"), aval([5], "float32")], p);
    checkJaxpr(j, [new Float32Array([10, 20, 40]), new Float32Array([1, 3, 3, 2, 3])]);
    const prog = lowerJaxpr(j);
    expect(leafSteps(prog.steps).map((s) => s.kind)).toEqual(["map", "map"]);
  });
});

interface ConvCase {
  lhs: number[];
  rhs: number[];
  p: Params<"convGeneralDilated">;
}

/** NHWC x HWIO convolutions, 1-2 spatial dims, with padding up to the kernel's size (as input gradients have), dilations and strides. */
const convCase: fc.Arbitrary<ConvCase> = fc
  .record({
    nsp: fc.integer({ min: 1, max: 2 }),
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 5 }),
    o: fc.integer({ min: 1, max: 9 }),
    dims: fc.array(
      fc.record({
        size: fc.integer({ min: 1, max: 8 }),
        k: fc.integer({ min: 1, max: 4 }),
        stride: fc.integer({ min: 1, max: 2 }),
        ld: fc.integer({ min: 1, max: 2 }),
        rd: fc.integer({ min: 1, max: 2 }),
        lo: fc.integer({ min: 0, max: 4 }),
        hi: fc.integer({ min: 0, max: 4 }),
      }),
      { minLength: 2, maxLength: 2 },
    ),
  })
  .map(({ nsp, n, c, o, dims }) => {
    const ds = dims.slice(0, nsp);
    const sp = nsp + 2;
    return {
      lhs: [n, ...ds.map((d) => d.size), c],
      rhs: [...ds.map((d) => d.k), c, o],
      p: {
        windowStrides: ds.map((d) => d.stride),
        padding: ds.map((d) => [d.lo, d.hi] as const),
        lhsDilation: ds.map((d) => d.ld),
        rhsDilation: ds.map((d) => d.rd),
        dimensionNumbers: {
          lhsSpec: [0, sp - 1, ...ds.map((_, i) => i + 1)],
          rhsSpec: [sp - 1, sp - 2, ...ds.map((_, i) => i)],
          outSpec: [0, sp - 1, ...ds.map((_, i) => i + 1)],
        },
        featureGroupCount: 1,
        batchGroupCount: 1,
        preferredElementType: null,
      },
    };
  })
  .filter((c) => c.lhs.slice(1, -1).every((s, i) => (s - 1) * c.p.lhsDilation[i]! + 1 + c.p.padding[i]![0] + c.p.padding[i]![1] >= (c.rhs[i]! - 1) * c.p.rhsDilation[i]! + 1));

// The wasm backend runs most float32 convolutions as direct kernels (test/wasm/directConv.test.ts);
// these tests run the im2col and col2im lowerings they check, on a backend without them.
const im2colBackend = await createWasmBackend({ eagerHostMaxElements: 0, directConv: false });

describe("convolutions (im2col or matmul + col2im) == cpu", () => {
  it("random geometries under jit", () => {
    let col2im = 0;
    fc.assert(
      fc.property(convCase, fc.nat(1000), (c, seed) => {
        const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
        const j = primJaxpr("convGeneralDilated", [aval(c.lhs), aval(c.rhs)], c.p);
        const prog = lowerJaxpr(j, { matmulMinFlops: 0 });
        if (leafSteps(prog.steps).some((s) => s.name.endsWith("_col2im"))) col2im++;
        checkJaxpr(j, [randomData("float32", size(c.lhs), seed), randomData("float32", size(c.rhs), seed + 1)], { rtol: 1e-4, atol: 1e-4 }, JSON.stringify(c), im2colBackend);
      }),
      { numRuns: 80 },
    );
    // The property covers both lowerings (padding as large as the kernel makes col2im the cheaper one).
    expect(col2im).toBeGreaterThan(0);
  });

  it("the input gradient of LeNet's second convolution takes the col2im path, and matches", () => {
    const lhs = [4, 8, 8, 16];
    const rhs = [5, 5, 16, 6];
    const p: Params<"convGeneralDilated"> = {
      windowStrides: [1, 1],
      padding: [
        [4, 4],
        [4, 4],
      ],
      lhsDilation: [1, 1],
      rhsDilation: [1, 1],
      dimensionNumbers: { lhsSpec: [0, 3, 1, 2], rhsSpec: [3, 2, 0, 1], outSpec: [0, 3, 1, 2] },
      featureGroupCount: 1,
      batchGroupCount: 1,
      preferredElementType: null,
    };
    const j = primJaxpr("convGeneralDilated", [aval(lhs), aval(rhs)], p);
    expect(leafSteps(lowerJaxpr(j).steps).map((s) => s.name.replace(/^k\d+_/, ""))).toContain("convGeneralDilated_col2im");
    checkJaxpr(j, [randomData("float32", 4 * 64 * 16, 1), randomData("float32", 25 * 16 * 6, 2)], { rtol: 1e-4, atol: 1e-4 }, "", im2colBackend);
  });
});

