#!/usr/bin/env python3
"""Golden vmap and Jacobian values from real JAX, in float64.

Run with the reference environment (JAX 0.10.2):

    ~/jaxref/bin/python test/golden/gen_vmap.py

It writes test/golden/vmap.json, which test/vmap/golden.test.ts replays against jaxts (CI needs
no Python).

Every case is a function of arrays (float64, or int32 for indices) that applies vmap, jacfwd,
jacrev or hessian and returns a pytree of arrays. The JSON records the inputs and the outputs;
the TS test holds a registry with the same keys, in the same order, holding the same function
written with jaxts. Keep the two registries paired: a case added here needs its twin in
golden.test.ts.

Case format:
  {"name", "inputs": [array...], "out": tree, "rtol", "atol"}
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
rng = np.random.default_rng(20250214)

RTOL = 1e-12
ATOL = 1e-13

CASES = {}  # name -> (fn, inputs, rtol, atol)


def case(name, *inputs, rtol=RTOL, atol=ATOL):
    def deco(fn):
        assert name not in CASES, name
        CASES[name] = (fn, [np.asarray(x) for x in inputs], rtol, atol)
        return fn

    return deco


def U(*shape, lo=-2.0, hi=2.0):
    """Uniform random float64 input, rounded to 4 decimals so the JSON stays readable."""
    return np.round(rng.uniform(lo, hi, size=shape), 4).astype(np.float64)


def I(*shape, lo, hi):
    """int32 indices in [lo, hi]."""
    return rng.integers(lo, hi + 1, size=shape).astype(np.int32)


i32 = lambda x: x.astype(jnp.int32)  # x64 makes argmax int64; jaxts (and JAX without x64) use int32

# ============================================================================================
# vmap: in_axes / out_axes


@case("matmul_in_axes_0_none", U(4, 2, 3), U(3, 5))
def _(x, w):
    return jax.vmap(jnp.matmul, in_axes=(0, None))(x, w)


@case("matmul_both_batched", U(4, 2, 3), U(4, 3, 2))
def _(a, b):
    return jax.vmap(jnp.matmul)(a, b)


@case("matmul_in_axes_1_2_out_1", U(2, 4, 3), U(3, 2, 4))
def _(a, b):
    return jax.vmap(jnp.matmul, in_axes=(1, 2), out_axes=1)(a, b)


@case("dot_in_axes_none_0", U(3), U(5, 3))
def _(v, m):
    return jax.vmap(jnp.dot, in_axes=(None, 0))(v, m)


@case("matvec_in_axes_neg", U(2, 3, 4), U(3, 4))
def _(m, v):
    return jax.vmap(lambda a, b: a @ b, in_axes=(-1, -1), out_axes=-1)(m, v)


@case("out_axes_nonzero", U(4, 3), U(3, 4))
def _(x, y):
    return jax.vmap(lambda a, b: (a * b, jnp.outer(a, b)), in_axes=(0, 1), out_axes=(1, -1))(x, y)


@case("out_axes_none_for_unmapped", U(3, 2), U(2))
def _(x, c):
    return jax.vmap(lambda a, k: (a + k, jnp.sin(k)), in_axes=(0, None), out_axes=(0, None))(x, c)


@case("out_axes_unmapped_broadcast", U(3, 2), U(2))
def _(x, c):
    return jax.vmap(lambda a, k: (a + k, jnp.sin(k)), in_axes=(0, None), out_axes=(0, 1))(x, c)


@case("tree_prefix_in_axes_dict", U(3, 2), U(4, 2), U(3, 4))
def _(w, b, x):
    f = lambda p, a: jnp.tanh(a @ p["w"] + p["b"])
    return jax.vmap(f, in_axes=({"w": None, "b": 0}, 1))({"w": w, "b": b}, x)


@case("tree_prefix_nested", U(2, 3), U(3), U(3, 2), U(3))
def _(a0, a1, b, c):
    def f(d, z):
        return {"s": d["a"][0] @ d["b"] + z, "t": d["a"][1] * jnp.sum(d["b"])}

    return jax.vmap(f, in_axes=({"a": (1, None), "b": 0}, 0), out_axes={"s": 0, "t": 1})({"a": (a0, a1), "b": b}, c)


@case("tree_prefix_output_list", U(3, 2), U(2, 3))
def _(x, y):
    return jax.vmap(lambda a, b: [a + b, [a * b, jnp.sum(a)]], in_axes=(0, 1), out_axes=[0, [1, 0]])(x, y)


@case("axis_size_all_unmapped", U(2))
def _(v):
    return jax.vmap(lambda a: a * 2 + 1, in_axes=None, axis_size=3)(v)


@case("axis_size_no_args")
def _():
    return jax.vmap(lambda: jnp.arange(3.0), axis_size=2)()


# ============================================================================================
# vmap of slicing, indexing, reductions with axes


@case("slicing_basic", U(3, 4, 5))
def _(x):
    return jax.vmap(lambda a: (a[1:, ::2], a[-1], a[::-1, 0], a[None, 1:3, -2]))(x)


@case("slicing_in_axes_1", U(3, 4, 5))
def _(x):
    return jax.vmap(lambda a: a[::-2, 1:], in_axes=1, out_axes=2)(x)


@case("indexing_batched_indices", U(3, 5), I(3, 2, lo=-5, hi=4))
def _(x, i):
    return jax.vmap(lambda a, j: a[j])(x, i)


@case("indexing_unbatched_indices", U(3, 4, 2), I(2, lo=0, hi=3))
def _(x, i):
    return jax.vmap(lambda a, j: (jnp.take(a, j, axis=0), a[:, j]), in_axes=(0, None))(x, i)


@case("indexing_batched_indices_only", U(4, 2), I(3, 2, lo=0, hi=3))
def _(x, i):
    return jax.vmap(lambda a, j: a[j], in_axes=(None, 0))(x, i)


@case("take_along_axis", U(3, 4, 2), I(3, 4, 1, lo=0, hi=1))
def _(x, i):
    return jax.vmap(lambda a, j: jnp.take_along_axis(a, j, axis=1), in_axes=(0, 0))(x, i)


@case("at_set_add", U(3, 5), I(3, lo=0, hi=4), U(3))
def _(x, i, v):
    return jax.vmap(lambda a, j, b: (a.at[j].set(b), a.at[j].add(b * 10), a.at[1:3].mul(b)))(x, i, v)


@case("dynamic_slice_batched_start", U(3, 5, 4), I(3, lo=-1, hi=6))
def _(x, i):
    return jax.vmap(lambda a, j: lax.dynamic_slice(a, (j, jnp.int32(1)), (2, 3)))(x, i)


@case("dynamic_slice_negative_starts", U(3, 5, 4), np.array([-1, -7, 2], dtype=np.int32))
def _(x, i):  # lax.dynamic_slice counts negative starts from the end (then clamps), batched or not
    return jax.vmap(lambda a, j: lax.dynamic_slice(a, (j, jnp.int32(-2)), (2, 3)))(x, i)


@case("dynamic_slice_unbatched_starts", U(5, 3, 4))
def _(x):
    return jax.vmap(lambda a: (lax.dynamic_slice(a, (1, -1), (2, 2)), lax.dynamic_update_slice(a, jnp.ones((2, 2)), (-2, 7))), in_axes=1)(x)


@case("dynamic_update_slice_batched_start", U(3, 5, 4), U(2, 2), I(3, lo=-1, hi=6))
def _(x, u, i):
    return jax.vmap(lambda a, b, j: lax.dynamic_update_slice(a, b, (j, j)), in_axes=(0, None, 0))(x, u, i)


@case("reductions_with_axes", U(3, 4, 5))
def _(x):
    return jax.vmap(
        lambda a: (a.sum(axis=0), a.max(axis=(0, 1)), a.mean(axis=-1), i32(jnp.argmax(a, axis=1)), jnp.var(a, axis=0, keepdims=True)),
        in_axes=2,
    )(x)


@case("reductions_all_axes_out_1", U(3, 4, 5))
def _(x):
    return jax.vmap(lambda a: (jnp.sum(a), jnp.prod(a, axis=(1,)), jax.nn.logsumexp(a, axis=0)), in_axes=1, out_axes=-1)(x)


@case("cumsum_sort", U(3, 4, 2))
def _(x):
    return jax.vmap(lambda a: (jnp.cumsum(a, axis=0), jnp.sort(a, axis=0), i32(jnp.argsort(a[:, 1]))), in_axes=1, out_axes=-1)(x)


@case("conv_both_batched_groups", U(2, 1, 5, 5, 4), U(2, 3, 3, 2, 6))
def _(lhs, rhs):
    conv = lambda l, r: lax.conv_general_dilated(l, r, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"), feature_group_count=2)
    return jax.vmap(conv)(lhs, rhs)


@case("conv_rhs_batched", U(1, 4, 5, 2), U(3, 3, 2, 2, 4))
def _(lhs, rhs):
    conv = lambda l, r: lax.conv_general_dilated(l, r, (2, 1), [(1, 0), (0, 1)], dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return jax.vmap(conv, in_axes=(None, 0))(lhs, rhs)


@case("reduce_window_max", U(3, 5, 4))
def _(x):
    return jax.vmap(lambda a: lax.reduce_window(a, -jnp.inf, lax.max, (2, 2), (1, 2), "SAME"), in_axes=1)(x)


# ============================================================================================
# vmap with other transforms


def loss(w1, b1, w2, x, y):
    h = jnp.tanh(x @ w1 + b1)
    return jnp.mean((h @ w2 - y) ** 2)


@case("per_example_grads", U(3, 4), U(4), U(4, 2), U(5, 3), U(5, 2))
def _(w1, b1, w2, x, y):
    f = lambda p, a, b: loss(p["w1"], p["b1"], p["w2"], a, b)
    return jax.vmap(jax.grad(f), in_axes=(None, 0, 0))({"w1": w1, "b1": b1, "w2": w2}, x, y)


@case("grad_of_vmap", U(3, 4), U(5, 3))
def _(w, x):
    return jax.grad(lambda ww: jnp.sum(jax.vmap(lambda a: jnp.tanh(a @ ww))(x) ** 2))(w)


@case("grad_of_vmap_in_axes", U(3), U(3, 5))
def _(w, x):
    return jax.grad(lambda ww, xx: jnp.sum(jnp.sin(jax.vmap(jnp.dot, in_axes=(None, 1))(ww, xx))), argnums=(0, 1))(w, x)


@case("nested_vmap", U(3, 2), U(4, 2))
def _(a, b):
    return jax.vmap(jax.vmap(lambda x, y: jnp.dot(x, y) * x, in_axes=(0, None)), in_axes=(None, 0))(a, b)


@case("nested_vmap_axes", U(2, 3, 4), U(2, 3))
def _(a, b):
    inner = jax.vmap(lambda x, y: jnp.sum(x * y) + x, in_axes=(1, None), out_axes=-1)
    return jax.vmap(inner, in_axes=(0, 0), out_axes=1)(a, b)


@case("vmap_of_jit_and_jit_of_vmap", U(3, 4), U(4))
def _(x, c):
    f = jax.jit(lambda a, k: (jnp.sin(a) * k, jnp.cos(k)))
    return jax.vmap(f, in_axes=(0, None), out_axes=(1, None))(x, c), jax.jit(jax.vmap(lambda a: jnp.cumsum(a) * c))(x)


@case("vmap_jvp", U(3, 4), U(3, 4))
def _(x, t):
    return jax.vmap(lambda a, b: jax.jvp(lambda z: jnp.sin(z) * jnp.sum(z), (a,), (b,)))(x, t)


@case("vmap_of_hessian_vector", U(4, 3), U(3))
def _(x, v):
    f = lambda z: jnp.sum(jnp.tanh(z) ** 2)
    return jax.vmap(lambda a: jax.hessian(f)(a) @ v)(x)


# ============================================================================================
# Jacobians


def vf(x):  # R^3 -> R^3
    return jnp.stack([x[0] * x[1], jnp.sin(x[2]) + x[0], jnp.exp(x[1]) * x[2]])


@case("jacfwd_vector", U(3))
def _(x):
    return jax.jacfwd(vf)(x)


@case("jacrev_vector", U(3))
def _(x):
    return jax.jacrev(vf)(x)


def wide(x):  # R^3 -> R^2
    return jnp.stack([jnp.sum(x**2), x[0] * jnp.cos(x[1] + x[2])])


def tall(x):  # R^2 -> R^4
    return jnp.stack([x[0], x[0] * x[1], jnp.sin(x[1]), jnp.exp(x[0] - x[1])])


@case("jacfwd_nonsquare_wide", U(3))
def _(x):
    return jax.jacfwd(wide)(x)


@case("jacrev_nonsquare_wide", U(3))
def _(x):
    return jax.jacrev(wide)(x)


@case("jacfwd_nonsquare_tall", U(2))
def _(x):
    return jax.jacfwd(tall)(x)


@case("jacrev_nonsquare_tall", U(2))
def _(x):
    return jax.jacrev(tall)(x)


@case("jacobian_matrix_in_matrix_out", U(2, 3), U(3, 2))
def _(m, w):
    f = lambda a: jnp.tanh(a @ w)
    return jax.jacfwd(f)(m), jax.jacrev(f)(m)


@case("jacobian_scalar_in", U())
def _(s):
    f = lambda a: jnp.stack([jnp.sin(a), a**3])
    return jax.jacfwd(f)(s), jax.jacrev(f)(s)


def scalar_f(x):
    return jnp.sum(jnp.sin(x) * x[::-1]) + x[0] ** 2 * x[1]


@case("hessian_scalar_function", U(3))
def _(x):
    return jax.hessian(scalar_f)(x)


@case("hessian_vector_function", U(2))
def _(x):
    return jax.hessian(lambda z: jnp.stack([z[0] ** 2 * z[1], jnp.sin(z[0] * z[1])]))(x)


def tree_f(d):  # dict in, tuple out
    return jnp.sum(d["a"] * d["b"][:, 0]), jnp.outer(jnp.tanh(d["a"]), d["b"][:, 0] ** 2)


@case("jacfwd_pytree", U(2), U(2, 1))
def _(a, b):
    return jax.jacfwd(tree_f)({"a": a, "b": b})


@case("jacrev_pytree", U(2), U(2, 1))
def _(a, b):
    return jax.jacrev(tree_f)({"a": a, "b": b})


@case("hessian_pytree", U(2), U(2, 1))
def _(a, b):
    return jax.hessian(lambda d: tree_f(d)[0] + jnp.sum(d["a"] ** 3))({"a": a, "b": b})


def three(x, y, z):
    return jnp.stack([x[0] * y[1] + z, jnp.sin(x[1]) * z**2, y[0] * y[1] * x[0]])


@case("jacfwd_argnums_array", U(2), U(2), U())
def _(x, y, z):
    return jax.jacfwd(three, argnums=(0, 2))(x, y, z)


@case("jacrev_argnums_array", U(2), U(2), U())
def _(x, y, z):
    return jax.jacrev(three, argnums=(2, 1))(x, y, z)


@case("jacrev_argnums_int", U(2), U(2), U())
def _(x, y, z):
    return jax.jacrev(three, argnums=1)(x, y, z)


@case("hessian_argnums_array", U(2), U(3))
def _(x, y):
    return jax.hessian(lambda a, b: jnp.sum(jnp.sin(a)) * jnp.sum(b**2) + a[0] * b[2], argnums=(0, 1))(x, y)


@case("jacrev_of_vmap", U(3), U(4, 3))
def _(w, x):
    return jax.jacrev(lambda ww: jax.vmap(lambda a: jnp.tanh(jnp.dot(a, ww)))(x))(w)


@case("vmap_of_jacfwd", U(4, 3))
def _(x):
    return jax.vmap(jax.jacfwd(vf))(x)


# ============================================================================================
# Encoding


from encoding import enc_array as _enc_array, enc_tree as _enc_tree


def enc_array(a):
    return _enc_array(a, dtypes=(np.float64, np.int32, np.bool_))


def enc_tree(t):
    return _enc_tree(t, enc_array)


def main():
    out = []
    for name, (fn, inputs, rtol, atol) in CASES.items():
        result = fn(*[jnp.asarray(x) for x in inputs])
        out.append({"name": name, "inputs": [enc_array(x) for x in inputs], "out": enc_tree(result), "rtol": rtol, "atol": atol})
    path = os.path.join(HERE, "vmap.json")
    with open(path, "w") as f:
        json.dump({"source": "jax " + jax.__version__ + " (x64)", "cases": out}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
