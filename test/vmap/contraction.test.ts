/**
 * vmap of gather/scatter (operand only, indices only or both batched; existing batching dims),
 * dotGeneral (either side or both batched, with existing batch dims), convGeneralDilated
 * (lhs/rhs/both batched, feature and batch groups, NCHW and NHWC/HWIO) and reduceWindow.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jvp, lax, makeJaxpr, numpy as np, vjp, vmap } from "../../src/index.js";
import { type Arr, type Kind, type Spec, permArb, range, shapeArb, vmapProperty } from "./helpers.js";

// --- gather ------------------------------------------------------------------------------------

type GatherDn = Parameters<typeof lax.gather>[2];
interface GatherCase {
  name: string;
  operand: number[];
  indices: number[];
  idxKind: Kind;
  dn: GatherDn;
  sliceSizes: number[];
}

const side = fc.integer({ min: 1, max: 3 });
const modeArb = fc.constantFrom("clip" as const, "fill" as const);

const gatherCases: fc.Arbitrary<GatherCase> = fc.oneof(
  // x[idx] along axis 0 of a matrix (like np.take)
  fc.tuple(side, side, side).map(([a, b, k]) => ({
    name: "take rows",
    operand: [a, b],
    indices: [k, 1],
    idxKind: { idx: [-1, a] } as Kind,
    dn: { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] },
    sliceSizes: [1, b],
  })),
  // windows of size [sa, sb] at 2-d starts
  fc.tuple(side, side, side).chain(([a, b, k]) =>
    fc.tuple(fc.integer({ min: 1, max: a }), fc.integer({ min: 1, max: b })).map(([sa, sb]) => ({
      name: "windows",
      operand: [a, b],
      indices: [k, 2],
      idxKind: { idx: [-1, Math.max(a, b)] } as Kind,
      dn: { offsetDims: [1, 2], collapsedSliceDims: [], startIndexMap: [0, 1] },
      sliceSizes: [sa, sb],
    })),
  ),
  // points x[i, j], index vector in reverse order
  fc.tuple(side, side, side, side).map(([a, b, k1, k2]) => ({
    name: "points",
    operand: [a, b],
    indices: [k1, k2, 2],
    idxKind: { idx: [-1, Math.max(a, b)] } as Kind,
    dn: { offsetDims: [], collapsedSliceDims: [0, 1], startIndexMap: [1, 0] },
    sliceSizes: [1, 1],
  })),
  // a gather that already has batching dims (take_along_axis style)
  fc.tuple(side, side, side, side).map(([bt, a, c, k]) => ({
    name: "with batching dims",
    operand: [bt, a, c],
    indices: [bt, k, 1],
    idxKind: { idx: [-1, a] } as Kind,
    dn: { offsetDims: [2], collapsedSliceDims: [1], startIndexMap: [1], operandBatchingDims: [0], startIndicesBatchingDims: [0] },
    sliceSizes: [1, 1, c],
  })),
  // a rank-1 index (just the index vector): a scalar out of a vector
  side.map((a) => ({
    name: "scalar",
    operand: [a],
    indices: [1],
    idxKind: { idx: [-1, a] } as Kind,
    dn: { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] },
    sliceSizes: [1],
  })),
);

describe("vmap of gather", () => {
  it("operand only, indices only, or both batched; clip and fill modes", () => {
    vmapProperty(
      fc.tuple(gatherCases, modeArb, fc.constantFrom<Kind>("f", "i32")).map(([c, mode, kind]): Spec => ({
        name: `gather ${c.name} ${mode}`,
        f: (x, i) => lax.gather(x, i, c.dn, c.sliceSizes, { mode }),
        args: [
          { shape: c.operand, kind },
          { shape: c.indices, kind: c.idxKind },
        ],
      })),
      50,
    );
  });

  it("fill mode with a fill value", () => {
    vmapProperty(
      gatherCases.map((c): Spec => ({
        name: `gather ${c.name} fill -5`,
        f: (x, i) => lax.gather(x, i, c.dn, c.sliceSizes, { mode: "fill", fillValue: -5 }),
        args: [
          { shape: c.operand, kind: "f" },
          { shape: c.indices, kind: c.idxKind },
        ],
      })),
      8,
    );
  });
});

// --- scatter -----------------------------------------------------------------------------------

type ScatterDn = Parameters<typeof lax.scatter>[3];
interface ScatterCase {
  name: string;
  operand: number[];
  indices: number[];
  updates: number[];
  idxKind: Kind;
  dn: ScatterDn;
}

const scatterCases: fc.Arbitrary<ScatterCase> = fc.oneof(
  fc.tuple(side, side, side).map(([a, b, k]) => ({
    name: "rows",
    operand: [a, b],
    indices: [k, 1],
    updates: [k, b],
    idxKind: { idx: [-1, a] } as Kind,
    dn: { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] },
  })),
  fc.tuple(side, side, side).map(([a, b, k]) => ({
    name: "points",
    operand: [a, b],
    indices: [k, 2],
    updates: [k],
    idxKind: { idx: [-1, Math.max(a, b)] } as Kind,
    dn: { updateWindowDims: [], insertedWindowDims: [0, 1], scatterDimsToOperandDims: [0, 1] },
  })),
  fc.tuple(side, side, side).chain(([a, b, k]) =>
    fc.tuple(fc.integer({ min: 1, max: a }), fc.integer({ min: 1, max: b })).map(([wa, wb]) => ({
      name: "windows",
      operand: [a, b],
      indices: [k, 2],
      updates: [k, wa, wb],
      idxKind: { idx: [-1, Math.max(a, b)] } as Kind,
      dn: { updateWindowDims: [1, 2], insertedWindowDims: [], scatterDimsToOperandDims: [0, 1] },
    })),
  ),
  fc.tuple(side, side, side).map(([bt, a, k]) => ({
    name: "with batching dims",
    operand: [bt, a],
    indices: [bt, k, 1],
    updates: [bt, k],
    idxKind: { idx: [-1, a] } as Kind,
    dn: { updateWindowDims: [], insertedWindowDims: [1], scatterDimsToOperandDims: [1], operandBatchingDims: [0], scatterIndicesBatchingDims: [0] },
  })),
);

describe("vmap of scatters", () => {
  it.each([
    ["scatter", lax.scatter],
    ["scatterAdd", lax.scatterAdd],
    ["scatterMul", lax.scatterMul],
    ["scatterMin", lax.scatterMin],
    ["scatterMax", lax.scatterMax],
  ] as const)("%s with any of operand, indices, updates batched", (name, op) => {
    vmapProperty(
      fc.tuple(scatterCases, modeArb).map(([c, mode]): Spec => ({
        name: `${name} ${c.name} ${mode}`,
        f: (x, i, u) => op(x, i, u, c.dn, { mode }),
        args: [
          { shape: c.operand, kind: "f" },
          { shape: c.indices, kind: c.idxKind },
          { shape: c.updates, kind: "f" },
        ],
      })),
      24,
    );
  });
});

// --- dotGeneral --------------------------------------------------------------------------------

interface DotCase {
  lhs: number[];
  rhs: number[];
  dn: lax.DotDimensionNumbers;
}

/** Random dot_general: batch, contracting and free dims of both sides in random orders. */
const dotCases: fc.Arbitrary<DotCase> = fc
  .tuple(
    fc.array(side, { maxLength: 2 }), // batch sizes
    fc.array(side, { maxLength: 2 }), // contracting sizes
    fc.array(side, { maxLength: 2 }), // lhs free
    fc.array(side, { maxLength: 2 }), // rhs free
  )
  .chain(([b, c, lf, rf]) =>
    fc.tuple(permArb(b.length + c.length + lf.length), permArb(b.length + c.length + rf.length)).map(([pl, pr]) => {
      const lLogical = [...b.map((s, i) => ["b", i, s] as const), ...c.map((s, i) => ["c", i, s] as const), ...lf.map((s, i) => ["f", i, s] as const)];
      const rLogical = [...b.map((s, i) => ["b", i, s] as const), ...c.map((s, i) => ["c", i, s] as const), ...rf.map((s, i) => ["f", i, s] as const)];
      const lDims = pl.map((p) => lLogical[p]!);
      const rDims = pr.map((p) => rLogical[p]!);
      const pos = (dims: typeof lDims, kind: string, i: number) => dims.findIndex(([k, j]) => k === kind && j === i);
      return {
        lhs: lDims.map(([, , s]) => s),
        rhs: rDims.map(([, , s]) => s),
        dn: [
          [c.map((_, i) => pos(lDims, "c", i)), c.map((_, i) => pos(rDims, "c", i))],
          [b.map((_, i) => pos(lDims, "b", i)), b.map((_, i) => pos(rDims, "b", i))],
        ] as lax.DotDimensionNumbers,
      };
    }),
  );

describe("vmap of dotGeneral", () => {
  it("lhs only, rhs only, or both batched, with and without existing batch dims", () => {
    vmapProperty(
      fc.tuple(dotCases, fc.constantFrom<Kind>("f", "i32")).map(([c, kind]): Spec => ({
        name: `dotGeneral ${JSON.stringify(c)}`,
        f: (x, y) => lax.dotGeneral(x, y, c.dn),
        args: [
          { shape: c.lhs, kind },
          { shape: c.rhs, kind },
        ],
      })),
      60,
    );
  });

  it("with preferredElementType", () => {
    vmapProperty(
      dotCases.map((c): Spec => ({
        name: "dotGeneral preferred f64",
        f: (x, y) => lax.dotGeneral(x, y, c.dn, { preferredElementType: "float64" }),
        args: [
          { shape: c.lhs, kind: "f32" },
          { shape: c.rhs, kind: "f32" },
        ],
        tol: { rtol: 1e-12 },
      })),
      4,
    );
  });

  it("makeJaxpr(vmap(matmul)) with both operands batched is one dot_general with a batch dimension", () => {
    const x = np.ones([5, 2, 3], { dtype: "float64" });
    const y = np.ones([5, 3, 4], { dtype: "float64" });
    const text = makeJaxpr(vmap((a: Arr, b: Arr) => np.matmul(a, b)))(x, y).toString();
    const eqns = text.split("\n").filter((l) => l.includes(" = "));
    expect(eqns, text).toHaveLength(1);
    expect(eqns[0], text).toMatch(/dot_general\[dimension_numbers=\(\(\(2,\), \(1,\)\), \(\(0,\), \(0,\)\)\)/);
    expect(text).not.toMatch(/concatenate|while|scan|slice/);
    // Batched at different axes: still one dot_general (transposes allowed), no loop.
    const text2 = makeJaxpr(vmap((a: Arr, b: Arr) => np.matmul(a, b), { inAxes: [1, 2] }))(np.ones([2, 5, 3], { dtype: "float64" }), np.ones([3, 4, 5], { dtype: "float64" })).toString();
    expect(text2.match(/dot_general/g), text2).toHaveLength(1);
    expect(text2).toMatch(/\(\(0,\), \(0,\)\)\)/);
    expect(text2).not.toMatch(/concatenate|slice/);
  });
});

// --- convolution -------------------------------------------------------------------------------

interface ConvCase {
  name: string;
  lhs: number[];
  rhs: number[];
  strides: number[];
  padding: "SAME" | "VALID" | [number, number][];
  lhsDilation: number[];
  rhsDilation: number[];
  dn: [string, string, string] | null;
  featureGroupCount: number;
  batchGroupCount: number;
}

const convCases: fc.Arbitrary<ConvCase> = fc
  .record({
    nsp: fc.integer({ min: 1, max: 2 }),
    layout: fc.constantFrom("NCHW", "NHWC"),
    groups: fc.constantFrom([1, 1], [2, 1], [1, 2], [3, 1]),
    batchPerGroup: fc.integer({ min: 1, max: 2 }),
    cPerGroup: fc.integer({ min: 1, max: 2 }),
    oPerGroup: fc.integer({ min: 1, max: 2 }),
  })
  .chain(({ nsp, layout, groups, batchPerGroup, cPerGroup, oPerGroup }) =>
    fc
      .record({
        spatial: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: nsp, maxLength: nsp }),
        kernel: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: nsp, maxLength: nsp }),
        strides: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: nsp, maxLength: nsp }),
        lhsDilation: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: nsp, maxLength: nsp }),
        rhsDilation: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: nsp, maxLength: nsp }),
        padding: fc.oneof(
          fc.constantFrom<"SAME" | "VALID">("SAME", "VALID"),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), { minLength: nsp, maxLength: nsp }),
        ),
      })
      .map((r): ConvCase => {
        const [G, B] = groups as [number, number];
        const N = batchPerGroup * B;
        const C = cPerGroup * G;
        const O = oPerGroup * G * B;
        const sp = nsp === 1 ? "H" : "HW";
        const nchw = layout === "NCHW";
        const lhs = nchw ? [N, C, ...r.spatial] : [N, ...r.spatial, C];
        const rhs = nchw ? [O, cPerGroup, ...r.kernel] : [...r.kernel, cPerGroup, O];
        const dn: [string, string, string] | null = nchw ? (nsp === 2 ? null : ["NC" + sp, "OI" + sp, "NC" + sp]) : ["N" + sp + "C", sp + "IO", "N" + sp + "C"];
        return {
          name: `${layout} groups ${G}/${B}`,
          lhs,
          rhs,
          strides: r.strides,
          padding: r.padding as ConvCase["padding"],
          lhsDilation: r.lhsDilation,
          rhsDilation: r.rhsDilation,
          dn,
          featureGroupCount: G,
          batchGroupCount: B,
        };
      }),
  );

describe("vmap of convGeneralDilated", () => {
  it("lhs only, rhs only, or both batched; feature and batch groups; NCHW and NHWC/HWIO", () => {
    vmapProperty(
      convCases.map((c): Spec => ({
        name: `conv ${JSON.stringify(c)}`,
        f: (l, r) =>
          lax.convGeneralDilated(l, r, c.strides, c.padding, {
            lhsDilation: c.lhsDilation,
            rhsDilation: c.rhsDilation,
            dimensionNumbers: c.dn,
            featureGroupCount: c.featureGroupCount,
            batchGroupCount: c.batchGroupCount,
          }),
        args: [
          { shape: c.lhs, kind: "f" },
          { shape: c.rhs, kind: "f" },
        ],
      })),
      60,
    );
  });

  it("jaxprs have no loop: one convolution for every batching pattern", () => {
    const lhs = np.ones([3, 2, 4, 5, 5], { dtype: "float64" }); // [n, N, C, H, W]
    const rhs = np.ones([3, 6, 2, 3, 3], { dtype: "float64" }); // [n, O, I, H, W]
    const conv = (g: number) => (l: Arr, r: Arr) => lax.convGeneralDilated(l, r, [1, 1], "SAME", { featureGroupCount: g });
    for (const g of [1, 2]) {
      const rg = g === 1 ? np.ones([3, 6, 4, 3, 3], { dtype: "float64" }) : rhs;
      for (const inAxes of [
        [0, null],
        [null, 0],
        [0, 0],
      ] as const) {
        const args = [inAxes[0] === null ? lhs.slice(0) : lhs, inAxes[1] === null ? rg.slice(0) : rg];
        const text = makeJaxpr(vmap(conv(g), { inAxes: [...inAxes] }))(args[0]!, args[1]!).toString();
        expect(text.match(/conv_general_dilated/g), text).toHaveLength(1);
        expect(text, text).not.toMatch(/concatenate/);
      }
    }
  });
});

// --- reduceWindow ------------------------------------------------------------------------------

describe("vmap of reduceWindow", () => {
  it.each([
    ["sum", lax.add],
    ["max", lax.max],
    ["min", lax.min],
  ] as const)("reduceWindow %s with strides, padding, dilations; a batched init value", (name, op) => {
    vmapProperty(
      shapeArb(1, 3, 4).chain((shape) =>
        fc
          .record({
            win: fc.tuple(...shape.map((d) => fc.integer({ min: 1, max: d }))),
            strides: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 2 }))),
            padding: fc.oneof(fc.constantFrom<"SAME" | "VALID">("SAME", "VALID"), fc.tuple(...shape.map(() => fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }))))),
            baseDilation: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 2 }))),
            windowDilation: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 2 }))),
          })
          .map((r): Spec => ({
            name: `reduceWindow ${name} ${JSON.stringify(r)}`,
            f: (x, init) =>
              lax.reduceWindow(x, init, op, r.win, r.strides, r.padding as "SAME", { baseDilation: r.baseDilation, windowDilation: r.windowDilation }),
            args: [
              { shape, kind: "f" },
              { shape: [], kind: "f" },
            ],
          })),
      ),
      10,
    );
  });
});

describe("vmap of max/min pooling's derivatives (selectAndScatterAdd, selectAndGatherAdd)", () => {
  it.each([
    ["max", lax.max, -Infinity],
    ["min", lax.min, Infinity],
  ] as const)("%s pooling: the vjp's cotangent routing and the jvp's tangent selection, operand and (co)tangent mapped or not", (name, op, init) => {
    vmapProperty(
      shapeArb(1, 3, 4).chain((shape) =>
        fc
          .record({
            win: fc.tuple(...shape.map((d) => fc.integer({ min: 1, max: d }))),
            strides: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 2 }))),
            windowDilation: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 2 }))),
            vjp: fc.boolean(),
          })
          .filter((r) => r.win.every((w, i) => (w - 1) * r.windowDilation[i]! + 1 <= shape[i]!))
          .map((r): Spec => {
            const pool = (x: Arr) => lax.reduceWindow(x, init, op, r.win, r.strides, "VALID", { windowDilation: r.windowDilation });
            const outShape = shape.map((d, i) => Math.floor((d - ((r.win[i]! - 1) * r.windowDilation[i]! + 1)) / r.strides[i]!) + 1);
            return {
              name: `${name} pooling ${r.vjp ? "vjp" : "jvp"} ${JSON.stringify(r)}`,
              f: r.vjp ? (x, ct) => (vjp(pool, [x])[1] as (c: Arr) => Arr[])(ct)[0]! : (x, t) => jvp(pool, [x], [t])[1] as Arr,
              args: [
                { shape, kind: "f" },
                { shape: r.vjp ? outShape : shape, kind: "f" },
              ],
            };
          }),
      ),
      10,
    );
  });
});

void range;
