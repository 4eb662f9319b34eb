"""
JSON encoding shared by the golden-value generators: non-finite floats as strings (JSON has no
NaN or infinity), arrays as {dtype, shape, data}, pytrees of tuples/lists/dicts around them.
The TypeScript side reads these back in test/golden/ helpers.
"""

import math

import numpy as np


def enc_float(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def enc_array(a, dtypes=None, bool_value=int):
    """An array as {dtype, shape, data}. `dtypes`, when given, is the set of numpy dtypes a
    generator expects (anything else is a mistake in the case table); bools are written with
    `bool_value` (int: 0/1, bool: true/false), integers as ints, floats through enc_float."""
    a = np.asarray(a)
    if dtypes is not None:
        assert a.dtype in dtypes, a.dtype
    flat = a.reshape(-1)
    if a.dtype == np.bool_:
        data = [bool_value(v) for v in flat]
    elif np.issubdtype(a.dtype, np.integer):
        data = [int(v) for v in flat]
    else:
        data = [enc_float(v) for v in flat]
    return {"dtype": "bool" if a.dtype == np.bool_ else str(a.dtype), "shape": list(a.shape), "data": data}


def enc_tree(t, enc_leaf=enc_array):
    """A pytree: None, tuples/lists as lists, dicts as {"dict": ...} with sorted keys."""
    if t is None:
        return None
    if isinstance(t, (tuple, list)):
        return [enc_tree(c, enc_leaf) for c in t]
    if isinstance(t, dict):
        return {"dict": {k: enc_tree(v, enc_leaf) for k, v in sorted(t.items())}}
    return enc_leaf(t)
