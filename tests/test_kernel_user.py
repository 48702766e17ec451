"""Gradescope's ``run_autograder`` as root where bubblewrap is missing: kernels run as an
unprivileged user of their own, which reads no answers and leaves nothing behind.

The autograder is unpacked, as Gradescope unpacks it, into a temporary ``/autograder``-shaped tree
(one per submission) in a folder every user may pass through, as ``/autograder`` is; it runs with
a Python environment of the grader's dependencies alone (no install of this checkout, whose
lessons and solutions every user may read), found as every user finds ``/opt/grader``, and with a
PATH that has every program but ``bwrap``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader.cli import main

from conftest import EXAMPLES, NOTEBOOKS
from test_end_to_end import EXPECTED_EXAMPLE_POINTS
from test_release import environment_with_the_graders_dependencies

pytestmark = [
    pytest.mark.kernel,
    pytest.mark.skipif(os.geteuid() != 0, reason="kernels run as another user only as root"),
    pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv is not installed"),
]

ATTACKS = NOTEBOOKS / "attacks"
UNPRIVILEGED_LINE = "Sandbox: unprivileged user, since `bwrap` is not installed."
DAEMON_WAIT = 2  # seconds attack 20's daemon waits after results.json appears
DEMOS = ("ada_loops", "linus_flipped_kernel")


@pytest.fixture(scope="module")
def machine():
    """A folder every user may pass through (as ``/`` and ``/opt`` are), removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="grader-machine-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def without_bwrap(machine) -> str:
    """A PATH with every program of this one but ``bwrap``."""
    programs = machine / "bin"
    programs.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            path = Path(folder, name)
            if name != "bwrap" and not (programs / name).exists() and os.access(path, os.X_OK):
                (programs / name).symlink_to(path)
    return str(programs)


@pytest.fixture(scope="module")
def autograder(machine, tmp_path_factory):
    """The Python ``setup.sh`` would make, and the autograder's files as the zip holds them."""
    python = environment_with_the_graders_dependencies(machine / "opt" / "grader")
    archive = tmp_path_factory.mktemp("zip") / "autograder.zip"
    assert main(["autograder", "--lesson", "convolutions", "--out", str(archive),
                 "--stdout-visibility", "visible", "--defs-only", "--cell-timeout", "10"]) == 0
    return python, archive


def unpacked(machine: Path, name: str, archive: Path) -> Path:
    """A new ``/autograder`` tree, the zip unpacked into its ``source`` by root (files every user
    may read, as they are before ``setup.sh`` runs)."""
    root = machine / name
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(root / "source")
        modes = {info.filename: info.external_attr >> 16 for info in opened.infolist()}
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(modes[script] & 0o777)
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path, python: Path, path: str) -> subprocess.CompletedProcess:
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    environment = {**os.environ, "PATH": path, "GRADER_AUTOGRADER_ROOT": str(root),
                   "GRADER_AUTOGRADER_PYTHON": str(python)}
    environment.pop("PYTHONPATH", None)
    return subprocess.run([str(root / "run_autograder")], env=environment, capture_output=True,
                          text=True, timeout=600)


def submit(root: Path, notebook: Path, values: dict[str, str] | None = None) -> None:
    text = notebook.read_text()
    for placeholder, value in (values or {}).items():
        text = text.replace(placeholder, value)
    (root / "submission" / "convolutions.ipynb").write_text(text)


def results_of(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text())


def alive(pid: int, start: str) -> bool:
    """Whether process ``pid`` still runs and is the one that started at ``start`` (ticks)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] == start and fields[0] != "Z"


@pytest.fixture(scope="module")
def forger(machine, autograder, without_bwrap):
    """Attack 20 through ``run_autograder``: what it printed, the results.json left once its
    daemon's time is past, and what the notebook recorded."""
    python, archive = autograder
    root = unpacked(machine, "forger", archive)
    evidence = machine / "evidence"
    evidence.mkdir()
    evidence.chmod(0o1777)  # the notebook's user, whoever it is, may record here
    results = root / "results" / "results.json"
    submit(root, ATTACKS / "20_forges_results_later.ipynb", {
        "__GRADER_SOLUTIONS__": str(root / "source" / "solutions"),
        "__GRADER_RESULTS__": str(results), "__GRADER_EVIDENCE__": str(evidence)})
    done = run_autograder(root, python, without_bwrap)
    # Past the daemon's wait, with room to spare: a daemon still alive has written by now.
    time.sleep(DAEMON_WAIT + 3)
    recorded = {path.stem: json.loads(path.read_text()) for path in evidence.glob("*.json")}
    return done, results_of(root), recorded


def test_the_sandbox_line_says_kernels_run_as_an_unprivileged_user(forger):
    done, _, _ = forger
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[0].startswith(UNPRIVILEGED_LINE), done.stdout[:500]


def test_a_kernel_run_as_root_without_bubblewrap_cannot_read_the_reference(forger):
    _, _, recorded = forger
    assert "read" in recorded, f"the notebook never ran its hunt: {recorded}"
    seen = recorded["read"]
    assert seen["listing"] == "PermissionError" and seen["file"] == "PermissionError", seen
    assert seen["import"] != "imported", seen


def test_a_daemon_cannot_forge_results_json_after_the_grader_exits(forger):
    done, results, recorded = forger
    assert "daemon" in recorded, f"the daemon never started: {recorded}"
    # Zeros of the right shape: each exercise's output shape check, and nothing more.
    assert done.stdout.splitlines()[-1] == "graded: 3 of 10 points."
    assert results["score"] == 3 == sum(test["score"] for test in results["tests"])
    assert "All tests passed" not in results["output"]
    assert not str(recorded.get("forged", "")).startswith("wrote"), recorded
    assert not alive(recorded["daemon"]["pid"], recorded["daemon"]["start"])


def test_a_kernel_run_as_root_without_bubblewrap_cannot_read_the_answer_key(
        machine, autograder, without_bwrap):
    python, archive = autograder
    root = unpacked(machine, "answer-key", archive)
    submit(root, ATTACKS / "19_reads_the_answer_key.ipynb")
    done = run_autograder(root, python, without_bwrap)
    assert done.stdout.splitlines()[0].startswith(UNPRIVILEGED_LINE), done.stdout[:500]
    assert results_of(root)["score"] == 0, done.stdout[-2000:]
    # What run_autograder locked before grading: root's alone.
    source = root / "source"
    for path in (source / "solutions", source / "assignments",
                 source / "assignments" / "convolutions" / "expected.npz"):
        assert path.stat().st_mode & 0o077 == 0, path


def test_the_demos_get_their_promised_points_as_an_unprivileged_user(
        machine, autograder, without_bwrap):
    python, archive = autograder
    roots = {}
    for name in DEMOS:
        roots[name] = unpacked(machine, f"demo-{name}", archive)
        submit(roots[name], EXAMPLES / f"{name}.ipynb")
    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(roots, pool.map(
            lambda root: run_autograder(root, python, without_bwrap), roots.values())))
    earned = {}
    for name, root in roots.items():
        assert runs[name].stdout.splitlines()[0].startswith(UNPRIVILEGED_LINE)
        tests = results_of(root)["tests"]
        earned[name] = tuple(round(sum(t["score"] for t in tests if t["name"].startswith(f"{e}:")))
                             for e in ("get_subimages", "convolve", "template_match"))
    assert earned == {name: EXPECTED_EXAMPLE_POINTS[name] for name in DEMOS}
