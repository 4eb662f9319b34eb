/**
 * Every golden case of test/vmap/golden.test.ts again, under jit, against the same JAX values
 * (test/golden/vmap.json) and tolerances:
 *
 * - "jit of the transform": the whole case runs as one `jit((...inputs) => case(...inputs))`;
 * - "transform of jit": every function handed to a transform (vmap, jacfwd, jacrev, hessian,
 *   grad, jvp) is jitted first, so the innermost user function is a jit call that the outer
 *   transforms go through (`vmap(jacfwd(f))` becomes `vmap(jit(jacfwd(jit(f))))`).
 *
 * The registry below is the golden file's, verbatim, inside `makeCases(T)`, which takes the
 * transforms as a parameter. Plus a sample of the vmap-vs-loop properties on jitted functions.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  grad as grad0,
  hessian as hessian0,
  jacfwd as jacfwd0,
  jacrev as jacrev0,
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

type A = np.Array;
type Fn = (...xs: A[]) => unknown;

// --- golden file (as in golden.test.ts) --------------------------------------------------------

type EncNum = number | "nan" | "inf" | "-inf";
interface EncArray {
  dtype: string;
  shape: number[];
  data: EncNum[];
}
type EncTree = EncArray | EncTree[] | { dict: Record<string, EncTree> } | null;
interface GoldenCase {
  name: string;
  inputs: EncArray[];
  out: EncTree;
  rtol: number;
  atol: number;
}

const golden = JSON.parse(readFileSync(new URL("../golden/vmap.json", import.meta.url), "utf8")) as { source: string; cases: GoldenCase[] };

const decNum = (v: EncNum): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);

function decodeInput(e: EncArray): A {
  const flat = e.data.map(decNum);
  return np.reshape(np.array(flat, { dtype: e.dtype as np.DType }), e.shape);
}

/** Compares a jaxts result tree with an encoded JAX result; collects mismatches. */
function compareTree(got: unknown, exp: EncTree, rtol: number, atol: number, path: string, errs: string[]): void {
  if (exp === null) {
    if (got !== null && got !== undefined) errs.push(`${path}: expected null, got ${String(got)}`);
    return;
  }
  if (Array.isArray(exp)) {
    if (!Array.isArray(got) || got.length !== exp.length) {
      errs.push(`${path}: expected a list of ${exp.length}, got ${Array.isArray(got) ? `a list of ${got.length}` : String(got)}`);
      return;
    }
    exp.forEach((e, i) => compareTree(got[i], e, rtol, atol, `${path}[${i}]`, errs));
    return;
  }
  if ("dict" in exp) {
    const keys = Object.keys(exp.dict).sort();
    if (got === null || typeof got !== "object" || Array.isArray(got) || got instanceof np.Array) {
      errs.push(`${path}: expected an object with keys ${keys}, got ${String(got)}`);
      return;
    }
    const gotKeys = Object.keys(got).sort();
    if (JSON.stringify(gotKeys) !== JSON.stringify(keys)) errs.push(`${path}: keys ${gotKeys} != ${keys}`);
    for (const k of keys) compareTree((got as Record<string, unknown>)[k], exp.dict[k]!, rtol, atol, `${path}.${k}`, errs);
    return;
  }
  if (!(got instanceof np.Array)) {
    errs.push(`${path}: expected an array, got ${String(got)}`);
    return;
  }
  if (got.dtype !== exp.dtype) errs.push(`${path}: dtype ${got.dtype} != ${exp.dtype}`);
  if (JSON.stringify(got.shape) !== JSON.stringify(exp.shape)) {
    errs.push(`${path}: shape [${got.shape}] != [${exp.shape}]`);
    return;
  }
  const exact = exp.dtype !== "float64" && exp.dtype !== "float32";
  const data = Array.from(got.dataSync() as ArrayLike<number>, Number);
  let bad = 0;
  exp.data.forEach((ev, i) => {
    const e = decNum(ev);
    const g = data[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(g) : exact || !Number.isFinite(e) ? g === e : Math.abs(g - e) <= atol + rtol * Math.abs(e);
    if (!ok && bad++ < 6) errs.push(`${path}[${i}] (flat): got ${g}, JAX ${e} (diff ${Math.abs(g - e)})`);
  });
  if (bad > 6) errs.push(`${path}: ... ${bad} mismatches in all`);
}

// --- the registry of golden.test.ts, over a given set of transforms -----------------------------

interface Transforms {
  vmap: typeof vmap0;
  grad: typeof grad0;
  jvp: typeof jvp0;
  jacfwd: typeof jacfwd0;
  jacrev: typeof jacrev0;
  hessian: typeof hessian0;
}

const plain: Transforms = { vmap: vmap0, grad: grad0, jvp: jvp0, jacfwd: jacfwd0, jacrev: jacrev0, hessian: hessian0 };

/** Each transform applied to `jit(f)` instead of `f`. */
const ofJit: Transforms = {
  vmap: ((f: Fn, opts?: Parameters<typeof vmap0>[1]) => vmap0(jit(f), opts)) as typeof vmap0,
  grad: (f, opts) => grad0(jit(f), opts),
  jvp: (f, primals, tangents, opts) => jvp0(jit(f), primals, tangents, opts),
  jacfwd: (f, opts) => jacfwd0(jit(f), opts),
  jacrev: (f, opts) => jacrev0(jit(f), opts),
  hessian: (f, opts) => hessian0(jit(f), opts),
};

function makeCases(T: Transforms): Record<string, Fn> {
  const { vmap, grad, jvp, jacfwd, jacrev, hessian } = T;

  const i32 = (x: A) => np.astype(x, "int32");
  const all = [null, null] as const; // `:` as an index entry
  const DN = ["NHWC", "HWIO", "NHWC"] as const;

  function loss(w1: A, b1: A, w2: A, x: A, y: A) {
    const h = np.tanh(np.add(np.matmul(x, w1), b1));
    return np.mean(np.square(np.subtract(np.matmul(h, w2), y)));
  }

  const vf = (x: A) => np.stack([np.multiply(x.slice(0), x.slice(1)), np.add(np.sin(x.slice(2)), x.slice(0)), np.multiply(np.exp(x.slice(1)), x.slice(2))]);
  const wide = (x: A) => np.stack([np.sum(np.square(x)), np.multiply(x.slice(0), np.cos(np.add(x.slice(1), x.slice(2))))]);
  const tall = (x: A) => np.stack([x.slice(0), np.multiply(x.slice(0), x.slice(1)), np.sin(x.slice(1)), np.exp(np.subtract(x.slice(0), x.slice(1)))]);
  const scalarF = (x: A) => np.add(np.sum(np.multiply(np.sin(x), x.slice([null, null, -1]))), np.multiply(np.square(x.slice(0)), x.slice(1)));
  const treeF = (d: { a: A; b: A }) => [np.sum(np.multiply(d.a, d.b.slice(all, 0))), np.outer(np.tanh(d.a), np.square(d.b.slice(all, 0)))];
  const three = (x: A, y: A, z: A) =>
    np.stack([
      np.add(np.multiply(x.slice(0), y.slice(1)), z),
      np.multiply(np.sin(x.slice(1)), np.square(z)),
      np.multiply(np.multiply(y.slice(0), y.slice(1)), x.slice(0)),
    ]);

  const cases: Record<string, Fn> = {
    // --- in_axes / out_axes
    matmul_in_axes_0_none: (x, w) => vmap(np.matmul, { inAxes: [0, null] })(x, w),
    matmul_both_batched: (a, b) => vmap(np.matmul)(a, b),
    matmul_in_axes_1_2_out_1: (a, b) => vmap(np.matmul, { inAxes: [1, 2], outAxes: 1 })(a, b),
    dot_in_axes_none_0: (v, m) => vmap(np.dot, { inAxes: [null, 0] })(v, m),
    matvec_in_axes_neg: (m, v) => vmap((a: A, b: A) => np.matmul(a, b), { inAxes: [-1, -1], outAxes: -1 })(m, v),
    out_axes_nonzero: (x, y) => vmap((a: A, b: A) => [np.multiply(a, b), np.outer(a, b)], { inAxes: [0, 1], outAxes: [1, -1] })(x, y),
    out_axes_none_for_unmapped: (x, c) => vmap((a: A, k: A) => [np.add(a, k), np.sin(k)], { inAxes: [0, null], outAxes: [0, null] })(x, c),
    out_axes_unmapped_broadcast: (x, c) => vmap((a: A, k: A) => [np.add(a, k), np.sin(k)], { inAxes: [0, null], outAxes: [0, 1] })(x, c),
    tree_prefix_in_axes_dict: (w, b, x) =>
      vmap((p: { w: A; b: A }, a: A) => np.tanh(np.add(np.matmul(a, p.w), p.b)), { inAxes: [{ w: null, b: 0 }, 1] })({ w, b }, x),
    tree_prefix_nested: (a0, a1, b, c) =>
      vmap(
        (d: { a: [A, A]; b: A }, z: A) => ({ s: np.add(np.matmul(d.a[0], d.b), z), t: np.multiply(d.a[1], np.sum(d.b)) }),
        { inAxes: [{ a: [1, null], b: 0 }, 0], outAxes: { s: 0, t: 1 } },
      )({ a: [a0, a1], b }, c),
    tree_prefix_output_list: (x, y) =>
      vmap((a: A, b: A) => [np.add(a, b), [np.multiply(a, b), np.sum(a)]], { inAxes: [0, 1], outAxes: [0, [1, 0]] })(x, y),
    axis_size_all_unmapped: (v) => vmap((a: A) => np.add(np.multiply(a, 2), 1), { inAxes: null, axisSize: 3 })(v),
    axis_size_no_args: () => vmap(() => np.astype(np.arange(3), "float64"), { axisSize: 2 })(),

    // --- slicing, indexing, reductions
    slicing_basic: (x) =>
      vmap((a: A) => [a.slice([1, null], [null, null, 2]), a.slice(-1), a.slice([null, null, -1], 0), a.slice(null, [1, 3], -2)])(x),
    slicing_in_axes_1: (x) => vmap((a: A) => a.slice([null, null, -2], [1, null]), { inAxes: 1, outAxes: 2 })(x),
    indexing_batched_indices: (x, i) => vmap((a: A, j: A) => a.slice(j))(x, i),
    indexing_unbatched_indices: (x, i) => vmap((a: A, j: A) => [np.take(a, j, 0), a.slice(all, j)], { inAxes: [0, null] })(x, i),
    indexing_batched_indices_only: (x, i) => vmap((a: A, j: A) => a.slice(j), { inAxes: [null, 0] })(x, i),
    take_along_axis: (x, i) => vmap((a: A, j: A) => np.takeAlongAxis(a, j, 1), { inAxes: [0, 0] })(x, i),
    at_set_add: (x, i, v) =>
      vmap((a: A, j: A, b: A) => [a.at(j).set(b), a.at(j).add(np.multiply(b, 10)), a.at([1, 3]).mul(b)])(x, i, v),
    dynamic_slice_batched_start: (x, i) => vmap((a: A, j: A) => lax.dynamicSlice(a, [j, 1], [2, 3]))(x, i),
    dynamic_slice_negative_starts: (x, i) => vmap((a: A, j: A) => lax.dynamicSlice(a, [j, np.array(-2, { dtype: "int32" })], [2, 3]))(x, i),
    dynamic_slice_unbatched_starts: (x) =>
      vmap((a: A) => [lax.dynamicSlice(a, [1, -1], [2, 2]), lax.dynamicUpdateSlice(a, np.ones([2, 2], { dtype: "float64" }), [-2, 7])], { inAxes: 1 })(x),
    dynamic_update_slice_batched_start: (x, u, i) => vmap((a: A, b: A, j: A) => lax.dynamicUpdateSlice(a, b, [j, j]), { inAxes: [0, null, 0] })(x, u, i),
    reductions_with_axes: (x) =>
      vmap((a: A) => [np.sum(a, 0), np.max(a, [0, 1]), np.mean(a, -1), i32(np.argmax(a, 1)), np.var(a, 0, { keepdims: true })], { inAxes: 2 })(x),
    reductions_all_axes_out_1: (x) => vmap((a: A) => [np.sum(a), np.prod(a, [1]), np.logsumexp(a, 0)], { inAxes: 1, outAxes: -1 })(x),
    cumsum_sort: (x) => vmap((a: A) => [np.cumsum(a, 0), np.sort(a, 0), i32(np.argsort(a.slice(all, 1)))], { inAxes: 1, outAxes: -1 })(x),
    conv_both_batched_groups: (lhs, rhs) =>
      vmap((l: A, r: A) => lax.convGeneralDilated(l, r, [1, 1], "SAME", { dimensionNumbers: DN, featureGroupCount: 2 }))(lhs, rhs),
    conv_rhs_batched: (lhs, rhs) =>
      vmap((l: A, r: A) => lax.convGeneralDilated(l, r, [2, 1], [[1, 0], [0, 1]], { dimensionNumbers: DN }), { inAxes: [null, 0] })(lhs, rhs),
    reduce_window_max: (x) => vmap((a: A) => lax.reduceWindow(a, -Infinity, lax.max, [2, 2], [1, 2], "SAME"), { inAxes: 1 })(x),

    // --- with other transforms
    per_example_grads: (w1, b1, w2, x, y) =>
      vmap(grad((p: { w1: A; b1: A; w2: A }, a: A, b: A) => loss(p.w1, p.b1, p.w2, a, b)), { inAxes: [null, 0, 0] })({ w1, b1, w2 }, x, y),
    grad_of_vmap: (w, x) => grad((ww: A) => np.sum(np.square(vmap((a: A) => np.tanh(np.matmul(a, ww)))(x))))(w),
    grad_of_vmap_in_axes: (w, x) => grad((ww: A, xx: A) => np.sum(np.sin(vmap(np.dot, { inAxes: [null, 1] })(ww, xx))), { argnums: [0, 1] })(w, x),
    nested_vmap: (a, b) => vmap(vmap((x: A, y: A) => np.multiply(np.dot(x, y), x), { inAxes: [0, null] }), { inAxes: [null, 0] })(a, b),
    nested_vmap_axes: (a, b) => {
      const inner = vmap((x: A, y: A) => np.add(np.sum(np.multiply(x, y)), x), { inAxes: [1, null], outAxes: -1 });
      return vmap(inner, { inAxes: [0, 0], outAxes: 1 })(a, b);
    },
    vmap_of_jit_and_jit_of_vmap: (x, c) => {
      const f = jit((a: A, k: A) => [np.multiply(np.sin(a), k), np.cos(k)]);
      return [vmap(f, { inAxes: [0, null], outAxes: [1, null] })(x, c), jit(vmap((a: A) => np.multiply(np.cumsum(a), c)))(x)];
    },
    vmap_jvp: (x, t) => vmap((a: A, b: A) => jvp((z: A) => np.multiply(np.sin(z), np.sum(z)), [a], [b]))(x, t),
    vmap_of_hessian_vector: (x, v) => vmap((a: A) => np.matmul(hessian((z: A) => np.sum(np.square(np.tanh(z))))(a), v))(x),

    // --- Jacobians
    jacfwd_vector: (x) => jacfwd(vf)(x),
    jacrev_vector: (x) => jacrev(vf)(x),
    jacfwd_nonsquare_wide: (x) => jacfwd(wide)(x),
    jacrev_nonsquare_wide: (x) => jacrev(wide)(x),
    jacfwd_nonsquare_tall: (x) => jacfwd(tall)(x),
    jacrev_nonsquare_tall: (x) => jacrev(tall)(x),
    jacobian_matrix_in_matrix_out: (m, w) => {
      const f = (a: A) => np.tanh(np.matmul(a, w));
      return [jacfwd(f)(m), jacrev(f)(m)];
    },
    jacobian_scalar_in: (s) => {
      const f = (a: A) => np.stack([np.sin(a), np.power(a, 3)]);
      return [jacfwd(f)(s), jacrev(f)(s)];
    },
    hessian_scalar_function: (x) => hessian(scalarF)(x),
    hessian_vector_function: (x) => hessian((z: A) => np.stack([np.multiply(np.square(z.slice(0)), z.slice(1)), np.sin(np.multiply(z.slice(0), z.slice(1)))]))(x),
    jacfwd_pytree: (a, b) => jacfwd(treeF)({ a, b }),
    jacrev_pytree: (a, b) => jacrev(treeF)({ a, b }),
    hessian_pytree: (a, b) => hessian((d: { a: A; b: A }) => np.add(treeF(d)[0]!, np.sum(np.power(d.a, 3))))({ a, b }),
    jacfwd_argnums_array: (x, y, z) => jacfwd(three, { argnums: [0, 2] })(x, y, z),
    jacrev_argnums_array: (x, y, z) => jacrev(three, { argnums: [2, 1] })(x, y, z),
    jacrev_argnums_int: (x, y, z) => jacrev(three, { argnums: 1 })(x, y, z),
    hessian_argnums_array: (x, y) =>
      hessian((a: A, b: A) => np.add(np.multiply(np.sum(np.sin(a)), np.sum(np.square(b))), np.multiply(a.slice(0), b.slice(2))), { argnums: [0, 1] })(x, y),
    jacrev_of_vmap: (w, x) => jacrev((ww: A) => vmap((a: A) => np.tanh(np.dot(a, ww)))(x))(w),
    vmap_of_jacfwd: (x) => vmap(jacfwd(vf))(x),
  };
  return cases;
}

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
