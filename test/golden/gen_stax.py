"""Golden values for stax layers from JAX's example_libraries.stax (run: ~/jaxref/bin/python test/golden/gen_stax.py).

For each layer: the output shape and param shapes from init_fun, and apply_fun's output for
given (deterministic, non-random) params and inputs. jaxts's Dropout takes the drop rate, so
Dropout is checked in eval mode only here (train mode is tested statistically in TS).
"""
import json, os
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
from jax.example_libraries import stax

rng = np.random.default_rng(0)
def arr(*shape):
    return rng.standard_normal(shape)

def enc(x):
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    a = np.asarray(x, dtype=np.float64)
    return {"shape": list(a.shape), "data": a.ravel().tolist()}

def shapes(p):
    if isinstance(p, (list, tuple)):
        return [shapes(v) for v in p]
    return [int(d) for d in np.shape(p)]

# name -> (layer, input_shape, params-maker or None (use init shapes with random normal values))
LAYERS = {
    "Dense": (stax.Dense(5), (3, 4)),
    "Conv_valid": (stax.Conv(3, (3, 3)), (2, 6, 5, 2)),
    "Conv_same_strided": (stax.Conv(4, (3, 2), strides=(2, 1), padding="SAME"), (2, 7, 6, 3)),
    "ConvTranspose_same": (stax.ConvTranspose(3, (3, 3), strides=(2, 2), padding="SAME"), (1, 4, 5, 2)),
    "ConvTranspose_valid": (stax.ConvTranspose(2, (2, 3), strides=(2, 1), padding="VALID"), (1, 3, 4, 2)),
    "BatchNorm": (stax.BatchNorm(), (4, 3, 3, 2)),
    "BatchNorm_axis0": (stax.BatchNorm(axis=(0,)), (5, 3)),
    "MaxPool": (stax.MaxPool((2, 2), strides=(2, 2)), (2, 6, 6, 3)),
    "MaxPool_same": (stax.MaxPool((3, 3), strides=(2, 2), padding="SAME"), (1, 5, 5, 2)),
    "AvgPool_same": (stax.AvgPool((3, 3), strides=(2, 2), padding="SAME"), (1, 5, 5, 2)),
    "SumPool": (stax.SumPool((2, 3)), (1, 4, 5, 2)),
    "Flatten": (stax.Flatten, (2, 3, 4)),
    "Relu": (stax.Relu, (3, 4)),
    "Tanh": (stax.Tanh, (3, 4)),
    "Sigmoid": (stax.Sigmoid, (3, 4)),
    "Elu": (stax.Elu, (3, 4)),
    "LeakyRelu": (stax.LeakyRelu, (3, 4)),
    "Gelu": (stax.Gelu, (3, 4)),
    "Softplus": (stax.Softplus, (3, 4)),
    "LogSoftmax": (stax.LogSoftmax, (3, 4)),
    "Softmax": (stax.Softmax, (3, 4)),
    "Identity": (stax.Identity, (3, 4)),
    "serial_mlp": (stax.serial(stax.Dense(6), stax.Relu, stax.Dense(3), stax.LogSoftmax), (4, 5)),
    "serial_fanout_parallel": (stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Identity), stax.FanInConcat()), (2, 3)),
    "serial_fanout_sum": (stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Dense(3)), stax.FanInSum), (2, 4)),
    "Dropout_eval": (stax.Dropout(0.7, mode="test"), (3, 4)),
}

out = {}
for name, (layer, in_shape) in LAYERS.items():
    init_fun, apply_fun = layer
    out_shape, params = init_fun(jax.random.PRNGKey(0), in_shape)
    # Replace params with deterministic values of the same shapes.
    params = jax.tree_util.tree_map(lambda p: jnp.asarray(arr(*np.shape(p))), params)
    x = arr(*in_shape)
    y = apply_fun(params, jnp.asarray(x), rng=jax.random.PRNGKey(1))
    out[name] = {
        "inputShape": list(in_shape),
        "outputShape": json.loads(json.dumps(out_shape, default=int)),
        "paramShapes": shapes(params),
        "params": enc(params),
        "input": enc(x),
        "output": enc(y),
    }

path = os.path.join(os.path.dirname(__file__), "stax.json")
with open(path, "w") as f:
    json.dump({"source": "jax " + jax.__version__ + " example_libraries.stax", "layers": out}, f)
print(f"wrote {len(out)} layers to {path}")
