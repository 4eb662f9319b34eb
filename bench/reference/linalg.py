"""Reference times for the linear-algebra bench cells (cholesky256, solve256, svd256) on one
CPU thread: JAX (jit, XLA's LAPACK-backed kernels) and NumPy (LAPACK through its BLAS), f32
256x256 inputs shaped like bench/common.mjs's (an SPD G G^T/n + I; a general matrix shifted by
16 on the diagonal with one right-hand side; a uniform matrix for the SVD, u, s and vh computed).

Run from the repository root (the thread settings must be in place before numpy and jax load):
    ~/jaxref/bin/python bench/reference/linalg.py > bench/reference/linalg.txt
Prints median and min per call (wall clock and process CPU time) over repeated samples.
"""
import os

os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

N = 256
rng = np.random.default_rng(0)
g = rng.standard_normal((N, N)).astype(np.float32)
spd = (g @ g.T / N + np.eye(N, dtype=np.float32)).astype(np.float32)
gen = rng.uniform(-1, 1, (N, N)).astype(np.float32) + 16 * np.eye(N, dtype=np.float32)
rhs = rng.uniform(-1, 1, (N, 1)).astype(np.float32)
uni = rng.uniform(-1, 1, (N, N)).astype(np.float32)


def timeit(f, budget=2.0, samples=11):
    """Median and min seconds per call, wall and process CPU time: samples of ~budget/samples
    seconds each, after a warmup (CPU time is the steadier one on a busy machine)."""
    f()
    t0 = time.perf_counter()
    f()
    one = max(time.perf_counter() - t0, 1e-6)
    reps = max(1, int(budget / samples / one))
    wall, cpu = [], []
    for _ in range(samples):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(reps):
            f()
        wall.append((time.perf_counter() - t0) / reps)
        cpu.append((time.process_time() - c0) / reps)
    return statistics.median(wall), min(wall), statistics.median(cpu), min(cpu)


jchol = jax.jit(jnp.linalg.cholesky)
jsolve = jax.jit(jnp.linalg.solve)
jsvd = jax.jit(lambda a: jnp.linalg.svd(a))
ja, jg, jb, ju = (jax.device_put(x) for x in (spd, gen, rhs, uni))
cases = [
    ("cholesky256", "jax", lambda: jchol(ja).block_until_ready()),
    ("cholesky256", "numpy", lambda: np.linalg.cholesky(spd)),
    ("solve256", "jax", lambda: jsolve(jg, jb).block_until_ready()),
    ("solve256", "numpy", lambda: np.linalg.solve(gen, rhs)),
    ("svd256", "jax", lambda: jax.block_until_ready(jsvd(ju))),
    ("svd256", "numpy", lambda: np.linalg.svd(uni)),
]
print(f"# one thread; jax {jax.__version__} (jaxlib, XLA CPU), numpy {np.__version__}; {platform.processor() or platform.machine()}, python {platform.python_version()}")
print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} logical cores)")
print(f"# {'cell':<12} {'system':<6} {'wall median':>12} {'wall min':>10} {'cpu median':>11} {'cpu min':>10}   (ms per call)")
for cell, system, f in cases:
    wm, wn, cm, cn = timeit(f)
    print(f"{cell:<14} {system:<6} {wm * 1e3:>12.3f} {wn * 1e3:>10.3f} {cm * 1e3:>11.3f} {cn * 1e3:>10.3f}")
