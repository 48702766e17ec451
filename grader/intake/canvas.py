"""Canvas's submissions download: one file per upload, named for the student who made it.

Canvas names each file ``lastfirst[_LATE]_userid_submissionid_originalname[-N].ext``: the
student's name run together, ``_LATE`` if it came after the due date, the student's Canvas id,
the upload's id, and the file's name as uploaded, with ``-N`` added when the student uploaded a
file of that name again. Each student's files are gathered into a folder of their own under the
names they uploaded them as; of a name uploaded more than once, the newest is kept and the
others are listed. A zip a student uploaded is unpacked in their folder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import ArchiveError
from .unpack import IGNORED, unpack_zip

CANVAS_NAME = re.compile(
    r"^(?P<student>[^_]+)(?P<late>_LATE)?_(?P<user>\d+)_(?P<upload>\d+)_(?P<original>.+)$"
)
RESUBMITTED = re.compile(r"^(?P<stem>.+)-(?P<number>\d+)(?P<suffix>\.[^.]*)?$")
COLUMNS = ("canvas_user_id", "late", "not_graded")


@dataclass(frozen=True)
class Upload:
    """One file of the download, as its name describes it."""

    path: Path
    student: str  # "lovelaceada"
    late: bool
    user_id: str
    upload_id: int
    original: str  # the name the student uploaded it as, without Canvas's "-N"
    number: int  # N of "-N": how many times before a file of this name was uploaded


@dataclass(frozen=True)
class Student:
    """One student's newest files, gathered in ``folder``, and what the gradebook says of them."""

    name: str
    folder: Path
    roster: tuple[tuple[str, str], ...]


def parse(path: Path) -> Upload | None:
    """What a file's name in a Canvas download says, or None if it is not named that way."""
    named = CANVAS_NAME.match(path.name)
    if not named:
        return None
    original, number = named["original"], 0
    again = RESUBMITTED.match(original)
    if again:
        original, number = again["stem"] + (again["suffix"] or ""), int(again["number"])
    return Upload(path, named["student"], bool(named["late"]), named["user"],
                  int(named["upload"]), original, number)


def _entries(folder: Path) -> list[Path]:
    return [entry for entry in sorted(folder.iterdir())
            if not entry.name.startswith(".") and entry.name not in IGNORED]


def is_canvas_download(folder: Path) -> bool:
    """Whether ``folder`` is laid out as Canvas downloads submissions: files only, most of them
    named by Canvas."""
    entries = _entries(folder)
    if not entries or any(entry.is_dir() for entry in entries):
        return False
    named = sum(parse(entry) is not None for entry in entries)
    return named > 0 and 2 * named >= len(entries)


def gather(folder: Path, into: Path) -> tuple[list[Student], list[Path]]:
    """Each student's newest files, copied into a folder of theirs under ``into``; and the
    files of ``folder`` not named by Canvas."""
    uploads, others = [], []
    for entry in _entries(folder):
        upload = parse(entry)
        if upload:
            uploads.append(upload)
        else:
            others.append(entry)
    by_user: dict[str, list[Upload]] = {}
    for upload in uploads:
        by_user.setdefault(upload.user_id, []).append(upload)
    students = [
        _gather_one(files, into / user_id)
        for user_id, files in sorted(by_user.items(), key=lambda item: item[1][0].student)
    ]
    return students, others


def _gather_one(uploads: Iterable[Upload], folder: Path) -> Student:
    newest: dict[str, Upload] = {}
    for upload in sorted(uploads, key=lambda u: (u.number, u.upload_id)):
        newest[upload.original] = upload  # a later upload of the same name replaces it
    kept = set(newest.values())
    older = sorted(upload.path.name for upload in uploads if upload not in kept)
    folder.mkdir(parents=True)
    problems = []
    for upload in newest.values():
        if upload.path.suffix == ".zip":
            try:
                unpack_zip(upload.path, folder / Path(upload.original).stem)
            except ArchiveError as error:
                problems.append(f"{upload.path.name} ({error.reason})")
        else:
            shutil.copyfile(upload.path, folder / upload.original)
    first = next(iter(newest.values()))
    late = any(upload.late for upload in kept)
    roster = (("canvas_user_id", first.user_id), ("late", "late" if late else ""),
              ("not_graded", "; ".join(older + problems)))
    return Student(first.student, folder, roster)
