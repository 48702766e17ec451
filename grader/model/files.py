"""Writing the grader's own files so that a run stopped at any moment leaves none half written."""

from __future__ import annotations

from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that ``path`` is either as it was or whole, whenever the run stops."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
