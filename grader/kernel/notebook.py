"""Reading a submission: every way a file can fail to be a notebook becomes one error."""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import nbformat

from ..model.errors import UnreadableNotebook


def read_notebook(path: Path, content: bytes | None = None) -> nbformat.NotebookNode:
    """Read a submission, turning every way a file can fail to be a notebook into one error.

    ``content``, if given, is the file's bytes, read elsewhere; ``path`` then only names it.
    """
    try:
        if content is None:
            text = path.read_text(encoding="utf-8")
        else:  # decoded as read_text decodes a file, newlines included
            text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableNotebook(str(path), f"cannot read the file ({error})") from None
    if not text.strip():
        raise UnreadableNotebook(str(path), "the file is empty")
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableNotebook(str(path), f"not valid notebook JSON ({error})") from None
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        raise UnreadableNotebook(str(path), "not valid notebook JSON (it has no list of cells)")
    try:
        with warnings.catch_warnings():  # nbformat warns about fixable details, such as cell ids
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several unrelated types for bad input
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UnreadableNotebook(str(path), f"not a notebook nbformat can read ({reason[:200]})") from None
    for cell in notebook.cells:
        if cell.get("cell_type") == "code" and not isinstance(cell.get("source"), str):
            raise UnreadableNotebook(str(path), "a code cell has no source text")
    return notebook


def first_line(source: str) -> str:
    """A cell's first line that is not blank, to help a student find the cell."""
    lines = [line for line in source.strip().splitlines() if line.strip()]
    return lines[0][:120] if lines else ""
