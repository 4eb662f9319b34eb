"""Golden safetensors files (run: ~/jaxref/bin/python test/golden/gen_safetensors.py [--verify]).

1. Writes test/golden/safetensors/python.safetensors with Python's `safetensors` package: one
   tensor per dtype jaxts reads, under dotted names, with metadata; and python.json, the same
   content as JSON (flat values; float16 as the float values), which test/io/safetensors.test.ts
   loads our reading of the file against.
2. With --verify: loads test/golden/safetensors/jaxts.safetensors (written by that test with
   JAXTS_WRITE_GOLDEN=1 from python.json's content) with the Python package, checks every tensor
   and the metadata against python.json, and records the file's sha256 in jaxts.verified.json.
   The test then asserts that jaxts still writes exactly those bytes, so CI needs no Python.
"""
import hashlib, json, os, sys
import numpy as np
import safetensors
from safetensors.numpy import load, save

HERE = os.path.join(os.path.dirname(__file__), "safetensors")
os.makedirs(HERE, exist_ok=True)


def tensors():
    def vals(n, lo, hi):  # deterministic, covering negatives and extremes
        return [lo + ((i * 7919) % (hi - lo + 1)) for i in range(n)]
    return {
        "encoder.layers.0.weight": np.array(vals(12, -50, 50), dtype=np.float32).reshape(3, 4) / 7,
        "encoder.layers.0.bias": np.array([0.1, -0.2, 3.4e38, -1e-40], dtype=np.float32),
        "encoder.layers.1.weight": (np.array(vals(6, -9, 9), dtype=np.float64) / 3).reshape(2, 3),
        "head.counts": np.array(vals(5, -(2**31), 2**31 - 1), dtype=np.int32),
        "head.ids": np.array(vals(4, 0, 2**32 - 1), dtype=np.uint32).reshape(2, 2),
        "head.mask": np.array([True, False, True], dtype=np.bool_),
        "quant.q": np.array(vals(8, -128, 127), dtype=np.int8).reshape(2, 2, 2),
        "quant.pixels": np.array(vals(6, 0, 255), dtype=np.uint8),
        "half.w": np.array([0.1, -2.5, 65504, 6e-8, 1 / 3, 0], dtype=np.float16).reshape(3, 2),
        "scalar": np.array(2.5, dtype=np.float32),
    }


def as_json(ts):
    return {k: {"dtype": str(v.dtype), "shape": list(v.shape), "values": [bool(x) if v.dtype == np.bool_ else float(x) if v.dtype.kind == "f" else int(x) for x in v.reshape(-1)]} for k, v in ts.items()}


METADATA = {"format": "np", "source": "gen_safetensors.py"}

if "--verify" in sys.argv:
    path = os.path.join(HERE, "jaxts.safetensors")
    data = open(path, "rb").read()
    loaded = load(data)
    expected = tensors()
    assert sorted(loaded) == sorted(expected), (sorted(loaded), sorted(expected))
    for k, v in expected.items():
        got = loaded[k]
        assert got.dtype == v.dtype and got.shape == v.shape, (k, got.dtype, got.shape)
        assert got.tobytes() == v.tobytes(), k  # bit-identical
    # The metadata jaxts wrote: the user's entries plus its tree structure.
    from safetensors import safe_open
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".safetensors") as f:
        f.write(data); f.flush()
        with safe_open(f.name, "np") as sf:
            meta = sf.metadata()
    for k, v in METADATA.items():
        assert meta[k] == v, (k, meta)
    out = {"safetensors": safetensors.__version__, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "tensors": len(loaded), "metadata": meta}
    json.dump(out, open(os.path.join(HERE, "jaxts.verified.json"), "w"), indent=1)
    print("verified", out)
else:
    ts = tensors()
    open(os.path.join(HERE, "python.safetensors"), "wb").write(save(ts, metadata=METADATA))
    json.dump({"safetensors": safetensors.__version__, "metadata": METADATA, "tensors": as_json(ts)}, open(os.path.join(HERE, "python.json"), "w"), indent=1)
    print("wrote", len(ts), "tensors")
