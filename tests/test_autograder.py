"""The Gradescope autograder: ``grade autograder`` writes the zip, and its real ``run_autograder``
runs in temporary ``/autograder``-shaped trees, one per submission, as Gradescope runs it."""

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from grader.cli import main

from conftest import EXAMPLES
from lookup import pasted_lookup
from test_end_to_end import EXPECTED_EXAMPLE_POINTS

pytestmark = pytest.mark.kernel

UNREADABLE = "The autograder could not start"
FIELDS = {"score", "execution_time", "output", "output_format", "tests", "visibility",
          "stdout_visibility"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The autograder zip, built as an instructor builds it, and what it unpacks to."""
    folder = tmp_path_factory.mktemp("autograder")
    archive = folder / "autograder.zip"
    code = main(["autograder", "--lesson", "convolutions", "--out", str(archive),
                 "--visibility", "after_published", "--stdout-visibility", "visible",
                 "--defs-only", "--cell-timeout", "10"])
    assert code == 0
    source = folder / "source"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(source)
        modes = {info.filename: info.external_attr >> 16 for info in opened.infolist()}
    for name in ("setup.sh", "run_autograder"):  # extractall drops the modes the zip keeps
        (source / name).chmod(modes[name] & 0o777)
    return archive, source, modes


def autograder_tree(root, source, submission_files):
    (root / "submission").mkdir(parents=True)
    (root / "source").symlink_to(source)
    for name, content in submission_files.items():
        (root / "submission" / name).write_bytes(content)
    return root


def run_autograder(root, python=sys.executable):
    """Gradescope's ``run_autograder``, copied to the tree's root as Gradescope copies it."""
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    environment = {**os.environ, "GRADER_AUTOGRADER_ROOT": str(root),
                   "GRADER_AUTOGRADER_PYTHON": str(python)}
    done = subprocess.run([str(root / "run_autograder")], env=environment, capture_output=True,
                          text=True, timeout=600)
    results = json.loads((root / "results" / "results.json").read_text())
    return done, results


@pytest.fixture(scope="module")
def demo_results(bundle, tmp_path_factory):
    """``run_autograder`` on every demo submission, two at a time."""
    _, source, _ = bundle
    trees = tmp_path_factory.mktemp("trees")
    roots = {
        name: autograder_tree(trees / name, source,
                              {"convolutions.ipynb": (EXAMPLES / f"{name}.ipynb").read_bytes()})
        for name in EXPECTED_EXAMPLE_POINTS
    }
    with ThreadPoolExecutor(2) as pool:
        return dict(zip(roots, pool.map(run_autograder, roots.values())))


def test_the_zip_holds_the_scripts_at_its_root_with_the_grader_lesson_and_reference(bundle):
    _archive, source, modes = bundle
    for name in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(modes[name]) == 0o755
    assert {"requirements.txt", "autograder.json", "grader/__init__.py",
            "assignments/convolutions/__init__.py", "assignments/convolutions/dubs.jpg",
            "solutions/convolutions.py"} <= set(modes)
    assert not [name for name in modes if "__pycache__" in name]
    config = json.loads((source / "autograder.json").read_text())
    assert (config["lesson"], config["visibility"], config["stdout_visibility"]) == (
        "convolutions", "after_published", "visible")
    assert config["settings"]["defs_only"] is True and config["settings"]["cell_timeout"] == 10
    requirements = (source / "requirements.txt").read_text().splitlines()
    assert "nbclient>=0.10" in requirements and not [r for r in requirements if "extra" in r]


def test_setup_installs_python_bubblewrap_and_the_requirements_and_checks_the_lesson(bundle):
    _, source, _ = bundle
    setup = (source / "setup.sh").read_text()
    assert "apt-get install -y --no-install-recommends python3 python3-venv python3-pip " \
           "bubblewrap" in setup
    assert '-m pip install -r "$source_dir/requirements.txt"' in setup
    done = subprocess.run([sys.executable, "-m", "grader.cli.run_autograder", "--check",
                           str(source.parent)], env={**os.environ, "PYTHONPATH": str(source)},
                          capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stdout) == (
        0, "The autograder for 'convolutions' is ready: the lesson and its reference load.\n")


def test_every_demo_submission_gets_the_points_grade_gives(demo_results):
    earned = {
        name: tuple(round(sum(t["score"] for t in results["tests"]
                              if t["name"].startswith(f"{exercise}:")))
                    for exercise in ("get_subimages", "convolve", "template_match"))
        for name, (_, results) in demo_results.items()
    }
    assert earned == EXPECTED_EXAMPLE_POINTS
    assert {name: results["score"] for name, (_, results) in demo_results.items()} == {
        name: sum(points) for name, points in EXPECTED_EXAMPLE_POINTS.items()}


def test_results_are_in_gradescopes_shape_with_the_chosen_visibility(demo_results):
    done, results = demo_results["linus_flipped_kernel"]
    assert done.returncode == 0
    assert FIELDS <= set(results)
    assert (results["visibility"], results["stdout_visibility"], results["output_format"]) == (
        "after_published", "visible", "md")
    assert results["output"].startswith("# Feedback for submission\n\n**Score: 9 / 10**")
    assert len(results["tests"]) == 9
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert [t["name"] for t in failed] == ["convolve: any kernel"]
    assert {"score", "max_score", "status", "name", "output", "output_format"} <= set(failed[0])
    assert failed[0]["output_format"] == "html"
    assert "Smallest failing input:" in failed[0]["output"]
    assert done.stdout.splitlines()[-1] == "graded: 9 of 10 points."


def test_an_unreadable_submission_gets_valid_results_saying_why(bundle, tmp_path):
    _, source, _ = bundle
    root = autograder_tree(tmp_path / "ag", source, {"convolutions.ipynb": b"{not json"})
    done, results = run_autograder(root)
    assert done.returncode == 0
    assert results["score"] == 0 and FIELDS <= set(results)
    assert "not valid notebook JSON" in results["output"]
    assert all(test["status"] == "failed" for test in results["tests"])


def test_a_submission_without_a_notebook_gets_valid_results_saying_so(bundle, tmp_path):
    _, source, _ = bundle
    root = autograder_tree(tmp_path / "ag", source, {"notes.txt": b"hello"})
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"name": "Ada L"}]}))
    _, results = run_autograder(root)
    assert results["score"] == 0
    assert results["output"].startswith("# Feedback for Ada L\n")
    assert ("the folder holds no notebook (*.ipynb) or Python script (*.py)"
            in results["output"])


def test_when_the_grader_fails_the_results_say_so(bundle, tmp_path):
    _, source, _ = bundle
    broken = tmp_path / "source"
    shutil.copytree(source, broken, symlinks=True)
    config = json.loads((broken / "autograder.json").read_text())
    config["settings"]["no_such_setting"] = 1  # as a grader of another version would write
    (broken / "autograder.json").write_text(json.dumps(config))
    root = autograder_tree(tmp_path / "ag", broken, {"convolutions.ipynb": b"{}"})
    _, results = run_autograder(root)
    assert results == {
        "score": 0, "execution_time": 0, "output_format": "text", "tests": [],
        "visibility": "after_published", "stdout_visibility": "visible",
        "output": "The grader failed before it could grade this submission (TypeError: "
                  "Settings.__init__() got an unexpected keyword argument 'no_such_setting'), so "
                  "it was not graded. Please tell your instructor.",
    }


def test_when_python_cannot_start_the_script_still_writes_results(bundle, tmp_path):
    _, source, _ = bundle
    root = autograder_tree(tmp_path / "ag", source, {"convolutions.ipynb": b"{}"})
    done, results = run_autograder(root, python=tmp_path / "no-python")
    assert done.returncode == 0
    assert results == {
        "score": 0, "execution_time": 0, "output_format": "text", "tests": [],
        "visibility": "after_published", "stdout_visibility": "visible",
        "output": "The autograder could not start (exit code 127), so this submission was not "
                  "graded. Please tell your instructor.",
    }


@pytest.mark.kernel
def test_the_release_answer_key_pasted_in_earns_no_exercise_in_full(bundle, tmp_path):
    """The release's expected.npz answers every public input; the autograder also tries
    held-out inputs (its zip carries the lesson's secret), which no table answers."""
    _, source, _ = bundle
    names = ["get_subimages", "convolve", "template_match"]
    notebook = pasted_lookup("convolutions", source / "assignments/convolutions/expected.npz",
                             names, tmp_path / "pasted.ipynb")
    root = autograder_tree(tmp_path / "ag", source, {"convolutions.ipynb": notebook.read_bytes()})
    done, results = run_autograder(root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Held-out inputs: 25 per sub-check" in done.stdout
    for name, worth in zip(names, (3, 3, 4)):
        earned = sum(test["score"] for test in results["tests"]
                     if test["name"].startswith(f"{name}: "))
        assert earned < worth, (name, earned)
