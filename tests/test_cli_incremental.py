"""Grading a folder again: unchanged notebooks keep their results. Grading itself is faked here."""

import csv
import json

import pytest

import grader.course
from grader.cli import main
from grader.model.results import CheckResult, ExerciseResult, SubmissionResult


def full_marks(assignment, submission) -> SubmissionResult:
    exercises = tuple(
        ExerciseResult(e.name, tuple(CheckResult(e.name, c.name, "", c.points, "passed") for c in e.checks))
        for e in assignment.exercises
    )
    return SubmissionResult(submission.id, str(submission.path), "graded", exercises)


@pytest.fixture
def grading(monkeypatch):
    """Stands in for grade_all; records, per run, the submissions and settings it was given."""
    runs = []

    def grade_all(assignment, submissions, settings, jobs=1, on_result=lambda result: None,
                  use_reference=True):
        runs.append(([submission.id for submission in submissions], settings))
        results = []
        for submission in submissions:
            if submission.id == "interrupt":
                raise KeyboardInterrupt
            results.append(full_marks(assignment, submission))
            on_result(results[-1])
        return results

    monkeypatch.setattr(grader.course, "grade_all", grade_all)
    return runs


def notebook(name: str) -> str:
    """A notebook without cells (grading is faked) that names its lesson, as handouts do."""
    return json.dumps({"cells": [], "metadata": {"grader": {"lesson": "convolutions"}},
                       "name": name})


@pytest.fixture
def folder(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for name in ("ada", "grace"):
        (submissions / f"{name}.ipynb").write_text(notebook(name))
    return submissions


def gradebook(out) -> list[str]:
    with open(out / "grades.csv", newline="") as handle:
        return [row["submission"] for row in csv.DictReader(handle)]


def test_grading_again_skips_unchanged_notebooks_and_lists_them_all(folder, tmp_path, grading, capsys):
    out = tmp_path / "out"
    assert main([str(folder), "--out", str(out), "--jobs", "1"]) == 0
    capsys.readouterr()
    assert main([str(folder), "--out", str(out), "--jobs", "1"]) == 0
    assert [graded for graded, _ in grading] == [["ada", "grace"], []]
    captured = capsys.readouterr()
    assert captured.err.splitlines()[2:] == [
        "Held-out inputs: 25 per sub-check, drawn for each notebook, besides the stored ones "
        "students can see.",
        f"2 of them are unchanged since they were graded into {out}; their results are kept "
        "(--force regrades them).",
        "[1/2] ada: 10/10  (unchanged since graded before)",
        "[2/2] grace: 10/10  (unchanged since graded before)",
    ]
    assert "2 submission(s) graded in " in captured.out and "(2 unchanged, not regraded)" in captured.out
    assert gradebook(out) == ["ada", "grace"]
    assert json.loads((out / "ada" / "results.json").read_text())["score"] == 10


def test_a_changed_notebook_is_graded_again(folder, tmp_path, grading):
    out = tmp_path / "out"
    main([str(folder), "--out", str(out), "--jobs", "1"])
    (folder / "grace.ipynb").write_text(notebook("grace, fixed"))
    assert main([str(folder), "--out", str(out), "--jobs", "1"]) == 0
    assert grading[-1][0] == ["grace"]
    assert gradebook(out) == ["ada", "grace"]


def test_force_grades_every_notebook_again(folder, tmp_path, grading):
    out = tmp_path / "out"
    main([str(folder), "--out", str(out), "--jobs", "1"])
    assert main([str(folder), "--out", str(out), "--jobs", "1", "--force"]) == 0
    assert grading[-1][0] == ["ada", "grace"]


def test_other_settings_grade_every_notebook_again(folder, tmp_path, grading):
    out = tmp_path / "out"
    main([str(folder), "--out", str(out), "--jobs", "1"])
    assert main([str(folder), "--out", str(out), "--jobs", "1", "--defs-only"]) == 0
    assert grading[-1][0] == ["ada", "grace"] and grading[-1][1].defs_only
    assert not grading[0][1].defs_only


def test_an_interrupted_run_keeps_what_finished_and_grades_only_the_rest_next_time(
    folder, tmp_path, grading, capsys
):
    (folder / "interrupt.ipynb").write_text(json.dumps({"cells": []}))
    out = tmp_path / "out"
    assert main([str(folder), "--out", str(out), "--jobs", "1"]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == "grade: interrupted; results written so far are kept."
    assert gradebook(out) == ["ada", "grace"]
    (folder / "interrupt.ipynb").rename(folder / "zoe.ipynb")
    assert main([str(folder), "--out", str(out), "--jobs", "1"]) == 0
    assert grading[-1][0] == ["zoe"]
    assert gradebook(out) == ["ada", "grace", "zoe"]


def test_summary_json_has_the_class_statistics_and_the_run(folder, tmp_path, grading):
    out = tmp_path / "out"
    main([str(folder), "--out", str(out), "--jobs", "1"])
    main([str(folder), "--out", str(out), "--jobs", "1"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["submissions"] == 2 and summary["mean_score"] == 10
    assert [e["pass_rate"] for e in summary["exercises"]] == [1, 1, 1]
    assert (summary["run"]["graded"], summary["run"]["kept_from_earlier_runs"]) == (0, 2)
    assert summary["run"]["settings"]["defs_only"] is False
