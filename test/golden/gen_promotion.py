"""Golden dtype-promotion table from real JAX (run: ~/jaxref/bin/python test/golden/gen_promotion.py).

Writes test/golden/promotion.json: for each pair of operand kinds, the dtype and weak type of
`x + y`. Weak kinds are Python scalars. JAX answers int16/uint16 for some int8/uint8 pairs:
jaxts has neither and widens to int32/uint32 (test/core/promotion.test.ts maps them). float64 pairs come from a separate x64 run.
"""
import json, subprocess, sys, os

CODE = r'''
import json, sys
import jax
x64 = sys.argv[1] == "x64"
jax.config.update("jax_enable_x64", x64)
import jax.numpy as jnp
kinds = {
  "float32": lambda: jnp.ones(2, "float32"),
  "int32": lambda: jnp.ones(2, "int32"),
  "uint32": lambda: jnp.ones(2, "uint32"),
  "bool": lambda: jnp.ones(2, "bool"),
  "int8": lambda: jnp.ones(2, "int8"),
  "uint8": lambda: jnp.ones(2, "uint8"),
  "float16": lambda: jnp.ones(2, "float16"),
  "weakint": lambda: 3,
  "weakfloat": lambda: 2.5,
}
if x64:
  kinds = {"float64": lambda: jnp.ones(2, "float64"), **{k: v for k, v in kinds.items() if k not in ("weakint", "weakfloat")}, "weakint": lambda: 3, "weakfloat": lambda: 2.5}
out = []
for a, fa in kinds.items():
  for b, fb in kinds.items():
    if x64 and "float64" not in (a, b):
      continue
    if a.startswith("weak") and b.startswith("weak"):
      continue
    x, y = fa(), fb()
    if a == "bool" and b == "bool":
      r = x | y
    else:
      r = jnp.add(x, y)
    out.append({"a": a, "b": b, "dtype": str(r.dtype), "weak": bool(r.weak_type)})
print(json.dumps(out))
'''

rows = []
for mode in ["x32", "x64"]:
    res = subprocess.run([sys.executable, "-c", CODE, mode], capture_output=True, text=True, check=True)
    rows += json.loads(res.stdout)
path = os.path.join(os.path.dirname(__file__), "promotion.json")
with open(path, "w") as f:
    json.dump({"source": "jax " + __import__("jax").__version__, "cases": rows}, f, indent=1)
print(f"wrote {len(rows)} cases to {path}")
