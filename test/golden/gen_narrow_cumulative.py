"""Golden values for float16 cumulative ops (cumsum, cumprod, cummax, cummin), test/wasm/narrowCumulative.test.ts.

JAX lowers lax.cumsum & co. to a reduce_window as long as the axis (padding n-1 before, or after
when reversed), and XLA's ReduceWindowRewriter (base length 16) rewrites one longer than 16 into
a blocked scan: the axis padded to whole rows of 16, each row scanned by a reduce_window of its
own, the rows' totals scanned exclusively the same way (recursively) and added to every row.
A reduce_window folds its window from the init value in increasing index order, also when
reversed, so a reversed float16 cumsum is not a right-to-left scan. float16 rounds at each
combination. So the result is neither a sequential float16 scan nor a wide one for n > 16.
The lengths below cover 1..64, odd lengths up to 300 and three levels of rows (4097); values
spread over magnitudes so that the order of additions shows, with +-0, infinities and NaN.
Writes test/golden/narrow_cumulative.json: {"jax_version", "cases": [{"op", "shape", "axis",
"reverse", "x", "out"}]}, float16 values as uint16 bit patterns (row-major).
Usage: ~/jaxref/bin/python test/golden/gen_narrow_cumulative.py
"""
import json, os
import numpy as np
import jax, jax.numpy as jnp
from jax import lax

rng = np.random.default_rng(20261205)
bits = lambda a: np.asarray(a).astype(np.float16).view(np.uint16).ravel().tolist()
fns = {"cumsum": lax.cumsum, "cumprod": lax.cumprod, "cummax": lax.cummax, "cummin": lax.cummin}
specials = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 65504, -65504, 6e-8], np.float16)


def values(op, shape, special):
    n = int(np.prod(shape))
    if op == "cumprod":
        x = rng.choice([1.0, -1.0], n) * (1 + rng.standard_normal(n) * rng.choice([0.002, 0.02, 0.2], n))
    elif op == "cumsum":
        x = rng.standard_normal(n) * np.exp2(rng.integers(-12, 9, n).astype(np.float64))
    else:  # many ties and signed zeros
        x = rng.integers(-3, 4, n) * rng.choice([1.0, 0.5], n)
        x = np.where(rng.random(n) < 0.2, rng.choice([0.0, -0.0], n), x)
    x = x.astype(np.float16).reshape(shape)
    if special:
        flat = x.ravel()
        for _ in range(int(rng.integers(1, 3))):
            flat[rng.integers(0, n)] = rng.choice(specials)
        x = flat.reshape(shape)
    return x


cases = []


def add(op, x, axis=0, reverse=False):
    out = jax.jit(lambda a: fns[op](a, axis=axis, reverse=reverse))(jnp.asarray(x))
    cases.append({"op": op, "shape": list(x.shape), "axis": axis, "reverse": reverse, "x": bits(x), "out": bits(out)})


lengths = list(range(1, 65)) + list(range(65, 301, 6)) + [255, 256, 257, 271, 272, 273, 300]
for op in fns:
    for k, n in enumerate(lengths):
        if op in ("cummax", "cummin") and k % 3:
            continue
        for reverse in (False, True):
            add(op, values(op, (n,), special=(k % 5 == 4)), reverse=reverse)
    for reverse in (False, True):
        add(op, values(op, (4097,), special=False), reverse=reverse)  # rows of rows of rows
        add(op, values(op, (3, 37, 2), special=False), axis=1, reverse=reverse)
        add(op, values(op, (40, 3), special=True), axis=0, reverse=reverse)
# witnesses: one rounding per addition; -0 is not carried (the fold starts from +0)
add("cumsum", np.array([1, 2.0**-11, 2.0**-11], np.float16))
add("cumsum", np.array([-0.0], np.float16))
# rows: 2048 then 17 ones is 2048 in a sequential float16 scan, 2048 + 2 in rows of 16
add("cumsum", np.array([2048] + [1] * 17, np.float16))
add("cumsum", np.array([-0.0, -0.0], np.float16), reverse=True)
add("cummax", np.array([-0.0, 0.0, -0.0], np.float16))
add("cummin", np.array([0.0, -0.0, 0.0], np.float16), reverse=True)
add("cumprod", np.array([-0.0, 1, -1], np.float16))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "narrow_cumulative.json")
with open(path, "w") as fh:
    json.dump({"jax_version": jax.__version__, "cases": cases}, fh, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {path}")
