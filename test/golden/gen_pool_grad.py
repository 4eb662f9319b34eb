"""Golden values for the max/min-pooling gradient (selectAndScatterAdd) and its JVP
(selectAndGatherAdd) on float16 and float32 (test/wasm/poolGrad.test.ts).

Runs real JAX's select_and_scatter_add / select_and_gather_add primitives (CPU) over operands
with many ties (small integers, infinities) and overlapping windows, so that one operand element
collects several windows' source values: the float16 sums then show JAX's rounding (one float16
rounding per addition, in window order). Cases flagged "nan" hold NaN operands (JAX's select is
`ge`/`le` folded in window order: a NaN never stays selected past the next element).
Writes test/golden/pool_grad.json: {"jax_version", "cases": [{"prim", "dtype", "select",
"shape", "window", "strides", "padding", "base_dilation"?, "window_dilation"?, "nan",
"first", "operand", "out"}]}, values as bit patterns (uint16 for float16, uint32 for float32).
Usage: ~/jaxref/bin/python test/golden/gen_pool_grad.py
"""
import json, os
import numpy as np
import jax, jax.numpy as jnp
from jax import lax
from jax._src.lax import windowed_reductions as wr

rng = np.random.default_rng(20261205)
BITS = {"float16": np.uint16, "float32": np.uint32}


def operand(shape, dtype, nan):
    x = rng.integers(-2, 3, size=shape).astype(np.float64)
    flat = x.reshape(-1)
    for i in rng.choice(flat.size, size=max(1, flat.size // 8), replace=False):
        flat[i] = rng.choice([np.inf, -np.inf, 0.0, -0.0])
    if nan:
        for i in rng.choice(flat.size, size=max(1, flat.size // 6), replace=False):
            flat[i] = np.nan
    return x.astype(dtype)


def source(shape, dtype):
    # magnitudes far apart, so that sums of three or more terms round differently per order and
    # precision; zeros (some -0) but where there is one window: XLA then skips the addition to 0
    # (0 + -0 gives -0), which it does not with several
    one = int(np.prod(shape)) == 1
    mags = np.array([1.0 if one else 0.0, 1.0, 2.0**-11, 3 * 2.0**-12, 1.5, 1000.0, 2.0**-14, 2.0**-24, 65504.0, 0.1, 7.0])
    s = rng.choice(mags, size=shape) * rng.choice([1.0, -1.0], size=shape)
    s += rng.uniform(-4, 4, size=shape) * (rng.uniform(size=shape) < 0.3)
    s = s.astype(dtype)
    return np.where(s == 0, dtype_one(dtype), s) if one else s


def dtype_one(dtype):
    return np.ones((), dtype)


def bits(a, dtype):
    return np.asarray(a).astype(dtype).view(BITS[dtype]).reshape(-1).tolist()


geoms = [  # shape, window, strides, padding
    ((9,), (3,), (1,), ((1, 1),)),
    ((11,), (3,), (2,), ((1, 1),)),
    ((8,), (2,), (1,), ((0, 0),)),
    ((7,), (5,), (1,), ((2, 2),)),
    ((6, 7), (3, 3), (1, 1), ((1, 1), (1, 1))),
    ((7, 8), (3, 3), (2, 2), ((1, 1), (1, 1))),
    ((5, 9), (2, 3), (1, 2), ((0, 1), (1, 1))),
    ((2, 6, 5), (1, 3, 2), (1, 1, 1), ((0, 0), (1, 1), (0, 1))),
    ((4, 4), (4, 4), (1, 1), ((0, 0), (0, 0))),
]
# select_and_gather_add is a reduce_window with a pair reducer that is not commutative on ties;
# XLA leaves a reduce_window's order unspecified, and its CPU backend does not fold 2-D windows
# with padding in window order (measured: a later tie is picked), so 2-D cases have no padding.
gather_geoms = [  # shape, window, strides, padding, window dilation
    ((9,), (3,), (1,), ((1, 1),), (2,)),
    ((7,), (3,), (1,), ((1, 1),), (1,)),
    ((11,), (4,), (2,), ((2, 1),), (1,)),
    ((6, 7), (3, 2), (2, 1), ((0, 0), (0, 0)), (1, 2)),
    ((5, 6), (2, 2), (1, 1), ((0, 0), (0, 0)), (1, 1)),
]
cases = []
for dtype in ("float16", "float32"):
    dt = getattr(jnp, dtype)
    for select, prim in (("max", lax.ge_p), ("min", lax.le_p)):
        for nan in (False, True):
            for shape, window, strides, padding in geoms:
                x = operand(shape, dtype, nan)
                out_shape = jax.eval_shape(lambda a: lax.reduce_window(a, -jnp.inf, lax.max, window, strides, padding), jax.ShapeDtypeStruct(shape, dt)).shape
                src = source(out_shape, dtype)
                y = wr._select_and_scatter_add(jnp.asarray(src), jnp.asarray(x), prim, window, strides, padding)
                cases.append({"prim": "selectAndScatterAdd", "dtype": dtype, "select": select, "shape": list(shape), "window": list(window),
                              "strides": list(strides), "padding": [list(p) for p in padding], "nan": nan,
                              "first": bits(src, dtype), "operand": bits(x, dtype), "out": bits(y, dtype)})
            for shape, window, strides, padding, wdil in gather_geoms:
                x = operand(shape, dtype, nan)
                t = source(shape, dtype)
                t.reshape(-1)[: max(1, t.size // 5)] = -0.0
                rng.shuffle(t.reshape(-1))
                y = wr._select_and_gather_add(jnp.asarray(t), jnp.asarray(x), prim, window, strides, padding, (1,) * len(shape), wdil)
                cases.append({"prim": "selectAndGatherAdd", "dtype": dtype, "select": select, "shape": list(shape), "window": list(window),
                              "strides": list(strides), "padding": [list(p) for p in padding], "window_dilation": list(wdil), "nan": nan,
                              "first": bits(t, dtype), "operand": bits(x, dtype), "out": bits(y, dtype)})
# float16 windows of more than 512 positions (the kernels route these window by window; the
# unrolled routing stops at 512): many windows choosing the same element, in window order
for select, prim in (("max", lax.ge_p), ("min", lax.le_p)):
    for nan in (False, True):
        for shape, window, strides, padding in (((620,), (600,), (1,), ((3, 2),)), ((30, 28), (23, 23), (1, 1), ((1, 1), (0, 2))), ((40, 30), (24, 24), (2, 1), ((0, 0), (1, 1)))):
            x = operand(shape, "float16", nan)
            out_shape = jax.eval_shape(lambda a: lax.reduce_window(a, -jnp.inf, lax.max, window, strides, padding), jax.ShapeDtypeStruct(shape, jnp.float16)).shape
            src = source(out_shape, "float16")
            y = wr._select_and_scatter_add(jnp.asarray(src), jnp.asarray(x), prim, window, strides, padding)
            cases.append({"prim": "selectAndScatterAdd", "dtype": "float16", "select": select, "shape": list(shape), "window": list(window),
                          "strides": list(strides), "padding": [list(p) for p in padding], "nan": nan,
                          "first": bits(src, "float16"), "operand": bits(x, "float16"), "out": bits(y, "float16")})

out = {"jax_version": jax.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pool_grad.json")
with open(path, "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {path}")
