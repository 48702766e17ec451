"""``grade assign``: from a lesson's solved notebook to its handout, reference module and stored
outputs, and the proof in real kernels that the solved notebook earns full marks and the
handout zero.

Each step is a function here; ``cli.assign`` runs them in order and says what each did.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import nbformat

from ..grading.pipeline import grade_submission
from ..intake.discover import Submission
from ..kernel.notebook import read_notebook
from ..model.assignment import Assignment
from ..model.errors import UnreadableNotebook, UsageError
from ..model.lessons import (
    METADATA_KEY,
    available_assignments,
    installed_lessons,
    lesson_in_metadata,
    recognise,
)
from ..model.settings import MAX_EXAMPLES, Settings
from .freeze import stale_checks, write_expected
from .handout import exercise_cell_numbers, make_handout
from .reference import is_generated, reference_path, reference_source


def read_solved(path: Path) -> nbformat.NotebookNode:
    """The solved notebook at ``path`` as it is, outputs and all: it is the instructor's work."""
    if path.suffix != ".ipynb":
        raise UsageError(f"{path} is not a notebook: `grade assign` reads the solved notebook "
                         "(.ipynb) that the handout is made from")
    try:
        return read_notebook(path, keep_outputs=True)
    except UnreadableNotebook as error:
        raise UsageError(f"cannot read {path} as a notebook ({error.reason}): fix the file, or "
                         "open and save it in Jupyter") from None


def lesson_for(solved: nbformat.NotebookNode, requested: str | None, path: Path) -> str:
    """The lesson the solved notebook is for: ``requested``, else the one its metadata names,
    else the installed one whose functions it defines; its definition must exist."""
    named = lesson_in_metadata(solved)
    if requested and named and requested != named:
        raise UsageError(f"{path} names the lesson {named!r} in its metadata, not {requested!r}: "
                         "leave out --lesson, or change the notebook's metadata")
    name = requested or named or recognise(solved, installed_lessons())
    if not name:
        raise UsageError(f"cannot tell which lesson {path} is for (its metadata names none, and "
                         "it defines no installed lesson's functions): say which with --lesson "
                         "NAME")
    if name not in available_assignments():
        root = path.resolve().parent.parent  # the course the solved notebook lies in
        if (root / "assignments" / name / "__init__.py").is_file():
            raise UsageError(f"the lesson {name!r} is in {root / 'assignments'}, which is not on "
                             f"the Python path: add {root} to PYTHONPATH (PYTHONPATH={root} grade "
                             "assign ...)")
        raise UsageError(f"there is no lesson {name!r} (no assignments/{name}/__init__.py on the "
                         f"Python path): run `grade new {name}` first")
    return name


def name_lesson(solved: nbformat.NotebookNode, path: Path, lesson: str) -> bool:
    """Write the lesson's name into the solved notebook's metadata if it lacks it; whether it
    did. Only that key of the file changes: its cells, outputs and ids stay as they are."""
    if lesson_in_metadata(solved) == lesson:
        return False
    entry = solved.metadata.get(METADATA_KEY)
    solved.metadata[METADATA_KEY] = {**(entry if isinstance(entry, dict) else {}), "lesson": lesson}
    content = json.loads(path.read_text(encoding="utf-8"))  # the file as it is, to change one key
    content.setdefault("metadata", {})[METADATA_KEY] = solved.metadata[METADATA_KEY]
    path.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def _shown(path: Path, assignment: Assignment) -> str:
    """The solved notebook's path as the generated reference names it: from the course root."""
    try:
        return path.resolve().relative_to(assignment.folder.parent.parent.resolve()).as_posix()
    except ValueError:
        return path.name


def write_handout_and_reference(solved: nbformat.NotebookNode, path: Path,
                                assignment: Assignment) -> tuple[Path, Path, bool]:
    """Write the handout, and the reference unless a hand-written one exists: the handout's
    path, the reference's, and whether the reference was written."""
    exercises = {exercise.name: exercise.parameters for exercise in assignment.exercises}
    defined_in = exercise_cell_numbers(solved, exercises, str(path))
    handout = assignment.folder / assignment.notebook
    reference = reference_path(assignment)
    written = not reference.is_file() or is_generated(reference)
    source = reference_source(solved, sorted(set(defined_in.values())), assignment.name,
                              _shown(path, assignment)) if written else ""
    made = make_handout(solved, assignment.name, defined_in)  # every error before any write
    nbformat.write(made, handout)
    if written:
        reference.parent.mkdir(parents=True, exist_ok=True)
        reference.write_text(source, encoding="utf-8")
        importlib.invalidate_caches()
        sys.modules.pop(assignment.reference, None)  # imported anew if this process had it
    return handout, reference, written


def store_expected(assignment: Assignment) -> int | None:
    """Store the expected outputs as ``grade freeze`` does, keeping the stored inputs, unless
    the stored file is current; the number of sub-checks stored, or None when it was current."""
    path = assignment.expected_path()
    if path.is_file() and not stale_checks(assignment, MAX_EXAMPLES).problems:
        return None
    return write_expected(assignment, MAX_EXAMPLES).subchecks


@dataclass(frozen=True)
class Verdict:
    """What grading one of the lesson's notebooks gave, against what it should give."""

    what: str  # "the solved notebook" or "the handout"
    expected: Literal["full marks", "zero"]
    score: float
    possible: float
    wrong: tuple[str, ...]  # each sub-check that goes against ``expected``, and why

    @property
    def holds(self) -> bool:
        return not self.wrong


def _why(message: str) -> str:
    lines = [line for line in message.splitlines() if line.strip()]
    return lines[0][:200] if lines else ""


def verify(assignment: Assignment, path: Path, what: str,
           expected: Literal["full marks", "zero"], settings: Settings) -> Verdict:
    """Grade the notebook at ``path`` in a real kernel, as final grading does."""
    result = grade_submission(Submission(path.stem, path), assignment, settings)
    checks = [check for exercise in result.exercises for check in exercise.checks]
    if expected == "full marks":
        wrong = [f"{c.exercise}: {c.name}: {c.status}: {_why(c.message)}".rstrip(": ")
                 for c in checks if c.status != "passed"]
    else:
        wrong = [f"{c.exercise}: {c.name}: passed" for c in checks if c.status == "passed"]
    if result.status != "graded":
        wrong.insert(0, f"{result.status}: {_why(result.message)}")
    return Verdict(what, expected, result.score, result.possible, tuple(wrong))
