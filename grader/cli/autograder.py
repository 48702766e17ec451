"""``grade autograder``: write ``autograder.zip``, which grades a lesson on Gradescope as ``grade``
grades it here (see ``output.autograder_zip``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..model.lessons import assignment_name, load_assignment
from ..output.autograder_zip import build_autograder
from ..output.gradescope import VISIBILITIES, Visibility
from .options import add_lesson_option, add_settings_options, settings_from

USAGE = "grade autograder [--lesson NAME] [--out autograder.zip] [--visibility V] [options]"
SUMMARY = "write autograder.zip, which grades a lesson's submissions on Gradescope"


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write the autograder zip to upload to a Gradescope programming assignment. There it "
        "installs the grader (setup.sh), and for each submission grades it as `grade` does and "
        "writes Gradescope's results.json: one test per sub-check, the feedback above them."
    )
    add_lesson_option(parser, help="the lesson to grade (default: the only one installed)")
    parser.add_argument("--out", type=Path, default=Path("autograder.zip"), metavar="ZIP",
                        help="where to write the zip (default: autograder.zip)")
    parser.add_argument("--visibility", default="visible", choices=VISIBILITIES,
                        help="when students see their results (default: visible)")
    parser.add_argument("--stdout-visibility", default="hidden", choices=VISIBILITIES,
                        help="when students see the autograder's own output (default: hidden)")
    add_settings_options(parser)


def run(arguments: argparse.Namespace) -> int:
    settings = settings_from(arguments, kernels_here=False)  # the kernels run on Gradescope
    assignment = load_assignment(assignment_name(arguments.lesson, "--lesson"))
    visibility = Visibility(arguments.visibility, arguments.stdout_visibility)
    members = build_autograder(arguments.out, assignment, settings, visibility)
    print(f"Wrote {arguments.out} ({len(members)} files) for the lesson {assignment.name!r}: "
          f"results {visibility.results}, the autograder's output {visibility.stdout}.")
    print("Upload it as the autograder of a Gradescope programming assignment (base image "
          "Ubuntu 22.04). Students submit their notebook, or its folder; set the assignment's "
          f"timeout above --submission-timeout ({settings.submission_timeout:g} s).",
          file=sys.stderr)
    return 0
