"""The typical mistakes a lesson declares its checks must catch (``grade audit`` tries them).

A mistake is a wrong implementation of one exercise: a near-copy of the reference with one
mistake a student makes. So it lives beside the reference, in the package that holds it
(``solutions``), which a student's kernel cannot read; the lesson names it by module and
function, and only the grader imports it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from .errors import AssignmentError


@dataclass(frozen=True)
class Mistake:
    """A wrong answer to ``exercise`` that the lesson's sub-checks must fail."""

    exercise: str  # the exercise it answers wrongly, e.g. "convolve"
    name: str  # short, for tables: "flipped kernel"
    description: str  # one sentence: what the student did
    function: str  # "module:function", e.g. "solutions.convolutions_mistakes:flipped_kernel"

    def load(self, reference: str) -> Callable:
        """The wrong function, imported from a module of the package holding ``reference``
        (the lesson's reference module), so that no kernel can read it."""
        module_name, _, attribute = self.function.partition(":")
        where = f"the mistake {self.name!r} of {self.exercise!r}"
        if not module_name or not attribute.isidentifier():
            raise AssignmentError(
                f"{where} must name its function as 'module:function', not {self.function!r}"
            )
        package = reference.split(".")[0]
        if module_name.split(".")[0] != package:
            raise AssignmentError(
                f"{where} is in {module_name}: keep mistakes beside the reference solutions, in "
                f"the {package!r} package, which students' kernels cannot read"
            )
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            raise AssignmentError(f"cannot import {where} ({module_name}): {error}") from None
        function = getattr(module, attribute, None)
        if not callable(function):
            raise AssignmentError(f"{module_name} does not define {attribute}, {where}")
        return function
