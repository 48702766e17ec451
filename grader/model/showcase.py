"""Showcases: what a lesson's function makes of the lesson's own data, for people to look at.

A showcase is declared with the assignment (``Assignment.showcases``): one call of an exercise on
a fixed input built from the lesson's data (a photo, say), kept small so that a slow function
answers fast. The student's function gets that call in its kernel after the checks; what comes
back is a plain array, drawn in the grader's process beside what the reference makes of the
same input, and their difference. A showcase is pictures only: it never changes a verdict.

The lesson says what to draw of an output (``shown``: a 2-D array, the whole output by default)
and where a box goes on the first argument (``box``: where a template matches best, say).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

Box = tuple[int, int, int, int]  # top, left, height, width, on the first argument


def as_box(values: Iterable) -> Box:
    """``values`` as a Box of plain ints (from numpy integers, or a list read from JSON)."""
    top, left, height, width = (int(value) for value in values)
    return top, left, height, width


def whole_output(arguments: tuple, output: np.ndarray) -> np.ndarray:
    """The ``shown`` of a showcase that draws the output as it is."""
    return output


@dataclass(frozen=True)
class Shown:
    """What a showcase draws of one output."""

    picture: np.ndarray  # a 2-D array of numbers
    box: Box | None  # on the first argument, if the showcase draws one
    shape: tuple[int, ...]  # the shape of the whole output


@dataclass(frozen=True)
class Showcase:
    """One call of an exercise on the lesson's own data, drawn beside the reference's answer."""

    exercise: str  # the exercise called
    title: str  # what is shown, e.g. "Box blur (3x3)"; unique per exercise
    arguments: Callable[[], tuple]  # builds the call's arguments; kept small: it bounds the call
    caption: str = ""  # one or two sentences: what to look for
    shown: Callable[[tuple, np.ndarray], np.ndarray] = whole_output  # (arguments, output) -> 2-D
    box: Callable[[tuple, np.ndarray], Box] | None = None  # (arguments, output) -> a box
    inputs: tuple[int, ...] = (0,)  # the arguments drawn beside the outputs, by position
    seconds: float = 1.0  # the student's call gets at most this long; past it, no picture

    def show(self, arguments: tuple, output: np.ndarray) -> Shown:
        """What to draw of ``output``; raises whatever the lesson's functions raise on it (an
        output of the wrong shape, say)."""
        picture = np.asarray(self.shown(arguments, output))
        if picture.ndim != 2 or picture.dtype.kind not in "biuf":
            raise ValueError(f"there is no 2-D array of numbers to draw (got shape "
                             f"{picture.shape} of {picture.dtype})")
        box = as_box(self.box(arguments, output)) if self.box else None
        return Shown(picture, box, tuple(np.shape(output)))
