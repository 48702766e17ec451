"""Which lessons are installed, and which one a command means: the grader's one way to find them.

A lesson is a package ``assignments.<name>`` whose ``ASSIGNMENT`` is an ``Assignment`` (see
``assignment``). This module is the only place in the grader that looks inside the
``assignments`` package; every command asks it which lesson to grade.
"""

from __future__ import annotations

from pathlib import Path

from .assignment import Assignment, _import
from .errors import AssignmentError, UsageError


def available_assignments() -> list[str]:
    """The names of the installed lessons, sorted."""
    import assignments

    return sorted(
        path.name
        for folder in assignments.__path__
        for path in Path(folder).iterdir()
        if (path / "__init__.py").is_file()
    )


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


def assignment_name(requested: str | None, how_to_say: str = "--assignment") -> str:
    """The lesson a command means: the one ``requested``, or the only one installed.

    ``how_to_say`` names the way to choose one, for the message when several are installed.
    """
    if requested:
        return requested
    names = available_assignments()
    if len(names) != 1:
        raise UsageError(f"say which assignment with {how_to_say}: one of {', '.join(names)}")
    return names[0]
