"""What ``grade audit`` shows: the kill matrix and its summary in the terminal, and
``audit.json``.

In the matrix each row is a mutant or a declared mistake, each column a sub-check of its
exercise; a cell holds how many of the sub-check's stored inputs catch the row, "." where the
sub-check passes it and "T" where it timed out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..output.tables import text_table
from .audit import FRAGILE_AT_MOST, LessonAudit, MutantAudit

NAME_WIDTH = 64  # a longer mutant name is cut short in the terminal (audit.json has it whole)
SHOWN_MISSES = 5  # mutants named in the summary's lines, at most


def _verdict(mutant: MutantAudit) -> str:
    if mutant.kind == "mistake" and mutant.verdict != "killed":
        return f"MISSED (declared mistake, {mutant.verdict})"
    if mutant.verdict == "survived":
        return "SURVIVED"
    return "killed, fragile" if mutant.fragile else mutant.verdict


def _cut(text: str, width: int = NAME_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _row_name(mutant: MutantAudit) -> str:
    return _cut(f"mistake: {mutant.name}" if mutant.kind == "mistake" else mutant.name)


def _matrix(audit: LessonAudit, exercise: str) -> str:
    checks = [check for name, check in audit.checks if name == exercise]
    rows = []
    for mutant in (m for m in audit.mutants if m.exercise == exercise):
        cells = ["T" if cell.status == "timeout" else str(cell.caught_by or ".")
                 for cell in mutant.cells]
        rows.append([_row_name(mutant), *cells,
                     f"{mutant.caught_by}/{audit.inputs * len(checks)}", _verdict(mutant)])
    return text_table([exercise, *checks, "caught by", "verdict"], rows)


def _listed(names: Sequence[str]) -> str:
    shown = list(names[:SHOWN_MISSES])
    more = len(names) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more else "")


def _names(mutants: Sequence[MutantAudit]) -> str:
    return _listed([f"{m.exercise}: {m.name}" for m in mutants])


def summary(audit: LessonAudit) -> list[str]:
    """The lines that say what the matrix adds up to."""
    made, declared = audit.counts("mutant"), audit.counts("mistake")
    killed = [m for m in audit.mutants if m.verdict == "killed"]
    lines = [
        f"{audit.lesson}: {made['total']} mutants generated: {made['killed']} killed "
        f"({made['fragile']} fragile), {made['equivalent']} equivalent to the reference, "
        f"{made['survived']} surviving.",
        f"  {declared['total']} declared mistakes: {declared['killed']} killed"
        + (f", {declared['total'] - declared['killed']} MISSED: "
           f"{_names(audit.mistakes_missed())}." if audit.mistakes_missed() else "."),
    ]
    if killed:
        missed = audit.missed_with
        lines.append(
            f"  Smallest --max-examples that catches every killed mutant: {audit.max_examples} "
            f"(inputs drawn afresh as grading draws them, by hypothesis {audit.hypothesis}"
            + (f"; with {missed[0]}, {len(missed[1])} slip through: {_listed(missed[1])})."
               if missed else ").")
        )
        lines.append(f"  Each sub-check tries its inputs smallest first: every killed mutant is "
                     f"caught by one of the first {audit.smallest_first()} it tries.")
    for verdict, heading in (("fragile", f"Fragile (caught by {FRAGILE_AT_MOST} stored inputs "
                              "or fewer)"),
                             ("equivalent", "Equivalent (the reference's outputs on every "
                              "stored input: no mistake)"),
                             ("survived", "Surviving (gaps in the checks)")):
        chosen = [m for m in audit.mutants
                  if (m.fragile if verdict == "fragile" else m.verdict == verdict)]
        lines.append(f"  {heading}: {_names(chosen) if chosen else 'none'}.")
    agreement = audit.agreement()
    only = [m for m in audit.mutants if m.agreement == "held-out only"]
    lines.append(
        f"  Public and held-out inputs agree on {agreement['both'] + agreement['neither']} of "
        f"{len(audit.mutants)} mutants and mistakes (killed by both: {agreement['both']}, by "
        f"neither: {agreement['neither']}); killed by the public inputs but not by every "
        f"held-out set: {agreement['public only']}; killed only by held-out inputs (a self-check "
        f"passes them, final grading does not): {_names(only) if only else 'none'}."
    )
    lines += [f"  Note: {note}." for note in audit.notes]
    lines.append(f"  Audited in {audit.seconds:.1f} s.")
    return lines


def audit_text(audit: LessonAudit) -> str:
    """The kill matrix of every exercise, then the summary."""
    exercises = list(dict.fromkeys(exercise for exercise, _ in audit.checks))
    blocks = [_matrix(audit, exercise) for exercise in exercises]
    return "\n\n".join([*blocks, "\n".join(summary(audit))])


def write_json(path: Path, audits: Sequence[LessonAudit]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"lessons": [audit.to_json() for audit in audits]}, indent=1)
                    + "\n", encoding="utf-8")
