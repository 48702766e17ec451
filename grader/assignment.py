"""What an assignment tells the grader: its notebook, data files, exercises and reference.

The grader is generic; each assignment is a package ``assignments.<name>`` whose ``ASSIGNMENT``
is built from these records. Adding a lesson adds a folder there, not code here.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from hypothesis.strategies import SearchStrategy

from .compare import Comparator
from .errors import AssignmentError, UsageError


@dataclass(frozen=True)
class SubCheck:
    """One named property of one function, checked on inputs drawn from ``inputs``."""

    name: str
    description: str  # one sentence a student reads: what this sub-check is about
    points: float
    inputs: SearchStrategy  # draws a tuple of positional arguments
    compare: Comparator


@dataclass(frozen=True)
class Exercise:
    """A function the student writes, with the name and parameters the lesson fixes."""

    name: str
    parameters: tuple[str, ...]
    checks: tuple[SubCheck, ...]

    @property
    def points(self) -> float:
        return sum(check.points for check in self.checks)


@dataclass(frozen=True)
class Assignment:
    name: str
    folder: Path
    notebook: str  # the handout, inside ``folder``
    data_files: tuple[str, ...]  # copied beside each submission before it runs
    exercises: tuple[Exercise, ...]
    reference: str  # module holding the reference functions, imported only by the grader
    expected_file: str = "expected.npz"  # stored inputs and expected outputs, in ``folder``

    @property
    def points(self) -> float:
        return sum(exercise.points for exercise in self.exercises)

    def only(self, names: Sequence[str] | None) -> Assignment:
        """The assignment with just the named exercises (all of them when ``names`` is empty)."""
        if not names:
            return self
        known = [exercise.name for exercise in self.exercises]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise UsageError(
                f"no exercise named {', '.join(unknown)}; choose from {', '.join(known)}"
            )
        return dataclasses.replace(
            self, exercises=tuple(e for e in self.exercises if e.name in names)
        )

    def expected_path(self) -> Path:
        return self.folder / self.expected_file

    def data_paths(self) -> list[Path]:
        return [self.folder / name for name in self.data_files]

    def reference_functions(self) -> dict[str, Callable]:
        """The reference implementation of every exercise, by name."""
        module = _import(self.reference, f"the reference solutions of {self.name!r}")
        missing = [e.name for e in self.exercises if not callable(getattr(module, e.name, None))]
        if missing:
            raise AssignmentError(f"{self.reference} does not define {', '.join(missing)}")
        return {exercise.name: getattr(module, exercise.name) for exercise in self.exercises}


def _import(module_name: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise AssignmentError(f"cannot import {what} ({module_name}): {error}") from None


def load_assignment(name: str) -> Assignment:
    """The assignment defined by the package ``assignments.<name>``."""
    if name not in available_assignments():
        raise AssignmentError(
            f"no assignment named {name!r}; available: {', '.join(available_assignments())}"
        )
    module = _import(f"assignments.{name}", f"the assignment {name!r}")
    assignment = getattr(module, "ASSIGNMENT", None)
    if not isinstance(assignment, Assignment):
        raise AssignmentError(f"assignments.{name} does not define ASSIGNMENT = Assignment(...)")
    return assignment


def available_assignments() -> list[str]:
    import assignments

    return sorted(
        path.name
        for folder in assignments.__path__
        for path in Path(folder).iterdir()
        if (path / "__init__.py").is_file()
    )
