"""Write what grading found: the gradebook, Gradescope results, and feedback for students."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..model.assignment import Assignment
from ..model.files import write_atomically
from ..model.results import CheckResult, StandInApplied, SubmissionResult
from .tables import text_table


def points(value: float) -> str:
    return f"{value:g}"


def gradebook_header(assignment: Assignment) -> list[str]:
    return ["submission", *(e.name for e in assignment.exercises), "total", "possible", "status", "message"]


def write_gradebook(path: Path, assignment: Assignment, results: Iterable[SubmissionResult],
                    roster: Mapping[str, Sequence[tuple[str, str]]] = {}) -> None:
    """One row per submission, broken ones included; points earned per exercise.

    ``roster`` gives, by submission id, what the course platform says of the student (such as
    ``("sid", "1815")``): each column after the fixed ones.
    """
    results = sorted(results, key=lambda r: r.id)
    extra = list(dict.fromkeys(column for r in results for column, _ in roster.get(r.id, ())))
    table = io.StringIO(newline="")
    writer = csv.writer(table)
    writer.writerow(gradebook_header(assignment) + extra)
    for result in results:
        said = dict(roster.get(result.id, ()))
        writer.writerow(
            [
                result.id,
                *(points(result.exercise(e.name).points) for e in assignment.exercises),
                points(result.score),
                points(result.possible),
                result.status,
                result.message,
                *(said.get(column, "") for column in extra),
            ]
        )
    write_atomically(path, table.getvalue())


def stand_in_note(exercise: str, stand_ins: Iterable[StandInApplied], outputs_shown: bool) -> str:
    """In plain words: which helpers stood in while ``exercise`` was checked, and what that means.

    ``outputs_shown``: whether outputs of ``exercise`` (a failing input's "Got") come with it.
    """
    stand_ins = list(stand_ins)
    if not stand_ins:
        return ""
    helpers = " and ".join(f"`{s.function}`" for s in stand_ins)
    calls = " and ".join(f"`{s.call}`" for s in stand_ins)
    one = len(stand_ins) == 1
    note = (
        f"{helpers} failed {'its' if one else 'their'} own checks, so while `{exercise}` was "
        f"checked, calls to your {helpers} with the check's own inputs ({calls}) got the correct "
        f"result instead of yours; other calls went to your code. `{exercise}` is graded on its "
        f"own: the mistake in {helpers} costs points only there."
    )
    if outputs_shown:
        note += (
            f" The outputs of `{exercise}` shown below were computed this way: your notebook may "
            f"give other ones until {helpers} {'is' if one else 'are'} fixed."
        )
    return note


def check_output(check: CheckResult) -> str:
    """A sub-check's verdict as plain text: what it checks, what went wrong, on which input."""
    lines = [check.description]
    if check.status != "passed" and check.message:
        lines.append(check.message)
    if check.stand_ins:
        lines.append(stand_in_note(check.exercise, check.stand_ins, bool(check.counterexample)))
    example = check.counterexample
    if example:
        lines.append("Smallest failing input:")
        lines.extend(f"{name} = {value}" for name, value in example.arguments)
        lines.append(f"Expected: {example.expected}")
        lines.append(f"Got: {example.actual}")
    if check.note:
        lines.append(check.note)
    return "\n".join(lines)


def gradescope_results(result: SubmissionResult) -> dict:
    """The submission in Gradescope's ``results.json`` shape."""
    tests = [
        {
            "name": f"{check.exercise}: {check.name}",
            "score": check.points,
            "max_score": check.max_points,
            "status": "passed" if check.status == "passed" else "failed",
            "output": check_output(check),
        }
        for exercise in result.exercises
        for check in exercise.checks
    ]
    return {
        "score": result.score,
        "execution_time": round(result.timings.total, 3),
        "output": result.message or f"Graded: {points(result.score)} of {points(result.possible)} points.",
        "tests": tests,
        "extra_data": {"status": result.status, "grader": result.to_json()},
    }


MODE_NOTE = {
    "reference": "Expected outputs come from the reference solutions.",
    "stored outputs": "Expected outputs come from the outputs stored with the assignment (no "
    "reference solutions here); the verdicts are those final grading gives, though a failing "
    "input shown may be larger than the one final grading shows.",
}

_MARK = {"passed": "PASS", "failed": "FAIL", "error": "NOT RUN", "timeout": "TIMEOUT"}


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
                f"- **{_MARK[check.status]}** {check.name} ({points(check.points)}/"
                f"{points(check.max_points)}): {check.description}"
            )
            if check.status in ("failed", "timeout") and check.counterexample:
                out += _counterexample_markdown(exercise.name, check)
            elif check.status == "timeout" and check.message:
                out += ["", f"  {check.message}", ""]
        out.append("")
    if result.cell_failures:
        out += ["## Notebook cells that did not run cleanly", ""]
        out += ["These do not cost points by themselves, but a function defined in a failing cell is missing.", ""]
        for failure in result.cell_failures:
            head = f" (`{failure.source_head}`)" if failure.source_head else ""
            out.append(f"- cell {failure.index}{head}: {failure.status}: {failure.error}")
            if failure.note:
                out.append(f"  {failure.note}")
        out.append("")
    return "\n".join(out)


def _counterexample_markdown(function: str, check: CheckResult) -> list[str]:
    example = check.counterexample
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


def write_submission(out: Path, result: SubmissionResult) -> None:
    folder = out / result.id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(gradescope_results(result), indent=2) + "\n")
    (folder / "feedback.md").write_text(feedback_markdown(result) + "\n", encoding="utf-8")


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
