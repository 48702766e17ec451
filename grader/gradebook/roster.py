"""A roster file: what the downloads did not say of the students, as a CSV the instructor has.

Any CSV with a header row, in UTF-8 (a byte-order mark is fine). Its columns are matched by
name, case and spaces aside; Canvas's own gradebook export and Gradescope's roster are read as
they come:

| column | also named | what |
| --- | --- | --- |
| ``submission`` | ``student_id`` | the submission's name in ``grades.csv`` |
| ``name`` | ``Student``, ``Full Name`` | the student's name (Canvas: "Last, First") |
| ``canvas_user_id`` | ``ID`` | Canvas's user id |
| ``sis_user_id`` | ``SIS User ID`` | |
| ``sis_login_id`` | ``SIS Login ID`` | |
| ``section`` | ``Section`` | |
| ``email`` | ``Email`` | |
| ``sid`` | ``SID`` | Gradescope's student id |
| ``submitted_at`` | ``Submission Time`` | when the student submitted, for the late policy |

A row stands for the student whose submission, Canvas id, email or student id it gives.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import UsageError

ALIASES = {
    "submission": "submission", "student_id": "submission",
    "name": "name", "student": "name", "full_name": "name",
    "canvas_user_id": "canvas_user_id", "id": "canvas_user_id",
    "sis_user_id": "sis_user_id", "sis_login_id": "sis_login_id", "section": "section",
    "email": "email", "sid": "sid",
    "submitted_at": "submitted_at", "submission_time": "submitted_at",
}
KEYS = ("submission", "canvas_user_id", "email", "sid")  # what identifies a student


@dataclass(frozen=True)
class Roster:
    rows: tuple[dict[str, str], ...]
    path: Path | None = None

    def find(self, submission: str, said: Mapping[str, str]) -> dict[str, str]:
        """The roster's row for a submission, by its name or what the download said of it;
        {} when none."""
        for row in self.rows:
            if row.get("submission") and row["submission"] == submission:
                return row
            for key in ("canvas_user_id", "sid"):
                if row.get(key) and row[key] == said.get(key):
                    return row
            if row.get("email") and row["email"].lower() == said.get("email", "").lower():
                return row
        return {}

    def submission_times(self, submissions: Iterable[tuple[str, Sequence[tuple[str, str]]]]
                         ) -> dict[str, str]:
        """When each submission (its id, what the download said) was submitted: the download's
        time, else this roster's; none where neither says."""
        times = {}
        for submission, roster in submissions:
            said = dict(roster)
            when = said.get("submitted_at") or self.find(submission, said).get("submitted_at")
            if when:
                times[submission] = when
        return times

    def find_person(self, email: str, sid: str) -> dict[str, str]:
        """The roster's row for one member of a group, by email or student id."""
        for row in self.rows:
            if email and row.get("email", "").lower() == email.lower():
                return row
            if sid and row.get("sid") == sid:
                return row
        return {}


def _column(name: str) -> str | None:
    return ALIASES.get("_".join(name.strip().lower().replace("-", " ").split()))


def read_roster(path: Path | None) -> Roster:
    if path is None:
        return Roster(())
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            table = list(csv.reader(handle))
    except OSError as error:
        raise UsageError(f"cannot read the roster {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UsageError(f"the roster {path} is not UTF-8 text: save it as CSV UTF-8") from None
    if not table:
        raise UsageError(f"the roster {path} is empty: it needs a header row, such as "
                         "submission,canvas_user_id,email,sid,submitted_at")
    header = [_column(name) for name in table[0]]
    if not set(header) & set(KEYS):
        raise UsageError(
            f"the roster {path} has no column that says who a row is ({', '.join(KEYS)}); its "
            f"header is: {', '.join(table[0])}")
    rows: list[dict[str, str]] = []
    for line in table[1:]:
        if not any(cell.strip() for cell in line):
            continue
        if len(line) > len(header):
            raise UsageError(f"the roster {path}, line {len(rows) + 2}: more cells than the "
                             "header has columns (a name with a comma must be in quotes)")
        row = {}
        for column, cell in zip(header, line):
            if column and cell.strip() and column not in row:
                row[column] = cell.strip()
        rows.append(row)
    return Roster(tuple(rows), path)


def split_group(said: Mapping[str, str]) -> list[dict[str, str]]:
    """The members of a submission by what Gradescope said (names, emails, sids joined by "; "),
    one dict each; one member when the download named none or one."""
    fields = ("name", "email", "sid")
    parts = {field: said.get(field, "").split("; ") if said.get(field) else [] for field in fields}
    count = max((len(values) for values in parts.values()), default=0)
    if count <= 1:
        return [{field: said.get(field, "") for field in fields}]
    return [{field: values[i] if i < len(values) else "" for field, values in parts.items()}
            for i in range(count)]


def columns_of(rows: Sequence[dict[str, str]]) -> set[str]:
    return {key for row in rows for key in row}
