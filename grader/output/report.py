"""Write what grading found: the gradebook, Gradescope results, and feedback for students
(``feedback.md``, and ``feedback.html`` with pictures: see ``html``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..intake.canvas import COLUMNS as CANVAS_COLUMNS
from ..intake.gradescope_export import SUBMITTER_FIELDS
from ..model.assignment import Assignment
from ..model.files import write_atomically
from ..model.results import CheckResult, SubmissionResult
from .html import check_fragment, feedback_fragment, feedback_page
from .tables import spreadsheet_rows, text_table
from .wording import MARK, MODE_NOTE, points, stand_in_note

# The columns of grades.csv besides the exercises' own: "submission" comes first, then the
# exercises, then the others. "held_out_only" names the sub-checks whose every public input
# passes while a held-out one fails: worth a look (see ``held_out_only``).
GRADEBOOK_COLUMNS = ("submission", "total", "possible", "status", "message", "held_out_only")
# The columns a course platform's download adds after those, in this order, when it says so
# of the students: a Gradescope export's submitters, then a Canvas download's own.
ROSTER_COLUMNS = SUBMITTER_FIELDS + CANVAS_COLUMNS


def gradebook_header(assignment: Assignment) -> list[str]:
    first, *after = GRADEBOOK_COLUMNS
    return [first, *(e.name for e in assignment.exercises), *after]


def held_out_only(result: SubmissionResult) -> list[str]:
    """The sub-checks ``result`` passes on every input students can see and fails on one they
    cannot (see ``model.secret``): an honest mistake the public inputs miss, or answers looked
    up rather than computed."""
    return [f"{check.exercise}: {check.name}" for exercise in result.exercises
            for check in exercise.checks if check.held_out]


def write_gradebook(path: Path, assignment: Assignment, results: Iterable[SubmissionResult],
                    roster: Mapping[str, Sequence[tuple[str, str]]] = {},
                    order: Sequence[str] = ROSTER_COLUMNS) -> None:
    """One row per submission, broken ones included; points earned per exercise.

    ``roster`` gives, by submission id, what the course platform says of the student (such as
    ``("sid", "1815")``): each column after the fixed ones, in ``order`` (others after them,
    by name).
    """
    results = sorted(results, key=lambda r: r.id)
    said = {column for r in results for column, _ in roster.get(r.id, ())}
    extra = [column for column in order if column in said]
    extra += sorted(said - set(extra))
    table = io.StringIO(newline="")
    writer = csv.writer(table)
    writer.writerow(gradebook_header(assignment) + extra)
    for result in results:
        told = dict(roster.get(result.id, ()))
        writer.writerow(spreadsheet_rows([[
                result.id,
                *(points(result.exercise(e.name).points) for e in assignment.exercises),
                points(result.score),
                points(result.possible),
                result.status,
                result.message,
                "; ".join(held_out_only(result)),
                *(told.get(column, "") for column in extra),
            ]])[0]
        )
    write_atomically(path, table.getvalue())


def gradescope_results(result: SubmissionResult) -> dict:
    """The submission in Gradescope's ``results.json`` shape, its outputs in HTML: the whole
    feedback, pictures included, and each test's text with its counterexample's grids. The
    record under ``extra_data`` leaves the pictures out: they are in the output already."""
    tests = [
        {
            "name": f"{check.exercise}: {check.name}",
            "score": check.points,
            "max_score": check.max_points,
            "status": "passed" if check.status == "passed" else "failed",
            "output": check_fragment(check),
            "output_format": "html",
        }
        for exercise in result.exercises
        for check in exercise.checks
    ]
    record = result.to_json()
    for exercise in record["exercises"]:
        exercise.pop("showcases")
    return {
        "score": result.score,
        "execution_time": round(result.timings.total, 3),
        "output": feedback_fragment(result),
        "output_format": "html",
        "test_output_format": "html",
        "tests": tests,
        "extra_data": {"status": result.status, "grader": record},
    }


def feedback_markdown(result: SubmissionResult) -> str:
    """What a student reads: per exercise the verdict and the smallest input that fails."""
    out = [
        f"# Feedback for {result.id}",
        "",
        f"**Score: {points(result.score)} / {points(result.possible)}**",
        "",
    ]
    if result.message:
        out += [f"> {result.message}", ""]
    out += [MODE_NOTE[result.mode], ""]
    for exercise in result.exercises:
        out += [f"## `{exercise.name}`: {points(exercise.points)} / {points(exercise.max_points)}", ""]
        if exercise.problem:
            out += [exercise.problem, ""]
        if exercise.stand_ins:
            shown = any(
                c.counterexample for c in exercise.checks if c.status in ("failed", "timeout")
            )
            out += [stand_in_note(exercise.name, exercise.stand_ins, shown), ""]
        if exercise.problem and all(
            c.status == "error" and c.message == exercise.problem for c in exercise.checks
        ):  # nothing ran: the one line above says why
            continue
        for check in exercise.checks:
            out.append(
                f"- **{MARK[check.status]}** {check.name} ({points(check.points)}/"
                f"{points(check.max_points)}): {check.description}"
            )
            if check.status in ("failed", "timeout") and check.counterexample:
                out += _counterexample_markdown(exercise.name, check)
            elif check.status == "timeout" and check.message:
                out += ["", f"  {check.message}", ""]
        out.append("")
    if result.cell_failures:
        out += ["## Notebook cells that did not run cleanly", ""]
        out += ["These do not cost points by themselves, "
                "but a function defined in a failing cell is missing.", ""]
        for failure in result.cell_failures:
            head = f" (`{failure.source_head}`)" if failure.source_head else ""
            out.append(f"- cell {failure.index}{head}: {failure.status}: {failure.error}")
            if failure.note:
                out.append(f"  {failure.note}")
        out.append("")
    return "\n".join(out)


def _counterexample_markdown(function: str, check: CheckResult) -> list[str]:
    example = check.counterexample
    assert example is not None  # shown only for a check that has one
    call = f"{function}({', '.join(name for name, _ in example.arguments)})"
    lines = [
        "",
        f"  {check.message}" if check.message else "",
        "",
        "  Smallest input found that fails; paste it into a cell to try it:",
        "",
        "  ```python",
        *(f"  {name} = {value}".replace("\n", "\n  ") for name, value in example.arguments),
        f"  {call}",
        "  ```",
        "",
        "  Expected:",
        "",
        "  ```python",
        "  " + example.expected.replace("\n", "\n  "),
        "  ```",
        "",
        "  Got:",
        "",
        "  ```python",
        "  " + example.actual.replace("\n", "\n  "),
        "  ```",
    ]
    if example.first_difference:
        lines += ["", f"  First difference at index {example.first_difference}."]
    if check.note:
        lines += ["", f"  {check.note}"]
    return lines + [""]


# What an output folder holds besides the submissions' folders: a submission named like one of
# these (a notebook called grades.csv.ipynb) gets a folder named otherwise.
RUN_FILES = frozenset({"grades.csv", "summary.json", "report.html", "figures", ".cache",
                       "gradebook.sqlite", "gradebook.sqlite-wal", "gradebook.sqlite-shm",
                       "gradebook.sqlite-journal"})


def submission_folder(submission: str) -> str:
    """The name of a submission's folder in the output folder: its own, unless that is the name
    of one of the run's files or no name a folder can have."""
    if submission in RUN_FILES or submission.strip(".") == "" or "/" in submission:
        return "submission " + submission.replace("/", "_")
    return submission


def write_submission(out: Path, result: SubmissionResult) -> None:
    folder = out / submission_folder(result.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(gradescope_results(result), indent=2) + "\n")
    (folder / "feedback.md").write_text(feedback_markdown(result) + "\n", encoding="utf-8")
    (folder / "feedback.html").write_text(feedback_page(result), encoding="utf-8")


def summary_table(assignment: Assignment, results: Iterable[SubmissionResult]) -> str:
    """A plain-text table of every submission's points, for the end of a run."""
    names = [e.name for e in assignment.exercises]
    header = ["submission", *names, "total", "status"]
    rows = [
        [
            r.id,
            *(points(r.exercise(name).points) for name in names),
            f"{points(r.score)}/{points(r.possible)}",
            r.status,
        ]
        for r in sorted(results, key=lambda r: r.id)
    ]
    return text_table(header, rows)
