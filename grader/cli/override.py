"""``grade override LESSON STUDENT``: an instructor's adjustment that every regrade keeps."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from ..gradebook.overrides import OverrideRequest, record_override
from ..output.wording import points

USAGE = ("grade override LESSON STUDENT (--points EXERCISE=N ... | --total N) --reason TEXT "
         "[--out DIR]")
SUMMARY = ("record a manual adjustment of a student's points (a regrade request, an extension, "
           "an academic-integrity zero) that survives every regrade")


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = SUMMARY[0].upper() + SUMMARY[1:] + "."
    parser.add_argument("lesson", metavar="LESSON", help="the lesson, as grades.csv's folder has it")
    parser.add_argument("student", metavar="STUDENT",
                        help="the submission's name in grades.csv, or the Canvas user id, "
                        "email or student id the download gave")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--points", action="append", metavar="EXERCISE=N",
                       help="the points of one exercise, instead of what the checks gave "
                       "(may be given more than once); the late penalty still applies")
    which.add_argument("--total", type=float, metavar="N",
                       help="the student's final points, whatever the checks and the late "
                       "penalty give")
    parser.add_argument("--reason", required=True, help="why, in a few words: kept with it")
    parser.add_argument("--by", default=None,
                        help="who decided it (default: this machine's user name)")
    parser.add_argument("--in-feedback", action="store_true",
                        help="also say it in the student's feedback.md and feedback.html")
    parser.add_argument("--out", type=Path, default=Path("grades"),
                        help="the folder graded into (default: grades/)")


def run(arguments: argparse.Namespace) -> int:
    done = record_override(arguments.out, OverrideRequest(
        arguments.lesson, arguments.student, tuple(arguments.points or ()), arguments.total,
        arguments.reason, arguments.by or getpass.getuser(), arguments.in_feedback))
    for override in done.overrides:
        print(f"Recorded for {done.student} in {arguments.lesson}: "
              f"{override.exercise or 'total'}={points(override.points)} by {override.by} at "
              f"{override.at} ({override.reason}).")
    print(f"{done.student} now: auto {points(done.mark.auto)}, final {points(done.mark.final)}"
          f"/{points(done.possible)}. {done.written}")
    return 0
