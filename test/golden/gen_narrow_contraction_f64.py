"""Golden values for float16 dots and convolutions into float64 (preferred_element_type=float64; needs JAX's x64
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


def conv(name, x, w, strides, padding, lhs_dil, rhs_dil, specs, fgc=1, bgc=1):
    f = lambda x, w: lax.conv_general_dilated(x, w, strides, padding, lhs_dil, rhs_dil, specs, feature_group_count=fgc, batch_group_count=bgc,
                                              preferred_element_type=jnp.float64)
    out = jax.jit(f)(x, w)
    assert out.dtype == np.float64
    dn = lax.conv_dimension_numbers(x.shape, w.shape, specs)
    cases.append({"name": name, "prim": "convGeneralDilated", "lhs": {"shape": list(x.shape), "dtype": str(x.dtype), "data": enc(x)},
                  "rhs": {"shape": list(w.shape), "dtype": str(w.dtype), "data": enc(w)},
                  "windowStrides": list(strides), "padding": [list(p) for p in padding], "lhsDilation": list(lhs_dil), "rhsDilation": list(rhs_dil),
                  "dimensionNumbers": {"lhsSpec": list(dn.lhs_spec), "rhsSpec": list(dn.rhs_spec), "outSpec": list(dn.out_spec)},
                  "featureGroupCount": fgc, "batchGroupCount": bgc, "preferredElementType": "float64",
                  "out": {"shape": list(out.shape), "dtype": str(out.dtype), "data": enc(out)}})


h = lambda v: np.array(v, np.float16)
mm = (((1,), (0,)), ((), ()))
dot("f16 -> f64 A*A + 1 - A*A = 1", h([[A, 1, -A]]), h([[A], [1], [A]]), mm)
dot("f16 -> f64 2048 + 2^-14 products", h([[2048, 2.0**-7, 2.0**-7]]), h([[1], [2.0**-7], [2.0**-7]]), mm)
dot("f16 -> f64 specials", h([[np.inf, 1], [np.inf, -np.inf], [np.nan, 0], [A, A]]), h([[1, 0], [1, 1]]), mm)
# sums exact in float64 in any order: batch dims and a transposed layout
dot("f16 -> f64 batch dims", h(rng.integers(-60, 60, (3, 6, 2)) / 8), h(rng.integers(-60, 60, (2, 5, 3)) / 16), (((0,), (2,)), ((2,), (0,))))
dot("f16 -> f64 two contracting dims", h(rng.integers(-60, 60, (4, 3, 5)) / 4), h(rng.integers(-60, 60, (7, 3, 5)) / 32), (((1, 2), (1, 2)), ((), ())))
# convolutions: A*A + 1 - A*A is 1 over taps and over input features (any order of float64
# sums gives 1; float32 sums give 0); the others' sums are exact in float64 in any order
ints = lambda shape, lo, hi, scale=1: h(rng.integers(lo, hi, shape) * scale)
conv("f16 conv -> f64 A*A + 1 - A*A over taps", h([A, 1, -A]).reshape(1, 1, 3), h([A, 1, A]).reshape(1, 1, 3), (1,), [(0, 0)], (1,), (1,), ("NCH", "OIH", "NCH"))
conv("f16 conv -> f64 A*A + 1 - A*A over features", h([A, 1, -A]).reshape(1, 3, 1, 1), h([A, 1, A]).reshape(1, 3, 1, 1), (1, 1), [(0, 0), (0, 0)], (1, 1), (1, 1), ("NCHW", "OIHW", "NCHW"))
conv("f16 conv -> f64 NHWC padded strided", ints((2, 6, 5, 3), -60, 60, 1 / 8), ints((3, 2, 3, 4), -60, 60, 1 / 16), (2, 1), [(1, 2), (0, 1)], (1, 1), (1, 1), ("NHWC", "HWIO", "NHWC"))
conv("f16 conv -> f64 feature groups, dilations", ints((1, 4, 7), -50, 50), ints((6, 2, 3), -50, 50), (1,), [(2, 1)], (2,), (1,), ("NCH", "OIH", "NCH"), fgc=2)
conv("f16 conv -> f64 batch groups", ints((4, 2, 6), -50, 50), ints((4, 2, 3), -50, 50), (1,), [(1, 1)], (1,), (2,), ("NCH", "OIH", "NCH"), bgc=2)
conv("f16 conv -> f64 large products", h([[[A, -A, 2.0**-24, A, 1000]]]), h([[[A, 2.0**-24]]]), (1,), [(0, 0)], (1,), (1,), ("NCH", "OIH", "NCH"))
conv("f16 conv -> f64 specials in the input", h([[[np.inf, 1, np.nan, -np.inf, 2]]]), h([[[1, 0.5]]]), (1,), [(0, 0)], (1,), (1,), ("NCH", "OIH", "NCH"))

out = {"jax_version": jax.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "narrow_contraction_f64.json")
with open(path, "w") as fh:
    json.dump(out, fh)
print(f"wrote {len(cases)} cases to {path}")
