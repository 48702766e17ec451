"""``grade assign SOLVED.ipynb``: make a lesson's handout, reference and stored outputs from its
solved notebook, then check in real kernels that the solved notebook earns full marks and the
handout zero (see ``authoring.assign``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Literal

from ..authoring.assign import (
    lesson_for,
    name_lesson,
    read_solved,
    store_expected,
    verify,
    write_handout_and_reference,
)
from ..authoring.definition import definition_problems, load_references
from ..model.errors import UsageError
from ..model.lessons import load_assignment
from ..model.secret import ensure_secret
from ..model.settings import DEFAULT_PROFILE, PROFILES
from ..output.lines import sandbox_line
from .options import add_lesson_option

USAGE = "grade assign SOLVED.ipynb [--lesson NAME]"
SUMMARY = ("make a lesson's handout, reference and stored outputs from its solved notebook, "
           "and check them in real kernels")
EXIT_OK, EXIT_FAILED = 0, 1


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Turn the solution markers of a solved notebook into the lesson's handout (stubs, "
        "exercise tags, the lesson's name in its metadata), write the reference module from its "
        "exercise cells unless a hand-written one exists, store the expected outputs, and check "
        "in real kernels that the solved notebook earns full marks and the handout zero. Exit "
        "status: 0 when all of that holds, 1 when a check fails, 2 for a usage error."
    )
    parser.add_argument("solved", type=Path, metavar="SOLVED.ipynb",
                        help="the solved notebook, with solution markers")
    add_lesson_option(parser, help="the lesson it is for (default: the one its metadata "
                          "names, else the one whose functions it defines)")


def run(arguments: argparse.Namespace) -> int:
    path = arguments.solved
    if not path.is_file():
        raise UsageError(f"{path} does not exist")
    solved = read_solved(path)
    name = lesson_for(solved, arguments.lesson, path)
    assignment = load_assignment(name)
    handout, reference, written = write_handout_and_reference(solved, path, assignment)
    if name_lesson(solved, path, name):
        print(f"Named the lesson {name!r} in the metadata of {path}.")
    print(f"Wrote the handout {handout}.")
    print(f"Wrote the reference {reference}." if written else
          f"Kept the hand-written reference {reference}; the solved notebook's verdict below "
          "shows whether they agree.")
    references, missing = load_references(assignment)
    problems = [missing] if missing else definition_problems(assignment, references)
    if not problems:
        try:
            stored = store_expected(assignment)
        except Exception as error:  # the lesson's own code, on an input the sample missed
            problems = [f"storing the expected outputs failed: {type(error).__name__}: {error}: "
                        f"fix the lesson, then run `grade validate {name}`"]
    if problems:
        for problem in problems:
            print(f"grade assign: {name}: {problem}", file=sys.stderr)
        print("grade assign: fix the lesson's definition, then run `grade assign` again; no "
              "notebook was graded.", file=sys.stderr)
        return EXIT_FAILED
    expected = assignment.expected_path()
    print(f"{expected} is current." if stored is None else
          f"Stored the expected outputs of {stored} sub-checks in {expected}.")
    made = ensure_secret(assignment.secret_path())
    if made:
        print(made)
    return _check_in_kernels(assignment, path, handout)


def _check_in_kernels(assignment, solved: Path, handout: Path) -> int:
    settings = PROFILES[DEFAULT_PROFILE]
    print(f"Grading the solved notebook and the handout in real kernels. {sandbox_line(settings)}")
    failed = []
    notebooks: tuple[tuple[Path, str, Literal["full marks", "zero"]], ...] = (
        (solved, "the solved notebook", "full marks"), (handout, "the handout", "zero"))
    for path, what, expected in notebooks:
        verdict = verify(assignment, path, what, expected, settings)
        score = f"{verdict.score:g} / {verdict.possible:g}"
        if verdict.holds:
            print(f"{what} earns {score}: {expected}, as it should.")
            continue
        failed.append(what)
        print(f"{what} earns {score}, not {expected}:")
        for line in verdict.wrong:
            print(f"  {line}")
    if failed:
        print(f"grade assign: {' and '.join(failed)} did not earn what {'they' if len(failed) > 1 else 'it'} "
              "should (see above).", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
