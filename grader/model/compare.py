"""Comparators: decide, in the grader's process, whether an output matches the reference's.

A comparator takes the call's arguments, the reference's output and the student's output (an
array rebuilt from plain bytes) and returns ``None`` when they match or a ``Mismatch``. The
ready ones: ``same_shape`` (only the shape), ``exact`` (equal values, and the dtype as far as it
matters), ``close`` (equal to a tolerance, for computed floats) and ``scalar`` (one number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import AssignmentError
from .literals import literal
from .settings import MAX_ELEMENTS

NUMERIC_KINDS = "biuf"


@dataclass(frozen=True)
class Mismatch:
    reason: str
    first_difference: tuple[int, ...] | None = None
    differing: tuple[tuple[int, ...], ...] = ()  # indices of the values that differ (the first ones)


Comparator = Callable[[tuple, np.ndarray, np.ndarray], "Mismatch | None"]


def _shape_and_kind(expected: np.ndarray, actual: np.ndarray) -> Mismatch | None:
    if actual.dtype.kind not in NUMERIC_KINDS:
        return Mismatch(f"returned an array of {actual.dtype} values, expected numbers")
    if actual.shape != expected.shape:
        return Mismatch(f"returned shape {actual.shape}, expected shape {expected.shape}")
    return None


def same_shape(args: tuple, expected: np.ndarray, actual: np.ndarray) -> Mismatch | None:
    """Only the output's shape (and that it holds numbers) is checked."""
    return _shape_and_kind(expected, actual)


def close(rtol: float = 1e-6, scale: Callable[..., float] | None = None) -> Comparator:
    """Values must match to within ``rtol`` of a scale.

    ``scale(*args)`` should bound the size of the terms that make up each output value, so that
    rounding in another but equivalent formula (float32 arithmetic, another summation order)
    passes even where terms cancel to almost nothing. Without it the scale is the largest
    expected value (at least 1).
    """

    def compare(args: tuple, expected: np.ndarray, actual: np.ndarray) -> Mismatch | None:
        problem = _shape_and_kind(expected, actual)
        if problem:
            return problem
        if expected.size == 0:
            return None
        size = scale(*args) if scale else float(np.max(np.abs(expected)))
        return _differences(expected, actual, ~_within(expected, actual, rtol * max(size, 1.0)))

    return compare


def _within(expected: np.ndarray, actual: np.ndarray, tolerance: float) -> np.ndarray:
    """Where ``actual`` is within ``tolerance`` of ``expected`` (never where it is NaN)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(actual.astype(np.float64) - expected.astype(np.float64)) <= tolerance


def _differences(expected: np.ndarray, actual: np.ndarray, wrong: np.ndarray) -> Mismatch | None:
    """The values marked ``wrong``, counted, with the first of them shown."""
    if not wrong.any():
        return None
    differing = tuple(tuple(int(i) for i in index) for index in np.argwhere(wrong)[:MAX_ELEMENTS])
    where = differing[0]
    return Mismatch(
        f"{int(wrong.sum())} of {wrong.size} values differ; first at index {where}: "
        f"expected {literal(expected[where])}, got {literal(actual[where])}",
        first_difference=where,
        differing=differing,
    )


DtypeRule = Literal["any", "kind", "same"]
_KINDS = {"b": "booleans", "i": "integers", "u": "integers", "f": "floats"}


def _dtype_problem(rule: DtypeRule, expected: np.dtype, actual: np.dtype) -> Mismatch | None:
    if rule == "same" and actual != expected:
        return Mismatch(f"returned {actual} values, expected {expected}: keep the dtype {expected}")
    if rule == "kind" and _KINDS[actual.kind] != _KINDS[expected.kind]:
        return Mismatch(f"returned {actual} values, expected {_KINDS[expected.kind]} "
                        f"(like {expected})")
    return None


def exact(dtype: DtypeRule = "kind") -> Comparator:
    """The same shape and equal values, with no tolerance: for outputs that are picked, not
    computed (a crop, a window, a clipped uint8 image).

    ``dtype`` says how far the output's dtype may differ from the reference's: ``"same"``, not
    at all (a crop keeps its image's dtype); ``"kind"`` (the default), integers for integers
    and floats for floats, any width; ``"any"``, only the values count (``3.0`` equals ``3``).
    """
    if dtype not in ("any", "kind", "same"):
        raise ValueError(f"exact(dtype={dtype!r}): dtype must be 'any', 'kind' or 'same'")

    def compare(args: tuple, expected: np.ndarray, actual: np.ndarray) -> Mismatch | None:
        problem = _shape_and_kind(expected, actual) or _dtype_problem(
            dtype, expected.dtype, actual.dtype)
        if problem:
            return problem
        with np.errstate(invalid="ignore"):
            return _differences(expected, actual, ~(actual == expected))

    return compare


def scalar(rtol: float = 1e-6) -> Comparator:
    """One number, equal to the reference's within ``rtol`` of its size (at least 1).

    A function that should return a single number comes back from its kernel as an array of
    shape ``()``, whether it returned a Python number, a numpy scalar or such an array. An
    array of another shape fails; one that holds a single number (shape ``(1,)``, say) with a
    reason that says to return the number itself.
    """

    def compare(args: tuple, expected: np.ndarray, actual: np.ndarray) -> Mismatch | None:
        if expected.shape != ():
            raise AssignmentError(
                f"scalar() compares single numbers, but the reference returned an array of "
                f"shape {expected.shape}: compare it with close() or exact()"
            )
        if actual.dtype.kind not in NUMERIC_KINDS:
            return Mismatch(f"returned {actual.dtype} values, expected a number")
        if actual.shape != () and actual.size == 1:
            return Mismatch(f"returned an array of shape {actual.shape} holding "
                            f"{literal(actual.reshape(()))}, expected a single number: return the "
                            "number itself, e.g. with float(...) or .item()")
        if actual.shape != ():
            return Mismatch(f"returned an array of shape {actual.shape}, expected a single number")
        tolerance = rtol * max(float(abs(expected)), 1.0)
        if _within(expected, actual, tolerance):
            return None
        shown = f"expected {literal(expected)}, got {literal(actual)}"
        off = abs(float(actual) - float(expected))
        if not np.isfinite(off):
            return Mismatch(shown)
        return Mismatch(f"{shown}: off by {off:.3g}, more than the {tolerance:.3g} allowed")

    return compare
