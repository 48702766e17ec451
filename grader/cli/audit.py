"""``grade audit [LESSON]``: how well each lesson's sub-checks catch typical mistakes (see
``authoring.audit``): the kill matrix in the terminal, ``audit.json`` and a picture per lesson."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..authoring.audit import audit_lesson
from ..authoring.audit_picture import write_picture
from ..authoring.audit_text import audit_text, write_json
from ..model.errors import AssignmentError
from ..model.settings import MAX_EXAMPLES
from .options import chosen_lessons

USAGE = "grade audit [LESSON] [--out DIR]"
SUMMARY = "try typical mistakes on every sub-check: which do the checks catch?"
EXIT_OK, EXIT_MISSED = 0, 1


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Check mutants of each reference solution (off-by-one bounds, swapped axes, a flipped "
        "kernel, sum for mean, integer results, ...) and the mistakes the lesson declares, "
        "on every sub-check with the stored inputs, in this process (no kernel). Prints the "
        "kill matrix: how many stored inputs of each sub-check catch each mutant. Exit status: "
        "0 when every declared mistake is caught, 1 when one is not (or a lesson cannot be "
        "audited)."
    )
    parser.add_argument("lesson", nargs="?", default=None, metavar="LESSON",
                        help="the lesson to audit (default: every installed lesson)")
    parser.add_argument("--out", type=Path, default=Path("audit"), metavar="DIR",
                        help="where audit.json and a picture per lesson, LESSON.png, go "
                        "(default: audit/)")


def run(arguments: argparse.Namespace) -> int:
    started = time.perf_counter()
    lessons, broken = chosen_lessons(arguments.lesson)
    codes = [EXIT_MISSED for _ in broken]
    audits = []
    for assignment in lessons:
        try:
            audit = audit_lesson(assignment, MAX_EXAMPLES)
        except AssignmentError as error:  # this lesson's problem; the others go on
            print(f"{assignment.name}: {error}", file=sys.stderr)
            codes.append(EXIT_MISSED)
            continue
        print(audit_text(audit) + "\n")
        write_picture(arguments.out / f"{audit.lesson}.png", audit)
        audits.append(audit)
        codes.append(EXIT_MISSED if audit.mistakes_missed() else EXIT_OK)
    if audits:
        write_json(arguments.out / "audit.json", audits)
        pictures = ", ".join(str(arguments.out / f"{audit.lesson}.png") for audit in audits)
        print(f"Wrote {arguments.out / 'audit.json'} and {pictures}.")
    print(f"Audited {len(audits)} of {len(lessons) + len(broken)} lessons in "
          f"{time.perf_counter() - started:.1f} s.")
    for audit in audits:
        if audit.mistakes_missed():
            print(f"{audit.lesson}: the sub-checks miss {len(audit.mistakes_missed())} of its "
                  f"{audit.counts('mistake')['total']} declared mistakes: make their strategies "
                  "draw inputs that show them, then run `grade freeze --redraw`.",
                  file=sys.stderr)
    return max(codes, default=EXIT_OK)
