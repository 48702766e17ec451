"""``grade freeze``: store each sub-check's fixed inputs with the reference's outputs, or check
that the stored file is current (see ``judge.freeze``)."""

from __future__ import annotations

import argparse
import sys

from ..judge.freeze import current_examples, current_showcases, stale_checks
from ..judge.stored import load_examples, save_examples
from ..model.lessons import assignment_name, load_assignment
from ..model.settings import DEFAULT_PROFILE, PROFILES

USAGE = "grade freeze [--check | --redraw] [--assignment NAME]"
SUMMARY = "store the expected outputs a student's install grades with, or --check them"
EXIT_OK, EXIT_STALE = 0, 1


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Store each sub-check's fixed inputs with the reference's outputs beside the "
        "assignment, so that an install without the reference solutions reaches the verdicts "
        "final grading reaches. The stored inputs are kept; only their outputs are computed "
        "anew. Exit status with --check: 0 when the stored file is current, 1 when it is not."
    )
    parser.add_argument("--assignment", default=None,
                        help="assignment to store (default: the only one)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; only check that the stored file is current")
    parser.add_argument("--redraw", action="store_true",
                        help="draw every sub-check's inputs afresh instead of keeping the stored "
                        "ones (after changing how a sub-check draws its inputs)")


def run(arguments: argparse.Namespace) -> int:
    assignment = load_assignment(assignment_name(arguments.assignment))
    max_examples = PROFILES[DEFAULT_PROFILE].max_examples
    path = assignment.expected_path()
    if arguments.check:
        found = stale_checks(assignment, max_examples)
        for note in found.notes:
            print(f"note: {note}", file=sys.stderr)
        for problem in found.problems:
            print(f"out of date: {problem}", file=sys.stderr)
        if found.problems:
            print(f"Run `grade freeze --assignment {assignment.name}` to update {path}.",
                  file=sys.stderr)
            return EXIT_STALE
        print(f"{path} is current.")
        return EXIT_OK
    stored = load_examples(path) if path.is_file() and not arguments.redraw else None
    examples = current_examples(assignment, max_examples, stored, arguments.redraw)
    showcases = current_showcases(assignment)
    save_examples(path, assignment, max_examples, examples, showcases)
    count = sum(len(found.inputs) for found in examples.values())
    stand_ins = sum(len(each) for found in examples.values() for each in found.stand_in_outputs)
    kept = sum(key in stored.examples for key in examples) if stored and (
        stored.max_examples == max_examples) else 0
    print(f"Stored {count} inputs and expected outputs, {stand_ins} stand-in outputs and "
          f"{len(showcases)} showcases in {path} ({kept} of {len(examples)} sub-checks kept their "
          "stored inputs).")
    return EXIT_OK
