"""Find the submissions to grade under the paths an instructor names."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import UsageError

SKIPPED_FOLDERS = {".ipynb_checkpoints", "__pycache__"}


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path  # the notebook; or the folder, when it holds no single notebook to grade
    problem: str = ""  # set when the folder cannot be graded as it is


@dataclass(frozen=True)
class Found:
    submissions: tuple[Submission, ...]
    skipped: tuple[Path, ...]  # files that are not notebooks, said once to the user


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*.ipynb")
        if path.is_file() and not SKIPPED_FOLDERS & set(path.relative_to(folder).parts)
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def _from_folder(folder: Path, handouts: Collection[str]) -> Submission:
    notebooks = _notebooks_in(folder)
    if len(notebooks) == 1:
        return Submission(folder.name, notebooks[0])
    preferred = [path for path in notebooks if path.name in handouts]
    if len(preferred) == 1:
        return Submission(folder.name, preferred[0])
    if not notebooks:
        return Submission(folder.name, folder, "the folder holds no notebook (*.ipynb)")
    names = ", ".join(str(path.relative_to(folder)) for path in notebooks)
    keep = f"keep one, or name it {' or '.join(sorted(handouts))}" if handouts else "keep one"
    return Submission(
        folder.name, folder, f"the folder holds {len(notebooks)} notebooks ({names}); {keep}"
    )


def find_submissions(paths: list[Path], handouts: Collection[str] = ()) -> Found:
    """Notebooks directly in each folder (id: file stem) and one per sub-folder (id: its name).

    A path may also be a single notebook. In a sub-folder with several notebooks, the one named
    like a lesson's handout (one of ``handouts``) is the submission. Ids are made unique by
    numbering repeats.
    """
    submissions: list[Submission] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_file():
            if path.suffix != ".ipynb":
                raise UsageError(f"{path} is not a notebook (.ipynb) or a folder of them")
            submissions.append(Submission(path.stem, path))
        elif path.is_dir():
            for entry in sorted(path.iterdir()):
                if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
                    continue
                if entry.is_dir():
                    submissions.append(_from_folder(entry, handouts))
                elif entry.suffix == ".ipynb":
                    submissions.append(Submission(entry.stem, entry))
                else:
                    skipped.append(entry)
        else:
            raise UsageError(f"{path} does not exist")
    return Found(tuple(_unique_ids(submissions)), tuple(skipped))


def _unique_ids(submissions: list[Submission]) -> list[Submission]:
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
            submission = Submission(new_id, submission.path, submission.problem)
        seen.add(submission.id)
        unique.append(submission)
    return unique
