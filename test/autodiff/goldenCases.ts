/**
 * The autodiff golden cases (test/golden/gen_autodiff.py writes test/golden/autodiff.json): the
 * decoding and comparison helpers, and the registry of jaxts functions, one per Python `@case`
 * (same keys, same order), over a given set of transforms so that golden.test.ts runs them as
 * they are and underJit.test.ts with every transform applied to jitted functions.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { type EncArray, type GoldenCase, compareTree, decodeInput as decodeArray } from "../goldenTree.js";
import {
  checkpoint as checkpoint0,
  checkpointPolicies,
  customJvp,
  customVjp,
  grad as grad0,
  jit,
  jvp as jvp0,
  lax,
  linearTranspose as linearTranspose0,
  linearize as linearize0,
  nn,
  numpy as np,
  stopGradient,
  valueAndGrad as valueAndGrad0,
  vjp as vjp0,
} from "../../src/index.js";

export type A = np.Array;
export type Fn = (...xs: A[]) => unknown;

// --- golden file -----------------------------------------------------------------------------

export const golden = JSON.parse(readFileSync(new URL("../golden/autodiff.json", import.meta.url), "utf8")) as {
  source: string;
  cases: GoldenCase[];
};

/** A float64 input, built as users would: `np.array(data, {dtype: "float64"})`. */
export function decodeInput(e: EncArray): A {
  expect(e.dtype).toBe("float64");
  return decodeArray(e);
}

export { compareTree };

// --- the registry, over a given set of transforms ---------------------------------------------

export interface Transforms {
  grad: typeof grad0;
  valueAndGrad: typeof valueAndGrad0;
  vjp: typeof vjp0;
  jvp: typeof jvp0;
  linearize: typeof linearize0;
  linearTranspose: typeof linearTranspose0;
  checkpoint: typeof checkpoint0;
}

export const plain: Transforms = {
  grad: grad0,
  valueAndGrad: valueAndGrad0,
  vjp: vjp0,
  jvp: jvp0,
  linearize: linearize0,
  linearTranspose: linearTranspose0,
  checkpoint: checkpoint0,
};

/** Each transform applied to `jit(f)` instead of `f`. */
export const ofJit: Transforms = {
  grad: (f, opts) => grad0(jit(f), opts),
  valueAndGrad: (f, opts) => valueAndGrad0(jit(f), opts),
  vjp: (f, primals, opts) => vjp0(jit(f), primals, opts),
  jvp: (f, primals, tangents, opts) => jvp0(jit(f), primals, tangents, opts),
  linearize: (f, primals, opts) => linearize0(jit(f), primals, opts),
  linearTranspose: (f, primals) => linearTranspose0(jit(f), primals),
  checkpoint: ((f: Fn, opts?: Parameters<typeof checkpoint0>[1]) => checkpoint0(jit(f), opts)) as typeof checkpoint0,
};

export function makeCases(T: Transforms): Record<string, Fn> {
  const { grad, valueAndGrad, vjp, jvp, linearize, linearTranspose, checkpoint } = T;

  const wsum = (w: A, y: A) => np.sum(np.multiply(w, y));

  const f3 = (x: A, y: A, z: A) => np.sum(np.add(np.multiply(x, y), np.multiply(np.sin(z), np.power(y, 2))));

  const DN = ["NHWC", "HWIO", "NHWC"] as const;
  const conv = (l: A, r: A, strides: number[], padding: lax.ConvPadding, opts: Parameters<typeof lax.convGeneralDilated>[4] = {}) =>
    lax.convGeneralDilated(l, r, strides, padding, { dimensionNumbers: DN, ...opts });

  const xent = (logits: A, onehot: A) => np.negative(np.sum(np.multiply(onehot, nn.logSoftmax(logits))));

  // custom_jvp: jvp rule 2 cos(x) t, twice the true derivative.
  const sin2 = customJvp(function sin2(x: A) {
    return np.sin(x);
  }).defjvp(([x], [t]) => [np.sin(x), np.multiply(np.multiply(2, np.cos(x)), t)]);

  // custom_jvp of two arguments; the y-derivative is ten times too big.
  const mul10 = customJvp(function mul10(x: A, y: A) {
    return np.multiply(x, y);
  }).defjvp(([x, y], [tx, ty]) => [np.multiply(x, y), np.add(np.multiply(y, tx), np.multiply(np.multiply(10, x), ty))]);

  // custom_vjp: bwd scales the gradient by 3.
  const sin3 = customVjp(function sin3(x: A) {
    return np.sin(x);
  }).defvjp(
    (x) => [np.sin(x), np.cos(x)],
    (c: A, g) => [np.multiply(np.multiply(3, c), g)],
  );

  // custom_vjp with dict residuals; only the x-gradient is scaled.
  const xsin = customVjp(function xsin(x: A, y: A) {
    return np.multiply(x, np.sin(y));
  }).defvjp(
    (x, y) => [np.multiply(x, np.sin(y)), { x, s: np.sin(y), c: np.cos(y) }],
    (r: { x: A; s: A; c: A }, g) => [np.multiply(np.multiply(3, g), r.s), np.multiply(np.multiply(g, r.x), r.c)],
  );

  // custom_vjp with no residuals.
  const double5 = customVjp(function double5(x: A) {
    return np.multiply(2, x);
  }).defvjp(
    (x) => [np.multiply(2, x), []],
    (_r, g) => [np.multiply(5, g)],
  );

  const deep = (x: A) => np.sum(np.power(np.sin(np.multiply(np.tanh(x), x)), 2));

  const cases: Record<string, Fn> = {
    // ========================================================================================
    // Conventions at non-differentiable points

    abs_at_zero: (x) => grad((x: A) => np.sum(np.abs(x)))(x),
    abs_scalar_zero: (x) => grad(np.abs)(x),
    relu_at_zero: (x) => grad((x: A) => np.sum(nn.relu(x)))(x),
    relu_grad_grad_zero: (x) => grad(grad(nn.relu))(x),
    maximum_ties: (x, y) => grad((x: A, y: A) => np.sum(np.maximum(x, y)), { argnums: [0, 1] })(x, y),
    minimum_ties: (x, y) => grad((x: A, y: A) => np.sum(np.minimum(x, y)), { argnums: [0, 1] })(x, y),
    maximum_with_zero: (x) => grad((x: A) => np.sum(np.maximum(x, 0)))(x),
    clip_at_bounds: (x) => grad((x: A) => np.sum(np.clip(x, -1, 1)))(x),
    max_reduce_ties: (x) => grad((x: A) => np.max(x))(x),
    max_reduce_ties_axis1: (x, ct) => vjp((x: A) => np.max(x, 1), [x])[1](ct),
    min_reduce_ties_axis0: (x, ct) => vjp((x: A) => np.min(x, 0), [x])[1](ct),
    min_reduce_all_ties: (x) => grad((x: A) => np.min(x))(x),
    max_reduce_axes_keepdims: (x, ct) => vjp((x: A) => np.max(x, [0, 2], { keepdims: true }), [x])[1](ct),
    sqrt_at_zero: (x) => grad((x: A) => np.sum(np.sqrt(x)))(x),
    sqrt_scalar_zero: (x) => grad(np.sqrt)(x),
    floor_zero_grad: (x) => grad((x: A) => np.sum(np.floor(x)))(x),
    ceil_zero_grad: (x) => grad((x: A) => np.sum(np.ceil(x)))(x),
    round_zero_grad: (x) => grad((x: A) => np.sum(np.round(x)))(x),
    sign_zero_grad: (x) => grad((x: A) => np.sum(np.sign(x)))(x),
    x_times_floor: (x) => grad((x: A) => np.sum(np.multiply(x, np.floor(x))))(x),
    where_double: (x) =>
      grad((x: A) => {
        const safe = np.where(np.greater(x, 0), x, 1);
        return np.sum(np.where(np.greater(x, 0), np.log(safe), 0));
      })(x),
    where_naive_nan: (x) => grad((x: A) => np.sum(np.where(np.greater(x, 0), np.log(x), 0)))(x),
    where_both_branches: (x) => grad((x: A) => np.sum(np.where(np.greater(x, 0), np.power(x, 2), np.sin(x))))(x),

    // ========================================================================================
    // Higher order

    grad_grad_sin: (x) => grad(grad(np.sin))(x),
    grad3_tanh: (x) => grad(grad(grad(np.tanh)))(x),
    grad_grad_poly_exp: (x) => grad(grad((x: A) => np.multiply(np.power(x, 3), np.exp(x))))(x),
    grad_of_norm_of_grad: (x) => {
      const inner = grad((z: A) => np.sum(np.multiply(np.sin(z), z)));
      return grad((x: A) => np.sum(np.power(inner(x), 2)))(x);
    },
    grad_grad_mixed_partials: (x, y) => {
      const dfdy = (a: A, b: A) => grad((a: A, b: A) => np.add(np.sin(np.multiply(a, b)), np.multiply(np.power(a, 2), b)), { argnums: 1 })(a, b);
      return grad(dfdy, { argnums: [0, 1] })(x, y);
    },
    hvp_sin_sq: (x, v) => {
      const f = (x: A) => np.sum(np.multiply(np.sin(x), np.power(x, 2)));
      return jvp(grad(f), [x], [v]);
    },
    hvp_rosenbrock: (x, v) => {
      const f = (x: A) => {
        const hi = x.slice([1, null]);
        const lo = x.slice([null, -1]);
        return np.sum(np.add(np.multiply(100, np.power(np.subtract(hi, np.power(lo, 2)), 2)), np.power(np.subtract(1, lo), 2)));
      };
      return jvp(grad(f), [x], [v]);
    },
    hvp_logsumexp_quadratic: (a, x, v) => {
      const f = (x: A) => np.add(nn.logsumexp(np.matmul(a, x)), np.multiply(0.5, np.dot(x, x)));
      return jvp(grad(f), [x], [v]);
    },
    jvp_basic_two_args: (x, y, tx, ty) => jvp((x: A, y: A) => np.multiply(np.sin(x), y), [x, y], [tx, ty]),
    jvp_of_jvp: (x, t, s) => {
      const f = (x: A) => np.exp(np.sin(x));
      const g = (x: A) => jvp(f, [x], [t])[1];
      return jvp(g, [x], [s]);
    },
    vjp_of_jvp: (x, t, ct) => {
      const f = (x: A) => np.multiply(np.sin(x), np.exp(x));
      const g = (x: A) => jvp(f, [x], [t])[1];
      const [out, vjpFn] = vjp(g, [x]);
      return [out, vjpFn(ct)];
    },
    vjp_of_jvp_primal_and_tangent: (w, x, t, ct) => {
      const f = (x: A) => np.tanh(np.matmul(w, x));
      const g = (x: A, t: A) => jvp(f, [x], [t])[1];
      const [out, vjpFn] = vjp(g, [x, t]);
      return [out, vjpFn(ct)];
    },
    grad_of_vjp: (x, ct) => {
      const f = (x: A) => np.multiply(np.sin(x), x);
      return grad((x: A) => np.sum(np.power(vjp(f, [x])[1](ct)[0], 2)))(x);
    },

    // ========================================================================================
    // argnums, hasAux, valueAndGrad

    argnums_0_2: (x, y, z) => grad(f3, { argnums: [0, 2] })(x, y, z),
    argnums_1: (x, y, z) => grad(f3, { argnums: 1 })(x, y, z),
    argnums_reversed_value_and_grad: (x, y, z) => valueAndGrad(f3, { argnums: [2, 0] })(x, y, z),
    argnums_pytree_dict: (w, b, x) => {
      const loss = (params: { w: A; b: A }, x: A) => np.sum(np.power(np.tanh(np.add(np.matmul(params.w, x), params.b)), 2));
      return grad(loss)({ w, b }, x);
    },
    argnums_pytree_list: (a, b) => grad((p: A[]) => np.sum(np.multiply(p[0]!, np.exp(p[1]!))))([a, b]),
    grad_has_aux: (x) => grad((x: A) => [np.sum(np.power(x, 2)), { mean: np.mean(x), twice: np.multiply(2, x) }], { hasAux: true })(x),
    grad_has_aux_argnums: (x, y) =>
      grad((x: A, y: A) => [np.sum(np.multiply(np.sin(x), y)), [np.add(x, y), np.max(y)]], { argnums: [0, 1], hasAux: true })(x, y),
    value_and_grad_has_aux: (x) => valueAndGrad((x: A) => [np.sum(np.exp(x)), np.cos(x)], { hasAux: true })(x),
    vjp_has_aux: (x, ct) => {
      const [out, vjpFn, aux] = vjp((x: A) => [np.sin(x), np.sum(np.cos(x))], [x], { hasAux: true });
      return [out, vjpFn(ct), aux];
    },
    jvp_has_aux: (x, t) => jvp((x: A) => [np.multiply(np.sin(x), x), np.sum(x)], [x], [t], { hasAux: true }),

    // ========================================================================================
    // Broadcasting

    broadcast_rank0_col_full: (a, b, c) =>
      grad((a: A, b: A, c: A) => np.sum(np.multiply(np.sin(np.add(np.multiply(a, b), c)), c)), { argnums: [0, 1, 2] })(a, b, c),
    broadcast_row_vs_col: (x, y) => grad((x: A, y: A) => np.sum(np.exp(np.multiply(x, y))), { argnums: [0, 1] })(x, y),
    broadcast_trailing: (x, y) => grad((x: A, y: A) => np.sum(np.divide(x, y)), { argnums: [0, 1] })(x, y),
    broadcast_to_explicit: (x, w) => grad((x: A) => wsum(w, np.broadcastTo(x, [2, 3, 4])))(x),

    // ========================================================================================
    // Reductions

    sum_axis1: (x, ct) => vjp((x: A) => np.sum(np.sin(x), 1), [x])[1](ct),
    sum_axes_keepdims: (x, ct) => vjp((x: A) => np.sum(x, [0, 2], { keepdims: true }), [x])[1](ct),
    mean_axes: (x, ct) => vjp((x: A) => np.mean(x, [0, 2]), [x])[1](ct),
    mean_all_sq: (x) => grad((x: A) => np.mean(np.power(x, 2)))(x),
    prod_no_zero: (x) => grad((x: A) => np.prod(x))(x),
    prod_one_zero: (x) => grad((x: A) => np.prod(x))(x),
    prod_two_zeros: (x) => grad((x: A) => np.prod(x))(x),
    prod_axis_with_zeros: (x, ct) => vjp((x: A) => np.prod(x, 0), [x])[1](ct),
    var_axis0: (x, ct) => vjp((x: A) => np.var(x, 0), [x])[1](ct),
    var_ddof1: (x) => grad((x: A) => np.var(x, null, { ddof: 1 }))(x),
    std_axis1: (x, ct) => vjp((x: A) => np.std(x, 1), [x])[1](ct),
    std_all: (x) => grad((x: A) => np.std(x))(x),
    logsumexp_axis1: (x, ct) => vjp((x: A) => nn.logsumexp(x, 1), [x])[1](ct),
    logsumexp_axes_keepdims: (x, ct) => vjp((x: A) => nn.logsumexp(x, [0, 2], { keepdims: true }), [x])[1](ct),
    logsumexp_large: (x) => valueAndGrad((x: A) => nn.logsumexp(x))(x),
    logsumexp_neg_inf: (x) => valueAndGrad((x: A) => nn.logsumexp(x))(x),
    cumsum_axis1: (x, ct) => vjp((x: A) => np.cumsum(x, 1), [x])[1](ct),

    // ========================================================================================
    // Contractions

    matmul_2d: (a, b, w) => grad((a: A, b: A) => wsum(w, np.matmul(a, b)), { argnums: [0, 1] })(a, b),
    matmul_batched: (a, b, ct) => vjp(np.matmul, [a, b])[1](ct),
    matmul_broadcast_batch: (a, b, ct) => vjp(np.matmul, [a, b])[1](ct),
    matmul_vec_mat: (v, m, ct) => vjp(np.matmul, [v, m])[1](ct),
    matmul_mat_vec: (m, v, ct) => vjp(np.matmul, [m, v])[1](ct),
    dot_vectors: (x, y) => grad((x: A, y: A) => np.dot(x, y), { argnums: [0, 1] })(x, y),
    dot_general_batch: (x, y, ct) =>
      vjp(
        (x: A, y: A) =>
          lax.dotGeneral(x, y, [
            [[2], [0]],
            [[0], [1]],
          ]),
        [x, y],
      )[1](ct),
    dot_general_two_contractions: (x, y, ct) =>
      vjp(
        (x: A, y: A) =>
          lax.dotGeneral(x, y, [
            [
              [1, 2],
              [1, 0],
            ],
            [[], []],
          ]),
        [x, y],
      )[1](ct),

    // ========================================================================================
    // Convolution (NHWC / HWIO)

    conv_valid_strides: (l, r, ct) => vjp((l: A, r: A) => conv(l, r, [2, 1], "VALID"), [l, r])[1](ct),
    conv_same_strides: (l, r, ct) => vjp((l: A, r: A) => conv(l, r, [1, 2], "SAME"), [l, r])[1](ct),
    conv_rhs_dilation_same: (l, r, ct) => vjp((l: A, r: A) => conv(l, r, [1, 1], "SAME", { rhsDilation: [2, 1] }), [l, r])[1](ct),
    conv_rhs_dilation_valid_strides: (l, r, ct) => vjp((l: A, r: A) => conv(l, r, [2, 2], "VALID", { rhsDilation: [3, 2] }), [l, r])[1](ct),
    conv_feature_groups: (l, r, ct) => vjp((l: A, r: A) => conv(l, r, [1, 1], "VALID", { featureGroupCount: 2 }), [l, r])[1](ct),
    conv_explicit_padding_lhs_dilation: (l, r, ct) =>
      vjp(
        (l: A, r: A) =>
          conv(
            l,
            r,
            [1, 1],
            [
              [1, 2],
              [1, 1],
            ],
            { lhsDilation: [2, 2] },
          ),
        [l, r],
      )[1](ct),
    conv_grad_of_sum_sin: (l, r) => grad((l: A, r: A) => np.sum(np.sin(conv(l, r, [1, 1], "SAME"))), { argnums: [0, 1] })(l, r),

    // ========================================================================================
    // Slicing, indexing, concatenation, padding, transposes, reshapes

    slice_reverse_step2: (x, ct) => vjp((x: A) => x.slice([null, null, -2]), [x])[1](ct), // x[::-2]
    slice_1_neg1: (x, ct) => vjp((x: A) => x.slice([1, -1]), [x])[1](ct), // x[1:-1]
    index_int: (x, ct) => vjp((x: A) => x.slice(1), [x])[1](ct), // x[1]
    index_neg_int_step: (x, ct) => vjp((x: A) => x.slice(-1, [null, null, 2]), [x])[1](ct), // x[-1, ::2]
    slice_2d_reverse: (x, ct) => vjp((x: A) => x.slice([1, null], [null, null, -1]), [x])[1](ct), // x[1:, ::-1]
    index_ellipsis: (x, ct) => vjp((x: A) => x.slice("...", 1), [x])[1](ct), // x[..., 1]
    lax_slice_strides: (x, ct) => vjp((x: A) => lax.slice(x, [0, 1], [3, 4], [2, 2]), [x])[1](ct),
    concatenate_axis1: (a, b, c, ct) => vjp((a: A, b: A, c: A) => np.concatenate([a, b, c], 1), [a, b, c])[1](ct),
    stack_axis1: (a, b, ct) => vjp((a: A, b: A) => np.stack([a, b], 1), [a, b])[1](ct),
    lax_pad_negative_interior: (x, pv, ct) =>
      vjp(
        (x: A, pv: A) =>
          lax.pad(x, pv, [
            [1, -1, 1],
            [-1, 2, 0],
          ]),
        [x, pv],
      )[1](ct),
    lax_pad_interior_only: (x, pv, ct) => vjp((x: A, pv: A) => lax.pad(x, pv, [[0, 0, 2]]), [x, pv])[1](ct),
    lax_pad_all_negative: (x, pv, ct) =>
      vjp(
        (x: A, pv: A) =>
          lax.pad(x, pv, [
            [-1, -1, 0],
            [-2, -1, 0],
          ]),
        [x, pv],
      )[1](ct),
    np_pad_constant: (x, ct) =>
      vjp(
        (x: A) =>
          np.pad(x, [
            [1, 2],
            [0, 1],
          ]),
        [x],
      )[1](ct),
    transpose_perm: (x, ct) => vjp((x: A) => np.transpose(x, [1, 2, 0]), [x])[1](ct),
    reshape_weighted: (x, w) => grad((x: A) => wsum(w, np.power(np.reshape(x, [4, 6]), 2)))(x),
    transpose_reshape_combo: (x, ct) => vjp((x: A) => np.sin(x.T.reshape([-1])), [x])[1](ct),

    // ========================================================================================
    // Softmax, cross-entropy, large inputs

    softmax_xent: (logits, onehot) => valueAndGrad(xent)(logits, onehot),
    softmax_xent_large: (logits, onehot) => valueAndGrad(xent)(logits, onehot),
    softmax_vjp_large: (x, ct) => {
      const [out, f] = vjp((x: A) => nn.softmax(x), [x]);
      return [out, f(ct)];
    },
    log_softmax_vjp_large: (x, ct) => {
      const [out, f] = vjp((x: A) => nn.logSoftmax(x), [x]);
      return [out, f(ct)];
    },
    softmax_jvp_axis0: (x, t) => jvp((x: A) => nn.softmax(x, 0), [x], [t]),
    softmax_hvp: (x, w, v) => {
      const f = (x: A) => np.sum(np.multiply(w, nn.softmax(x)));
      return jvp(grad(f), [x], [v]);
    },
    logsumexp_hvp: (x, v) => jvp(grad((x: A) => nn.logsumexp(x)), [x], [v]),
    logaddexp_ties: (x, y) => grad((x: A, y: A) => np.sum(np.logaddexp(x, y)), { argnums: [0, 1] })(x, y),
    softplus_large: (x) => valueAndGrad((x: A) => np.sum(nn.softplus(x)))(x),

    // ========================================================================================
    // linearize, linearTranspose

    linearize_sin_exp: (x, t1, t2) => {
      const [out, fJvp] = linearize((x: A) => np.multiply(np.sin(x), np.exp(x)), [x]);
      return [out, fJvp(t1), fJvp(t2)];
    },
    linearize_two_args: (x, y, tx, ty) => {
      const [out, fJvp] = linearize((x: A, y: A) => np.tanh(np.matmul(x, y)), [x, y]);
      return [out, fJvp(tx, ty)];
    },
    linear_transpose_rev_sum: (x, ct) => linearTranspose((x: A) => np.add(np.multiply(2, x.slice([null, null, -1])), np.sum(x)), [x])(ct),
    linear_transpose_matmul: (a, x, ct) => linearTranspose((x: A) => np.matmul(a, x), [x])(ct),
    linear_transpose_two_args: (x, y, ct) => linearTranspose((x: A, y: A) => np.subtract(np.multiply(3, x), y), [x, y])(ct),

    // ========================================================================================
    // customJvp (rule: 2 cos(x) t)

    custom_jvp_grad: (x) => grad(sin2)(x),
    custom_jvp_grad_grad: (x) => grad(grad(sin2))(x),
    custom_jvp_jvp: (x, t) => jvp(sin2, [x], [t]),
    custom_jvp_vector_product: (x) => grad((x: A) => np.sum(np.multiply(sin2(x), x)))(x),
    custom_jvp_two_args: (x, y) => grad((x: A, y: A) => np.sum(mul10(x, y)), { argnums: [0, 1] })(x, y),

    // ========================================================================================
    // customVjp (bwd: 3 cos(x) g)

    custom_vjp_grad: (x) => grad(sin3)(x),
    custom_vjp_grad_grad: (x) => grad(grad(sin3))(x),
    custom_vjp_vjp: (x, ct) => {
      const [out, f] = vjp(sin3, [x]);
      return [out, f(ct)];
    },
    custom_vjp_two_args_dict_residuals: (x, y) => grad((x: A, y: A) => np.sum(xsin(x, y)), { argnums: [0, 1] })(x, y),
    custom_vjp_empty_residuals: (x) => grad((x: A) => np.sum(np.multiply(double5(x), x)))(x),

    // ========================================================================================
    // checkpoint and stopGradient

    checkpoint_grad: (x) => [grad(checkpoint(deep))(x), grad(deep)(x)],
    checkpoint_grad_grad: (x) => {
      const f = (x: A) => np.power(np.sin(np.multiply(np.tanh(x), x)), 2);
      return grad(grad(checkpoint(f)))(x);
    },
    checkpoint_dots_saveable: (w, x) => {
      const f = (w: A, x: A) => np.sum(np.tanh(np.matmul(w, np.tanh(np.matmul(w, x)))));
      const g = checkpoint(f, { policy: checkpointPolicies.dotsSaveable });
      return grad(g, { argnums: [0, 1] })(w, x);
    },
    checkpoint_nested: (x) => {
      const inner = checkpoint((x: A) => np.exp(np.sin(x)));
      const outer = checkpoint((x: A) => np.sum(np.multiply(inner(x), np.cos(x))));
      return valueAndGrad(outer)(x);
    },
    checkpoint_jit_inside: (x) => valueAndGrad(checkpoint((x: A) => np.sum(np.multiply(jit(np.sin)(x), x))))(x),
    stop_gradient_product: (x) => grad((x: A) => np.sum(np.multiply(x, stopGradient(x))))(x),
    stop_gradient_tree: (a, b) => {
      const f = (a: A, b: A) => {
        const t = stopGradient({ a: np.multiply(a, b), b: [np.sin(b)] });
        return np.sum(np.add(np.add(np.multiply(t.a, a), np.multiply(t.b[0]!, b)), np.multiply(a, b)));
      };
      return grad(f, { argnums: [0, 1] })(a, b);
    },
    stop_gradient_grad_grad: (x) => grad(grad((x: A) => np.multiply(np.power(x, 2), stopGradient(x))))(x),
    stop_gradient_in_jvp: (x, t) => jvp((x: A) => np.add(np.sin(x), np.multiply(stopGradient(np.cos(x)), x)), [x], [t]),
  };
  return cases;
}
