"""Golden values for `random` and `nn.initializers` from real JAX.

Run: ~/jaxref/bin/python test/golden/gen_random.py   (writes test/golden/random.json)

Each case names a key (a seed, given as a string so that seeds beyond 2^53 survive JSON), an
optional path of key operations applied to it first (["split", num, index] takes key `index`
of split(key, num); ["foldIn", data] folds data in), the function and its arguments, and JAX's
output. Outputs are {"dtype", "shape", "data"} with data flattened; float32 data are the
uint32 bit patterns (so the test can compare bit for bit), float64 data are floats (Python's
repr round-trips), bool data are 0/1. Array arguments are {"array": nested list, "dtype": ...}.

float64 cases come from a second run with jax_enable_x64 (where JAX draws 64-bit random bits
for float64 samples); they use small non-negative seeds, whose keys are the same in both modes.
The values are JAX 0.10.2 on an x86-64 CPU (with FMA), which is what jaxts reproduces.
"""
import json, os, subprocess, sys

CASES_X32 = []
CASES_X64 = []


def case(name, fn, seed, args, path=None, x64=False, tol=None):
    c = {"name": name, "fn": fn, "seed": str(seed), "args": args}
    if path:
        c["path"] = path
    if tol:
        c["tol"] = tol
    (CASES_X64 if x64 else CASES_X32).append(c)


def arr(values, dtype="float32"):
    return {"array": values, "dtype": dtype}


SEEDS = [0, 1, 42, 2**31 + 5, 123456789, 2**40 + 5]
SHAPES = [[], [3], [2, 5], [7], [3, 1, 4]]

# --- keys, split, foldIn ----------------------------------------------------------------------
for s in [0, 1, 42, 2**31 + 5, 2**32 + 7, 2**40 + 5, 2**53 - 1, 2**53 + 2, 2**63 - 1, -1, -5, -(2**31), -(2**63)]:
    case(f"key({s})", "key", s, {})
for s in SEEDS:
    case(f"split({s})", "split", s, {"num": 2})
    case(f"split({s}, 3)", "split", s, {"num": 3})
    case(f"split({s}, [2,3])", "split", s, {"num": [2, 3]})
    case(f"split({s}, 1)", "split", s, {"num": 1})
    for d in [0, 1, 42, 2**31 + 3, 2**32 - 1]:
        case(f"foldIn({s}, {d})", "foldIn", s, {"data": d})
case("nested split", "split", 7, {"num": 5}, path=[["split", 2, 1], ["split", 3, 0], ["split", 4, 3]])
case("nested foldIn", "foldIn", 7, {"data": 3}, path=[["foldIn", 1], ["foldIn", 2]])
case("split then foldIn", "foldIn", 0, {"data": 11}, path=[["split", 4, 2], ["foldIn", 9], ["split", 2, 0]])

# --- bits, uniform --------------------------------------------------------------------------------
for s in SEEDS:
    for shp in SHAPES:
        case(f"bits({s}, {shp})", "bits", s, {"shape": shp})
        case(f"uniform({s}, {shp})", "uniform", s, {"shape": shp})
case("bits(0, [100])", "bits", 0, {"shape": [100]}, path=[["split", 3, 2]])
case("uniform [-3, 7)", "uniform", 3, {"shape": [50], "minval": -3.0, "maxval": 7.0})
case("uniform [0.5, 0.75)", "uniform", 4, {"shape": [50], "minval": 0.5, "maxval": 0.75})
case("uniform [-1, 1)", "uniform", 5, {"shape": [20], "minval": -1.0, "maxval": 1.0})
case("uniform [1e-3, 1e3)", "uniform", 6, {"shape": [50], "minval": 1e-3, "maxval": 1e3})
case("uniform array bounds", "uniform", 7, {"shape": [2, 3], "minval": arr([-1.0, 0.0, 2.5]), "maxval": arr([[1.0], [10.0]])})
case("uniform nested key", "uniform", 8, {"shape": [9]}, path=[["foldIn", 5], ["split", 3, 1]])

# --- normal ---------------------------------------------------------------------------------------
for s in SEEDS:
    for shp in SHAPES:
        case(f"normal({s}, {shp})", "normal", s, {"shape": shp})
case("normal [4096] (both erfInv branches)", "normal", 0, {"shape": [4096]})
case("normal [2048] nested", "normal", 99, {"shape": [2048]}, path=[["split", 2, 0], ["foldIn", 17]])

# --- truncatedNormal ------------------------------------------------------------------------------
case("truncatedNormal(-2, 2) [1000]", "truncatedNormal", 0, {"lower": -2.0, "upper": 2.0, "shape": [1000]})
case("truncatedNormal(0, 1) [7]", "truncatedNormal", 1, {"lower": 0.0, "upper": 1.0, "shape": [7]})
case("truncatedNormal(-1, 3) [2,5]", "truncatedNormal", 42, {"lower": -1.0, "upper": 3.0, "shape": [2, 5]})
case("truncatedNormal(1.5, 4) [500]", "truncatedNormal", 2, {"lower": 1.5, "upper": 4.0, "shape": [500]})
case("truncatedNormal(-5, -3) [300]", "truncatedNormal", 3, {"lower": -5.0, "upper": -3.0, "shape": [300]})
case("truncatedNormal scalar", "truncatedNormal", 4, {"lower": -0.5, "upper": 0.25, "shape": []})
case("truncatedNormal array bounds", "truncatedNormal", 5, {"lower": arr([-2.0, -1.0, 0.0]), "upper": arr([[1.0], [2.0]]), "shape": None})
case("truncatedNormal ints", "truncatedNormal", 6, {"lower": -2, "upper": 2, "shape": [3, 4]})

# --- bernoulli, gumbel, categorical ------------------------------------------------------------------
case("bernoulli(0.5) [20]", "bernoulli", 0, {"p": 0.5, "shape": [20]})
case("bernoulli(0.3) [7]", "bernoulli", 1, {"p": 0.3, "shape": [7]})
case("bernoulli scalar", "bernoulli", 2, {"p": 0.9, "shape": None})
case("bernoulli p array", "bernoulli", 3, {"p": arr([0.1, 0.5, 0.9, 0.99, 0.0]), "shape": [2, 5]})
case("bernoulli high", "bernoulli", 4, {"p": 0.25, "shape": [30], "mode": "high"})
case("gumbel [50]", "gumbel", 0, {"shape": [50]})
case("gumbel [3,4]", "gumbel", 1, {"shape": [3, 4]})
case("gumbel high [40]", "gumbel", 2, {"shape": [40], "mode": "high"})
logits = [[0.1, 2.0, -1.0, 0.5], [1.0, 1.0, 1.0, 1.0], [-3.0, 0.0, 3.0, 0.2]]
case("categorical [5]", "categorical", 0, {"logits": arr([0.0, 1.0, 2.0, -1.0, 0.5])})
case("categorical [3,4]", "categorical", 1, {"logits": arr(logits)})
case("categorical axis 0", "categorical", 2, {"logits": arr(logits), "axis": 0})
case("categorical shape [6,3]", "categorical", 3, {"logits": arr(logits), "shape": [6, 3]})
case("categorical shape [20]", "categorical", 4, {"logits": arr([0.0, 0.5, 1.0]), "shape": [20]})
case("categorical no replace", "categorical", 5, {"logits": arr(logits), "shape": [3, 3], "replace": False})
case("categorical no replace axis 0", "categorical", 6, {"logits": arr(logits), "axis": 0, "shape": [2, 4], "replace": False})

# --- permutation, randint --------------------------------------------------------------------------
for s in SEEDS[:4]:
    case(f"permutation({s}, 10)", "permutation", s, {"x": 10})
case("permutation 1", "permutation", 0, {"x": 1})
case("permutation 0", "permutation", 0, {"x": 0})
case("permutation 2000 (two rounds)", "permutation", 5, {"x": 2000})
case("permutation array", "permutation", 6, {"x": arr([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5])})
m = [[i * 4 + j for j in range(4)] for i in range(5)]
case("permutation 2d axis 0", "permutation", 7, {"x": arr(m, "int32")})
case("permutation 2d axis 1", "permutation", 8, {"x": arr(m, "int32"), "axis": 1})
case("permutation 2d independent", "permutation", 9, {"x": arr(m, "int32"), "axis": 1, "independent": True})
for s in SEEDS[:4]:
    case(f"randint({s}, [10], 0, 10)", "randint", s, {"shape": [10], "minval": 0, "maxval": 10})
case("randint(-5, 5) [2,5]", "randint", 1, {"shape": [2, 5], "minval": -5, "maxval": 5})
case("randint(0, 1)", "randint", 2, {"shape": [5], "minval": 0, "maxval": 1})
case("randint(3, 3)", "randint", 3, {"shape": [4], "minval": 3, "maxval": 3})
case("randint(5, 2)", "randint", 4, {"shape": [4], "minval": 5, "maxval": 2})
case("randint full int32", "randint", 5, {"shape": [8], "minval": -(2**31), "maxval": 2**31 - 1})
case("randint big span", "randint", 6, {"shape": [8], "minval": -1000000000, "maxval": 2000000000})
case("randint scalar", "randint", 7, {"shape": [], "minval": 0, "maxval": 100})
case("randint array bounds", "randint", 8, {"shape": [2, 3], "minval": arr([0, 10, -10], "int32"), "maxval": arr([[5], [1000]], "int32")})
case("randint float bounds", "randint", 9, {"shape": [6], "minval": 0.0, "maxval": 5.5})
case("randint uint32", "randint", 10, {"shape": [6], "minval": 5, "maxval": 100, "dtype": "uint32"})
case("randint nested key", "randint", 11, {"shape": [7], "minval": -3, "maxval": 17}, path=[["split", 5, 4], ["foldIn", 2]])

# --- orthogonal and initializers --------------------------------------------------------------------
for n, shp, mm in [(4, [], None), (3, [], 5), (6, [], 2), (3, [2], None), (1, [], 3)]:
    case(f"orthogonal({n}, {shp}, m={mm})", "orthogonal", n, {"n": n, "shape": shp, "m": mm}, tol="qr")

INITS = [
    ("zeros", {}, [3, 4]),
    ("ones", {}, [2, 3]),
    ("constant", {"value": -7.0}, [2, 3]),
    ("uniform", {}, [3, 4]),
    ("uniform", {"scale": 3.0}, [5]),
    ("normal", {}, [3, 4]),
    ("normal", {"stddev": 2.5}, [7]),
    ("truncatedNormal", {}, [3, 4]),
    ("truncatedNormal", {"stddev": 0.5, "lower": -1.0, "upper": 3.0}, [50]),
    ("glorotUniform", {}, [5, 7]),
    ("glorotNormal", {}, [5, 7]),
    ("lecunUniform", {}, [6, 3]),
    ("lecunNormal", {}, [6, 3]),
    ("heUniform", {}, [4, 9]),
    ("heNormal", {}, [4, 9]),
    ("glorotNormal", {}, [3, 3, 4, 8]),
    ("heNormal", {}, [3, 3, 2, 5]),
    ("glorotNormal", {"in_axis": 2, "out_axis": 3}, [3, 3, 4, 8]),
    ("glorotUniform", {"in_axis": 0, "out_axis": 1}, [4, 8, 3, 3]),
    ("varianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "normal"}, [10, 6]),
    ("varianceScaling", {"scale": 0.1, "mode": "fan_avg", "distribution": "uniform"}, [10, 6]),
    ("varianceScaling", {"scale": 1.5, "mode": "fan_geo_avg", "distribution": "truncated_normal"}, [12, 5]),
    ("varianceScaling", {"scale": 1.0, "mode": "fan_in", "distribution": "normal", "in_axis": [0, 1], "out_axis": -1}, [2, 3, 4]),
    ("varianceScaling", {"scale": 1.0, "mode": "fan_in", "distribution": "uniform", "batch_axis": 0}, [3, 5, 4]),
    ("varianceScaling", {"scale": 3.0, "mode": "fan_out", "distribution": "truncated_normal", "in_axis": -1, "out_axis": -2}, [7, 9]),
    ("orthogonal", {}, [4, 4]),
    ("orthogonal", {"scale": 2.0}, [3, 5]),
    ("orthogonal", {}, [6, 2]),
    ("orthogonal", {"column_axis": 0}, [3, 2, 4]),
    ("orthogonal", {}, [2, 3, 4]),
]
for i, (name, kw, shp) in enumerate(INITS):
    tol = "qr" if name == "orthogonal" else None
    case(f"init {name}{kw} {shp}", "init", 100 + i, {"init": name, "kw": kw, "shape": shp}, tol=tol)

# --- float64 (x64 run) ----------------------------------------------------------------------------
for s in [0, 1, 42]:
    for shp in [[], [3], [2, 5], [7]]:
        case(f"f64 uniform({s}, {shp})", "uniform", s, {"shape": shp, "dtype": "float64"}, x64=True)
        case(f"f64 normal({s}, {shp})", "normal", s, {"shape": shp, "dtype": "float64"}, x64=True, tol="f64")
case("f64 uniform [-3, 7)", "uniform", 3, {"shape": [50], "minval": -3.0, "maxval": 7.0, "dtype": "float64"}, x64=True)
case("f64 uniform [0.1, 0.7)", "uniform", 4, {"shape": [50], "minval": 0.1, "maxval": 0.7, "dtype": "float64"}, x64=True)
case("f64 normal [1000]", "normal", 5, {"shape": [1000], "dtype": "float64"}, x64=True, tol="f64")
case("f64 truncatedNormal(-2, 2)", "truncatedNormal", 6, {"lower": -2.0, "upper": 2.0, "shape": [200], "dtype": "float64"}, x64=True, tol="f64")
case("f64 bernoulli", "bernoulli", 7, {"p": arr([0.2, 0.5, 0.8], "float64"), "shape": [4, 3]}, x64=True)
case("f64 gumbel", "gumbel", 8, {"shape": [20], "dtype": "float64"}, x64=True, tol="f64")
case("f64 categorical", "categorical", 9, {"logits": arr(logits, "float64"), "shape": [5, 3]}, x64=True)
case("f64 init glorotNormal", "init", 10, {"init": "glorotNormal", "kw": {}, "shape": [5, 7], "dtype": "float64"}, x64=True, tol="f64")
case("f64 init heUniform", "init", 11, {"init": "heUniform", "kw": {}, "shape": [5, 7], "dtype": "float64"}, x64=True)

RUNNER = r'''
import json, sys
import jax
x64 = sys.argv[1] == "x64"
jax.config.update("jax_enable_x64", x64)
import numpy as np
import jax.numpy as jnp
import jax.random as jr
from jax.nn import initializers as I

def dec(v):
    if isinstance(v, dict) and "array" in v:
        return jnp.asarray(np.array(v["array"], dtype=v["dtype"]))
    return v

def enc(x):
    x = np.asarray(x)
    if x.dtype == np.int64:  # x64 runs give int64 indices; jaxts's are int32
        x = x.astype(np.int32)
    if x.dtype == np.float32:
        data = x.reshape(-1).view(np.uint32).tolist()
    elif x.dtype == np.float64:
        data = [float(v) for v in x.reshape(-1)]
    elif x.dtype == np.bool_:
        data = [int(v) for v in x.reshape(-1)]
    else:
        data = [int(v) for v in x.reshape(-1)]
    return {"dtype": str(x.dtype), "shape": list(x.shape), "data": data}

INIT = {"zeros": I.zeros, "ones": I.ones, "constant": I.constant, "uniform": I.uniform, "normal": I.normal,
        "truncatedNormal": I.truncated_normal, "glorotUniform": I.glorot_uniform, "glorotNormal": I.glorot_normal,
        "lecunUniform": I.lecun_uniform, "lecunNormal": I.lecun_normal, "heUniform": I.he_uniform, "heNormal": I.he_normal,
        "varianceScaling": I.variance_scaling, "orthogonal": I.orthogonal}

def run(c):
    k = jr.PRNGKey(int(c["seed"]))
    for step in c.get("path", []):
        if step[0] == "split":
            k = jr.split(k, step[1])[step[2]]
        else:
            k = jr.fold_in(k, step[1])
    a = {n: dec(v) for n, v in c["args"].items()}
    fn = c["fn"]
    dt = a.get("dtype", None)
    if fn == "key": return k
    if fn == "split": return jr.split(k, tuple(a["num"]) if isinstance(a["num"], list) else a["num"])
    if fn == "foldIn": return jr.fold_in(k, a["data"])
    if fn == "bits": return jr.bits(k, tuple(a["shape"]))
    if fn == "uniform": return jr.uniform(k, tuple(a["shape"]), dtype=dt, minval=a.get("minval", 0.), maxval=a.get("maxval", 1.))
    if fn == "normal": return jr.normal(k, tuple(a["shape"]), dtype=dt)
    if fn == "truncatedNormal":
        shp = a["shape"]
        return jr.truncated_normal(k, a["lower"], a["upper"], None if shp is None else tuple(shp), dtype=dt)
    if fn == "bernoulli":
        shp = a.get("shape")
        return jr.bernoulli(k, a["p"], None if shp is None else tuple(shp), mode=a.get("mode", "low"))
    if fn == "gumbel": return jr.gumbel(k, tuple(a["shape"]), dtype=dt, mode=a.get("mode", "low"))
    if fn == "categorical":
        shp = a.get("shape")
        return jr.categorical(k, a["logits"], axis=a.get("axis", -1), shape=None if shp is None else tuple(shp), replace=a.get("replace", True))
    if fn == "permutation": return jr.permutation(k, a["x"], axis=a.get("axis", 0), independent=a.get("independent", False))
    if fn == "randint": return jr.randint(k, tuple(a["shape"]), a["minval"], a["maxval"], dtype=a.get("dtype", "int32"))
    if fn == "orthogonal": return jr.orthogonal(k, a["n"], tuple(a["shape"]), m=a["m"])
    if fn == "init":
        kw = dict(a["kw"])
        name = a["init"]
        if name in ("zeros", "ones"):
            f = INIT[name]
        elif name == "constant":
            f = I.constant(kw["value"])
        elif name == "varianceScaling":
            f = I.variance_scaling(kw.pop("scale"), kw.pop("mode"), kw.pop("distribution"), **{kk: (tuple(v) if isinstance(v, list) else v) for kk, v in kw.items()})
        else:
            f = INIT[name](**{kk: (tuple(v) if isinstance(v, list) else v) for kk, v in kw.items()})
        return f(k, tuple(a["shape"]), dt) if dt else f(k, tuple(a["shape"]))
    raise ValueError(fn)

cases = json.load(sys.stdin)
for c in cases:
    c["out"] = enc(run(c))
print(json.dumps(cases))
'''


def run(mode, cases):
    res = subprocess.run([sys.executable, "-c", RUNNER, mode], input=json.dumps(cases), capture_output=True, text=True)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit(1)
    return json.loads(res.stdout)


out = run("x32", CASES_X32) + run("x64", CASES_X64)
path = os.path.join(os.path.dirname(__file__), "random.json")
with open(path, "w") as f:
    json.dump({"jax_version": __import__("jax").__version__, "cases": out}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(out)} cases to {path}")
