"""No graded kernel reads the answer key: a lesson's ``expected.npz`` holds every stored input with
its expected output, and a notebook that finds it at run time (attack 19) answers from it.

In the sandbox, ``grade`` and ``grade check`` give that notebook nothing (``run_autograder`` as
root without the sandbox: see ``test_kernel_user``); where its kernel can read the file
(``--sandbox off``) and only the public inputs are tried, the same notebook earns full marks,
which is what the others rule out.
In a graded kernel, the in-notebook ``check()`` says that it does nothing, and reads nothing.
"""

from __future__ import annotations

import csv
import shutil

import pytest

from grader import check
from grader.cli import main
from grader.kernel.environment import GRADING

from conftest import NOTEBOOKS, needs_sandbox

READER = NOTEBOOKS / "attacks" / "19_reads_the_answer_key.ipynb"
EXERCISES = ("get_subimages", "convolve", "template_match")


def checked(capsys, *argv) -> tuple[int, str]:
    code = main(["check", str(READER), "--defs-only", *argv])
    return code, capsys.readouterr().out


@pytest.mark.kernel
def test_the_answer_key_reader_earns_full_marks_where_its_kernel_can_read_the_file(capsys):
    # Against the stored outputs alone: with the reference, held-out inputs fail it anyway.
    code, out = checked(capsys, "--sandbox", "off", "--without-solutions")
    assert (code, "**Score: 10 / 10**" in out) == (0, True), out[-2000:]


@pytest.mark.kernel
@needs_sandbox
def test_grade_check_gives_the_answer_key_reader_nothing(capsys):
    code, out = checked(capsys, "--sandbox", "on")
    assert (code, "**Score: 0 / 10**" in out) == (1, True), out[-2000:]


@pytest.mark.kernel
@needs_sandbox
def test_grade_gives_the_answer_key_reader_nothing(tmp_path, capsys):
    submissions, out = tmp_path / "submissions", tmp_path / "out"
    submissions.mkdir()
    shutil.copy(READER, submissions / "reader.ipynb")
    code = main([str(submissions), "--out", str(out), "--sandbox", "on", "--defs-only",
                 "--lesson", "convolutions"])
    captured = capsys.readouterr()
    assert code == 0, captured.err[-2000:]
    with open(out / "grades.csv", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert [float(row[exercise]) for exercise in EXERCISES] == [0, 0, 0], row


def test_check_in_a_graded_kernel_says_it_does_nothing_and_reads_nothing(monkeypatch, capsys):
    monkeypatch.setenv(GRADING, "1")
    monkeypatch.setattr("grader.selfcheck.choose_lesson", lambda *args, **kwargs: pytest.fail(
        "check() looked for a lesson in a graded kernel"))
    assert check(namespace={}) is None
    assert capsys.readouterr().out == ("check() does nothing while this notebook is being "
                                       "graded: the grader checks your functions itself.\n")
