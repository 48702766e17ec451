"""From the solved notebook to the handout: markers become stubs, staff cells are left out,
outputs are cleared, exercise cells are tagged and the notebook names its lesson.

- A cell tagged ``solution-only`` (a staff note, the solved notebook's own title) is left out.
- Each cell that defines an exercise's function at its top level is tagged
  ``exercise:<name>`` (replacing any such tag it had): the grader tells an exercise still as
  handed out by that cell. Each exercise must be defined in exactly one cell.
- The notebook's metadata gets ``{"grader": {"lesson": NAME}}``, so every copy of the handout is
  recognised as that lesson's.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence

import nbformat

from ..kernel.notebook import first_line
from ..model.errors import AuthoringError
from ..model.lessons import METADATA_KEY, defined_functions
from .markers import handout_source, solution_source

SOLUTION_ONLY = "solution-only"
EXERCISE_TAG = "exercise:"


def cell_label(number: int, cell: Mapping) -> str:
    """How a message names a cell: its number (from 1) and its first line."""
    head = first_line(cell.get("source", ""))
    return f"cell {number} (`{head}`)" if head else f"cell {number} (empty)"


def tags(cell: Mapping) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def top_level_functions(source: str) -> set[str]:
    """The functions a cell defines at its top level; read from its ``def`` lines when it does
    not parse (a handout's stub may not)."""
    names = defined_functions({"cells": [{"cell_type": "code", "source": source}]})
    if names or not source.strip():
        return names
    return set(re.findall(r"^(?:async[ \t]+)?def[ \t]+(\w+)", source, flags=re.MULTILINE))


def handout_cells(solved: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    """The solved notebook's cells that go into the handout, with their numbers (from 1)."""
    return [(number, cell) for number, cell in enumerate(solved.cells, 1)
            if SOLUTION_ONLY not in tags(cell)]


def exercise_cells(cells: Sequence[tuple[int, Mapping]], exercises: Mapping[str, Sequence[str]],
                   what: str) -> dict[str, int]:
    """For each exercise (name -> parameters), the number of the one cell that defines it.

    ``cells`` are numbered code cells, their sources already without markers; ``what`` names
    the notebook in messages.
    """
    defining: dict[str, list[tuple[int, Mapping]]] = {name: [] for name in exercises}
    for number, cell in cells:
        for name in top_level_functions(cell.get("source", "")) & set(exercises):
            defining[name].append((number, cell))
    found = {}
    for name, where in defining.items():
        if not where:
            parameters = ", ".join(exercises[name])
            raise AuthoringError(f"no cell of {what} defines the exercise {name}: write "
                                 f"`def {name}({parameters}):` at the top level of its cell")
        if len(where) > 1:
            labels = " and ".join(cell_label(number, cell) for number, cell in where)
            raise AuthoringError(f"{what} defines {name} in {len(where)} cells, {labels}: keep "
                                 "the exercise's cell and rename it in the others")
        found[name] = where[0][0]
    return found


def _handout_cell(number: int, cell: nbformat.NotebookNode,
                  exercises: Sequence[str]) -> nbformat.NotebookNode:
    new = copy.deepcopy(cell)
    where = cell_label(number, cell)
    if cell.cell_type in ("code", "markdown"):
        new.source = handout_source(cell.source, where, code=cell.cell_type == "code")
    if cell.cell_type == "code":
        new.outputs, new.execution_count = [], None
    kept = [tag for tag in tags(cell) if not tag.startswith(EXERCISE_TAG)]
    kept += [EXERCISE_TAG + name for name in exercises]
    if kept:
        new.metadata["tags"] = kept
    else:
        new.metadata.pop("tags", None)
    return new


def exercise_cell_numbers(solved: nbformat.NotebookNode, exercises: Mapping[str, Sequence[str]],
                          what: str) -> dict[str, int]:
    """For each exercise (name -> parameters), the number of the one cell of the handout-to-be
    that defines it; ``what`` names the solved notebook in messages."""
    code = [(number, {"source": solution_source(cell.source, cell_label(number, cell))})
            for number, cell in handout_cells(solved) if cell.cell_type == "code"]
    return exercise_cells(code, exercises, what)


def make_handout(solved: nbformat.NotebookNode, lesson: str,
                 defined_in: Mapping[str, int]) -> nbformat.NotebookNode:
    """The handout of the solved notebook for ``lesson``, whose exercises are defined in the
    cells ``defined_in`` numbers (see ``exercise_cell_numbers``)."""
    handout = copy.deepcopy(solved)
    handout.cells = [
        _handout_cell(number, cell,
                      [name for name, where in defined_in.items() if where == number])
        for number, cell in handout_cells(solved)
    ]
    entry = handout.metadata.get(METADATA_KEY)
    handout.metadata[METADATA_KEY] = {**(entry if isinstance(entry, Mapping) else {}),
                                      "lesson": lesson}
    return handout
