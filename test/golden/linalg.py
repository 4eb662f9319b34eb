#!/usr/bin/env python3
"""Golden values for jaxts's linear algebra (np.linalg, scipy.linalg, lax.linalg, np.trace/
diagonal/diag/tril/triu) from real JAX 0.10.2.

    ~/jaxref/bin/python test/golden/linalg.py

writes test/golden/linalg.json (float32 cases from JAX's default mode, float64 cases from a
second run of this script in x64 mode, merged). test/linalg/golden.test.ts replays it.

Case: {"name", "fn": "np.linalg.solve" (the jaxts path), "args": [arg...], "opts": {camelCase},
       "out": result, "form": ["lin"|"sq"|"skip"...] (per output leaf), "weights": [array...],
       "grad": [array...] (gradient of sum_i sum(form_i(out_i) * weights_i) w.r.t. each array arg),
       "rtol", "atol", "gtol": [rtol, atol], "recon": null | "eigh" | "svd"}
  form "sq" squares an output before weighting it: eigenvectors and singular vectors are only
  defined up to sign, so their values are compared through reconstructions and their gradients
  through sign-invariant losses. "skip" leaves an output out of values and loss (it may differ
  in sign or is an integer).
  arg: {"array": flat list, "dtype", "shape"} | number | string | bool | null | [arg...] (a tuple)
"""
import math
import os

import numpy as np

from x64run import X64, start_x64_run, write_cases
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jax.scipy.linalg as jsl  # noqa: E402
from jax import lax  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
other = start_x64_run(__file__)
rng = np.random.default_rng(1313)
DT = "float64" if X64 else "float32"
cases = []


from encoding import enc_float as enc_num  # noqa: E402


def enc(x):
    x = np.asarray(x)
    dt = str(x.dtype)
    if dt == "bool":
        data = [bool(v) for v in x.ravel()]
    elif dt.startswith("int") or dt.startswith("uint"):
        data = [int(v) for v in x.ravel()]
        if dt == "int64":
            # jaxts has no 64-bit integers: JAX's x64 counts and ranks are int32 there.
            assert all(-(2**31) <= v < 2**31 for v in data)
            dt = "int32"
    else:
        data = [enc_num(v) for v in x.ravel()]
    return {"array": data, "dtype": dt, "shape": list(x.shape)}


def enc_arg(a):
    if isinstance(a, (np.ndarray, jax.Array)):
        return enc(a)
    if isinstance(a, tuple):
        return [enc_arg(v) for v in a]
    return a


def leaves(out):
    if isinstance(out, (tuple, list)):
        r = []
        for o in out:
            r += leaves(o)
        return r
    if isinstance(out, bool):
        return []
    return [out]


def add(name, fn, pyfn, args, opts=None, form=None, recon=None, grad=True, tol=None, gtol=None):
    name = f"{name} {DT}"
    out = pyfn(*args)
    outs = leaves(out)
    form = form or ["lin"] * len(outs)
    assert len(form) == len(outs), (name, len(form), len(outs))
    weights = [rng.standard_normal(np.shape(o)).astype(DT) if jnp.issubdtype(o.dtype, jnp.floating) else None for o in outs]
    case = {
        "name": name,
        "fn": fn,
        "args": [enc_arg(a) for a in args],
        "opts": opts or {},
        "out": [enc(o) if f != "skip" else None for o, f in zip(outs, form)],
        "form": form,
        "recon": recon,
        "weights": [enc(w) if w is not None else None for w in weights],
    }
    rtol, atol = tol or ((1e-10, 1e-11) if X64 else (2e-4, 2e-5))
    case["rtol"], case["atol"] = rtol, atol
    arr_idx = [i for i, a in enumerate(args) if isinstance(a, (np.ndarray, jax.Array)) and np.issubdtype(np.asarray(a).dtype, np.floating)]
    if grad and arr_idx:
        def loss(*arrs):
            full = list(args)
            for i, v in zip(arr_idx, arrs):
                full[i] = v
            o = leaves(pyfn(*full))
            total = 0.0
            for oi, f, w in zip(o, form, weights):
                if f == "skip" or w is None:
                    continue
                total = total + jnp.sum((oi * oi if f == "sq" else oi) * w)
            return total
        g = jax.grad(loss, argnums=tuple(range(len(arr_idx))))(*[jnp.asarray(args[i]) for i in arr_idx])
        case["grad"] = [enc(v) for v in g]
        case["gradArgs"] = arr_idx
        case["gtol"] = gtol or ([1e-8, 1e-9] if X64 else [2e-3, 2e-4])
    cases.append(case)


def randn(*shape):
    return rng.standard_normal(shape).astype(DT)


def spd(*shape):
    n = shape[-1]
    a = rng.standard_normal(shape)
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(DT)


def general(*shape):
    # Well conditioned but with pivoting at work: a shifted random matrix.
    n = shape[-1]
    return (rng.standard_normal(shape) + 0.5 * n * np.eye(n, shape[-1])[: shape[-2]]).astype(DT) if shape[-2] == n else randn(*shape)


# --- primitives through lax.linalg -------------------------------------------------------------
for shape in [(4, 4), (2, 3, 3)]:
    a = spd(*shape)
    add(f"lax.cholesky {shape}", "lax.linalg.cholesky", lambda x: lax.linalg.cholesky(x), [a])
    g = general(*shape)
    add(f"lax.lu {shape}", "lax.linalg.lu", lambda x: lax.linalg.lu(x), [g], form=["lin", "skip", "skip"])
    add(f"lax.lu.ints {shape}", "lax.linalg.lu", lambda x: lax.linalg.lu(x)[1:], [g], form=["lin", "lin"], grad=False)
    add(f"lax.eigh {shape}", "lax.linalg.eigh", lambda x: lax.linalg.eigh(x), [a], form=["sq", "lin"], recon="eigh")
    for full in [False, True]:
        add(f"lax.qr full={full} {shape}", "lax.linalg.qr", lambda x, full=full: lax.linalg.qr(x, full_matrices=full), [g], opts={"fullMatrices": full})
    add(f"lax.svd {shape}", "lax.linalg.svd", lambda x: lax.linalg.svd(x, full_matrices=False), [g], opts={"fullMatrices": False}, form=["sq", "lin", "sq"], recon="svd")
    combos = [(l_, lo, tr, un) for l_ in [True, False] for lo in [True, False] for tr in [False, True] for un in [False, True]]
    for left, lower, trans, unit in combos if len(shape) == 2 else combos[::5]:
        if True:
            if True:
                if True:
                    b = randn(*shape[:-1], 2) if left else randn(*shape[:-2], 2, shape[-1])
                    t = general(*shape)
                    add(
                        f"lax.triangularSolve left={left} lower={lower} trans={trans} unit={unit} {shape}",
                        "lax.linalg.triangularSolve",
                        lambda a_, b_, left=left, lower=lower, trans=trans, unit=unit: lax.linalg.triangular_solve(
                            a_, b_, left_side=left, lower=lower, transpose_a=trans, unit_diagonal=unit
                        ),
                        [t, b],
                        opts={"leftSide": left, "lower": lower, "transposeA": trans, "unitDiagonal": unit},
                    )
for shape in [(5, 3), (3, 5), (2, 4, 2)]:
    g = randn(*shape)
    for full in [False, True]:
        add(f"lax.qr full={full} {shape}", "lax.linalg.qr", lambda x, full=full: lax.linalg.qr(x, full_matrices=full), [g], opts={"fullMatrices": full})
    add(f"lax.lu {shape}", "lax.linalg.lu", lambda x: lax.linalg.lu(x), [g], form=["lin", "skip", "skip"])
    add(f"lax.lu.ints {shape}", "lax.linalg.lu", lambda x: lax.linalg.lu(x)[1:], [g], form=["lin", "lin"], grad=False)
    add(f"lax.svd {shape}", "lax.linalg.svd", lambda x: lax.linalg.svd(x, full_matrices=False), [g], opts={"fullMatrices": False}, form=["sq", "lin", "sq"], recon="svd")
    add(f"lax.svd s {shape}", "lax.linalg.svd", lambda x: lax.linalg.svd(x, compute_uv=False), [g], opts={"computeUv": False})

# --- np.linalg ---------------------------------------------------------------------------------
for shape in [(3, 3), (4, 4), (2, 4, 4)]:
    a = spd(*shape)
    g = general(*shape)
    add(f"cholesky {shape}", "np.linalg.cholesky", jnp.linalg.cholesky, [a])
    add(f"cholesky upper {shape}", "np.linalg.cholesky", lambda x: jnp.linalg.cholesky(x, upper=True), [a], opts={"upper": True})
    add(f"solve matrix {shape}", "np.linalg.solve", jnp.linalg.solve, [g, randn(*shape[:-1], 2)])
    add(f"inv {shape}", "np.linalg.inv", jnp.linalg.inv, [g])
    add(f"det {shape}", "np.linalg.det", jnp.linalg.det, [g])
    add(f"slogdet {shape}", "np.linalg.slogdet", jnp.linalg.slogdet, [g])
    add(f"eigh {shape}", "np.linalg.eigh", jnp.linalg.eigh, [a], form=["lin", "sq"], recon="eigh")
    add(f"eigh upper {shape}", "np.linalg.eigh", lambda x: jnp.linalg.eigh(x, UPLO="U"), [a], opts={"UPLO": "U"}, form=["lin", "sq"], recon="eigh")
    add(f"eigvalsh {shape}", "np.linalg.eigvalsh", jnp.linalg.eigvalsh, [a])
    add(f"matrixPower 3 {shape}", "np.linalg.matrixPower", lambda x, _n: jnp.linalg.matrix_power(x, 3), [g, 3])
    add(f"matrixPower -2 {shape}", "np.linalg.matrixPower", lambda x, _n: jnp.linalg.matrix_power(x, -2), [g, -2])
    add(f"matrixPower 0 {shape}", "np.linalg.matrixPower", lambda x, _n: jnp.linalg.matrix_power(x, 0), [g, 0], grad=False)
    add(f"pinv square {shape}", "np.linalg.pinv", jnp.linalg.pinv, [g])
    add(f"matrixRank {shape}", "np.linalg.matrixRank", jnp.linalg.matrix_rank, [g], grad=False)
    add(f"trace {shape}", "np.linalg.trace", jnp.linalg.trace, [g])
    add(f"diagonal {shape}", "np.linalg.diagonal", jnp.linalg.diagonal, [g])
    add(f"diagonal offset {shape}", "np.linalg.diagonal", lambda x: jnp.linalg.diagonal(x, offset=1), [g], opts={"offset": 1})
    add(f"matrixTranspose {shape}", "np.linalg.matrixTranspose", jnp.linalg.matrix_transpose, [g])
    add(f"matrixNorm {shape}", "np.linalg.matrixNorm", jnp.linalg.matrix_norm, [g])
    add(f"matrixNorm nuc {shape}", "np.linalg.matrixNorm", lambda x: jnp.linalg.matrix_norm(x, ord="nuc"), [g], opts={"ord": "nuc"})
    add(f"svdvals {shape}", "np.linalg.svdvals", jnp.linalg.svdvals, [g])
    add(f"svd {shape}", "np.linalg.svd", lambda x: jnp.linalg.svd(x), [g], form=["sq", "lin", "sq"], recon="svd")
    add(f"svd hermitian {shape}", "np.linalg.svd", lambda x: jnp.linalg.svd(x, hermitian=True), [a], opts={"hermitian": True}, form=["sq", "lin", "sq"], recon="svd")
    add(f"qr {shape}", "np.linalg.qr", jnp.linalg.qr, [g])
    add(f"qr r {shape}", "np.linalg.qr", lambda x: jnp.linalg.qr(x, mode="r"), [g], opts={"mode": "r"})
    add(f"scipy.expm {shape}", "scipy.linalg.expm", jsl.expm, [0.5 * g])
    if len(shape) == 2:  # jax.scipy.linalg.lu takes one matrix (JAX 0.10.2 unpacks m, n = a.shape)
        add(f"scipy.lu {shape}", "scipy.linalg.lu", jsl.lu, [g])
    add(f"scipy.luFactor {shape}", "scipy.linalg.luFactor", jsl.lu_factor, [g], form=["lin", "skip"])
    lu_, piv_ = jsl.lu_factor(g)
    for trans in [0, 1]:
        add(f"scipy.luSolve trans={trans} {shape}", "scipy.linalg.luSolve", lambda lp, b, trans=trans: jsl.lu_solve(lp, b, trans=trans), [(np.asarray(lu_), np.asarray(piv_)), randn(*shape[:-1], 2)], opts={"trans": trans}, grad=False)
    for lower in [False, True]:
        add(f"scipy.choFactor lower={lower} {shape}", "scipy.linalg.choFactor", lambda x, lower=lower: jsl.cho_factor(x, lower=lower)[0], [a], opts={"lower": lower}, grad=False)
        c = jsl.cho_factor(a, lower=lower)[0]
        c = np.tril(c) if lower else np.triu(c)
        add(f"scipy.choSolve lower={lower} {shape}", "scipy.linalg.choSolve", lambda cl, b: jsl.cho_solve(cl, b), [(np.asarray(c), lower), randn(*shape[:-1], 2)], grad=False)
    for lower in [False, True]:
        for trans in [0, 1, "T"]:
            add(f"scipy.solveTriangular lower={lower} trans={trans} {shape}", "scipy.linalg.solveTriangular",
                lambda t, b, lower=lower, trans=trans: jsl.solve_triangular(t, b, lower=lower, trans=trans), [g, randn(*shape[:-1], 2)], opts={"lower": lower, "trans": trans})
    add(f"scipy.solveTriangular unit {shape}", "scipy.linalg.solveTriangular", lambda t, b: jsl.solve_triangular(t, b, unit_diagonal=True), [g, randn(*shape[:-1])], opts={"unitDiagonal": True})

for n in [2, 3, 4]:
    g = general(n, n)
    add(f"solve vector {n}", "np.linalg.solve", jnp.linalg.solve, [g, randn(n)])
    add(f"solve broadcast batch {n}", "np.linalg.solve", jnp.linalg.solve, [g, randn(3, n, 2)])
# Singular and special inputs, as JAX behaves on them.
sing = np.array([[1, 2, 3, 4], [2, 4, 6, 8], [1, 0, 1, 0], [0, 1, 1, 2]], DT)
rank3 = np.array([[1, 2, 3, 4], [2, 4, 6, 8.5], [1, 0, 1, 0], [0, 1, 1, 2]], DT)
rank3b = np.array([[2, 1, 0, 1], [1, 3, 1, 0], [3, 4, 1, 1], [0, 1, 2, 5]], DT)  # row 2 = row 0 + row 1
add("det singular rank2", "np.linalg.det", jnp.linalg.det, [sing])
add("det singular rank3 (cofactor gradient)", "np.linalg.det", jnp.linalg.det, [rank3b])
add("det near", "np.linalg.det", jnp.linalg.det, [rank3])
add("slogdet singular", "np.linalg.slogdet", jnp.linalg.slogdet, [sing], grad=False)
add("lax.lu singular", "lax.linalg.lu", lambda x: lax.linalg.lu(x), [sing], form=["lin", "lin", "lin"], grad=False)
add("cholesky not positive definite", "np.linalg.cholesky", jnp.linalg.cholesky, [np.array([[1, 2], [2, 1]], DT)], grad=False)
add("cholesky batch one bad", "np.linalg.cholesky", jnp.linalg.cholesky, [np.stack([spd(3, 3), -np.eye(3, dtype=DT)])], grad=False)
add("inv singular", "np.linalg.inv", jnp.linalg.inv, [np.array([[1, 2], [2, 4]], DT)], grad=False)
add("matrixRank deficient", "np.linalg.matrixRank", jnp.linalg.matrix_rank, [sing], grad=False)
add("pinv rank deficient", "np.linalg.pinv", jnp.linalg.pinv, [np.array([[1, 2, 3], [2, 4, 6]], DT)])
add("lstsq vector", "np.linalg.lstsq", jnp.linalg.lstsq, [randn(5, 3), randn(5)], form=["lin", "lin", "skip", "lin"])
add("lstsq matrix", "np.linalg.lstsq", jnp.linalg.lstsq, [randn(5, 3), randn(5, 2)], form=["lin", "lin", "skip", "lin"])
add("lstsq underdetermined", "np.linalg.lstsq", jnp.linalg.lstsq, [randn(2, 4), randn(2)], form=["lin", "lin", "skip", "lin"])
add("lstsq rank int", "np.linalg.lstsq", lambda a_, b_: jnp.linalg.lstsq(a_, b_)[2], [randn(5, 3), randn(5)], grad=False)
add("pinv tall", "np.linalg.pinv", jnp.linalg.pinv, [randn(5, 3)])
add("pinv wide batch", "np.linalg.pinv", jnp.linalg.pinv, [randn(2, 2, 4)])
add("expm big norm (squarings)", "scipy.linalg.expm", jsl.expm, [3.0 * general(3, 3)])
add("expm tiny", "scipy.linalg.expm", jsl.expm, [0.01 * randn(3, 3)])
add("multiDot", "np.linalg.multiDot", lambda abc: jnp.linalg.multi_dot(list(abc)), [(randn(3, 4), randn(4, 2), randn(2, 5))])
add("multiDot vectors", "np.linalg.multiDot", lambda abc: jnp.linalg.multi_dot(list(abc)), [(randn(4), randn(4, 3), randn(3))])
v3 = randn(4, 3)
w3 = randn(4, 3)
add("cross", "np.linalg.cross", jnp.linalg.cross, [v3, w3])
add("outer", "np.linalg.outer", jnp.linalg.outer, [randn(3), randn(4)])
add("vecdot", "np.linalg.vecdot", jnp.linalg.vecdot, [randn(2, 3), randn(3)])
add("tensordot", "np.linalg.tensordot", lambda a_, b_: jnp.linalg.tensordot(a_, b_, axes=1), [randn(2, 3), randn(3, 4)], opts={"axes": 1})
add("vectorNorm", "np.linalg.vectorNorm", jnp.linalg.vector_norm, [randn(3, 4)])
add("vectorNorm axis ord1", "np.linalg.vectorNorm", lambda x: jnp.linalg.vector_norm(x, axis=1, ord=1), [randn(3, 4)], opts={"axis": 1, "ord": 1})
add("vectorNorm keepdims", "np.linalg.vectorNorm", lambda x: jnp.linalg.vector_norm(x, axis=0, keepdims=True, ord=3), [randn(3, 4)], opts={"axis": 0, "keepdims": True, "ord": 3})
m = randn(3, 4)
vv = randn(5)
for ord_ in [None, 1, 2, np.inf, -np.inf, 0, 3, -1]:
    o = {"ord": ord_ if ord_ is None or not math.isinf(ord_) else ("inf" if ord_ > 0 else "-inf")}
    add(f"norm vector ord={ord_}", "np.linalg.norm", lambda x, ord_=ord_: jnp.linalg.norm(x, ord=ord_), [vv], opts=o, grad=ord_ not in (0, np.inf, -np.inf))
for ord_ in [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]:
    o = {"ord": ord_ if not isinstance(ord_, float) else ("inf" if ord_ > 0 else "-inf")}
    add(f"norm matrix ord={ord_}", "np.linalg.norm", lambda x, ord_=ord_: jnp.linalg.norm(x, ord=ord_), [m], opts=o)
t3 = randn(2, 3, 4)
add("norm axis=1 keepdims", "np.linalg.norm", lambda x: jnp.linalg.norm(x, axis=1, keepdims=True), [t3], opts={"axis": 1, "keepdims": True})
add("norm axis=(2,0) ord=1", "np.linalg.norm", lambda x: jnp.linalg.norm(x, ord=1, axis=(2, 0)), [t3], opts={"axis": [2, 0], "ord": 1})
add("norm axis=(0,1) ord=2 keepdims", "np.linalg.norm", lambda x: jnp.linalg.norm(x, ord=2, axis=(0, 1), keepdims=True), [t3], opts={"axis": [0, 1], "ord": 2, "keepdims": True})
add("norm all 3d", "np.linalg.norm", jnp.linalg.norm, [t3])

# --- np.trace / diagonal / diag / tril / triu ----------------------------------------------------
t = randn(3, 4, 5)
add("np.trace", "np.trace", jnp.trace, [t])
add("np.trace offset axes", "np.trace", lambda x, *_: jnp.trace(x, 1, 1, 2), [t, 1, 1, 2])
add("np.trace negative offset", "np.trace", lambda x, *_: jnp.trace(x, -2), [t, -2])
add("np.diagonal", "np.diagonal", jnp.diagonal, [t])
add("np.diagonal offset axes", "np.diagonal", lambda x, *_: jnp.diagonal(x, -1, 2, 0), [t, -1, 2, 0])
add("np.diag vector", "np.diag", jnp.diag, [randn(3)])
add("np.diag vector k=2", "np.diag", lambda x, *_: jnp.diag(x, 2), [randn(3), 2])
add("np.diag vector k=-1", "np.diag", lambda x, *_: jnp.diag(x, -1), [randn(3), -1])
add("np.diag matrix k=1", "np.diag", lambda x, *_: jnp.diag(x, 1), [randn(3, 4), 1])
add("np.tril", "np.tril", jnp.tril, [t])
add("np.tril k=-1", "np.tril", lambda x, *_: jnp.tril(x, -1), [t, -1])
add("np.triu k=2", "np.triu", lambda x, *_: jnp.triu(x, 2), [t, 2])
add("np.triu", "np.triu", jnp.triu, [randn(4, 3)])

write_cases(other, cases, os.path.join(HERE, "linalg.json"))
