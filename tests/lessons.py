"""A tiny lesson written into a folder of its own, as an instructor writes one: its definition
and its solved notebook with nbgrader's markers (two functions on arrays). For the tests of
authoring; nothing here touches the repository's own lessons."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from grader.authoring.assign import store_expected, write_handout_and_reference
from grader.model.lessons import load_assignment

NAME = "tiny"

DEFINITION = '''"""The tiny lesson: double every value, and add them all up."""

from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.model.assignment import Assignment, Exercise, SubCheck
from grader.model.compare import close, same_shape

values = st.tuples(hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(-9, 9)))

ASSIGNMENT = Assignment(
    name="tiny",
    folder=Path(__file__).parent,
    notebook="tiny.ipynb",
    data_files=(),
    reference="solutions.tiny",
    exercises=(
        Exercise("double", ("values",), (
            SubCheck("output shape", "The result has the shape of values.", 1, values, same_shape),
            SubCheck("values", "Every value doubled.", 1, values, close()),
        )),
        Exercise("sum_all", ("values",), (
            SubCheck("sum", "The sum of the values.", 2, values, close()),
        )),
    ),
)
'''

DOUBLE = '''def double(values):
    """Every value of values, doubled."""
    ### BEGIN SOLUTION
    return values * 2
    ### END SOLUTION'''

TOTAL = '''def sum_all(values):
    """The sum of values, as a number."""
    # BEGIN SOLUTION
    return int(np.sum(values))
    # END SOLUTION'''


def solved_notebook() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("# Tiny (solved)\n\nThe solved notebook of a tiny lesson that the "
                             "authoring tests make a handout from: two functions on arrays, "
                             "with nbgrader's markers.", metadata={"tags": ["solution-only"]}),
        v4.new_markdown_cell("# Tiny\n\nWrite `double` and `sum_all`."),
        v4.new_code_cell("import numpy as np"),
        v4.new_code_cell(DOUBLE),
        v4.new_code_cell(TOTAL),
        v4.new_code_cell("double(np.arange(3)), sum_all(np.arange(3))"),
    ]
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    return notebook


def write_tiny_lesson(root: Path) -> Path:
    """The tiny lesson's definition and solved notebook under ``root``; the notebook's path."""
    (root / "assignments" / NAME).mkdir(parents=True)
    (root / "assignments" / NAME / "__init__.py").write_text(DEFINITION)
    (root / "solutions").mkdir()
    solved = root / "solutions" / f"{NAME}-solved.ipynb"
    nbformat.write(solved_notebook(), solved)
    return solved


def forget_lessons() -> None:
    """Forget every lesson this process loaded from a temporary folder."""
    load_assignment.cache_clear()
    for module in [f"assignments.{NAME}", f"solutions.{NAME}"]:
        sys.modules.pop(module, None)


@pytest.fixture
def tiny_solved(tmp_path, monkeypatch):
    """The tiny lesson's definition and solved notebook in a folder on the Python path, not yet
    assigned; the solved notebook's path."""
    solved = write_tiny_lesson(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # a rewritten module is read anew
    forget_lessons()
    yield solved
    forget_lessons()


@pytest.fixture
def tiny(tiny_solved):
    """The tiny lesson, assigned without kernels: its handout, generated reference and stored
    outputs written."""
    assignment = load_assignment(NAME)
    write_handout_and_reference(nbformat.read(tiny_solved, as_version=4), tiny_solved, assignment)
    store_expected(assignment)
    return assignment
