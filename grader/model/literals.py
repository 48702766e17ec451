"""Values written as Python a student can paste into a notebook cell.

A number is written as a plain number (``3.5``), also when it is a numpy scalar or an array of
shape ``()``, which is how a function's single-number answer comes back from its kernel.
"""

from __future__ import annotations

import numpy as np

from .settings import MAX_ELEMENTS


def literal(value, prefix: str = "") -> str:
    """``value`` as Python source; continuation lines line up after ``prefix``, the text that
    will stand before it on its first line (such as ``"image = "``)."""
    if isinstance(value, np.ndarray) and value.ndim:
        return _array_literal(value, prefix)
    if isinstance(value, (np.ndarray, np.generic)):  # a number: what a function returns as one
        value = value.item()
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(item) for item in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def _array_literal(array: np.ndarray, prefix: str) -> str:
    if array.size > MAX_ELEMENTS:
        return f"<array of shape {array.shape} and dtype {array.dtype}, too large to show>"
    dtype = "bool" if array.dtype == bool else f"np.{array.dtype.name}"
    if array.size == 0:
        return f"np.zeros({array.shape}, dtype={dtype})"
    body = np.array2string(
        array,
        separator=", ",
        threshold=MAX_ELEMENTS,
        max_line_width=88,
        prefix=" " * len(prefix) + "np.array(",
        formatter={"float_kind": _float, "int_kind": lambda x: repr(int(x))},
    )
    return f"np.array({body}, dtype={dtype})"


def _float(value) -> str:
    value = float(value)
    if np.isnan(value):
        return "np.nan"
    if np.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(value)
