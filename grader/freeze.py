"""Store each sub-check's fixed inputs with the reference's outputs, beside the assignment.

    python -m grader.freeze [--assignment NAME] [--check]

With the stored file a student's install grades without the reference solutions and reaches the
verdicts final grading reaches. For an exercise with stand-ins it also holds, per input, the
reference's output for each stand-in's helper call. ``--check`` writes nothing and exits 1 if
the stored file is missing or no longer matches what the reference gives (run without it to
bring it up to date).
"""

from __future__ import annotations

import argparse
import sys

import hypothesis
import numpy as np

from .assignment import Assignment, load_assignment
from .errors import GraderError
from .oracle import (
    Examples, Oracle, call_reference, draw_inputs, load_examples, save_examples, stand_in_outputs,
)
from .settings import DEFAULT_PROFILE, PROFILES


def current_examples(assignment: Assignment, max_examples: int) -> dict[tuple[str, str], Examples]:
    """Freshly drawn inputs and the reference's outputs for every sub-check."""
    oracle = Oracle(assignment, assignment.reference_functions(), stored=None)
    return {
        (exercise.name, check.name): oracle.examples(exercise, check, max_examples)
        for exercise in assignment.exercises
        for check in exercise.checks
    }


def _equal(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def _same_inputs(left: tuple[tuple, ...], right: tuple[tuple, ...]) -> bool:
    return len(left) == len(right) and all(
        len(x) == len(y) and all(_equal(p, q) for p, q in zip(x, y)) for x, y in zip(left, right)
    )


def stale_checks(assignment: Assignment, max_examples: int) -> list[str]:
    """Sub-checks whose stored data is missing or wrong, each with the reason.

    Stored outputs must equal the reference's outputs for the stored inputs. The stored inputs
    must equal a fresh draw too, but only where this machine has the hypothesis version that
    drew them: another version may draw other inputs, and the stored ones stay valid.
    """
    path = assignment.expected_path()
    if not path.is_file():
        return [f"{path} does not exist"]
    stored = load_examples(path)
    if stored.max_examples != max_examples:
        return [f"stored with {stored.max_examples} inputs per sub-check, not {max_examples}"]
    references = assignment.reference_functions()
    same_version = stored.hypothesis == hypothesis.__version__
    problems = []
    for exercise in assignment.exercises:
        for check in exercise.checks:
            name = f"{exercise.name}: {check.name}"
            found = stored.examples.get((exercise.name, check.name))
            if found is None:
                problems.append(f"{name}: not stored")
            elif not all(
                _equal(call_reference(references[exercise.name], arguments), expected)
                for arguments, expected in zip(found.inputs, found.expected)
            ):
                problems.append(f"{name}: the reference now gives other outputs")
            elif exercise.stand_ins and not (
                len(found.stand_in_outputs) == len(found.inputs) and all(
                    len(stored) == len(fresh) and all(map(_equal, stored, fresh))
                    for arguments, stored in zip(found.inputs, found.stand_in_outputs)
                    for fresh in [stand_in_outputs(exercise, references, arguments)]
                )
            ):
                problems.append(f"{name}: the stand-in outputs are missing or out of date")
            elif not exercise.stand_ins and found.stand_in_outputs:
                problems.append(f"{name}: stand-in outputs are stored but it has no stand-ins")
            elif same_version and not _same_inputs(
                found.inputs, draw_inputs(exercise, check, max_examples)
            ):
                problems.append(f"{name}: the sub-check now draws other inputs")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.freeze", description=__doc__.split("\n")[0])
    parser.add_argument("--assignment", default="convolutions", help="assignment to store (default: convolutions)")
    parser.add_argument("--check", action="store_true", help="only check the stored file is current")
    arguments = parser.parse_args(argv)
    max_examples = PROFILES[DEFAULT_PROFILE].max_examples
    try:
        assignment = load_assignment(arguments.assignment)
        if arguments.check:
            stale = stale_checks(assignment, max_examples)
            for problem in stale:
                print(f"out of date: {problem}", file=sys.stderr)
            if stale:
                print(f"Run `python -m grader.freeze --assignment {assignment.name}` to update "
                      f"{assignment.expected_path()}.", file=sys.stderr)
                return 1
            print(f"{assignment.expected_path()} is current.")
            return 0
        examples = current_examples(assignment, max_examples)
        save_examples(assignment.expected_path(), assignment, max_examples, examples)
    except GraderError as error:
        print(f"freeze: error: {error}", file=sys.stderr)
        return 2
    count = sum(len(found.inputs) for found in examples.values())
    stand_ins = sum(len(each) for found in examples.values() for each in found.stand_in_outputs)
    print(f"Stored {count} inputs and expected outputs, and {stand_ins} stand-in outputs, in "
          f"{assignment.expected_path()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
