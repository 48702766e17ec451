"""Keep each submission's result, so grading the same folder again skips what has not changed.

A result is stored in ``<out>/.cache/<run key>/<sha256 of the notebook>.json`` as soon as its
submission is graded, so an interrupted run loses only the submissions in flight. The run key
is a hash of everything else that can change a verdict: the assignment's files (handout, data,
checks) and reference solutions, the grader's own code and version, the versions of Python,
hypothesis and numpy, and the settings. Renaming a notebook does not make it new; changing a
byte of it, or of the student's own files beside it, does. A failure of the grader itself is not
kept: it is retried.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import json
import platform
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import hypothesis
import numpy

from ..intake.discover import Submission
from ..kernel.own_files import own_files
from ..model.assignment import Assignment
from ..model.files import write_atomically
from ..model.results import Mode, SubmissionResult, result_from_json
from ..model.settings import Settings

FOLDER = ".cache"
GRADER_FOLDER = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


@cache  # it looks through every installed distribution
def grader_version() -> str:
    """The version of the distribution this grader was installed from, whatever its name."""
    package = __name__.split(".")[0]
    for name in importlib.metadata.packages_distributions().get(package, []):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def _digest(parts: Iterable[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for label, data in parts:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:20]


def grader_code() -> str:
    """A digest of the grader's own code."""
    return _digest(
        (f"grader/{path.relative_to(GRADER_FOLDER)}", path.read_bytes())
        for path in _files(GRADER_FOLDER) if path.suffix == ".py"
    )


def key_parts(assignment: Assignment, settings: Settings, mode: Mode = "reference") -> dict[str, str]:
    """Everything besides the notebook that can change how it is graded, part by part.

    Each part is a digest, or the text itself where it is short, so that two processes that
    should grade alike (a client and a cluster's worker) can say in which part they differ.
    ``mode`` is where expected outputs come from (see ``oracle``).
    """
    files = [(f"assignment/{path.relative_to(assignment.folder)}", path.read_bytes())
             for path in _files(assignment.folder)]
    checks = [[e.name, [c.name for c in e.checks]] for e in assignment.exercises]
    reference = assignment.reference_files().module
    secret = assignment.secret_path()
    versions = {"grader": grader_version(), "Python": platform.python_version(),
                "hypothesis": hypothesis.__version__, "numpy": numpy.__version__}
    return {
        "assignment files": _digest([*files, ("exercises", json.dumps(checks).encode())]),
        "reference solutions": (
            _digest([("reference", reference.read_bytes()),
                     ("secret", secret.read_bytes() if secret and secret.is_file() else b"")])
            if reference and reference.is_file() else "none"
        ),
        "grader code": grader_code(),
        "versions": ", ".join(f"{name} {version}" for name, version in versions.items()),
        "settings": _digest([("settings", json.dumps(dataclasses.asdict(settings),
                                                     sort_keys=True).encode())]),
        "source of expected outputs": mode,
    }


def run_key(assignment: Assignment, settings: Settings, mode: Mode = "reference") -> str:
    """A hash of everything besides the notebook that can change how it is graded.

    ``mode`` is where expected outputs come from (see ``oracle``): a result graded against the
    reference is not reused for a run against the stored outputs, nor the other way round.
    """
    parts = key_parts(assignment, settings, mode)
    return _digest([("parts", json.dumps(parts, sort_keys=True).encode())])


def _content_key(submission: Submission) -> str:
    """A hash of the notebook, and of the student's own files beside it if it has any."""
    notebook = hashlib.sha256(submission.path.read_bytes()).hexdigest()
    own = own_files(submission.folder, submission.path)
    if not own.files and not own.left_out:
        return notebook
    digest = hashlib.sha256(notebook.encode())
    for path, relative in own.files:
        digest.update(f"\0{relative}\0".encode() + hashlib.sha256(path.read_bytes()).digest())
    digest.update(repr(own.left_out).encode())
    return digest.hexdigest()


class ResultCache:
    """Results of earlier runs into the same ``--out`` folder, by notebook content."""

    def __init__(self, folder: Path, reuse: bool = True):
        self.folder = folder
        self.reuse_results = reuse  # False with --force: grade everything, but still store
        self._keys: dict[str, str] = {}  # submission id -> sha256 of its notebook

    @classmethod
    def for_run(cls, out: Path, assignment: Assignment, settings: Settings, reuse: bool = True,
                mode: Mode = "reference"):
        return cls(out / FOLDER / run_key(assignment, settings, mode), reuse)

    @property
    def run_key(self) -> str:
        """The key of everything besides the notebook (see ``run_key``)."""
        return self.folder.name

    def content_key(self, submission_id: str) -> str | None:
        """The hash of a submission's notebook and own files, once ``reuse`` has seen it."""
        return self._keys.get(submission_id)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def reuse(
        self, submissions: Iterable[Submission]
    ) -> tuple[list[SubmissionResult], list[Submission]]:
        """The results kept for unchanged submissions, and the submissions left to grade."""
        found, pending = [], []
        for submission in submissions:
            key = None
            if not submission.problem:
                with contextlib.suppress(OSError):  # graded as unreadable, and not kept
                    key = _content_key(submission)
            result = None
            if key:
                self._keys[submission.id] = key
                if self.reuse_results:
                    result = self._load(key, submission)
            if result:
                found.append(result)
            else:
                pending.append(submission)
        return found, pending

    def _load(self, key: str, submission: Submission) -> SubmissionResult | None:
        try:
            record = json.loads(self._path(key).read_text(encoding="utf-8"))
            result = result_from_json(record)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # not there, or unreadable: grade again
        return dataclasses.replace(result, id=submission.id, path=str(submission.path))

    def store(self, result: SubmissionResult) -> None:
        key = self._keys.get(result.id)
        if key and result.status != "grader error":
            write_atomically(self._path(key), json.dumps(result.to_json()))
