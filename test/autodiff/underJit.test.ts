/**
 * Every golden case of test/autodiff/golden.test.ts again, under jit, against the same JAX
 * values (test/golden/autodiff.json) and tolerances:
 *
 * - "jit of the transform": the whole case (transform applied, then jitted) runs as one
 *   `jit((...inputs) => case(...inputs))` call, so grad/vjp/jvp/linearize/... are traced and
 *   compiled into one module;
 * - "transform of jit": every function handed to a transform (grad, valueAndGrad, vjp, jvp,
 *   linearize, linearTranspose, checkpoint) is jitted first, so the innermost user function is
 *   a jit call and the outer transforms go through jit's jvp / partial-eval / transpose rules
 *   (`grad(grad(f))` becomes `grad(jit(grad(jit(f))))`).
 *
 * The registry is goldenCases.ts's `makeCases(T)`, shared with golden.test.ts, which takes the
 * transforms as a parameter. Plus a sample of the checkGrads properties on jitted functions
 * (float64: the scalar code of the wasm backend).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkpoint as checkpoint0,
  customJvp,
  customVjp,
  grad as grad0,
  jit,
  lax,
  makeJaxpr,
  nn,
  numpy as np,
  testing,
} from "../../src/index.js";
import {
  type Arr,
  arr,
  arrOf,
  arrOfShape,
  awayFromZero,
  axesOf,
  check,
  distinct,
  distinctOfShape,
  f64,
  flat,
  runs,
  shapes,
  uniform,
} from "./checkgrads.helpers.js";

import type { GoldenCase } from "../goldenTree.js";
import { type A, type Fn, compareTree, decodeInput, golden, makeCases, ofJit, plain } from "./goldenCases.js";

// --- golden comparison under jit ----------------------------------------------------------------

const plainCases = makeCases(plain);
const jitCases = makeCases(ofJit);

/** The whole case, transform included, as one jitted function of its inputs. */
const viaJitOfCase = (fn: Fn, inputs: A[]) => jit((...xs: A[]) => fn(...xs))(...inputs);

/** The case over the transforms that jit the functions they are given. */
function viaTransformOfJit(fn: Fn, inputs: A[]): unknown {
  // The jitted inner functions really are jit calls in what runs.
  expect(makeJaxpr(fn)(...inputs).toString()).toContain("jit[");
  return fn(...inputs);
}

function runCase(registry: Record<string, Fn>, name: string, c: GoldenCase, call: (fn: Fn, inputs: A[]) => unknown): void {
  const fn = registry[name];
  if (fn === undefined) throw new Error(`no jaxts function for golden case ${name}`);
  const got = call(fn, c.inputs.map(decodeInput));
  const errs: string[] = [];
  compareTree(got, c.out, c.rtol, c.atol, "out", errs);
  expect(errs, errs.join("\n")).toEqual([]);
}

describe(`autodiff under jit agrees with ${golden.source}`, () => {
  it("the registry here lists every golden case", () => {
    const names = golden.cases.map((c) => c.name);
    expect(Object.keys(plainCases)).toEqual(names);
    expect(Object.keys(jitCases)).toEqual(names);
  });

  describe("jit(transform(f))", () => {
    it.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => runCase(plainCases, name, c, viaJitOfCase));
  });

  describe("transform(jit(f))", () => {
    it.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => runCase(jitCases, name, c, viaTransformOfJit));
  });
});

// --- a sample of the checkGrads properties, on jitted functions (float64) -----------------------

const RUNS = 2;
const shape = shapes({ maxRank: 3, maxSide: 3 });
const shape1 = shapes({ minRank: 1, maxRank: 3, maxSide: 3 });
const i32s = (v: number) => np.array(v, { dtype: "int32" });

/** checkGrads (orders 1 and 2, forward and reverse) of `jit(f)`. */
const checkJit = (f: (...xs: Arr[]) => unknown, args: readonly unknown[], order = 2) => check(jit(f), args, order);
const prop = <T>(a: fc.Arbitrary<T>, p: (t: T) => void, n = RUNS) => fc.assert(fc.property(a, p), { numRuns: runs(n) });

/** [x, y] of one shape, or one of them rank 0. */
const pairOf = (vx: fc.Arbitrary<number>, vy: fc.Arbitrary<number>): fc.Arbitrary<[Arr, Arr]> =>
  fc.tuple(shape, fc.integer({ min: 0, max: 2 })).chain(([s, w]) => fc.tuple(arrOf(w === 1 ? [] : s, vx), arrOf(w === 2 ? [] : s, vy)));
const withAxes = (a: fc.Arbitrary<Arr>) => a.chain((x) => fc.tuple(fc.constant(x), axesOf(x.ndim)));
const withAxis = (a: fc.Arbitrary<Arr>) => a.chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.ndim - 1 })));

describe("checkGrads of jitted functions (float64)", () => {
  const unary: [string, (x: Arr) => Arr, fc.Arbitrary<number>][] = [
    ["exp", lax.exp, uniform(-2, 2)],
    ["log", lax.log, uniform(0.5, 4)],
    ["log1p", lax.log1p, uniform(-0.5, 3)],
    ["tanh", lax.tanh, uniform(-2, 2)],
    ["logistic", lax.logistic, uniform(-3, 3)],
    ["sin", lax.sin, uniform(-3, 3)],
    ["tan", lax.tan, uniform(-1.1, 1.1)],
    ["atan", lax.atan, uniform(-3, 3)],
    ["acosh", lax.acosh, uniform(1.2, 4)],
    ["rsqrt", lax.rsqrt, uniform(0.5, 4)],
    ["cbrt", lax.cbrt, awayFromZero(0.5, 4)],
    ["erf", lax.erf, uniform(-2, 2)],
    // Away from +-1, where central differences lose accuracy before the rule does.
    ["erfInv", lax.erfInv, uniform(-0.7, 0.7)],
    ["abs", lax.abs, awayFromZero(0.1, 3)],
    // |x| >= 1: near 0 the high derivatives of x^-3 defeat central differences (the oracle).
    ["integerPow -3", (x) => lax.integerPow(x, -3), awayFromZero(1, 2)],
  ];
  it.each(unary)("unary %s", (_, f, value) => prop(arrOfShape(shape, value), (x) => checkJit(f, [x])));

  const binary: [string, (x: Arr, y: Arr) => Arr, fc.Arbitrary<[Arr, Arr]>][] = [
    ["mul", lax.mul, pairOf(uniform(-3, 3), uniform(-3, 3))],
    ["div", lax.div, pairOf(uniform(-3, 3), awayFromZero(0.5, 3))],
    ["pow", lax.pow, pairOf(uniform(0.5, 3), uniform(-2, 2))],
    ["atan2", lax.atan2, pairOf(awayFromZero(0.5, 3), awayFromZero(0.5, 3))],
  ];
  it.each(binary)("binary %s, rank-0 operands included", (_, f, pair) => prop(pair, ([x, y]) => checkJit(f, [x, y])));

  it("max/min of distinct operands, and clamp and select", () => {
    prop(distinct([2, 2, 3]), (xy) => {
      const d = flat(xy);
      const x = f64(d.slice(0, 6), [2, 3]);
      const y = f64(d.slice(6), [2, 3]);
      checkJit((a: Arr, b: Arr) => lax.mul(lax.max(a, b), lax.min(lax.sin(a), b)), [x, y]);
      checkJit((a: Arr, b: Arr) => np.where(np.greater(a, b), np.exp(a), np.multiply(a, b)), [x, y]);
    });
  });

  it("reductions over random axes and cumulative ops along one", () => {
    prop(withAxes(arr(shape1)), ([x, axes]) => checkJit((a: Arr) => lax.reduceSum(lax.sin(a), axes), [x]));
    prop(withAxes(arr(shape1, -1.5, 1.5)), ([x, axes]) => checkJit((a: Arr) => lax.reduceProd(a, axes), [x]));
    prop(withAxes(distinctOfShape(shape1)), ([x, axes]) => checkJit((a: Arr) => lax.reduceMax(a, axes), [x]));
    prop(withAxis(arr(shape1)), ([x, axis]) => checkJit((a: Arr) => lax.cumsum(lax.sin(a), axis, { reverse: axis % 2 === 1 }), [x]));
    prop(withAxis(arr(shape1, -1.5, 1.5)), ([x, axis]) => checkJit((a: Arr) => lax.cumprod(a, axis), [x]));
  });

  it("numpy reductions and nn functions", () => {
    // distinct values: std is not differentiable where a row is constant
    prop(distinct([3, 4]), (x) => {
      checkJit((a: Arr) => [np.var(a, 0), np.std(np.add(a, 3), 1), nn.logsumexp(a, 1)], [x]);
      checkJit((a: Arr) => [nn.softmax(a), nn.logSoftmax(a, 0), nn.gelu(a)], [x]);
    });
  });

  it("dotGeneral with batch and contracting dims, matmul and einsum", () => {
    const side = fc.integer({ min: 1, max: 3 });
    prop(fc.tuple(side, side, side, side).chain(([b, m, k, n]) => fc.tuple(arr([b, k, m]), arr([n, k, b]))), ([x, y]) =>
      checkJit((a: Arr, c: Arr) => lax.sin(lax.dotGeneral(lax.sin(a), c, [[[1], [1]], [[0], [2]]])), [x, y]),
    );
    prop(fc.tuple(arr([2, 3]), arr([3, 4]), arr([4])), ([a, b, c]) => {
      checkJit((p: Arr, q: Arr, r: Arr) => np.tanh(np.matmul(np.matmul(p, q), r)), [a, b, c]);
      checkJit((p: Arr, q: Arr, r: Arr) => np.einsum("ij,jk,k->i", p, q, r), [a, b, c]);
    });
  });

  it("convolution (NHWC/HWIO, strides, SAME, rhs dilation, feature groups) and pooling", () => {
    prop(fc.tuple(arr([1, 5, 4, 2]), arr([3, 2, 2, 3]), arr([2, 2, 1, 4])), ([x, w, g]) => {
      const dimensionNumbers = ["NHWC", "HWIO", "NHWC"] as const;
      checkJit((a: Arr, b: Arr) => lax.convGeneralDilated(a, b, [2, 1], "SAME", { dimensionNumbers }), [x, w]);
      checkJit((a: Arr, b: Arr) => lax.sin(lax.convGeneralDilated(lax.sin(a), b, [1, 1], "VALID", { dimensionNumbers, rhsDilation: [2, 1], featureGroupCount: 2 })), [x, g]);
    });
    prop(distinct([1, 5, 4, 2]), (x) => {
      checkJit((a: Arr) => lax.reduceWindow(a, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 1, 1], "SAME"), [x]);
      checkJit((a: Arr) => lax.reduceWindow(lax.sin(a), 0, lax.add, [1, 3, 2, 1], [1, 1, 2, 1], [[0, 0], [1, 1], [0, 1], [0, 0]]), [x]);
    });
  });

  it("dynamic slices, gather and scatter-add through indexing", () => {
    prop(fc.tuple(arr([4, 3]), arr([2, 2]), fc.integer({ min: -1, max: 4 }), fc.integer({ min: 0, max: 2 })), ([x, u, i, j]) => {
      checkJit((a: Arr) => lax.dynamicSlice(lax.sin(a), [i32s(i), i32s(j)], [2, 2]), [x]);
      checkJit((a: Arr, b: Arr) => lax.dynamicUpdateSlice(lax.sin(a), lax.mul(b, b), [i32s(i), i32s(j)]), [x, u]);
    });
    prop(fc.tuple(arr([4, 3]), arr([3, 3]), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 3 })), ([x, u, ix]) => {
      const idx = np.array(ix, { dtype: "int32" });
      checkJit((a: Arr) => [np.take(np.sin(a), idx, 0), np.takeAlongAxis(a, np.reshape(np.array(ix.map((v) => v % 3), { dtype: "int32" }), [1, 3]), 0)], [x]);
      checkJit((a: Arr, b: Arr) => np.sin(a.at(idx).add(np.multiply(b, b))), [x, u]);
    });
  });

  it("shape functions: slicing, pad, concatenate, transpose, reshape, sort", () => {
    prop(fc.tuple(arr([3, 4]), arr([3, 2])), ([x, y]) =>
      checkJit(
        (a: Arr, b: Arr) =>
          np.sin(
            np.reshape(
              np.transpose(np.concatenate([lax.pad(a.slice([null, null, -1], [1, null]), 0.5, [[1, 0, 1], [0, -1, 0]]), np.flip(lax.pad(b, 0, [[1, 0, 1], [0, 0, 0]]), 1)], 1)),
              [-1],
            ),
          ),
        [x, y],
      ),
    );
    prop(distinct([3, 4]), (x) => checkJit((a: Arr) => [np.sort(a, 1), np.sort(np.multiply(a, 2), 0)], [x]));
  });

  it("custom rules, checkpoint, and jit of grad", () => {
    const csin = customJvp(function csin(x: Arr) {
      return np.sin(x);
    }).defjvp(([x], [t]) => [np.sin(x), np.multiply(np.cos(x), t)]);
    const ctanh = customVjp(function ctanh(x: Arr) {
      return np.tanh(x);
    }).defvjp(
      (x) => [np.tanh(x), np.tanh(x)],
      (y: Arr, g) => [np.multiply(g, np.subtract(1, np.multiply(y, y)))],
    );
    const body = (a: Arr, b: Arr) => np.sum(np.multiply(csin(np.multiply(a, b)), np.exp(a)));
    prop(fc.tuple(arr([2, 3], -1, 1), arr([2, 3], -1, 1)), ([x, y]) => {
      checkJit(body, [x, y]);
      checkJit(checkpoint0((a: Arr, b: Arr) => np.multiply(np.sin(a), np.cos(b))), [x, y]);
      testing.checkGrads(jit((a: Arr) => ctanh(csin(a))), [x], 2, { modes: ["rev"] });
      // jit of grad, then checkGrads of that (third derivatives of `body` at order 2).
      checkJit(grad0(body, { argnums: [0, 1] }), [x, y], 1);
    });
  });
});
