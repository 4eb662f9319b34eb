#!/usr/bin/env python3
"""Golden values for five examples from JAX's documentation, run as the docs write them.

Run with the reference environment (JAX 0.10.2):

    ~/jaxref/bin/python test/golden/gen_docs.py

It writes test/golden/docs.json, which the ports in test/docs/*.test.ts replay (CI needs no
Python). Each section below names the page and section it copies; the code is the docs' code,
changed only where a docs example draws inputs from NumPy's global RNG (fixed inputs instead,
recorded in the JSON) or prints/plots (the values are recorded instead).

Encoding (as test/goldenTree.ts decodes it):
  array: {"dtype", "shape", "data": flat row-major list}  (floats: "nan", "inf", "-inf" as strings)
  tree:  array | [tree...] (tuples and lists) | {"dict": {key: tree}} | null
  Plain Python values (ints, strings in pytree examples) are stored as JSON under "plain".
"""
import json
import os

import numpy as np

import jax
import jax.numpy as jnp
from jax import custom_jvp, custom_vjp, grad, jacfwd, jacrev, jit, random, vmap

HERE = os.path.dirname(os.path.abspath(__file__))


from encoding import enc_array as _enc_array, enc_tree as _enc_tree


def enc_array(a):
    return _enc_array(a, bool_value=bool)


def enc_tree(t):
    return _enc_tree(t, enc_array)


out = {"source": "jax " + jax.__version__}

# --- 1. The autodiff cookbook: gradients of a logistic regression ----------------------------
# https://docs.jax.dev/en/latest/notebooks/autodiff_cookbook.html, "Gradients" (starting with
# "Differentiating with respect to nested lists, tuples, and dicts") and "Jacobians and Hessians
# using jacfwd and jacrev".
key = random.key(0)


def sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def predict(W, b, inputs):
    return sigmoid(jnp.dot(inputs, W) + b)


inputs = jnp.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
targets = jnp.array([True, True, False, True])


def loss(W, b):
    preds = predict(W, b, inputs)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


key, W_key, b_key = random.split(key, 3)
W = random.normal(W_key, (3,))
b = random.normal(b_key, ())

W_grad = grad(loss, argnums=0)(W, b)
b_grad = grad(loss, 1)(W, b)
W_grad2, b_grad2 = grad(loss, (0, 1))(W, b)


def loss2(params_dict):
    preds = predict(params_dict["W"], params_dict["b"], inputs)
    label_probs = preds * targets + (1 - preds) * (1 - targets)
    return -jnp.sum(jnp.log(label_probs))


dict_grads = grad(loss2)({"W": W, "b": b})
loss_value, Wb_grad = jax.value_and_grad(loss, (0, 1))(W, b)
# "Jacobians and Hessians": the Jacobian of predict with respect to W, both ways, and the Hessian.
J_fwd = jacfwd(predict, argnums=0)(W, b, inputs)
J_rev = jacrev(predict, argnums=0)(W, b, inputs)


def hessian(f):
    return jacfwd(jacrev(f))


H = hessian(lambda W: loss(W, b))(W)
out["cookbook"] = {
    "W": enc_array(W), "b": enc_array(b),
    "W_grad": enc_array(W_grad), "b_grad": enc_array(b_grad), "Wb_grad": enc_tree((W_grad2, b_grad2)),
    "dict_grads": enc_tree(dict_grads), "loss_value": enc_array(loss_value), "vg_grads": enc_tree(Wb_grad),
    "J_fwd": enc_array(J_fwd), "J_rev": enc_array(J_rev), "H": enc_array(H),
}

# --- 2. Custom derivative rules: log1pexp (custom_jvp) and clip_gradient (custom_vjp) --------
# https://docs.jax.dev/en/latest/notebooks/Custom_derivative_rules_for_Python_code.html,
# "TL;DR" / "Numerical stability" (log1pexp), "Convenience wrappers" (defjvps) and "Gradient
# clipping" (clip_gradient, whose bwd returns None for lo and hi).


def log1pexp_naive(x):
    return jnp.log(1.0 + jnp.exp(x))


@custom_jvp
def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    ans = log1pexp(x)
    ans_dot = (1 - 1 / (1 + jnp.exp(x))) * x_dot
    return ans, ans_dot


@custom_jvp
def log1pexp2(x):
    return jnp.log(1.0 + jnp.exp(x))


log1pexp2.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)


@custom_vjp
def clip_gradient(lo, hi, x):
    return x  # identity function


def clip_gradient_fwd(lo, hi, x):
    return x, (lo, hi)  # save bounds as residuals


def clip_gradient_bwd(res, g):
    lo, hi = res
    return (None, None, jnp.clip(g, lo, hi))  # use None to indicate zero cotangents for lo and hi


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


def clip_sin(x):
    x = clip_gradient(-0.75, 0.75, x)
    return jnp.sin(x)


t = jnp.linspace(0, 10, 1000)
out["custom"] = {
    "naive_grad_100": enc_array(grad(log1pexp_naive)(100.0)),
    "log1pexp_3": enc_array(log1pexp(3.0)),
    "grad_jit_3": enc_array(grad(jit(log1pexp))(3.0)),
    "vmap_jit_grad": enc_array(vmap(jit(grad(log1pexp)))(jnp.arange(3.0))),
    "grad_100": enc_array(grad(log1pexp)(100.0)),
    "defjvps_grad_100": enc_array(grad(log1pexp2)(100.0)),
    "defjvps_vmap_grad": enc_array(vmap(grad(log1pexp2))(jnp.arange(3.0))),
    "sin_grad": enc_array(vmap(grad(jnp.sin))(t)),
    "clip_sin_grad": enc_array(vmap(grad(clip_sin))(t)),
}

# --- 3. Pytrees ---------------------------------------------------------------------------------
# https://docs.jax.dev/en/latest/working-with-pytrees.html, "Common pytree functions" (leaves of
# the example trees, tree.map over one and two trees), "Example of jax.tree.map with ML model
# parameters" (the MLP with an SGD update by tree.map; its initial parameters drawn from a seeded
# NumPy generator and recorded, and xs/ys as in the page), "Transposing pytrees" (tree.map with
# *rest and jax.tree.transpose), plus is_leaf on tree.map (from the jax.tree.map docstring).
example_trees = [
    [1, "a", object()],
    (1, (2, 3), ()),
    [1, {"k1": 2, "k2": (3, 4)}, 5],
    {"a": 2, "b": (2, 3)},
    jnp.array([1, 2, 3]),
]
leaf_counts = [len(jax.tree.leaves(t)) for t in example_trees]
list_of_lists = [[1, 2, 3], [1, 2], [1, 2, 3, 4]]
doubled = jax.tree.map(lambda x: x * 2, list_of_lists)
summed = jax.tree.map(lambda x, y: x + y, list_of_lists, list_of_lists)

rng = np.random.default_rng(0)
layer_widths = [1, 128, 128, 1]
init_params = []
for n_in, n_out in zip(layer_widths[:-1], layer_widths[1:]):
    init_params.append(dict(weights=(rng.normal(size=(n_in, n_out)) * np.sqrt(2 / n_in)).astype(np.float32), biases=np.ones(shape=(n_out,), dtype=np.float32)))
params = jax.tree.map(jnp.asarray, init_params)
param_shapes = jax.tree.map(lambda x: list(x.shape), params)


def forward(params, x):
    *hidden, last = params
    for layer in hidden:
        x = jax.nn.relu(x @ layer["weights"] + layer["biases"])
    return x @ last["weights"] + last["biases"]


def loss_fn(params, x, y):
    return jnp.mean((forward(params, x) - y) ** 2)


LEARNING_RATE = 0.0001


@jax.jit
def update(params, x, y):
    grads = jax.grad(loss_fn)(params, x, y)
    # Note that `grads` is a pytree with the same structure as `params`.
    # `jax.grad` is one of many JAX functions that has
    # built-in support for pytrees.
    # This is handy, because you can apply the SGD update using tree utils:
    return jax.tree.map(lambda p, g: p - LEARNING_RATE * g, params, grads)


xs = np.linspace(-1, 1, 128, dtype=np.float32).reshape(128, 1)
ys = xs**2
losses = []
for _ in range(5):
    params = update(params, xs, ys)
    losses.append(loss_fn(params, xs, ys))


def tree_transpose(list_of_trees):
    return jax.tree.map(lambda *xs: list(xs), *list_of_trees)


episode_steps = [dict(t=1, obs=3), dict(t=2, obs=4)]
transposed_map = tree_transpose(episode_steps)
transposed = jax.tree.transpose(
    outer_treedef=jax.tree.structure([0 for e in episode_steps]),
    inner_treedef=jax.tree.structure(episode_steps[0]),
    pytree_to_transpose=episode_steps,
)
# is_leaf: treat the (2-element) lists as leaves.
is_leaf_sums = jax.tree.map(lambda pair: pair[0] + pair[1], {"a": [1, 2], "b": {"c": [3, 4]}}, is_leaf=lambda x: isinstance(x, list))
out["pytrees"] = {
    "plain": {
        "leaf_counts": leaf_counts, "doubled": doubled, "summed": summed, "param_shapes": param_shapes,
        "transposed_map": transposed_map, "transposed": transposed, "is_leaf_sums": is_leaf_sums,
    },
    "init_params": enc_tree(init_params), "xs": enc_array(xs), "ys": enc_array(ys),
    "final_params": enc_tree(params), "losses": [enc_array(l) for l in losses],
}

# --- 4. Pseudorandom numbers --------------------------------------------------------------------
# https://docs.jax.dev/en/latest/random-numbers.html, "Random numbers in JAX" (the same key gives
# the same draw; split, and the loop over split keys) and "Splitting" with num.
key = random.key(42)
draw_a = random.normal(key)
draw_b = random.normal(key)
loop_draws = []
for i in range(3):
    new_key, subkey = random.split(key)
    del key  # The old key is consumed by split() -- we must never use it again.
    val = random.normal(subkey)
    del subkey  # The subkey is consumed by normal().
    loop_draws.append(val)
    key = new_key  # new_key is safe to use in the next iteration.
key_after_loop = random.key_data(key)
key, subkey = random.split(key)
split_subkey = random.key_data(subkey)
key, *forty_two_subkeys = random.split(key, num=43)
key = random.key(42)
subkeys = random.split(key, 3)
sequence = np.stack([random.normal(subkey) for subkey in subkeys])
out["random"] = {
    "draw_a": enc_array(draw_a), "draw_b": enc_array(draw_b), "loop_draws": [enc_array(v) for v in loop_draws],
    "key_after_loop": enc_array(key_after_loop), "split_subkey": enc_array(split_subkey),
    "subkey_0_of_42": enc_array(random.key_data(forty_two_subkeys[0])), "subkey_41_of_42": enc_array(random.key_data(forty_two_subkeys[41])),
    "sequence": enc_array(sequence), "uniform_3": enc_array(random.uniform(random.key(42), (3,))),
}

# --- 5. Stop gradients and per-example gradients ------------------------------------------------
# https://docs.jax.dev/en/latest/advanced-autodiff.html, "Stop gradients" (TD(0) learning) and
# "Per-example gradients"; and https://docs.jax.dev/en/latest/automatic-vectorization.html,
# "Automatic vectorization" (convolve under vmap with in_axes).
value_fn = lambda theta, state: jnp.dot(theta, state)
theta = jnp.array([0.1, -0.1, 0.0])
s_tm1 = jnp.array([1.0, 2.0, -1.0])
r_t = jnp.array(1.0)
s_t = jnp.array([2.0, 1.0, 0.0])


def td_loss(theta, s_tm1, r_t, s_t):
    v_tm1 = value_fn(theta, s_tm1)
    target = r_t + value_fn(theta, s_t)
    return -0.5 * ((jax.lax.stop_gradient(target) - v_tm1) ** 2)


td_update = jax.grad(td_loss)
delta_theta = td_update(theta, s_tm1, r_t, s_t)
batched_s_tm1 = jnp.stack([s_tm1, s_tm1])
batched_r_t = jnp.stack([r_t, r_t])
batched_s_t = jnp.stack([s_t, s_t])
perex_grads = jax.jit(jax.vmap(jax.grad(td_loss), in_axes=(None, 0, 0, 0)))
per_example = perex_grads(theta, batched_s_tm1, batched_r_t, batched_s_t)

x = jnp.arange(5)
w = jnp.array([2.0, 3.0, 4.0])


def convolve(x, w):
    output = []
    for i in range(1, len(x) - 1):
        output.append(jnp.dot(x[i - 1 : i + 2], w))
    return jnp.array(output)


xs = jnp.stack([x, x])
ws = jnp.stack([w, w])
out["vmap"] = {
    "delta_theta": enc_array(delta_theta), "per_example": enc_array(per_example),
    "convolve": enc_array(convolve(x, w)), "auto_batch": enc_array(jax.vmap(convolve)(xs, ws)),
    "in_axes_none": enc_array(jax.vmap(convolve, in_axes=[0, None])(xs, w)),
    "transposed": enc_array(jax.vmap(convolve, in_axes=1, out_axes=1)(xs.transpose(), ws.transpose())),
    "jit_vmap": enc_array(jax.jit(jax.vmap(convolve))(xs, ws)),
}

with open(os.path.join(HERE, "docs.json"), "w") as f:
    json.dump(out, f)
print("wrote", ", ".join(k for k in out if k != "source"))
