"""``grade PATH...``: grade a folder of notebooks and write the gradebook and feedback (the
command line's side of ``course.grade``: it parses and prints)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..course import Request, grade
from ..model.settings import Settings
from ..output.progress import Progress
from .cluster import add_cluster_option
from .options import add_grading_options, settings_from

USAGE = "grade PATH... [options]"
SUMMARY = ("grade folders of submissions, course platforms' downloads or single notebooks (the "
           "default command)")
EXIT_OK, EXIT_GRADER_FAILED = 0, 1


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Execute each student notebook in a fresh kernel and check its functions against the "
        "reference solutions on generated inputs."
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a folder of submissions (notebooks or scripts, or one sub-folder per "
                        "student), a Canvas download or Gradescope export, a zip of any of "
                        "these, or single notebooks")
    parser.add_argument("--out", type=Path, default=Path("grades"),
                        help="folder for grades.csv and per-submission results (default: grades/)")
    parser.add_argument("--force", action="store_true",
                        help="regrade every submission, also those graded into --out before from "
                        "the same notebook with the same lesson, grader and settings")
    parser.add_argument("--jobs", type=int, default=None,
                        help="submissions graded at once (default: the number of cores)")
    add_cluster_option(parser)
    add_grading_options(parser)
    book = parser.add_argument_group("the gradebook (see README, \"What comes out\")")
    book.add_argument("--late-penalty", metavar="RULE", default=None,
                      help="the lesson's late penalty from now on, such as \"10%%/day, max 50%%, "
                      "grace 15m\" (%% of the points possible; N/day for points; 20%% alone for "
                      "once; none for no penalty); kept in the gradebook for later runs")
    book.add_argument("--deadline", metavar="WHEN", default=None,
                      help="the lesson's deadline, as 2026-12-01T23:59 (this machine's time zone) "
                      "or 2026-12-01T23:59+01:00; goes with --late-penalty")
    book.add_argument("--roster", type=Path, default=None, metavar="FILE",
                      help="a CSV of the students (submission, canvas_user_id, email, sid, "
                      "submitted_at, ...): submission times for the late policy where the "
                      "download gives none")


class Printer:
    """What a run says, printed: notes and progress on stderr, what it found on stdout."""

    def note(self, text: str) -> None:
        print(text, file=sys.stderr)

    def show(self, text: str) -> None:
        print(text)

    def progress(self, total: int) -> Progress:
        return Progress(total)


def request_from(arguments: argparse.Namespace, settings: Settings) -> Request:
    return Request(
        paths=tuple(arguments.paths), out=arguments.out, settings=settings,
        lesson=arguments.lesson,
        exercises=tuple(arguments.exercise) if arguments.exercise else None,
        without_solutions=arguments.without_solutions, force=arguments.force,
        jobs=arguments.jobs, cluster=arguments.cluster, junit=arguments.junit,
        late_penalty=arguments.late_penalty, deadline=arguments.deadline, roster=arguments.roster,
    )


def run(arguments: argparse.Namespace) -> int:
    # the sandbox is checked by ``grade``, for kernels here (on a cluster, the workers say)
    settings = settings_from(arguments, kernels_here=False)
    graded = grade(request_from(arguments, settings), Printer())
    return EXIT_OK if graded.complete else EXIT_GRADER_FAILED
