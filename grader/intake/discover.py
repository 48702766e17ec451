"""Find the submissions to grade under the paths an instructor names.

A submission is a notebook, or a Python script graded like one (see ``kernel.notebook``). In a
folder with one sub-folder per student, that folder is the student's: the files beside the
notebook go with it when it runs. Downloads from a course platform (zips, Canvas, a Gradescope
export) are turned into such folders first, by ``intake``.
"""

from __future__ import annotations

import stat
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..kernel.notebook import SUFFIXES
from ..kernel.own_files import OwnFiles
from ..model.errors import GraderError, UsageError

SKIPPED_FOLDERS = {".ipynb_checkpoints", "__pycache__"}


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path  # the notebook; or the folder, when it holds no single notebook to grade
    problem: str = ""  # set when the folder cannot be graded as it is
    folder: Path | None = None  # the student's own folder: its files are beside the notebook
    # What the course platform says of the student, as gradebook columns: (column, value)
    roster: tuple[tuple[str, str], ...] = ()
    # The notebook's bytes, read where it was found, for grading where the file is not (a
    # cluster's worker); None: read the file at ``path``.
    content: bytes | None = field(default=None, repr=False, compare=False)
    # The student's own files, read where they were found, on their way to a cluster's worker.
    carried: Carried | None = field(default=None, repr=False, compare=False)
    # The student's own files where they are not in ``folder`` (the worker wrote the carried
    # ones to a folder of its own); None: those in ``folder`` (see ``kernel.own_files``).
    own: OwnFiles | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Carried:
    """A student's own files as bytes, to grade where their folder cannot be read."""

    files: tuple[tuple[str, bytes], ...] = ()  # (path relative to the folder, its bytes)
    left_out: tuple[str, ...] = ()  # as ``OwnFiles.left_out`` says


@dataclass(frozen=True)
class Found:
    submissions: tuple[Submission, ...]
    skipped: tuple[Path, ...]  # files that are not notebooks, said once to the user


def submission_id(name: str) -> str:
    """An id made of a file's or folder's name, the same however the name's accents are stored
    (macOS and some zips store "é" as two characters)."""
    return unicodedata.normalize("NFC", name)


def _files_in(folder: Path, suffix: str) -> list[Path]:
    return sorted(
        path for path in folder.rglob(f"*{suffix}")
        if path.is_file() and not path.is_symlink()
        and not SKIPPED_FOLDERS & set(path.relative_to(folder).parts)
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def submission_in(folder: Path, handouts: Collection[str], id: str | None = None) -> Submission:
    """The one student's submission in ``folder``: its notebook, or else its Python script.

    Of several, the one named like a lesson's handout (one of ``handouts``) is graded.
    """
    id = submission_id(id or folder.name)
    for suffix in SUFFIXES:  # a notebook first; a script only in a folder without one
        found = _files_in(folder, suffix)
        named = [path for path in found if path.stem in {Path(h).stem for h in handouts}]
        chosen = found if len(found) == 1 else named if len(named) == 1 else []
        if chosen:
            return Submission(id, chosen[0], folder=chosen[0].parent)
        if found:
            return Submission(id, folder, _several(folder, found, handouts, suffix), folder=folder)
    return Submission(id, folder, "the folder holds no notebook (*.ipynb) or Python script "
                      "(*.py)", folder=folder)


def _several(folder: Path, found: list[Path], handouts: Collection[str], suffix: str) -> str:
    names = ", ".join(str(path.relative_to(folder)) for path in found)
    what = "notebooks" if suffix == ".ipynb" else "Python scripts and no notebook"
    stems = sorted({Path(handout).stem + suffix for handout in handouts})
    keep = f"keep one, or name it {' or '.join(stems)}" if stems else "keep one"
    return f"the folder holds {len(found)} {what} ({names}); {keep}"


def find_submissions(paths: list[Path], handouts: Collection[str] = (),
                     open_zip: Callable[[Path], Path] | None = None) -> Found:
    """Notebooks and scripts directly in each folder (id: file stem) and one per sub-folder (id:
    its name).

    A path may also be a single notebook or script. In a sub-folder with several notebooks, the
    one named like a lesson's handout (one of ``handouts``) is the submission. With
    ``open_zip`` (which unpacks a zip and gives its folder), a zip in a folder is a student's
    folder too. Ids are made unique by numbering repeats.
    """
    submissions: list[Submission] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_file():
            if path.suffix not in SUFFIXES:
                raise UsageError(f"{path} is not a notebook (.ipynb), a Python script (.py), a "
                                 "zip or a folder of them")
            submissions.append(Submission(submission_id(path.stem), path))
        elif path.is_dir():
            for entry in sorted(path.iterdir()):
                if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
                    continue
                if entry.is_dir():
                    submissions.append(submission_in(entry, handouts))
                elif entry.suffix in SUFFIXES:
                    submissions.append(Submission(submission_id(entry.stem), entry,
                                                  _not_a_file(entry)))
                elif entry.suffix == ".zip" and open_zip is not None:
                    submissions.append(_zipped(entry, handouts, open_zip))
                else:
                    skipped.append(entry)
        else:
            raise UsageError(f"{path} does not exist")
    return Found(tuple(unique_ids(submissions)), tuple(skipped))


def _not_a_file(path: Path) -> str:
    """Why ``path`` cannot be read as a submission's file (a pipe, a device, a link to one or
    to nothing), or "" if it is a plain file: reading a pipe would wait for ever."""
    try:
        if stat.S_ISREG(path.stat().st_mode):
            return ""
    except OSError as error:
        return f"the file cannot be read ({error.strerror or error})"
    return "not a plain file (a pipe, a device, or a link to one): submit the notebook itself"


def _zipped(archive: Path, handouts: Collection[str],
            open_zip: Callable[[Path], Path]) -> Submission:
    """A student's zip, as the folder it holds."""
    try:
        folder = open_zip(archive)
    except GraderError as error:
        return Submission(submission_id(archive.stem), archive, str(error))
    return submission_in(folder, handouts, archive.stem)


def unique_ids(submissions: list[Submission]) -> list[Submission]:
    """Number repeated ids (``alice-2``), skipping numbers another submission already has."""
    taken = {submission.id for submission in submissions}
    seen: set[str] = set()
    unique = []
    for submission in submissions:
        if submission.id in seen:
            number = 2
            while f"{submission.id}-{number}" in taken:
                number += 1
            new_id = f"{submission.id}-{number}"
            taken.add(new_id)
            submission = replace(submission, id=new_id)
        seen.add(submission.id)
        unique.append(submission)
    return unique
