"""Golden array printing from real JAX (run: ~/jaxref/bin/python test/golden/gen_printing.py).

Writes test/golden/printing.json: for each array, its dtype, shape, weak type, flat values and
JAX's `repr(x)` (what jaxts's `String(x)` must print) and NumPy's `str` of its values (what a
JVPTracer shows for its primal). float64 cases come from a separate run with x64 enabled. Also
the reprs of tracers under each transform, printed from inside the traced function.
"""
import json, os, subprocess, sys

CODE = r'''
import json, math, sys
import numpy as onp
import jax
x64 = sys.argv[1] == "x64"
jax.config.update("jax_enable_x64", x64)
import jax.numpy as jnp

def enc(v):
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float):
        if math.isnan(v): return "nan"
        if math.isinf(v): return "inf" if v > 0 else "-inf"
    return v

cases = []
def case(name, x):
    x = jnp.asarray(x) if not isinstance(x, jax.Array) else x
    flat = onp.asarray(x).ravel()
    cases.append({
        "name": name,
        "dtype": str(x.dtype),
        "shape": list(x.shape),
        "weak": bool(x.weak_type),
        "data": [enc(v) for v in flat],
        "repr": repr(x),
        "str": str(x),
    })

def f32(v): return jnp.array(v, dtype=jnp.float32)
rng = onp.random.default_rng(0)

if not x64:
    # nan, inf, -0
    case("nan inf 1.5", f32([onp.nan, onp.inf, 1.5]))
    case("nan alone", f32([onp.nan]))
    case("inf alone", f32([onp.inf]))
    case("-inf nan", f32([-onp.inf, onp.nan]))
    case("-0", f32([-0.0]))
    case("0 -0", f32([0.0, -0.0]))
    case("-0 1.5", f32([-0.0, 1.5]))
    case("nan 1e10", f32([onp.nan, 1e10]))
    case("nan -inf 1e-5", f32([onp.nan, -onp.inf, 1e-5]))
    case("-inf 0.5 2", f32([-onp.inf, 0.5, 2.0]))
    case("nan 0 1", f32([onp.nan, 0.0, 1.0]))
    # float32 digits
    case("tenths", f32([0.1, 0.2, 0.3]))
    case("thirds", f32([1 / 3, 2 / 3]))
    case("pi e", f32([math.pi, math.e]))
    case("1+ulp", f32([1.0000001, 1.0]))
    case("2^24+1", f32([16777217.0, 3.0]))
    case("123456.789", f32([123456.789]))
    case("many digits", f32([0.12345678912, 12.345678912]))
    case("1e-4 edge", f32([1e-4, 1.0]))
    case("below 1e-4", f32([9.999e-5, 1.0]))
    case("1e8 edge", f32([1e8]))
    case("just below 1e8", f32([99999999.0]))
    case("1e7", f32([1e7, 1.0]))
    case("ratio 999", f32([1.0, 999.0]))
    case("ratio 1001", f32([1.0, 1001.0]))
    case("exp mix", f32([0.1, 1 / 3, -0.0, 1e-8, 1e10]))
    case("tiny", f32([1e-30, 1e-38, 1e-45]))
    case("huge", f32([3.4e38, -1e30]))
    case("halves", f32([0.5, 0.25, 0.125, 0.0625]))
    case("integers as floats", f32([1.0, 2.0, 300.0]))
    case("negatives", f32([-1.5, 2.25, -3.125]))
    for k in range(-7, 11):
        case(f"normal scale 1e{k}", f32(rng.standard_normal(5) * 10.0 ** k))
    bits = rng.integers(0, 2 ** 32, size=64, dtype=onp.uint64).astype(onp.uint32)
    vals = bits.view(onp.float32)
    vals = vals[onp.isfinite(vals)]
    for i in range(0, len(vals), 4):
        case(f"random bits {i}", jnp.asarray(vals[i:i + 4]))
    for i in range(40):
        e = int(rng.integers(-10, 10))
        case(f"random one {i}", jnp.asarray(onp.array([rng.standard_normal() * 10.0 ** e], onp.float32)))
    for n in range(5, 15):
        case(f"wrapping normals {n}", f32(rng.standard_normal(n)))
    case("wrapping arange 30", jnp.arange(30.0))
    # ints, uints, bools
    case("ints", jnp.array([1, -2, 300], jnp.int32))
    case("int32 extremes", jnp.array([2 ** 31 - 1, -2 ** 31], jnp.int32))
    case("uint32", jnp.array([0, 7, 2 ** 32 - 1], jnp.uint32))
    case("int 2-d", jnp.arange(-3, 9, dtype=jnp.int32).reshape(3, 4))
    case("bools", jnp.array([True, False]))
    case("all true", jnp.array([True, True, True]))
    case("bool 2-d", jnp.array([[True, False], [False, True]]))
    case("wrapping ints", jnp.arange(100000, 100040, dtype=jnp.int32))
    # 0-d
    case("0-d 1.", f32(1.0))
    case("0-d 2.5", f32(2.5))
    case("0-d -0", f32(-0.0))
    case("0-d nan", f32(onp.nan))
    case("0-d -inf", f32(-onp.inf))
    case("0-d 1e20", f32(1e20))
    case("0-d 1e-5", f32(1e-5))
    case("0-d 0.1", f32(0.1))
    case("0-d 123456.79", f32(123456.79))
    case("0-d int", jnp.array(3, jnp.int32))
    case("0-d uint", jnp.array(3, jnp.uint32))
    case("0-d bool", jnp.array(True))
    case("0-d false", jnp.array(False))
    case("0-d weak float", jnp.asarray(2.5))
    case("0-d weak int", jnp.asarray(3))
    case("0-d weak float nan", jnp.asarray(float("nan")))
    # multi-dimensional
    case("2-d", jnp.arange(6.0).reshape(2, 3))
    case("2-d mixed", f32([[1.5, -2.0], [onp.nan, 1e-3]]))
    case("2-d exp", f32([[1e-5, 1.0], [2.0, 3e5]]))
    case("3-d int", jnp.arange(24, dtype=jnp.int32).reshape(2, 3, 4))
    case("3-d float", jnp.arange(12.0).reshape(2, 3, 2) / 4)
    case("1x1x1", f32([[[7.0]]]))
    case("2x1x3", f32(rng.standard_normal((2, 1, 3))))
    case("4-d", jnp.arange(16, dtype=jnp.int32).reshape(2, 2, 2, 2))
    case("2-d wrapping rows", f32(rng.standard_normal((3, 12))))
    case("column", f32([[1.0], [2.0], [3.0]]))
    # empty
    case("empty 1-d", jnp.zeros((0,)))
    case("empty 2-d", jnp.zeros((2, 0)))
    case("empty 0x3 int", jnp.zeros((0, 3), jnp.int32))
    case("empty bool", jnp.zeros((0,), bool))
    # summarization above 1000 elements
    case("arange 2000", jnp.arange(2000.0))
    case("arange 1001 int", jnp.arange(1001, dtype=jnp.int32))
    case("ones 1000 (not summarized)", jnp.ones(1000))
    case("40x40", jnp.arange(1600.0).reshape(40, 40))
    case("11x11x11 int", jnp.arange(1331, dtype=jnp.int32).reshape(11, 11, 11))
    case("bool 2000", jnp.arange(2000) % 3 == 0)
    case("normal 1500", f32(rng.standard_normal(1500)))
    case("2x600", f32(rng.standard_normal((2, 600))))
    case("summary with nan", jnp.asarray(onp.where(onp.arange(1200) == 1199, onp.nan, onp.arange(1200.0)).astype(onp.float32)))
else:
    case("f64 tenths", jnp.array([0.1, 1 / 3], jnp.float64))
    case("f64 pi", jnp.array([math.pi, math.e], jnp.float64))
    case("f64 tiny", jnp.array([1e-300, 1.0], jnp.float64))
    case("f64 huge exp", jnp.array([1e100, 1.0], jnp.float64))
    case("f64 0-d", jnp.array(0.1, jnp.float64))
    case("f64 0-d 1e300", jnp.array(1e300, jnp.float64))
    case("f64 weak", jnp.asarray(2.5))
    case("f64 nan inf", jnp.array([onp.nan, onp.inf, -0.0, 2.0], jnp.float64))
    case("f64 2-d", jnp.arange(6.0, dtype=jnp.float64).reshape(2, 3) / 7)
    case("f64 17 digits", jnp.array([0.1 + 0.2, 1 - 2 ** -52], jnp.float64))
    for k in (-6, -2, 0, 3, 9):
        case(f"f64 normal scale 1e{k}", jnp.asarray(rng.standard_normal(5) * 10.0 ** k))
    case("f64 arange 2000", jnp.arange(2000.0, dtype=jnp.float64) / 3)

tracers = []
if not x64:
    def tracer(name, run):
        seen = []
        def show(x):
            seen.append(repr(x))
            return x
        run(show)
        tracers.append({"name": name, "repr": seen[0]})
    ones3 = jnp.ones(3)
    tracer("jit", lambda show: jax.jit(show)(ones3))
    tracer("jit weak scalar", lambda show: jax.jit(show)(1.0))
    tracer("makeJaxpr", lambda show: jax.make_jaxpr(show)(jnp.ones((2, 3))))
    tracer("grad", lambda show: jax.grad(lambda x: show(x).sum())(ones3))
    tracer("jvp", lambda show: jax.jvp(show, (ones3,), (ones3,)))
    tracer("jvp 2-d", lambda show: jax.jvp(show, (jnp.arange(6.0).reshape(2, 3),), (jnp.ones((2, 3)),)))
    tracer("jvp scalar", lambda show: jax.jvp(show, (jnp.float32(2.5),), (jnp.float32(1.0),)))
    tracer("vmap", lambda show: jax.vmap(show)(jnp.ones((2, 3))))
    tracer("vmap int", lambda show: jax.vmap(show)(jnp.arange(3)))
    tracer("vmap inAxes 1", lambda show: jax.vmap(show, in_axes=1)(jnp.ones((2, 3))))
    tracer("jit(grad)", lambda show: jax.jit(jax.grad(lambda x: show(x).sum()))(ones3))
    tracer("grad(grad)", lambda show: jax.grad(jax.grad(lambda x: show(x) * x))(2.0))
    tracer("vmap(jvp)", lambda show: jax.vmap(lambda x: jax.jvp(show, (x,), (x,)))(jnp.ones((2, 3))))

print(json.dumps({"cases": cases, "tracers": tracers}))
'''

out = {"cases": [], "tracers": []}
for mode in ["x32", "x64"]:
    res = subprocess.run([sys.executable, "-c", CODE, mode], capture_output=True, text=True, check=True)
    r = json.loads(res.stdout)
    out["cases"] += r["cases"]
    out["tracers"] += r["tracers"]
path = os.path.join(os.path.dirname(__file__), "printing.json")
with open(path, "w") as f:
    # One line per case: the long arrays' values would otherwise take a line each.
    f.write('{"source": %s,\n' % json.dumps("jax " + __import__("jax").__version__))
    for key in ("cases", "tracers"):
        f.write(' "%s": [\n  ' % key + ",\n  ".join(json.dumps(c) for c in out[key]) + "\n ]" + ("," if key == "cases" else "") + "\n")
    f.write("}\n")
print(f"wrote {len(out['cases'])} arrays and {len(out['tracers'])} tracers to {path}")
