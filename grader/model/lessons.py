"""Which lessons are installed, which one a notebook answers, and which one a command means.

A lesson is a package ``assignments.<name>`` whose ``ASSIGNMENT`` is an ``Assignment`` (see
``assignment``). ``assignments`` is a namespace package: every folder of that name on the Python
path adds its lessons (this project's own, a course repository's, one on ``PYTHONPATH``), so
lessons from several places sit side by side. This module is the grader's one way in: nothing
else in ``grader/`` imports ``assignments``.

A notebook says which lesson it answers in its metadata, ``{"grader": {"lesson": NAME}}``:
``grade assign`` writes it into the handout, and every copy of the handout keeps it. A notebook
without it (written from scratch, or its metadata lost) is recognised by the graded functions it
defines. A lesson that cannot be loaded is left out of the choice, with the reason, and never
stops another lesson's commands.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .assignment import Assignment
from .errors import AssignmentError, UsageError

PACKAGE = "assignments"
REFERENCE_PACKAGE = "solutions"  # where every lesson's reference lives (see authoring.reference)
METADATA_KEY = "grader"


def lesson_folders() -> list[Path]:
    """Every folder that adds lessons: each ``assignments`` folder on the Python path."""
    try:
        package = importlib.import_module(PACKAGE)
    except ModuleNotFoundError:
        return []
    return [Path(folder) for folder in dict.fromkeys(package.__path__) if Path(folder).is_dir()]


def private_folders() -> list[Path]:
    """What no graded kernel may read, whatever the lesson: every lesson folder (with its stored
    inputs and outputs) and every folder of the top-level ``solutions`` package (the reference
    solutions, with any secret beside them)."""
    try:
        spec = importlib.util.find_spec(REFERENCE_PACKAGE)
    except ImportError:
        spec = None
    solutions = list(spec.submodule_search_locations or []) if spec else []
    return [*lesson_folders(), *(Path(folder) for folder in solutions if Path(folder).is_dir())]


def available_assignments() -> list[str]:
    """The names of the installed lessons, sorted (the first folder wins a name held twice)."""
    return sorted({
        path.name
        for folder in lesson_folders()
        for path in folder.iterdir()
        if path.name.isidentifier() and (path / "__init__.py").is_file()
    })


@cache
def load_assignment(name: str) -> Assignment:
    """The assignment defined by the package ``assignments.<name>``."""
    available = available_assignments()
    if name not in available:
        raise AssignmentError(
            f"no lesson named {name!r}; installed: {', '.join(available) or 'none'}"
        )
    try:
        module = importlib.import_module(f"{PACKAGE}.{name}")
    except Exception as error:  # a lesson's own mistake, reported as that lesson's
        raise AssignmentError(
            f"the lesson {name!r} cannot be loaded ({PACKAGE}/{name}/__init__.py): "
            f"{type(error).__name__}: {error}"
        ) from None
    assignment = getattr(module, "ASSIGNMENT", None)
    if not isinstance(assignment, Assignment):
        raise AssignmentError(
            f"{PACKAGE}/{name}/__init__.py must define ASSIGNMENT = Assignment(...)"
        )
    if assignment.name != name:
        raise AssignmentError(
            f"{PACKAGE}/{name}/__init__.py defines the lesson {assignment.name!r}: its "
            f"Assignment(name=...) must be {name!r}, the name of its folder"
        )
    return assignment


@dataclass(frozen=True)
class Installed:
    """Every lesson that loads, and why each of the others does not."""

    lessons: tuple[Assignment, ...]
    broken: Mapping[str, str]  # name -> why it cannot be loaded

    def names(self) -> list[str]:
        return [lesson.name for lesson in self.lessons]


def installed_lessons() -> Installed:
    lessons, broken = [], {}
    for name in available_assignments():
        try:
            lessons.append(load_assignment(name))
        except AssignmentError as error:
            broken[name] = str(error)
    return Installed(tuple(lessons), broken)


def lesson_in_metadata(notebook: Mapping) -> str:
    """The lesson the notebook's metadata names, or ""."""
    metadata = notebook.get("metadata") if isinstance(notebook, Mapping) else None
    entry = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    lesson = entry.get("lesson") if isinstance(entry, Mapping) else None
    return lesson if isinstance(lesson, str) else ""


def _source(cell: Mapping) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _cells(notebook: Mapping) -> list[Mapping]:
    """The notebook's cells that are cells at all: the file is a student's, in any shape."""
    cells = notebook.get("cells") if isinstance(notebook, Mapping) else None
    return [cell for cell in cells if isinstance(cell, Mapping)] if isinstance(cells, list) else []


def parse_cell(source: str) -> ast.Module | None:
    """A code cell's source as Python, with lines of IPython syntax (magics, shell escapes)
    blanked first; None if it still does not parse."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # too deep counts too
        return None


def defined_functions(notebook: Mapping) -> set[str]:
    """The names of the functions the notebook's code cells define at their top level (see
    ``parse_cell``: a cell that does not parse defines nothing)."""
    names: set[str] = set()
    for cell in _cells(notebook):
        tree = parse_cell(_source(cell)) if cell.get("cell_type") == "code" else None
        names |= {
            node.name for node in (tree.body if tree else ())
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
    return names


def recognise(notebook: Mapping, installed: Installed) -> str:
    """The installed lesson ``notebook`` answers, or "" if it cannot tell.

    The lesson its metadata names, if that one is installed (also if it cannot be loaded, so
    that its reason can be said); else the loadable one whose graded functions it defines the
    most of, if exactly one defines the most.
    """
    named = lesson_in_metadata(notebook)
    if named in installed.broken or named in installed.names():
        return named
    return best_match(defined_functions(notebook), installed.lessons)


def best_match(names: Iterable[str], lessons: Iterable[Assignment]) -> str:
    """The lesson whose graded functions are the most among ``names``, if exactly one is."""
    names = set(names)
    scores: dict[str, int] = {}
    for lesson in lessons:
        scores[lesson.name] = len(names & {exercise.name for exercise in lesson.exercises})
    best = max(scores.values(), default=0)
    winners = [name for name, score in scores.items() if score == best]
    return winners[0] if best and len(winners) == 1 else ""


def assignment_name(requested: str | None, how_to_say: str = "--lesson",
                    recognised: str = "") -> str:
    """The lesson a command means: the one ``requested``, else the one ``recognised`` from the
    notebook, else the only one installed.

    ``how_to_say`` names the way to choose one, for the message when that is needed.
    """
    if requested:
        return requested
    if recognised:
        return recognised
    names = available_assignments()
    if len(names) == 1:
        return names[0]
    if not names:
        raise UsageError("no lessons are installed: there is no assignments/<lesson>/ package on "
                         "the Python path")
    raise UsageError(f"cannot tell which lesson this is for: say which with {how_to_say}, one "
                     f"of {', '.join(names)}")


def choose_lesson(requested: str | None, notebook: Mapping | None = None,
                  names: Iterable[str] = (), how_to_say: str = "--lesson") -> Assignment:
    """The lesson a command means, loaded: the one ``requested``; else the one ``notebook`` is
    recognised as (or, for a running notebook, the one whose functions ``names`` holds the most
    of); else the only one installed. A broken lesson that is not chosen costs nothing."""
    recognised = ""
    if not requested:
        installed = installed_lessons()
        recognised = (recognise(notebook, installed) if notebook is not None
                      else best_match(names, installed.lessons))
    return load_assignment(assignment_name(requested, how_to_say, recognised))
