"""The gradebook of an output folder: every grading, override and late policy, kept in SQLite,
and the files that are views of it (see ``store`` and ``views``)."""

from .late import LatePolicy, parse_penalty, parse_time
from .store import Gradebook
from .views import LessonBook

__all__ = ["Gradebook", "LatePolicy", "LessonBook", "parse_penalty", "parse_time"]
