"""A lesson's secret: what draws the held-out inputs that only final grading tries.

Students see every input of the public set: its inputs and expected outputs are stored with the
lesson and shipped in its release, so that self-check reaches the verdicts final grading does.
A notebook could answer those inputs from a table instead of computing them. Final grading
therefore also tries inputs that no student has seen: drawn from each sub-check's strategy with
a seed made of the lesson's secret, the sub-check and the submitted notebook's own bytes (see
``oracle.Oracle.held_out``). The same notebook always meets the same held-out inputs, so
grading it twice gives the same score; another notebook meets others, so what one student's
feedback shows of them is no use to anyone else.

The secret is a line of random hex in ``<lesson>.secret`` beside the reference solutions (see
``Assignment.secret_path``): it goes wherever they go (the course repository, the autograder
for Gradescope) and nowhere they do not (a student release, a kernel's view).
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from .errors import AssignmentError

HEADER = (
    "# The secret that draws this lesson's held-out inputs, which only final grading tries.\n"
    "# Keep it with the reference solutions and out of students' hands; a new one gives every\n"
    "# submission new held-out inputs.\n"
)


def read_secret(path: Path | None) -> bytes | None:
    """The secret in ``path``, or None where there is no such file."""
    if path is None or not path.is_file():
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise AssignmentError(f"cannot read the lesson's secret {path}: {error}") from None
    words = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if len(words) != 1 or len(words[0]) < 32:
        raise AssignmentError(
            f"{path} is not a lesson's secret (one line of at least 32 characters): remove it "
            "and run `grade freeze --lesson NAME`, which makes a new one"
        )
    return words[0].encode()


def make_secret(path: Path) -> bool:
    """Write a new secret to ``path`` unless one is there; whether one was written."""
    if path.exists():
        return False
    path.write_text(HEADER + secrets.token_hex(32) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return True


def held_out_seed(secret: bytes, *parts: str | bytes) -> int:
    """A seed for hypothesis from the secret and ``parts``: unguessable without the secret."""
    digest = hashlib.sha256(secret)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return int.from_bytes(digest.digest()[:16], "big")


def ensure_secret(path: Path | None) -> str:
    """Make the lesson's secret at ``path`` if it has none: what was done, for the author to
    read, or "" when there was nothing to do."""
    if path is None or not make_secret(path):
        return ""
    return (f"Made the lesson's secret {path}: it draws the held-out inputs that only final "
            "grading tries. Keep it with the reference solutions (commit it to the course "
            "repository, never to a student release).")
