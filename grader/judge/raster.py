"""Arrays drawn as PNG pictures, in the grader's process: grey levels, boxes and differences.

Each picture is scaled to its own values' range, and its note says what that range is, so two
pictures on different scales still compare honestly. Values that are not finite (nan, inf) are
drawn in magenta. Pictures are PNG at one pixel per value; whoever shows them scales them up.
"""

from __future__ import annotations

import base64

import numpy as np

from ..model.results import Panel
from ..model.showcase import Box

EXPECTED_BOX = (0, 190, 60)  # green
YOUR_BOX = (255, 120, 0)  # orange
NOT_FINITE = (230, 0, 230)  # magenta
SAME = 1e-5  # differences within this part of the expected values' size are no difference


def number(value: float) -> str:
    return f"{float(value):.4g}"


def _png(image: np.ndarray) -> str:
    import imageio.v3 as iio  # loaded only when a picture is drawn

    return base64.b64encode(iio.imwrite("<bytes>", image, extension=".png")).decode("ascii")


def _panel(label: str, image: np.ndarray, note: str) -> Panel:
    return Panel(label, _png(image), int(image.shape[1]), int(image.shape[0]), note)


def _finite_range(values: np.ndarray) -> tuple[float, float] | None:
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else None


def _grey(values: np.ndarray) -> tuple[np.ndarray, str]:
    """RGB grey levels for a 2-D array, scaled to its finite range, and a note on that range.
    (Only the magenta of values that are not finite, or a box drawn on it, needs the colour.)"""
    values = values.astype(np.float64)
    span = _finite_range(values)
    low, high = span or (0.0, 0.0)
    with np.errstate(invalid="ignore"):
        level = (values - low) / (high - low) * 255 if high > low else np.full(values.shape, 128.0)
    grey = np.nan_to_num(level, nan=0.0).clip(0, 255).round().astype(np.uint8)
    image = np.repeat(grey[:, :, None], 3, axis=2)
    image[~np.isfinite(values)] = NOT_FINITE
    if span is None:
        note = "no finite values"
    elif high > low:
        note = f"values {number(low)} to {number(high)}"
    else:
        note = f"every value {number(low)}"
    if not np.isfinite(values).all():
        note += f"; {int((~np.isfinite(values)).sum())} not finite (magenta)"
    return image, note


def _outline(image: np.ndarray, box: Box, colour: tuple[int, int, int]) -> None:
    top, left, height, width = box
    bottom, right = min(top + height, image.shape[0]) - 1, min(left + width, image.shape[1]) - 1
    top, left = max(top, 0), max(left, 0)
    if top > bottom or left > right:
        return
    image[top, left : right + 1] = image[bottom, left : right + 1] = colour
    image[top : bottom + 1, left] = image[top : bottom + 1, right] = colour


def picture(label: str, values: np.ndarray, boxes: tuple[tuple[Box, tuple], ...] = (),
            note: str = "") -> Panel:
    """A 2-D array in grey levels, with ``boxes`` (each a box and its colour) drawn on it."""
    image, scale = _grey(np.asarray(values))
    for box, colour in boxes:
        _outline(image, box, colour)
    if (image == image[:, :, :1]).all():  # grey only: one channel is a third of the bytes
        image = image[:, :, 0]
    return _panel(label, image, "; ".join(filter(None, [note, scale])))


def difference(expected: np.ndarray, actual: np.ndarray) -> Panel:
    """Where ``actual`` differs from ``expected`` (same shape): red where it is larger, blue
    where it is smaller, white where they agree."""
    expected, actual = expected.astype(np.float64), actual.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        gap = actual - expected
    finite = np.isfinite(gap)
    size = _finite_range(np.abs(expected))
    tolerance = SAME * max(1.0, size[1] if size else 1.0)
    largest = float(np.abs(gap[finite]).max()) if finite.any() else 0.0
    both_nan = np.isnan(expected) & np.isnan(actual)
    odd = ~finite & ~both_nan
    if largest <= tolerance and not odd.any():
        white = np.full((*gap.shape, 3), 255, dtype=np.uint8)
        return _panel("difference", white, "none: every value agrees")
    share = np.where(finite, gap / max(largest, tolerance), 0.0).clip(-1, 1)
    fade = (255 * (1 - np.abs(share))).round().astype(np.uint8)
    image = np.full((*gap.shape, 3), 255, dtype=np.uint8)
    image[..., 1] = fade
    image[..., 2] = np.where(share > 0, fade, 255)
    image[..., 0] = np.where(share < 0, fade, 255)
    image[odd] = NOT_FINITE
    note = "red: yours is larger; blue: smaller"
    if largest > tolerance:
        where = tuple(int(i) for i in np.unravel_index(np.argmax(np.where(finite, np.abs(gap), -1)),
                                                       gap.shape))
        note = f"largest difference {number(largest)} at {where}; {note}"
    if odd.any():
        note += f"; {int(odd.sum())} values not finite in one of them (magenta)"
    return _panel("difference", image, note)
