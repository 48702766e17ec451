"""Notebooks as real tools save them: each is graded on its functions, with a clear note for
what could not run (the submissions and their verdicts: ``tests/notebooks/make_tools.py``)."""

import csv
import json
import re
import shutil

import pytest

from grader.cli import main
from grader.kernel.notebook import read_notebook

from conftest import NOTEBOOKS

pytestmark = pytest.mark.kernel

TOOLS = NOTEBOOKS / "tools"
ACCENTED = "José Núñez – convolutions (1)"
SUBMISSIONS = {"colab", "vscode", "nbformat3", "foreign_kernel", "installs_and_magics",
               "asks_for_input", "saved_figures", ACCENTED, "vscode_export", "plain_script",
               "with_helper"}
MIB = 1024**2


def inflated(path, target, megabytes: int) -> int:
    """Copy ``path`` to ``target`` with its saved figures repeated until it weighs
    ``megabytes``; its size."""
    notebook = json.loads(path.read_text())
    (cell,) = [cell for cell in notebook["cells"] if cell.get("outputs")]
    figures = list(cell["outputs"])
    size = len(json.dumps(figures))
    cell["outputs"] = figures * (megabytes * MIB // size + 1)
    target.write_text(json.dumps(notebook))
    return target.stat().st_size


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    submissions = tmp_path_factory.mktemp("tools") / "submissions"
    shutil.copytree(TOOLS, submissions)
    size = inflated(TOOLS / "saved_figures.ipynb", submissions / "saved_figures.ipynb", 30)
    out = submissions.parent / "grades"
    code = main([str(submissions), "--out", str(out), "--jobs", "2", "--cell-timeout", "20"])
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    return code, rows, out, size


def cell_notes(out, submission):
    record = json.loads((out / submission / "results.json").read_text())["extra_data"]["grader"]
    return {failure["index"]: (failure["error"], failure["note"])
            for failure in record["cell_failures"]}


def test_every_tool_shaped_submission_earns_full_marks(graded):
    code, rows, _, size = graded
    assert code == 0
    assert size > 30 * MIB
    assert set(rows) == SUBMISSIONS
    assert {name: (row["total"], row["status"]) for name, row in rows.items()} == {
        name: ("10", "graded") for name in SUBMISSIONS
    }


def test_colab_cells_that_need_colab_or_drive_are_explained(graded):
    _, _, out, _ = graded
    notes = cell_notes(out, "colab")
    assert sorted(notes) == [2, 3, 4]
    assert notes[2] == ("ModuleNotFoundError: No module named 'google'",
                        "Google Colab (`google.colab`) is not there when the notebook is graded: "
                        "keep Colab-only code (mounting Drive, uploading files) out of the cells "
                        "your functions need.")
    assert notes[3][1] == ("`%tensorflow_version` is a magic of another tool (such as Colab), "
                           "which Jupyter does not have here.")
    assert notes[4][1].startswith("Files on Google Drive or in Colab's /content folder are not "
                                  "there when the notebook is graded")
    feedback = (out / "colab" / "feedback.md").read_text()
    assert "  Google Colab (`google.colab`) is not there when the notebook is graded" in feedback


def test_a_package_of_the_students_own_environment_is_explained(graded):
    _, _, out, _ = graded
    assert cell_notes(out, "foreign_kernel") == {2: (
        "ModuleNotFoundError: No module named 'cv2'",
        "`cv2` is not installed where notebooks are graded: each notebook runs in the grader's "
        "own Python, whatever kernel or environment it was saved with. Use only the packages "
        "the lesson names.")}


def test_input_is_explained(graded):
    _, _, out, _ = graded
    ((error, note),) = cell_notes(out, "asks_for_input").values()
    assert error.startswith("StdinNotImplementedError")
    assert note == ("Nobody is there to answer `input()` while the notebook is graded: give the "
                    "value in the code instead.")


def test_package_installs_are_not_run_and_the_message_says_so(graded):
    _, rows, out, _ = graded
    assert cell_notes(out, "installs_and_magics") == {}
    assert rows["installs_and_magics"]["message"] == (
        "Package installs (`!pip install` and the like, in cells 2, 3, 4) were not run: grading "
        "has no network, and the notebook runs with the packages the grader has.")


@pytest.mark.parametrize("name", ["vscode", "nbformat3", "saved_figures", ACCENTED,
                                  "vscode_export", "plain_script", "with_helper"])
def test_submissions_that_need_nothing_missing_run_without_a_failing_cell(graded, name):
    _, rows, out, _ = graded
    assert cell_notes(out, name) == {}
    assert rows[name]["message"] == ""
    feedback = (out / name / "feedback.md").read_text(encoding="utf-8")
    assert feedback.startswith(f"# Feedback for {name}\n")
    assert re.findall(r"^## `(\w+)`: (.+)$", feedback, re.MULTILINE) == [
        ("get_subimages", "3 / 3"), ("convolve", "3 / 3"), ("template_match", "4 / 4")]


def test_every_tool_shaped_submission_says_what_it_is_for_first():
    paths = [*TOOLS.glob("*.ipynb"), *TOOLS.glob("*.py"), *TOOLS.glob("*/*.ipynb")]
    assert len(paths) == len(SUBMISSIONS)  # one notebook or script each
    for path in paths:
        first = next(c for c in read_notebook(path).cells if c.cell_type == "markdown")
        assert "Test submission:" in first.source and "Verdict:" in first.source, path
