"""Plain-text tables for the terminal: columns padded to their widest cell, a rule under the
header."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *map(line, cells[1:])])


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: one that would start a formula
    (``=HYPERLINK(...)`` as a notebook's name) gets a leading apostrophe, as OWASP's rule for
    CSV injection says; numbers stay numbers."""
    text = str(value)
    if not text.startswith(FORMULA_STARTS):
        return text
    try:
        float(text)
        return text
    except ValueError:
        return "'" + text


def spreadsheet_rows(rows):
    """Every cell of ``rows`` made safe for a spreadsheet (see ``spreadsheet_cell``)."""
    return [[spreadsheet_cell(cell) for cell in row] for row in rows]
