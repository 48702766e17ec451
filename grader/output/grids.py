"""A counterexample's grids drawn as SVG: one shaded cell per value, its number written in it,
and the cells where the actual output differs from the expected one outlined in red.

A 2-D array is one grid; a 4-D one (such as every window of an image) is a grid of grids, one
per window; fewer or more dimensions are laid out the same way. Expected and actual outputs are
shaded on one scale, so equal values look alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from ..model.results import Grid

CELL_HEIGHT = 22
GAP = 8  # between the blocks of a grid of grids
LABEL_HEIGHT = 20
MARK = "#d62728"


def _value(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _span(grids: Sequence[Grid]) -> tuple[float, float]:
    values = [v for grid in grids for v in map(_value, grid.cells) if math.isfinite(v)]
    return (min(values), max(values)) if values else (0.0, 0.0)


def _blocks(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Any shape as rows and columns of blocks, each block rows and columns of cells."""
    padded = (1,) * max(0, 4 - len(shape)) + tuple(shape)
    return math.prod(padded[:-3]), padded[-3], padded[-2], padded[-1]


def _shade(value: float, span: tuple[float, float]) -> tuple[str, str]:
    """The cell's fill and its text's colour: darker for larger values."""
    if not math.isfinite(value):
        return "#e6a0e6", "#000"
    low, high = span
    share = (value - low) / (high - low) if high > low else 0.5
    level = round(250 - 190 * share)
    return f"rgb({level},{level},{level})", "#000" if level > 140 else "#fff"


def grid_svg(grid: Grid, span: tuple[float, float] | None = None) -> str:
    """One grid as a standalone SVG document, its label and shape above it."""
    span = span or _span([grid])
    rows, columns, height, width = _blocks(grid.shape)
    cell_width = max(26, 7 * max(len(text) for text in grid.cells) + 10)
    block_w, block_h = width * cell_width, height * CELL_HEIGHT
    shape = "x".join(map(str, grid.shape)) or "scalar"
    label_w = 8 * (len(grid.label) + len(shape) + 3)
    total_w = max(columns * (block_w + GAP) - GAP, label_w) + 2
    total_h = LABEL_HEIGHT + rows * (block_h + GAP) - GAP + 2
    marked = {tuple(index) for index in grid.marked}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
        f'font-family="monospace" font-size="11">',
        f'<text x="1" y="14" font-size="12" font-weight="bold">{escape(grid.label)} '
        f'<tspan font-weight="normal">({shape})</tspan></text>',
    ]
    outlines = []
    for flat, text in enumerate(grid.cells):
        a, rest = divmod(flat, columns * height * width)
        b, rest = divmod(rest, height * width)
        r, c = divmod(rest, width)
        x = 1 + b * (block_w + GAP) + c * cell_width
        y = 1 + LABEL_HEIGHT + a * (block_h + GAP) + r * CELL_HEIGHT
        fill, ink = _shade(_value(text), span)
        parts.append(f'<rect x="{x}" y="{y}" width="{cell_width}" height="{CELL_HEIGHT}" '
                     f'fill="{fill}" stroke="#888" stroke-width="0.5"/>'
                     f'<text x="{x + cell_width / 2}" y="{y + 15}" fill="{ink}" '
                     f'text-anchor="middle">{escape(text)}</text>')
        if _index(flat, grid.shape) in marked:
            outlines.append(f'<rect x="{x + 1.5}" y="{y + 1.5}" width="{cell_width - 3}" '
                            f'height="{CELL_HEIGHT - 3}" fill="none" stroke="{MARK}" '
                            'stroke-width="3"/>')
    return "".join(parts + outlines + ["</svg>"])


def _index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    index = []
    for size in reversed(shape):
        flat, position = divmod(flat, size)
        index.append(position)
    return tuple(reversed(index))


def counterexample_svgs(grids: Sequence[Grid]) -> list[tuple[str, str]]:
    """Each grid of a counterexample as (label, SVG); the outputs share one scale."""
    outputs = [grid for grid in grids if grid.label in ("expected", "got")]
    span = _span(outputs)
    return [(grid.label, grid_svg(grid, span if grid in outputs else None)) for grid in grids]
