"""Checking goes on past a call that loses the kernel, and a kernel that cannot start is said so.
No kernels: a fake caller loses one, and starting one fails on purpose."""

import csv
import shutil
from pathlib import Path

import pytest

import grader.kernel.run
from grader.cli import main
from grader.judge.exercises import check_exercises
from grader.model.errors import KernelLoss, KernelLost
from grader.model.settings import Settings
from solutions import convolutions as reference

from fake_caller import ByName, FakeCaller, stored_oracle

SETTINGS = Settings()  # the stored inputs: 100 per sub-check


class Caller(ByName):
    """Each exercise answers as the reference does, except ``dies``, whose calls lose the kernel."""

    def __init__(self, dies: str = "", lost_before_checks: bool = False):
        super().__init__({
            name: FakeCaller(getattr(reference, name))
            for name in ("get_subimages", "convolve", "template_match")
        })
        self.dies = dies
        self.lost_before_checks = lost_before_checks

    def inspect(self, names):
        if self.lost_before_checks:
            raise KernelLost(KernelLoss.DIED_IN_CALL)
        return super().inspect(names)

    def prefetch(self, name, many, stand_ins=None, deadline=None):
        if name == self.dies:
            raise KernelLost(KernelLoss.DIED_IN_CALL)
        super().prefetch(name, many, stand_ins, deadline)

    def call(self, name, arguments, stand_ins=(), deadline=None):
        if name == self.dies:
            raise KernelLost(KernelLoss.DIED_IN_CALL)
        return super().call(name, arguments, stand_ins, deadline)


def statuses(exercise):
    return [check.status for check in exercise.checks]


def test_the_call_that_loses_the_kernel_fails_its_sub_check_and_stops_its_exercise(assignment):
    results, lost = check_exercises(assignment, Caller(dies="convolve"), stored_oracle(assignment),
                                    SETTINGS)
    by_name = {exercise.name: exercise for exercise in results}
    assert lost == (
        'Calling `convolve` in the sub-check "output shape" lost the kernel: the kernel died '
        "during a call."
    )
    assert statuses(by_name["get_subimages"]) == ["passed"] * 3
    assert statuses(by_name["convolve"]) == ["failed", "error", "error"]
    assert by_name["convolve"].problem == lost + " That sub-check fails; the ones after it were not run."
    assert by_name["convolve"].checks[0].message == lost
    # not reached in this kernel: the pipeline checks it after a restart
    assert statuses(by_name["template_match"]) == ["error"] * 3
    assert by_name["template_match"].problem == lost


def test_a_kernel_lost_before_the_checks_leaves_every_exercise_unchecked(assignment):
    results, lost = check_exercises(assignment, Caller(lost_before_checks=True),
                                    stored_oracle(assignment), SETTINGS)
    assert lost == "The kernel stopped answering before the checks (the kernel died during a call)."
    assert [exercise.problem for exercise in results] == [lost] * 3
    assert all(statuses(exercise) == ["error"] * len(exercise.checks) for exercise in results)


def test_without_a_lost_kernel_every_exercise_is_checked(assignment):
    results, lost = check_exercises(assignment, Caller(), stored_oracle(assignment), SETTINGS)
    assert lost == ""
    assert all(check.status == "passed" for exercise in results for check in exercise.checks)


@pytest.fixture
def kernels_die_at_start(monkeypatch):
    """Every kernel dies before answering, as jupyter_client reports it."""

    def setup_kernel(self, **keywords):
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(grader.kernel.run.NotebookClient, "setup_kernel", setup_kernel)


KERNEL_START_FAILED = ("a Jupyter kernel could not start (Kernel died before replying to "
                       "kernel_info): check that this environment starts one")


def test_grade_check_says_that_no_kernel_could_start_without_a_traceback(
        kernels_die_at_start, capsys):
    notebook = Path("solutions/convolutions-solved.ipynb")
    assert main(["check", str(notebook), "--sandbox", "off"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.splitlines()[-1].startswith(f"grade: error: {KERNEL_START_FAILED}")


def test_a_kernel_that_cannot_start_is_that_submissions_grader_error(
        kernels_die_at_start, tmp_path):
    solved = Path("solutions/convolutions-solved.ipynb")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(solved, submissions / "ada.ipynb")
    (submissions / "broken.ipynb").write_text("{not json")
    out = tmp_path / "grades"
    assert main([str(submissions), "--out", str(out), "--jobs", "1", "--sandbox", "off"]) == 1
    with open(out / "grades.csv", newline="") as gradebook:
        rows = {row["submission"]: row for row in csv.DictReader(gradebook)}
    assert rows["ada"]["status"] == "grader error"
    assert rows["ada"]["message"].startswith(
        f"The grader failed on this submission ({KERNEL_START_FAILED}")
    assert "Traceback" not in rows["ada"]["message"]
    assert rows["broken"]["status"] == "unreadable"
