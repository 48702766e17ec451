"""Lessons authored outside the repository, end to end with the real `grade` command in real
kernels: a third lesson from a solved notebook with nbgrader's markers, and the skeleton of
`grade new` as it comes."""

import csv
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from lessons import write_tiny_lesson

pytestmark = pytest.mark.kernel


def grade(root, *arguments):
    """`grade ARGUMENTS...` run from ``root``, with ``root`` on the Python path."""
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-m", "grader", *map(str, arguments)], cwd=root,
                          env=environment, capture_output=True, text=True, timeout=600)


def repository_state():
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


def test_third_lesson_is_authored_and_graded_without_touching_the_repository(tmp_path):
    before = repository_state()
    solved = write_tiny_lesson(tmp_path)

    assigned = grade(tmp_path, "assign", solved)
    assert assigned.returncode == 0, assigned.stderr
    assert "the solved notebook earns 4 / 4: full marks, as it should." in assigned.stdout
    assert "the handout earns 0 / 4: zero, as it should." in assigned.stdout
    handout = tmp_path / "assignments" / "tiny" / "tiny.ipynb"
    assert handout.is_file() and (tmp_path / "solutions" / "tiny.py").is_file()

    validated = grade(tmp_path, "validate", "tiny")
    assert (validated.returncode, validated.stderr) == (0, "")

    graded = grade(tmp_path, solved, handout, "--out", tmp_path / "grades", "--jobs", "2")
    assert graded.returncode == 0, graded.stderr
    with open(tmp_path / "grades" / "grades.csv", newline="") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    assert {name: (row["double"], row["sum_all"], row["total"], row["status"])
            for name, row in rows.items()} == {
        "tiny-solved": ("2", "2", "4", "graded"), "tiny": ("0", "0", "0", "graded")}
    assert repository_state() == before


def test_new_lesson_skeleton_passes_assign_and_validate_as_it_comes(tmp_path):
    made = grade(tmp_path, "new", "starter")
    assert made.returncode == 0, made.stderr
    assigned = grade(tmp_path, "assign", tmp_path / "solutions" / "starter-solved.ipynb")
    assert assigned.returncode == 0, assigned.stdout + assigned.stderr
    assert assigned.stdout.splitlines()[-2:] == [
        "the solved notebook earns 3 / 3: full marks, as it should.",
        "the handout earns 0 / 3: zero, as it should."]
    validated = grade(tmp_path, "validate", "starter")
    assert (validated.returncode, validated.stderr) == (0, "")
