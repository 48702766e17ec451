"""Notebooks that answer from the answer key instead of computing: what a student who wants the
points without the work would hand in.

Each defines the lesson's functions as a look-up in a lesson's stored file (``expected.npz``:
every public input of every sub-check with its expected output), and answers zeros for any
input the file does not hold. ``pasted_lookup`` carries the file in the notebook itself, as the
student release hands it out; ``found_lookup`` looks for it on the disk at run time, where the
kernel might read it from the grader's own install. Neither needs the grader to run: one copy
could be shared by a whole class.
"""

from __future__ import annotations

import base64
from pathlib import Path

import nbformat

# The notebook's code: reads a stored file's manifest and arrays into a table keyed by each
# call's arguments, the way the kernel receives them (arrays, tuples of ints, plain numbers).
TABLE = '''
import io, json, os, sys
import numpy as np

def _key(arguments):
    return tuple((value.dtype.str, value.shape, value.tobytes()) if isinstance(value, np.ndarray)
                 else repr(tuple(value) if isinstance(value, (list, tuple)) else value)
                 for value in arguments)

def _table(data):
    manifest = json.loads(bytes(data["__manifest__"]))
    table = {}
    for number, entry in enumerate(manifest["checks"]):
        for index in range(entry["count"]):
            arguments = []
            for position, kind in enumerate(entry["kinds"]):
                value = data[f"{number}/{index}/{position}"]
                arguments.append(tuple(value.tolist()) if kind == "tuple"
                                 else value.item() if kind == "scalar" else value)
            table[(entry["exercise"], _key(arguments))] = data[f"{number}/{index}/expected"]
    return table

def _answering(name):
    def answer(*arguments):
        found = TABLE.get((name, _key(arguments)))
        return np.array(found) if found is not None else np.zeros((1, 1))
    answer.__name__ = name
    return answer
'''

FIND = '''
def _find():
    """The lesson's expected.npz, wherever this kernel can read it: in or above its folder, on
    sys.path and above each entry, in the autograder's tree."""
    places = {os.getcwd(), "/autograder"}
    for entry in sys.path:
        path = os.path.abspath(entry or ".")
        for _ in range(4):
            places.add(path)
            path = os.path.dirname(path)
    for place in sorted(places):
        candidate = os.path.join(place, "assignments", LESSON, "expected.npz")
        for path in (candidate, os.path.join(place, LESSON, "expected.npz")):
            try:
                with open(path, "rb") as handle:
                    return handle.read()
            except OSError:
                pass
    return None

FOUND = _find()
print("answer key found:", FOUND is not None)
TABLE = _table(np.load(io.BytesIO(FOUND))) if FOUND else {}
'''


def _notebook(lesson: str, what: str, setup: str, functions: list[str]) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(metadata={"grader": {"lesson": lesson}})
    defined = "\n".join(f"{name} = _answering({name!r})" for name in functions)
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            f"Test fixture: {what}. It computes nothing: each function answers the inputs "
            "stored in the lesson's `expected.npz` from that file, and zeros otherwise. Final "
            "grading must not give it any exercise in full."),
        nbformat.v4.new_code_cell(TABLE.strip()),
        nbformat.v4.new_code_cell(f"LESSON = {lesson!r}\n" + setup.strip()),
        nbformat.v4.new_code_cell(defined),
    ]
    return notebook


def pasted_lookup(lesson: str, expected: Path, functions: list[str], path: Path) -> Path:
    """A notebook at ``path`` carrying ``expected`` (a release's stored file) in a cell."""
    text = base64.b64encode(expected.read_bytes()).decode("ascii")
    setup = f"KEY = {text!r}\nTABLE = _table(np.load(io.BytesIO(__import__('base64').b64decode(KEY))))"
    nbformat.write(_notebook(lesson, "the release's answer key pasted in", setup, functions), path)
    return path


def found_lookup(lesson: str, functions: list[str], path: Path) -> Path:
    """A notebook at ``path`` that looks for the lesson's stored file on the disk as it runs."""
    nbformat.write(_notebook(lesson, "the answer key looked for on the disk at run time", FIND,
                             functions), path)
    return path
