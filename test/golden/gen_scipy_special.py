"""Golden values for jax.scipy.special (run: ~/jaxref/bin/python test/golden/gen_scipy_special.py).

float32, as users call them; each case records the inputs, the value and the gradient of the sum
(so JAX's custom jvps of logit/xlogy/xlog1py/entr are pinned down too).
"""
import json, os
import numpy as np
import jax
import jax.numpy as jnp
import jax.scipy.special as sp

def enc(a):
    a = np.asarray(a, dtype=np.float64)
    f = lambda v: "nan" if np.isnan(v) else ("inf" if v == np.inf else ("-inf" if v == -np.inf else float(v)))
    return {"dtype": "float32", "shape": list(a.shape), "data": [f(v) for v in a.ravel()]}

f32 = lambda *v: np.array(v, dtype=np.float32)
x = f32(-30.0, -5.0, -1.5, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.5, 5.0, 30.0)
unit = f32(1e-7, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.9999)
unit_edges = f32(0.0, 1e-30, 1e-7, 0.135, 0.5, 0.865, 0.9999999, 1.0)
gam = f32(-4.5, -2.5, -1.3, -0.5, 1e-3, 0.2, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 30.0, 100.0, 1e4)
gam_poles = f32(-3.0, -1.0, 0.0, np.inf, -np.inf)
xs = f32(0.0, 0.0, 1.0, 2.5, -1.0, 0.5)
ys = f32(0.0, 2.0, 3.0, 0.5, 4.0, -0.5)
ps = f32(0.0, 0.0, 0.2, 0.5, 1.0, -0.1)
qs = f32(0.0, 0.5, 0.3, 0.5, 0.1, 0.2)
m = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 50.0]], dtype=np.float32)

cases = {}
def unary(name, f, a, grad=True):
    cases[name] = {"inputs": [enc(a)], "out": enc(f(a))}
    if grad:
        cases[name]["grad"] = [enc(jax.grad(lambda v: jnp.sum(f(v)))(a))]
def binary(name, f, a, b, grad=True):
    cases[name] = {"inputs": [enc(a), enc(b)], "out": enc(f(a, b))}
    if grad:
        cases[name]["grad"] = [enc(g) for g in jax.grad(lambda u, v: jnp.sum(f(u, v)), argnums=(0, 1))(a, b)]

unary("erf", sp.erf, x)
unary("erfc", sp.erfc, x)
unary("erfinv", sp.erfinv, f32(-0.999, -0.5, 0.0, 0.3, 0.9, 0.99999))
unary("expit", sp.expit, x)
unary("logit", sp.logit, unit)
unary("ndtr", sp.ndtr, x)
unary("ndtri", sp.ndtri, unit)
unary("ndtri_edges", sp.ndtri, unit_edges, grad=False)
unary("gammaln", sp.gammaln, gam)
unary("gammaln_poles", sp.gammaln, gam_poles, grad=False)
unary("entr", sp.entr, f32(0.0, 1e-3, 0.5, 1.0, 3.0, -1.0), grad=False)
unary("entr_grad", sp.entr, f32(1e-3, 0.5, 1.0, 3.0))
binary("xlogy", sp.xlogy, xs[:4], ys[:4])
binary("xlogy_values", sp.xlogy, xs, ys, grad=False)
binary("xlog1py", sp.xlog1py, f32(0.0, 1.0, 2.5, 3.0), f32(-1.0, 3.0, 0.5, -0.5))
binary("rel_entr", sp.rel_entr, ps, qs, grad=False)
binary("kl_div", sp.kl_div, ps, qs, grad=False)
binary("betaln", sp.betaln, f32(0.5, 1.0, 2.5, 10.0), f32(0.3, 1.0, 4.0, 20.0))
unary("logsumexp", lambda a: sp.logsumexp(a, axis=1), m)
unary("softmax", lambda a: sp.softmax(a, axis=-1), m, grad=False)
unary("log_softmax", lambda a: sp.log_softmax(a, axis=0), m, grad=False)

out = {"source": "jax " + jax.__version__, "cases": cases}
with open(os.path.join(os.path.dirname(__file__), "scipy_special.json"), "w") as f:
    json.dump(out, f)
print(f"wrote {len(cases)} cases")
