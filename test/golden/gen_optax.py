"""Golden values from real optax (run: ~/jaxref/bin/python test/golden/gen_optax.py).

Writes test/golden/optax.json, replayed by test/optax/golden.test.ts. Everything is float32
(JAX's default) except the schedules' "f64" values, which come from a second run of this script
with x64 enabled (`gen_optax.py x64`) and evaluate each schedule at plain Python ints: jaxts
schedules called with a JS number compute in double precision, so they are compared with those.

Sections (arrays are {"shape", "dtype", "data": flat list}; non-finite floats are the strings
"inf", "-inf", "nan"):
- "problem": the parameter tree {"b": f32[3], "layers": [f32[2,2], f32[]], "w": f32[2,3]} as
  leaves in JAX's flatten order (b, layers[0], layers[1], w), and 5 steps of fixed gradients.
- "optimizers": for each named optimizer (the TS test builds the same one from the name), per
  step the updates and the new parameters, as leaves.
- "train": 5 steps of adam on a linear regression whose gradients come from jax.grad.
- "schedules": values at the listed steps, "f32" from an int32 array count (what optimizers
  pass) and "f64" from Python ints under x64.
- "losses": each loss on fixed inputs (extreme logits included), its output and the gradient of
  its sum with respect to the first argument.
"""
import json
import os
import subprocess
import sys

import numpy as onp

X64 = len(sys.argv) > 1 and sys.argv[1] == "x64"

import jax  # noqa: E402

jax.config.update("jax_enable_x64", X64)
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402


def enc_value(v):
    v = float(v)
    if onp.isnan(v):
        return "nan"
    if onp.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def enc(a):
    a = onp.asarray(a)
    data = a.reshape(-1).tolist()
    if a.dtype.kind == "f":
        data = [enc_value(x) for x in data]
    return {"shape": list(a.shape), "dtype": str(a.dtype), "data": data}


def leaves(t):
    return [enc(x) for x in jax.tree.leaves(t)]


# --- schedules -----------------------------------------------------------------------------------

SCHEDULES = {
    "constant": lambda: optax.constant_schedule(0.3),
    "linear": lambda: optax.linear_schedule(1.0, 0.1, 10),
    "linear_begin": lambda: optax.linear_schedule(0.0, 1.0, 5, transition_begin=3),
    "linear_zero_steps": lambda: optax.linear_schedule(0.5, 0.1, 0),
    "polynomial": lambda: optax.polynomial_schedule(1.0, 0.01, 2, 8, transition_begin=2),
    "polynomial_frac_power": lambda: optax.polynomial_schedule(2.0, 0.5, 0.5, 10),
    "cosine": lambda: optax.cosine_decay_schedule(1.0, 10),
    "cosine_alpha_exponent": lambda: optax.cosine_decay_schedule(0.5, 7, alpha=0.1, exponent=2.0),
    "warmup_cosine": lambda: optax.warmup_cosine_decay_schedule(0.0, 1.0, 3, 10, end_value=0.05),
    "warmup_cosine_exponent": lambda: optax.warmup_cosine_decay_schedule(0.1, 2.0, 4, 12, exponent=1.5),
    "exponential": lambda: optax.exponential_decay(1.0, 3, 0.5),
    "exponential_staircase": lambda: optax.exponential_decay(2.0, 4, 0.3, transition_begin=2, staircase=True),
    "exponential_end": lambda: optax.exponential_decay(1.0, 2, 0.5, end_value=0.2),
    "exponential_growth_end": lambda: optax.exponential_decay(0.1, 2, 2.0, end_value=0.9),
    "piecewise": lambda: optax.piecewise_constant_schedule(0.1, {3: 0.5, 6: 0.1, 9: 2.0}),
    "piecewise_none": lambda: optax.piecewise_constant_schedule(0.7),
    "join": lambda: optax.join_schedules(
        [optax.constant_schedule(1.0), optax.linear_schedule(1.0, 0.0, 4), optax.constant_schedule(0.25)], [3, 7]
    ),
}
STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 20, 100, 1000]


def schedules_f64():
    return {name: [float(make()(s)) for s in STEPS] for name, make in SCHEDULES.items()}


if X64:
    print(json.dumps(schedules_f64()))
    sys.exit(0)


def schedules_f32():
    out = {}
    for name, make in SCHEDULES.items():
        sched = make()
        vals = [jnp.asarray(sched(jnp.asarray(s, jnp.int32)), jnp.float32) for s in STEPS]
        out[name] = [enc_value(v) for v in vals]
    return out


# --- optimizers ----------------------------------------------------------------------------------

rng = onp.random.default_rng(0)


def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(onp.float32)


def make_tree(b, l0, l1, w):
    return {"b": jnp.asarray(b), "layers": [jnp.asarray(l0), jnp.asarray(l1)], "w": jnp.asarray(w)}


PARAMS = make_tree(f32(3), f32(2, 2), f32(), f32(2, 3))
GRAD_SCALES = [1.0, 0.05, 4.0, 0.5, 1.5]
GRADS = []
for k, s in enumerate(GRAD_SCALES):
    b = f32(3, scale=s)
    if k < 2:
        b[1] = 0.0  # exact zeros: adagrad with a zero accumulator, adam with zero moments
    GRADS.append(make_tree(b, f32(2, 2, scale=s), f32(scale=s), f32(2, 3, scale=s)))

OPTIMIZERS = {
    "sgd": lambda: optax.sgd(0.1),
    "sgd_momentum": lambda: optax.sgd(0.1, momentum=0.9),
    "sgd_nesterov": lambda: optax.sgd(0.1, momentum=0.9, nesterov=True),
    "sgd_piecewise": lambda: optax.sgd(optax.piecewise_constant_schedule(0.1, {2: 0.5, 4: 0.1}), momentum=0.5),
    "sgd_join": lambda: optax.sgd(optax.join_schedules([optax.constant_schedule(0.1), optax.linear_schedule(0.1, 0.0, 3)], [2])),
    "adam": lambda: optax.adam(1e-2),
    "adam_options": lambda: optax.adam(1e-2, b1=0.8, b2=0.99, eps=1e-6, eps_root=1e-8),
    "adam_nesterov": lambda: optax.adam(1e-2, nesterov=True),
    "nadam": lambda: optax.nadam(3e-2, b1=0.7),
    "adam_warmup_cosine": lambda: optax.adam(optax.warmup_cosine_decay_schedule(0.0, 0.1, 2, 5, end_value=0.01)),
    "adam_polynomial": lambda: optax.adam(optax.polynomial_schedule(0.1, 0.001, 2, 4)),
    "adamw": lambda: optax.adamw(1e-2, weight_decay=0.1),
    "adamw_default": lambda: optax.adamw(1e-2),
    "adamw_mask_prefix": lambda: optax.adamw(1e-2, weight_decay=0.1, mask={"b": False, "layers": True, "w": True}),
    "adamw_mask_fn": lambda: optax.adamw(1e-2, weight_decay=0.1, mask=lambda p: jax.tree.map(lambda x: x.ndim > 1, p)),
    "adamw_wd_schedule": lambda: optax.adamw(1e-2, weight_decay=optax.linear_schedule(0.1, 0.0, 4)),
    "nadamw": lambda: optax.nadamw(1e-2, weight_decay=0.05),
    "rmsprop": lambda: optax.rmsprop(1e-2),
    "rmsprop_centered_momentum": lambda: optax.rmsprop(
        1e-2, decay=0.8, eps=1e-6, initial_scale=0.1, centered=True, momentum=0.9, nesterov=True
    ),
    "rmsprop_bias_correction": lambda: optax.rmsprop(1e-2, eps_in_sqrt=False, bias_correction=True),
    "rmsprop_centered_bias": lambda: optax.rmsprop(1e-2, centered=True, bias_correction=True, initial_scale=1.0),
    "rmsprop_exponential": lambda: optax.rmsprop(optax.exponential_decay(0.01, 2, 0.5, staircase=True), momentum=0.9),
    "adagrad": lambda: optax.adagrad(0.1),
    "adagrad_zero_init": lambda: optax.adagrad(0.1, initial_accumulator_value=0.0, eps=1e-6),
    "lamb": lambda: optax.lamb(1e-2),
    "lamb_wd_mask": lambda: optax.lamb(1e-2, weight_decay=0.01, mask={"b": False, "layers": [True, False], "w": True}),
    "lion": lambda: optax.lion(1e-3),
    "lion_options": lambda: optax.lion(1e-3, b1=0.95, b2=0.98, weight_decay=0.1),
    "chain_clip_global_norm_adam_cosine": lambda: optax.chain(
        optax.clip_by_global_norm(1.0),
        optax.scale_by_adam(),
        optax.scale_by_learning_rate(optax.cosine_decay_schedule(0.1, 5, alpha=0.1)),
    ),
    "chain_clip_scale": lambda: optax.chain(optax.clip(0.05), optax.scale(-0.5)),
    "chain_decay_trace_lr": lambda: optax.chain(
        optax.add_decayed_weights(1e-2), optax.trace(decay=0.5), optax.scale_by_learning_rate(0.1, flip_sign=False)
    ),
    "chain_sign": lambda: optax.chain(optax.scale_by_sign(), optax.scale(-0.01)),
    "chain_identity_set_to_zero": lambda: optax.chain(optax.identity(), optax.set_to_zero()),
    "scale_by_schedule": lambda: optax.scale_by_schedule(optax.linear_schedule(1.0, 0.0, 4, transition_begin=1)),
    "scale_by_rms": lambda: optax.scale_by_rms(decay=0.5, eps=1e-4),
    "scale_by_stddev": lambda: optax.scale_by_stddev(decay=0.5, eps=1e-4, initial_scale=0.5),
    "scale_by_trust_ratio": lambda: optax.scale_by_trust_ratio(min_norm=0.5, trust_coefficient=0.1, eps=1e-3),
    "masked_sgd_momentum": lambda: optax.masked(optax.sgd(0.1, momentum=0.9), {"b": False, "layers": [True, False], "w": True}),
    "masked_fn_adam": lambda: optax.masked(optax.adam(0.1), lambda p: {"b": True, "layers": False, "w": False}),
    "masked_all_false": lambda: optax.masked(optax.adam(0.1), {"b": False, "layers": False, "w": False}),
    "add_decayed_weights_masked_schedule": lambda: optax.add_decayed_weights(
        optax.exponential_decay(0.5, 1, 0.5), mask={"b": True, "layers": [False, True], "w": False}
    ),
}


def run_optimizer(opt):
    params = PARAMS
    state = opt.init(params)
    steps = []
    for g in GRADS:
        updates, state = opt.update(g, state, params)
        params = optax.apply_updates(params, updates)
        steps.append({"updates": leaves(updates), "params": leaves(params)})
    return steps


# --- a training run with gradients from jax.grad --------------------------------------------------

TRAIN_X = f32(8, 3)
TRAIN_Y = f32(8)
TRAIN_PARAMS = {"w": jnp.asarray(f32(3)), "b": jnp.asarray(onp.float32(0.0))}


def train():
    def loss_fn(p, x, y):
        return jnp.mean(optax.squared_error(x @ p["w"] + p["b"], y))

    opt = optax.adam(0.1)
    params = TRAIN_PARAMS
    state = opt.init(params)
    steps = []
    for _ in range(5):
        loss, g = jax.value_and_grad(loss_fn)(params, TRAIN_X, TRAIN_Y)
        updates, state = opt.update(g, state, params)
        params = optax.apply_updates(params, updates)
        steps.append({"loss": enc_value(loss), "params": leaves(params)})
    return {"x": enc(TRAIN_X), "y": enc(TRAIN_Y), "params": leaves(TRAIN_PARAMS), "steps": steps}


# --- losses ----------------------------------------------------------------------------------------

def arr(x, dtype=onp.float32):
    return onp.asarray(x, dtype=dtype)


PRED = f32(2, 3, scale=2.0)
TARG = f32(2, 3, scale=2.0)
LOGITS = arr([[1.0, 2.0, -0.5, 0.0], [3.0, -1.0, 0.5, 0.25], [-2.0, 0.0, 1.5, 4.0]])
EXTREME = arr([[1e4, 0.0, -1e4, 5.0], [100.0, 100.0, -100.0, 0.0], [-88.0, 88.0, 0.0, -1e4], [3e4, 3e4, 3e4, 3e4]])
ONE_HOT = arr([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
SOFT = arr([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.7, 0.0, 0.3, 0.0]])
EXTREME_LABELS = arr([[0, 1, 0, 0], [0.5, 0.5, 0, 0], [0.2, 0.3, 0.5, 0], [0, 0, 0.5, 0.5]])
SIG_LOGITS = arr([[-100.0, -20.0, -1.0, 0.0, 1.0], [20.0, 100.0, 1e4, -1e4, 0.5]])
SIG_LABELS = arr([[0.0, 1.0, 0.3, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0, 0.75]])
INF_LOGITS = arr([[-onp.inf, 0.0, 1.0], [2.0, -onp.inf, -onp.inf]])

LOSSES = [
    # name, fn, args, opts (python kwargs == ts options)
    ("squared_error", "squaredError", [PRED, TARG], {}),
    ("squared_error_no_targets", "squaredError", [PRED], {}),
    ("l2_loss", "l2Loss", [PRED, TARG], {}),
    ("l2_loss_no_targets", "l2Loss", [PRED], {}),
    ("huber_loss", "huberLoss", [PRED, TARG], {}),
    ("huber_loss_delta", "huberLoss", [PRED, TARG], {"delta": 0.5}),
    ("huber_loss_no_targets", "huberLoss", [PRED * 3], {"delta": 2.0}),
    ("softmax_cross_entropy_one_hot", "softmaxCrossEntropy", [LOGITS, ONE_HOT], {}),
    ("softmax_cross_entropy_soft", "softmaxCrossEntropy", [LOGITS, SOFT], {}),
    ("softmax_cross_entropy_axis0", "softmaxCrossEntropy", [LOGITS, SOFT], {"axis": 0}),
    ("softmax_cross_entropy_extreme", "softmaxCrossEntropy", [EXTREME, EXTREME_LABELS], {}),
    ("softmax_cross_entropy_int", "softmaxCrossEntropyWithIntegerLabels", [LOGITS, arr([1, 0, 3], onp.int32)], {}),
    ("softmax_cross_entropy_int_axis0", "softmaxCrossEntropyWithIntegerLabels", [LOGITS, arr([2, 0, 1, 2], onp.int32)], {"axis": 0}),
    ("softmax_cross_entropy_int_extreme", "softmaxCrossEntropyWithIntegerLabels", [EXTREME, arr([2, 0, 1, 3], onp.int32)], {}),
    ("softmax_cross_entropy_int_neg_inf", "softmaxCrossEntropyWithIntegerLabels", [INF_LOGITS, arr([2, 0], onp.int32)], {}),
    (
        "softmax_cross_entropy_int_axis_tuple",
        "softmaxCrossEntropyWithIntegerLabels",
        [f32(2, 3, 2), arr([5, 1], onp.int32)],
        {"axis": (1, 2)},
    ),
    ("sigmoid_binary_cross_entropy", "sigmoidBinaryCrossEntropy", [SIG_LOGITS, SIG_LABELS], {}),
]

LOSS_FNS = {
    "squaredError": optax.squared_error,
    "l2Loss": optax.l2_loss,
    "huberLoss": optax.huber_loss,
    "softmaxCrossEntropy": optax.softmax_cross_entropy,
    "softmaxCrossEntropyWithIntegerLabels": optax.softmax_cross_entropy_with_integer_labels,
    "sigmoidBinaryCrossEntropy": optax.sigmoid_binary_cross_entropy,
}


def losses():
    out = []
    for name, fn, args, opts in LOSSES:
        f = LOSS_FNS[fn]
        jargs = [jnp.asarray(a) for a in args]
        value = f(*jargs, **opts)
        g = jax.grad(lambda x: jnp.sum(f(x, *jargs[1:], **opts)))(jargs[0])
        enc_opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}
        out.append({"name": name, "fn": fn, "args": [enc(a) for a in args], "opts": enc_opts, "out": enc(value), "grad": enc(g)})
    return out


def main():
    res = subprocess.run([sys.executable, __file__, "x64"], capture_output=True, text=True, check=True)
    f64 = json.loads(res.stdout)
    f32_vals = schedules_f32()
    golden = {
        "source": f"optax {optax.__version__}, jax {jax.__version__}",
        "problem": {"params": leaves(PARAMS), "grads": [leaves(g) for g in GRADS]},
        "optimizers": [{"name": name, "steps": run_optimizer(make())} for name, make in OPTIMIZERS.items()],
        "train": train(),
        "schedules": {
            "steps": STEPS,
            "cases": [{"name": name, "f32": f32_vals[name], "f64": f64[name]} for name in SCHEDULES],
        },
        "losses": losses(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optax.json")
    with open(path, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(golden['optimizers'])} optimizers, {len(SCHEDULES)} schedules, {len(golden['losses'])} losses to {path}")


if __name__ == "__main__":
    main()
