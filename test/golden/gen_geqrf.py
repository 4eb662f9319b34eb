#!/usr/bin/env python3
"""Golden values for LAPACK geqrf's raw QR output from real JAX 0.10.2:
jnp.linalg.qr(a, mode="raw") -> (h, tau) with h transposed as NumPy returns it, the geqrf
primitive itself -> (a, taus) (jax._src.lax.linalg.geqrf: JAX 0.10.2 does not export it from
jax.lax.linalg), and householder_product of geqrf's output (the Q of the reflectors).

    ~/jaxref/bin/python test/golden/gen_geqrf.py

writes test/golden/geqrf.json (float32 cases from JAX's default mode, float64 from a second run
of this script in x64 mode). test/linalg/geqrf.test.ts replays it. Values only: geqrf and
householder_product have no derivative in JAX (NotImplementedError), which the test checks.

Case: {"name", "fn": "qrRaw" | "geqrf" | "householderProduct", "args": [array...],
       "out": [array...], "rtol", "atol"}; array: {"array": flat list, "dtype", "shape"}
"""
import os

import numpy as np

from x64run import X64, start_x64_run, write_cases
import jax.numpy as jnp  # noqa: E402
from jax._src.lax import linalg as lax_linalg  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
other = start_x64_run(__file__)
rng = np.random.default_rng(1313)
DT = "float64" if X64 else "float32"
cases = []


def enc(x):
    x = np.asarray(x)
    return {"array": [float(v) for v in x.ravel()], "dtype": str(x.dtype), "shape": list(x.shape)}


def add(name, fn, pyfn, args):
    outs = pyfn(*args)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    rtol, atol = (1e-10, 1e-11) if X64 else (2e-4, 2e-5)
    cases.append({"name": f"{name} {DT}", "fn": fn, "args": [enc(a) for a in args], "out": [enc(o) for o in outs], "rtol": rtol, "atol": atol})


def randn(*shape):
    return rng.standard_normal(shape).astype(DT)


def qr_raw(a):
    h, tau = jnp.linalg.qr(a, mode="raw")
    return h, tau


def q_of_reflectors(a):
    # householder_product needs m >= n: the reflectors of a wide matrix are its first m columns
    h, taus = lax_linalg.geqrf(a)
    m, n = a.shape[-2:]
    return (lax_linalg.householder_product(h[..., :, : min(m, n)], taus),)


shapes = {"square 4x4": (4, 4), "tall 5x3": (5, 3), "wide 3x5": (3, 5), "batched 2x3 of 4x3": (2, 3, 4, 3), "batched 2 of 3x4": (2, 3, 4), "1x1": (1, 1), "column 4x1": (4, 1), "row 1x4": (1, 4)}
for label, shape in shapes.items():
    a = randn(*shape)
    add(f"qr raw {label}", "qrRaw", qr_raw, [a])
    add(f"geqrf {label}", "geqrf", lambda x: lax_linalg.geqrf(x), [a])
    add(f"householder product {label}", "householderProduct", q_of_reflectors, [a])

# Columns already reduced (dlarfg's tau = 0, no reflection), a zero matrix, a rank-1 matrix,
# a column with a negative leading entry and one with a zero leading entry.
add("qr raw upper triangular", "qrRaw", qr_raw, [np.triu(randn(4, 4))])
add("qr raw zeros", "qrRaw", qr_raw, [np.zeros((3, 2), DT)])
add("qr raw ones (rank 1)", "qrRaw", qr_raw, [np.ones((3, 2), DT)])
add("geqrf zero leading entries", "geqrf", lambda x: lax_linalg.geqrf(x), [np.array([[0, 1, 2], [3, 0, 1], [4, 5, 0], [0, 2, 2]], DT)])
add("geqrf integer-valued", "geqrf", lambda x: lax_linalg.geqrf(x), [(np.arange(12).reshape(4, 3) + np.eye(4, 3)).astype(DT)])
# Fewer taus than columns: the first k reflectors only.
a = randn(5, 4)
h, taus = lax_linalg.geqrf(a)
add("householder product k=2 of 5x4", "householderProduct", lambda h, t: (lax_linalg.householder_product(h, t),), [np.asarray(h), np.asarray(taus)[:2]])

write_cases(other, cases, os.path.join(HERE, "geqrf.json"))
