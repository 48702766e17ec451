"""The files of an output folder as views of its gradebook's latest state for a lesson.

``grades.csv``, ``summary.json`` and ``report.html`` list every student the gradebook has for
the lesson, not only those a run graded: grading one notebook into the folder replaces that
student's row and keeps everyone else's. They are written by the same writers as always
(``output.report``, ``output.stats``, ``output.class_report``), fed from the gradebook; the
gradebook's own columns (late penalty, final points, overrides) reach ``grades.csv`` the way
a course platform's columns do.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..model.assignment import Assignment
from ..model.results import ExerciseResult, SubmissionResult, result_from_json
from ..output.class_report import write_class_report
from ..output.report import ROSTER_COLUMNS, write_gradebook, write_submission
from ..output.stats import write_summary
from .late import LatePolicy, parse_penalty, parse_time
from .marks import BOOK_COLUMNS, Mark, mark, one_line
from .store import Gradebook, Override

# The order of the columns after the fixed ones: the platforms', when the submission was
# made, then the gradebook's.
COLUMN_ORDER = ROSTER_COLUMNS + ("submitted_at",) + BOOK_COLUMNS


def without_pictures(text: str) -> SubmissionResult:
    """A stored result, without its showcases' pictures (only feedback.html draws them)."""
    record = json.loads(text)
    for exercise in record.get("exercises", []):
        exercise.pop("showcases", None)
    return result_from_json(record)


@dataclasses.dataclass
class Entry:
    """A student's latest grading, in memory."""

    result: SubmissionResult
    roster: tuple[tuple[str, str], ...]
    submitted_at: str | None


def lesson_policy(book: Gradebook, assignment: Assignment) -> LatePolicy | None:
    """The lesson's late policy: the latest one a command gave, else the lesson's own."""
    return lesson_policy_of(book, assignment.name, assignment)


def lesson_policy_of(book: Gradebook, lesson: str,
                     assignment: Assignment | None = None) -> LatePolicy | None:
    stored = book.policy(lesson)
    if stored:
        penalty, deadline = stored.penalty, stored.deadline
    elif assignment is not None:
        penalty, deadline = assignment.late_penalty, assignment.deadline
    else:
        return None
    if not penalty:
        return None
    return parse_penalty(penalty, parse_time(deadline) if deadline else None)


class LessonBook:
    """One lesson's gradebook in an output folder: what it holds now, and its views."""

    def __init__(self, out: Path, assignment: Assignment, book: Gradebook, scope: str = ""):
        self.out, self.assignment, self.book, self.scope = out, assignment, book, scope
        self.lesson = assignment.name
        self.policy = lesson_policy(book, assignment)
        self.entries: dict[str, Entry] = {
            g.student: Entry(without_pictures(g.result_json), g.roster, g.submitted_at)
            for g in book.latest(self.lesson, scope)
        }
        self.overrides: dict[str, list[Override]] = {}
        for override in book.overrides(self.lesson):
            self.overrides.setdefault(override.student, []).append(override)

    def record(self, result: SubmissionResult, roster: Sequence[tuple[str, str]] = (), *,
               run: int | None = None, submitted_at: str | None = None,
               content_key: str | None = None, reused: bool = False) -> None:
        """Add a grading to the gradebook, unless it is one the gradebook has as the student's
        latest already (a result kept in ``.cache/`` from a run the gradebook recorded, with
        the same roster and submission time)."""
        roster = tuple(roster)
        known = reused and content_key and self.book.latest_key(
            self.lesson, result.id, self.scope) == (content_key, self.book.run_key(run), roster,
                                                    submitted_at)
        if not known:
            self.book.record(self.lesson, result, run=run, scope=self.scope,
                             message=one_line(result), roster=roster,
                             submitted_at=submitted_at, content_key=content_key, reused=reused)
        pictureless = dataclasses.replace(result, exercises=tuple(
            dataclasses.replace(e, showcases=()) for e in result.exercises))
        self.entries[result.id] = Entry(pictureless, roster, submitted_at)

    def mark(self, student: str) -> Mark:
        entry = self.entries[student]
        return mark(entry.result, self.overrides.get(student, ()), self.policy,
                    entry.submitted_at, dict(entry.roster).get("late") == "late")

    def write_feedback(self, result: SubmissionResult) -> None:
        """The student's results.json and feedback, saying what lateness and the overrides the
        student is told of did to the mark."""
        note = self.mark(result.id).feedback_note() if result.id in self.entries else ""
        if note:
            result = dataclasses.replace(result, message=" ".join(filter(None, (result.message,
                                                                                  note))))
        write_submission(self.out, result)

    def results(self) -> list[SubmissionResult]:
        return [self._complete(entry.result) for _, entry in sorted(self.entries.items())]

    def _complete(self, result: SubmissionResult) -> SubmissionResult:
        """``result`` with every exercise of the assignment, one it lacks (graded before the
        lesson had it) as not checked."""
        have = {e.name for e in result.exercises}
        missing = tuple(ExerciseResult(e.name, (), "not graded in this grading")
                        for e in self.assignment.exercises if e.name not in have)
        return dataclasses.replace(result, exercises=result.exercises + missing) if missing \
            else result

    def write_grades(self) -> Path:
        """``grades.csv``: every student's latest row, with the message on one line and the
        gradebook's own columns."""
        path = self.out / "grades.csv"
        results = [dataclasses.replace(r, message=one_line(r)) for r in self.results()]
        roster = {
            student: (*entry.roster, *self._when(entry), *self.mark(student).columns())
            for student, entry in self.entries.items()
        }
        write_gradebook(path, self.assignment, results, roster, order=COLUMN_ORDER)
        return path

    @staticmethod
    def _when(entry: Entry) -> tuple[tuple[str, str], ...]:
        """The submission time from a roster file, where the download's roster has none."""
        said = dict(entry.roster)
        return (("submitted_at", entry.submitted_at),) if (
            entry.submitted_at and "submitted_at" not in said) else ()

    def write_summary(self, run: dict) -> Path:
        path = self.out / "summary.json"
        results = self.results()
        finals = [self.mark(r.id).final for r in results]
        write_summary(path, self.assignment, results, {
            **run, "in_gradebook": len(results),
            "mean_final": round(sum(finals) / len(finals), 4) if finals else 0.0,
        })
        return path

    def write_report(self) -> Path:
        return write_class_report(self.out, self.assignment, self.results())

    def write_all(self, run: dict) -> Path:
        self.write_grades()
        self.write_summary(run)
        return self.write_report()


def rewrite_views(out: Path, assignment: Assignment, book: Gradebook,
                  students: Iterable[str] = ()) -> Path:
    """Write the lesson's views again from the gradebook (after an override), and the feedback
    of ``students`` (their pictures kept: read from the gradebook's full record)."""
    lesson = LessonBook(out, assignment, book)
    for student in students:
        grading = book.latest_of(assignment.name, student)
        if grading and (out / student).is_dir():
            lesson.write_feedback(grading.result())
    return lesson.write_all(book.last_run(assignment.name))
