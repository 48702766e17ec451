"""A student's self-check: `grade check` and the in-notebook `check()`, with and without solutions."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET

import nbformat
import pytest
from nbclient import NotebookClient

from grader.cli import main

from conftest import EXAMPLES, NOTEBOOKS, ROOT, notebook_using_own_module
from test_end_to_end import LESSONS, earned_points

pytestmark = pytest.mark.kernel


def checked(capsys, *argv):
    code = main(["check", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_passes_a_correct_notebook_with_exit_zero(capsys):
    code, out, err = checked(capsys, NOTEBOOKS / "correct_defs_only.ipynb")
    assert code == 0
    assert "**Score: 10 / 10**" in out
    assert err.startswith("Checking ") and "reference solutions" in err


def test_check_exits_one_and_shows_the_counterexample_when_an_exercise_fails(capsys, tmp_path):
    page = tmp_path / "feedback.html"
    code, out, _ = checked(capsys, NOTEBOOKS / "flipped_kernel_defs_only.ipynb", "--html", page)
    assert code == 1
    html = page.read_text()
    assert "FAIL</b> any kernel" in html and html.count('<img class="raster"') == 4 + 3 * 4 + 5
    assert "**FAIL** any kernel" in out
    assert "convolve(image, kernel)" in out
    pasted = out.split("```python\n")[1].split("convolve(image, kernel)")[0]
    arguments = {}
    exec("import numpy as np\n" + "\n".join(line.strip() for line in pasted.splitlines()), arguments)
    assert arguments["image"].size == arguments["kernel"].size == 2  # shrunk to the smallest case


def test_check_exits_two_when_the_notebook_cannot_be_read(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("this is { not json")
    code, out, err = checked(capsys, broken)
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == (
        f"grade check: {broken} is not a readable notebook: not valid notebook JSON "
        "(Expecting value: line 1 column 1 (char 0))"
    )


def test_check_gives_the_notebook_the_files_beside_it_as_grading_a_folder_does(
        tmp_path, capsys):
    code, out, _ = checked(capsys, notebook_using_own_module(tmp_path))
    assert code == 0, out
    assert "**Score: 10 / 10**" in out


def test_check_writes_junit_with_one_case_per_sub_check(tmp_path, capsys):
    report = tmp_path / "junit.xml"
    code, _, _ = checked(capsys, NOTEBOOKS / "flipped_kernel_defs_only.ipynb", "--junit", report)
    suite = ET.parse(report).getroot().find("testsuite")
    assert code == 1
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("9", "1", "0")


def test_check_without_solutions_reaches_the_same_verdicts(capsys):
    for name in ("flipped_kernel_defs_only", "raises_and_hangs", "always_equal", "patches_numpy",
                 "wrong_helper_defs_only"):
        path = NOTEBOOKS / f"{name}.ipynb"
        with_reference = checked(capsys, path, "--call-timeout", "3")
        without = checked(capsys, path, "--call-timeout", "3", "--without-solutions")
        assert without[0] == with_reference[0], name
        assert "outputs stored with the assignment" in without[2]
        verdicts = lambda out: [line.split(" (")[0] for line in out.splitlines() if line.startswith("- **")]
        assert verdicts(without[1]) == verdicts(with_reference[1]), name


def test_examples_graded_without_solutions_earn_the_same_points(tmp_path):
    out = tmp_path / "grades"
    # Fast mode gives the examples the verdicts of a full run (test_end_to_end checks that).
    code = main([str(EXAMPLES), "--out", str(out), "--jobs", "2", "--cell-timeout", "10",
                 "--defs-only", "--without-solutions"])
    assert code == 0
    for lesson, (expected, exercises) in LESSONS.items():
        assert earned_points(out / lesson, exercises) == expected, lesson
    for result in (out / "convolutions" / "ada_loops", out / "pixels" / "pixels_frances_correct"):
        results = json.loads((result / "results.json").read_text())
        assert results["extra_data"]["grader"]["mode"] == "stored outputs"


def test_check_works_on_an_install_that_has_no_solutions(tmp_path):
    """A student's install: grader/ and assignments/ only, so `solutions` cannot be imported."""
    for package in ("grader", "assignments"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(NOTEBOOKS / "flipped_kernel_defs_only.ipynb", tmp_path / "mine.ipynb")
    paths = sysconfig.get_paths()
    # -S skips site-packages' .pth files, so this checkout's own (editable) install is not seen.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), paths["purelib"], paths["platlib"]])}
    probe = subprocess.run([sys.executable, "-S", "-c", "import solutions"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert "No module named 'solutions'" in probe.stderr
    completed = subprocess.run(
        [sys.executable, "-S", "-m", "grader", "check", "mine.ipynb"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 1, completed.stderr
    assert "against the outputs stored with the assignment" in completed.stderr
    assert "**Score: 9 / 10**" in completed.stdout
    assert "**FAIL** any kernel" in completed.stdout


def run_with_last_cell(fixture, source: str, folder, shown: str = "text/markdown"
                       ) -> tuple[str, str]:
    """Run a notebook (a test notebook's name, or a path) with ``source`` added as its last
    cell, in a real kernel in ``folder``; what that cell displayed (as the ``shown`` type) and
    the last text it printed."""
    notebook = nbformat.read(NOTEBOOKS / fixture, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    client = NotebookClient(notebook, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    outputs = notebook.cells[-1].outputs
    displayed = next(o for o in outputs if o.output_type == "display_data").data[shown]
    printed = [o for o in outputs if o.output_type == "stream"][-1].text
    return displayed, printed


def test_in_notebook_check_reports_in_the_running_kernel_with_pictures(tmp_path):
    shown, printed = run_with_last_cell(
        "flipped_kernel_defs_only.ipynb",
        "import sys\nfrom grader import check\nresult = check()\n"
        "print('score', result.score, [m for m in sys.modules if m.startswith('solutions')])",
        tmp_path, shown="text/html",
    )
    assert "FAIL</b> any kernel" in shown
    assert printed == "score 9.0 []\n"
    # what each function makes of the photo, beside the stored pictures of the reference
    assert shown.count('<img class="raster" src="data:image/png;base64,') == 4 + 3 * 4 + 5
    assert "Vertical edges" in shown and "largest difference" in shown
    assert shown.count('src="data:image/svg+xml;base64,') == 4  # the failing input's grids


def test_check_of_one_exercise_built_on_a_wrong_helper_passes_as_in_final_grading(capsys):
    """The per-exercise command of GitHub Classroom: `convolve` earns its points here too."""
    path = NOTEBOOKS / "wrong_helper_defs_only.ipynb"
    for options in ([], ["--without-solutions"]):
        code, out, _ = checked(capsys, path, "--exercise", "convolve", *options)
        assert code == 0, options
        assert "**Score: 3 / 3**" in out
        assert "`get_subimages` failed its own checks" in out
        assert checked(capsys, path, "--exercise", "get_subimages", *options)[0] == 1


def test_in_notebook_check_uses_stand_ins_and_puts_the_helper_back(tmp_path):
    shown, printed = run_with_last_cell(
        "wrong_helper_defs_only.ipynb",
        "original = get_subimages\n"
        "from grader import check\n"
        "result = check()\n"
        "print('score', result.score, get_subimages is original)",
        tmp_path,
    )
    assert "`get_subimages` failed its own checks, so while `convolve` was checked" in shown
    assert printed == "score 7.0 True\n"
