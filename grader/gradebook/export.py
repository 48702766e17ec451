"""The file a course platform imports, one row per student, from a lesson's gradebook.

- **Canvas** (its gradebook import): ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, then one column per assignment, here the lesson's, holding the final points.
  Canvas matches a row by ``ID``, its user id, which its download gives each file; an
  assignment column named ``Name (12345)``, as Canvas's own export names it, goes to that
  assignment, any other name makes a new assignment.
- **Gradescope** (a score upload): ``Name``, ``SID``, ``Email``, ``Total Score``, matched by
  email or student id as its export gives them; a group's submission is one row per member.
- **csv**: every student's points, penalty, overrides and ids, for anything else.

What the download did not say (a Canvas id for a plain folder, a section, a name) comes from a
roster file (see ``roster``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..model.files import write_atomically
from ..output.tables import spreadsheet_rows
from ..output.wording import points
from .marks import Mark, mark
from .roster import Roster, split_group
from .store import Gradebook
from .views import lesson_policy_of, without_pictures

CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
GRADESCOPE_HEADER = ("Name", "SID", "Email", "Total Score")
CSV_HEADER = ("student", "submission", "name", "email", "sid", "canvas_user_id",
              "sis_user_id", "section", "auto", "late_penalty", "final", "possible", "status",
              "override", "override_reason")
PLATFORMS = ("canvas", "gradescope", "csv")


@dataclass(frozen=True)
class Graded:
    """A student's latest grading of the lesson, with what is known of them."""

    submission: str
    said: dict[str, str]  # what the download said, completed by the roster
    mark: Mark
    possible: float
    status: str


@dataclass(frozen=True)
class Exported:
    text: str
    rows: int
    unmatched: tuple[str, ...]  # submissions left out: no id the platform matches
    header: tuple[str, ...]


def graded(book: Gradebook, lesson: str, roster: Roster, assignment=None) -> list[Graded]:
    policy = lesson_policy_of(book, lesson, assignment)
    overrides: dict[str, list] = {}
    for override in book.overrides(lesson):
        overrides.setdefault(override.student, []).append(override)
    out = []
    for grading in book.latest(lesson):
        said = dict(grading.roster)
        listed = roster.find(grading.student, said)
        merged = {**listed, **{k: v for k, v in said.items() if v}}
        result = without_pictures(grading.result_json)
        out.append(Graded(grading.student, merged,
                          mark(result, overrides.get(grading.student, ()), policy,
                               grading.submitted_at or listed.get("submitted_at"),
                               said.get("late") == "late"),
                          result.possible, grading.status))
    return out


def _table(header, rows) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(spreadsheet_rows(rows))
    return buffer.getvalue()


def canvas(students: list[Graded], column: str) -> Exported:
    header = (*CANVAS_HEADER, column)
    rows, unmatched = [], []
    for student in students:
        said = student.said
        if not said.get("canvas_user_id"):
            unmatched.append(student.submission)
            continue
        rows.append([said.get("name") or student.submission, said["canvas_user_id"],
                     said.get("sis_user_id", ""), said.get("sis_login_id", ""),
                     said.get("section", ""), points(student.mark.final)])
    return Exported(_table(header, rows), len(rows), tuple(unmatched), header)


def gradescope(students: list[Graded], roster: Roster) -> Exported:
    rows, unmatched = [], []
    for student in students:
        members = split_group(student.said)
        for member in members:
            listed = roster.find_person(member["email"], member["sid"])
            email = member["email"] or listed.get("email", "")
            sid = member["sid"] or listed.get("sid", "")
            if not email and not sid:
                unmatched.append(student.submission)
                continue
            rows.append([member["name"] or listed.get("name", ""), sid, email,
                         points(student.mark.final)])
    return Exported(_table(GRADESCOPE_HEADER, rows), len(rows), tuple(unmatched),
                    GRADESCOPE_HEADER)


def plain(students: list[Graded]) -> Exported:
    rows = []
    for student in students:
        for member in split_group(student.said):
            said = student.said
            rows.append([
                member["email"] or member["sid"] or member["name"] or student.submission,
                student.submission, member["name"] or said.get("name", ""), member["email"],
                member["sid"], said.get("canvas_user_id", ""), said.get("sis_user_id", ""),
                said.get("section", ""), points(student.mark.auto),
                points(student.mark.penalty), points(student.mark.final),
                points(student.possible), student.status, student.mark.override_text(),
                "; ".join(o.reason for o in student.mark.overrides),
            ])
    return Exported(_table(CSV_HEADER, rows), len(rows), (), CSV_HEADER)


def export(book: Gradebook, lesson: str, to: str, path: Path, roster: Roster,
           column: str | None = None, assignment=None) -> Exported:
    students = graded(book, lesson, roster, assignment)
    if to == "canvas":
        made = canvas(students, column or lesson)
    elif to == "gradescope":
        made = gradescope(students, roster)
    else:
        made = plain(students)
    write_atomically(path, made.text)
    return made
