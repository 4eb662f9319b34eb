/**
 * The vmap golden cases (test/golden/gen_vmap.py writes test/golden/vmap.json): the registry of
 * jaxts functions, one per Python `@case` (same keys, same order), over a given set of
 * transforms, so golden.test.ts runs them as they are and underJit.test.ts over jitted functions.
 */
import { readFileSync } from "node:fs";
import {
  grad as grad0,
  hessian as hessian0,
  jacfwd as jacfwd0,
  jacrev as jacrev0,
  jit,
  jvp as jvp0,
  lax,
  numpy as np,
  vmap as vmap0,
} from "../../src/index.js";
import type { GoldenCase } from "../goldenTree.js";

export type A = np.Array;
export type Fn = (...xs: A[]) => unknown;

export const golden = JSON.parse(readFileSync(new URL("../golden/vmap.json", import.meta.url), "utf8")) as { source: string; cases: GoldenCase[] };

export interface Transforms {
  vmap: typeof vmap0;
  grad: typeof grad0;
  jvp: typeof jvp0;
  jacfwd: typeof jacfwd0;
  jacrev: typeof jacrev0;
  hessian: typeof hessian0;
}

export const plain: Transforms = { vmap: vmap0, grad: grad0, jvp: jvp0, jacfwd: jacfwd0, jacrev: jacrev0, hessian: hessian0 };

/** Each transform applied to `jit(f)` instead of `f`. */
export const ofJit: Transforms = {
  vmap: ((f: Fn, opts?: Parameters<typeof vmap0>[1]) => vmap0(jit(f), opts)) as typeof vmap0,
  grad: (f, opts) => grad0(jit(f), opts),
  jvp: (f, primals, tangents, opts) => jvp0(jit(f), primals, tangents, opts),
  jacfwd: (f, opts) => jacfwd0(jit(f), opts),
  jacrev: (f, opts) => jacrev0(jit(f), opts),
  hessian: (f, opts) => hessian0(jit(f), opts),
};

export function makeCases(T: Transforms): Record<string, Fn> {
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
