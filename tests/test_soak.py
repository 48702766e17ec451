"""Grading many submissions in one process: open files, processes and temporary files stay put."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from grader import PROFILES
from grader.grading.batch import grade_all
from grader.intake.discover import find_submissions

from conftest import NOTEBOOKS
from processes import children

pytestmark = pytest.mark.kernel


def child_processes() -> int:
    return len(children(os.getpid()))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_grading_many_submissions_leaves_nothing_behind(assignment, tmp_path, monkeypatch):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for number in range(10):
        shutil.copy(NOTEBOOKS / "correct_defs_only.ipynb", submissions / f"s{number}.ipynb")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    counts = []

    def on_result(result):
        assert result.score == 10
        counts.append((len(os.listdir("/proc/self/fd")), child_processes(), len(os.listdir(temporary))))

    settings = PROFILES["quick"].replace(max_examples=5)
    before = child_processes()  # such as the resource tracker an earlier process pool left
    grade_all(assignment, find_submissions([submissions]).submissions, settings, 1, on_result)
    assert len(counts) == 10
    settled = counts[2]  # the first ones open what stays open for good (zmq's context, say)
    assert all(count == settled for count in counts[2:]), counts
    assert settled[1:] == (before, 0)
