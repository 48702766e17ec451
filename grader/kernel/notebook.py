"""Reading a submission: every way a file can fail to be a notebook becomes one error.

A submission is a notebook as any tool saves it (Jupyter of any age back to nbformat 3, VS
Code, Colab) or a Python script, in jupytext's percent format (``# %%`` cells) or plain. What a
notebook saved of its last run (outputs, figures) is dropped on reading: the grader runs the
notebook afresh and never looks at it, and a notebook saved with megabytes of figures should
cost no more than one without.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Mapping
from pathlib import Path

import nbformat

from ..model.errors import UnreadableNotebook

SUFFIXES = (".ipynb", ".py")  # what a submission's file may be
MAX_BYTES = 256 * 1024**2  # larger files are not read (a notebook with its outputs cleared is small)


def read_notebook(path: Path, content: bytes | None = None,
                  keep_outputs: bool = False) -> nbformat.NotebookNode:
    """Read a submission, turning every way a file can fail to be a notebook into one error.

    ``content``, if given, is the file's bytes, read elsewhere (a cluster's worker gets them so);
    ``path`` then only names it. ``keep_outputs`` keeps what the last run saved, for a notebook
    that is written back (an instructor's solved notebook).
    """
    text = _text(path, content)
    if path.suffix == ".py":
        return _from_script(path, text)
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableNotebook(str(path), f"not valid notebook JSON ({error})") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise UnreadableNotebook(str(path), "not a notebook: its JSON is nested too deep to "
                                 "read") from None
    if not isinstance(content, dict) or not isinstance(_cells(content), list):
        raise UnreadableNotebook(str(path), "not valid notebook JSON (it has no list of cells)")
    if not keep_outputs:
        _drop_outputs(content)
    try:
        with warnings.catch_warnings():  # nbformat warns about fixable details, such as cell ids
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(content), as_version=4)
    except Exception as error:  # nbformat raises several unrelated types for bad input
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UnreadableNotebook(str(path), f"not a notebook nbformat can read ({reason[:200]})") from None
    for cell in notebook.cells:
        if cell.get("cell_type") == "code" and not isinstance(cell.get("source"), str):
            raise UnreadableNotebook(str(path), "a code cell has no source text")
        if isinstance(cell.get("source"), str):
            cell.source = _encodable(cell.source)
    return notebook


def _encodable(text: str) -> str:
    """``text`` with each lone surrogate (JSON can escape one, UTF-8 cannot hold it) made the
    replacement character, so that the cell can be written and sent to the kernel."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def notebook_content(path: Path) -> Mapping:
    """The submission as a notebook's JSON, or {} if it cannot be read: for recognising it."""
    try:
        if path.suffix == ".py":
            return read_notebook(path)
        content = json.loads(_text(path))
    except (UnreadableNotebook, ValueError, RecursionError):  # read as not recognised
        return {}
    return content if isinstance(content, dict) else {}


def _text(path: Path, content: bytes | None = None) -> str:
    try:
        size = path.stat().st_size if content is None else len(content)
        if size > MAX_BYTES:
            raise UnreadableNotebook(
                str(path), f"the file is {size / 1024**2:.0f} MiB, more than the "
                f"{MAX_BYTES // 1024**2} MiB the grader reads; clear its outputs (Edit > Clear "
                "All Outputs) and submit it again")
        if content is None:
            text = path.read_text(encoding="utf-8")
        else:  # decoded as read_text decodes a file, newlines included
            text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8").read()
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableNotebook(str(path), f"cannot read the file ({error})") from None
    if not text.strip():
        raise UnreadableNotebook(str(path), "the file is empty")
    return text


def _cells(content: dict):
    """The notebook's list of cells; nbformat 3 keeps them in worksheets."""
    if content.get("nbformat") == 3 and isinstance(content.get("worksheets"), list):
        sheets = [sheet.get("cells") for sheet in content["worksheets"] if isinstance(sheet, dict)]
        return [cell for cells in sheets if isinstance(cells, list) for cell in cells]
    return content.get("cells")


def _drop_outputs(content: dict) -> None:
    """Forget what the notebook's last run left in its code cells."""
    for cell in _cells(content):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            cell["outputs"] = []
            if "execution_count" in cell:
                cell["execution_count"] = None
            cell.pop("prompt_number", None)  # nbformat 3's execution count


def _from_script(path: Path, text: str) -> nbformat.NotebookNode:
    """A Python script as a notebook: jupytext's cells where it marks them (``# %%``), else
    cells split where the script has blank lines."""
    import jupytext  # only a script submission needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = jupytext.reads(text, fmt="py")
    except Exception as error:  # jupytext raises several types for text it cannot take
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UnreadableNotebook(str(path), f"not a script jupytext can read ({reason[:200]})") from None
    if not any(cell.cell_type == "code" and cell.source.strip() for cell in notebook.cells):
        raise UnreadableNotebook(str(path), "the script holds no code")
    return notebook


def first_line(source: str) -> str:
    """A cell's first line that is not blank, to help a student find the cell."""
    lines = [line for line in source.strip().splitlines() if line.strip()]
    return lines[0][:120] if lines else ""
