"""How long a slow student function holds a worker, with the default settings.

    python bench/slow.py

Grades, one after another and each with the default settings, the notebooks in
``tests/notebooks/slow/``: a ``template_match`` that ignores its image and loops over the whole
lesson photo (about 2 s per call; wrong), and a correct one that sleeps 0.2 s per call. Prints
each one's wall time, its points per exercise, and the notes the feedback gives.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import PROFILES, grade_submission, load_assignment  # noqa: E402
from grader.intake.discover import Submission  # noqa: E402

SLOW = ROOT / "tests" / "notebooks" / "slow"


def main() -> None:
    assignment = load_assignment("convolutions")
    settings = PROFILES["thorough"]
    print(f"check timeout {settings.check_timeout:g} s, shrink timeout "
          f"{settings.shrink_timeout:g} s, submission timeout {settings.submission_timeout:g} s")
    for path in sorted(SLOW.glob("*.ipynb")):
        started = time.perf_counter()
        result = grade_submission(Submission(path.stem, path), assignment, settings)
        wall = time.perf_counter() - started
        points = ", ".join(f"{e.name} {e.points:g}/{e.max_points:g}" for e in result.exercises)
        print(f"\n{path.name}: {wall:.1f} s wall ({result.status}; execution "
              f"{result.timings.execution:.1f} s, checking {result.timings.checking:.1f} s)")
        print(f"  {points}")
        for exercise in result.exercises:
            for check in exercise.checks:
                if check.status != "passed":
                    print(f"  {exercise.name}: {check.name}: {check.status}: {check.message}")
                    if check.note:
                        print(f"    {check.note}")


if __name__ == "__main__":
    main()
