/**
 * vmap of the numpy API (elementwise, reductions with axes, shapes, contraction, indexing and
 * functional updates, sorting) and of random programs composed from it, against the
 * slice-and-stack loop under random in/out axes.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { numpy as np } from "../../src/index.js";
import { type Arr, type Kind, type Spec, chooser, permArb, range, shapeArb, subsetArb, vmapProperty } from "./helpers.js";

type Gen = fc.Arbitrary<Spec>;
const side = fc.integer({ min: 1, max: 3 });
const one = (name: string, f: (x: Arr) => unknown, kind: Kind = "f", minRank = 0, maxRank = 3): Gen =>
  shapeArb(minRank, maxRank).map((shape) => ({ name, f, args: [{ shape, kind }] }));
const withAxis = (name: string, f: (x: Arr, axis: number) => unknown, kind: Kind = "f"): Gen =>
  shapeArb(1, 3).chain((shape) =>
    fc.integer({ min: -shape.length, max: shape.length - 1 }).map((axis): Spec => ({ name: `${name}(axis ${axis})`, f: (x) => f(x, axis), args: [{ shape, kind }] })),
  );
const withAxes = (name: string, f: (x: Arr, axes: number[] | null, keepdims: boolean) => unknown, kind: Kind = "f"): Gen =>
  shapeArb(0, 3).chain((shape) =>
    fc.tuple(fc.oneof(subsetArb(shape.length).map((s) => s.map((a, i) => (i % 2 ? a - shape.length : a))), fc.constant(null)), fc.boolean()).map(
      ([axes, keepdims]): Spec => ({ name: `${name}(${JSON.stringify(axes)}, keepdims ${keepdims})`, f: (x) => f(x, axes, keepdims), args: [{ shape, kind }] }),
    ),
  );
const two = (name: string, f: (x: Arr, y: Arr) => unknown, k1: Kind = "f", k2: Kind = k1): Gen =>
  shapeArb(0, 3).chain((shape) =>
    fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })).map(([drop, ones]): Spec => {
      const s2 = shape.slice(drop).map((d, i) => (ones[i] ? 1 : d)); // broadcasts against shape
      return { name, f, args: [{ shape, kind: k1 }, { shape: s2, kind: k2 }] };
    }),
  );

const CATALOGUE: [string, Gen, number?][] = [
  // elementwise (numpy broadcasting between the operands)
  ["add/subtract/multiply/divide", two("arith", (x, y) => [np.add(x, y), np.subtract(x, y), np.multiply(x, y), np.divide(x, np.add(np.abs(y), 1))])],
  ["power/arctan2/hypot/logaddexp", two("binary float", (x, y) => [np.power(np.abs(x), y), np.arctan2(x, y), np.hypot(x, y), np.logaddexp(x, y)])],
  ["maximum/minimum/floorDivide/mod", two("int binary", (x, y) => [np.maximum(x, y), np.minimum(x, y), np.floorDivide(x, np.add(np.abs(y), 1)), np.mod(x, np.add(np.abs(y), 1))], "i32")],
  ["comparisons and logic", two("compare", (x, y) => [np.less(x, y), np.greaterEqual(x, y), np.equal(x, y), np.logicalAnd(np.less(x, 0), np.greater(y, 0)), np.logicalNot(np.notEqual(x, y))], { idx: [0, 2] })],
  ["where with broadcasting", two("where", (x, y) => np.where(np.greater(x, 0), x, y))],
  ["where with a scalar branch", one("where scalar", (x) => np.where(np.less(x, 0.5), x, 7))],
  ["clip", one("clip", (x) => np.clip(x, -1, 1))],
  ["clip with array bounds", two("clip arrays", (x, lo) => np.clip(x, lo, np.add(lo, 1)))],
  ["unary math", one("unary", (x) => [np.sign(x), np.exp2(x), np.log1p(np.abs(x)), np.cbrt(x), np.reciprocal(np.add(np.abs(x), 1)), np.round(x), np.trunc(x), np.sinh(x), np.arcsinh(x)])],
  ["isnan/isinf/isfinite of log", one("isnan", (x) => [np.isnan(np.log(x)), np.isinf(np.log(np.abs(x))), np.isfinite(np.log(x))])],
  ["astype", one("astype", (x) => [np.astype(x, "int32"), np.astype(np.greater(x, 0), "float32")])],
  ["bitwise", two("bitwise", (x, y) => [np.bitwiseAnd(x, y), np.bitwiseXor(x, y), np.leftShift(x, np.bitwiseAnd(y, 7)), np.bitwiseNot(x)], "i32")],
  // reductions with axes
  ["sum/prod/max/min", withAxes("reduce", (x, a, keepdims) => [np.sum(x, a, { keepdims }), np.prod(x, a, { keepdims }), np.max(x, a, { keepdims }), np.min(x, a, { keepdims })])],
  ["mean/var/std", withAxes("stats", (x, a, keepdims) => [np.mean(x, a, { keepdims }), np.var(x, a, { keepdims }), np.std(x, a, { keepdims, ddof: 0 })])],
  ["logsumexp", withAxes("logsumexp", (x, a, keepdims) => np.logsumexp(x, a, { keepdims }))],
  ["all/any", withAxes("all/any", (x, a, keepdims) => [np.all(x, a, { keepdims }), np.any(x, a, { keepdims })], "bool")],
  ["argmax/argmin", withAxis("argmax", (x, a) => [np.argmax(x, a), np.argmin(x, a, { keepdims: true })], { idx: [0, 3] })],
  ["argmax of everything", one("argmax all", (x) => np.argmax(x), "f", 1)],
  ["cumsum/cumprod", withAxis("cumsum", (x, a) => [np.cumsum(x, a), np.cumprod(x, a)])],
  ["cumsum flattened", one("cumsum flat", (x) => np.cumsum(x))],
  // shapes
  ["reshape/ravel", one("reshape", (x) => [np.reshape(x, [-1]), np.ravel(x), np.reshape(x, [1, ...x.shape, 1])])],
  ["transpose", shapeArb(0, 3).chain((shape) => permArb(shape.length).map((p): Spec => ({ name: "transpose", f: (x) => [np.transpose(x, p), np.transpose(x), x.T], args: [{ shape, kind: "f" }] })))],
  ["swapaxes/moveaxis", withAxis("swapaxes", (x, a) => [np.swapaxes(x, a, 0), np.moveaxis(x, a, -1)])],
  ["squeeze/expandDims", one("squeeze", (x) => [np.squeeze(np.expandDims(x, 0), 0), np.expandDims(x, [0, -1]), np.squeeze(np.reshape(x, [1, ...x.shape]))])],
  ["broadcastTo/broadcastArrays", one("broadcastTo", (x) => [np.broadcastTo(x, [2, ...x.shape]), ...np.broadcastArrays(x, np.ones([2, 1, 1, 1], { dtype: "float64" }))])],
  ["concatenate/stack", withAxis("concatenate", (x, a) => [np.concatenate([x, np.multiply(x, 2)], a), np.stack([x, x], a), np.stack([x, np.negative(x)], -1)])],
  ["split", withAxis("split", (x, a) => np.split(np.concatenate([x, x], a), 2, a))],
  ["tile/repeat", withAxis("tile", (x, a) => [np.tile(x, [2, 1]), np.repeat(x, 2, a), np.repeat(x, 2)])],
  ["pad", one("pad", (x) => [np.pad(x, 1), np.pad(x, 1, { mode: "reflect" }), np.pad(x, 1, { mode: "edge" }), np.pad(x, 2, { mode: "wrap" })], "f", 1)],
  ["flip/roll", withAxis("flip", (x, a) => [np.flip(x, a), np.flip(x), np.roll(x, 1, a), np.roll(x, -2)])],
  // contraction
  ["matmul of any ranks", fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), side, side, side).map(([r1, r2, m, k, p]): Spec => {
    const lhs = r1 === 1 ? [k] : [...range(r1 - 2).map(() => 2), m, k];
    const rhs = r2 === 1 ? [k] : [...range(r2 - 2).map(() => 2), k, p];
    return { name: "matmul", f: (x, y) => np.matmul(x, y), args: [{ shape: lhs, kind: "f" }, { shape: rhs, kind: "f" }] };
  })],
  ["dot/vdot/inner/outer", fc.tuple(side, side).map(([m, k]): Spec => ({
    name: "dot",
    f: (x, y, v) => [np.dot(x, v), np.vdot(v, v), np.inner(x, y), np.outer(v, y.slice(0))],
    args: [{ shape: [m, k], kind: "f" }, { shape: [m, k], kind: "f" }, { shape: [k], kind: "f" }],
  }))],
  ["tensordot", fc.tuple(side, side, side).map(([a, b, c]): Spec => ({ name: "tensordot", f: (x, y) => [np.tensordot(x, y, 1), np.tensordot(x, y, [[1], [0]])], args: [{ shape: [a, b], kind: "f" }, { shape: [b, c], kind: "f" }] }))],
  ["einsum", fc.tuple(side, side, side).map(([a, b, c]): Spec => ({
    name: "einsum",
    f: (x, y, z) => [np.einsum("ij,jk->ik", x, y), np.einsum("ij,ij->i", x, z), np.einsum("ii->i", np.matmul(x, np.transpose(z))), np.einsum("ij->", x), np.einsum("ij,jk,ik->", x, y, np.matmul(x, y))],
    args: [{ shape: [a, b], kind: "f" }, { shape: [b, c], kind: "f" }, { shape: [a, b], kind: "f" }],
  }))],
  // indexing
  ["basic indexing", shapeArb(2, 3).map((shape): Spec => ({
    name: "x.slice basic",
    f: (x) => [x.slice(0), x.slice(-1), x.slice([null, null, -1]), x.slice("...", 0), x.slice(null, [1, null]), x.slice([null, null], np.newaxis, [0, 1])],
    args: [{ shape, kind: "f" }],
  }))],
  ["integer-array indexing with mapped or unmapped indices", shapeArb(1, 3).chain((shape) => fc.tuple(side, side).map(([k1, k2]): Spec => ({
    name: "x.slice(idx)",
    f: (x, i, j) => [x.slice(i), x.slice(i, "..."), shape.length > 1 ? x.slice(i, j) : x.slice(j), x.slice("...", j)],
    args: [{ shape, kind: "f" }, { shape: [k1], kind: { idx: [-shape[0]!, shape[0]! - 1] } }, { shape: [k2, 1], kind: { idx: [0, Math.min(...shape) - 1] } }],
  })))],
  ["take with modes", shapeArb(1, 3).chain((shape) => fc.tuple(fc.integer({ min: -shape.length, max: shape.length - 1 }), side).map(([axis, k]): Spec => ({
    name: `take axis ${axis}`,
    f: (x, i) => [np.take(x, i, axis), np.take(x, i, axis, { mode: "clip" }), np.take(x, i, axis, { mode: "wrap" }), np.take(x, i, null, { mode: "fill", fillValue: -1 })],
    args: [{ shape, kind: "f" }, { shape: [k], kind: { idx: [-4, 4] } }],
  })))],
  ["takeAlongAxis", shapeArb(1, 3).chain((shape) => fc.integer({ min: 0, max: shape.length - 1 }).map((axis): Spec => ({
    name: `takeAlongAxis ${axis}`,
    f: (x, i) => np.takeAlongAxis(x, i, axis),
    args: [{ shape, kind: "f" }, { shape: shape.map((d, j) => (j === axis ? 2 : d)), kind: { idx: [0, shape[axis]! - 1] } }],
  })))],
  ["x.at[...].set/add/mul/min/max", shapeArb(1, 3).chain((shape) => side.map((k): Spec => ({
    name: "at",
    f: (x, i, v) => [x.at(i).set(v), x.at(i).add(v), x.at(i).mul(v), x.at(i).min(v), x.at(i).max(v), x.at(0).set(v), x.at([null, null, 2]).add(1)],
    args: [{ shape, kind: "f" }, { shape: [k], kind: { idx: [0, shape[0]! - 1] } }, { shape: [], kind: "f" }],
  })))],
  // sorting
  ["sort/argsort", withAxis("sort", (x, a) => [np.sort(x, a), np.argsort(x, a), np.sort(x, null)], { idx: [0, 3] })],
];

describe("vmap of numpy functions", () => {
  it.each(CATALOGUE)("%s", (_name, gen, runs) => {
    vmapProperty(gen, runs ?? 8);
  });
});

// --- random programs ---------------------------------------------------------------------------

type Step = (x: Arr, s: Arr, pick: (k: number) => number) => Arr;

/** Steps of a random program: each maps an array to an array, whatever its shape. */
const STEPS: Step[] = [
  (x) => np.sin(x),
  (x, s) => np.multiply(x, s),
  (x) => np.tanh(np.add(x, 1)),
  (x, s) => np.where(np.greater(x, s), x, np.square(x)),
  (x, _s, pick) => (x.ndim === 0 ? x : np.sum(x, pick(x.ndim), { keepdims: pick(2) === 0 })),
  (x, _s, pick) => (x.ndim === 0 ? x : np.max(x, pick(x.ndim))),
  (x, _s, pick) => (x.ndim === 0 ? x : np.cumsum(x, pick(x.ndim))),
  (x) => (x.ndim < 2 ? np.reshape(x, [1, -1]) : np.transpose(x)),
  (x) => np.ravel(x),
  (x, _s, pick) => (x.ndim === 0 ? np.stack([x, x]) : np.flip(x, pick(x.ndim))),
  (x, s) => np.concatenate([np.atleast1d(x), np.atleast1d(s)].map((a) => np.ravel(a)), 0),
  (x, _s, pick) => (x.ndim === 0 ? x : x.slice([null, null, 1 + pick(2)])),
  (x, _s, pick) => (x.ndim === 0 ? x : np.take(x, np.array([0, x.shape[0]! - 1], { dtype: "int32" }), pick(1))),
  (x) => (x.ndim === 0 ? np.expandDims(x, 0) : np.matmul(np.ravel(x), np.ones([x.size, 2], { dtype: "float64" }))),
  (x, s) => (x.ndim === 0 ? x : x.at(0).add(s)),
  (x, _s, pick) => (x.ndim === 0 ? x : np.sort(x, pick(x.ndim))),
  (x) => np.logsumexp(x, null, { keepdims: true }),
  (x) => np.pad(np.atleast1d(x), [[1, 0]].concat(range(Math.max(x.ndim, 1) - 1).map(() => [0, 1]))),
];

describe("vmap of random numpy programs", () => {
  it("compositions of 1-5 numpy steps, with a mapped or unmapped scalar and a second input", () => {
    vmapProperty(
      fc.tuple(shapeArb(0, 3), fc.array(fc.nat({ max: STEPS.length - 1 }), { minLength: 1, maxLength: 5 }), fc.nat()).map(
        ([shape, steps, seed]): Spec => ({
          name: `program ${JSON.stringify(steps)}`,
          f: (x, y, s) => {
            const pick = chooser(seed);
            let v = np.add(x, np.multiply(y, 0.5));
            for (const k of steps) v = STEPS[k]!(v, s, pick);
            return v;
          },
          args: [
            { shape, kind: "f" },
            { shape, kind: "f" },
            { shape: [], kind: "f" },
          ],
        }),
      ),
      40,
    );
  });
});
