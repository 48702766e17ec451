"""What held-out inputs cost the grader per submission: drawing them, with the reference's
outputs, for every sub-check of every installed lesson.

    python bench/held_out.py [--notebooks N] [--count K]

For N notebooks (each its own held-out inputs, as final grading draws them) it prints the CPU
seconds the grader's process spends drawing K held-out inputs per sub-check and computing their
expected outputs: the most a submission can cost, since only a sub-check whose public inputs
all pass draws its held-out ones.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.judge.oracle import make_oracle
from grader.model.lessons import installed_lessons
from grader.model.settings import PROFILES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=int, default=5)
    parser.add_argument("--count", type=int, default=PROFILES["thorough"].held_out_examples)
    arguments = parser.parse_args(argv)
    for lesson in installed_lessons().lessons:
        oracle = make_oracle(lesson)
        if not oracle.holds_out:
            print(f"{lesson.name}: no held-out inputs (no secret, or no reference)")
            continue
        first = lesson.exercises[0]
        oracle.for_notebook("warm-up").held_out(first, first.checks[0], arguments.count)
        seconds = []
        for number in range(arguments.notebooks):
            bound = oracle.for_notebook(f"notebook {number}")
            started = time.process_time()
            for exercise in lesson.exercises:
                for check in exercise.checks:
                    bound.held_out(exercise, check, arguments.count)
            seconds.append(time.process_time() - started)
        checks = sum(len(exercise.checks) for exercise in lesson.exercises)
        print(f"{lesson.name}: {arguments.count} held-out inputs for each of {checks} sub-checks: "
              f"median {statistics.median(seconds):.2f} s of CPU per notebook "
              f"(from {min(seconds):.2f} to {max(seconds):.2f} s, {arguments.notebooks} notebooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
