"""Whether a lesson's parts agree, without starting a kernel: the handout's exercise cells and
metadata, the reference's place and signatures, the strategies, the stored outputs and the
files a student's install needs.

Each problem is one line that names the fix. The test suite validates every installed lesson.
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ..kernel.notebook import read_notebook
from ..model.assignment import Assignment
from ..model.errors import AssignmentError, UnreadableNotebook
from ..model.lessons import lesson_in_metadata
from ..model.settings import MAX_EXAMPLES
from .definition import definition_problems, load_references
from .freeze import stale_checks
from .handout import EXERCISE_TAG, cell_label, tags, top_level_functions
from .reference import outside_solutions


def def_parameters(source: str, name: str) -> tuple[str, ...] | None:
    """The positional parameters of the top-level ``def name(...)`` in ``source``, read from its
    header alone (the body of a handout's stub need not parse), or None if there is none."""
    lines = source.split("\n")
    for start, line in enumerate(lines):
        if not re.match(rf"(?:async[ \t]+)?def[ \t]+{re.escape(name)}\b", line):
            continue
        for end in range(start + 1, min(start + 30, len(lines)) + 1):
            try:
                node = ast.parse("\n".join(lines[start:end]) + "\n    pass").body[0]
            except SyntaxError:
                continue
            assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))  # the line says def
            return tuple(a.arg for a in (*node.args.posonlyargs, *node.args.args))
    return None


def _exercise_cell_problems(assignment: Assignment, tagged: Mapping[str, list]) -> list[str]:
    problems = []
    for exercise in assignment.exercises:
        cells = tagged.get(exercise.name, [])
        tag = EXERCISE_TAG + exercise.name
        if len(cells) != 1:
            where = " and ".join(cell_label(number, cell) for number, cell in cells)
            problems.append(
                f"no cell of the handout is tagged {tag}: run `grade assign`, or tag the cell "
                f"that defines {exercise.name}" if not cells else
                f"{len(cells)} cells of the handout are tagged {tag}, {where}: tag only the one "
                f"that defines {exercise.name}"
            )
            continue
        number, cell = cells[0]
        if exercise.name not in top_level_functions(cell.source):
            problems.append(f"{cell_label(number, cell)} of the handout is tagged {tag} but does "
                            f"not define {exercise.name}: tag the cell that does")
            continue
        found = def_parameters(cell.source, exercise.name)
        if found != exercise.parameters:
            problems.append(f"the handout's {exercise.name} takes ({', '.join(found or ())}), but "
                            f"the lesson gives ({', '.join(exercise.parameters)}): make them the "
                            "same")
    return problems


def handout_problems(assignment: Assignment) -> list[str]:
    """The handout exists, names its lesson, and tags exactly the cell of each exercise."""
    path = assignment.folder / assignment.notebook
    fix = "run `grade assign` on the solved notebook to write it"
    if not path.is_file():
        return [f"the handout {path} does not exist: {fix}"]
    try:
        notebook = read_notebook(path)
    except UnreadableNotebook as error:
        return [f"{error}: {fix}"]
    problems = []
    named = lesson_in_metadata(notebook)
    if named != assignment.name:
        problems.append(
            f"the handout's metadata names {f'the lesson {named!r}' if named else 'no lesson'}, "
            f"not {assignment.name!r}: run `grade assign`, or set its metadata "
            f'"grader": {{"lesson": "{assignment.name}"}}'
        )
    names = [exercise.name for exercise in assignment.exercises]
    tagged: dict[str, list] = {}
    for number, cell in enumerate(notebook.cells, 1):
        for tag in tags(cell):
            if not tag.startswith(EXERCISE_TAG):
                continue
            name = tag[len(EXERCISE_TAG):]
            tagged.setdefault(name, []).append((number, cell))
            if name not in names:
                problems.append(f"{cell_label(number, cell)} of the handout is tagged {tag}, but "
                                f"the lesson has no exercise {name!r} (it has {', '.join(names)}): "
                                "remove the tag")
    return problems + _exercise_cell_problems(assignment, tagged)


def git_ignored(path: Path) -> bool:
    try:
        done = subprocess.run(["git", "check-ignore", "-q", path.name], cwd=path.parent,
                              capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):  # no git here: nothing to ask
        return False
    return done.returncode == 0


def file_problems(assignment: Assignment) -> list[str]:
    """The data files and stored outputs exist in the lesson's folder, and they and the
    handout would be packaged."""
    problems = []
    for name in (assignment.notebook, *assignment.data_files, assignment.expected_file):
        path = assignment.folder / name
        parts = Path(name).parts
        if name == assignment.notebook and not path.is_file():
            continue  # said by handout_problems
        if Path(name).is_absolute() or ".." in parts:
            problems.append(f"the data file {name} lies outside the lesson's folder "
                            f"{assignment.folder}: move it there and name it relative to it")
        elif not path.is_file():
            problems.append(
                f"{path} does not exist: run `grade freeze --lesson {assignment.name}`"
                if name == assignment.expected_file else
                f"the data file {path} does not exist: add it to the lesson's folder, or take it "
                "out of data_files"
            )
        elif any(part.startswith(".") for part in parts):
            problems.append(f"{path} is hidden, so it is not packaged: give it a name that does "
                            "not start with a dot")
        elif git_ignored(path):
            problems.append(f"{path} is ignored by git, so a clone or release of the course "
                            f"lacks it: change .gitignore (`git check-ignore -v {path}` names "
                            "the rule)")
    return problems


def validate(assignment: Assignment) -> list[str]:
    """Every problem of the lesson, one line each naming the fix; [] when its parts agree."""
    problems = handout_problems(assignment)
    where = outside_solutions(assignment)
    references, missing = load_references(assignment)
    problems += [problem for problem in (where, missing) if problem]
    found = definition_problems(assignment, references)
    problems += found + file_problems(assignment)
    stored = assignment.expected_path()
    if references is not None and not found and stored.is_file():
        try:
            stale = stale_checks(assignment, MAX_EXAMPLES).problems
        except AssignmentError as error:
            stale = (str(error),)
        problems += [f"the stored outputs are out of date ({problem}): run `grade freeze "
                     f"--lesson {assignment.name}`" for problem in stale]
    return problems
