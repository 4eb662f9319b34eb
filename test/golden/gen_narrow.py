"""Golden values for int8/uint8 and float16 arithmetic (test/wasm/narrowArith.test.ts).

Runs real JAX (lax primitives, CPU) over every pair of a set of values that includes each
dtype's extremes, and writes test/golden/narrow.json:
  {"jax_version": ..., "cases": [{"op", "dtype", "a", "b"?, "y"?, "out"}]}
float16 operands and results are given as their uint16 bit patterns.
Usage: ~/jaxref/bin/python test/golden/gen_narrow.py
"""
import json, os
import numpy as np
import jax, jax.numpy as jnp
from jax import lax

I8 = [-128, -127, -100, -9, -8, -7, -2, -1, 0, 1, 2, 3, 7, 8, 9, 31, 100, 126, 127]
U8 = [0, 1, 2, 3, 7, 8, 9, 31, 100, 127, 128, 129, 200, 254, 255]
F16 = [0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x3C00, 0xBC00, 0x3555, 0x4248, 0x7BFF, 0xFBFF,
       0x7BFE, 0x7C00, 0xFC00, 0x7E00, 0x1400, 0x5800, 0x0200, 0x3BFF]

binary_int = {"add": lax.add, "sub": lax.sub, "mul": lax.mul, "div": lax.div, "rem": lax.rem,
              "max": lax.max, "min": lax.min, "and": lax.bitwise_and, "or": lax.bitwise_or, "xor": lax.bitwise_xor,
              "shiftLeft": lax.shift_left, "shiftRightLogical": lax.shift_right_logical,
              "shiftRightArithmetic": lax.shift_right_arithmetic}
unary_int = {"neg": lax.neg, "abs": lax.abs, "sign": lax.sign, "not": lax.bitwise_not, "square": lax.square}
binary_f16 = {"add": lax.add, "sub": lax.sub, "mul": lax.mul, "div": lax.div, "max": lax.max, "min": lax.min}
unary_f16 = {"neg": lax.neg, "abs": lax.abs, "sqrt": lax.sqrt, "floor": lax.floor, "ceil": lax.ceil, "sign": lax.sign,
             "square": lax.square, "round": lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)}

cases = []
for dt, vals in (("int8", I8), ("uint8", U8)):
    a = np.array([x for x in vals for _ in vals], dtype=dt)
    b = np.array([y for _ in vals for y in vals], dtype=dt)
    for name, fn in binary_int.items():
        cases.append({"op": name, "dtype": dt, "a": a.tolist(), "b": b.tolist(), "out": np.asarray(fn(a, b)).tolist()})
    v = np.array(vals, dtype=dt)
    for name, fn in unary_int.items():
        try:
            cases.append({"op": name, "dtype": dt, "a": v.tolist(), "out": np.asarray(fn(v)).tolist()})
        except TypeError:  # JAX refuses abs of an unsigned dtype
            pass
    for y in (2, 3, 7):
        cases.append({"op": "integerPow", "y": y, "dtype": dt, "a": v.tolist(), "out": np.asarray(lax.integer_pow(v, y)).tolist()})
    cases.append({"op": "reduceSum", "dtype": dt, "a": v.tolist(), "out": [int(np.asarray(lax.reduce_sum_p.bind(v, axes=(0,))))]})
    cases.append({"op": "reduceProd", "dtype": dt, "a": v[v != 0].tolist(), "out": [int(np.asarray(lax.reduce_prod_p.bind(v[v != 0], axes=(0,))))]})

hb = np.array(F16, dtype=np.uint16)
a = np.array([x for x in F16 for _ in F16], dtype=np.uint16)
b = np.array([y for _ in F16 for y in F16], dtype=np.uint16)
f = lambda bits: jnp.asarray(bits.view(np.float16))
bits = lambda x: np.asarray(x).astype(np.float16).view(np.uint16).tolist()
for name, fn in binary_f16.items():
    cases.append({"op": name, "dtype": "float16", "a": a.tolist(), "b": b.tolist(), "out": bits(fn(f(a), f(b)))})
for name, fn in unary_f16.items():
    cases.append({"op": name, "dtype": "float16", "a": hb.tolist(), "out": bits(fn(f(hb)))})
# float32 -> float16 rounding: halfway cases, the overflow threshold, subnormal ties
f32 = np.array([65504, 65519.99, 65520, 65536, 1e-8, 2.0**-25, 2.0**-25 * 1.0000001, 3 * 2.0**-25, 2.0**-14 - 2.0**-25,
                1 + 2.0**-11, 1 + 3 * 2.0**-11, -(1 + 2.0**-11), 1e5, -1e5, 0.1, -0.0, 6.1e-5, 5.96e-8, 2.98e-8], dtype=np.float32)
cases.append({"op": "convertElementType", "dtype": "float32", "to": "float16", "a": f32.tolist(), "out": bits(lax.convert_element_type(jnp.asarray(f32), jnp.float16))})

out = {"jax_version": jax.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "narrow.json")
with open(path, "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
print(path, len(cases))
