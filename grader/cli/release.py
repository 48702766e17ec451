"""``grade release NAME --out DIR``: the students' template repository for one lesson (see
``authoring.release``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..authoring.release import write_release
from ..model.lessons import load_assignment

USAGE = "grade release NAME --out DIR"
SUMMARY = "write the students' template repository for one lesson, without solutions"


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write the students' template repository for one lesson into a new folder: the "
        "handout and its data, the grader, that lesson's definition and stored outputs, a "
        "pyproject.toml that installs the `grade` command, and a README with the self-check and "
        "GitHub Classroom commands. No reference solutions and no other lesson go in. Refused "
        "while the lesson's stored outputs are out of date."
    )
    parser.add_argument("name", metavar="NAME", help="the lesson")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="the folder to write (new, or empty)")


def run(arguments: argparse.Namespace) -> int:
    assignment = load_assignment(arguments.name)
    written = write_release(assignment, arguments.out)
    lesson = [path for path in written if path.parts[0] == "assignments"]
    print(f"Wrote the release of {assignment.name} to {arguments.out}: {len(written)} files, "
          f"the lesson's {len(lesson)} in assignments/{assignment.name}/. Push it as the "
          "template repository; students run `pip install -e .` and `grade check "
          f"{assignment.notebook}`.")
    return 0
