"""The arguments of a student's function as plain data: one codec for the wire and the disk.

A value is one of three kinds: an array, a tuple of numbers (a kernel shape), or a scalar.
Both the calls sent into a kernel (as JSON, arrays as base64 ``.npy`` bytes) and the stored
inputs (as arrays in an ``.npz`` file) name the kind with the same words, so that what is
stored and what is sent decode the same way.
"""

from __future__ import annotations

import base64
import io
from typing import Literal

import numpy as np

Kind = Literal["array", "tuple", "scalar"]


def kind_of(value) -> Kind:
    if isinstance(value, np.ndarray):
        return "array"
    return "tuple" if isinstance(value, tuple) else "scalar"


def npy_text(array: np.ndarray) -> str:
    """``array`` as base64 ``.npy`` bytes, which load back without pickle."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def encode_argument(value) -> list:
    """``[kind, payload]`` for JSON: an array as ``.npy`` text, a tuple as a list of ints."""
    kind = kind_of(value)
    if kind == "array":
        return [kind, npy_text(value)]
    if kind == "tuple":
        return [kind, [int(item) if isinstance(item, np.integer) else item for item in value]]
    return [kind, value]


def to_array(value) -> tuple[Kind, np.ndarray]:
    """The value's kind and the value as an array, for the stored file."""
    kind = kind_of(value)
    return kind, value if kind == "array" else np.asarray(value)


def from_array(kind: str, array: np.ndarray):
    """The value ``to_array`` stored."""
    if kind == "tuple":
        return tuple(array.tolist())
    return array.item() if kind == "scalar" else array


def argument_key(arguments: tuple) -> tuple:
    """A hashable key for a call's arguments, equal exactly when the arguments are."""
    return tuple(
        (value.dtype.str, value.shape, value.tobytes()) if isinstance(value, np.ndarray)
        else repr(value)
        for value in arguments
    )
