"""Recording an instructor's override, checked against what the gradebook knows of the lesson,
and writing the lesson's views again so that ``grades.csv`` shows it at once."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import AssignmentError, UsageError
from ..model.lessons import load_assignment
from .marks import Mark, mark_of
from .store import Gradebook, Override, find_gradebook, resolve_student
from .views import LessonBook, rewrite_views


@dataclass(frozen=True)
class OverrideRequest:
    lesson: str
    student: str
    points: tuple[str, ...]  # "EXERCISE=N"
    total: float | None
    reason: str
    by: str
    in_feedback: bool = False


@dataclass(frozen=True)
class OverrideDone:
    student: str
    overrides: tuple[Override, ...]
    mark: Mark
    possible: float
    written: str  # what was written again, in words


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{what}: {text!r} is not a number of points (0 or more)")
    return value


def parse_points(given: tuple[str, ...], maxima: dict[str, float]) -> list[tuple[str, float]]:
    """``EXERCISE=N`` pairs, each exercise one the lesson has, each N within its points."""
    chosen = []
    for item in given:
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise UsageError(f"--points {item!r}: write it as EXERCISE=N, such as "
                             f"{next(iter(maxima), 'convolve')}=2")
        if name not in maxima:
            close = difflib.get_close_matches(name, list(maxima), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(f"--points {item!r}: the lesson has no exercise {name!r} "
                             f"(it has {', '.join(maxima)}){hint}")
        number = _number(value.strip(), f"--points {item!r}")
        if number > maxima[name]:
            raise UsageError(f"--points {item!r}: {name} is worth {maxima[name]:g} points; "
                             "for more (extra credit), set the total with --total")
        chosen.append((name, number))
    return chosen


def record_override(out: Path, request: OverrideRequest) -> OverrideDone:
    if not request.reason.strip():
        raise UsageError("--reason must say why (it is kept with the override)")
    folder = find_gradebook(out, request.lesson)
    book = Gradebook.open(folder, create=False)
    try:
        if request.lesson not in book.lessons():
            raise UsageError(f"the gradebook {book.path} has no lesson {request.lesson!r}; it "
                             f"has {', '.join(book.lessons()) or 'none'}")
        student = resolve_student(book, request.student, request.lesson)
        grading = book.latest_of(request.lesson, student)
        if grading is None:  # graded only with --exercise
            raise UsageError(f"{student} was graded for {request.lesson!r} only on some "
                             "exercises (--exercise); grade the whole lesson first")
        result = grading.result()
        maxima = {e.name: e.max_points for e in result.exercises}
        changes = ([(name, value) for name, value in parse_points(request.points, maxima)]
                   if request.points else
                   [(None, _number(str(request.total), "--total"))])
        made = tuple(book.add_override(request.lesson, student, exercise, value,
                                       request.reason.strip(), request.by, request.in_feedback)
                     for exercise, value in changes)
        try:
            assignment = load_assignment(request.lesson)
        except AssignmentError as error:  # recorded; the views wait for a run that loads it
            return OverrideDone(
                student, made, mark_of(grading, book.overrides(request.lesson, student), None),
                result.possible, f"grades.csv is written again on the next run ({error})")
        report = rewrite_views(folder, assignment, book, [student])
        written = (f"Written again: {folder / 'grades.csv'}, {folder / 'summary.json'}, {report}"
                   + (f", and {student}'s feedback" if request.in_feedback else "") + ".")
        now = LessonBook(folder, assignment, book).mark(student)
        return OverrideDone(student, made, now, result.possible, written)
    finally:
        book.close()
