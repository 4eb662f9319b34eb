"""Golden values for float16 scatterAdd / scatterMul with repeated indices (test/wasm/narrowScatter.test.ts).

Runs real JAX's lax.scatter_add / scatter_mul (CPU) on float16 operands with many updates to the
same few elements, in magnitudes far apart, so the result shows JAX's rounding: one float16
rounding per update, in update order (a float32 accumulation rounded once differs).
Indices out of range are dropped (FILL_OR_DROP, the mode the probes use).
Writes test/golden/narrow_scatter.json: {"jax_version", "cases": [{"op", "operand", "indices",
"updates", "out"}]}, float16 values as uint16 bit patterns, indices as int32.
Usage: ~/jaxref/bin/python test/golden/gen_narrow_scatter.py
"""
import json, os
import numpy as np
import jax, jax.numpy as jnp
from jax import lax

rng = np.random.default_rng(20261205)
dn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
bits = lambda a: np.asarray(a).astype(np.float16).view(np.uint16).tolist()
cases = []
for op, fn in (("scatterAdd", lax.scatter_add), ("scatterMul", lax.scatter_mul)):
    for trial in range(12):
        n = int(rng.integers(1, 6))
        m = int(rng.integers(1, 80))
        x = (rng.standard_normal(n) * 3).astype(np.float16)
        if op == "scatterMul":
            u = (rng.choice([1.0, -1.0], m) * (1 + rng.standard_normal(m) * 0.02)).astype(np.float16)
        else:
            u = (rng.standard_normal(m) * rng.choice([1, 2.0**-11, 1e-3, 100, 30000], m)).astype(np.float16)
        specials = np.array([np.inf, -np.inf, np.nan, -0.0, 65504, 6e-8], np.float16)
        if trial % 3 == 2:
            u[rng.integers(0, m)] = rng.choice(specials)
        idx = rng.integers(-1, n + 1, m).astype(np.int32)  # -1 and n are dropped
        out = fn(jnp.asarray(x), jnp.asarray(idx[:, None]), jnp.asarray(u), dn, mode=lax.GatherScatterMode.FILL_OR_DROP)
        cases.append({"op": op, "operand": bits(x), "indices": idx.tolist(), "updates": bits(u), "out": bits(out)})
# the witness: 1 + 2^-11 + 2^-11 is 1 one rounding at a time, 1 + 2^-10 rounded once
x = np.zeros(2, np.float16)
u = np.array([1, 2.0**-11, 2.0**-11], np.float16)
out = lax.scatter_add(jnp.asarray(x), jnp.asarray(np.zeros((3, 1), np.int32)), jnp.asarray(u), dn, mode=lax.GatherScatterMode.FILL_OR_DROP)
cases.append({"op": "scatterAdd", "operand": bits(x), "indices": [0, 0, 0], "updates": bits(u), "out": bits(out)})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "narrow_scatter.json")
with open(path, "w") as fh:
    json.dump({"jax_version": jax.__version__, "cases": cases}, fh, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {path}")
