/**
 * checkGrads (orders 1 and 2, forward and reverse, float64) of numpy's elementwise math (with
 * broadcasting), where/clip, shape functions and sort, and of nn's activations, over generated
 * shapes and values away from non-differentiable points. (numpy reductions are in
 * checkgrads.reductions, contractions in checkgrads.contraction, indexing in checkgrads.indexing.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, nn, numpy as np, testing } from "../../src/index.js";
import {
  type Arr,
  arr,
  arrOf,
  arrOfShape,
  awayFromIntegers,
  awayFromZero,
  check,
  distinct,
  f64,
  flat,
  permutationOf,
  shapes,
  uniform,
  runs,
} from "./checkgrads.helpers.js";

const RUNS = 5;
const shape = shapes({ maxRank: 3, maxSide: 3 });

// --- elementwise ---------------------------------------------------------------------------

const unary: [string, (x: Arr) => Arr, fc.Arbitrary<number>][] = [
  ["negative", np.negative, uniform(-3, 3)],
  ["positive", np.positive, uniform(-3, 3)],
  ["abs", np.abs, awayFromZero(0.1, 3)],
  ["sign", np.sign, awayFromZero(0.1, 3)],
  ["exp", np.exp, uniform(-2, 2)],
  ["exp2", np.exp2, uniform(-2, 2)],
  ["expm1", np.expm1, uniform(-2, 2)],
  ["log", np.log, uniform(0.5, 4)],
  ["log2", np.log2, uniform(0.5, 4)],
  ["log10", np.log10, uniform(0.5, 4)],
  ["log1p", np.log1p, uniform(-0.5, 3)],
  ["sqrt", np.sqrt, uniform(0.5, 4)],
  ["cbrt", np.cbrt, awayFromZero(0.5, 4)],
  ["square", np.square, uniform(-3, 3)],
  ["reciprocal", np.reciprocal, awayFromZero(0.5, 3)],
  ["sin", np.sin, uniform(-3, 3)],
  ["cos", np.cos, uniform(-3, 3)],
  ["tan", np.tan, uniform(-1.1, 1.1)],
  ["arcsin", np.arcsin, uniform(-0.85, 0.85)],
  ["arccos", np.arccos, uniform(-0.85, 0.85)],
  ["arctan", np.arctan, uniform(-3, 3)],
  ["sinh", np.sinh, uniform(-2, 2)],
  ["cosh", np.cosh, uniform(-2, 2)],
  ["tanh", np.tanh, uniform(-2, 2)],
  ["arcsinh", np.arcsinh, uniform(-3, 3)],
  ["arccosh", np.arccosh, uniform(1.2, 4)],
  ["arctanh", np.arctanh, uniform(-0.85, 0.85)],
  ["floor", np.floor, awayFromIntegers(-3, 3)],
  ["ceil", np.ceil, awayFromIntegers(-3, 3)],
  ["round", (x) => np.round(x), awayFromIntegers(-3, 3, 0.1, true)],
  ["round decimals=1", (x) => np.round(x, 1), uniform(-3, 3).map((v) => Math.round(v * 10) / 10 + 0.02)],
  ["trunc", np.trunc, awayFromIntegers(-3, 3)],
  ["deg2rad", np.deg2rad, uniform(-180, 180)],
  ["rad2deg", np.rad2deg, uniform(-3, 3)],
  ["power by an integer (integer_pow)", (x) => np.power(x, 3), uniform(-2, 2)],
  ["power by a negative integer", (x) => np.power(x, -2), awayFromZero(0.6, 2)],
  ["power by a float", (x) => np.power(x, 1.5), uniform(0.5, 3)],
];

describe("checkGrads: numpy elementwise unary functions", () => {
  it.each(unary)("np.%s", (_, f, value) => {
    fc.assert(fc.property(arrOfShape(shape, value), (x) => check(f, [x])), { numRuns: runs(RUNS) });
  });
});

/** Two arrays of broadcast-compatible shapes with values from vx and vy. */
const broadcastPair = (vx: fc.Arbitrary<number>, vy: fc.Arbitrary<number>) =>
  testing.arbitraries.broadcastableShapes(2, { maxRank: 3, maxSide: 3 }).chain(([sx, sy]) => fc.tuple(arrOf(sx!, vx), arrOf(sy!, vy)));

/** Values on a grid of step 0.25 (plus a little jitter) shifted by `phase`: x and y never tie when their phases differ. */
const onGrid = (phase: number) => fc.tuple(fc.integer({ min: -8, max: 8 }), uniform(0, 0.04)).map(([k, j]) => k * 0.25 + phase + j);

const binary: [string, (x: Arr, y: Arr) => Arr, fc.Arbitrary<number>, fc.Arbitrary<number>][] = [
  ["add", np.add, uniform(-3, 3), uniform(-3, 3)],
  ["subtract", np.subtract, uniform(-3, 3), uniform(-3, 3)],
  ["multiply", np.multiply, uniform(-3, 3), uniform(-3, 3)],
  ["divide", np.divide, uniform(-3, 3), awayFromZero(0.5, 3)],
  ["trueDivide", np.trueDivide, uniform(-3, 3), awayFromZero(0.5, 3)],
  ["power", np.power, uniform(0.5, 3), uniform(-2, 2)],
  ["arctan2", np.arctan2, awayFromZero(0.5, 3), awayFromZero(0.5, 3)],
  ["hypot", np.hypot, awayFromZero(0.5, 3), awayFromZero(0.5, 3)],
  ["maximum", np.maximum, onGrid(0), onGrid(0.125)],
  ["minimum", np.minimum, onGrid(0), onGrid(0.125)],
  ["fmax", np.fmax, onGrid(0), onGrid(0.125)],
  ["fmin", np.fmin, onGrid(0), onGrid(0.125)],
  ["logaddexp", np.logaddexp, uniform(-3, 3), uniform(-3, 3)],
  ["logaddexp (ties)", (x: Arr) => np.logaddexp(x, x), uniform(-3, 3), uniform(-3, 3)],
];

describe("checkGrads: numpy elementwise binary functions, with broadcasting", () => {
  it.each(binary)("np.%s", (_, f, vx, vy) => {
    fc.assert(fc.property(broadcastPair(vx, vy), ([x, y]) => check(f, [x, y])), { numRuns: runs(RUNS) });
  });

  it.each([
    ["mod", np.mod],
    ["fmod", np.fmod],
    ["floorDivide", np.floorDivide],
  ] as const)("np.%s away from its discontinuities", (_, f) => {
    // x = q * y with q away from integers: the quotient's floor/trunc is locally constant.
    const arb = broadcastPair(awayFromIntegers(-4, 4, 0.15), awayFromZero(0.5, 2)).map(([q, y]) => [np.multiply(q, y), y] as const);
    fc.assert(fc.property(arb, ([x, y]) => check(f, [x, y])), { numRuns: runs(RUNS) });
  });

  it("np.where with broadcasting (condition, x and y)", () => {
    const arb = testing.arbitraries.broadcastableShapes(3, { maxRank: 3, maxSide: 3 }).chain(([sc, sx, sy]) =>
      fc.tuple(arrOf(sc!, uniform(-1, 1)), arr(sx!), arr(sy!)),
    );
    fc.assert(
      fc.property(arb, ([c, x, y]) => check((a: Arr, b: Arr) => np.where(np.greater(c, 0), np.sin(a), np.multiply(b, b)), [x, y])),
      { numRuns: runs(RUNS) },
    );
  });

  it("np.clip with array and scalar bounds, x away from the bounds", () => {
    const xv = fc.oneof(uniform(-4, -3.2), uniform(-0.8, 0.8), uniform(3.2, 4));
    fc.assert(
      fc.property(arrOfShape(shape, xv), arrOf([], uniform(-3, -1)), arrOf([], uniform(1, 3)), (x, lo, hi) => {
        check((a: Arr, l: Arr, h: Arr) => np.clip(a, l, h), [x, lo, hi]);
        check((a: Arr) => np.clip(a, -1, null), [x]);
        check((a: Arr) => np.clip(a, null, 1), [x]);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  // logaddexp's custom jvp rule must compute its primal output with the custom function itself
  // (as JAX's does): through the raw max + log1p(exp(-|x - y|)), the second derivative at a tie
  // x == y was wrong (max splits 1/2, abs(0) gives 1), e.g. softplus''(0) came out 0, not 1/4.
  it("np.logaddexp at ties x == y, order 2", () => {
    const x = f64([0, 0.5, -1], [3]);
    check(np.logaddexp, [x, x]);
  });
  it("nn.softplus and nn.logSigmoid at 0, order 2", () => {
    check((a: Arr) => nn.softplus(a), [f64([0, 0], [2])]);
    check((a: Arr) => nn.logSigmoid(a), [f64([0, 0], [2])]);
  });

  it("np.logaddexp splits the gradient evenly at ties, and is finite at -inf", () => {
    const [gx, gy] = grad((a: Arr, b: Arr) => np.logaddexp(a, b), { argnums: [0, 1] })(f64([1], []), f64([1], []));
    expect(gx.item()).toBeCloseTo(0.5, 15);
    expect(gy.item()).toBeCloseTo(0.5, 15);
    const [g1, g2] = grad((a: Arr, b: Arr) => np.logaddexp(a, b), { argnums: [0, 1] })(f64([-Infinity], []), f64([2], []));
    expect([g1.item(), g2.item()]).toEqual([0, 1]);
  });
});

// --- shapes ----------------------------------------------------------------------------------

describe("checkGrads: numpy shape functions", () => {
  const x = (s: number[]) => arr(s);
  const sin = np.sin;

  it.each([
    ["reshape with -1", (a: Arr) => np.reshape(a, [-1, 2]), [2, 3, 2]],
    ["ravel", (a: Arr) => np.ravel(a), [2, 3]],
    ["transpose", (a: Arr) => np.transpose(a, [2, 0, 1]), [2, 3, 2]],
    ["transpose (reversed)", (a: Arr) => np.transpose(a), [2, 3]],
    ["x.T", (a: Arr) => a.T, [3, 2]],
    ["swapaxes", (a: Arr) => np.swapaxes(a, 0, -1), [2, 3, 2]],
    ["moveaxis", (a: Arr) => np.moveaxis(a, [0, 1], [-1, 0]), [2, 3, 2]],
    ["squeeze", (a: Arr) => np.squeeze(a), [1, 3, 1]],
    ["expandDims", (a: Arr) => np.expandDims(a, [0, 2]), [2, 3]],
    ["broadcastTo", (a: Arr) => np.broadcastTo(a, [2, 3, 3]), [3, 1]],
    ["tile", (a: Arr) => np.tile(a, [2, 1, 2]), [2, 3]],
    ["repeat (scalar, axis)", (a: Arr) => np.repeat(a, 2, 1), [2, 3]],
    ["repeat (per element, flattened)", (a: Arr) => np.repeat(a, [1, 0, 2, 1], null), [2, 2]],
    ["pad constant", (a: Arr) => np.pad(a, [[1, 0], [2, 1]]), [2, 3]],
    ["pad constant value", (a: Arr) => np.pad(a, 1, { constantValues: 2 }), [2, 3]],
    ["pad edge", (a: Arr) => np.pad(a, [[1, 2], [0, 1]], "edge"), [2, 3]],
    ["pad reflect", (a: Arr) => np.pad(a, [[1, 1], [2, 2]], "reflect"), [3, 3]],
    ["pad symmetric", (a: Arr) => np.pad(a, [[1, 1], [2, 2]], "symmetric"), [3, 3]],
    ["pad wrap", (a: Arr) => np.pad(a, [[1, 2], [3, 1]], "wrap"), [3, 3]],
    ["flip", (a: Arr) => np.flip(a, [0, 2]), [2, 3, 2]],
    ["roll", (a: Arr) => np.roll(a, [1, -2], [0, 1]), [2, 3]],
    ["roll flattened", (a: Arr) => np.roll(a, 4), [2, 3]],
    ["rot90", (a: Arr) => np.rot90(a), [2, 3]],
  ] as const)("np.%s", (_, f, s) => {
    fc.assert(fc.property(x([...s]), (a) => check((v: Arr) => sin(f(sin(v))), [a])), { numRuns: runs(2) });
  });

  it("np.concatenate and np.stack along random axes", () => {
    const arb = shapes({ minRank: 1, maxRank: 3, maxSide: 3 }).chain((s) =>
      fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 1, max: 3 })).chain(([axis, n]) =>
        fc.tuple(fc.constant(axis), fc.tuple(...Array.from({ length: n }, () => arr(s)))),
      ),
    );
    fc.assert(
      fc.property(arb, ([axis, xs]) => {
        check((...as: Arr[]) => sin(np.concatenate(as.map(sin), axis)), xs);
        check((...as: Arr[]) => sin(np.stack(as.map(sin), axis - xs[0]!.ndim)), xs);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("np.split into sections and at indices", () => {
    fc.assert(
      fc.property(x([4, 3]), (a) => {
        check((v: Arr) => np.split(sin(v), 2, 0).map((p, i) => np.multiply(sin(p), i + 1)), [a]);
        check((v: Arr) => np.split(sin(v), [1, 2], 1), [a]);
      }),
      { numRuns: runs(2) },
    );
  });

  it("np.moveaxis / transpose over random permutations", () => {
    const arb = shapes({ minRank: 1, maxRank: 4, maxSide: 2 }).chain((s) => fc.tuple(arr(s), permutationOf(s.length)));
    fc.assert(fc.property(arb, ([a, perm]) => check((v: Arr) => sin(np.transpose(sin(v), perm)), [a])), { numRuns: runs(RUNS) });
  });
});

// --- sort ----------------------------------------------------------------------------------

describe("checkGrads: np.sort", () => {
  it("along a random axis, flattened, and descending (distinct values)", () => {
    const arb = shapes({ minRank: 1, maxRank: 3, maxSide: 3 }).chain((s) => fc.tuple(distinct(s), fc.integer({ min: -s.length, max: s.length - 1 })));
    fc.assert(
      fc.property(arb, ([a, axis]) => {
        check((v: Arr) => sin(np.sort(v, axis)), [a]);
        check((v: Arr) => np.sort(v, null), [a], 1);
        check((v: Arr) => sin(np.sort(v, axis, { descending: true })), [a]);
      }),
      { numRuns: runs(RUNS) },
    );
    function sin(v: Arr) {
      return np.sin(v);
    }
  });

  it("ties: the gradient follows the stable order", () => {
    const g = grad((v: Arr) => np.sum(np.multiply(np.sort(v), f64([1, 2, 3], [3]))))(f64([2, 1, 2], [3]));
    expect(flat(g)).toEqual([2, 1, 3]);
  });
});

// --- nn --------------------------------------------------------------------------------------

describe("checkGrads: nn activations", () => {
  it.each([
    ["relu", (x: Arr) => nn.relu(x), awayFromZero(0.1, 3)],
    ["relu6", (x: Arr) => nn.relu6(x), fc.oneof(uniform(-3, -0.1), uniform(0.1, 5.9), uniform(6.1, 8))],
    ["sigmoid", (x: Arr) => nn.sigmoid(x), uniform(-4, 4)],
    ["softplus", (x: Arr) => nn.softplus(x), uniform(-4, 4)],
    ["logSigmoid", (x: Arr) => nn.logSigmoid(x), uniform(-4, 4)],
    ["silu", (x: Arr) => nn.silu(x), uniform(-4, 4)],
    ["elu", (x: Arr) => nn.elu(x), awayFromZero(0.1, 3)],
    ["leakyRelu", (x: Arr) => nn.leakyRelu(x), awayFromZero(0.1, 3)],
    ["gelu (tanh)", (x: Arr) => nn.gelu(x), uniform(-3, 3)],
    ["gelu (erf)", (x: Arr) => nn.gelu(x, { approximate: false }), uniform(-3, 3)],
    ["softmax", (x: Arr) => nn.softmax(x), uniform(-3, 3)],
    ["logSoftmax", (x: Arr) => nn.logSoftmax(x, 0), uniform(-3, 3)],
    ["logsumexp", (x: Arr) => nn.logsumexp(x, -1), uniform(-3, 3)],
  ] as const)("nn.%s", (_, f, value) => {
    fc.assert(fc.property(arrOfShape(shapes({ minRank: 1, maxRank: 2, maxSide: 3 }), value), (x) => check(f, [x])), { numRuns: runs(RUNS) });
  });
});
