"""The kill matrix of a lesson's audit as a picture (PNG).

One row per mutant or declared mistake, one column per sub-check of the lesson. A cell's shade
is the share of the sub-check's stored inputs that catch the row, its number how many; white
where the sub-check passes it, grey where the sub-check belongs to another exercise. A row's
label is red when it survives every check (bold red for a declared mistake), grey when it is
equivalent to the reference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .audit import LessonAudit
from .audit_text import _row_name, _verdict

ROW_INCHES, COLUMN_INCHES = 0.17, 0.75


def _shares(audit: LessonAudit) -> np.ndarray:
    """The share of inputs catching each row on each sub-check; NaN where it does not apply."""
    columns = {key: position for position, key in enumerate(audit.checks)}
    shares = np.full((len(audit.mutants), len(audit.checks)), np.nan)
    for row, mutant in enumerate(audit.mutants):
        for cell in mutant.cells:
            caught = cell.inputs if cell.status == "timeout" else cell.caught_by
            shares[row, columns[(mutant.exercise, cell.check)]] = caught / max(cell.inputs, 1)
    return shares


def write_picture(path: Path, audit: LessonAudit) -> None:
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shares = _shares(audit)
    rows, columns = shares.shape
    figure = Figure(figsize=(5.5 + COLUMN_INCHES * columns, 2.2 + ROW_INCHES * rows))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    colours = colormaps["Reds"].with_extremes(bad="#d9d9d9")
    image = axes.imshow(np.ma.masked_invalid(shares), cmap=colours, vmin=0, vmax=1,
                        aspect="auto", interpolation="nearest")
    for (row, column), share in np.ndenumerate(shares):
        cell = next((c for c in audit.mutants[row].cells
                     if (audit.mutants[row].exercise, c.check) == audit.checks[column]), None)
        if cell is not None and cell.status != "passed":
            text = "T" if cell.status == "timeout" else str(cell.caught_by)
            axes.text(column, row, text, ha="center", va="center", fontsize=6,
                      color="white" if share > 0.6 else "black")
    axes.set_xticks(range(columns), [f"{e}:\n{c}" for e, c in audit.checks], fontsize=7,
                    rotation=45, ha="left")
    axes.xaxis.tick_top()
    axes.set_yticks(range(rows), [_row_name(m) for m in audit.mutants], fontsize=6)
    for label, mutant in zip(axes.get_yticklabels(), audit.mutants):
        verdict = _verdict(mutant)
        if verdict.startswith(("SURVIVED", "MISSED")):
            label.set_color("red")
            label.set_fontweight("bold" if mutant.kind == "mistake" else "normal")
        elif mutant.verdict == "equivalent":
            label.set_color("grey")
    made = audit.counts("mutant")
    axes.set_title(
        f"{audit.lesson}: {made['total']} mutants, {made['killed']} killed, "
        f"{made['equivalent']} equivalent, {made['survived']} surviving; "
        f"{len(audit.mutants) - made['total']} declared mistakes, "
        f"{len(audit.mistakes_missed())} missed", fontsize=9, loc="left")
    figure.colorbar(image, ax=axes, fraction=0.03, pad=0.01,
                    label="share of the sub-check's stored inputs that catch it")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
