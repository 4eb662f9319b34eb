"""Golden initial parameters from JAX's example_libraries.stax, to check that jaxts's stax consumes
PRNG keys exactly as stax does (run: ~/jaxref/bin/python test/golden/gen_stax_init.py).

For several keys and architectures: init_fun(PRNGKey(seed), input_shape) -> (output_shape, params),
params as float32 arrays (JAX's default precision, no x64), in the encoding of test/goldenTree.ts
(tuples as lists, arrays as {dtype, shape, data}). Each architecture is built in TS by the same
name in test/stax/staxInit.test.ts, so both sides must be kept in step.
"""
import json, math, os
import numpy as np
import jax
import jax.numpy as jnp
from jax.example_libraries import stax

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = [0, 1, 42]

# name -> (layer, input_shape)
ARCHS = {
    # serial of Dense/Relu: serial splits one key off per layer (rng, layer_rng = split(rng)).
    "mlp": (stax.serial(stax.Dense(8), stax.Relu, stax.Dense(4), stax.LogSoftmax), (3, 5)),
    # A Conv net with pooling, strides and padding given positionally, as stax users write them.
    "convnet": (
        stax.serial(
            stax.Conv(4, (3, 3)), stax.Relu, stax.MaxPool((2, 2), (2, 2)),
            stax.Conv(6, (3, 3), (1, 1), "SAME"), stax.Relu, stax.AvgPool((2, 2), (2, 2)),
            stax.Flatten, stax.Dense(3),
        ),
        (2, 10, 10, 3),
    ),
    # parallel splits its key n ways; FanOut and FanInSum take none.
    "fanout_parallel": (
        stax.serial(
            stax.FanOut(2),
            stax.parallel(stax.Dense(3), stax.serial(stax.Dense(4), stax.Relu, stax.Dense(3))),
            stax.FanInSum,
        ),
        (2, 5),
    ),
    "resnet_block": (
        stax.serial(
            stax.Conv(4, (3, 3), padding="SAME"),
            stax.FanOut(2),
            stax.parallel(stax.serial(stax.Conv(4, (3, 3), padding="SAME"), stax.BatchNorm(), stax.Relu), stax.Identity),
            stax.FanInSum,
            stax.ConvTranspose(2, (2, 2), (2, 2)),
            stax.Flatten,
            stax.Dense(2),
        ),
        (1, 4, 4, 2),
    ),
    # A single layer: Dense splits its key in two (W, b).
    "dense": (stax.Dense(3), (2, 4)),
    # Dropout in train mode: serial's apply_fun splits its rng n ways, one per layer. stax's
    # Dropout takes the keep rate (0.7 here); jaxts's takes the drop rate (0.3).
    "dropout_mlp": (stax.serial(stax.Dense(6), stax.Dropout(0.7), stax.Relu, stax.Dense(3), stax.Dropout(0.7, mode="train")), (4, 5)),
}

# Architectures whose apply_fun is also checked: output for a fixed input and apply key.
APPLY = {"mlp", "dropout_mlp"}


from encoding import enc_float  # noqa: E402


def enc_tree(t):
    if isinstance(t, (tuple, list)):
        return [enc_tree(c) for c in t]
    a = np.asarray(t)
    assert a.dtype == np.float32, a.dtype
    return {"dtype": "float32", "shape": list(a.shape), "data": [enc_float(v) for v in a.reshape(-1)]}


def shape_tree(s):
    if isinstance(s, (tuple, list)) and not all(isinstance(d, (int, np.integer)) for d in s):
        return [shape_tree(c) for c in s]
    return [int(d) for d in s]


def main():
    cases = []
    for name, (layer, in_shape) in ARCHS.items():
        init_fun, apply_fun = layer
        for seed in SEEDS:
            out_shape, params = init_fun(jax.random.PRNGKey(seed), in_shape)
            case = {"arch": name, "seed": seed, "inputShape": list(in_shape), "outputShape": shape_tree(out_shape), "params": enc_tree(params)}
            if name in APPLY:
                x = np.random.default_rng(seed).standard_normal(in_shape).astype(np.float32)
                y = apply_fun(params, jnp.asarray(x), rng=jax.random.PRNGKey(seed + 100))
                case["apply"] = {"input": enc_tree(x), "rngSeed": seed + 100, "output": enc_tree(y)}
            cases.append(case)
    path = os.path.join(HERE, "stax_init.json")
    with open(path, "w") as f:
        json.dump({"source": "jax " + jax.__version__ + " example_libraries.stax (float32)", "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
