"""Golden values for float16 contractions and int8/uint8 contractions with a narrow result
(test/ref/narrowContraction.test.ts and test/wasm/narrowContraction.test.ts).

XLA's CPU backend computes a float16 dot or convolution by converting both operands to float32,
accumulating in float32 and rounding the result to float16 once: the cases below tell that apart
from float16 rounding at every step (2048 + four ones is 2052, not 2048; two products of 2^-25
sum to 2^-24, not 0) and from a float64 accumulator (65504*65504 + 1 - 65504*65504 is 0 in
float32 summed in order, 1 in float64). Sums whose float32 partial sums are exact in any order
check batch dims, transposed layouts, feature groups and padding independently of the order.
int8/uint8 results wrap modulo 2^8.
Operands and results: float16 as uint16 bit patterns, the rest as numbers.
Usage: ~/jaxref/bin/python test/golden/gen_narrow_contraction.py
"""
import json, os
import numpy as np
import jax, jax.numpy as jnp
from jax import lax

A = 65504.0
rng = np.random.default_rng(20261205)
cases = []


def enc(x):
    x = np.asarray(x)
    return x.view(np.uint16).ravel().tolist() if x.dtype == np.float16 else x.ravel().tolist()


def dot(name, a, b, dn, pref=None):
    out = jax.jit(lambda x, y: lax.dot_general(x, y, dn, preferred_element_type=pref))(a, b)
    cases.append({"name": name, "prim": "dotGeneral", "lhs": {"shape": list(a.shape), "dtype": str(a.dtype), "data": enc(a)},
                  "rhs": {"shape": list(b.shape), "dtype": str(b.dtype), "data": enc(b)},
                  "dimensionNumbers": [[list(dn[0][0]), list(dn[0][1])], [list(dn[1][0]), list(dn[1][1])]],
                  "preferredElementType": None if pref is None else np.dtype(pref).name,
                  "out": {"shape": list(out.shape), "dtype": str(out.dtype), "data": enc(out)}})


def conv(name, x, w, strides, padding, lhs_dil, rhs_dil, specs, fgc=1, bgc=1):
    f = lambda x, w: lax.conv_general_dilated(x, w, strides, padding, lhs_dil, rhs_dil, specs, feature_group_count=fgc, batch_group_count=bgc)
    out = jax.jit(f)(x, w)
    dn = lax.conv_dimension_numbers(x.shape, w.shape, specs)
    cases.append({"name": name, "prim": "convGeneralDilated", "lhs": {"shape": list(x.shape), "dtype": str(x.dtype), "data": enc(x)},
                  "rhs": {"shape": list(w.shape), "dtype": str(w.dtype), "data": enc(w)},
                  "windowStrides": list(strides), "padding": [list(p) for p in padding], "lhsDilation": list(lhs_dil), "rhsDilation": list(rhs_dil),
                  "dimensionNumbers": {"lhsSpec": list(dn.lhs_spec), "rhsSpec": list(dn.rhs_spec), "outSpec": list(dn.out_spec)},
                  "featureGroupCount": fgc, "batchGroupCount": bgc,
                  "out": {"shape": list(out.shape), "dtype": str(out.dtype), "data": enc(out)}})


h = lambda v: np.array(v, np.float16)
mm = (((1,), (0,)), ((), ()))
# float32 accumulation, not float16 per step, not float64
dot("f16 2048 + four ones = 2052", h([[2048, 1, 1, 1, 1]]), h([[1]] * 5), mm)
dot("f16 two 2^-25 products = 2^-24", h([[2.0**-13, 2.0**-13]]), h([[2.0**-12], [2.0**-12]]), mm)
dot("f16 A*A + 1 - A*A = 0 in float32", h([[A, 1, -A], [1, 1, 1]]), h([[A, 2], [1, 2], [A, 2]]), mm)
dot("f16 -> f32 A*A + 1 - A*A = 0", h([[A, 1, -A]]), h([[A], [1], [A]]), mm, jnp.float32)
dot("f16 specials", h([[np.inf, 1], [np.inf, -np.inf], [np.nan, 0], [A, A]]), h([[1, 0], [1, 1]]), mm)
# order-independent sums (small integers: float32 partial sums exact), final rounding ties 2049 -> 2048, 2051 -> 2052
ints = lambda shape, lo, hi: h(rng.integers(lo, hi, size=shape))
dot("f16 batch dims, lhs contracting dim first", ints((3, 6, 2), -40, 40), ints((2, 5, 3), -40, 40), (((0,), (2,)), ((2,), (0,))))
dot("f16 transposed rhs, two contracting dims", ints((4, 3, 5), -60, 60), ints((7, 3, 5), -60, 60), (((1, 2), (1, 2)), ((), ())))
dot("f16 rounding ties", h([[2048, 1], [2048, 3], [2050, 1], [4096, 2]]), h([[1, 1], [1, 3]]), mm)
conv("f16 conv A*A + 1 - A*A", h([A, 1, -A]).reshape(1, 1, 3), h([A, 1, A]).reshape(1, 1, 3), (1,), [(0, 0)], (1,), (1,), ("NCH", "OIH", "NCH"))
conv("f16 conv features 2048 + ones", h([2048, 1, 1, 1, 1]).reshape(1, 5, 1, 1), h([1] * 5).reshape(1, 5, 1, 1), (1, 1), [(0, 0), (0, 0)], (1, 1), (1, 1), ("NCHW", "OIHW", "NCHW"))
conv("f16 conv NHWC padded strided", ints((2, 6, 5, 3), -30, 30), ints((3, 2, 3, 4), -30, 30), (2, 1), [(1, 2), (0, 1)], (1, 1), (1, 1), ("NHWC", "HWIO", "NHWC"))
conv("f16 conv feature groups, dilations", ints((1, 4, 7), -50, 50), ints((6, 2, 3), -50, 50), (1,), [(2, 1)], (2,), (1,), ("NCH", "OIH", "NCH"), fgc=2)
conv("f16 conv batch groups", ints((4, 2, 6), -50, 50), ints((4, 2, 3), -50, 50), (1,), [(1, 1)], (1,), (2,), ("NCH", "OIH", "NCH"), bgc=2)
# int8/uint8 results wrap
i8 = lambda v: np.array(v, np.int8)
dot("int8 wraps", i8([[127, -128, 100], [-1, -1, -1]]), i8([[127, 1], [-128, 1], [100, 1]]), mm)
dot("int8 batch, transposed", i8(rng.integers(-128, 128, (2, 9, 3))), i8(rng.integers(-128, 128, (2, 4, 9))), (((1,), (2,)), ((0,), (0,))))
dot("uint8 wraps", np.array(rng.integers(0, 256, (5, 17)), np.uint8), np.array(rng.integers(0, 256, (17, 6)), np.uint8), mm)
conv("int8 conv wraps", i8(rng.integers(-128, 128, (2, 3, 6, 6))), i8(rng.integers(-128, 128, (4, 3, 3, 3))), (1, 1), [(1, 1), (1, 1)], (1, 1), (1, 1), ("NCHW", "OIHW", "NCHW"))
# batch groups (a grouped convolution's weight gradient): output feature group g reads batch group g
conv("int8 conv batch groups wraps", i8(rng.integers(-128, 128, (6, 2, 7))), i8(rng.integers(-128, 128, (6, 2, 3))), (1,), [(1, 1)], (1,), (2,), ("NCH", "OIH", "NCH"), bgc=3)
conv("uint8 conv batch groups wraps, NHWC", np.array(rng.integers(0, 256, (4, 5, 4, 3)), np.uint8), np.array(rng.integers(0, 256, (2, 2, 3, 4)), np.uint8), (1, 2), [(0, 1), (1, 0)], (1, 1), (1, 1), ("NHWC", "HWIO", "NHWC"), bgc=2)

out = {"jax_version": jax.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "narrow_contraction.json")
with open(path, "w") as fh:
    json.dump(out, fh)
print(f"wrote {len(cases)} cases to {path}")
