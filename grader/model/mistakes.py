"""The typical mistakes a lesson declares its checks must catch (``grade audit`` tries them).

A mistake is a wrong implementation of one exercise: a near-copy of the reference with one
mistake a student makes. So it lives beside the reference, in the package that holds it
(``solutions``), which a student's kernel cannot read; the lesson names it by module and
function, and only the grader imports it.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

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
            module = import_lesson_module(module_name, where)
        except AssignmentError:
            raise
        except Exception as error:  # the module's own code failed as it was imported
            raise AssignmentError(
                f"cannot import {where} ({module_name}): {_failed_import(module_name, error)}"
            ) from None
        function = getattr(module, attribute, None)
        if not callable(function):
            raise AssignmentError(f"{module_name} does not define {attribute}, {where}")
        return function


def import_lesson_module(module_name: str, what: str) -> ModuleType:
    """The lesson's module ``module_name``, which holds ``what``; one that is not there is an
    AssignmentError, while an error of its own code as it runs is left to the caller."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise AssignmentError(f"cannot import {what} ({module_name}): {error}") from None


def _failed_import(module_name: str, error: Exception) -> str:
    """Where and how importing ``module_name`` failed, and what to do about it (one line)."""
    if isinstance(error, SyntaxError) and error.filename:
        text, file, line = error.msg, error.filename, error.lineno
    else:
        text, file, line = str(error).strip().partition("\n")[0], module_name, None
        package = sys.modules.get(module_name.partition(".")[0])
        folders = [Path(folder) for folder in getattr(package, "__path__", ())]
        for frame in traceback.extract_tb(error.__traceback__):  # the innermost one of the lesson's
            if any(Path(frame.filename).is_relative_to(folder) for folder in folders):
                file, line = frame.filename, frame.lineno
    at = f"{file}, line {line}" if line else file
    return (f"{type(error).__name__}: {text} ({at}): fix {file} until "
            f"`python -c \"import {module_name}\"` runs without an error")
