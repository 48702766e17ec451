"""Why a cell that worked where the notebook was written fails while it is graded, in a line.

Notebooks come from Colab, VS Code, laptops with environments of their own. What they lean on
there (``google.colab``, files on Google Drive or in the student's home folder, a package of
their environment, ``input()``, a magic of another tool) is not there when the notebook is
graded; the cell fails, the rest runs, and this note tells the student what to change.
"""

from __future__ import annotations

import re

_MODULE = re.compile(r"No module named '([\w.]+)'")
_MAGIC = re.compile(r"(?:Line magic function|Cell magic) `(%%?\w+)` not found")
_MISSING_FILE = re.compile(r"No such file(?: or directory)?: '([^']+)'")
COLAB_PATHS = ("/content/", "/gdrive/", "drive/MyDrive", "drive/My Drive")
HOME_PATHS = re.compile(r"^(?:[A-Za-z]:[\\/]|/Users/|/home/|~)")


def hint(ename: str, evalue: str) -> str:
    """A note on what a cell's error means while grading, or "" if it says enough itself."""
    module = _MODULE.search(evalue) if ename in ("ModuleNotFoundError", "ImportError") else None
    if module and module[1].split(".")[0] == "google":
        return ("Google Colab (`google.colab`) is not there when the notebook is graded: keep "
                "Colab-only code (mounting Drive, uploading files) out of the cells your "
                "functions need.")
    if module:
        return (f"`{module[1]}` is not installed where notebooks are graded: each notebook runs "
                "in the grader's own Python, whatever kernel or environment it was saved with. "
                "Use only the packages the lesson names.")
    if "does not support input requests" in evalue:
        return ("Nobody is there to answer `input()` while the notebook is graded: give the value "
                "in the code instead.")
    magic = _MAGIC.search(evalue)
    if magic:
        return (f"`{magic[1]}` is a magic of another tool (such as Colab), which Jupyter does not "
                "have here.")
    missing = _MISSING_FILE.search(evalue)
    if missing and any(part in missing[1] for part in COLAB_PATHS):
        return ("Files on Google Drive or in Colab's /content folder are not there when the "
                "notebook is graded: read the lesson's data files by their bare name (such as "
                "`open('data.csv')`); they lie beside the notebook when it runs.")
    if missing and HOME_PATHS.match(missing[1]):
        return ("Paths on your own computer are not there when the notebook is graded: read files "
                "by a path relative to the notebook's folder.")
    return ""
