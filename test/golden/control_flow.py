#!/usr/bin/env python3
"""Golden forward values and jaxpr structure of JAX's structured control flow (float32).

Run with the reference environment (JAX 0.10.2):

    ~/jaxref/bin/python test/golden/control_flow.py

It writes test/golden/control_flow.json, which test/controlFlow/golden.test.ts replays against
jaxts on every device, plainly and under jit (CI needs no Python).

Two sections:
  cases:  each primitive alone (lax.cond, switch, while_loop, fori_loop, scan, map,
          associative_scan) as a function of float32/int32/bool arrays returning a pytree. The TS
          test holds a registry with the same keys, in the same order, holding the same function
          written with jaxts. Keep the two registries paired.
  jaxprs: the printed jaxpr of a function using cond, switch, while or scan; the TS test parses
          both printings and compares the higher-order equations in structure (primitive and
          parameter names, num_consts/num_carry/length/reverse/unroll/*_nconsts values, the number
          of branches, the primitives inside every sub-jaxpr).

Case format:
  {"name", "inputs": [array...], "out": tree, "rtol", "atol"}
  array: {"dtype", "shape", "data": flat row-major list}  (floats: "nan", "inf", "-inf" as strings)
  tree:  array | [tree...] (tuples and lists) | {"dict": {key: tree}} | null
"""
import json
import os

import numpy as np

import jax
import jax.numpy as jnp
from jax import lax

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20251205)

# float32 throughout: loops accumulate a few ulps per step, and both devices compute in float32.
RTOL = 2e-5
ATOL = 1e-6

CASES = {}  # name -> (fn, inputs, rtol, atol)
JAXPRS = {}  # name -> (fn, inputs)


def case(name, *inputs, rtol=RTOL, atol=ATOL):
    def deco(fn):
        assert name not in CASES, name
        CASES[name] = (fn, [np.asarray(x) for x in inputs], rtol, atol)
        return fn

    return deco


def jaxpr_case(name, *inputs):
    def deco(fn):
        assert name not in JAXPRS, name
        JAXPRS[name] = (fn, [np.asarray(x) for x in inputs])
        return fn

    return deco


def U(*shape, lo=-2.0, hi=2.0):
    """Uniform random float32 input, rounded to 3 decimals so the JSON stays readable."""
    return np.round(rng.uniform(lo, hi, size=shape), 3).astype(np.float32)


def i32(v):
    return np.asarray(v, dtype=np.int32)


def b(v):
    return np.asarray(v, dtype=np.bool_)


# ============================================================================================
# cond and switch


def _cond_pair(p, x, y):
    return lax.cond(p, lambda a, c: (jnp.sin(a) * c, a), lambda a, c: (jnp.cos(a), c * 2.0), x, y)


@case("cond_true", b(True), U(3), U(3))
def _(p, x, y):
    return _cond_pair(p, x, y)


@case("cond_false", b(False), U(3), U(3))
def _(p, x, y):
    return _cond_pair(p, x, y)


@case("cond_int_pred_nonzero_is_true", i32(-3), U(2, 2))
def _(p, x):
    return lax.cond(p, lambda a: a @ a, lambda a: a.T, x)


@case("cond_float_pred_zero_is_false", np.float32(0.0), U(4))
def _(p, x):
    return lax.cond(p, jnp.exp, jnp.tanh, x)


@case("cond_closes_over_outer_values", b(True), U(3), U(3))
def _(p, x, w):
    return lax.cond(p, lambda a: a * w + 1.0, lambda a: a - w, x)


@case("cond_pytree_operands_and_outputs", b(False), U(2), U(3))
def _(p, x, y):
    ops = {"x": x, "y": y}
    return lax.cond(
        p,
        lambda d: {"s": jnp.sum(d["x"]) + jnp.sum(d["y"]), "v": [d["x"], d["y"] * 2.0]},
        lambda d: {"s": jnp.prod(d["y"]), "v": [d["x"] * 3.0, jnp.sin(d["y"])]},
        ops,
    )


@case("switch_every_index_clamped", i32([-2, 0, 1, 2, 7]), U(3))
def _(idx, x):
    branches = [lambda a: a * 2.0, jnp.sin, lambda a: a - jnp.sum(a)]
    return [lax.switch(idx[k], branches, x) for k in range(idx.shape[0])]


@case("switch_two_operands", i32(1), U(3), U(3))
def _(i, x, y):
    return lax.switch(i, [lambda a, c: a + c, lambda a, c: a * c], x, y)


# ============================================================================================
# while_loop and fori_loop


@case("while_pytree_carry", U(3))
def _(x):
    return lax.while_loop(lambda c: c[0] < 7, lambda c: (c[0] + 1, c[1] * 0.9 + x), (jnp.int32(0), jnp.zeros(3, jnp.float32)))


@case("while_newton_sqrt", U(4, lo=0.5, hi=9.0))
def _(a):
    def body(c):
        y, k = c
        return (0.5 * (y + a / y), k + 1)

    return lax.while_loop(lambda c: jnp.logical_and(jnp.max(jnp.abs(c[0] * c[0] - a)) > 1e-5, c[1] < 50), body, (jnp.ones_like(a), 0))


@case("while_zero_iterations", U(2))
def _(x):
    return lax.while_loop(lambda c: jnp.sum(c) > 100.0, lambda c: c * 2.0, x)


@case("fori_static_bounds", U(3))
def _(x):
    return lax.fori_loop(2, 6, lambda i, c: c * 0.5 + jnp.sin(i.astype(jnp.float32)) * x, x)


@case("fori_static_bounds_unroll_2", U(3))
def _(x):
    return lax.fori_loop(0, 5, lambda i, c: jnp.cos(c) + i.astype(jnp.float32), x, unroll=2)


@case("fori_static_empty_range", U(3))
def _(x):
    return lax.fori_loop(4, 2, lambda i, c: c + 1.0, x)


@case("fori_traced_bounds_under_jit", i32(1), i32(5), U(3))
def _(lo, hi, x):
    return jax.jit(lambda l, h, v: lax.fori_loop(l, h, lambda i, c: c * 1.5 - i.astype(jnp.float32), v))(lo, hi, x)


# ============================================================================================
# scan


def _rnn_step(c, x):
    h = jnp.tanh(c * 0.5 + x)
    return h, h * h


@case("scan_basic", U(3), U(5, 3))
def _(c0, xs):
    return lax.scan(_rnn_step, c0, xs)


@case("scan_reverse", U(3), U(5, 3))
def _(c0, xs):
    return lax.scan(_rnn_step, c0, xs, reverse=True)


@case("scan_unroll_3", U(3), U(7, 3))
def _(c0, xs):
    return lax.scan(_rnn_step, c0, xs, unroll=3)


@case("scan_unroll_true_reverse", U(3), U(4, 3))
def _(c0, xs):
    return lax.scan(_rnn_step, c0, xs, unroll=True, reverse=True)


@case("scan_pytree_carry_and_ys", U(2), U(6, 2), U(6))
def _(h0, xs, ws):
    def f(carry, x):
        h, n = carry["h"], carry["n"]
        h2 = jnp.sin(h * x["w"] + x["v"])
        return {"h": h2, "n": n + 1}, (h2, {"s": jnp.sum(h2), "n": n})

    return lax.scan(f, {"h": h0, "n": jnp.int32(0)}, {"v": xs, "w": ws})


@case("scan_xs_none_with_length", U(3))
def _(c0):
    return lax.scan(lambda c, _: (c * 0.8 + 1.0, jnp.sum(c)), c0, None, length=4)


@case("scan_ys_none", U(2), U(3, 2))
def _(c0, xs):
    return lax.scan(lambda c, x: (c + x * x, None), c0, xs)


@case("scan_closes_over_outer_values", U(2, 2), U(2), U(5, 2))
def _(w, c0, xs):
    return lax.scan(lambda c, x: (jnp.tanh(w @ c + x), c), c0, xs)


@case("scan_length_zero", U(3), np.zeros((0, 3), np.float32))
def _(c0, xs):
    return lax.scan(lambda c, x: (c + x, c * 2.0), c0, xs)


# ============================================================================================
# map


@case("map_sequential", U(5, 3))
def _(xs):
    return lax.map(lambda x: (jnp.sum(x), x * 2.0), xs)


@case("map_batch_size_divides", U(6, 2))
def _(xs):
    return lax.map(lambda x: jnp.sin(x) + jnp.max(x), xs, batch_size=3)


@case("map_batch_size_with_remainder", U(7, 2))
def _(xs):
    return lax.map(lambda x: {"a": x[0] * x[1], "b": jnp.cos(x)}, xs, batch_size=3)


@case("map_pytree_xs", U(4, 2), U(4))
def _(a, c):
    return lax.map(lambda t: t[0] * t[1], (a, c[:, None]))


# ============================================================================================
# associative_scan


@case("assoc_scan_add", U(9))
def _(x):
    return lax.associative_scan(jnp.add, x)


@case("assoc_scan_add_reverse", U(8))
def _(x):
    return lax.associative_scan(jnp.add, x, reverse=True)


@case("assoc_scan_max_axis_1", U(3, 7))
def _(x):
    return lax.associative_scan(jnp.maximum, x, axis=1)


@case("assoc_scan_negative_axis", U(2, 5, 3))
def _(x):
    return lax.associative_scan(jnp.add, x, axis=-2)


# (JAX 0.10.2 rejects reverse=True with a negative axis: lax.rev is given the axis unnormalized.)
@case("assoc_scan_axis_1_reverse", U(2, 6, 3))
def _(x):
    return lax.associative_scan(jnp.add, x, reverse=True, axis=1)


@case("assoc_scan_pytree_linear_recurrence", U(10, lo=0.2, hi=0.9), U(10))
def _(a, bb):
    # h_t = a_t * h_{t-1} + b_t as a scan over pairs (a, b): composing two affine maps.
    return lax.associative_scan(lambda l, r: (l[0] * r[0], r[0] * l[1] + r[1]), (a, bb))


@case("assoc_scan_length_one", U(1, 3))
def _(x):
    return lax.associative_scan(jnp.multiply, x)


# ============================================================================================
# stax.RNN, LSTM and GRU: JAX's stax has no recurrent layers, so these are jaxts's cells written
# with lax.scan in JAX (inputs [batch, time, features]; params as leaves in sorted-key order).

B, T, F, H = 2, 5, 3, 4


def _P(*shape):
    return U(*shape, lo=-0.8, hi=0.8)


def _dense():
    return [_P(H, H), _P(F, H), _P(H)]  # Wh, Wx, b


def _affine(p, x, h):
    Wh, Wx, bias = p
    return x @ Wx + h @ Wh + bias


def _run_layer(step, h0, x):
    _, ys = lax.scan(step, h0, jnp.swapaxes(x, 0, 1))
    return jnp.swapaxes(ys, 0, 1)


@case("stax_rnn", *_dense(), U(B, T, F))
def _(Wh, Wx, bias, x):
    def step(h, xt):
        h2 = jnp.tanh(_affine((Wh, Wx, bias), xt, h))
        return h2, h2

    return _run_layer(step, jnp.zeros((B, H), jnp.float32), x)


@case("stax_lstm", *_dense(), *_dense(), *_dense(), *_dense(), U(B, T, F))
def _(*args):
    f, g, i, o = (args[k : k + 3] for k in range(0, 12, 3))  # sorted keys: f, g, i, o
    x = args[12]

    def step(state, xt):
        h, c = state
        c2 = jax.nn.sigmoid(_affine(f, xt, h)) * c + jax.nn.sigmoid(_affine(i, xt, h)) * jnp.tanh(_affine(g, xt, h))
        h2 = jax.nn.sigmoid(_affine(o, xt, h)) * jnp.tanh(c2)
        return (h2, c2), h2

    z0 = jnp.zeros((B, H), jnp.float32)
    return _run_layer(step, (z0, z0), x)


@case("stax_gru", *_dense(), *_dense(), *_dense(), U(B, T, F))
def _(*args):
    n, r, z = (args[k : k + 3] for k in range(0, 9, 3))  # sorted keys: n, r, z
    x = args[9]

    def step(h, xt):
        zt = jax.nn.sigmoid(_affine(z, xt, h))
        rt = jax.nn.sigmoid(_affine(r, xt, h))
        nt = jnp.tanh(xt @ n[1] + rt * (h @ n[0]) + n[2])
        h2 = (1.0 - zt) * nt + zt * h
        return h2, h2

    return _run_layer(step, jnp.zeros((B, H), jnp.float32), x)


# ============================================================================================
# jaxpr structure


@jaxpr_case("cond_closure", U(3), b(True))
def _(x, p):
    return lax.cond(p, lambda a: a * x, lambda a: a, x)


@jaxpr_case("switch_three_branches", i32(1), U(3))
def _(i, x):
    return lax.switch(i, [lambda a: a, lambda a: a * 2.0, jnp.sin], x)


@jaxpr_case("while_with_body_consts", np.float32(2.0))
def _(a):
    return lax.while_loop(lambda c: c[0] < 3.0, lambda c: (c[0] + 1.0, c[1] * a), (0.0, a))


@jaxpr_case("scan_reverse_with_consts", U(3), U(4, 3))
def _(w, xs):
    return lax.scan(lambda c, x: (c + x * w, c), w, xs, reverse=True)


@jaxpr_case("scan_unroll_2", U(2), U(5, 2))
def _(c0, xs):
    return lax.scan(lambda c, x: (jnp.sin(c) * x, c), c0, xs, unroll=2)


@jaxpr_case("scan_xs_none", U(2))
def _(c0):
    return lax.scan(lambda c, _: (c * 2.0, None), c0, None, length=3)


@jaxpr_case("fori_static_bounds_is_a_scan", U(2))
def _(x):
    return lax.fori_loop(1, 4, lambda i, c: c * 2.0, x)


@jaxpr_case("fori_traced_bounds_is_a_while", i32(4), U(2))
def _(n, x):
    return lax.fori_loop(0, n, lambda i, c: jnp.sin(c), x)


# ============================================================================================
# Encoding


from encoding import enc_array as _enc_array, enc_tree as _enc_tree


def enc_array(a):
    return _enc_array(a, dtypes=(np.float32, np.int32, np.bool_))


def enc_tree(t):
    return _enc_tree(t, enc_array)


def main():
    cases = []
    for name, (fn, inputs, rtol, atol) in CASES.items():
        result = fn(*[jnp.asarray(x) for x in inputs])
        cases.append({"name": name, "inputs": [enc_array(x) for x in inputs], "out": enc_tree(result), "rtol": rtol, "atol": atol})
    jaxprs = []
    for name, (fn, inputs) in JAXPRS.items():
        text = str(jax.make_jaxpr(fn)(*[jnp.asarray(x) for x in inputs]))
        jaxprs.append({"name": name, "inputs": [enc_array(x) for x in inputs], "text": text})
    path = os.path.join(HERE, "control_flow.json")
    with open(path, "w") as f:
        json.dump({"source": "jax " + jax.__version__ + " (float32)", "cases": cases, "jaxprs": jaxprs}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases and {len(jaxprs)} jaxprs to {path}")


if __name__ == "__main__":
    main()
