/**
 * vmap's API: inAxes/outAxes as numbers (negative too), null, arrays and tree prefixes of
 * object arguments and results; axisSize (also with every input unmapped, or no input);
 * the `vmap(f, inAxes)` shorthand; and JAX's errors.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConcretizationTypeError, UnexpectedTracerError, ValueError, jit, numpy as np, vmap } from "../../src/index.js";
import { type Arr, type AxisSpec, RUNS_SCALE, arrayArb, expectTreeClose, loopVmap, mapWithAxes, shapeArb } from "./helpers.js";

const f64 = (data: number[] | number[][] | number[][][], dtype: np.DType = "float64") => np.array(data, { dtype });
const runs = (n: number) => Math.max(1, Math.round(n * RUNS_SCALE));

interface Params {
  w: Arr;
  b: Arr;
  extra: { s: Arr; t: [Arr, Arr] };
}

/** A per-example function of a nested object argument and an array. */
function model(p: Params, x: Arr) {
  const h = np.add(np.matmul(x, p.w), p.b);
  return {
    out: np.multiply(np.tanh(h), p.extra.s),
    pair: [np.sum(np.multiply(p.extra.t[0], p.extra.t[1])), np.max(h, -1)] as [Arr, Arr],
  };
}

const axisOrNull = (rank: number) => fc.oneof(fc.integer({ min: -(rank + 1), max: rank }), fc.constant(null));

describe("inAxes and outAxes as tree prefixes", () => {
  it("per-argument tree prefixes on object arguments (random mapped/unmapped leaves), object and array outAxes", () => {
    const insert = (shape: readonly number[], ax: number | null, n: number) => {
      if (ax === null) return [...shape];
      const s = [...shape];
      s.splice(ax < 0 ? ax + s.length + 1 : ax, 0, n);
      return s;
    };
    fc.assert(
      fc.property(
        fc
          .record({
            din: fc.integer({ min: 1, max: 3 }),
            dout: fc.integer({ min: 1, max: 3 }),
            n: fc.constantFrom(2, 3),
            w: axisOrNull(2),
            b: axisOrNull(1),
            s: axisOrNull(0),
            t0: axisOrNull(1),
            t1: axisOrNull(1),
            x: axisOrNull(1),
            // how the prefix for `extra` is written: one axis for the whole subtree, or per leaf
            extraAsOne: fc.boolean(),
            outOut: fc.integer({ min: -2, max: 1 }),
            outPair: fc.constantFrom<AxisSpec>(0, -1, [0, 0], [-1, 0], [0, -1]),
          })
          .chain((r0) => {
            const t0 = r0.extraAsOne ? r0.s : r0.t0;
            const t1 = r0.extraAsOne ? r0.s : r0.t1;
            // at least one mapped leaf
            const r = [r0.w, r0.b, r0.s, t0, t1, r0.x].every((a) => a === null) ? { ...r0, x: 0 } : r0;
            return fc
              .record({
                w: arrayArb(insert([r.din, r.dout], r.w, r.n), "f"),
                b: arrayArb(insert([r.dout], r.b, r.n), "f"),
                s: arrayArb(insert([], r.s, r.n), "f"),
                t0: arrayArb(insert([2], t0, r.n), "f"),
                t1: arrayArb(insert([2], t1, r.n), "f"),
                x: arrayArb(insert([r.din], r.x, r.n), "f"),
              })
              .map((v) => ({ r, v, t0, t1 }));
          }),
        ({ r, v, t0, t1 }) => {
          const params: Params = { w: v.w, b: v.b, extra: { s: v.s, t: [v.t0, v.t1] } };
          const extraSpec: AxisSpec = r.extraAsOne ? r.s : { s: r.s, t: [t0, t1] };
          const inAxes: AxisSpec = [{ w: r.w, b: r.b, extra: extraSpec }, r.x];
          const outAxes: AxisSpec = { out: r.outOut, pair: r.outPair };
          const expected = loopVmap(model, [params, v.x], inAxes, outAxes, r.n);
          expectTreeClose(vmap(model, { inAxes, outAxes })(params, v.x), expected);
        },
      ),
      { numRuns: runs(20) },
    );
  });

  it("a number or null applies to a whole argument tree; arrays of arrays as arguments", () => {
    const xs = f64([[1, 2], [3, 4], [5, 6]]);
    const ys = f64([[10, 20, 30], [40, 50, 60]]);
    const f = (pair: [Arr, Arr], z: Arr) => np.add(np.add(pair[0], pair[1]), z);
    // pair: first mapped along 0, second along 1 (as [2, 3] -> columns); z unmapped.
    const out = vmap(f, { inAxes: [[0, 1], null] })([xs, ys], f64([0.5, 0.25]));
    expectTreeClose(out, loopVmap(f, [[xs, ys], f64([0.5, 0.25])], [[0, 1], null], 0, 3));
    // one number for the whole pair
    const out2 = vmap(f, { inAxes: [0, null] })([xs, np.transpose(ys)], f64([0.5, 0.25]));
    expectTreeClose(out2, out);
    // the shorthand vmap(f, inAxes)
    expectTreeClose(vmap(f, [[0, 1], null])([xs, ys], f64([0.5, 0.25])), out);
    expectTreeClose(vmap((x: Arr) => np.sum(x), 1)(xs), np.sum(xs, 0));
    expectTreeClose(vmap((x: Arr) => np.sum(x), -1)(xs), np.sum(xs, 0));
  });

  it("JS numbers as unmapped arguments and as outputs", () => {
    const xs = f64([1, 2, 3]);
    const out = vmap((x: Arr, k: number) => [np.multiply(x, k), 7], { inAxes: [0, null] })(xs, 2) as Arr[];
    expectTreeClose(out[0], f64([2, 4, 6]));
    expect([...out[1]!.shape]).toEqual([3]);
    expect(Array.from(out[1]!.dataSync())).toEqual([7, 7, 7]);
    // with outAxes null a constant output stays a scalar
    const out2 = vmap((x: Arr) => [x, 7], { outAxes: [0, null] })(xs) as Arr[];
    expect(out2[1]!.ndim).toBe(0);
  });

  it("outAxes: negative, non-zero, null for outputs that do not depend on the batch", () => {
    const xs = np.reshape(np.arange(24), [2, 3, 4]).astype("float64");
    const c = f64([1, 2, 3, 4]);
    const f = (x: Arr) => ({ y: np.multiply(x, c), k: np.exp(c), m: np.max(x, 0) });
    for (const outAxes of [
      { y: 2, k: null, m: -1 },
      { y: -3, k: null, m: 0 },
      { y: 1, k: 0, m: 1 },
    ] as AxisSpec[]) {
      const got = vmap(f, { inAxes: 1, outAxes })(xs);
      expectTreeClose(got, loopVmap(f, [xs], 1, outAxes, 3));
    }
    // an unmapped output moved to a non-zero axis is broadcast there
    const k = (vmap(f, { inAxes: 1, outAxes: { y: 0, k: 1, m: 0 } })(xs) as { k: Arr }).k;
    expect([...k.shape]).toEqual([4, 3]);
  });

  it("random unmapped outputs with outAxes null next to mapped ones", () => {
    fc.assert(
      fc.property(shapeArb(0, 2).chain((s) => fc.tuple(fc.constant(s), arrayArb([2, ...s], "f"), arrayArb(s, "f"))), ([_s, xs, c]) => {
        const f = (x: Arr, cc: Arr) => [np.sin(x), np.cos(cc), np.add(x, cc)];
        const got = vmap(f, { inAxes: [0, null], outAxes: [-1, null, 0] })(xs, c);
        expectTreeClose(got, loopVmap(f, [xs, c], [0, null], [-1, null, 0], 2));
      }),
      { numRuns: runs(5) },
    );
  });
});

describe("axisSize", () => {
  it("with all inputs unmapped, outputs are broadcast along outAxes", () => {
    const x = f64([1, 2]);
    const got = vmap((a: Arr) => np.multiply(a, 2), { inAxes: null, axisSize: 3 })(x);
    expectTreeClose(got, f64([[2, 4], [2, 4], [2, 4]]));
    const got1 = vmap((a: Arr) => np.multiply(a, 2), { inAxes: [null], axisSize: 3, outAxes: 1 })(x);
    expectTreeClose(got1, f64([[2, 2, 2], [4, 4, 4]]));
  });

  it("with no arguments at all", () => {
    const got = vmap(() => np.ones([2], { dtype: "float64" }), { axisSize: 3 })();
    expectTreeClose(got, np.ones([3, 2], { dtype: "float64" }));
  });

  it("agreeing with the mapped inputs", () => {
    const xs = f64([[1, 2], [3, 4]]);
    expectTreeClose(vmap((a: Arr) => np.sum(a), { axisSize: 2 })(xs), f64([3, 7]));
  });

  it("under jit: jit(vmap(f, axisSize)) and vmap of a jit with every input unmapped", () => {
    const x = f64([1, 2]);
    expectTreeClose(jit(vmap((a: Arr) => np.sin(a), { inAxes: null, axisSize: 2 }))(x), np.stack([np.sin(x), np.sin(x)]));
    expectTreeClose(vmap(jit((a: Arr) => np.sin(a)), { inAxes: null, axisSize: 2 })(x), np.stack([np.sin(x), np.sin(x)]));
  });
});

describe("JAX's errors", () => {
  const x = np.ones([2, 3], { dtype: "float64" });
  const y = np.ones([3], { dtype: "float64" });
  const add = (a: Arr, b: Arr) => np.add(a, b);

  it("inconsistent mapped sizes: a ValueError naming the sizes", () => {
    expect(() => vmap(add)(x, y)).toThrow(ValueError);
    expect(() => vmap(add)(x, y)).toThrow(/inconsistent sizes for array axes to be mapped[\s\S]*size 2[\s\S]*size 3/);
    expect(() => vmap(add)(x, y)).toThrow(/float64\[2,3\][\s\S]*float64\[3\]/);
    expect(() => vmap((a: Arr) => a, { axisSize: 5 })(x)).toThrow(ValueError);
    expect(() => vmap((a: Arr) => a, { axisSize: 5 })(x)).toThrow(/axisSize.*5[\s\S]*size 2/);
    expect(() => vmap((p: { a: Arr; b: Arr }) => p.a, { inAxes: [{ a: 0, b: 1 }] })({ a: x, b: x })).toThrow(/inconsistent sizes[\s\S]*size 2[\s\S]*size 3/);
  });

  it("axis out of range: ValueError (inAxes), also negative ones and for scalars", () => {
    expect(() => vmap((a: Arr) => a, 2)(x)).toThrow(ValueError);
    expect(() => vmap((a: Arr) => a, 2)(x)).toThrow(/axis 2, which implies that its rank should be at least 3, but is only 2/);
    expect(() => vmap((a: Arr) => a, -3)(x)).toThrow(/axis -3, which implies that its rank should be at least 3, but is only 2/);
    expect(() => vmap((a: number) => a)(3)).toThrow(ValueError);
  });

  it("outAxes out of range: ValueError", () => {
    expect(() => vmap((a: Arr) => a, { outAxes: 2 })(x)).toThrow(ValueError);
    expect(() => vmap((a: Arr) => a, { outAxes: -3 })(x)).toThrow(ValueError);
    expect(() => vmap((a: Arr) => np.sum(a), { outAxes: 1 })(x)).toThrow(ValueError);
  });

  it("outAxes null for a mapped output: ValueError", () => {
    expect(() => vmap((a: Arr) => a, { outAxes: null })(x)).toThrow(ValueError);
    expect(() => vmap((a: Arr) => a, { outAxes: null })(x)).toThrow(/mapped output but outAxes is null/);
    expect(() => vmap((a: Arr) => [np.ones([2]), np.sin(a)], { outAxes: [null, null] })(x)).toThrow(ValueError);
    expect(() => vmap(jit((a: Arr) => np.sin(a)), { outAxes: null })(x)).toThrow(ValueError);
  });

  it("inAxes length mismatch: ValueError", () => {
    expect(() => vmap(add, { inAxes: [0] })(x, x)).toThrow(ValueError);
    expect(() => vmap(add, { inAxes: [0] })(x, x)).toThrow(/inAxes.*one entry per positional argument[\s\S]*length=1.*length=2/);
    expect(() => vmap(add, [0, 0, 0])(x, x)).toThrow(ValueError);
  });

  it("in/out axes that are not tree prefixes: ValueError", () => {
    expect(() => vmap((p: { a: Arr; b: Arr }) => p.a, { inAxes: [{ a: 0 }] })({ a: x, b: x })).toThrow(ValueError);
    expect(() => vmap((p: [Arr, Arr]) => p[0], { inAxes: [[0, 0, 0]] })([x, x])).toThrow(ValueError);
    expect(() => vmap((a: Arr) => [a, a], { outAxes: [0, 0, 0] })(x)).toThrow(ValueError);
  });

  it("no mapped input and no axisSize: ValueError", () => {
    expect(() => vmap((a: Arr) => a, null)(x)).toThrow(ValueError);
    expect(() => vmap((a: Arr) => a, { inAxes: [null] })(x)).toThrow(/at least one non-null value in inAxes or axisSize/);
    expect(() => vmap(() => np.ones([2]))()).toThrow(ValueError);
  });

  it("branching on a batched value: ConcretizationTypeError; a leaked batch tracer: UnexpectedTracerError", () => {
    expect(() => vmap((a: Arr) => (np.sum(a).item() ? a : np.negative(a)))(x)).toThrow(ConcretizationTypeError);
    expect(() => vmap((a: Arr) => (Number(np.sum(a)) > 0 ? a : np.negative(a)))(x)).toThrow(ConcretizationTypeError);
    let leaked: Arr | undefined;
    vmap((a: Arr) => {
      leaked = np.sin(a);
      return a;
    })(x);
    expect(() => np.add(leaked!, 1)).toThrow(UnexpectedTracerError);
  });

  it("axis specs that are not ints or null, and a top-level object inAxes: TypeError, when vmap is called", () => {
    expect(() => vmap((a: Arr) => a, 1.5 as never)).toThrow(TypeError);
    expect(() => vmap((a: Arr) => a, { inAxes: [0.5] })).toThrow(TypeError);
    expect(() => vmap((a: Arr) => a, { outAxes: "0" as never })).toThrow(TypeError);
    expect(() => vmap((a: Arr) => a, { inAxes: { a: 0 } })).toThrow(TypeError);
    expect(() => vmap((a: Arr) => a, { in_axes: 0 } as never)).toThrow(TypeError);
  });
});

void mapWithAxes;
