#!/usr/bin/env python3
"""Golden derivatives of control flow (cond, switch, scan, fori_loop, while_loop) from real JAX,
in float64.

Run with the reference environment (JAX 0.10.2):

    ~/jaxref/bin/python test/golden/control_flow_grad.py

It writes test/golden/control_flow_grad.json, which test/controlFlow/autodiffGolden.test.ts
replays against jaxts. Each case is a transform (grad, jacfwd, jacrev, hessian, jvp) of a
function using the primitives, including closures over differentiated values and nested
loops. The TS test keeps a registry of twins with the same names; keep the two paired.
Inputs, outputs and tolerances use the encoding of gen_autodiff.py.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_autodiff import enc_array, enc_tree  # noqa: E402  (also enables x64)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

rng = np.random.default_rng(20261205)
RTOL = 1e-11
ATOL = 1e-12
CASES = {}


def case(name, *inputs, rtol=RTOL, atol=ATOL):
    def deco(fn):
        assert name not in CASES, name
        CASES[name] = (fn, [np.asarray(x, dtype=np.float64) for x in inputs], rtol, atol)
        return fn

    return deco


def U(*shape, lo=-1.0, hi=1.0):
    return np.round(rng.uniform(lo, hi, size=shape), 4)


# --- cond and switch ------------------------------------------------------------------------


def cond_fn(x, w):
    # The predicate depends on x; the true branch closes over w (it becomes an operand).
    return jnp.sum(lax.cond(jnp.sum(x) > 0, lambda a: jnp.sin(a * w), lambda a: jnp.cos(a) * a, x))


@case("cond_grad_true", U(3, lo=0.1), U(3))
def _(x, w):
    return jax.grad(cond_fn, argnums=(0, 1))(x, w)


@case("cond_grad_false", U(3, lo=-1, hi=-0.1), U(3))
def _(x, w):
    return jax.grad(cond_fn, argnums=(0, 1))(x, w)


@case("cond_hessian", U(3, lo=0.1), U(3))
def _(x, w):
    return jax.hessian(cond_fn)(x, w)


def switch_fn(x):
    i = (jnp.sum(x) > 0).astype(jnp.int32) + (jnp.sum(x) > 1).astype(jnp.int32)
    return lax.switch(i, [lambda a: a * a, lambda a: jnp.exp(a), lambda a: jnp.tanh(a) * 3.0], x)


@case("switch_jacrev", U(3, lo=0.4, hi=0.6))
def _(x):
    return jax.jacrev(switch_fn)(x)


@case("switch_jacfwd", U(3, lo=-0.6, hi=-0.4))
def _(x):
    return jax.jacfwd(switch_fn)(x)


# --- scan -------------------------------------------------------------------------------------


def rnn(W, h0, xs, reverse=False, unroll=1):
    def cell(h, x):
        h = jnp.tanh(W @ h + x)
        return h, jnp.sum(h * h)

    h, ys = lax.scan(cell, h0, xs, reverse=reverse, unroll=unroll)
    return jnp.sum(h) + jnp.sum(ys * jnp.arange(1.0, ys.shape[0] + 1.0))


@case("scan_rnn_grad", U(3, 3), U(3), U(4, 3))
def _(W, h0, xs):
    return jax.grad(rnn, argnums=(0, 1, 2))(W, h0, xs)


@case("scan_rnn_reverse_grad", U(3, 3), U(3), U(4, 3))
def _(W, h0, xs):
    return jax.grad(lambda W, h0, xs: rnn(W, h0, xs, reverse=True), argnums=(0, 1, 2))(W, h0, xs)


@case("scan_rnn_unroll_jacrev", U(3, 3), U(3), U(5, 3))
def _(W, h0, xs):
    return jax.jacrev(lambda W: rnn(W, h0, xs, unroll=2))(W)


@case("scan_rnn_hessian_h0", U(3, 3), U(3), U(3, 3))
def _(W, h0, xs):
    return jax.hessian(lambda h0: rnn(W, h0, xs))(h0)


def scan_ys(c0, xs):
    # ys only (a per-step output), carry a scalar.
    def f(c, x):
        c = c * 0.9 + jnp.sin(x)
        return c, c * x

    return lax.scan(f, c0, xs)[1]


@case("scan_ys_jacfwd", 0.3, U(5))
def _(c0, xs):
    return jax.jacfwd(scan_ys, argnums=(0, 1))(c0, xs)


@case("scan_ys_jacrev", 0.3, U(5))
def _(c0, xs):
    return jax.jacrev(scan_ys, argnums=(0, 1))(c0, xs)


def pytree_carry(p):
    # A dict carry with xs None (length given); closes over nothing.
    def f(c, _):
        return {"a": c["a"] * jnp.cos(c["b"]), "b": c["b"] + 0.1 * c["a"]}, None

    c, _ = lax.scan(f, {"a": p[0], "b": p[1]}, None, length=4)
    return c["a"] * c["b"]


@case("scan_pytree_carry_grad", U(2))
def _(p):
    return jax.grad(pytree_carry)(p)


@case("scan_pytree_carry_hessian", U(2))
def _(p):
    return jax.hessian(pytree_carry)(p)


# --- fori_loop --------------------------------------------------------------------------------


def fori_fn(x, w):
    return jnp.sum(lax.fori_loop(0, 5, lambda i, v: jnp.sin(v * w) + i * 0.1, x))


@case("fori_static_grad", U(3), U(3))
def _(x, w):
    return jax.grad(fori_fn, argnums=(0, 1))(x, w)


@case("fori_static_hessian", U(2), U(2))
def _(x, w):
    return jax.hessian(fori_fn)(x, w)


# --- while_loop (forward mode) ----------------------------------------------------------------


def while_fn(x):
    # A loop whose trip count depends on the values (not the tangents).
    def body(c):
        i, v = c
        return i + 1, v * 0.5 + jnp.sin(v)

    return lax.while_loop(lambda c: (c[0] < 3) | (jnp.sum(c[1]) < -100.0), body, (0, x))[1]


@case("while_jacfwd", U(3))
def _(x):
    return jax.jacfwd(while_fn)(x)


@case("while_jvp", U(3), U(3))
def _(x, t):
    return jax.jvp(while_fn, (x,), (t,))


# --- nesting and closures ----------------------------------------------------------------------


def nested_scan(W, xs):
    def outer(c, row):
        def inner(d, x):
            d = jnp.sin(d * x + jnp.sum(W * c))
            return d, d

        d, ds = lax.scan(inner, c[0], row)
        return c * jnp.cos(d) + jnp.sum(ds), d

    c, ys = lax.scan(outer, jnp.ones(2), xs)
    return jnp.sum(c) + jnp.sum(ys)


@case("nested_scan_grad", U(2), U(3, 4))
def _(W, xs):
    return jax.grad(nested_scan, argnums=(0, 1))(W, xs)


@case("nested_scan_hessian_W", U(2), U(3, 2))
def _(W, xs):
    return jax.hessian(nested_scan)(W, xs)


def cond_in_scan(w, xs):
    def f(c, x):
        c = lax.cond(x > 0, lambda c: c * w + x, lambda c: jnp.sin(c) - w * x, c)
        return c, c * c

    c, ys = lax.scan(f, 0.5, xs)
    return c + jnp.sum(ys)


@case("cond_in_scan_grad", 0.7, U(6))
def _(w, xs):
    return jax.grad(cond_in_scan, argnums=(0, 1))(w, xs)


@case("cond_in_scan_hessian", 0.7, U(4))
def _(w, xs):
    return jax.hessian(cond_in_scan, argnums=(0, 1))(w, xs)


def fori_in_scan(w, xs):
    def f(c, x):
        c = lax.fori_loop(0, 3, lambda i, v: v * jnp.cos(w * x) + 0.1 * i, c)
        return c, jnp.sum(c)

    c, ys = lax.scan(f, jnp.full(2, 0.3), xs)
    return jnp.sum(c) * jnp.sum(ys)


@case("fori_in_scan_grad", U(2), U(4))
def _(w, xs):
    return jax.grad(fori_in_scan, argnums=(0, 1))(w, xs)


def scan_in_cond(x, w):
    def branch(a):
        return lax.scan(lambda c, y: (c * y + w, c), a[0], a)[0]

    return lax.cond(jnp.sum(x) > 0, branch, lambda a: jnp.sum(a * w), x)


@case("scan_in_cond_grad", U(4, lo=0.1), 0.4)
def _(x, w):
    return jax.grad(scan_in_cond, argnums=(0, 1))(x, w)


@case("scan_grad_of_grad", U(3))
def _(x):
    # grad of a function that itself contains grad through a scan.
    def inner(x):
        return lax.scan(lambda c, y: (jnp.sin(c * y), c), 1.0, x)[0]

    return jax.grad(lambda x: jnp.sum(jax.grad(inner)(x) ** 2))(x)


# --- the structure of the jaxprs reverse mode builds ---------------------------------------------
# For each function: the control-flow equations at the top level of make_jaxpr(transform(f))
# (looking through pjit wrappers), in order, with scan's direction. jaxts must build the same
# sequence: e.g. grad of a scan is the forward scan then one scan running the other way.

STRUCTURES = {
    "grad_scan_rnn": (lambda W, h0, xs: jax.grad(rnn, argnums=(0, 1, 2))(W, h0, xs), [U(3, 3), U(3), U(4, 3)]),
    "grad_scan_rnn_reverse": (lambda W, h0, xs: jax.grad(lambda W, h0, xs: rnn(W, h0, xs, reverse=True))(W, h0, xs), [U(3, 3), U(3), U(4, 3)]),
    "grad_cond": (lambda x, w: jax.grad(cond_fn)(x, w), [U(3), U(3)]),
    "grad_fori_static": (lambda x, w: jax.grad(fori_fn)(x, w), [U(3), U(3)]),
    "grad_cond_in_scan": (lambda w, xs: jax.grad(cond_in_scan)(w, xs), [np.float64(0.7), U(4)]),
    "jvp_scan_rnn": (lambda W, h0, xs: jax.jvp(lambda W: rnn(W, h0, xs), (W,), (W,)), [U(3, 3), U(3), U(4, 3)]),
    "jvp_while": (lambda x, t: jax.jvp(while_fn, (x,), (t,)), [U(3), U(3)]),
}


def control_flow_eqns(jaxpr):
    out = []
    for e in jaxpr.eqns:
        name = e.primitive.name
        if name in ("pjit", "jit", "closed_call"):
            out += control_flow_eqns(e.params["jaxpr"].jaxpr)
        elif name == "scan":
            out.append(f"scan reverse={e.params['reverse']}")
        elif name == "cond":
            out.append(f"cond branches={len(e.params['branches'])}")
        elif name == "while":
            out.append("while")
    return out


def main():
    structures = {name: control_flow_eqns(jax.make_jaxpr(fn)(*args).jaxpr) for name, (fn, args) in STRUCTURES.items()}
    with open(os.path.join(HERE, "control_flow_grad_jaxprs.json"), "w") as f:
        json.dump({"source": "jax " + jax.__version__ + " (x64)", "structures": structures}, f, indent=1)
        f.write("\n")
    out = []
    for name, (fn, inputs, rtol, atol) in CASES.items():
        result = fn(*[jnp.asarray(x) for x in inputs])
        out.append({"name": name, "inputs": [enc_array(x) for x in inputs], "out": enc_tree(result), "rtol": rtol, "atol": atol})
    path = os.path.join(HERE, "control_flow_grad.json")
    with open(path, "w") as f:
        json.dump({"source": "jax " + jax.__version__ + " (x64)", "cases": out}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
