"""A student's mark from the gradebook: the points the checks gave, the instructor's overrides,
the late penalty, and what is left; and the one-line message of ``grades.csv``.

The order: an exercise's override replaces its points; the late penalty is then taken off the
sum; an override of the total replaces the result (no penalty is taken off it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..model.results import SubmissionResult
from ..output.wording import points
from .late import LatePolicy, late_note, parse_time
from .store import Grading, Override

MESSAGE_LIMIT = 400  # characters of grades.csv's message column


@dataclass(frozen=True)
class Mark:
    auto: float  # what the checks gave
    penalty: float  # taken off for lateness
    final: float
    overrides: tuple[Override, ...]  # in force: the latest per exercise, and for the total
    late: str = ""  # what lateness cost, in words; "" when on time

    def override_text(self) -> str:
        return "; ".join(f"{o.exercise or 'total'}={points(o.points)}" for o in self.overrides)

    def columns(self) -> list[tuple[str, str]]:
        """The gradebook's own columns of ``grades.csv``, after the platform's."""
        return [
            ("late_penalty", points(self.penalty) if self.penalty else ""),
            ("final", points(self.final)),
            ("override", self.override_text()),
            ("override_reason", "; ".join(o.reason for o in self.overrides)),
            ("override_by", "; ".join(sorted({f"{o.by} {o.at}" for o in self.overrides}))),
        ]

    def feedback_note(self) -> str:
        """What the student's feedback says of the mark, besides the checks; "" if nothing."""
        told = [o for o in self.overrides if o.in_feedback]
        parts = [self.late] if self.late else []
        if told:
            parts.append("Your instructor adjusted your points: " + "; ".join(
                f"{o.exercise or 'total'} set to {points(o.points)} ({o.reason})" for o in told) + ".")
        if parts:
            parts.append(f"Final score: {points(self.final)}.")
        return " ".join(parts)


BOOK_COLUMNS = ("late_penalty", "final", "override", "override_reason", "override_by")


def in_force(overrides: Sequence[Override]) -> tuple[Override, ...]:
    """The latest override of each exercise and of the total."""
    latest: dict[str | None, Override] = {}
    for override in sorted(overrides, key=lambda o: o.id):
        latest[override.exercise] = override
    return tuple(latest[key] for key in sorted(latest, key=lambda k: (k is None, k or "")))


def mark(result: SubmissionResult, overrides: Sequence[Override], policy: LatePolicy | None,
         submitted_at: str | None, flagged_late: bool) -> Mark:
    chosen = in_force(overrides)
    by_exercise = {o.exercise: o.points for o in chosen if o.exercise}
    adjusted = sum(by_exercise.get(e.name, e.points) for e in result.exercises)
    submitted = _moment(submitted_at)
    penalty, late = 0.0, ""
    if policy:
        penalty = policy.penalty(adjusted, result.possible, submitted, flagged_late)
        if penalty:
            late = late_note(penalty, policy.periods(submitted, flagged_late), policy,
                             timed=submitted is not None and policy.deadline is not None)
    total = next((o.points for o in chosen if o.exercise is None), None)
    final = total if total is not None else round(adjusted - penalty, 4)
    return Mark(result.score, penalty, final, chosen, late)


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_time(text, "submission time")
    except ValueError:
        return None


def mark_of(grading: Grading, overrides: Sequence[Override], policy: LatePolicy | None,
            result: SubmissionResult | None = None) -> Mark:
    said = dict(grading.roster)
    return mark(result or grading.result(), overrides, policy, grading.submitted_at,
                said.get("late") == "late")


def one_line(result: SubmissionResult) -> str:
    """What ``grades.csv`` says of a submission, on one line: its own message, then each
    exercise that could not be checked, each sub-check that ran out of time, and each cell that
    raised or timed out (and that the message does not name already)."""
    parts = [result.message]
    problems: dict[str, list[str]] = {}  # the same reason for several exercises is said once
    for exercise in result.exercises:
        if exercise.problem and exercise.problem not in result.message:
            problems.setdefault(exercise.problem, []).append(exercise.name)
    parts += [f"{', '.join(names)}: {problem}" for problem, names in problems.items()]
    for exercise in result.exercises:
        for check in exercise.checks:
            if check.status == "timeout":
                parts.append(f"{exercise.name}: {check.name} timed out")
    for failure in result.cell_failures:
        if failure.status == "not run" or re.search(rf"\bcell {failure.index}\b",
                                                     result.message):
            continue  # it follows from an earlier cell's failure, or the message names it
        error = failure.error.splitlines()[0] if failure.error else ""
        parts.append(f"cell {failure.index} {failure.status}" + (f" ({error})" if error else ""))
    text = "; ".join(" ".join(part.split()) for part in parts if part and part.strip())
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT - 3].rstrip() + "..."
