"""``grade check NOTEBOOK``: the verdicts final grading would give, printed for a student (the
command line's side of ``course.check_notebook``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..course import check_notebook
from ..model.errors import UnreadableNotebook, UsageError
from ..output.html import feedback_page
from ..output.junit import write_junit
from ..output.report import feedback_markdown
from .grade import Printer
from .options import add_grading_options, settings_from

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


def run(arguments: argparse.Namespace) -> int:
    settings = settings_from(arguments, kernels_here=False)  # checked by ``check_notebook``
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
        result = check_notebook(path, settings, arguments.lesson, arguments.exercise,
                                arguments.without_solutions, Printer())
    except UnreadableNotebook as error:
        print(f"grade check: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
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
