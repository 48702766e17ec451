"""Without a sandbox (``--sandbox off``, or no bubblewrap and not root), nothing a kernel started
outlives its submission that kept the mark in its environment: attack 8 starts a child, a
process in a session of its own, a double-forked daemon that left its session, and a
multiprocessing child; once grading is done none of them runs.

This test makes itself the process orphans are handed to (``adopting_orphans``), so that a
daemon that left its parent stays among its descendants, where the test finds it."""

from __future__ import annotations

import os

import pytest

from grader.grading.pipeline import grade_submission
from grader.intake.discover import Submission

from conftest import NOTEBOOKS
from processes import adopting_orphans, descendants, kill, process_table

pytestmark = pytest.mark.kernel

STARTS_PROCESSES = NOTEBOOKS / "attacks" / "08_starts_processes.ipynb"


def test_nothing_a_kernel_without_a_sandbox_started_outlives_its_submission(assignment, settings):
    with adopting_orphans():
        before = {process.pid for process in descendants(os.getpid())}
        result = grade_submission(Submission("starts", STARTS_PROCESSES), assignment,
                                  settings.replace(sandbox="off", defs_only=False))
        table = process_table()
        left = [process for process in descendants(os.getpid(), table)
                if process.pid not in before and process.state != "Z"]
        kill(left)  # so that a failure here leaves nothing running either
    assert result.score == 10, result.message
    assert left == [], "\n".join(map(str, left))
