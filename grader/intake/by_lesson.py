"""Sort a batch of submissions by the lesson each one answers, so a mixed folder grades whole.

Each notebook is recognised on its own (its metadata, else the graded functions it defines; see
``model.lessons``). One that cannot be recognised, such as an empty or corrupt file, goes with
the lesson most of the batch answers, so it still gets its row and its status there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..kernel.notebook import notebook_content
from ..model.assignment import Assignment
from ..model.errors import UsageError
from ..model.lessons import Installed, load_assignment, recognise
from .discover import Submission


@dataclass(frozen=True)
class LessonBatch:
    """The submissions that answer one lesson."""

    lesson: str
    submissions: tuple[Submission, ...]
    assignment: Assignment | None = None  # None when the lesson cannot be loaded
    problem: str = ""  # why it cannot be loaded


def _lesson_of(submission: Submission, installed: Installed) -> str:
    """The lesson the submission answers (see ``lessons.recognise``), or ""."""
    return recognise({} if submission.problem else notebook_content(submission.path), installed)


def sort_by_lesson(submissions: tuple[Submission, ...], installed: Installed,
                   requested: str | None = None) -> list[LessonBatch]:
    """The submissions grouped by lesson, lessons in order of name.

    With ``requested``, or when only one lesson is installed (and none is broken), every
    submission is graded for that lesson, recognised or not, and no notebook is read here.
    """
    if requested:
        return [LessonBatch(requested, submissions, load_assignment(requested))]
    if len(installed.lessons) == 1 and not installed.broken:
        only = installed.lessons[0]
        return [LessonBatch(only.name, submissions, only)]
    lessons = {submission: _lesson_of(submission, installed) for submission in submissions}
    counts = Counter(lesson for lesson in lessons.values() if lesson)
    if counts:
        fallback = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]
    else:
        names = ", ".join(installed.names()) or "none"
        raise UsageError(
            "cannot tell which lesson these notebooks answer (none names one in its metadata or "
            f"defines a lesson's functions): say which with --lesson, one of {names}"
        )
    by_lesson: dict[str, list[Submission]] = {}
    for submission, lesson in lessons.items():
        by_lesson.setdefault(lesson or fallback, []).append(submission)
    loaded = {lesson.name: lesson for lesson in installed.lessons}
    return [
        LessonBatch(name, tuple(found), loaded.get(name), installed.broken.get(name, ""))
        for name, found in sorted(by_lesson.items())
    ]
