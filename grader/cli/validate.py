"""``grade validate [NAME]``: whether a lesson's parts agree, without starting a kernel (see
``authoring.validate``)."""

from __future__ import annotations

import argparse
import sys

from ..authoring.validate import validate
from .options import chosen_lessons

USAGE = "grade validate [NAME]"
SUMMARY = "check that a lesson's handout, definition, reference and stored outputs agree"
EXIT_OK, EXIT_PROBLEMS = 0, 1


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Check, without starting a kernel, that a lesson's parts agree: the handout's exercise "
        "tags and metadata, the parameters of the handout, the definition and the reference, "
        "that each sub-check draws tuples of arguments, that the reference lies in solutions/, "
        "that the stored outputs are current and that the data files would be packaged. Each "
        "problem is one line that names the fix. Exit status: 0 when there are none, 1 if any."
    )
    parser.add_argument("name", nargs="?", default=None, metavar="NAME",
                        help="the lesson (default: every installed lesson)")


def run(arguments: argparse.Namespace) -> int:
    lessons, broken = chosen_lessons(arguments.name)  # says on stderr why each broken one is
    problems = []
    for assignment in lessons:
        found = validate(assignment)
        problems += [f"{assignment.name}: {problem}" for problem in found]
        if not found:
            print(f"{assignment.name}: its handout, definition, reference and stored outputs "
                  "agree.")
    for problem in problems:
        print(problem, file=sys.stderr)
    return EXIT_PROBLEMS if problems or broken else EXIT_OK
