/**
 * vmap of control flow against stacking per-example results: `vmap(f, {inAxes, outAxes})(xs)`
 * must equal applying `f` to every slice and stacking (test/vmap/helpers.ts's loop oracle, which
 * never goes through src/vmap). fast-check draws the shapes, the values, and an in axis per
 * argument (negative ones and `null` included), so predicates, indices, bounds, operands,
 * carries, xs and captured constants each come batched at any dim or unbatched. The jitted
 * variants run vmap(jit(f)), jit(vmap(f)) on the default device and jit(vmap(f)) on the cpu
 * reference device, each against the same eager oracle.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jit, lax, makeJaxpr, numpy as np, vmap } from "../../src/index.js";
import {
  type Arr,
  type AxisSpec,
  type Drawn,
  type Spec,
  RUNS_SCALE,
  chooser,
  drawn,
  expectTreeClose,
  mapWithAxes,
  perExample,
  shapeArb,
  stackOuts,
  vmapProperty,
} from "../vmap/helpers.js";

type Gen = fc.Arbitrary<Spec>;

const i32 = (v: number) => np.array(v, { dtype: "int32" });
const f64 = (v: number) => np.array(v, { dtype: "float64" });
const side = fc.integer({ min: 1, max: 3 });

// --- per-example functions ----------------------------------------------------------------------

/** cond on a bool argument; the branches capture `c` and return a pair of different ranks. */
const condOnArg: Gen = shapeArb(0, 2).map((shape) => ({
  name: "cond(p, ...)",
  f: (p: Arr, x: Arr, c: Arr) =>
    lax.cond(
      p,
      (a: Arr) => [np.multiply(np.sin(a), c), np.sum(a)],
      (a: Arr) => [np.add(a, c), np.multiply(c, 2)],
      x,
    ),
  args: [
    { shape: [], kind: "bool" },
    { shape, kind: "f" },
    { shape: [], kind: "f" },
  ],
}));

/** cond whose predicate depends on the operand; one branch returns a constant (unbatched) output. */
const condOnValue: Gen = shapeArb(0, 2).map((shape) => ({
  name: "cond(sum(x) > c, ...)",
  f: (x: Arr, c: Arr) =>
    lax.cond(
      np.greater(np.sum(x), c),
      (a: Arr) => ({ y: np.zeros(shape, { dtype: "float64" }), z: np.cos(a) }),
      (a: Arr) => ({ y: np.multiply(a, c), z: np.sqrt(np.abs(a)) }),
      x,
    ),
  args: [
    { shape, kind: "f" },
    { shape: [], kind: "f" },
  ],
}));

/** Three branches; the index goes out of range on both sides (switch clamps it); an int32 operand too. */
const switchClamped: Gen = shapeArb(0, 2).map((shape) => ({
  name: "switch(i, [3 branches], ...)",
  f: (i: Arr, x: Arr, c: Arr, k: Arr) =>
    lax.switch(
      i,
      [(a: Arr, j: Arr) => [a, j], (a: Arr, j: Arr) => [np.add(np.sin(a), c), np.add(j, 1)], (a: Arr, j: Arr) => [np.multiply(np.negative(a), c), np.multiply(j, 2)]],
      x,
      k,
    ),
  args: [
    { shape: [], kind: { idx: [-2, 4] } },
    { shape, kind: "f" },
    { shape: [], kind: "f" },
    { shape: [], kind: "i32" },
  ],
}));

/**
 * A while loop with a pytree carry whose iteration count is the (possibly batched) `n`: lanes
 * run different numbers of iterations when `n` is batched; `t` only reaches the carry.
 */
const whileCounts: Gen = shapeArb(0, 2).map((shape) => ({
  name: "whileLoop(i < n)",
  f: (n: Arr, x: Arr, t: Arr) =>
    lax.whileLoop(
      (c: { i: Arr; v: Arr; w: Arr }) => np.less(c.i, n),
      (c: { i: Arr; v: Arr; w: Arr }) => ({ i: np.add(c.i, 1), v: np.add(np.multiply(c.v, 0.8), x), w: np.add(c.w, np.multiply(t, c.i)) }),
      { i: i32(0), v: x, w: f64(0) },
    ),
  args: [
    { shape: [], kind: { idx: [0, 5] } },
    { shape, kind: "f" },
    { shape: [], kind: "f" },
  ],
}));

/**
 * A while loop whose predicate reads a captured threshold and a carry that the body makes depend
 * on `x`: batched through the consts, the carry, both or neither.
 */
const whileThreshold: Gen = shapeArb(0, 2).map((shape) => ({
  name: "whileLoop(v < limit)",
  f: (limit: Arr, x: Arr) =>
    lax.whileLoop(
      (c: Arr[]) => np.less(c[1]!, limit),
      (c: Arr[]) => [np.add(c[0]!, 1), np.add(np.add(np.multiply(c[1]!, 1.5), 1), np.mean(np.square(x))), np.add(c[2]!, np.sin(x))],
      [i32(0), f64(0), np.zerosLike(x)],
    ),
  args: [
    { shape: [], kind: "f" },
    { shape, kind: "f" },
  ],
}));

/** foriLoop with array bounds: traced (a while loop) where batched, static (a scan) where not. */
const foriBounds: Gen = shapeArb(0, 2).map((shape) => ({
  name: "foriLoop(lo, hi)",
  f: (lo: Arr, hi: Arr, x: Arr) => lax.foriLoop(lo, hi, (i: Arr, c: Arr) => np.add(np.multiply(c, 0.5), np.multiply(i, x)), x),
  args: [
    { shape: [], kind: { idx: [-1, 2] } },
    { shape: [], kind: { idx: [0, 4] } },
    { shape, kind: "f" },
  ],
}));

/** scan with a pytree carry, ys of two ranks, a captured constant, reverse and unroll drawn. */
const scanSpec: Gen = fc.tuple(shapeArb(0, 2), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.integer({ min: 1, max: 3 })).map(([shape, length, reverse, unroll]) => ({
  name: `scan(length ${length}, reverse ${reverse}, unroll ${unroll})`,
  f: (c0: Arr, xs: Arr, w: Arr) =>
    lax.scan(
      (c: { a: Arr; k: Arr }, x: Arr) => [
        { a: np.add(np.multiply(np.tanh(c.a), w), x), k: np.add(c.k, 1) },
        [np.subtract(c.a, x), np.sum(np.multiply(c.a, w))],
      ],
      { a: c0, k: f64(0) },
      xs,
      { reverse, unroll },
    ),
  args: [
    { shape, kind: "f" },
    { shape: [length, ...shape], kind: "f" },
    { shape: [], kind: "f" },
  ],
}));

/** scan over a pytree of xs without a carry that depends on them (ys only). */
const scanXsTree: Gen = fc.tuple(side, side).map(([length, k]) => ({
  name: "scan(xs tree)",
  f: (u: Arr, v: Arr) =>
    lax.scan((c: Arr, x: { u: Arr; v: Arr }) => [np.add(c, 1), { p: np.multiply(x.u, x.v), q: np.multiply(x.u, c) }], f64(0), { u, v }),
  args: [
    { shape: [length, k], kind: "f" },
    { shape: [length], kind: "f" },
  ],
}));

/** Loops inside loops: a scan whose body runs a while loop and a cond. */
const nested: Gen = fc.tuple(side, side).map(([length, k]) => ({
  name: "scan(while, cond)",
  f: (xs: Arr, m: Arr) =>
    lax.scan(
      (c: Arr, t: Arr) => {
        const [steps, acc] = lax.whileLoop(
          (s: Arr[]) => np.less(s[0]!, m),
          (s: Arr[]) => [np.add(s[0]!, 1), np.add(np.multiply(s[1]!, 0.5), t)],
          [i32(0), c],
        );
        const out = lax.cond(
          np.greater(np.sum(acc!), 0),
          (a: Arr) => np.subtract(a, 1),
          (a: Arr) => np.multiply(a, a),
          acc,
        );
        return [out, steps];
      },
      np.zeros([k], { dtype: "float64" }),
      xs,
    ),
  args: [
    { shape: [length, k], kind: "f" },
    { shape: [], kind: { idx: [0, 3] } },
  ],
}));

/** lax.map with batchSize (a scan of vmapped slices plus a vmapped rest) inside vmap. */
const mapBatched: Gen = fc.tuple(fc.integer({ min: 1, max: 5 }), side, side).map(([length, k, batchSize]) => ({
  name: `lax.map(batchSize ${batchSize})`,
  f: (xs: Arr, c: Arr) =>
    lax.map(
      (r: Arr) =>
        lax.cond(
          np.greater(np.sum(r), c),
          (a: Arr) => np.sin(a),
          (a: Arr) => np.multiply(a, c),
          r,
        ),
      xs,
      { batchSize },
    ),
  args: [
    { shape: [length, k], kind: "f" },
    { shape: [], kind: "f" },
  ],
}));

/** vmap inside the per-example function (so vmap of vmap of control flow), over the inner axis 1. */
const innerVmap: Gen = fc.tuple(side, side).map(([a, b]) => ({
  name: "vmap(scan) inside",
  f: (x: Arr, n: Arr) =>
    vmap(
      (col: Arr) =>
        lax.whileLoop(
          (c: Arr[]) => np.less(c[0]!, n),
          (c: Arr[]) => [np.add(c[0]!, 1), np.add(np.multiply(c[1]!, 0.5), col)],
          [i32(0), col],
        ),
      { inAxes: 1 },
    )(x),
  args: [
    { shape: [a, b], kind: "f" },
    { shape: [], kind: { idx: [0, 3] } },
  ],
}));

/** The same in float32, which the wasm backend runs with SIMD code. */
const float32Scan: Gen = fc.tuple(side, side).map(([length, k]) => ({
  name: "scan float32",
  f: (c0: Arr, xs: Arr) => lax.scan((c: Arr, x: Arr) => [np.add(np.multiply(np.sin(c), 0.5), x), np.multiply(c, x)], c0, xs),
  args: [
    { shape: [k], kind: "f32" },
    { shape: [length, k], kind: "f32" },
  ],
  tol: { rtol: 2e-6, atol: 2e-6 },
}));

const SPECS: [string, Gen][] = [
  ["cond with a bool predicate argument", condOnArg],
  ["cond with a predicate computed from the operand", condOnValue],
  ["switch with out-of-range indices (clamped)", switchClamped],
  ["whileLoop with per-lane iteration counts", whileCounts],
  ["whileLoop with a predicate on a captured threshold", whileThreshold],
  ["foriLoop with array (traced or static) bounds", foriBounds],
  ["scan with pytree carry, reverse and unroll", scanSpec],
  ["scan over a pytree of xs", scanXsTree],
  ["nested: while and cond inside scan", nested],
  ["lax.map with batchSize", mapBatched],
  ["vmap of control flow inside vmap", innerVmap],
  ["scan in float32", float32Scan],
];

describe("vmap of control flow equals stacking per-example results", () => {
  it.each(SPECS)("%s", (_name, gen) => vmapProperty(gen, 8));
});

// --- under jit, and on the cpu reference device ------------------------------------------------

const MODES = ["vmap(jit(f))", "jit(vmap(f))", "jit(vmap(f)) on cpu"] as const;

/** Each placement of jit against the eager loop oracle, with the drawn in axes and random out axes. */
function checkUnderJit(d: Drawn): void {
  const { spec, n, inAxes, args } = d;
  const perI = perExample(spec.f, args, inAxes, n);
  const pick = chooser(d.outSeed);
  const axisFor = (l: unknown) => {
    const r = l instanceof np.Array ? l.ndim : 0;
    return pick(2 * r + 2) - (r + 1);
  };
  const out0 = perI[0];
  const outAxes: AxisSpec = out0 instanceof np.Array ? axisFor(out0) : (mapWithAxes(0, out0, (l) => axisFor(l)) as AxisSpec);
  const expected = stackOuts(perI, outAxes);
  for (const mode of MODES) {
    const actual =
      mode === "vmap(jit(f))"
        ? vmap(jit(spec.f), { inAxes, outAxes })(...args)
        : jit(vmap(spec.f, { inAxes, outAxes }), mode === "jit(vmap(f))" ? {} : { device: "cpu" })(...args);
    expectTreeClose(actual, expected, spec.tol, `${mode} ${spec.name} inAxes=${JSON.stringify(inAxes)} outAxes=${JSON.stringify(outAxes)} n=${n}`);
  }
}

describe("vmap of control flow under jit, on the default and the cpu reference device", () => {
  it.each(SPECS)("%s", (_name, gen) => {
    fc.assert(fc.property(drawn(gen), checkUnderJit), { numRuns: Math.max(1, Math.round(3 * RUNS_SCALE)) });
  });
});

// --- how each case is batched ---------------------------------------------------------------------

describe("the batched programs have JAX's shape", () => {
  const x = np.array([[1, -2, 3], [-4, 5, 6]], { dtype: "float64" });

  it("a batched predicate makes cond evaluate both branches and select; an unbatched one stays a cond", () => {
    const f = (p: Arr, v: Arr) =>
      lax.cond(
        p,
        (a: Arr) => np.sin(a),
        (a: Arr) => np.cos(a),
        v,
      );
    const batched = makeJaxpr(vmap(f))(np.array([true, false]), x).toString();
    expect(batched).not.toContain("cond[");
    expect(batched).toContain("select_n");
    const unbatched = makeJaxpr(vmap(f, { inAxes: [null, 0] }))(np.array(true), x).toString();
    expect(unbatched).toContain("cond[");
    expect(unbatched).not.toContain("select_n");
  });

  it("a scan keeps length, reverse and unroll, and batched xs keep the scan axis first", () => {
    const f = (xs: Arr) => lax.scan((c: Arr, t: Arr) => [np.add(c, t), c], f64(0), xs, { reverse: true, unroll: 2 });
    // Batched at 0, the per-example xs (length 3) move their batch dim behind the scan axis.
    const text = makeJaxpr(vmap(f))(x).toString();
    expect(text).toMatch(/transpose\[permutation=\(1, 0\)\] a[^]*scan\[[^]*length=3[^]*reverse=True[^]*unroll=2/);
    const [carry, ys] = vmap(f)(x) as [Arr, Arr];
    expect(carry.tolist()).toEqual([2, 7]);
    expect(ys.tolist()).toEqual([
      [1, 3, 0],
      [11, 6, 0],
    ]);
  });

  it("empty loops: a scan of length 0 and a while loop that never runs keep their batched inits", () => {
    const f = (c0: Arr, xs: Arr) => lax.scan((c: Arr, t: Arr) => [np.add(c, t), np.multiply(c, t)], c0, xs);
    const [carry, ys] = vmap(f, { inAxes: [0, 1] })(np.array([1, 2], { dtype: "float64" }), np.zeros([0, 2], { dtype: "float64" })) as [Arr, Arr];
    expect(carry.tolist()).toEqual([1, 2]);
    expect(ys.shape).toEqual([2, 0]);
    const w = (n: Arr, v: Arr) =>
      lax.whileLoop(
        (c: Arr[]) => np.less(c[0]!, n),
        (c: Arr[]) => [np.add(c[0]!, 1), np.multiply(c[1]!, 2)],
        [i32(0), v],
      );
    const [i, v] = vmap(w)(np.array([0, 0], { dtype: "int32" }), np.array([3, 4], { dtype: "float64" })) as Arr[];
    expect(i!.tolist()).toEqual([0, 0]);
    expect(v!.tolist()).toEqual([3, 4]);
  });

  it("a carry that is batched only through the body is found by fixpoint and the result is right", () => {
    // c[2] depends on c[1], which depends on the batched x: two steps of the fixpoint.
    const f = (v: Arr) =>
      lax.whileLoop(
        (c: Arr[]) => np.less(c[0]!, 3),
        (c: Arr[]) => [np.add(c[0]!, 1), np.multiply(c[1]!, v), np.add(c[2]!, c[1]!)],
        [i32(0), f64(1), f64(0)],
      );
    const v = np.array([2, 3], { dtype: "float64" });
    const [i, a, b] = vmap(f)(v) as Arr[];
    expect(i!.tolist()).toEqual([3, 3]);
    expect(a!.tolist()).toEqual([8, 27]);
    expect(b!.tolist()).toEqual([1 + 2 + 4, 1 + 3 + 9]);
  });
});
