"""The gradebook: every grading, override and late policy of an output folder, in SQLite.

``<out>/gradebook.sqlite`` is written by one process, the ``grade`` command that runs there
(results from the local pool or a cluster come back to it), in WAL mode so that ``grade
history`` or ``grade export`` can read while it writes. Rows are only ever added: a regrade adds
a grading, an override adds an override, a new late policy adds a policy; the latest of each is
the student's current state, and the rest is history. Schema (``SCHEMA``):

- ``runs``: one per ``grade`` run into the folder: lesson, time, grader version, settings, how
  it went (the ``run`` part of ``summary.json``).
- ``gradings``: one per submission graded (or taken from ``.cache/`` when the gradebook did not
  have it yet): lesson, student (the submission's id), scope (the exercises a run with
  ``--exercise`` chose, "" for all), time, status, one-line message, score, possible, what the
  course platform said of the student (JSON pairs), when it was submitted (if known), the
  notebook's sha256 and the cache's run key, and the full result as JSON.
- ``checks``: the points of each sub-check of each grading.
- ``overrides``: an instructor's adjustment: lesson, student, exercise (NULL: the total),
  points, reason, who, when, and whether the student's feedback shows it.
- ``policies``: a lesson's late policy as given (penalty rule, deadline), latest first.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..model.errors import UsageError
from ..model.results import SubmissionResult, result_from_json

FILE = "gradebook.sqlite"
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    lesson TEXT NOT NULL,
    started TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    settings TEXT NOT NULL,
    run_key TEXT NOT NULL,
    how TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS gradings (
    id INTEGER PRIMARY KEY,
    run INTEGER REFERENCES runs(id),
    lesson TEXT NOT NULL,
    student TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    graded_at TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    score REAL NOT NULL,
    possible REAL NOT NULL,
    roster TEXT NOT NULL DEFAULT '[]',
    submitted_at TEXT,
    content_key TEXT,
    reused INTEGER NOT NULL DEFAULT 0,
    result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gradings_by_student ON gradings (lesson, scope, student, id);
CREATE TABLE IF NOT EXISTS checks (
    grading INTEGER NOT NULL REFERENCES gradings(id),
    exercise TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_by_grading ON checks (grading);
CREATE TABLE IF NOT EXISTS overrides (
    id INTEGER PRIMARY KEY,
    lesson TEXT NOT NULL,
    student TEXT NOT NULL,
    exercise TEXT,
    points REAL NOT NULL,
    reason TEXT NOT NULL,
    by TEXT NOT NULL,
    at TEXT NOT NULL,
    in_feedback INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS policies (
    id INTEGER PRIMARY KEY,
    lesson TEXT NOT NULL,
    penalty TEXT NOT NULL,
    deadline TEXT,
    at TEXT NOT NULL
);
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Grading:
    """One grading of one submission, as the store keeps it."""

    id: int
    lesson: str
    student: str
    scope: str
    graded_at: str
    status: str
    message: str
    score: float
    possible: float
    roster: tuple[tuple[str, str], ...]
    submitted_at: str | None
    reused: bool
    run: int | None
    result_json: str

    def result(self) -> SubmissionResult:
        return result_from_json(json.loads(self.result_json))


@dataclass(frozen=True)
class Override:
    id: int
    lesson: str
    student: str
    exercise: str | None  # None: the total
    points: float
    reason: str
    by: str
    at: str
    in_feedback: bool


@dataclass(frozen=True)
class Policy:
    penalty: str
    deadline: str | None
    at: str


class Gradebook:
    """The gradebook of one output folder."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path, self.db = path, connection

    @classmethod
    def open(cls, folder: Path, create: bool = True) -> Gradebook:
        path = folder / FILE
        if not create and not path.is_file():
            raise UsageError(f"no gradebook in {folder} (no {FILE}): grade into it first, or "
                             "name the folder grading wrote into with --out")
        folder.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(path, timeout=30, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            found = connection.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if found is None:
                connection.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(found[0]) > SCHEMA_VERSION:
                raise UsageError(f"{path} was written by a newer grader (schema {found[0]}); "
                                 "update the grader to read it")
        except sqlite3.DatabaseError as error:
            raise UsageError(f"cannot open the gradebook {path}: {error}; it is kept as it is "
                             "(move it aside to start a new one)") from None
        return cls(path, connection)

    def close(self) -> None:
        self.db.close()

    # --- writing: only ever adding rows ---

    def start_run(self, lesson: str, grader_version: str, settings: dict, run_key: str) -> int:
        cursor = self.db.execute(
            "INSERT INTO runs (lesson, started, grader_version, settings, run_key) "
            "VALUES (?, ?, ?, ?, ?)",
            (lesson, now(), grader_version, json.dumps(settings, sort_keys=True), run_key))
        assert cursor.lastrowid is not None  # set by the INSERT
        return cursor.lastrowid

    def finish_run(self, run: int, how: dict) -> None:
        self.db.execute("UPDATE runs SET how = ? WHERE id = ?", (json.dumps(how), run))

    def record(self, lesson: str, result: SubmissionResult, *, run: int | None = None,
               scope: str = "", message: str = "", roster: Sequence[tuple[str, str]] = (),
               submitted_at: str | None = None, content_key: str | None = None,
               reused: bool = False) -> int:
        """Add one grading of ``result``; returns its id."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            cursor = self.db.execute(
                "INSERT INTO gradings (run, lesson, student, scope, graded_at, status, message, "
                "score, possible, roster, submitted_at, content_key, reused, result) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run, lesson, result.id, scope, now(), result.status, message, result.score,
                 result.possible, json.dumps([list(pair) for pair in roster]), submitted_at,
                 content_key, int(reused), json.dumps(result.to_json())))
            grading = cursor.lastrowid
            assert grading is not None  # set by the INSERT
            self.db.executemany(
                "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?)",
                [(grading, check.exercise, check.name, check.status, check.points,
                  check.max_points)
                 for exercise in result.exercises for check in exercise.checks])
        return grading

    def add_override(self, lesson: str, student: str, exercise: str | None, points: float,
                     reason: str, by: str, in_feedback: bool) -> Override:
        cursor = self.db.execute(
            "INSERT INTO overrides (lesson, student, exercise, points, reason, by, at, "
            "in_feedback) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (lesson, student, exercise, points, reason, by, now(), int(in_feedback)))
        row = self.db.execute("SELECT * FROM overrides WHERE id = ?", (cursor.lastrowid,))
        return Override(*row.fetchone())

    def set_policy(self, lesson: str, penalty: str, deadline: str | None) -> None:
        self.db.execute("INSERT INTO policies (lesson, penalty, deadline, at) VALUES (?, ?, ?, ?)",
                        (lesson, penalty, deadline, now()))

    # --- reading ---

    def latest(self, lesson: str, scope: str = "") -> list[Grading]:
        """Each student's latest grading of ``lesson`` (in ``scope``), by student."""
        rows = self.db.execute(
            f"SELECT {_GRADING} FROM gradings WHERE id IN (SELECT max(id) FROM gradings "
            "WHERE lesson = ? AND scope = ? GROUP BY student) ORDER BY student", (lesson, scope))
        return [_grading(row) for row in rows]

    def latest_of(self, lesson: str, student: str, scope: str = "") -> Grading | None:
        row = self.db.execute(
            f"SELECT {_GRADING} FROM gradings WHERE lesson = ? AND scope = ? AND student = ? "
            "ORDER BY id DESC LIMIT 1", (lesson, scope, student)).fetchone()
        return _grading(row) if row else None

    def latest_key(self, lesson: str, student: str, scope: str = "") -> tuple | None:
        """What identifies the student's latest grading without its result: the notebook's key,
        the run key it was graded with, what the platform said, when it was submitted."""
        row = self.db.execute(
            "SELECT g.content_key, r.run_key, g.roster, g.submitted_at FROM gradings g "
            "LEFT JOIN runs r ON g.run = r.id WHERE g.lesson = ? AND g.scope = ? AND "
            "g.student = ? ORDER BY g.id DESC LIMIT 1", (lesson, scope, student)).fetchone()
        if not row:
            return None
        return (row[0], row[1], tuple(tuple(pair) for pair in json.loads(row[2])), row[3])

    def history(self, student: str, lesson: str | None = None) -> list[Grading]:
        query = f"SELECT {_GRADING} FROM gradings WHERE student = ?"
        arguments: list = [student]
        if lesson:
            query, arguments = query + " AND lesson = ?", arguments + [lesson]
        return [_grading(row) for row in self.db.execute(query + " ORDER BY id", arguments)]

    def overrides(self, lesson: str, student: str | None = None) -> list[Override]:
        query, arguments = "SELECT * FROM overrides WHERE lesson = ?", [lesson]
        if student is not None:
            query, arguments = query + " AND student = ?", arguments + [student]
        return [_override(row) for row in self.db.execute(query + " ORDER BY id", arguments)]

    def policy(self, lesson: str) -> Policy | None:
        row = self.db.execute("SELECT penalty, deadline, at FROM policies WHERE lesson = ? "
                              "ORDER BY id DESC LIMIT 1", (lesson,)).fetchone()
        return Policy(*row) if row else None

    def lessons(self) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT lesson FROM gradings ORDER BY lesson")]

    def students(self, lesson: str | None = None) -> list[str]:
        query, arguments = "SELECT DISTINCT student FROM gradings", []
        if lesson:
            query, arguments = query + " WHERE lesson = ?", [lesson]
        return [row[0] for row in self.db.execute(query + " ORDER BY student", arguments)]

    def run_key(self, run: int | None) -> str | None:
        """The cache's run key of a run (see ``grading.cache.run_key``)."""
        row = self.db.execute("SELECT run_key FROM runs WHERE id = ?", (run,)).fetchone()
        return row[0] if row else None

    def last_run(self, lesson: str) -> dict:
        row = self.db.execute("SELECT how FROM runs WHERE lesson = ? ORDER BY id DESC LIMIT 1",
                              (lesson,)).fetchone()
        return json.loads(row[0]) if row else {}

    def checks(self, grading: int) -> list[tuple[str, str, str, float, float]]:
        return list(self.db.execute(
            "SELECT exercise, name, status, points, max_points FROM checks WHERE grading = ?",
            (grading,)))


_GRADING = ("id, lesson, student, scope, graded_at, status, message, score, possible, roster, "
            "submitted_at, reused, run, result")


def _grading(row: Iterable) -> Grading:
    (id, lesson, student, scope, graded_at, status, message, score, possible, roster,
     submitted_at, reused, run, result) = row
    return Grading(id, lesson, student, scope, graded_at, status, message, score, possible,
                   tuple(tuple(pair) for pair in json.loads(roster)), submitted_at, bool(reused),
                   run, result)


def _override(row: Sequence) -> Override:
    (id, lesson, student, exercise, points, reason, by, at, in_feedback) = row[:9]
    return Override(id, lesson, student, exercise, points, reason, by, at, bool(in_feedback))


def lesson_folder(out: Path, lesson: str, several: bool) -> Path:
    """Where a run grades a lesson into: ``out/<lesson>`` when it grades several lessons, or
    when an earlier run that did keeps that lesson's gradebook there (and ``out`` has none of
    its own), so regrading one notebook into the same ``--out`` joins its class; else ``out``."""
    if several or ((out / lesson / FILE).is_file() and not (out / FILE).is_file()):
        return out / lesson
    return out


def find_gradebook(out: Path, lesson: str | None = None) -> Path:
    """The folder under ``out`` whose gradebook holds ``lesson``: ``out`` itself (one lesson
    graded there) or ``out/<lesson>`` (several lessons graded in one run)."""
    if lesson and (out / lesson / FILE).is_file():
        return out / lesson
    if (out / FILE).is_file():
        return out
    found = sorted(path.parent for path in out.glob(f"*/{FILE}"))
    if len(found) == 1 and not lesson:
        return found[0]
    if found and not lesson:
        raise UsageError(f"{out} holds the gradebooks of several lessons "
                         f"({', '.join(path.name for path in found)}): name one with --lesson")
    where = f" for the lesson {lesson!r}" if lesson else ""
    raise UsageError(f"no gradebook{where} in {out} (no {FILE}): give the folder grading "
                     "wrote into with --out")


def resolve_student(book: Gradebook, name: str, lesson: str | None = None) -> str:
    """The submission ``name`` stands for: its own name, or what the download said of it (a
    Canvas user id, an email, a student id, a name); a UsageError suggests close names."""
    known = book.students(lesson)
    if name in known:
        return name
    lessons = [lesson] if lesson else book.lessons()
    matches = {g.student for each in lessons for g in book.latest(each)
               if any(value == name or (field == "email" and value.lower() == name.lower())
                      or name in value.split("; ") for field, value in g.roster)}
    if len(matches) == 1:
        return matches.pop()
    where = f" for {lesson!r}" if lesson else ""
    if matches:
        raise UsageError(f"{name!r} names several submissions{where}: "
                         f"{', '.join(sorted(matches))}; give one of them")
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else (
        f"; it has {', '.join(known[:10])}{', ...' if len(known) > 10 else ''}" if known else "")
    raise UsageError(f"no student {name!r} in the gradebook {book.path}{where}{hint}")
