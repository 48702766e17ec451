"""Feedback as HTML: what the Markdown feedback says, with pictures people can look at.

Self-contained: every picture is embedded as a data URI (PNG for what a function makes of the
lesson's data, SVG for a counterexample's grids), and there is no script. ``feedback_page`` is a
student's ``feedback.html``; ``feedback_fragment`` is its body, which the in-notebook
``check()`` shows and Gradescope's ``results.json`` carries; ``check_fragment`` is one
sub-check's part, for the output of its Gradescope test.
"""

from __future__ import annotations

import base64
import re
from html import escape

from ..model.results import CheckResult, Counterexample, ExerciseResult, Panel, Pictured, SubmissionResult
from .grids import counterexample_svgs
from .wording import MARK, MODE_NOTE, check_output, points, stand_in_note

SHOWN_SIDE = 220  # a picture is scaled up by whole pixels to bring its longer side near this

STYLE = """
.grader-feedback { font-family: system-ui, sans-serif; line-height: 1.45; max-width: 80rem; }
.grader-feedback .PASS { color: #1a7f37; } .grader-feedback .FAIL { color: #cf222e; }
.grader-feedback .TIMEOUT, .grader-feedback .NOTRUN { color: #9a6700; }
.grader-feedback .showcase { border: 1px solid #d0d7de; border-radius: 6px; padding: 0.5rem 1rem;
  margin: 0.75rem 0; }
.grader-feedback .showcase h4 { margin: 0.25rem 0; }
.grader-feedback .pictures { display: flex; flex-wrap: wrap; gap: 0.75rem;
  align-items: flex-start; }
.grader-feedback figure { margin: 0; }
.grader-feedback figcaption { font-size: 0.85em; max-width: 16rem; }
.grader-feedback img.raster { image-rendering: pixelated; border: 1px solid #d0d7de; }
.grader-feedback .missing { display: flex; align-items: center; justify-content: center;
  width: 8rem; height: 8rem; border: 1px dashed #8c959f; color: #57606a; }
.grader-feedback pre { background: #f6f8fa; padding: 0.5rem; overflow-x: auto; }
.grader-feedback .note { color: #57606a; }
"""


def inline(text: str) -> str:
    """Plain text as HTML, with `backticked` names as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def data_uri(media_type: str, payload: bytes | str) -> str:
    """``payload`` (bytes, or text already in base64) as a data URI."""
    encoded = payload if isinstance(payload, str) else base64.b64encode(payload).decode("ascii")
    return f"data:{media_type};base64,{encoded}"


def panel_html(panel: Panel) -> str:
    if not panel.png:
        picture = f'<div class="missing">{inline(panel.note or "not drawn")}</div>'
        return f"<figure>{picture}<figcaption><b>{inline(panel.label)}</b></figcaption></figure>"
    scale = max(1, round(SHOWN_SIDE / max(panel.width, panel.height, 1)))
    picture = (f'<img class="raster" src="{data_uri("image/png", panel.png)}" '
               f'width="{panel.width * scale}" height="{panel.height * scale}" '
               f'alt="{escape(panel.label)}">')
    return (f"<figure>{picture}<figcaption><b>{inline(panel.label)}</b><br>"
            f"{inline(panel.note)}</figcaption></figure>")


def showcase_html(pictured: Pictured) -> str:
    panels = "".join(panel_html(panel) for panel in pictured.panels)
    note = f'<p class="note">{inline(pictured.note)}</p>' if pictured.note else ""
    return (f'<div class="showcase"><h4>{inline(pictured.title)}</h4>'
            f"<p>{inline(pictured.caption)}</p><div class=\"pictures\">{panels}</div>{note}</div>")


def grids_html(example: Counterexample) -> str:
    """The counterexample's grids, each an SVG picture; "" when none was small enough."""
    if not example.grids:
        return ""
    figures = "".join(
        f'<figure><img src="{data_uri("image/svg+xml", svg.encode())}" alt="{escape(label)}">'
        "</figure>"
        for label, svg in counterexample_svgs(example.grids)
    )
    marked = any(grid.marked for grid in example.grids)
    legend = " Cells outlined in red differ from the expected ones." if marked else ""
    return (f'<div class="pictures">{figures}</div>'
            f'<p class="note">Darker cells hold larger values.{legend}</p>')


def _pre(text: str) -> str:
    return f"<pre><code>{escape(text)}</code></pre>"


def counterexample_html(function: str, check: CheckResult) -> str:
    example = check.counterexample
    assert example is not None  # shown only for a check that has one
    call = f"{function}({', '.join(name for name, _ in example.arguments)})"
    code = "\n".join(f"{name} = {value}" for name, value in example.arguments) + f"\n{call}"
    parts = [f"<p>{inline(check.message)}</p>" if check.message else "",
             "<p>Smallest input found that fails; paste it into a cell to try it:</p>",
             _pre(code), grids_html(example),
             "<p>Expected:</p>", _pre(example.expected), "<p>Got:</p>", _pre(example.actual)]
    if example.first_difference:
        parts.append(f"<p>First difference at index {escape(example.first_difference)}.</p>")
    if check.note:
        parts.append(f'<p class="note">{inline(check.note)}</p>')
    return "".join(parts)


def check_html(function: str, check: CheckResult) -> str:
    mark = MARK[check.status]
    item = (f'<li><b class="{mark.replace(" ", "")}">{mark}</b> {inline(check.name)} '
            f"({points(check.points)}/{points(check.max_points)}): {inline(check.description)}")
    if check.status in ("failed", "timeout") and check.counterexample:
        item += counterexample_html(function, check)
    elif check.status == "timeout" and check.message:
        item += f"<p>{inline(check.message)}</p>"
    return item + "</li>"


def exercise_html(exercise: ExerciseResult) -> str:
    parts = [f"<h2><code>{escape(exercise.name)}</code>: {points(exercise.points)} / "
             f"{points(exercise.max_points)}</h2>"]
    if exercise.problem:
        parts.append(f"<p>{inline(exercise.problem)}</p>")
    if exercise.stand_ins:
        shown = any(c.counterexample for c in exercise.checks if c.status in ("failed", "timeout"))
        parts.append(f"<p>{inline(stand_in_note(exercise.name, exercise.stand_ins, shown))}</p>")
    parts.append("<ul>" + "".join(check_html(exercise.name, c) for c in exercise.checks) + "</ul>")
    if exercise.showcases:
        parts.append(f"<h3>What your <code>{escape(exercise.name)}</code> makes of the lesson's "
                     "data</h3>")
        parts += [showcase_html(pictured) for pictured in exercise.showcases]
    return "".join(parts)


def feedback_fragment(result: SubmissionResult) -> str:
    """The feedback's body, with its style, for a page or a notebook's output."""
    parts = [f"<style>{STYLE}</style>", '<div class="grader-feedback">',
             f"<h1>Feedback for {escape(result.id)}</h1>",
             f"<p><b>Score: {points(result.score)} / {points(result.possible)}</b></p>"]
    if result.message:
        parts.append(f"<blockquote>{inline(result.message)}</blockquote>")
    parts.append(f"<p>{inline(MODE_NOTE[result.mode])}</p>")
    parts += [exercise_html(exercise) for exercise in result.exercises]
    if result.cell_failures:
        parts.append("<h2>Notebook cells that did not run cleanly</h2><p>These do not cost points "
                     "by themselves, but a function defined in a failing cell is missing.</p><ul>")
        for failure in result.cell_failures:
            head = f" (<code>{escape(failure.source_head)}</code>)" if failure.source_head else ""
            parts.append(f"<li>cell {failure.index}{head}: {escape(failure.status)}: "
                         f"{inline(failure.error)}</li>")
        parts.append("</ul>")
    return "".join(parts) + "</div>"


def feedback_page(result: SubmissionResult) -> str:
    """A student's ``feedback.html``: one file that needs nothing else to show."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Feedback for {escape(result.id)}</title></head>"
            f"<body>{feedback_fragment(result)}</body></html>\n")


def check_fragment(check: CheckResult) -> str:
    """One sub-check's verdict in HTML: the plain text, then its counterexample's grids."""
    example = check.counterexample
    return _pre(check_output(check)) + (grids_html(example) if example else "")
