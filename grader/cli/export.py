"""``grade export --to canvas|gradescope|csv FILE``: the file a course platform imports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..gradebook.export import PLATFORMS, export
from ..gradebook.roster import read_roster
from ..gradebook.store import Gradebook, find_gradebook
from ..model.errors import AssignmentError, UsageError
from ..model.lessons import load_assignment

USAGE = "grade export --to canvas|gradescope|csv FILE [--out DIR] [--roster FILE] [--lesson NAME]"
SUMMARY = ("write the file Canvas or Gradescope imports (or a plain CSV): each student's final "
           "points, one row per student")
EXIT_UNMATCHED = 1
FIX = {
    "canvas": "give --roster FILE with their submission and canvas_user_id (Canvas's own "
              "gradebook export works as a roster: its ID column is the id)",
    "gradescope": "give --roster FILE with their submission and email or sid",
}


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = SUMMARY[0].upper() + SUMMARY[1:] + "."
    parser.add_argument("file", type=Path, metavar="FILE", help="the file to write")
    parser.add_argument("--to", required=True, choices=PLATFORMS,
                        help="canvas: its gradebook import (Student, ID, SIS User ID, SIS Login "
                        "ID, Section, the lesson); gradescope: a score upload (Name, SID, "
                        "Email, Total Score; a group's members a row each); csv: everything")
    parser.add_argument("--out", type=Path, default=Path("grades"),
                        help="the folder graded into (default: grades/)")
    parser.add_argument("--lesson", default=None, metavar="NAME",
                        help="the lesson, when --out holds several")
    parser.add_argument("--roster", type=Path, default=None, metavar="FILE",
                        help="a CSV of what the downloads did not say: submission, name, "
                        "canvas_user_id (or ID), sis_user_id, sis_login_id, section, email, sid")
    parser.add_argument("--column", default=None, metavar="NAME",
                        help="Canvas: the assignment's column, as Canvas's export names it "
                        "(\"Convolutions (12345)\"); default: the lesson's name, which Canvas "
                        "imports as a new assignment")


def run(arguments: argparse.Namespace) -> int:
    roster = read_roster(arguments.roster)
    book = Gradebook.open(find_gradebook(arguments.out, arguments.lesson), create=False)
    try:
        lessons = book.lessons()
        lesson = arguments.lesson or (lessons[0] if len(lessons) == 1 else None)
        if lesson not in lessons:
            raise UsageError(f"the gradebook {book.path} has " + (
                f"no lesson {lesson!r}; it has {', '.join(lessons) or 'none'}" if lesson else
                f"several lessons ({', '.join(lessons)}): name one with --lesson"))
        try:
            assignment = load_assignment(lesson)
        except AssignmentError:
            assignment = None  # the policy a command gave is in the gradebook
        made = export(book, lesson, arguments.to, arguments.file, roster, arguments.column,
                      assignment)
    finally:
        book.close()
    print(f"Wrote {arguments.file}: {made.rows} row(s), columns {', '.join(made.header)}.")
    if made.unmatched:
        print(f"Left out {len(made.unmatched)} submission(s) the download gave no "
              f"{'Canvas user id' if arguments.to == 'canvas' else 'email or SID'} for: "
              f"{', '.join(made.unmatched)}; {FIX[arguments.to]}.", file=sys.stderr)
        return EXIT_UNMATCHED
    return 0
