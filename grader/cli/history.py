"""``grade history STUDENT``: every grading and override of a student, from the gradebook."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..gradebook.marks import mark_of
from ..gradebook.store import Gradebook, Grading, find_gradebook, resolve_student
from ..gradebook.views import lesson_policy_of
from ..model.errors import AssignmentError
from ..model.lessons import load_assignment
from ..output.wording import points

USAGE = "grade history STUDENT [--out DIR] [--lesson NAME]"
SUMMARY = "list a student's gradings and overrides, oldest first, and the mark they give now"


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = SUMMARY[0].upper() + SUMMARY[1:] + "."
    parser.add_argument("student", metavar="STUDENT",
                        help="the submission's name in grades.csv, or the Canvas user id, "
                        "email or student id the download gave")
    parser.add_argument("--out", type=Path, default=Path("grades"),
                        help="the folder graded into (default: grades/)")
    parser.add_argument("--lesson", default=None, metavar="NAME",
                        help="the lesson, when --out holds several")


def run(arguments: argparse.Namespace) -> int:
    book = Gradebook.open(find_gradebook(arguments.out, arguments.lesson), create=False)
    try:
        _show(book, arguments)
    finally:
        book.close()
    return 0


def _show(book: Gradebook, arguments: argparse.Namespace) -> None:
    student = resolve_student(book, arguments.student, arguments.lesson)
    lessons = [arguments.lesson] if arguments.lesson else book.lessons()
    for lesson in lessons:
        gradings = [g for g in book.history(student, lesson)]
        overrides = book.overrides(lesson, student)
        if not gradings:
            continue
        print(f"{student} in {lesson} ({book.path}):")
        events = [(g.graded_at, 0, g) for g in gradings] + [(o.at, 1, o) for o in overrides]
        for _, _kind, event in sorted(events, key=lambda e: (e[0], e[1])):
            if isinstance(event, Grading):  # kind 0
                kept = " (kept from .cache)" if event.reused else ""
                scope = f" [--exercise {event.scope}]" if event.scope else ""
                print(f"  {event.graded_at}  graded {points(event.score)}/"
                      f"{points(event.possible)} ({event.status}){scope}{kept}"
                      + (f": {event.message}" if event.message else ""))
            else:
                shown = ", shown in feedback" if event.in_feedback else ""
                print(f"  {event.at}  override {event.exercise or 'total'}="
                      f"{points(event.points)} by {event.by}{shown}: {event.reason}")
        latest = next((g for g in reversed(gradings) if not g.scope), None)
        if latest:
            try:
                assignment = load_assignment(lesson)
            except AssignmentError:  # not installed here: the lesson's own policy is unknown
                assignment = None
            now = mark_of(latest, overrides, lesson_policy_of(book, lesson, assignment))
            penalty = f", late penalty {points(now.penalty)}" if now.penalty else ""
            print(f"  now: auto {points(now.auto)}{penalty}, final {points(now.final)}/"
                  f"{points(latest.possible)}")
