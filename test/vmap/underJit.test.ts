/**
 * Every golden case of test/vmap/golden.test.ts again, under jit, against the same JAX values
 * (test/golden/vmap.json) and tolerances:
 *
 * - "jit of the transform": the whole case runs as one `jit((...inputs) => case(...inputs))`;
 * - "transform of jit": every function handed to a transform (vmap, jacfwd, jacrev, hessian,
 *   grad, jvp) is jitted first, so the innermost user function is a jit call that the outer
 *   transforms go through (`vmap(jacfwd(f))` becomes `vmap(jit(jacfwd(jit(f))))`).
 *
 * The registry is goldenCases.ts's `makeCases(T)`, shared with golden.test.ts, which takes the
 * transforms as a parameter. Plus a sample of the vmap-vs-loop properties on jitted functions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  grad as grad0,
  jit,
  jvp as jvp0,
  lax,
  makeJaxpr,
  numpy as np,
  vmap as vmap0,
} from "../../src/index.js";
import {
  type Arr,
  type AxisSpec,
  type Drawn,
  type Kind,
  type Spec,
  RUNS_SCALE,
  chooser,
  drawn,
  expectTreeClose,
  mapWithAxes,
  perExample,
  permArb,
  shapeArb,
  stackOuts,
  subsetArb,
} from "./helpers.js";

import { type GoldenCase, compareTree, decodeInput } from "../goldenTree.js";
import { type A, type Fn, golden, makeCases, ofJit, plain } from "./goldenCases.js";

// --- golden comparison under jit ----------------------------------------------------------------

const plainCases = makeCases(plain);
const jitCases = makeCases(ofJit);

/** The whole case, transforms included, as one jitted function of its inputs. */
const jitOfCase = (name: string) => {
  const fn = plainCases[name]!;
  return jit((...xs: A[]) => fn(...xs));
};

function compareCase(name: string, c: GoldenCase, got: unknown): void {
  const errs: string[] = [];
  compareTree(got, c.out, c.rtol, c.atol, name, errs);
  expect(errs, errs.join("\n")).toEqual([]);
}

describe(`vmap and Jacobians under jit against JAX (${golden.source})`, () => {
  it("the registry here lists every golden case", () => {
    const names = golden.cases.map((c) => c.name);
    expect(Object.keys(plainCases)).toEqual(names);
    expect(Object.keys(jitCases)).toEqual(names);
  });

  describe("jit(transform(f))", () => {
    it.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => {
      compareCase(name, c, jitOfCase(name)(...c.inputs.map(decodeInput)));
    });
  });

  describe("transform(jit(f))", () => {
    it.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => {
      const fn = jitCases[name]!;
      const inputs = c.inputs.map(decodeInput);
      // The jitted inner functions really are jit calls in what runs.
      expect(makeJaxpr(fn)(...inputs).toString()).toContain("jit[");
      compareCase(name, c, fn(...inputs));
    });
  });
});

// --- a sample of the vmap-vs-loop properties, on jitted functions -------------------------------

type Gen = fc.Arbitrary<Spec>;
const side = fc.integer({ min: 1, max: 3 });
const one = (name: string, f: (x: Arr) => unknown, kind: Kind = "f", minRank = 0, maxRank = 3): Gen =>
  shapeArb(minRank, maxRank).map((shape) => ({ name, f, args: [{ shape, kind }] }));
const withAxis = (name: string, f: (x: Arr, axis: number) => unknown, kind: Kind = "f"): Gen =>
  shapeArb(1, 3).chain((shape) =>
    fc.integer({ min: -shape.length, max: shape.length - 1 }).map((axis): Spec => ({ name: `${name}(axis ${axis})`, f: (x) => f(x, axis), args: [{ shape, kind }] })),
  );
const withAxes = (name: string, f: (x: Arr, axes: number[], keepdims: boolean) => unknown, kind: Kind = "f"): Gen =>
  shapeArb(0, 3).chain((shape) =>
    fc.tuple(subsetArb(shape.length), fc.boolean()).map(([axes, keepdims]): Spec => ({ name: `${name}(${axes}, keepdims ${keepdims})`, f: (x) => f(x, axes, keepdims), args: [{ shape, kind }] })),
  );
/** Two operands that broadcast against each other (trailing dims kept or set to 1). */
const two = (name: string, f: (x: Arr, y: Arr) => unknown, k1: Kind = "f", k2: Kind = k1): Gen =>
  shapeArb(0, 3).chain((shape) =>
    fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })).map(([drop, ones]): Spec => {
      const s2 = shape.slice(drop).map((d, i) => (ones[i] ? 1 : d));
      return { name, f, args: [{ shape, kind: k1 }, { shape: s2, kind: k2 }] };
    }),
  );

const MODES = ["vmap(jit(f))", "jit(vmap(f))", "jit(vmap(jit(f)))"] as const;

/**
 * vmap under jit in the three placements, each against the eager slice-and-stack loop of the
 * plain per-example function (in axes drawn by `drawn`, out axes chosen as checkDrawn does).
 */
function checkUnderJit(d: Drawn): void {
  const { spec, n, inAxes, args } = d;
  const expectedPerI = perExample(spec.f, args, inAxes, n);
  const pick = chooser(d.outSeed);
  const axisFor = (l: unknown) => {
    const r = l instanceof np.Array ? l.ndim : 0;
    return pick(2 * r + 2) - (r + 1);
  };
  const out0 = expectedPerI[0];
  const outAxes: AxisSpec = out0 instanceof np.Array ? axisFor(out0) : (mapWithAxes(0, out0, (l) => axisFor(l)) as AxisSpec);
  const expected = stackOuts(expectedPerI, outAxes);
  for (const mode of MODES) {
    const mapped = vmap0(mode === "jit(vmap(f))" ? spec.f : jit(spec.f), { inAxes, outAxes });
    const actual = (mode === "vmap(jit(f))" ? mapped : jit(mapped))(...args);
    const where = `${mode} ${spec.name} inAxes=${JSON.stringify(inAxes)} outAxes=${JSON.stringify(outAxes)} n=${n} shapes=${JSON.stringify(args.map((a) => a.shape))}`;
    expectTreeClose(actual, expected, spec.tol, where);
  }
}

const jitVmapProperty = (specs: Gen, numRuns = 3) =>
  fc.assert(fc.property(drawn(specs), checkUnderJit), { numRuns: Math.max(1, Math.round(numRuns * RUNS_SCALE)) });

const i32s = (v: number) => np.array(v, { dtype: "int32" });
const DN = ["NHWC", "HWIO", "NHWC"] as const;

const SAMPLE: [string, Gen, number?][] = [
  // elementwise
  ["unary float64", one("unary", (x) => [np.exp(x), np.tanh(x), lax.erf(x), np.arctan(x), np.cbrt(x), np.round(x), lax.integerPow(x, 3), np.log(np.abs(x))])],
  ["unary float32 (SIMD code)", one("unary f32", (x) => [np.add(np.multiply(x, x), 1), np.maximum(x, 0), np.abs(x), np.negative(x)], "f32")],
  ["unary int32 and bool", one("unary int", (x) => [np.negative(x), np.abs(x), lax.not(x), np.astype(x, "float64")], "i32")],
  ["arith with broadcasting", two("arith", (x, y) => [np.add(x, y), np.multiply(x, y), np.divide(x, np.add(np.abs(y), 1)), np.power(np.abs(x), y), np.arctan2(x, y)])],
  ["int binary", two("int binary", (x, y) => [np.maximum(x, y), np.floorDivide(x, np.add(np.abs(y), 1)), np.mod(x, np.add(np.abs(y), 1)), np.leftShift(x, np.bitwiseAnd(y, 7))], "i32")],
  ["comparisons and where", two("compare", (x, y) => [np.less(x, y), np.equal(x, y), np.where(np.greater(x, y), x, y), np.clip(x, -1, 1)], { idx: [0, 2] })],
  // reductions
  ["sum/prod/max/min over axes", withAxes("reduce", (x, a, keepdims) => [np.sum(x, a, { keepdims }), np.prod(x, a, { keepdims }), np.max(x, a, { keepdims }), np.min(x, a, { keepdims })])],
  ["mean/var/logsumexp over axes", withAxes("stats", (x, a, keepdims) => [np.mean(x, a, { keepdims }), np.var(x, a, { keepdims }), np.logsumexp(x, a, { keepdims })])],
  ["all/any over axes", withAxes("all/any", (x, a, keepdims) => [np.all(x, a, { keepdims }), np.any(x, a, { keepdims })], "bool")],
  ["argmax/argmin", withAxis("argmax", (x, a) => [np.argmax(x, a), np.argmin(x, a, { keepdims: true })], { idx: [0, 3] })],
  ["cumulative ops", withAxis("cumulative", (x, a) => [np.cumsum(x, a), np.cumprod(x, a), lax.cummax(x, (a + x.ndim) % x.ndim, { reverse: true })])],
  // shapes
  ["transpose/reshape/flip", shapeArb(1, 3).chain((shape) => permArb(shape.length).map((p): Spec => ({ name: "shape ops", f: (x) => [np.transpose(x, p), np.reshape(x, [-1]), np.flip(x, 0), x.slice([null, null, -2])], args: [{ shape, kind: "f" }] })))],
  ["pad and concatenate", shapeArb(2, 2).map((shape): Spec => ({ name: "pad/concat", f: (x, v) => [lax.pad(x, v, [[1, -1, 1], [0, 2, 0]]), np.concatenate([x, np.sin(x)], 1)], args: [{ shape, kind: "f" }, { shape: [], kind: "f" }] }))],
  // indexing
  [
    "dynamicSlice / dynamicUpdateSlice with batched starts",
    fc.tuple(side, side).map(([a, b]): Spec => ({
      name: "dynamic slices",
      f: (x, u, i) => [lax.dynamicSlice(x, [i, i32s(0)], [2, b]), lax.dynamicUpdateSlice(x, u, [i, i32s(-1)])],
      args: [{ shape: [a + 2, b], kind: "f" }, { shape: [1, b], kind: "f" }, { shape: [], kind: { idx: [-1, a + 3] } }],
    })),
  ],
  [
    "take, takeAlongAxis and at[].add",
    fc.tuple(side, side, side).map(([a, b, k]): Spec => ({
      name: "indexing",
      f: (x, i, u) => [np.take(x, i, 0), x.slice(i), x.at(i).add(u), np.takeAlongAxis(x, np.reshape(np.clip(i, 0, a - 1), [k, 1]), 0)],
      args: [{ shape: [a, b], kind: "f" }, { shape: [k], kind: { idx: [-a, a - 1] } }, { shape: [k, b], kind: "f" }],
    })),
  ],
  // contractions
  [
    "matmul, batched matmul and dotGeneral",
    fc.tuple(side, side, side, side).map(([b, m, k, n]): Spec => ({
      name: "dots",
      f: (x, y, z) => [np.matmul(x, y), np.matmul(np.reshape(x, [1, m, k]), y), lax.dotGeneral(z, x, [[[2], [1]], [[0], [0]]])],
      args: [{ shape: [m, k], kind: "f" }, { shape: [k, n], kind: "f" }, { shape: [m, b, k], kind: "f" }],
    })),
  ],
  [
    "convolution NHWC/HWIO with feature groups, and pooling",
    fc.tuple(side, side).map(([h, w]): Spec => ({
      name: "conv",
      f: (x, r) => [
        lax.convGeneralDilated(x, r, [2, 1], "SAME", { dimensionNumbers: DN, featureGroupCount: 2 }),
        lax.reduceWindow(x, -Infinity, lax.max, [1, 2, 2, 1], [1, 1, 2, 1], "SAME"),
      ],
      args: [{ shape: [1, h + 2, w + 1, 4], kind: "f" }, { shape: [2, 2, 2, 4], kind: "f" }],
    })),
  ],
  // sorting and iota
  ["sort/argsort", withAxis("sort", (x, a) => [np.sort(x, a), np.argsort(x, a)], { idx: [0, 3] })],
  ["one-hot by iota", one("one-hot", (x) => np.astype(np.equal(np.expandDims(x, -1), np.arange(4)), "float64"), { idx: [0, 3] })],
  // with autodiff inside
  [
    "per-example grad and jvp",
    shapeArb(1, 2).map((shape): Spec => ({
      name: "grad/jvp",
      f: (x, y) => [
        grad0((a: Arr, b: Arr) => np.sum(np.multiply(np.sin(a), np.exp(b))), { argnums: [0, 1] })(x, y),
        jvp0((a: Arr) => np.tanh(np.cumsum(a)), [x], [y]),
      ],
      args: [{ shape, kind: "f" }, { shape, kind: "f" }],
    })),
  ],
];

describe("vmap vs the loop, under jit (vmap(jit(f)), jit(vmap(f)), jit(vmap(jit(f))))", () => {
  it.each(SAMPLE)("%s", (_name, gen, runs) => jitVmapProperty(gen, runs));
});
