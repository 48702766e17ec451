"""``grade check NOTEBOOK``: the verdicts final grading would give, printed for a student."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..grading.pipeline import grade_submission, kept_from_kernels
from ..intake.discover import Submission
from ..kernel.notebook import read_notebook
from ..model.assignment import Assignment
from ..model.errors import UnreadableNotebook, UsageError
from ..model.lessons import choose_lesson
from ..output.html import feedback_page
from ..output.junit import write_junit
from ..output.report import feedback_markdown
from .options import (
    SOURCES,
    add_grading_options,
    assignment_and_oracle,
    sandbox_line,
    settings_from,
)

USAGE = "grade check NOTEBOOK [options]"
SUMMARY = "check one notebook before submitting it, as final grading would"
EXIT_OK, EXIT_CHECK_FAILED, EXIT_UNREADABLE = 0, 1, 2


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Check one notebook before submitting it: run it as final grading does and print, per "
        "exercise, PASS or FAIL with the smallest failing input. Exit status: 0 when every check "
        "passes, 1 when one fails, 2 when the notebook cannot be read."
    )
    parser.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="the notebook to check")
    parser.add_argument("--html", type=Path, default=None, metavar="FILE",
                        help="also write the feedback with its pictures as one HTML page")
    add_grading_options(parser)


def _own_folder(path: Path, assignment: Assignment) -> Path | None:
    """The notebook's folder: its files (a helper module, a data file) are there when it runs,
    as a student's folder's are in grading. Not a lesson's folder (the handout's, which holds
    the stored outputs) nor the reference solutions', whose files never enter a kernel."""
    if any(path.resolve().parent.is_relative_to(folder)
           for folder in kept_from_kernels(assignment)):
        return None
    return path.parent


def run(arguments: argparse.Namespace) -> int:
    settings = settings_from(arguments)
    path = arguments.notebook
    if path.is_dir():
        notebooks = sorted(path.glob("*.ipynb"))
        which = (f": `grade check {notebooks[0]}`" if len(notebooks) == 1 else
                 f", such as {notebooks[0]}" if notebooks else "")
        raise UsageError(f"{path} is a folder: grade check checks one notebook, so name it"
                         f"{which}; to grade a folder of submissions, run `grade {path}`")
    if not path.is_file():
        raise UsageError(f"{path} does not exist")
    try:
        notebook = read_notebook(path)
    except UnreadableNotebook as error:
        print(f"grade check: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    lesson = choose_lesson(arguments.assignment, notebook)
    assignment, oracle = assignment_and_oracle(arguments, settings, lesson)
    print(f"Checking {path} against the {SOURCES[oracle.mode]}...", file=sys.stderr)
    print(sandbox_line(settings), file=sys.stderr)
    submission = Submission(path.stem, path, folder=_own_folder(path, assignment))
    result = grade_submission(submission, assignment, settings, oracle)
    if arguments.junit:
        write_junit(arguments.junit, [result])
    if arguments.html:
        arguments.html.write_text(feedback_page(result), encoding="utf-8")
    if result.status == "unreadable":
        print(f"grade check: {result.message}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(feedback_markdown(result))
    checks = [check for exercise in result.exercises for check in exercise.checks]
    return EXIT_OK if all(check.status == "passed" for check in checks) else EXIT_CHECK_FAILED
