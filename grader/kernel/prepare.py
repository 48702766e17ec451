"""What a notebook's tools left in it that must not run while grading: package installs.

Notebooks written in Colab or on a laptop often install what they use (``!pip install``,
``%pip install``, ``!conda install``, ``!apt-get install``). While grading there is no network
(in the sandbox), and outside the sandbox an install would change the grader's own environment
for every submission after it. Such lines are replaced by a line that does nothing (line numbers
are kept), the notebook runs with the packages the grader has, and a note says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat

_INSTALLER = r"(?:sudo\s+)?(?:pip3?|python3?\s+-m\s+pip|conda|mamba|micromamba|apt(?:-get)?)\s+install\b"
IPYTHON_INSTALL = re.compile(rf"^(?P<indent>\s*)[!%]\s*{_INSTALLER}")
SHELL_CELL = re.compile(r"^\s*%%(?:bash|sh|script\s+(?:ba)?sh)\b")
SHELL_INSTALL = re.compile(rf"^(?P<indent>\s*){_INSTALLER}")
NOT_RUN = "not run while grading"


@dataclass(frozen=True)
class Prepared:
    notebook: nbformat.NotebookNode
    installs: tuple[int, ...] = ()  # the cells (1-based) whose package installs were left out

    def note(self) -> str:
        """What the student should know about the installs left out; or ""."""
        if not self.installs:
            return ""
        cells = ", ".join(map(str, self.installs))
        return (f"Package installs (`!pip install` and the like, in cell{'s' * (len(self.installs) > 1)}"
                f" {cells}) were not run: grading has no network, and the notebook runs with the "
                "packages the grader has.")


def without_installs(notebook: nbformat.NotebookNode) -> Prepared:
    """``notebook`` with each package install replaced by a line that does nothing."""
    cells, installs = [], []
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") == "code":
            source = _blank_installs(cell.source)
            if source != cell.source:
                installs.append(index + 1)
                cell = nbformat.NotebookNode({**cell, "source": source})
        cells.append(cell)
    if not installs:
        return Prepared(notebook)
    return Prepared(nbformat.NotebookNode({**notebook, "cells": cells}), tuple(installs))


def _blank_installs(source: str) -> str:
    lines = source.split("\n")
    shell = bool(lines) and SHELL_CELL.match(lines[0]) is not None
    pattern, nothing = (SHELL_INSTALL, ":") if shell else (IPYTHON_INSTALL, "pass")
    return "\n".join(
        f"{found['indent']}{nothing}  # {NOT_RUN}: {line.strip()}"
        if (found := pattern.match(line)) else line
        for line in lines
    )
