"""``grade new NAME``: a new lesson's skeleton that works as it is: its definition with one small
exercise and its sub-checks, and a solved notebook with solution markers, ready for ``grade
assign``.
"""

from __future__ import annotations

import keyword
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..model.errors import UsageError
from ..model.lessons import METADATA_KEY, PACKAGE, available_assignments, lesson_folders

DEFINITION = '''"""The lesson {name}: what the grader checks in it.

The functions a student writes, their parameters, and for each a few sub-checks worth points.
Each sub-check draws its inputs from a hypothesis strategy that draws a tuple of positional
arguments, one value per parameter, and compares the student's output with the reference's
(solutions/{name}.py, written by `grade assign` from the solved notebook) with a comparator.
After a change here or in the solved notebook, run `grade assign solutions/{name}-solved.ipynb`.
"""

from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.lesson import Assignment, Exercise, SubCheck, arguments, close, same_shape

# A short array of numbers with two decimals, so a counterexample reads well, and a factor.
# (grader.lesson also has ready strategies for images: images, image_and_kernel, image_and_box.)
values = hnp.arrays(np.float64, st.integers(1, 8),
                    elements=st.floats(-10, 10).map(lambda x: round(x, 2)))
factors = st.floats(-5, 5).map(lambda x: round(x, 1))
# The arguments of scale(values, factor): always a tuple, one value per parameter.
values_and_factor = arguments(values, factors)

ASSIGNMENT = Assignment(
    name="{name}",
    folder=Path(__file__).parent,
    notebook="{name}.ipynb",
    data_files=(),
    reference="solutions.{name}",
    exercises=(
        Exercise(
            name="scale",
            parameters=("values", "factor"),
            checks=(
                SubCheck(
                    "output shape",
                    "The result has the same shape as values.",
                    1,
                    values_and_factor,
                    same_shape,
                ),
                SubCheck(
                    "values",
                    "Each value is multiplied by factor.",
                    2,
                    values_and_factor,
                    close(rtol=1e-9),
                ),
            ),
        ),
    ),
)
'''

STAFF_NOTE = """# {title} (solved)

Staff only: the solved copy of the lesson `{name}`. Do not hand it out.

`grade assign solutions/{name}-solved.ipynb` makes the handout
(`assignments/{name}/{name}.ipynb`) from it: each `### BEGIN SOLUTION` ... `### END SOLUTION`
block becomes a stub, cells tagged `solution-only` (such as this one) are left out, and the
exercise cells are tagged. It also writes the reference `solutions/{name}.py` from the exercise
cells, stores the expected outputs, and checks that this notebook earns full marks and the
handout zero. Then `grade validate {name}` checks that everything agrees."""

TITLE = """# {title}

The handout's title: what the students will do in this notebook. They write one function,
`scale`; keep its name and parameters exactly as given."""

EXERCISE_INTRO = """## Exercise 1: `scale`

`scale(values, factor)` returns a new array: every value of `values` multiplied by `factor`."""

EXERCISE = '''def scale(values, factor):
    """Every value of the array values multiplied by factor."""
    ### BEGIN SOLUTION
    return values * factor
    ### END SOLUTION'''

SELF_CHECK = """Check your functions before you submit: `from grader import check; check()` in a cell,
or `grade check {name}.ipynb` in a terminal."""


@dataclass(frozen=True)
class Skeleton:
    definition: Path
    solved: Path
    on_lesson_path: bool  # whether the new lesson will be found from here


def solved_notebook(name: str) -> nbformat.NotebookNode:
    title = name.replace("_", " ").capitalize()
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell(STAFF_NOTE.format(title=title, name=name),
                             metadata={"tags": ["solution-only"]}),
        v4.new_markdown_cell(TITLE.format(title=title)),
        v4.new_code_cell("import numpy as np"),
        v4.new_markdown_cell(EXERCISE_INTRO),
        v4.new_code_cell(EXERCISE),
        v4.new_code_cell("scale(np.array([1.0, 2.5, -3.0]), 2)"),
        v4.new_markdown_cell(SELF_CHECK.format(name=name)),
    ]
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        METADATA_KEY: {"lesson": name},
    }
    return v4.new_notebook(cells=cells, metadata=metadata)


def _on_lesson_path(root: Path) -> bool:
    """Whether lessons in ``root/assignments`` are found by this Python: that folder is a lesson
    folder already, or ``root`` is on the path."""
    folders = {folder.resolve() for folder in lesson_folders()}
    entries = {Path(entry or ".").resolve() for entry in sys.path}
    return (root / PACKAGE).resolve() in folders or root.resolve() in entries


def write_skeleton(name: str, root: Path) -> Skeleton:
    """Write the new lesson ``name`` under ``root``; refuses a bad name or an existing file."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise UsageError(f"{name!r} cannot name a lesson: use a Python identifier, such as "
                         f"{''.join(c if c.isalnum() else '_' for c in name).strip('_') or 'my_lesson'}"
                         " (letters, digits and _, not starting with a digit)")
    folder = root / PACKAGE / name
    definition, solved = folder / "__init__.py", root / "solutions" / f"{name}-solved.ipynb"
    existing = [path for path in (folder, solved) if path.exists()]
    if existing:
        raise UsageError(f"{' and '.join(map(str, existing))} already exist: nothing was written; "
                         "choose another name, or remove them first")
    if name in available_assignments():
        raise UsageError(f"a lesson named {name!r} is installed already: choose another name")
    folder.mkdir(parents=True)
    definition.write_text(DEFINITION.replace("{name}", name), encoding="utf-8")
    solved.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(solved_notebook(name), solved)
    return Skeleton(definition, solved, _on_lesson_path(root))
