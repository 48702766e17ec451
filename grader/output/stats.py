"""Class statistics: how each exercise went across a batch, and the run's ``summary.json``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model.assignment import Assignment
from ..model.results import SubmissionResult
from .tables import text_table
from .wording import points

WRONG = ("failed", "timeout")  # the student's code ran and was wrong, or too slow


@dataclass(frozen=True)
class ExerciseStats:
    """One exercise across every submission of a run."""

    name: str
    submissions: int
    passed: int  # every sub-check passed
    mean_points: float
    max_points: float
    not_checked: int  # the function could not be checked: missing, unreadable file, dead kernel
    most_failed: str | None = None  # the sub-check failed (or timed out) most often
    most_failed_count: int = 0
    held_out_only: int = 0  # passed every public input of a sub-check, failed a held-out one

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submissions if self.submissions else 0.0

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "submissions": self.submissions,
            "passed": self.passed,
            "pass_rate": round(self.pass_rate, 4),
            "mean_points": round(self.mean_points, 4),
            "max_points": self.max_points,
            "not_checked": self.not_checked,
            "most_common_failing_check": self.most_failed and {
                "name": self.most_failed, "submissions": self.most_failed_count,
            },
            "failed_only_held_out_inputs": self.held_out_only,
        }


def exercise_statistics(
    assignment: Assignment, results: Sequence[SubmissionResult]
) -> tuple[ExerciseStats, ...]:
    stats = []
    for exercise in assignment.exercises:
        graded = [result.exercise(exercise.name) for result in results]
        failing: Counter[str] = Counter(
            check.name for one in graded for check in one.checks if check.status in WRONG
        )
        order = [check.name for check in exercise.checks]  # ties go to the first sub-check
        most = max(failing, key=lambda name: (failing[name], -order.index(name)), default=None)
        stats.append(
            ExerciseStats(
                name=exercise.name,
                submissions=len(results),
                passed=sum(all(c.status == "passed" for c in one.checks) for one in graded),
                mean_points=sum(one.points for one in graded) / len(results) if results else 0.0,
                max_points=exercise.points,
                not_checked=sum(all(c.status == "error" for c in one.checks) for one in graded),
                most_failed=most,
                most_failed_count=failing[most] if most else 0,
                held_out_only=sum(any(c.held_out for c in one.checks) for one in graded),
            )
        )
    return tuple(stats)


def statistics_table(stats: Sequence[ExerciseStats]) -> str:
    """Per exercise: how many passed, mean points, and the sub-check that failed most often."""
    header = ["exercise", "passed", "mean points", "most common failing sub-check"]
    rows = [
        [
            s.name,
            f"{s.passed}/{s.submissions} ({s.pass_rate:.0%})",
            f"{s.mean_points:.1f}/{points(s.max_points)}",
            f"{s.most_failed} ({s.most_failed_count})" if s.most_failed else "-",
        ]
        for s in stats
    ]
    return text_table(header, rows)


def summary(
    assignment: Assignment, results: Sequence[SubmissionResult], run: dict
) -> dict:
    """What ``summary.json`` holds: the class statistics and how the run went."""
    statuses = Counter(result.status for result in results)
    return {
        "assignment": assignment.name,
        "submissions": len(results),
        "statuses": dict(sorted(statuses.items())),
        "mean_score": round(sum(r.score for r in results) / len(results), 4) if results else 0.0,
        "possible": assignment.points,
        "exercises": [s.to_json() for s in exercise_statistics(assignment, results)],
        "run": run,
    }


def write_summary(path: Path, assignment: Assignment, results: Sequence[SubmissionResult],
                  run: dict) -> None:
    path.write_text(json.dumps(summary(assignment, results, run), indent=2) + "\n")
