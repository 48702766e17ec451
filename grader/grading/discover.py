"""Find the submissions to grade under the paths an instructor names."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model.errors import UsageError

SKIPPED_FOLDERS = {".ipynb_checkpoints", "__pycache__"}


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path  # the notebook; or the folder, when it holds no single notebook to grade
    problem: str = ""  # set when the folder cannot be graded as it is
    # The notebook's bytes, read where it was found, for grading where the file is not (a
    # cluster's worker); None: read the file at ``path``.
    content: bytes | None = field(default=None, repr=False, compare=False)


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


def _from_folder(folder: Path, preferred_name: str) -> Submission:
    notebooks = _notebooks_in(folder)
    if len(notebooks) == 1:
        return Submission(folder.name, notebooks[0])
    preferred = [path for path in notebooks if path.name == preferred_name]
    if len(preferred) == 1:
        return Submission(folder.name, preferred[0])
    if not notebooks:
        return Submission(folder.name, folder, "the folder holds no notebook (*.ipynb)")
    names = ", ".join(str(path.relative_to(folder)) for path in notebooks)
    return Submission(
        folder.name, folder,
        f"the folder holds {len(notebooks)} notebooks ({names}); keep one, or name it "
        f"{preferred_name}",
    )


def find_submissions(paths: list[Path], preferred_name: str = "") -> Found:
    """Notebooks directly in each folder (id: file stem) and one per sub-folder (id: its name).

    A path may also be a single notebook. Ids are made unique by numbering repeats.
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
                    submissions.append(_from_folder(entry, preferred_name))
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
