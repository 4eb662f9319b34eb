#!/usr/bin/env python3
"""Golden autodiff values from real JAX, in float64.

Run with the reference environment (JAX 0.10.2):

    ~/jaxref/bin/python test/golden/gen_autodiff.py

It writes test/golden/autodiff.json, which test/autodiff/golden.test.ts replays against jaxts
(CI needs no Python).

Every case is a function of float64 arrays that applies a transform (grad, jvp, vjp, ...) and
returns a pytree of arrays. The JSON records the inputs and the outputs; the TS test holds a
registry with the same keys, in the same order, holding the same function written with jaxts.
Keep the two registries paired: a case added here needs its twin in golden.test.ts.

Case format:
  {"name", "inputs": [array...], "out": tree, "rtol", "atol", "note"?}
  array: {"dtype", "shape", "data": flat row-major list}  (floats: "nan", "inf", "-inf" as strings)
  tree:  array | [tree...] (tuples and lists) | {"dict": {key: tree}} | null
"""
import json
import os

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20250117)

# Default tolerances: both sides run float64 with the same formulas, so results agree to a few
# ulps; atol covers values that come out of cancellation (true value ~0).
RTOL = 1e-12
ATOL = 1e-13

CASES = {}  # name -> (fn, inputs, rtol, atol, note)


def case(name, *inputs, rtol=RTOL, atol=ATOL, note=None):
    def deco(fn):
        assert name not in CASES, name
        CASES[name] = (fn, [np.asarray(x, dtype=np.float64) for x in inputs], rtol, atol, note)
        return fn

    return deco


def U(*shape, lo=-2.0, hi=2.0):
    """Uniform random float64 input, rounded to 4 decimals so the JSON stays readable."""
    return np.round(rng.uniform(lo, hi, size=shape), 4)


def P(*shape):
    """Positive random input (for log, division, sqrt)."""
    return U(*shape, lo=0.5, hi=2.5)


# Handy reductions used by many cases: a weighted sum makes a scalar with a non-uniform cotangent.
def wsum(w, y):
    return jnp.sum(w * y)


# ============================================================================================
# Conventions at non-differentiable points (JAX's choices)


@case("abs_at_zero", [-2.0, -0.0, 0.0, 3.0])
def _(x):  # grad(abs)(0) = 1 (and at -0.0: JAX's select(x >= 0, t, -t))
    return jax.grad(lambda x: jnp.sum(jnp.abs(x)))(x)


@case("abs_scalar_zero", 0.0)
def _(x):
    return jax.grad(jnp.abs)(x)


@case("relu_at_zero", [-1.0, 0.0, 2.0])
def _(x):  # relu's custom jvp: gradient 0 at 0
    return jax.grad(lambda x: jnp.sum(jax.nn.relu(x)))(x)


@case("relu_grad_grad_zero", 0.0)
def _(x):
    return jax.grad(jax.grad(jax.nn.relu))(x)


@case("maximum_ties", [1.0, 2.0, 3.0, -1.0], [1.0, 5.0, 3.0, -2.0])
def _(x, y):  # ties split the gradient evenly
    return jax.grad(lambda x, y: jnp.sum(jnp.maximum(x, y)), argnums=(0, 1))(x, y)


@case("minimum_ties", [1.0, 2.0, 3.0, -1.0], [1.0, 5.0, 3.0, -2.0])
def _(x, y):
    return jax.grad(lambda x, y: jnp.sum(jnp.minimum(x, y)), argnums=(0, 1))(x, y)


@case("maximum_with_zero", [-1.0, 0.0, 1.0])
def _(x):
    return jax.grad(lambda x: jnp.sum(jnp.maximum(x, 0.0)))(x)


@case("clip_at_bounds", [-2.0, -1.0, 0.0, 1.0, 2.0])
def _(x):  # jnp.clip is minimum(maximum(x, lo), hi): half the gradient at each bound
    return jax.grad(lambda x: jnp.sum(jnp.clip(x, -1.0, 1.0)))(x)


@case("max_reduce_ties", [1.0, 3.0, 3.0, 2.0])
def _(x):  # max/min reductions split evenly among the maxima
    return jax.grad(jnp.max)(x)


@case("max_reduce_ties_axis1", [[1.0, 1.0, 1.0], [2.0, 5.0, 5.0], [7.0, 0.0, 7.0]], [1.0, 2.0, 3.0])
def _(x, ct):
    return jax.vjp(lambda x: jnp.max(x, axis=1), x)[1](ct)


@case("min_reduce_ties_axis0", [[1.0, 4.0, 2.0], [1.0, 3.0, 2.0], [1.0, 3.0, 0.0]], [1.0, -2.0, 0.5])
def _(x, ct):
    return jax.vjp(lambda x: jnp.min(x, axis=0), x)[1](ct)


@case("min_reduce_all_ties", [[2.0, -1.0, 3.0], [-1.0, 0.0, -1.0]])
def _(x):
    return jax.grad(jnp.min)(x)


@case(
    "max_reduce_axes_keepdims",
    [[[1.0, 2.0], [2.0, 0.0], [5.0, 5.0]], [[2.0, 1.0], [-1.0, 0.0], [4.0, 5.0]]],
    [[[1.0], [-2.0], [3.0]]],
)
def _(x, ct):
    return jax.vjp(lambda x: jnp.max(x, axis=(0, 2), keepdims=True), x)[1](ct)


@case("sqrt_at_zero", [0.0, 4.0, 0.25])
def _(x):  # grad(sqrt)(0) = inf
    return jax.grad(lambda x: jnp.sum(jnp.sqrt(x)))(x)


@case("sqrt_scalar_zero", 0.0)
def _(x):
    return jax.grad(jnp.sqrt)(x)


@case("floor_zero_grad", [-1.5, -0.0, 0.3, 2.0, 2.7])
def _(x):
    return jax.grad(lambda x: jnp.sum(jnp.floor(x)))(x)


@case("ceil_zero_grad", [-1.5, -0.0, 0.3, 2.0, 2.7])
def _(x):
    return jax.grad(lambda x: jnp.sum(jnp.ceil(x)))(x)


@case("round_zero_grad", [-1.5, -0.0, 0.3, 2.5, 2.7])
def _(x):
    return jax.grad(lambda x: jnp.sum(jnp.round(x)))(x)


@case("sign_zero_grad", [-1.5, -0.0, 0.0, 2.5])
def _(x):
    return jax.grad(lambda x: jnp.sum(jnp.sign(x)))(x)


@case("x_times_floor", [-1.5, 0.3, 2.0, 2.7])
def _(x):  # product rule with a zero-gradient factor: d/dx x*floor(x) = floor(x)
    return jax.grad(lambda x: jnp.sum(x * jnp.floor(x)))(x)


@case("where_double", [-1.0, 0.0, 2.0])
def _(x):  # the double-where idiom keeps the gradient finite where log is undefined
    def f(x):
        safe = jnp.where(x > 0, x, 1.0)
        return jnp.sum(jnp.where(x > 0, jnp.log(safe), 0.0))

    return jax.grad(f)(x)


@case("where_naive_nan", [-1.0, 0.0, 2.0])
def _(x):  # ...and without it the zero cotangent meets 1/x: 0/0 = nan at 0 (-0 at -1)
    return jax.grad(lambda x: jnp.sum(jnp.where(x > 0, jnp.log(x), 0.0)))(x)


@case("where_both_branches", [-1.0, 0.0, 0.5, 2.0])
def _(x):
    return jax.grad(lambda x: jnp.sum(jnp.where(x > 0, x**2, jnp.sin(x))))(x)


# ============================================================================================
# Higher order


@case("grad_grad_sin", 0.7)
def _(x):
    return jax.grad(jax.grad(jnp.sin))(x)


@case("grad3_tanh", 0.3)
def _(x):
    return jax.grad(jax.grad(jax.grad(jnp.tanh)))(x)


@case("grad_grad_poly_exp", -0.4)
def _(x):
    return jax.grad(jax.grad(lambda x: x**3 * jnp.exp(x)))(x)


@case("grad_of_norm_of_grad", U(5))
def _(x):
    inner = jax.grad(lambda z: jnp.sum(jnp.sin(z) * z))
    return jax.grad(lambda x: jnp.sum(inner(x) ** 2))(x)


@case("grad_grad_mixed_partials", 0.8, -1.3)
def _(x, y):
    def dfdy(a, b):
        return jax.grad(lambda a, b: jnp.sin(a * b) + a**2 * b, argnums=1)(a, b)

    return jax.grad(dfdy, argnums=(0, 1))(x, y)


@case("hvp_sin_sq", U(6), U(6))
def _(x, v):  # Hessian-vector product as jvp of grad
    f = lambda x: jnp.sum(jnp.sin(x) * x**2)
    return jax.jvp(jax.grad(f), (x,), (v,))


@case("hvp_rosenbrock", U(5), U(5))
def _(x, v):
    f = lambda x: jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return jax.jvp(jax.grad(f), (x,), (v,))


@case("hvp_logsumexp_quadratic", U(4, 3), U(3), U(3))
def _(a, x, v):
    f = lambda x: jax.nn.logsumexp(a @ x) + 0.5 * jnp.dot(x, x)
    return jax.jvp(jax.grad(f), (x,), (v,))


@case("jvp_basic_two_args", U(4), U(4), U(4), U(4))
def _(x, y, tx, ty):
    return jax.jvp(lambda x, y: jnp.sin(x) * y, (x, y), (tx, ty))


@case("jvp_of_jvp", U(4), U(4), U(4))
def _(x, t, s):
    f = lambda x: jnp.exp(jnp.sin(x))
    g = lambda x: jax.jvp(f, (x,), (t,))[1]
    return jax.jvp(g, (x,), (s,))


@case("vjp_of_jvp", U(5), U(5), U(5))
def _(x, t, ct):
    f = lambda x: jnp.sin(x) * jnp.exp(x)
    g = lambda x: jax.jvp(f, (x,), (t,))[1]
    out, vjp_fn = jax.vjp(g, x)
    return out, vjp_fn(ct)


@case("vjp_of_jvp_primal_and_tangent", U(3, 4), U(4), U(4), U(3))
def _(w, x, t, ct):
    f = lambda x: jnp.tanh(w @ x)
    g = lambda x, t: jax.jvp(f, (x,), (t,))[1]
    out, vjp_fn = jax.vjp(g, x, t)
    return out, vjp_fn(ct)


@case("grad_of_vjp", U(4), U(4))
def _(x, ct):
    f = lambda x: jnp.sin(x) * x
    return jax.grad(lambda x: jnp.sum(jax.vjp(f, x)[1](ct)[0] ** 2))(x)


# ============================================================================================
# argnums, hasAux, value_and_grad


def f3(x, y, z):
    return jnp.sum(x * y + jnp.sin(z) * y**2)


@case("argnums_0_2", U(4), U(4), U(4))
def _(x, y, z):
    return jax.grad(f3, argnums=(0, 2))(x, y, z)


@case("argnums_1", U(4), U(4), U(4))
def _(x, y, z):
    return jax.grad(f3, argnums=1)(x, y, z)


@case("argnums_reversed_value_and_grad", U(4), U(4), U(4))
def _(x, y, z):
    return jax.value_and_grad(f3, argnums=(2, 0))(x, y, z)


@case("argnums_pytree_dict", U(3, 4), U(3), U(4))
def _(w, b, x):
    def loss(params, x):
        return jnp.sum(jnp.tanh(params["w"] @ x + params["b"]) ** 2)

    return jax.grad(loss)({"w": w, "b": b}, x)


@case("argnums_pytree_list", U(3), U(3))
def _(a, b):
    return jax.grad(lambda p: jnp.sum(p[0] * jnp.exp(p[1])))([a, b])


@case("grad_has_aux", U(4))
def _(x):
    def f(x):
        return jnp.sum(x**2), {"mean": jnp.mean(x), "twice": 2.0 * x}

    return jax.grad(f, has_aux=True)(x)


@case("grad_has_aux_argnums", U(3), U(3))
def _(x, y):
    def f(x, y):
        return jnp.sum(jnp.sin(x) * y), [x + y, jnp.max(y)]

    return jax.grad(f, argnums=(0, 1), has_aux=True)(x, y)


@case("value_and_grad_has_aux", U(4))
def _(x):
    def f(x):
        return jnp.sum(jnp.exp(x)), jnp.cos(x)

    return jax.value_and_grad(f, has_aux=True)(x)


@case("vjp_has_aux", U(4), U(4))
def _(x, ct):
    out, vjp_fn, aux = jax.vjp(lambda x: (jnp.sin(x), jnp.sum(jnp.cos(x))), x, has_aux=True)
    return out, vjp_fn(ct), aux


@case("jvp_has_aux", U(4), U(4))
def _(x, t):
    return jax.jvp(lambda x: (jnp.sin(x) * x, jnp.sum(x)), (x,), (t,), has_aux=True)


# ============================================================================================
# Broadcasting: gradients are summed back to the operand's shape


@case("broadcast_rank0_col_full", 0.7, U(3, 1), U(2, 3, 4))
def _(a, b, c):
    return jax.grad(lambda a, b, c: jnp.sum(jnp.sin(a * b + c) * c), argnums=(0, 1, 2))(a, b, c)


@case("broadcast_row_vs_col", U(1, 4), U(3, 1))
def _(x, y):
    return jax.grad(lambda x, y: jnp.sum(jnp.exp(x * y)), argnums=(0, 1))(x, y)


@case("broadcast_trailing", U(4), P(2, 3, 4))
def _(x, y):
    return jax.grad(lambda x, y: jnp.sum(x / y), argnums=(0, 1))(x, y)


@case("broadcast_to_explicit", U(3, 1), U(2, 3, 4))
def _(x, w):
    return jax.grad(lambda x: wsum(w, jnp.broadcast_to(x, (2, 3, 4))))(x)


# ============================================================================================
# Reductions


@case("sum_axis1", U(3, 4), U(3))
def _(x, ct):
    return jax.vjp(lambda x: jnp.sum(jnp.sin(x), axis=1), x)[1](ct)


@case("sum_axes_keepdims", U(2, 3, 4), U(1, 3, 1))
def _(x, ct):
    return jax.vjp(lambda x: jnp.sum(x, axis=(0, 2), keepdims=True), x)[1](ct)


@case("mean_axes", U(2, 3, 4), U(3))
def _(x, ct):
    return jax.vjp(lambda x: jnp.mean(x, axis=(0, 2)), x)[1](ct)


@case("mean_all_sq", U(2, 3))
def _(x):
    return jax.grad(lambda x: jnp.mean(x**2))(x)


@case("prod_no_zero", U(5))
def _(x):
    return jax.grad(jnp.prod)(x)


@case("prod_one_zero", [2.0, 0.0, 3.0, 4.0])
def _(x):
    return jax.grad(jnp.prod)(x)


@case("prod_two_zeros", [2.0, 0.0, 3.0, 0.0])
def _(x):
    return jax.grad(jnp.prod)(x)


@case("prod_axis_with_zeros", [[1.5, 2.0, -1.0], [0.0, 3.0, 2.0], [0.0, 0.0, 4.0], [0.5, -2.0, 0.0]], [1.0, -1.0, 2.0])
def _(x, ct):
    return jax.vjp(lambda x: jnp.prod(x, axis=0), x)[1](ct)


@case("var_axis0", U(4, 3), U(3))
def _(x, ct):
    return jax.vjp(lambda x: jnp.var(x, axis=0), x)[1](ct)


@case("var_ddof1", U(6))
def _(x):
    return jax.grad(lambda x: jnp.var(x, ddof=1))(x)


@case("std_axis1", U(3, 5), U(3))
def _(x, ct):
    return jax.vjp(lambda x: jnp.std(x, axis=1), x)[1](ct)


@case("std_all", U(2, 4))
def _(x):
    return jax.grad(jnp.std)(x)


@case("logsumexp_axis1", U(3, 4), U(3))
def _(x, ct):
    return jax.vjp(lambda x: jax.nn.logsumexp(x, axis=1), x)[1](ct)


@case("logsumexp_axes_keepdims", U(2, 3, 4), U(1, 3, 1))
def _(x, ct):
    return jax.vjp(lambda x: jax.nn.logsumexp(x, axis=(0, 2), keepdims=True), x)[1](ct)


@case("logsumexp_large", [1000.0, 1000.0, 999.0, -1000.0])
def _(x):  # naive log(sum(exp(x))) overflows; the value is 1000 + log(2 + e^-1)
    return jax.value_and_grad(jax.nn.logsumexp)(x)


@case("logsumexp_neg_inf", [-np.inf, 0.0, 1.0])
def _(x):
    return jax.value_and_grad(jax.nn.logsumexp)(x)


@case("cumsum_axis1", U(3, 4), U(3, 4))
def _(x, ct):
    return jax.vjp(lambda x: jnp.cumsum(x, axis=1), x)[1](ct)


# ============================================================================================
# Contractions


@case("matmul_2d", U(3, 4), U(4, 5), U(3, 5))
def _(a, b, w):
    return jax.grad(lambda a, b: wsum(w, a @ b), argnums=(0, 1))(a, b)


@case("matmul_batched", U(2, 3, 4), U(2, 4, 5), U(2, 3, 5))
def _(a, b, ct):
    return jax.vjp(jnp.matmul, a, b)[1](ct)


@case("matmul_broadcast_batch", U(3, 4), U(2, 4, 5), U(2, 3, 5))
def _(a, b, ct):  # a is shared across the batch: its gradient sums over it
    return jax.vjp(jnp.matmul, a, b)[1](ct)


@case("matmul_vec_mat", U(4), U(4, 5), U(5))
def _(v, m, ct):
    return jax.vjp(jnp.matmul, v, m)[1](ct)


@case("matmul_mat_vec", U(3, 4), U(4), U(3))
def _(m, v, ct):
    return jax.vjp(jnp.matmul, m, v)[1](ct)


@case("dot_vectors", U(5), U(5))
def _(x, y):
    return jax.grad(jnp.dot, argnums=(0, 1))(x, y)


@case("dot_general_batch", U(2, 3, 4), U(4, 2, 5), U(2, 3, 5))
def _(x, y, ct):  # contract x.2 with y.0, batch x.0 with y.1
    f = lambda x, y: lax.dot_general(x, y, (((2,), (0,)), ((0,), (1,))))
    return jax.vjp(f, x, y)[1](ct)


@case("dot_general_two_contractions", U(3, 4, 5), U(5, 4, 2), U(3, 2))
def _(x, y, ct):
    f = lambda x, y: lax.dot_general(x, y, (((1, 2), (1, 0)), ((), ())))
    return jax.vjp(f, x, y)[1](ct)


# ============================================================================================
# Convolution (NHWC / HWIO)

DN = ("NHWC", "HWIO", "NHWC")


@case("conv_valid_strides", U(2, 5, 6, 3), U(3, 2, 3, 4), U(2, 2, 5, 4))
def _(lhs, rhs, ct):
    f = lambda l, r: lax.conv_general_dilated(l, r, (2, 1), "VALID", dimension_numbers=DN)
    return jax.vjp(f, lhs, rhs)[1](ct)


@case("conv_same_strides", U(2, 5, 6, 3), U(3, 3, 3, 2), U(2, 5, 3, 2))
def _(lhs, rhs, ct):
    f = lambda l, r: lax.conv_general_dilated(l, r, (1, 2), "SAME", dimension_numbers=DN)
    return jax.vjp(f, lhs, rhs)[1](ct)


@case("conv_rhs_dilation_same", U(1, 6, 5, 2), U(2, 3, 2, 3), U(1, 6, 5, 3))
def _(lhs, rhs, ct):
    f = lambda l, r: lax.conv_general_dilated(l, r, (1, 1), "SAME", rhs_dilation=(2, 1), dimension_numbers=DN)
    return jax.vjp(f, lhs, rhs)[1](ct)


@case("conv_rhs_dilation_valid_strides", U(2, 7, 6, 2), U(2, 2, 2, 3), U(2, 2, 2, 3))
def _(lhs, rhs, ct):
    f = lambda l, r: lax.conv_general_dilated(l, r, (2, 2), "VALID", rhs_dilation=(3, 2), dimension_numbers=DN)
    return jax.vjp(f, lhs, rhs)[1](ct)


@case("conv_feature_groups", U(2, 4, 4, 4), U(3, 3, 2, 6), U(2, 2, 2, 6))
def _(lhs, rhs, ct):  # 2 groups: input channels 4 = 2 x 2, output channels 6 = 2 x 3
    f = lambda l, r: lax.conv_general_dilated(l, r, (1, 1), "VALID", feature_group_count=2, dimension_numbers=DN)
    return jax.vjp(f, lhs, rhs)[1](ct)


@case("conv_explicit_padding_lhs_dilation", U(1, 3, 4, 2), U(2, 2, 2, 3), U(1, 7, 8, 3))
def _(lhs, rhs, ct):  # a transposed convolution: lhs dilation 2, padding (1,2)/(1,1)
    f = lambda l, r: lax.conv_general_dilated(
        l, r, (1, 1), ((1, 2), (1, 1)), lhs_dilation=(2, 2), dimension_numbers=DN
    )
    return jax.vjp(f, lhs, rhs)[1](ct)


@case("conv_grad_of_sum_sin", U(1, 4, 4, 2), U(2, 2, 2, 2))
def _(lhs, rhs):
    f = lambda l, r: jnp.sum(jnp.sin(lax.conv_general_dilated(l, r, (1, 1), "SAME", dimension_numbers=DN)))
    return jax.grad(f, argnums=(0, 1))(lhs, rhs)


# ============================================================================================
# Slicing, indexing, concatenation, padding, transposes, reshapes


@case("slice_reverse_step2", U(7), U(4))
def _(x, ct):  # x[::-2]
    return jax.vjp(lambda x: x[::-2], x)[1](ct)


@case("slice_1_neg1", U(5), U(3))
def _(x, ct):  # x[1:-1]
    return jax.vjp(lambda x: x[1:-1], x)[1](ct)


@case("index_int", U(3, 4), U(4))
def _(x, ct):  # x[1]
    return jax.vjp(lambda x: x[1], x)[1](ct)


@case("index_neg_int_step", U(3, 5), U(3))
def _(x, ct):  # x[-1, ::2]
    return jax.vjp(lambda x: x[-1, ::2], x)[1](ct)


@case("slice_2d_reverse", U(3, 4), U(2, 4))
def _(x, ct):  # x[1:, ::-1]
    return jax.vjp(lambda x: x[1:, ::-1], x)[1](ct)


@case("index_ellipsis", U(2, 3, 4), U(2, 3))
def _(x, ct):  # x[..., 1]
    return jax.vjp(lambda x: x[..., 1], x)[1](ct)


@case("lax_slice_strides", U(4, 5), U(2, 2))
def _(x, ct):
    return jax.vjp(lambda x: lax.slice(x, (0, 1), (3, 4), (2, 2)), x)[1](ct)


@case("concatenate_axis1", U(2, 2), U(2, 3), U(2, 1), U(2, 6))
def _(a, b, c, ct):
    return jax.vjp(lambda a, b, c: jnp.concatenate([a, b, c], axis=1), a, b, c)[1](ct)


@case("stack_axis1", U(3), U(3), U(3, 2))
def _(a, b, ct):
    return jax.vjp(lambda a, b: jnp.stack([a, b], axis=1), a, b)[1](ct)


@case("lax_pad_negative_interior", U(3, 4), 0.5, U(5, 5))
def _(x, pv, ct):  # dim 0: lo 1, hi -1, interior 1; dim 1: lo -1, hi 2; also the pad value's grad
    return jax.vjp(lambda x, pv: lax.pad(x, pv, [(1, -1, 1), (-1, 2, 0)]), x, pv)[1](ct)


@case("lax_pad_interior_only", U(3), -1.0, U(7))
def _(x, pv, ct):
    return jax.vjp(lambda x, pv: lax.pad(x, pv, [(0, 0, 2)]), x, pv)[1](ct)


@case("lax_pad_all_negative", U(4, 5), 0.0, U(2, 2))
def _(x, pv, ct):
    return jax.vjp(lambda x, pv: lax.pad(x, pv, [(-1, -1, 0), (-2, -1, 0)]), x, pv)[1](ct)


@case("np_pad_constant", U(2, 3), U(5, 4))
def _(x, ct):
    return jax.vjp(lambda x: jnp.pad(x, ((1, 2), (0, 1))), x)[1](ct)


@case("transpose_perm", U(2, 3, 4), U(3, 4, 2))
def _(x, ct):
    return jax.vjp(lambda x: jnp.transpose(x, (1, 2, 0)), x)[1](ct)


@case("reshape_weighted", U(2, 3, 4), U(4, 6))
def _(x, w):
    return jax.grad(lambda x: wsum(w, jnp.reshape(x, (4, 6)) ** 2))(x)


@case("transpose_reshape_combo", U(3, 4), U(12))
def _(x, ct):
    return jax.vjp(lambda x: jnp.sin(x.T.reshape(-1)), x)[1](ct)


# ============================================================================================
# Softmax, cross-entropy, large inputs


def xent(logits, onehot):
    return -jnp.sum(onehot * jax.nn.log_softmax(logits))


ONEHOT = np.eye(5)[[1, 4, 0]]


@case("softmax_xent", U(3, 5), ONEHOT)
def _(logits, onehot):
    return jax.value_and_grad(xent)(logits, onehot)


@case("softmax_xent_large", 1000.0 + U(3, 5, lo=-5, hi=5), ONEHOT)
def _(logits, onehot):
    return jax.value_and_grad(xent)(logits, onehot)


@case("softmax_vjp_large", [[1000.0, 1001.0, 999.5, -1000.0], [-2.0, 0.0, 3.0, 1.0]], U(2, 4))
def _(x, ct):
    out, f = jax.vjp(jax.nn.softmax, x)
    return out, f(ct)


@case("log_softmax_vjp_large", [[1000.0, 1001.0, 999.5, -1000.0], [-2.0, 0.0, 3.0, 1.0]], U(2, 4))
def _(x, ct):
    out, f = jax.vjp(jax.nn.log_softmax, x)
    return out, f(ct)


@case("softmax_jvp_axis0", U(3, 2), U(3, 2))
def _(x, t):
    return jax.jvp(lambda x: jax.nn.softmax(x, axis=0), (x,), (t,))


@case("softmax_hvp", U(5), U(5), U(5))
def _(x, w, v):
    f = lambda x: jnp.sum(w * jax.nn.softmax(x))
    return jax.jvp(jax.grad(f), (x,), (v,))


@case("logsumexp_hvp", U(4), U(4))
def _(x, v):
    return jax.jvp(jax.grad(jax.nn.logsumexp), (x,), (v,))


@case("logaddexp_ties", [0.0, 1.0, 1000.0, -3.0], [0.0, 1.0, -1000.0, 2.0])
def _(x, y):  # logaddexp's custom jvp: exp(x - out), so 0.5 each at a tie
    return jax.grad(lambda x, y: jnp.sum(jnp.logaddexp(x, y)), argnums=(0, 1))(x, y)


@case("softplus_large", [-1000.0, -1.0, 0.0, 2.0, 1000.0])
def _(x):
    return jax.value_and_grad(lambda x: jnp.sum(jax.nn.softplus(x)))(x)


# ============================================================================================
# linearize, linear_transpose


@case("linearize_sin_exp", U(4), U(4), U(4))
def _(x, t1, t2):
    out, f_jvp = jax.linearize(lambda x: jnp.sin(x) * jnp.exp(x), x)
    return out, f_jvp(t1), f_jvp(t2)


@case("linearize_two_args", U(3, 4), U(4, 2), U(3, 4), U(4, 2))
def _(x, y, tx, ty):
    out, f_jvp = jax.linearize(lambda x, y: jnp.tanh(x @ y), x, y)
    return out, f_jvp(tx, ty)


@case("linear_transpose_rev_sum", U(5), U(5))
def _(x, ct):
    f = lambda x: 2.0 * x[::-1] + jnp.sum(x)
    return jax.linear_transpose(f, x)(ct)


@case("linear_transpose_matmul", U(3, 4), U(4), U(3))
def _(a, x, ct):
    return jax.linear_transpose(lambda x: a @ x, x)(ct)


@case("linear_transpose_two_args", U(3), U(3), U(3))
def _(x, y, ct):
    return jax.linear_transpose(lambda x, y: 3.0 * x - y, x, y)(ct)


# ============================================================================================
# custom_jvp: rules that deliberately differ from the true derivative, to show they are used


@jax.custom_jvp
def sin2(x):
    return jnp.sin(x)


@sin2.defjvp
def _sin2_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.sin(x), 2.0 * jnp.cos(x) * t  # twice the true derivative


@case("custom_jvp_grad", 0.6)
def _(x):  # 2 cos(x)
    return jax.grad(sin2)(x)


@case("custom_jvp_grad_grad", 0.6)
def _(x):  # the rule is differentiated: -2 sin(x)
    return jax.grad(jax.grad(sin2))(x)


@case("custom_jvp_jvp", U(3), U(3))
def _(x, t):
    return jax.jvp(sin2, (x,), (t,))


@case("custom_jvp_vector_product", U(4))
def _(x):
    return jax.grad(lambda x: jnp.sum(sin2(x) * x))(x)


@jax.custom_jvp
def mul10(x, y):
    return x * y


@mul10.defjvp
def _mul10_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return x * y, y * tx + 10.0 * x * ty  # the y-derivative is ten times too big


@case("custom_jvp_two_args", U(3), U(3))
def _(x, y):
    return jax.grad(lambda x, y: jnp.sum(mul10(x, y)), argnums=(0, 1))(x, y)


# ============================================================================================
# custom_vjp: bwd deliberately scales the gradient by 3


@jax.custom_vjp
def sin3(x):
    return jnp.sin(x)


def _sin3_fwd(x):
    return jnp.sin(x), jnp.cos(x)


def _sin3_bwd(c, g):
    return (3.0 * c * g,)


sin3.defvjp(_sin3_fwd, _sin3_bwd)


@case("custom_vjp_grad", 0.6)
def _(x):  # 3 cos(x)
    return jax.grad(sin3)(x)


@case("custom_vjp_grad_grad", 0.6)
def _(x):  # fwd and bwd are differentiated as ordinary functions: -3 sin(x)
    return jax.grad(jax.grad(sin3))(x)


@case("custom_vjp_vjp", U(4), U(4))
def _(x, ct):
    out, f = jax.vjp(sin3, x)
    return out, f(ct)


@jax.custom_vjp
def xsin(x, y):
    return x * jnp.sin(y)


def _xsin_fwd(x, y):
    return x * jnp.sin(y), {"x": x, "s": jnp.sin(y), "c": jnp.cos(y)}  # residuals: a dict


def _xsin_bwd(r, g):
    return (3.0 * g * r["s"], g * r["x"] * r["c"])  # only the x-gradient is scaled


xsin.defvjp(_xsin_fwd, _xsin_bwd)


@case("custom_vjp_two_args_dict_residuals", U(3), U(3))
def _(x, y):
    return jax.grad(lambda x, y: jnp.sum(xsin(x, y)), argnums=(0, 1))(x, y)


@jax.custom_vjp
def double5(x):
    return 2.0 * x


double5.defvjp(lambda x: (2.0 * x, ()), lambda r, g: (5.0 * g,))  # no residuals


@case("custom_vjp_empty_residuals", U(3))
def _(x):
    return jax.grad(lambda x: jnp.sum(double5(x) * x))(x)


# ============================================================================================
# checkpoint and stop_gradient


def deep(x):
    return jnp.sum(jnp.sin(jnp.tanh(x) * x) ** 2)


@case("checkpoint_grad", U(5))
def _(x):
    return jax.grad(jax.checkpoint(deep))(x), jax.grad(deep)(x)


@case("checkpoint_grad_grad", 0.9)
def _(x):
    f = lambda x: jnp.sin(jnp.tanh(x) * x) ** 2
    return jax.grad(jax.grad(jax.checkpoint(f)))(x)


@case("checkpoint_dots_saveable", U(3, 3), U(3))
def _(w, x):
    f = lambda w, x: jnp.sum(jnp.tanh(w @ jnp.tanh(w @ x)))
    g = jax.checkpoint(f, policy=jax.checkpoint_policies.dots_saveable)
    return jax.grad(g, argnums=(0, 1))(w, x)


@case("checkpoint_nested", U(4))
def _(x):
    inner = jax.checkpoint(lambda x: jnp.exp(jnp.sin(x)))
    outer = jax.checkpoint(lambda x: jnp.sum(inner(x) * jnp.cos(x)))
    return jax.value_and_grad(outer)(x)


@case("checkpoint_jit_inside", U(4))
def _(x):
    f = lambda x: jnp.sum(jax.jit(jnp.sin)(x) * x)
    return jax.value_and_grad(jax.checkpoint(f))(x)


@case("stop_gradient_product", U(4))
def _(x):  # d/dx x * sg(x) = sg(x) = x
    return jax.grad(lambda x: jnp.sum(x * lax.stop_gradient(x)))(x)


@case("stop_gradient_tree", U(3), U(3))
def _(a, b):
    def f(a, b):
        t = lax.stop_gradient({"a": a * b, "b": [jnp.sin(b)]})
        return jnp.sum(t["a"] * a + t["b"][0] * b + a * b)

    return jax.grad(f, argnums=(0, 1))(a, b)


@case("stop_gradient_grad_grad", 1.3)
def _(x):  # d2/dx2 x^2 sg(x) = 2 sg(x)
    return jax.grad(jax.grad(lambda x: x**2 * lax.stop_gradient(x)))(x)


@case("stop_gradient_in_jvp", U(3), U(3))
def _(x, t):
    return jax.jvp(lambda x: jnp.sin(x) + lax.stop_gradient(jnp.cos(x)) * x, (x,), (t,))


# ============================================================================================
# Encoding


from encoding import enc_array as _enc_array, enc_tree as _enc_tree


def enc_array(a):
    return _enc_array(a, dtypes=(np.float64,))  # every case runs in float64


def enc_tree(t):
    return _enc_tree(t, enc_array)


def main():
    out = []
    for name, (fn, inputs, rtol, atol, note) in CASES.items():
        result = fn(*[jnp.asarray(x) for x in inputs])
        c = {"name": name, "inputs": [enc_array(x) for x in inputs], "out": enc_tree(result), "rtol": rtol, "atol": atol}
        if note:
            c["note"] = note
        out.append(c)
    path = os.path.join(HERE, "autodiff.json")
    with open(path, "w") as f:
        json.dump({"source": "jax " + jax.__version__ + " (x64)", "cases": out}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
