"""Everything ``grade`` takes as submissions, as course platforms hand them out.

Each path named is one of:

- a notebook or a Python script: one submission;
- a folder: a Gradescope export (it holds ``submission_metadata.yml``, see
  ``gradescope_export``), a Canvas download (files named by Canvas, see ``canvas``), or a plain
  folder of notebooks and student folders (see ``discover``);
- a zip of any of these, unpacked into ``scratch`` first (see ``unpack``); a zip inside a plain
  folder is one student's folder.

What the platform says of each student (ids, names, a late upload) comes with its submission as
gradebook columns.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import ArchiveError, UsageError
from . import canvas, gradescope_export
from .discover import Found, Submission, find_submissions, submission_in, unique_ids
from .unpack import unpack_zip


@dataclass(frozen=True)
class Intake:
    found: Found
    notes: tuple[str, ...]  # what each path was taken for, for the run's first lines


class _Scratch:
    """New folders under ``root``, one per unpacked zip or gathered download."""

    def __init__(self, root: Path):
        self.root, self.count = root, itertools.count(1)
        self.notes: list[str] = []  # members of a zip left out, said once to the user

    def folder(self, name: str) -> Path:
        return self.root / f"{next(self.count)}-{name}"

    def open_zip(self, archive: Path) -> Path:
        unpacked = unpack_zip(archive, self.folder(archive.stem))
        if unpacked.left_out:
            self.notes.append(f"{archive}: left out {len(unpacked.left_out)} member(s) that are "
                              f"links or lead outside the zip: {', '.join(unpacked.left_out)}")
        return unpacked.folder


def take_in(paths: list[Path], handouts: Collection[str], scratch: Path) -> Intake:
    """The submissions under ``paths``, with what the platforms say of each student.

    Zips are unpacked and downloads gathered into new folders under ``scratch``, which must
    last as long as the submissions are graded.
    """
    space = _Scratch(scratch)
    submissions: list[Submission] = []
    skipped: list[Path] = []
    notes: list[str] = []
    for path in paths:
        folder = path
        if path.is_file() and path.suffix.lower() == ".zip":
            try:
                folder = space.open_zip(path)
            except ArchiveError as error:
                raise UsageError(f"cannot take the submissions in {error}") from None
        if not folder.is_dir():
            found = find_submissions([path], handouts)
        elif gradescope_export.is_gradescope_export(folder):
            found = _gradescope(folder, handouts)
            notes.append(f"{path}: a Gradescope export of {len(found.submissions)} submissions")
        elif canvas.is_canvas_download(folder):
            found = _canvas(folder, handouts, space)
            older = sum(bool(dict(s.roster)["not_graded"]) for s in found.submissions)
            notes.append(f"{path}: a Canvas download of {len(found.submissions)} students' "
                         f"files" + (f"; {older} of them uploaded files again, and only the newest"
                                     " of each name is graded (grades.csv lists the others)"
                                     if older else ""))
        else:
            found = find_submissions([folder], handouts, space.open_zip)
        submissions += found.submissions
        skipped += found.skipped
    return Intake(Found(tuple(unique_ids(submissions)), tuple(skipped)),
                  tuple(notes + space.notes))


def _gradescope(folder: Path, handouts: Collection[str]) -> Found:
    try:
        metadata = gradescope_export.read_metadata(folder)
    except ArchiveError as error:
        raise UsageError(str(error)) from None
    submissions = [
        dataclasses.replace(submission_in(entry, handouts),
                            roster=gradescope_export.roster(metadata.get(entry.name, {})))
        for entry in gradescope_export.submission_folders(folder)
    ]
    return Found(tuple(submissions), ())


def _canvas(folder: Path, handouts: Collection[str], space: _Scratch) -> Found:
    students, others = canvas.gather(folder, space.folder("canvas"))
    submissions = [
        dataclasses.replace(submission_in(student.folder, handouts, student.name),
                            roster=student.roster)
        for student in students
    ]
    return Found(tuple(submissions), tuple(others))
