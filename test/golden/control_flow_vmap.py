#!/usr/bin/env python3
"""Golden values of vmap through control flow (cond, switch, while_loop, fori_loop, scan, map)
from real JAX, in float64.

Run with the reference environment (JAX 0.10.2):

    ~/jaxref/bin/python test/golden/control_flow_vmap.py

It writes test/golden/control_flow_vmap.json, which test/controlFlow/vmap.golden.test.ts replays
against jaxts (CI needs no Python), plainly and under jit. That file's registry holds the same
functions, same keys, same order. The encoding is gen_vmap.py's.

Every carry and constant is typed (float64 or int32), never a weak Python scalar: jaxts reads
a JS number as a weak float32, so a weak scalar would make the two sides differ in dtype.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_vmap import enc_array, enc_tree  # noqa: E402  (also enables x64)

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261205)

RTOL = 1e-12
ATOL = 1e-13
CASES = {}


def case(name, *inputs, rtol=RTOL, atol=ATOL):
    def deco(fn):
        assert name not in CASES, name
        CASES[name] = (fn, [np.asarray(x) for x in inputs], rtol, atol)
        return fn

    return deco


def U(*shape, lo=-2.0, hi=2.0):
    return np.asarray(np.round(rng.uniform(lo, hi, size=shape), 4), dtype=np.float64)


def I(*shape, lo, hi):
    return np.asarray(rng.integers(lo, hi + 1, size=shape), dtype=np.int32)


f64 = jnp.float64
i32 = jnp.int32

# ============================================================================================
# cond and switch


@case("cond_batched_pred", U(5, 3))
def _(x):
    return jax.vmap(lambda v: lax.cond(jnp.sum(v) > 0, lambda a: jnp.sin(a) * 2.0, lambda a: a - 1.0, v))(x)


@case("cond_batched_pred_untaken_nan_branch", U(6))
def _(x):
    # Lanes with x < 0 would get NaN from sqrt; they take the other branch and must not see it.
    return jax.vmap(lambda v: lax.cond(v >= 0, jnp.sqrt, lambda a: -a, v))(x)


@case("cond_unbatched_pred_batched_operand", U(), U(4, 3))
def _(s, x):
    f = lambda t, v: lax.cond(t > 0, lambda a: a * t, lambda a: jnp.cos(a), v)
    g = jax.vmap(f, in_axes=(None, 0))
    return (g(s, x), g(-s, x))


@case("cond_output_batched_in_one_branch", U(4, 3))
def _(x):
    # One branch returns a constant (unbatched), the other the batched operand: both batched.
    f = lambda p: jax.vmap(lambda v: lax.cond(p, lambda a: jnp.zeros(3, dtype=f64), lambda a: a * 2.0, v))(x)
    return (f(True), f(False))


@case("cond_batched_consts_pytree", U(4, 3), U(4), U(3))
def _(x, w, b):
    def f(v, ww):
        return lax.cond(
            ww > 0,
            lambda o: (o["x"] * ww + b, jnp.sum(o["x"])),
            lambda o: (o["x"] - b, ww * 1.0),
            {"x": v},
        )

    return jax.vmap(f)(x, w)


BR3 = [lambda a: a, lambda a: jnp.sin(a), lambda a: -a * 2.0]


@case("switch_batched_index_clamped", I(7, lo=-2, hi=4), U(7, 2))
def _(i, x):
    return jax.vmap(lambda j, v: lax.switch(j, BR3, v))(i, x)


@case("switch_unbatched_index", I(3, lo=-1, hi=5), U(4, 2))
def _(ks, x):
    g = jax.vmap(lambda j, v: lax.switch(j, BR3, v), in_axes=(None, 0))
    return tuple(g(ks[k], x) for k in range(3))


@case("switch_batched_index_unbatched_operand", I(5, lo=0, hi=2), U(2))
def _(i, x):
    return jax.vmap(lambda j: lax.switch(j, BR3, x))(i)


# ============================================================================================
# while_loop and fori_loop


@case("while_batched_pred_per_lane_counts", I(5, lo=0, hi=6), U(5))
def _(n, x):
    def f(m, v):
        return lax.while_loop(lambda c: c[0] < m, lambda c: (c[0] + 1, c[1] * 0.9 + v), (i32(0), v))

    return jax.vmap(f)(n, x)


@case("while_unbatched_pred_batched_carry", U(4, 3))
def _(x):
    def f(v):
        return lax.while_loop(lambda c: c[0] < 4, lambda c: (c[0] + 1, jnp.sin(c[1]) + v), (i32(0), v))

    return jax.vmap(f)(x)


@case("while_carry_batched_by_body", U(4), U())
def _(x, s):
    # c[1] starts unbatched and the body batches it; c[2] only a step later (fixpoint).
    def f(v):
        return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * v + 1.0, c[2] + c[1]), (i32(0), s, s))

    return jax.vmap(f)(x)


@case("while_batched_cond_const", U(5, lo=1.0, hi=20.0))
def _(limit):
    # The carry starts unbatched; the predicate is batched through the captured limit.
    def f(l):
        return lax.while_loop(lambda c: c[1] < l, lambda c: (c[0] + 1, c[1] * 1.5 + 1.0), (i32(0), f64(0)))

    return jax.vmap(f)(limit)


@case("fori_traced_batched_bounds", I(4, lo=-1, hi=2), I(4, lo=0, hi=5), U(4, 2))
def _(lo, hi, x):
    return jax.vmap(lambda a, b, v: lax.fori_loop(a, b, lambda i, c: c * 0.5 + i * v, v))(lo, hi, x)


@case("fori_traced_unbatched_bounds", I(2, lo=0, hi=4), U(3, 2))
def _(bounds, x):
    g = jax.vmap(lambda a, b, v: lax.fori_loop(a, b, lambda i, c: c * 0.5 + i * v, v), in_axes=(None, None, 0))
    return g(bounds[0], bounds[1], x)


@case("fori_static_bounds_batched_carry", U(3, 2))
def _(x):
    return jax.vmap(lambda v: lax.fori_loop(0, 4, lambda i, c: jnp.sin(c) + i, v))(x)


@case("vmap_of_vmap_while_counts", I(2, 3, lo=0, hi=4), U(2, 3))
def _(n, x):
    f = lambda m, v: lax.while_loop(lambda c: c[0] < m, lambda c: (c[0] + 1, c[1] + v * c[1]), (i32(0), f64(1.0)))
    return jax.vmap(jax.vmap(f))(n, x)


# ============================================================================================
# scan


@case("scan_batched_xs_axis1_unbatched_init", U(4, 3, 2), U(2))
def _(xs, c0):
    f = lambda c, seq: lax.scan(lambda c, x: (c * 0.5 + x, jnp.sum(c * x)), c, seq)
    return jax.vmap(f, in_axes=(None, 1))(c0, xs)


@case("scan_batched_consts_only", U(5, 2), U(3, 2))
def _(xs, w):
    return jax.vmap(lambda ww: lax.scan(lambda c, x: (c + x * ww, c * ww), jnp.zeros(2, dtype=f64), xs))(w)


@case("scan_reverse_unroll_pytree", U(3, 4, 2), U(3, 2), U(2))
def _(xs, a0, b0):
    def f(seq, a):
        def body(c, x):
            a_, b_ = c["a"], c["b"]
            return {"a": a_ * x["u"] + b_, "b": jnp.tanh(b_ + x["v"])}, (a_ - x["u"], {"y": jnp.sum(b_)})

        return lax.scan(body, {"a": a, "b": b0}, {"u": seq, "v": seq * 2.0}, reverse=True, unroll=2)

    return jax.vmap(f)(xs, a0)


@case("scan_unbatched_carry_part_and_ys", U(3, 2), U(4))
def _(x, ks):
    # The counter and the ys do not depend on the batch.
    f = lambda v: lax.scan(lambda c, k: ((c[0] + k, c[1] * 0.5 + v), k * 2.0), (f64(0), v), ks)
    return jax.vmap(f)(x)


@case("scan_carry_batched_by_body", U(3), U(5))
def _(w, xs):
    # The carry starts unbatched; the batched w makes it batched from the first step.
    return jax.vmap(lambda ww: lax.scan(lambda c, x: (c * ww + x, c), f64(1.0), xs))(w)


@case("scan_in_out_axes", U(3, 4), U(4, 5, 3))
def _(c, xs):
    f = lambda cc, seq: lax.scan(lambda carry, t: (carry * t + 1.0, carry - t), cc, seq)
    return jax.vmap(f, in_axes=(1, 0), out_axes=(0, 1))(c, xs)


# ============================================================================================
# compositions


@case("vmap_of_vmap_scan", U(2, 3, 4))
def _(x):
    f = lambda v: lax.scan(lambda c, t: (c + t, c * t), f64(0), v)
    return jax.vmap(jax.vmap(f, in_axes=1), in_axes=0)(x)


@case("vmap_jit_scan_and_jit_vmap_scan", U(3, 5))
def _(x):
    f = lambda v: lax.scan(lambda c, t: (jnp.sin(c) * 0.5 + t, c), f64(0), v)
    return (jax.vmap(jax.jit(f))(x), jax.jit(jax.vmap(f))(x))


@case("vmap_inside_scan_body", U(4, 3, 2), U(2, 2))
def _(xs, w):
    def g(ww):
        def body(c, x):
            y = jax.vmap(lambda r: jnp.dot(r, ww) + c)(x)
            return c + jnp.sum(y), y

        return lax.scan(body, f64(0), xs)

    return jax.vmap(g)(w)


@case("nested_scan_while_cond", U(3, 4), I(3, lo=0, hi=3))
def _(x, n):
    def f(v, m):
        def body(c, t):
            k, acc = lax.while_loop(lambda s: s[0] < m, lambda s: (s[0] + 1, s[1] * 0.5 + t), (i32(0), c))
            out = lax.cond(acc > 0, lambda a: a - 1.0, lambda a: a * a, acc)
            return out, k

        return lax.scan(body, f64(0.5), v)

    return jax.vmap(f)(x, n)


@case("nested_scan_in_scan", U(2, 3, 4))
def _(x):
    def f(m):
        def outer(c, row):
            s, ys = lax.scan(lambda a, t: (a * 0.5 + t * c, a), c, row)
            return s, ys

        return lax.scan(outer, f64(1.0), m)

    return jax.vmap(f)(x)


@case("map_batch_size_under_vmap", U(3, 7, 2))
def _(x):
    return jax.vmap(lambda v: lax.map(lambda r: jnp.sum(jnp.sin(r)) * r, v, batch_size=3))(x)


@case("map_of_vmapped_cond", U(4, 3))
def _(x):
    # lax.map with batch_size vmaps a cond with a batched predicate inside a scan.
    return lax.map(lambda r: lax.cond(jnp.sum(r) > 0, jnp.sin, jnp.cos, r), x, batch_size=3)


# ============================================================================================
# reverse mode through a batched predicate (the branches are inlined and selected, so no cond
# rule is involved): lanes that take -a must get -1, not NaN from the untaken sqrt branch.


@case("grad_of_vmap_cond_batched_pred_untaken_nan", U(6))
def _(x):
    f = lambda v: jnp.sum(jax.vmap(lambda a: lax.cond(a >= 0, jnp.sqrt, lambda b: -b, a))(v))
    return jax.grad(f)(x)


def main():
    out = []
    for name, (fn, inputs, rtol, atol) in CASES.items():
        result = fn(*[jnp.asarray(x) for x in inputs])
        out.append({"name": name, "inputs": [enc_array(x) for x in inputs], "out": enc_tree(result), "rtol": rtol, "atol": atol})
    path = os.path.join(HERE, "control_flow_vmap.json")
    with open(path, "w") as f:
        json.dump({"source": "jax " + jax.__version__ + " (x64)", "cases": out}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
