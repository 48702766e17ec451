"""Comparators: decide, in the grader's process, whether an output matches the reference's.

A comparator takes the call's arguments, the reference's output and the student's output (an
array rebuilt from plain bytes) and returns ``None`` when they match or a ``Mismatch``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .literals import literal

NUMERIC_KINDS = "biuf"


MAX_MARKED = 400  # differing cells listed in a mismatch, enough to mark every cell of a drawn grid


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
        tolerance = rtol * max(size, 1.0)
        with np.errstate(invalid="ignore", over="ignore"):
            wrong = ~(np.abs(actual.astype(np.float64) - expected) <= tolerance)
        if not wrong.any():
            return None
        differing = tuple(tuple(int(i) for i in index) for index in np.argwhere(wrong)[:MAX_MARKED])
        where = differing[0]
        return Mismatch(
            f"{int(wrong.sum())} of {wrong.size} values differ; first at index {where}: "
            f"expected {literal(expected[where])}, got {literal(actual[where])}",
            first_difference=where,
            differing=differing,
        )

    return compare
