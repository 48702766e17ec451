import dataclasses
import os
import re
import shutil
from html import unescape
from pathlib import Path

import nbformat
import pytest

from grader import PROFILES, load_assignment
from grader.kernel.sandbox import unavailable_because
from grader.model.results import Timings

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
EXAMPLES = ROOT / "examples" / "submissions"

# For tests of what the kernel sandbox does: skipped where it cannot run, unless CI says it must.
needs_sandbox = pytest.mark.skipif(
    bool(unavailable_because()) and os.environ.get("GRADER_REQUIRE_SANDBOX") != "1",
    reason=f"the sandbox cannot run here: {unavailable_because()}",
)


@pytest.fixture(scope="session")
def assignment():
    return load_assignment("convolutions")


@pytest.fixture(scope="session")
def graded_here_with_pictures(assignment):
    """Graded in this process, without a kernel, pictures drawn: `get_subimages` right,
    `convolve` flips its kernel, `template_match` missing."""
    from solutions import convolutions as reference

    from fake_caller import graded_here

    def flipped_convolve(image, kernel):
        return reference.convolve(image, kernel[::-1, ::-1])

    result = graded_here(assignment, {"get_subimages": reference.get_subimages,
                                      "convolve": flipped_convolve})
    return dataclasses.replace(result, timings=Timings(1.0, 2.0, 0.5, 0.0, 0.25))


@pytest.fixture(scope="session")
def settings():
    """Final grading as it is, but with a short cell limit so an endless cell costs little.

    Only for the small notebooks of tests/notebooks: a demo's or the solved notebook's cells
    run the lesson's functions on the whole photo and need DEMO_CELL_TIMEOUT.
    """
    return PROFILES["thorough"].replace(cell_timeout=10)


# The cell limit for notebooks that run the lesson's functions on the whole photo (the demos, the
# solved notebook) in full. Their slowest cell, template_match's loop over 250,000 windows, takes
# about 5 s on an idle core and several times that on a busy one (the load tests run at 2 CPU-bound
# processes per core); at 10 s it was cut short there. The grader's own default: a wide margin.
DEMO_CELL_TIMEOUT = 60


def text_of(html: str) -> str:
    """What a reader of ``html`` sees, as plain text: tags dropped, entities read."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def folder_with_broken_files(submissions: Path) -> Path:
    """A folder of submissions of every broken kind, beside a good one and one that crashes:
    an empty file, a file that is not JSON, a file that is not a notebook, a folder with two
    notebooks, a notebook whose kernel dies (crashes), and a sub-folder with one (bob)."""
    submissions.mkdir()
    (submissions / "empty.ipynb").write_text("")
    (submissions / "not_json.ipynb").write_text("this is { not json")
    (submissions / "notes.txt").write_text("not a notebook")
    (submissions / "two_notebooks").mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        shutil.copy(NOTEBOOKS / "correct_defs_only.ipynb", submissions / "two_notebooks" / name)
    shutil.copy(NOTEBOOKS / "kernel_dies.ipynb", submissions / "crashes.ipynb")
    (submissions / "bob").mkdir()
    shutil.copy(NOTEBOOKS / "correct_defs_only.ipynb", submissions / "bob" / "whatever.ipynb")
    return submissions


def notebook_using_own_module(folder: Path, more: str = "") -> Path:
    """A notebook in ``folder`` that imports the pixels functions from ``mine.py`` beside it (a
    copy of the reference), and runs ``more``; full marks if ``mine.py`` is there when it runs."""
    (folder / "mine.py").write_text((ROOT / "solutions" / "pixels.py").read_text())
    notebook = nbformat.v4.new_notebook(metadata={"grader": {"lesson": "pixels"}})
    notebook.cells = [
        nbformat.v4.new_markdown_cell("Test fixture: the pixels functions, imported from "
                                      "`mine.py` beside this notebook. Expected: full marks."),
        nbformat.v4.new_code_cell("from mine import adjust_brightness, brightness, crop, "
                                  "to_grayscale\n" + more),
    ]
    nbformat.write(notebook, folder / "hw.ipynb")
    return folder / "hw.ipynb"
