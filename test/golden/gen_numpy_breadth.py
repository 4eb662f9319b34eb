"""Golden values for the numpy/nn/lax/scipy breadth functions of issue 13
(run: ~/jaxref/bin/python test/golden/gen_numpy_breadth.py; writes numpy_breadth.json).

Each case records its inputs, JAX's output (a tree of arrays) and, where differentiable, the
gradient of the sum of the (first) output with respect to the listed arguments. Most cases run
in float32 and float64 (suffixes :f32 / :f64); "vmap:" cases apply jax.vmap over a leading
batch axis. x64 is enabled so float64 inputs stay float64; int results are recorded as int32
(jaxts's integer dtype) and JAX's uint8 bitwise_count as int32 (see bitwise.ts).
The test (test/numpy/breadth.golden.test.ts) holds the same functions under the same names.
"""
import json, os
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import jax.nn as nn
import jax.lax as lax
import jax.scipy.special as sp

def enc(a):
    a = np.asarray(a)
    dt = str(a.dtype)
    if dt in ("int64", "uint8", "int8", "int16"):
        dt = "int32"
    if dt == "uint64":
        dt = "uint32"
    if dt == "bool":
        data = [int(bool(v)) for v in a.ravel()]
    else:
        f = lambda v: "nan" if np.isnan(v) else ("inf" if v == np.inf else ("-inf" if v == -np.inf else (float(v) if dt.startswith("float") else int(v))))
        data = [f(v) for v in a.astype(np.float64).ravel()]
    return {"dtype": dt, "shape": list(a.shape), "data": data}

def enc_tree(t):
    if isinstance(t, (list, tuple)):
        return [enc_tree(x) for x in t]
    return enc(t)

def first(t):
    while isinstance(t, (list, tuple)):
        t = t[0]
    return t

cases = {}
rng = np.random.RandomState(0)

def case(name, f, *inputs, grad=None, dtypes=("float32", "float64"), cast=None):
    """cast: indices of inputs that follow the case dtype (default: every float input)."""
    for dt in dtypes:
        key = name if dtypes == (None,) else f"{name}:{'f32' if dt == 'float32' else 'f64'}"
        ins = []
        for i, x in enumerate(inputs):
            x = np.asarray(x)
            follows = (cast is None and x.dtype.kind == "f") or (cast is not None and i in cast)
            ins.append(x.astype(dt) if (follows and dt is not None) else x)
        out = f(*ins)
        c = {"inputs": [enc(x) for x in ins], "out": enc_tree(out)}
        if grad is not None:
            g = jax.grad(lambda *a: jnp.sum(first(f(*a))), argnums=grad)(*ins)
            c["grad"] = [enc(x) for x in (g if isinstance(grad, tuple) else (g,))]
        cases[key] = c

def vcase(name, f, *inputs, in_axes=0):
    ins = [np.asarray(x) for x in inputs]
    cases["vmap:" + name] = {"inputs": [enc(x) for x in ins], "out": enc_tree(jax.vmap(f, in_axes=in_axes)(*ins))}

u = lambda *s: rng.uniform(-1, 1, size=s)
pos = lambda *s: rng.uniform(0.5, 3, size=s)
x7 = np.array([-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 3.0])
m34 = u(3, 4)
nanm = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, 0.5, 2.0, 4.0], [0.25, -1.5, np.nan, 1.0]])
allnan = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])
i32 = lambda *v: np.array(v, dtype=np.int32)

# --- elementwise -------------------------------------------------------------------------------
unit = np.array([-0.9, -0.5, 0.0, 0.3, 0.8])
case("acos", jnp.acos, unit, grad=0)
case("asin", jnp.asin, unit, grad=0)
case("atan", jnp.atan, x7, grad=0)
case("atanh", jnp.atanh, unit, grad=0)
case("asinh", jnp.asinh, x7, grad=0)
case("acosh", jnp.acosh, np.array([1.5, 2.0, 5.0, 30.0]), grad=0)
case("atan2", jnp.atan2, u(2, 3), u(2, 3), grad=(0, 1))
case("degrees", jnp.degrees, x7, grad=0)
case("radians", jnp.radians, x7, grad=0)
case("copysign", jnp.copysign, np.array([1.5, -2.0, 0.0, 3.0, -0.5]), np.array([-1.0, 2.0, -0.0, 0.0, -3.0]), grad=(0, 1))
case("float_power", jnp.float_power, pos(5), u(5), grad=(0, 1))
case("float_power_int", jnp.float_power, i32(2, 3, 4), i32(3, 0, -1), dtypes=(None,))
case("heaviside", jnp.heaviside, np.array([-1.5, 0.0, 2.0, -0.0, np.inf, -np.inf]), np.array([0.5, 0.5, 0.5, 0.25, 0.5, 0.5]), grad=(0, 1))
case("logaddexp2", jnp.logaddexp2, u(2, 3) * 5, u(2, 3) * 5, grad=(0, 1))
case("sinc", jnp.sinc, np.array([-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 1e-3]), grad=0)
case("sinc_grad2", jax.vmap(jax.grad(jax.grad(jnp.sinc))), np.array([-0.7, 0.0, 0.3, 1.2]))
case("modf", jnp.modf, np.array([-2.5, -1.0, -0.3, 0.0, 0.4, 1.75, 3.0]), grad=0)
# Normal numbers only: JAX 0.10.2's frexp is off for subnormals (frexp(2**-149) gives exponent
# -149, numpy's -148); jaxts follows numpy there, checked in breadth.test.ts.
fr = np.array([0.0, -0.0, 1.0, -3.5, 0.1, 1024.0, 1e30, np.inf, -np.inf, np.nan])
case("frexp", jnp.frexp, fr, dtypes=("float32",))
case("frexp", jnp.frexp, np.array([0.0, 1.0, -3.5, 0.1, 1e300, np.inf, np.nan]), dtypes=("float64",))
case("ldexp", jnp.ldexp, np.array([1.0, -3.5, 0.75, 1.5, 1.0, 0.0, 1.0, np.inf]), i32(0, 3, -2, 127, -140, 5, 200, 1), grad=0, cast={0})
case("ldexp_f64", jnp.ldexp, np.array([1.0, -3.5, 1.0, 1.0, 1.0]), i32(1000, -1070, 1030, -1080, 0), dtypes=("float64",), cast={0})
nan_inf = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0])
case("nan_to_num", jnp.nan_to_num, nan_inf)
case("nan_to_num_opts", lambda x: jnp.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0), nan_inf)
case("bitwise_count", jnp.bitwise_count, i32(0, 1, 7, -1, -8, 2147483647, -2147483648, 255), dtypes=(None,))
case("bitwise_count_u32", jnp.bitwise_count, np.array([0, 1, 4294967295, 65535], dtype=np.uint32), dtypes=(None,))
case("bitwise_invert", jnp.bitwise_invert, i32(0, 5, -6), dtypes=(None,))
case("bitwise_left_shift", jnp.bitwise_left_shift, i32(1, 3, -2), i32(2, 4, 1), dtypes=(None,))
case("bitwise_right_shift", jnp.bitwise_right_shift, i32(16, -16, 7), i32(2, 2, 1), dtypes=(None,))

# --- nan reductions ----------------------------------------------------------------------------
for nm in ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd"]:
    f = getattr(jnp, nm)
    case(nm, lambda x, f=f: f(x), nanm, grad=0)
    case(nm + "_axis0", lambda x, f=f: f(x, axis=0), nanm, grad=0)
    case(nm + "_axis1_keepdims", lambda x, f=f: f(x, axis=1, keepdims=True), nanm, grad=0)
for nm in ["nanmax", "nanmin", "nanmean", "nanvar", "nansum", "nanprod"]:
    f = getattr(jnp, nm)
    case(nm + "_allnan", lambda x, f=f: f(x, axis=1), allnan)
case("nanvar_ddof", lambda x: jnp.nanvar(x, axis=1, ddof=1), nanm, grad=0)
case("nanstd_ddof", lambda x: jnp.nanstd(x, axis=0, ddof=1), nanm[:, :2])
case("nanargmax", lambda x: jnp.nanargmax(x, axis=1), np.concatenate([nanm[:2, :3], allnan]))
case("nanargmin", lambda x: jnp.nanargmin(x, axis=0), nanm)
case("nanargmax_flat", lambda x: jnp.nanargmax(x), nanm)
case("nancumsum", lambda x: jnp.nancumsum(x, axis=1), nanm, grad=0)
case("nancumprod", lambda x: jnp.nancumprod(x, axis=0), nanm, grad=0)
case("nancumsum_flat", lambda x: jnp.nancumsum(x), nanm)

# --- windows (JAX's default dtype, computed in float64 here and recorded as float32) -----------
for M in [0, 1, 2, 5, 8]:
    for nm in ["bartlett", "blackman", "hamming", "hanning"]:
        cases[f"{nm}_{M}"] = {"inputs": [], "out": enc(np.asarray(getattr(jnp, nm)(M)).astype(np.float32))}

# --- polynomials and convolution ----------------------------------------------------------------
p4 = np.array([1.5, -2.0, 0.5, 3.0])
case("polyval", jnp.polyval, p4, u(2, 3) * 2, grad=(0, 1))
case("polyadd", jnp.polyadd, p4, np.array([2.0, 1.0]), grad=(0, 1))
case("polysub", jnp.polysub, np.array([2.0, 1.0]), p4, grad=(0, 1))
case("polymul", jnp.polymul, p4, np.array([2.0, -1.0, 0.5]), grad=(0, 1))
case("polyder", jnp.polyder, p4, grad=0)
case("polyder_m2", lambda p: jnp.polyder(p, 2), np.array([1.0, 2.0, -3.0, 4.0, 5.0]), grad=0)
case("polyder_int", jnp.polyder, i32(3, 2, 1), dtypes=(None,))
case("polyval_int", jnp.polyval, i32(1, 2, 3), i32(0, 1, 2), dtypes=(None,))
case("polyadd_int", jnp.polyadd, i32(1, 2, 3), i32(5), dtypes=(None,))
case("vander", lambda x: jnp.vander(x, 4), np.array([0.5, -1.0, 2.0]), grad=0)
case("vander_increasing", lambda x: jnp.vander(x, increasing=True), np.array([0.5, -1.0, 2.0, 1.5]), grad=0)
case("vander_int", lambda x: jnp.vander(x), i32(1, 2, 3), dtypes=(None,))
a6, v3 = u(6), u(3)
for mode in ["full", "same", "valid"]:
    case(f"convolve_{mode}", lambda a, v, mode=mode: jnp.convolve(a, v, mode=mode), a6, v3, grad=(0, 1))
    case(f"correlate_{mode}", lambda a, v, mode=mode: jnp.correlate(a, v, mode=mode), a6, v3, grad=(0, 1))
    case(f"correlate_swapped_{mode}", lambda a, v, mode=mode: jnp.correlate(a, v, mode=mode), v3, a6, grad=(0, 1))
    case(f"convolve_swapped_{mode}", lambda a, v, mode=mode: jnp.convolve(a, v, mode=mode), u(2), u(5), grad=(0, 1))
case("convolve_int", jnp.convolve, i32(1, 2, 3), i32(0, 1), dtypes=(None,))

# --- differences, integrals, moments -------------------------------------------------------------
case("diff", jnp.diff, m34, grad=0)
case("diff_n2_axis0", lambda x: jnp.diff(x, n=2, axis=0), u(4, 3), grad=0)
case("diff_prepend_append", lambda x: jnp.diff(x, axis=1, prepend=0.5, append=np.array([[1.0], [2.0], [3.0]])), m34, grad=0)
case("diff_bool", jnp.diff, np.array([True, False, False, True]), dtypes=(None,))
case("diff_int", lambda x: jnp.diff(x, 2), i32(1, 4, 9, 16), dtypes=(None,))
case("ediff1d", lambda x: jnp.ediff1d(x, to_end=np.array([9.0, 8.0]), to_begin=-1.0), u(2, 3), grad=0)
case("ediff1d_plain", jnp.ediff1d, u(5), grad=0)
case("trapezoid", jnp.trapezoid, m34, grad=0)
case("trapezoid_x", lambda y, x: jnp.trapezoid(y, x), m34, np.array([0.0, 0.5, 1.5, 4.0]), grad=(0, 1))
case("trapezoid_dx_axis0", lambda y: jnp.trapezoid(y, dx=0.5, axis=0), m34, grad=0)
ph = np.cumsum(rng.uniform(-4, 4, size=(2, 8)), axis=1)
case("unwrap", jnp.unwrap, ph, grad=0)
case("unwrap_period", lambda p: jnp.unwrap(p, period=4.0, axis=0, discont=3.0), ph.T, grad=0)
case("cumulative_sum", lambda x: jnp.cumulative_sum(x, axis=1), m34, grad=0)
case("cumulative_sum_initial", lambda x: jnp.cumulative_sum(x, axis=0, include_initial=True), m34, grad=0)
case("cumulative_sum_1d", lambda x: jnp.cumulative_sum(x), u(5), grad=0)
case("cumulative_prod", lambda x: jnp.cumulative_prod(x, axis=1, include_initial=True), m34, grad=0)
case("cumulative_sum_bool", lambda x: jnp.cumulative_sum(x), np.array([True, True, False]), dtypes=(None,))
obs = u(3, 6)
case("cov", jnp.cov, obs, grad=0)
case("cov_rowvar_bias", lambda x: jnp.cov(x, rowvar=False, bias=True), obs.T, grad=0)
case("cov_y_ddof", lambda x, y: jnp.cov(x, y, ddof=0), obs[0], obs[1], grad=(0, 1))
case("cov_weights", lambda x, aw: jnp.cov(x, fweights=np.array([1, 2, 1, 3, 1, 1], dtype=np.int32), aweights=aw), obs, pos(6), grad=(0, 1))
case("cov_1d", jnp.cov, u(5), grad=0)
case("corrcoef", jnp.corrcoef, obs, grad=0)
case("corrcoef_y", lambda x, y: jnp.corrcoef(x, y, rowvar=False), obs.T[:, :2], obs.T[:, 2:], grad=(0, 1))
case("corrcoef_1d", jnp.corrcoef, u(5))

# --- vector products -------------------------------------------------------------------------------
case("cross", jnp.cross, u(4, 3), u(4, 3), grad=(0, 1))
case("cross_2_3", jnp.cross, u(2, 2), u(2, 3), grad=(0, 1))
case("cross_2_2", jnp.cross, u(3, 2), u(3, 2), grad=(0, 1))
case("cross_axes", lambda a, b: jnp.cross(a, b, axisa=0, axisb=1, axisc=0), u(3, 4), u(4, 3), grad=(0, 1))
case("cross_axis", lambda a, b: jnp.cross(a, b, axis=0), u(3, 2), u(3, 2), grad=(0, 1))
case("matrix_transpose", jnp.matrix_transpose, u(2, 3, 4), grad=0)
case("matvec", jnp.matvec, u(2, 3, 4), u(4), grad=(0, 1))
case("matvec_bcast", jnp.matvec, u(3, 4), u(2, 4), grad=(0, 1))
case("vecmat", jnp.vecmat, u(2, 3), u(3, 4), grad=(0, 1))
case("vecdot", jnp.vecdot, u(2, 3), u(3), grad=(0, 1))
case("vecdot_axis0", lambda a, b: jnp.vecdot(a, b, axis=0), u(3, 2), u(3, 2), grad=(0, 1))

# --- grids and sequences ----------------------------------------------------------------------------
case("meshgrid", lambda a, b, c: jnp.meshgrid(a, b, c), u(2), u(3), u(4), grad=(0, 1, 2))
case("meshgrid_ij", lambda a, b: jnp.meshgrid(a, b, indexing="ij"), u(2), u(3), grad=(0, 1))
case("meshgrid_sparse", lambda a, b: jnp.meshgrid(a, b, sparse=True), u(2), u(3))
cases["indices"] = {"inputs": [], "out": enc(jnp.indices((2, 3), dtype=jnp.int32))}
cases["indices_sparse"] = {"inputs": [], "out": enc_tree(jnp.indices((2, 3), dtype=jnp.int32, sparse=True))}
cases["fromfunction"] = {"inputs": [], "out": enc(jnp.fromfunction(lambda i, j: i + 2 * j, (2, 3), dtype=jnp.float32))}
cases["diag_indices"] = {"inputs": [], "out": enc_tree(jnp.diag_indices(3, 3))}
cases["diag_indices_from"] = {"inputs": [enc(np.zeros((4, 4), np.float32))], "out": enc_tree(jnp.diag_indices_from(np.zeros((4, 4))))}
f32 = lambda a: np.asarray(a).astype(np.float32)
cases["logspace"] = {"inputs": [], "out": enc(f32(jnp.logspace(0.0, 2.0, 5)))}
cases["logspace_base2"] = {"inputs": [], "out": enc(f32(jnp.logspace(0.0, 3.0, 4, endpoint=False, base=2.0)))}
cases["logspace_f64"] = {"inputs": [], "out": enc(jnp.logspace(-1.0, 1.5, 7, dtype=jnp.float64))}
cases["geomspace"] = {"inputs": [], "out": enc(f32(jnp.geomspace(1.0, 1000.0, 4)))}
cases["geomspace_neg"] = {"inputs": [], "out": enc(f32(jnp.geomspace(-1.0, -16.0, 5)))}
cases["geomspace_noend"] = {"inputs": [], "out": enc(f32(jnp.geomspace(2.0, 32.0, 4, endpoint=False)))}

# --- splitting, stacking, functional -------------------------------------------------------------
case("hsplit", lambda x: jnp.hsplit(x, 2), m34, grad=0)
case("hsplit_1d", lambda x: jnp.hsplit(x, [1, 3]), u(5), grad=0)
case("vsplit", lambda x: jnp.vsplit(x, [1]), m34, grad=0)
case("dsplit", lambda x: jnp.dsplit(x, 2), u(2, 2, 4), grad=0)
case("unstack", lambda x: jnp.unstack(x, axis=1), m34, grad=0)
case("append", jnp.append, m34, u(2), grad=(0, 1))
case("append_axis0", lambda a, b: jnp.append(a, b, axis=0), m34, u(1, 4), grad=(0, 1))
case("apply_along_axis", lambda x: jnp.apply_along_axis(lambda v: v * jnp.sum(v), 1, x), u(2, 3, 4), grad=0)
case("apply_along_axis_scalar", lambda x: jnp.apply_along_axis(lambda v: jnp.max(v) - jnp.min(v), 0, x), u(3, 2, 2), grad=0)
case("apply_over_axes", lambda x: jnp.apply_over_axes(jnp.sum, x, [0, 2]), u(2, 3, 4), grad=0)

# --- logic ------------------------------------------------------------------------------------------
case("array_equiv", lambda a, b: jnp.array_equiv(a, b), np.array([[1.0, 2.0], [1.0, 2.0]]), np.array([1.0, 2.0]), dtypes=(None,))
case("array_equiv_ne", lambda a, b: jnp.array_equiv(a, b), np.array([[1.0, 2.0], [1.0, 3.0]]), np.array([1.0, 2.0]), dtypes=(None,))
# Shapes that do not broadcast: JAX 0.10.2's array_equiv means to return False (it catches
# ValueError) but lax.eq raises TypeError first; jaxts returns False as documented, so this
# case is written down rather than computed.
cases["array_equiv_shape"] = {"inputs": [enc(np.array([1.0, 2.0, 3.0])), enc(np.array([1.0, 2.0]))], "out": enc(np.array(False))}
case("isin", jnp.isin, i32(1, 2, 3, 4, 5, 6).reshape(2, 3), i32(2, 5, 9), dtypes=(None,))
case("isin_invert", lambda a, b: jnp.isin(a, b, invert=True), np.array([0.5, 1.0, 2.0]), np.array([[1.0, 3.0]]), dtypes=(None,))
sel_x = u(5)
case("select", lambda x: jnp.select([x < -0.3, x > 0.3], [x * 2, x ** 2], 0.5), sel_x, grad=0)
case("select_default", lambda x: jnp.select([x < 0], [-x]), sel_x, grad=0)

# --- nn -------------------------------------------------------------------------------------------------
act = np.array([-4.0, -1.7, -0.6, -0.2, 0.3, 0.8, 1.4, 2.5, 5.0])
for nm in ["celu", "selu", "hard_sigmoid", "hard_silu", "hard_tanh", "identity", "mish", "soft_sign", "sparse_plus", "sparse_sigmoid", "squareplus"]:
    case("nn." + nm, getattr(nn, nm), act, grad=0)
case("nn.celu_alpha", lambda x: nn.celu(x, alpha=0.5), act, grad=0)
case("nn.squareplus_b", lambda x: nn.squareplus(x, b=1.0), act, grad=0)
case("nn.log1mexp", nn.log1mexp, np.array([1e-3, 0.3, 0.69, 0.7, 2.0, 10.0]), grad=0)
case("nn.glu", nn.glu, u(2, 6), grad=0)
case("nn.glu_axis0", lambda x: nn.glu(x, axis=0), u(4, 3), grad=0)
case("nn.logmeanexp", nn.logmeanexp, u(3, 4) * 3, grad=0)
case("nn.logmeanexp_axis", lambda x: nn.logmeanexp(x, axis=1, keepdims=True), u(3, 4) * 3, grad=0)
case("nn.logmeanexp_where", lambda x: nn.logmeanexp(x, axis=0, where=np.array([[True, False, True, True]] * 2 + [[True, True, False, True]])), u(3, 4), grad=0)
case("nn.standardize", nn.standardize, u(3, 4) * 2, grad=0)
case("nn.standardize_axis0", lambda x: nn.standardize(x, axis=0, epsilon=1e-3), u(3, 4) * 2, grad=0)
case("nn.standardize_given", lambda x, m, v: nn.standardize(x, axis=1, mean=m, variance=v), u(3, 4), u(3, 1), pos(3, 1), grad=(0, 1, 2))
q, k, v = u(2, 3, 4, 5), u(2, 6, 2, 5), u(2, 6, 2, 5)
case("nn.dot_product_attention", nn.dot_product_attention, q, k, v, grad=(0, 1, 2))
case("nn.dot_product_attention_bias_mask", lambda q, k, v, b: nn.dot_product_attention(q, k, v, b, np.tril(np.ones((3, 6), bool), 2)), q, k, v, u(1, 4, 3, 6), grad=(0, 1, 2, 3))
case("nn.dot_product_attention_causal_scale", lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True, scale=0.3), q, u(2, 3, 2, 5), u(2, 3, 2, 5), grad=(0, 1, 2))
case("nn.dot_product_attention_lengths", lambda q, k, v: nn.dot_product_attention(q, k, v, query_seq_lengths=np.array([2, 3], np.int32), key_value_seq_lengths=np.array([4, 6], np.int32)), q, k, v, grad=(1, 2))
case("nn.dot_product_attention_window", lambda q, k, v: nn.dot_product_attention(q, k, v, local_window_size=(1, 1)), u(3, 4, 5), u(3, 4, 5), u(3, 4, 5), grad=(0, 1, 2))

# --- lax -------------------------------------------------------------------------------------------------
tk = np.array([[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0], [2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0]])
case("lax.top_k", lambda x: lax.top_k(x, 3), tk, grad=0)
case("lax.top_k_int", lambda x: lax.top_k(x, 4), i32(5, -1, 7, 7, -2147483648, 3), dtypes=(None,))
lhs = u(1, 5, 5, 2)
for pad in ["SAME", "VALID"]:
    for s in [1, 2]:
        case(f"lax.conv_transpose_{pad}_{s}", lambda l, r, pad=pad, s=s: lax.conv_transpose(l, r, (s, s), pad), lhs, u(3, 3, 2, 3), grad=(0, 1))
case("lax.conv_transpose_kernel", lambda l, r: lax.conv_transpose(l, r, (2, 1), "SAME", transpose_kernel=True), lhs, u(2, 3, 3, 2), grad=(0, 1))
case("lax.conv_transpose_dilated_pads", lambda l, r: lax.conv_transpose(l, r, (2, 2), [(1, 0), (2, 1)], rhs_dilation=(2, 1)), lhs, u(2, 2, 2, 3), grad=(0, 1))
case("lax.conv_transpose_1d", lambda l, r: lax.conv_transpose(l, r, (3,), "VALID", dimension_numbers=("NCH", "OIH", "NCH")), u(2, 2, 4), u(3, 2, 2), grad=(0, 1))
case("lax.conv_with_general_padding", lambda l, r: lax.conv_with_general_padding(l, r, (2, 1), [(1, 2), (0, 1)], (1, 2), (2, 1)), u(1, 2, 5, 4), u(3, 2, 2, 2), grad=(0, 1))

# --- scipy.special ----------------------------------------------------------------------------------------
dg = np.array([1e-3, 0.3, 0.5, 1.0, 1.4616321, 2.5, 7.0, 30.0, 1e4, -0.5, -1.3, -2.7])
case("sp.digamma", sp.digamma, dg, grad=0)
case("sp.digamma_poles", sp.digamma, np.array([0.0, -1.0, -3.0, np.inf]))
case("sp.digamma_grad2", jax.vmap(jax.grad(jax.grad(sp.digamma))), np.array([0.3, 1.0, 2.5, 8.0]))
case("sp.polygamma1", lambda x: sp.polygamma(1, x), np.array([0.2, 1.0, 2.5, 10.0, -0.5, -2.3]), grad=0)
case("sp.polygamma2", lambda x: sp.polygamma(2, x), np.array([0.2, 1.0, 2.5, 10.0]), grad=0)
case("sp.polygamma3", lambda x: sp.polygamma(3, x), np.array([0.7, 1.0, 4.0]))

# --- vmap samples ------------------------------------------------------------------------------------------
vcase("nanmean", lambda x: jnp.nanmean(x, axis=0), np.stack([nanm, nanm * 2]))
vcase("polyval", jnp.polyval, np.stack([p4, p4 * -1, p4 + 1]), u(3, 2))
vcase("cross", jnp.cross, u(2, 4, 3), u(2, 4, 3))
vcase("top_k", lambda x: lax.top_k(x, 2), tk)
vcase("digamma", sp.digamma, pos(3, 2))
vcase("sinc", jnp.sinc, np.array([[0.0, 0.5], [1.5, -0.2]]))
vcase("convolve", lambda a, v: jnp.convolve(a, v, mode="same"), u(3, 6), u(3), in_axes=(0, None))
vcase("unwrap", jnp.unwrap, ph)
vcase("cov", jnp.cov, u(2, 3, 5))
vcase("frexp", jnp.frexp, np.array([[1.0, 3.0], [0.2, -7.0]], np.float32))
vcase("dot_product_attention", nn.dot_product_attention, u(2, 3, 2, 4), u(2, 5, 2, 4), u(2, 5, 2, 4))

meta = {
    "finfo": {dt: {k: float(getattr(jnp.finfo(dt), k)) for k in ["eps", "epsneg", "max", "min", "tiny", "smallest_normal", "smallest_subnormal", "resolution"]}
              | {k: int(getattr(jnp.finfo(dt), k)) for k in ["bits", "precision", "nmant", "nexp", "maxexp", "minexp"]} for dt in ["float32", "float64"]},
    "iinfo": {dt: {"bits": int(jnp.iinfo(dt).bits), "min": int(jnp.iinfo(dt).min), "max": int(jnp.iinfo(dt).max)} for dt in ["int32", "uint32"]},
    "promote_types": [[a, b, str(jnp.promote_types(a, b))] for a in ["bool", "int32", "uint32", "float32", "float64"] for b in ["bool", "int32", "uint32", "float32", "float64"]],
}

out = {"source": "jax " + jax.__version__, "cases": cases, "meta": meta}
with open(os.path.join(os.path.dirname(__file__), "numpy_breadth.json"), "w") as f:
    json.dump(out, f)
print(f"wrote {len(cases)} cases")
