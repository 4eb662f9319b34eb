"""Golden values for float16 dots into float64 (preferred_element_type=float64; needs JAX's x64
mode, so a script of its own beside gen_narrow_contraction.py, same case format). XLA converts the
float16 operands and accumulates in float64: 65504*65504 + 1 - 65504*65504 is 1 (0 in float32).
Used by test/wasm/narrowContraction.test.ts.
Usage: ~/jaxref/bin/python test/golden/gen_narrow_contraction_f64.py
"""
import json, os
import numpy as np
import jax
from encoding import enc_float

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
from jax import lax

A = 65504.0
rng = np.random.default_rng(20261206)
cases = []


def enc(x):
    x = np.asarray(x)
    return x.view(np.uint16).ravel().tolist() if x.dtype == np.float16 else [enc_float(v) for v in x.ravel()]


def dot(name, a, b, dn):
    out = jax.jit(lambda x, y: lax.dot_general(x, y, dn, preferred_element_type=jnp.float64))(a, b)
    assert out.dtype == np.float64
    cases.append({"name": name, "prim": "dotGeneral", "lhs": {"shape": list(a.shape), "dtype": str(a.dtype), "data": enc(a)},
                  "rhs": {"shape": list(b.shape), "dtype": str(b.dtype), "data": enc(b)},
                  "dimensionNumbers": [[list(dn[0][0]), list(dn[0][1])], [list(dn[1][0]), list(dn[1][1])]],
                  "preferredElementType": "float64",
                  "out": {"shape": list(out.shape), "dtype": str(out.dtype), "data": enc(out)}})


h = lambda v: np.array(v, np.float16)
mm = (((1,), (0,)), ((), ()))
dot("f16 -> f64 A*A + 1 - A*A = 1", h([[A, 1, -A]]), h([[A], [1], [A]]), mm)
dot("f16 -> f64 2048 + 2^-14 products", h([[2048, 2.0**-7, 2.0**-7]]), h([[1], [2.0**-7], [2.0**-7]]), mm)
dot("f16 -> f64 specials", h([[np.inf, 1], [np.inf, -np.inf], [np.nan, 0], [A, A]]), h([[1, 0], [1, 1]]), mm)
# sums exact in float64 in any order: batch dims and a transposed layout
dot("f16 -> f64 batch dims", h(rng.integers(-60, 60, (3, 6, 2)) / 8), h(rng.integers(-60, 60, (2, 5, 3)) / 16), (((0,), (2,)), ((2,), (0,))))
dot("f16 -> f64 two contracting dims", h(rng.integers(-60, 60, (4, 3, 5)) / 4), h(rng.integers(-60, 60, (7, 3, 5)) / 32), (((1, 2), (1, 2)), ((), ())))

out = {"jax_version": jax.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "narrow_contraction_f64.json")
with open(path, "w") as fh:
    json.dump(out, fh)
print(f"wrote {len(cases)} cases to {path}")
