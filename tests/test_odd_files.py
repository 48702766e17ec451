"""No file can stop a run: odd files in a submissions folder each get a status, and every other
submission is graded."""

import csv
import json
import os
import shutil

import pytest

from grader.cli import main
from grader.intake.discover import find_submissions
from grader.kernel.notebook import notebook_content, read_notebook
from grader.model.errors import UnreadableNotebook
from grader.output.report import submission_folder

from conftest import NOTEBOOKS

CORRECT = NOTEBOOKS / "correct_defs_only.ipynb"


def deep_json(path):
    path.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return path


def with_lone_surrogate(path):
    notebook = json.loads(CORRECT.read_text())
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                              "execution_count": None, "source": 'note = "\ud800"\n'})
    path.write_text(json.dumps(notebook))  # JSON escapes the surrogate: the file is ASCII
    return path


def test_deeply_nested_json_is_unreadable_not_a_crash(tmp_path):
    path = deep_json(tmp_path / "deep.ipynb")
    with pytest.raises(UnreadableNotebook, match="nested too deep"):
        read_notebook(path)
    assert notebook_content(path) == {}  # recognising its lesson: not recognised


def test_a_lone_surrogate_in_a_cell_becomes_the_replacement_character(tmp_path):
    notebook = read_notebook(with_lone_surrogate(tmp_path / "odd.ipynb"))
    assert notebook.cells[-1].source == 'note = "\ufffd"\n'
    notebook.cells[-1].source.encode("utf-8")  # it can be written and sent to a kernel


def test_pipes_and_links_to_devices_are_unreadable_submissions_not_a_hang(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    os.mkfifo(folder / "pipe.ipynb")
    (folder / "zero.ipynb").symlink_to("/dev/zero")
    (folder / "gone.ipynb").symlink_to(tmp_path / "nowhere")
    found = {s.id: s.problem for s in find_submissions([folder]).submissions}
    assert found["pipe"] == found["zero"] == (
        "not a plain file (a pipe, a device, or a link to one): submit the notebook itself")
    assert found["gone"].startswith("the file cannot be read")


def test_a_submission_named_like_a_file_of_the_run_gets_a_folder_of_its_own_name():
    assert submission_folder("grades.csv") == "submission grades.csv"
    assert submission_folder("report.html") == "submission report.html"
    assert submission_folder("..") == "submission .."
    assert submission_folder("ada") == "ada"


@pytest.mark.kernel
def test_a_folder_of_odd_files_is_graded_to_the_end(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("grades.csv", "report.html", "ada"):
        shutil.copy(CORRECT, folder / f"{name}.ipynb")
    deep_json(folder / "deep.ipynb")
    with_lone_surrogate(folder / "surrogate.ipynb")
    os.mkfifo(folder / "pipe.ipynb")
    out = tmp_path / "out"
    assert main([str(folder), "--out", str(out), "--defs-only", "--jobs", "2",
                 "--lesson", "convolutions"]) == 0
    with (out / "grades.csv").open(newline="") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    assert {name: (row["status"], row["total"]) for name, row in rows.items()} == {
        "ada": ("graded", "10"), "grades.csv": ("graded", "10"), "report.html": ("graded", "10"),
        "surrogate": ("graded", "10"), "deep": ("unreadable", "0"), "pipe": ("unreadable", "0"),
    }
    assert (out / "submission grades.csv" / "feedback.md").is_file()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert 'href="submission%20report.html/feedback.html"' in report


def test_a_cell_that_would_start_a_formula_is_kept_as_text():
    from grader.output.tables import spreadsheet_cell

    assert spreadsheet_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert spreadsheet_cell("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_cell("-2") == "-2" and spreadsheet_cell("+1.5") == "+1.5"
    assert spreadsheet_cell("ada") == "ada" and spreadsheet_cell(10) == "10"


@pytest.mark.kernel
def test_a_restart_leaves_out_what_ended_the_kernel_whatever_the_cells_first_line(tmp_path):
    notebook = json.loads(CORRECT.read_text())
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                              "execution_count": None, "source": "\nimport os\nos._exit(1)\n"})
    path = tmp_path / "exits.ipynb"
    path.write_text(json.dumps(notebook))
    out = tmp_path / "out"
    assert main([str(path), "--out", str(out), "--lesson", "convolutions"]) == 0
    with (out / "grades.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert (row["status"], row["total"]) == ("salvaged", "10")
