/**
 * checkGrads (orders 1 and 2, forward and reverse, float64) of the contractions and windowed
 * reductions: dotGeneral (batch and contracting dims anywhere), convGeneralDilated (strides,
 * padding, lhs/rhs dilation, feature and batch groups, permuted and NHWC/HWIO layouts),
 * reduceWindowSum/Max/Min (strides, padding, base and window dilation), and numpy's
 * contractions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, jvp, lax, numpy as np } from "../../src/index.js";
import type { ConvDimensionNumbers } from "../../ir/primitives.js";
import { type Arr, arr, check, distinct, f64, flat, permutationOf, runs } from "./checkgrads.helpers.js";

const RUNS = 8;
const side = fc.integer({ min: 1, max: 3 });

// --- dotGeneral --------------------------------------------------------------------------

interface DotCase {
  lhsShape: number[];
  rhsShape: number[];
  dn: lax.DotDimensionNumbers;
}

/** Batch, contracting and free dims of random sizes, placed at random positions of each operand. */
const dotCase: fc.Arbitrary<DotCase> = fc
  .tuple(
    fc.array(side, { maxLength: 2 }),
    fc.array(side, { maxLength: 2 }),
    fc.array(side, { maxLength: 2 }),
    fc.array(side, { maxLength: 1 }),
  )
  .chain(([batch, contract, lhsFree, rhsFree]) =>
    fc
      .tuple(permutationOf(batch.length + contract.length + lhsFree.length), permutationOf(batch.length + contract.length + rhsFree.length))
      .map(([pl, pr]) => {
        // Logical dims: batch, then contracting, then free; pl[k] is where logical dim k goes.
        const lhsLogical = [...batch, ...contract, ...lhsFree];
        const rhsLogical = [...batch, ...contract, ...rhsFree];
        const lhsShape = new Array<number>(lhsLogical.length);
        const rhsShape = new Array<number>(rhsLogical.length);
        lhsLogical.forEach((d, k) => (lhsShape[pl[k]!] = d));
        rhsLogical.forEach((d, k) => (rhsShape[pr[k]!] = d));
        const nb = batch.length;
        const dn: lax.DotDimensionNumbers = [
          [contract.map((_, k) => pl[nb + k]!), contract.map((_, k) => pr[nb + k]!)],
          [batch.map((_, k) => pl[k]!), batch.map((_, k) => pr[k]!)],
        ];
        return { lhsShape, rhsShape, dn };
      }),
  );

describe("checkGrads: dotGeneral", () => {
  it("random batch and contracting dimensions", () => {
    const arb = dotCase.chain((c) => fc.tuple(fc.constant(c), arr(c.lhsShape), arr(c.rhsShape)));
    fc.assert(
      fc.property(arb, ([c, x, y]) => check((a: Arr, b: Arr) => lax.sin(lax.dotGeneral(lax.sin(a), b, c.dn)), [x, y])),
      { numRuns: runs(RUNS * 2) },
    );
  });

  it("preferredElementType wider than the operands (dotGeneral and conv): reverse mode casts back", () => {
    const x32 = np.array(Float32Array.from([1, 2, -3, 0.5, 0.25, -1]), { shape: [2, 3] });
    const y32 = np.array(Float32Array.from([0.5, 1, -1, 2, 1.5, -0.5]), { shape: [3, 2] });
    const dot = (p: lax.DotDimensionNumbers) => (a: Arr, b: Arr) => np.sum(np.sin(lax.dotGeneral(a, b, p, { preferredElementType: "float64" })));
    const conv1 = (a: Arr, b: Arr) =>
      np.sum(np.sin(lax.convGeneralDilated(a.reshape([1, 2, 3]), b.reshape([3, 2, 1]), [1], "SAME", { preferredElementType: "float64" })));
    for (const f of [dot([[[1], [0]], [[], []]]), conv1]) {
      const [gx, gy] = grad(f, { argnums: [0, 1] })(x32, y32) as [Arr, Arr];
      const [ex, ey] = grad(f, { argnums: [0, 1] })(x32.astype("float64"), y32.astype("float64")) as [Arr, Arr];
      expect([gx.dtype, gy.dtype]).toEqual(["float32", "float32"]);
      flat(gx).forEach((v, i) => expect(v).toBeCloseTo(flat(ex)[i]!, 5));
      flat(gy).forEach((v, i) => expect(v).toBeCloseTo(flat(ey)[i]!, 5));
    }
  });

  it("the same operand on both sides (x^T x)", () => {
    fc.assert(
      fc.property(arr([3, 2]), (x) =>
        check((a: Arr) => lax.dotGeneral(a, a, [[[0], [0]], [[], []]]), [x]),
      ),
      { numRuns: runs(3) },
    );
  });
});

// --- convGeneralDilated -------------------------------------------------------------------

interface ConvCase {
  lhsShape: number[];
  rhsShape: number[];
  strides: number[];
  padding: [number, number][];
  lhsDilation: number[];
  rhsDilation: number[];
  dn: ConvDimensionNumbers | readonly [string, string, string];
  featureGroupCount: number;
  batchGroupCount: number;
}

/** Lays out logical [batch/out-feature, feature/in-feature, ...spatial] sizes by a spec. */
function layout(logical: readonly number[], spec: readonly number[]): number[] {
  const shape = new Array<number>(logical.length);
  spec.forEach((d, k) => (shape[d] = logical[k]!));
  return shape;
}

const convCase = (opts: { nhwc?: boolean } = {}): fc.Arbitrary<ConvCase> =>
  fc
    .tuple(
      fc.integer({ min: 1, max: 2 }), // spatial rank
      fc.integer({ min: 1, max: 2 }), // groups
      fc.boolean(), // feature groups (else batch groups)
      fc.integer({ min: 1, max: 2 }), // batch per group
      fc.integer({ min: 1, max: 2 }), // in features per group
      fc.integer({ min: 1, max: 2 }), // out features per group
    )
    .chain(([nsp0, groups, featureGroups, n, ci, co]) => {
      const nsp = opts.nhwc ? 2 : nsp0;
      const G = featureGroups ? groups : 1;
      const B = featureGroups ? 1 : groups;
      const perSpatial = fc.tuple(
        fc.integer({ min: 1, max: 5 }), // input size
        fc.integer({ min: 1, max: 3 }), // kernel size
        fc.integer({ min: 1, max: 2 }), // stride
        fc.integer({ min: -1, max: 2 }), // pad lo
        fc.integer({ min: -1, max: 2 }), // pad hi
        fc.integer({ min: 1, max: 2 }), // lhs dilation
        fc.integer({ min: 1, max: 2 }), // rhs dilation
      );
      return fc
        .tuple(fc.tuple(...Array.from({ length: nsp }, () => perSpatial)), permutationOf(nsp + 2), permutationOf(nsp + 2), permutationOf(nsp + 2))
        .map(([sp, pl, pr, po]): ConvCase | null => {
          // Output size must be positive in every spatial dim.
          for (const [d, k, , lo, hi, ld, rd] of sp) {
            const padded = (d - 1) * ld + 1 + lo + hi;
            const win = (k - 1) * rd + 1;
            if (padded < win) return null;
          }
          const lhsLogical = [n * B, ci * G, ...sp.map(([d]) => d)];
          const rhsLogical = [co * G * B, ci, ...sp.map(([, k]) => k)];
          const dn: ConvCase["dn"] = opts.nhwc ? (["NHWC", "HWIO", "NHWC"] as const) : { lhsSpec: pl, rhsSpec: pr, outSpec: po };
          const lhsShape = opts.nhwc ? [lhsLogical[0]!, lhsLogical[2]!, lhsLogical[3]!, lhsLogical[1]!] : layout(lhsLogical, pl);
          const rhsShape = opts.nhwc ? [rhsLogical[2]!, rhsLogical[3]!, rhsLogical[1]!, rhsLogical[0]!] : layout(rhsLogical, pr);
          return {
            lhsShape,
            rhsShape,
            strides: sp.map(([, , s]) => s),
            padding: sp.map(([, , , lo, hi]) => [lo, hi]),
            lhsDilation: sp.map(([, , , , , ld]) => ld),
            rhsDilation: sp.map(([, , , , , , rd]) => rd),
            dn,
            featureGroupCount: G,
            batchGroupCount: B,
          };
        });
    })
    .filter((c): c is ConvCase => c !== null);

const conv = (c: ConvCase) => (a: Arr, b: Arr) =>
  lax.convGeneralDilated(a, b, c.strides, c.padding, {
    lhsDilation: c.lhsDilation,
    rhsDilation: c.rhsDilation,
    dimensionNumbers: c.dn,
    featureGroupCount: c.featureGroupCount,
    batchGroupCount: c.batchGroupCount,
  });

describe("checkGrads: convGeneralDilated", () => {
  it("strides, padding (negative too), lhs/rhs dilation, feature/batch groups, permuted layouts", () => {
    const arb = convCase().chain((c) => fc.tuple(fc.constant(c), arr(c.lhsShape), arr(c.rhsShape)));
    fc.assert(
      fc.property(arb, ([c, x, w]) => check((a: Arr, b: Arr) => lax.sin(conv(c)(lax.sin(a), b)), [x, w])),
      { numRuns: runs(RUNS * 3) },
    );
  });

  it("NHWC / HWIO / NHWC dimension numbers", () => {
    const arb = convCase({ nhwc: true }).chain((c) => fc.tuple(fc.constant(c), arr(c.lhsShape), arr(c.rhsShape)));
    fc.assert(
      fc.property(arb, ([c, x, w]) => check((a: Arr, b: Arr) => lax.sin(conv(c)(lax.sin(a), b)), [x, w])),
      { numRuns: runs(RUNS) },
    );
  });

  it("SAME padding with strides (as stax.Conv uses it)", () => {
    fc.assert(
      fc.property(arr([1, 5, 4, 2]), arr([3, 2, 2, 3]), (x, w) =>
        check((a: Arr, b: Arr) => lax.convGeneralDilated(a, b, [2, 1], "SAME", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }), [x, w]),
      ),
      { numRuns: runs(2) },
    );
  });
});

// --- reduceWindow ---------------------------------------------------------------------------

interface WindowCase {
  shape: number[];
  window: number[];
  strides: number[];
  padding: [number, number][];
  baseDilation: number[];
  windowDilation: number[];
}

const windowCase: fc.Arbitrary<WindowCase> = fc.integer({ min: 1, max: 2 }).chain((rank) =>
  fc
    .tuple(
      ...Array.from({ length: rank }, () =>
        fc.tuple(
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 0, max: 2 }),
          fc.integer({ min: 0, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
        ),
      ),
    )
    .filter((dims) => dims.every(([d, w, , lo, hi, bd, wd]) => (d - 1) * bd + 1 + lo + hi >= (w - 1) * wd + 1))
    .map((dims) => ({
      shape: dims.map(([d]) => d),
      window: dims.map(([, w]) => w),
      strides: dims.map(([, , s]) => s),
      padding: dims.map(([, , , lo, hi]) => [lo, hi] as [number, number]),
      baseDilation: dims.map(([, , , , , bd]) => bd),
      windowDilation: dims.map(([, , , , , , wd]) => wd),
    })),
);

const reduceWindow = (c: WindowCase, op: typeof lax.add, init: number) => (a: Arr) =>
  lax.reduceWindow(a, init, op, c.window, c.strides, c.padding, { baseDilation: c.baseDilation, windowDilation: c.windowDilation });

describe("checkGrads: reduceWindow", () => {
  it("max pooling ties: the first maximum in each window gets the gradient (JAX's values)", () => {
    // jax.grad(lambda x: sum(reduce_window(x, -inf, max, (3,), (1,), "VALID")))([1, 3, 3, 2, 3]) = [0, 2, 1, 0, 0]
    const f = (a: Arr) => lax.reduceWindow(a, -Infinity, lax.max, [3], [1], "VALID");
    const x = f64([1, 3, 3, 2, 3], [5]);
    expect(flat(grad((a: Arr) => np.sum(f(a)))(x))).toEqual([0, 2, 1, 0, 0]);
    const [, t] = jvp(f, [x], [f64([1, 10, 100, 1000, 10000], [5])]);
    expect(flat(t)).toEqual([10, 10, 100]);
    const g = (a: Arr) => lax.reduceWindow(a, Infinity, lax.min, [2, 2], [1, 1], "VALID");
    expect(flat(grad((a: Arr) => np.sum(g(a)))(f64([0, 0, 0, 0, 1, 0], [2, 3])))).toEqual([1, 1, 0, 0, 0, 0]);
    expect(flat(grad((a: Arr) => np.sum(g(a)))(f64([1, 0, 0, 0, 0, 0], [2, 3])))).toEqual([0, 2, 0, 0, 0, 0]);
  });

  it("reduceWindowSum with strides, padding, base and window dilation", () => {
    const arb = windowCase.chain((c) => fc.tuple(fc.constant(c), arr(c.shape)));
    fc.assert(
      fc.property(arb, ([c, x]) => check((a: Arr) => lax.sin(reduceWindow(c, lax.add, 0)(lax.sin(a))), [x])),
      { numRuns: runs(RUNS * 2) },
    );
  });

  it.each([
    ["reduceWindowMax", -Infinity],
    ["reduceWindowMin", Infinity],
  ] as const)("%s (distinct values; every window holds an element)", (name, init) => {
    const op = name === "reduceWindowMax" ? lax.max : lax.min;
    const arb = windowCase.chain((c) => fc.tuple(fc.constant(c), distinct(c.shape)));
    fc.assert(
      fc.property(arb, ([c, x]) => {
        // A window that sees only padding or dilation holes gives +-inf: no derivative there.
        fc.pre(flat(reduceWindow(c, op, init)(x)).every(Number.isFinite));
        check((a: Arr) => lax.sin(reduceWindow(c, op, init)(a)), [x]);
      }),
      { numRuns: runs(RUNS * 2) },
    );
  });
});

// --- numpy contractions ---------------------------------------------------------------------

describe("checkGrads: numpy contractions", () => {
  const m = (shape: number[]) => arr(shape, -1.5, 1.5);
  it.each([
    ["matmul", (a: Arr, b: Arr) => np.matmul(a, b), [2, 3], [3, 2]],
    ["matmul batched and broadcast", (a: Arr, b: Arr) => np.matmul(a, b), [2, 1, 2, 3], [3, 3, 2]],
    ["matmul vector @ matrix", (a: Arr, b: Arr) => np.matmul(a, b), [3], [2, 3, 2]],
    ["dot", (a: Arr, b: Arr) => np.dot(a, b), [2, 3], [3, 2]],
    ["dot n-d", (a: Arr, b: Arr) => np.dot(a, b), [2, 3], [2, 3, 2]],
    ["vdot", (a: Arr, b: Arr) => np.vdot(a, b), [2, 3], [3, 2]],
    ["inner", (a: Arr, b: Arr) => np.inner(a, b), [2, 3], [4, 3]],
    ["outer", (a: Arr, b: Arr) => np.outer(a, b), [2, 2], [3]],
    ["tensordot axes=1", (a: Arr, b: Arr) => np.tensordot(a, b, 1), [2, 3], [3, 2]],
    ["tensordot pairs", (a: Arr, b: Arr) => np.tensordot(a, b, [[0, 1], [1, 0]]), [2, 3], [3, 2]],
    ["einsum contraction", (a: Arr, b: Arr) => np.einsum("ij,jk->ki", a, b), [2, 3], [3, 2]],
    ["einsum batch", (a: Arr, b: Arr) => np.einsum("bij,bjk->bik", a, b), [2, 2, 3], [2, 3, 2]],
    ["einsum diagonal and trace", (a: Arr, b: Arr) => np.einsum("ii,jj->", a, b), [3, 3], [2, 2]],
    ["einsum ellipsis", (a: Arr, b: Arr) => np.einsum("...ij,...jk->...ik", a, b), [2, 1, 2, 3], [3, 3, 2]],
  ] as const)("np.%s", (_, f, sa, sb) => {
    fc.assert(
      fc.property(m([...sa]), m([...sb]), (x, y) => check((a: Arr, b: Arr) => np.sin(f(np.sin(a), b)), [x, y])),
      { numRuns: runs(2) },
    );
  });

  it("einsum of three operands", () => {
    fc.assert(
      fc.property(m([2, 3]), m([3, 3]), m([3, 2]), (x, y, z) => check((a: Arr, b: Arr, c: Arr) => np.einsum("ij,jk,kl->il", a, b, c), [x, y, z])),
      { numRuns: runs(2) },
    );
  });
});
