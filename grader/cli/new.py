"""``grade new NAME``: write a new lesson's working skeleton (see ``authoring.skeleton``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..authoring.skeleton import write_skeleton

USAGE = "grade new NAME [--root DIR]"
SUMMARY = "start a new lesson: its definition and a solved notebook with solution markers"


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Write a new lesson's skeleton that works as it is: DIR/assignments/NAME/__init__.py "
        "(its definition: one small exercise and its sub-checks) and "
        "DIR/solutions/NAME-solved.ipynb (a solved notebook with solution markers). Nothing "
        "is overwritten. Then run `grade assign` on the solved notebook."
    )
    parser.add_argument("name", metavar="NAME", help="the lesson's name, a Python identifier")
    parser.add_argument("--root", type=Path, default=Path("."), metavar="DIR",
                        help="the course repository to write it into (default: this folder)")


def run(arguments: argparse.Namespace) -> int:
    made = write_skeleton(arguments.name, arguments.root)
    print(f"Wrote {made.definition}: the lesson's definition, one exercise with its sub-checks.")
    print(f"Wrote {made.solved}: the solved notebook, with solution markers.")
    print(f"Next: `grade assign {made.solved}` makes the handout, the reference and the stored "
          f"outputs, then `grade validate {arguments.name}` checks they agree.")
    if not made.on_lesson_path:
        root = arguments.root.resolve()
        print(f"Note: {root / 'assignments'} is not on the lesson path, so `grade` will not find "
              f"the lesson {arguments.name!r} from here: run it from the course repository it "
              f"belongs to, or add {root} to PYTHONPATH (PYTHONPATH={root} grade assign ...).",
              file=sys.stderr)
    return 0
