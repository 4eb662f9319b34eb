"""Golden values for jax.nn activations (run: ~/jaxref/bin/python test/golden/gen_nn.py)."""
import json, os
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp

x = np.array([-30.0, -5.0, -1.5, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.5, 5.0, 30.0])
m = np.array([[1.0, 2.0, 3.0, 1000.0], [-1.0, 0.0, 1.0, 2.0], [-1000.0, 5.0, 5.0, -3.0]])
cases = {
    "relu": jax.nn.relu(x), "relu6": jax.nn.relu6(x * 2), "sigmoid": jax.nn.sigmoid(x), "softplus": jax.nn.softplus(x),
    "silu": jax.nn.silu(x), "elu": jax.nn.elu(x), "elu_alpha": jax.nn.elu(x, alpha=0.3),
    "leakyRelu": jax.nn.leaky_relu(x), "leakyRelu_slope": jax.nn.leaky_relu(x, negative_slope=0.2),
    "logSigmoid": jax.nn.log_sigmoid(x), "gelu": jax.nn.gelu(x), "gelu_exact": jax.nn.gelu(x, approximate=False),
    "softmax": jax.nn.softmax(m), "softmax_axis0": jax.nn.softmax(m, axis=0),
    "logSoftmax": jax.nn.log_softmax(m), "logSoftmax_axis0": jax.nn.log_softmax(m, axis=0),
    "logsumexp": jax.nn.logsumexp(m, axis=1), "oneHot": jax.nn.one_hot(np.array([0, 2, 1, 3, -1, 4]), 4),
    "grad_softmax_xent": jax.grad(lambda l: -jnp.sum(jax.nn.one_hot(np.array([3, 1, 0]), 4) * jax.nn.log_softmax(l)))(m),
    "grad_gelu": jax.vmap(jax.grad(jax.nn.gelu))(x), "grad_silu": jax.vmap(jax.grad(jax.nn.silu))(x),
    "grad_elu": jax.vmap(jax.grad(jax.nn.elu))(x), "grad_softplus": jax.vmap(jax.grad(jax.nn.softplus))(x),
}
enc = lambda a: {"shape": list(np.shape(a)), "data": [float(v) for v in np.ravel(np.asarray(a, dtype=np.float64))]}
out = {"source": "jax " + jax.__version__, "x": enc(x), "m": enc(m), "cases": {k: enc(v) for k, v in cases.items()}}
with open(os.path.join(os.path.dirname(__file__), "nn.json"), "w") as f:
    json.dump(out, f)
print(f"wrote {len(cases)} cases")
