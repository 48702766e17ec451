"""A counterexample as grids to draw: each array argument, the expected and the actual output.

The values are kept as the text printed in each cell, with the indices of the cells where the
actual output differs from the expected one; ``output.grids`` draws them. Only small arrays
become grids: a larger one is left to the counterexample's text.
"""

from __future__ import annotations

import math

import numpy as np

from ..model.results import Grid
from ..model.settings import MAX_ELEMENTS  # an array with more values is not drawn


def cell_text(value, integer: bool) -> str:
    """A value as short as it reads well in a cell: ``12``, ``0.3333``, ``-1.5``, ``nan``."""
    if integer:
        return str(int(value))
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == int(value) and abs(value) < 1e5:
        return str(int(value))
    return f"{value:.4g}"


def grid(label: str, value, marked: tuple[tuple[int, ...], ...] = ()) -> Grid | None:
    """``value`` as a grid, if it is an array of numbers small enough to draw."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
        return None
    if value.size == 0 or value.size > MAX_ELEMENTS:
        return None
    integer = value.dtype.kind in "biu"
    cells = tuple(cell_text(item, integer) for item in value.reshape(-1).tolist())
    return Grid(label, tuple(value.shape), cells, marked)


def counterexample_grids(parameters: tuple[str, ...], arguments: tuple, expected,
                         actual: np.ndarray | None,
                         differing: tuple[tuple[int, ...], ...]) -> tuple[Grid, ...]:
    """The grids of one failing input; ``actual`` is None when the function returned nothing
    (it raised, or ran out of time)."""
    expected = np.asarray(expected)
    marked = differing if actual is not None and actual.shape == expected.shape else ()
    found = [grid(name, value) for name, value in zip(parameters, arguments)]
    found += [grid("expected", expected), grid("got", actual, marked)]
    return tuple(one for one in found if one is not None)
