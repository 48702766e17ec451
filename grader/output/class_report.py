"""``report.html`` for the instructor: how the class did, in figures and tables, with links to
each student's feedback; and the same figures as PNG files beside it.

The figures (score histogram, pass rate per sub-check, time per submission) are drawn with
matplotlib, once per run; the page embeds them, so it is one self-contained file.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Sequence
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..model.assignment import Assignment
from ..model.files import write_atomically
from ..model.results import CheckResult, SubmissionResult
from .html import STYLE, counterexample_html, data_uri, inline
from .report import held_out_only, submission_folder
from .stats import WRONG
from .wording import points

FIGURES = "figures"  # the folder in --out that holds the figures as PNG
SLOWEST = 30  # the submissions the timing figure shows at most
STAGES = ("kernel_start", "execution", "checking", "restarts", "pictures")
TABLE_STYLE = """
.grader-feedback table { border-collapse: collapse; margin: 0.5rem 0; }
.grader-feedback th, .grader-feedback td { border: 1px solid #d0d7de; padding: 0.2rem 0.5rem;
  text-align: left; vertical-align: top; }
.grader-feedback td.number { text-align: right; }
"""


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # loaded only when a report is drawn

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def score_figure(results: Sequence[SubmissionResult], possible: float) -> bytes:
    figure = _figure(6, 3)
    axes = figure.add_subplot()
    top = max(possible, 1)
    steps = min(math.ceil(top), 40)  # one bar per point, up to 40 bars
    edges = [top * (i - 0.5) / steps for i in range(steps + 2)]
    axes.hist([r.score for r in results], bins=edges, color="#4c72b0", edgecolor="white")
    axes.set(xlabel=f"score (of {points(possible)})", ylabel="submissions",
             title="Scores")
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def pass_rates(assignment: Assignment, results: Sequence[SubmissionResult]
               ) -> list[tuple[str, str, float]]:
    """Per sub-check, in the assignment's order: its exercise, its name, the share of the
    submissions that passed it."""
    return [
        (exercise.name, check.name,
         sum(next(c for c in r.exercise(exercise.name).checks if c.name == check.name).status
             == "passed" for r in results) / max(len(results), 1))
        for exercise in assignment.exercises
        for check in exercise.checks
    ]


def pass_rate_figure(rates: Sequence[tuple[str, str, float]]) -> bytes:
    figure = _figure(7, 0.8 + 0.32 * len(rates))
    axes = figure.add_subplot()
    labels = [f"{exercise}: {check}" for exercise, check, _ in rates]
    shares = [100 * rate for _, _, rate in rates]
    axes.barh(labels, shares, color="#55a868")
    axes.invert_yaxis()
    axes.set(xlim=(0, 100), xlabel="submissions that passed (%)", title="Pass rate per sub-check")
    for y, share in enumerate(shares):
        axes.text(min(share + 1, 92), y, f"{share:.0f}%", va="center", fontsize=8)
    return _png(figure)


def timing_figure(results: Sequence[SubmissionResult]) -> bytes:
    """Each submission's seconds by stage, slowest on top; beyond ``SLOWEST`` submissions only
    the slowest ``SLOWEST``, so a large class's figure stays readable (the table has them all)."""
    ordered = sorted(results, key=lambda r: r.timings.total)[-SLOWEST:]
    figure = _figure(7, 0.8 + 0.28 * max(len(ordered), 3))
    axes = figure.add_subplot()
    labels = [r.id for r in ordered]
    left = [0.0] * len(ordered)
    for stage in STAGES:
        seconds = [getattr(r.timings, stage) for r in ordered]
        axes.barh(labels, seconds, left=left, label=stage.replace("_", " "))
        left = [a + b for a, b in zip(left, seconds)]
    title = ("Time per submission, by stage" if len(results) <= SLOWEST else
             f"Time per submission, by stage: the {SLOWEST} slowest of {len(results)}")
    axes.set(xlabel="seconds", title=title)
    axes.legend(fontsize=8, loc="lower right")
    return _png(figure)


def _most_failed(assignment: Assignment, results: Sequence[SubmissionResult]
                 ) -> list[tuple[str, str, list[tuple[str, CheckResult]]]]:
    """The sub-checks failed (or timed out), most often first: each with every (submission,
    check result) that failed it."""
    failing: dict[tuple[str, str], list[tuple[str, CheckResult]]] = {}
    for result in sorted(results, key=lambda r: r.id):
        for exercise in result.exercises:
            for check in exercise.checks:
                if check.status in WRONG:
                    failing.setdefault((exercise.name, check.name), []).append((result.id, check))
    order = [(e.name, c.name) for e in assignment.exercises for c in e.checks]
    ranked = sorted(failing, key=lambda key: (-len(failing[key]), order.index(key)))
    return [(exercise, check, failing[(exercise, check)]) for exercise, check in ranked]


def _example(failures: list[tuple[str, CheckResult]]) -> tuple[str, CheckResult] | None:
    """The failure with the shortest counterexample, to show as the example."""
    shown = [(who, check, check.counterexample) for who, check in failures if check.counterexample]
    if not shown:
        return None
    who, check, _ = min(shown, key=lambda f: sum(len(text) for _, text in f[2].arguments))
    return who, check


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(cell: str) -> str:
    """A table cell from HTML; numbers align right."""
    number = cell.replace(".", "", 1).replace("%", "").isdigit()
    return f'<td class="number">{cell}</td>' if number else f"<td>{cell}</td>"


def _failing_html(assignment: Assignment, results: Sequence[SubmissionResult]) -> str:
    ranked = _most_failed(assignment, results)
    if not ranked:
        return "<p>No sub-check failed.</p>"
    parts = []
    for exercise, check, failures in ranked:
        who = ", ".join(escape(name) for name, _ in failures)
        parts.append(f"<h3><code>{escape(exercise)}</code>: {escape(check)} "
                     f"({len(failures)} of {len(results)})</h3><p>Failed by {who}.</p>")
        example = _example(failures)
        if example:
            parts.append(f"<p>Example, from {escape(example[0])}:</p>"
                         + counterexample_html(exercise, example[1]))
        else:
            parts.append(f"<p>{inline(failures[0][1].message)}</p>")
    return "".join(parts)


def _held_out_html(results: Sequence[SubmissionResult]) -> str:
    """The submissions that pass every input students can see in a sub-check and fail one they
    cannot: worth a look, since answers looked up rather than computed do just that."""
    rows = [[f'<a href="{quote(submission_folder(r.id))}/feedback.html">{escape(r.id)}</a>',
             f"{points(r.score)}/{points(r.possible)}",
             escape("; ".join(held_out_only(r)))]
            for r in sorted(results, key=lambda r: r.id) if held_out_only(r)]
    if not rows:
        return ("<p>None: every submission that passes the inputs students can see in a "
                "sub-check passes its held-out inputs too.</p>")
    return ("<p>Each of these passes every input a self-check tries in the sub-checks named, "
            "and fails on inputs only final grading tries. That can be an honest mistake the "
            "public inputs miss, or answers looked up rather than computed: worth a look.</p>"
            + _table(["submission", "score", "sub-checks"], rows))


def _submissions_html(results: Sequence[SubmissionResult]) -> str:
    rows = [
        [f'<a href="{quote(submission_folder(r.id))}/feedback.html">{escape(r.id)}</a>',
         f"{points(r.score)}/{points(r.possible)}", escape(r.status), f"{r.timings.total:.1f}",
         inline(r.message[:300] + ("..." if len(r.message) > 300 else ""))]
        for r in sorted(results, key=lambda r: r.id)
    ]
    return _table(["submission", "score", "status", "seconds", "message"], rows)


def report_page(assignment: Assignment, results: Sequence[SubmissionResult],
                figures: dict[str, bytes]) -> str:
    statuses = Counter(r.status for r in results)
    mean = sum(r.score for r in results) / len(results) if results else 0.0
    pictures = "".join(
        f'<figure><img src="{data_uri("image/png", png)}" alt="{escape(name)}"></figure>'
        for name, png in figures.items()
    )
    status_rows = [[escape(status), str(count)] for status, count in sorted(statuses.items())]
    rate_rows = [[f"<code>{escape(e)}</code>", escape(c), f"{100 * rate:.0f}%"]
                 for e, c, rate in pass_rates(assignment, results)]
    body = (
        f"<h1>Class report: {escape(assignment.name)}</h1>"
        f"<p>{len(results)} submissions; mean score {mean:.1f} of "
        f"{points(assignment.points)}.</p>"
        f'<div class="pictures">{pictures}</div>'
        "<h2>Statuses</h2>" + _table(["status", "submissions"], status_rows)
        + "<h2>Pass rate per sub-check</h2>"
        + _table(["exercise", "sub-check", "passed"], rate_rows)
        + "<h2>Most common failing sub-checks</h2>" + _failing_html(assignment, results)
        + "<h2>Passes what students can see, fails what they cannot</h2>"
        + _held_out_html(results)
        + "<h2>Submissions</h2>" + _submissions_html(results)
    )
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Class report: {escape(assignment.name)}</title></head><body>"
            f'<style>{STYLE}{TABLE_STYLE}</style><div class="grader-feedback">{body}</div>'
            "</body></html>\n")


def write_class_report(out: Path, assignment: Assignment,
                       results: Sequence[SubmissionResult]) -> Path:
    """Write ``report.html`` and its figures as PNG (in ``figures/``) into ``out``."""
    figures = {
        "scores": score_figure(results, assignment.points),
        "pass_rates": pass_rate_figure(pass_rates(assignment, results)),
        "timing": timing_figure(results),
    }
    (out / FIGURES).mkdir(parents=True, exist_ok=True)
    for name, png in figures.items():
        (out / FIGURES / f"{name}.png").write_bytes(png)
    path = out / "report.html"
    write_atomically(path, report_page(assignment, results, figures))
    return path
