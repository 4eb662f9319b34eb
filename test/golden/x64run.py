"""
The float64 half of a golden generator that covers both widths. JAX's x64 mode is set once, at
start-up, so the script runs itself a second time with --x64, in parallel (JAX's compiles
dominate the time); that run prints its cases as JSON and the first run appends them to its own.

    from x64run import X64, start_x64_run, write_cases  # before `import jax.numpy`

Importing this module imports jax and, in the --x64 run, enables x64.
"""
import json
import subprocess
import sys

import jax

X64 = "--x64" in sys.argv
if X64:
    jax.config.update("jax_enable_x64", True)


def start_x64_run(script):
    """In the first run: `script --x64` started in the background; in the x64 run itself: None."""
    return None if X64 else subprocess.Popen([sys.executable, script, "--x64"], stdout=subprocess.PIPE, text=True)


def write_cases(x64_run, cases, path):
    """The x64 run prints its cases; the first run waits for them, appends them to its own and
    writes {"jax": version, "cases": [...]} to `path`."""
    if X64:
        print(json.dumps(cases))
        return
    out, _ = x64_run.communicate()
    assert x64_run.returncode == 0, "the x64 run failed"
    cases += json.loads(out)
    with open(path, "w") as f:
        json.dump({"jax": jax.__version__, "cases": cases}, f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases")
