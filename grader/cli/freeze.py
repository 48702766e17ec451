"""``grade freeze``: store each sub-check's fixed inputs with the reference's outputs, or check
that the stored file is current (see ``authoring.freeze``)."""

from __future__ import annotations

import argparse
import sys

from ..authoring.definition import definition_problems, load_references
from ..authoring.freeze import stale_checks, write_expected
from ..model.assignment import Assignment
from ..model.errors import AssignmentError
from ..model.secret import ensure_secret, read_secret
from ..model.settings import MAX_EXAMPLES
from .options import add_lesson_option, chosen_lessons

USAGE = "grade freeze [--check | --redraw] [--lesson NAME]"
SUMMARY = "store the expected outputs a student's install grades with, or --check them"
EXIT_OK, EXIT_STALE = 0, 1


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Store each sub-check's fixed inputs with the reference's outputs beside the "
        "assignment, so that an install without the reference solutions reaches the verdicts "
        "final grading reaches. The stored inputs are kept; only their outputs are computed "
        "anew. Exit status with --check: 0 when the stored file is current, 1 when it is not."
    )
    add_lesson_option(parser, help="the lesson to store or check (default: every "
                          "installed lesson)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; only check that the stored file is current")
    parser.add_argument("--redraw", action="store_true",
                        help="draw every sub-check's inputs afresh instead of keeping the stored "
                        "ones (after changing how a sub-check draws its inputs)")


def run(arguments: argparse.Namespace) -> int:
    lessons, broken = chosen_lessons(arguments.lesson)
    codes = [EXIT_STALE for _ in broken]
    for assignment in lessons:
        try:
            # a mistake in the lesson's definition reads as a message, not a traceback
            references, missing = load_references(assignment)
            problems = [missing] if missing else definition_problems(assignment, references)
            for problem in problems:
                print(f"{assignment.name}: {problem}", file=sys.stderr)
            codes.append(EXIT_STALE if problems else _check(assignment) if arguments.check
                         else _store(assignment, arguments.redraw))
        except AssignmentError as error:  # this lesson's problem; the others go on
            print(f"{assignment.name}: {error}", file=sys.stderr)
            codes.append(EXIT_STALE)
    return max(codes, default=EXIT_OK)


def _check(assignment: Assignment) -> int:
    path = assignment.expected_path()
    found = stale_checks(assignment, MAX_EXAMPLES)
    for note in found.notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in found.problems:
        print(f"out of date: {problem}", file=sys.stderr)
    if read_secret(assignment.secret_path()) is None:
        print(f"note: {assignment.name} has no secret, so final grading tries no held-out "
              f"inputs: `grade freeze --lesson {assignment.name}` makes one", file=sys.stderr)
    if found.problems:
        print(f"Run `grade freeze --lesson {assignment.name}` to update {path}.",
              file=sys.stderr)
        return EXIT_STALE
    print(f"{path} is current.")
    return EXIT_OK


def _store(assignment: Assignment, redraw: bool) -> int:
    frozen = write_expected(assignment, MAX_EXAMPLES, redraw)
    print(f"Stored {frozen.inputs} inputs and expected outputs, {frozen.stand_in_outputs} stand-in "
          f"outputs and {frozen.showcases} showcases in {assignment.expected_path()} "
          f"({frozen.kept} of {frozen.subchecks} sub-checks kept their stored inputs).")
    made = ensure_secret(assignment.secret_path())
    if made:
        print(made)
    return EXIT_OK
