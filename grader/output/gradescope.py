"""Results as Gradescope's autograder reads them from ``/autograder/results/results.json``.

One test per sub-check (see ``report.gradescope_results``), the student's feedback as Markdown
above them, and who sees what when, as chosen when the autograder was built. When grading could
not happen at all, the file still comes, with a message that says why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import UsageError
from ..model.files import write_atomically
from ..model.results import SubmissionResult
from .report import feedback_markdown, gradescope_results

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


@dataclass(frozen=True)
class Visibility:
    """When students see the results (``results``) and the autograder's own output (``stdout``)."""

    results: str = "visible"
    stdout: str = "hidden"

    def __post_init__(self):
        for option, value in (("--visibility", self.results),
                              ("--stdout-visibility", self.stdout)):
            if value not in VISIBILITIES:
                raise UsageError(f"{option} must be one of {', '.join(VISIBILITIES)}, not "
                                 f"{value!r}")

    def fields(self) -> dict:
        return {"visibility": self.results, "stdout_visibility": self.stdout}


def autograder_results(result: SubmissionResult, visibility: Visibility) -> dict:
    """The graded submission: its tests (each output in HTML, as ``gradescope_results`` writes
    it), and its feedback in Markdown as the output shown above them."""
    data = gradescope_results(result)
    return {**data, "output": feedback_markdown(result), "output_format": "md",
            **visibility.fields()}


def failure_results(message: str, visibility: Visibility) -> dict:
    """What Gradescope shows when the submission could not be graded at all."""
    return {"score": 0, "execution_time": 0, "output": message, "output_format": "text",
            "tests": [], **visibility.fields()}


def write_results(path: Path, data: dict) -> None:
    """Write ``results.json`` whole, or leave it as it was."""
    write_atomically(path, json.dumps(data, indent=2) + "\n")
