"""Everything a lesson's definition needs, in one import.

    from grader.lesson import Assignment, Exercise, SubCheck, close, images, arguments

A lesson is a package ``assignments/<name>/`` whose ``__init__.py`` builds ``ASSIGNMENT`` from
these records (see ``model.assignment``), draws each sub-check's arguments with the ready
strategies (see ``model.strategies``; a sub-check draws a tuple, one value per parameter) and
compares outputs with the ready comparators (see ``model.compare``).
"""

from .model.assignment import Assignment, Exercise, StandIn, SubCheck
from .model.compare import Comparator, Mismatch, close, exact, same_shape, scalar
from .model.mistakes import Mistake
from .model.showcase import Showcase
from .model.strategies import (
    MAX_SIDE,
    arguments,
    boxes,
    image_and_box,
    image_and_kernel,
    image_and_patch,
    image_and_window,
    images,
    kernels,
    window_shapes,
)

__all__ = [
    "MAX_SIDE",
    "Assignment",
    "Comparator",
    "Exercise",
    "Mismatch",
    "Mistake",
    "Showcase",
    "StandIn",
    "SubCheck",
    "arguments",
    "boxes",
    "close",
    "exact",
    "image_and_box",
    "image_and_kernel",
    "image_and_patch",
    "image_and_window",
    "images",
    "kernels",
    "same_shape",
    "scalar",
    "window_shapes",
]
