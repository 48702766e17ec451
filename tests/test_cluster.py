"""Grading on a Dask cluster: a real scheduler and real worker processes on this machine.

The fast tests need no cluster: targets, usage errors, and how a worker's facts are judged. The
kernel tests share one local cluster of two single-threaded workers (the grader's own, with a
dashboard on any free port) and grade a handful of tiny notebooks on it.
"""

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import dask
import dask_jobqueue  # noqa: F401 (adds its defaults to Dask's config before a test changes it)
import nbformat
import pytest
from distributed import Client, LocalCluster, get_task_stream

import grader.course
from grader.cli import main
from grader.grading.cluster import _outcome, _with_content
from grader.grading.connect import (
    PROFILE_OFF,
    Cluster,
    Target,
    jobqueue_cluster,
    local_cluster,
    parse_target,
)
from grader.grading.workers import (
    Facts,
    Job,
    Refusal,
    facts_here,
    grade_here,
    problems,
    profiler_can_deadlock,
    unpacked,
)
from grader.intake.discover import Submission
from grader.judge.exercises import all_not_checked
from grader.model.errors import ClusterError, UsageError
from grader.model.results import SubmissionResult
from grader.model.settings import PROFILES

from conftest import NOTEBOOKS, ROOT, folder_with_broken_files, notebook_using_own_module

FIX = ("Install the same grader, assignments and packages on every machine of the cluster as "
       "here, and start the workers as the README says ('Grading on a cluster').")


def error_lines(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


@pytest.fixture
def one_notebook(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(NOTEBOOKS / "correct_defs_only.ipynb", folder / "ada.ipynb")
    return folder


# -- targets and usage errors (no cluster) ---------------------------------------------------


@pytest.mark.parametrize("text, target", [
    ("tcp://10.0.0.5:8786", Target("scheduler", "tcp://10.0.0.5:8786", text="tcp://10.0.0.5:8786")),
    ("local", Target("local", text="local")),
    ("local:3", Target("local", workers=3, text="local:3")),
    ("slurm:40", Target("slurm", workers=40, text="slurm:40")),
    ("lsf", Target("lsf", text="lsf")),
])
def test_each_form_of_target_is_understood(text, target):
    assert parse_target(text) == target


def test_a_scheduler_file_is_a_target_if_it_exists(tmp_path):
    (tmp_path / "scheduler.json").write_text("{}")
    assert parse_target(str(tmp_path / "scheduler.json")).kind == "scheduler file"
    with pytest.raises(UsageError, match="no such scheduler file"):
        parse_target(str(tmp_path / "other.json"))


def test_an_address_without_its_protocol_is_refused_with_the_fix(one_notebook, capsys):
    assert main([str(one_notebook), "--cluster", "10.0.0.5:8786"]) == 2
    assert error_lines(capsys) == [
        "grade: error: --cluster takes a scheduler address (tcp://host:8786), a scheduler file "
        "(scheduler.json), local[:N], or slurm, pbs, sge or lsf[:N], not '10.0.0.5:8786'; did "
        "you mean tcp://10.0.0.5:8786?"
    ]


def test_a_count_of_workers_that_is_not_a_number_is_refused(one_notebook, capsys):
    assert main([str(one_notebook), "--cluster", "local:two"]) == 2
    assert error_lines(capsys) == [
        "grade: error: --cluster local:two: the number of workers after local: must be a whole "
        "number of at least 1, as in local:4"
    ]


def test_jobs_and_cluster_together_are_refused(one_notebook, capsys):
    assert main([str(one_notebook), "--cluster", "local:2", "--jobs", "2"]) == 2
    assert error_lines(capsys) == [
        "grade: error: --jobs and --cluster do not go together: on a cluster, its workers' "
        "threads say how many submissions are graded at once"
    ]


def test_without_dask_installed_the_message_names_the_extra(one_notebook, tmp_path, monkeypatch,
                                                            capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    assert main([str(one_notebook), "--out", str(tmp_path / "out"), "--cluster", "local:2"]) == 2
    assert error_lines(capsys)[-1] == (
        'grade: error: --cluster needs the distributed package, which is not installed here: '
        'pip install -e ".[cluster]"'
    )


def test_a_batch_system_without_its_configuration_is_refused_with_the_fix(one_notebook, tmp_path,
                                                                          capsys):
    with dask.config.set({"jobqueue.slurm.cores": None}):
        assert main([str(one_notebook), "--out", str(tmp_path / "out"), "--cluster", "slurm"]) == 2
    assert error_lines(capsys)[-1] == (
        "grade: error: --cluster slurm: say what a job is in Dask's configuration first: "
        "jobqueue.slurm.cores and .memory, and the queue, in ~/.config/dask/jobqueue.yaml (see "
        "the README, 'Grading on a cluster')"
    )


def test_slurm_jobs_run_one_single_threaded_worker_per_core_without_the_profiler():
    config = {"jobqueue.slurm.cores": 4, "jobqueue.slurm.memory": "8GB",
              "jobqueue.slurm.job-script-prologue": ["module load python"]}
    with dask.config.set(config), jobqueue_cluster(Target("slurm", text="slurm")) as cluster:
        script = cluster.job_script()
    assert " --nthreads 1 " in script and " --nworkers 4 " in script
    assert script.index("module load python") < script.index(PROFILE_OFF) < script.index(
        "distributed.cli.dask_worker")


class PretendCluster:
    """Stands in for ``connect``, ``check_cluster`` and ``grade_on_cluster`` in ``grade``: counts
    the connections, grades each submission to an empty "graded" result, and raises ``fails``
    when asked to grade that lesson."""

    def __init__(self, monkeypatch, fails: str = ""):
        self.connections, self.graded, self.fails = [], [], fails
        monkeypatch.setattr(grader.course, "connect", self.connect)
        monkeypatch.setattr(grader.course, "check_cluster", self.check)
        monkeypatch.setattr(grader.course, "grade_on_cluster", self.grade)

    @contextmanager
    def connect(self, target):
        self.connections.append(target)
        yield Cluster(SimpleNamespace(nthreads=lambda: {"worker": 1}), target, "a pretend cluster",
                      {"target": target.text})

    def check(self, cluster, *arguments):
        cluster.record.update({"workers": 1, "threads": 1})
        return facts()

    def grade(self, cluster, assignment, submissions, settings, expected, on_result, *rest):
        if assignment.name == self.fails:
            raise ClusterError("lost the Dask scheduler (pretend)")
        for submission in submissions:
            self.graded.append((assignment.name, submission.id))
            on_result(SubmissionResult(submission.id, str(submission.path), "graded",
                                       all_not_checked(assignment, "pretend")))


@pytest.fixture
def two_lessons(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(NOTEBOOKS / "correct_defs_only.ipynb", folder / "ada.ipynb")
    shutil.copy(ROOT / "solutions" / "pixels-solved.ipynb", folder / "frances.ipynb")
    return folder


def junit_suites(path: Path) -> list[str]:
    return sorted(suite.get("name") for suite in ET.parse(path).getroot().iter("testsuite"))


def test_a_run_of_two_lessons_connects_to_the_cluster_once(two_lessons, tmp_path, monkeypatch):
    pretend = PretendCluster(monkeypatch)
    junit = tmp_path / "junit.xml"
    assert main([str(two_lessons), "--out", str(tmp_path / "out"), "--junit", str(junit),
                 "--cluster", "tcp://pretend:8786"]) == 0
    assert pretend.connections == [parse_target("tcp://pretend:8786")]
    assert pretend.graded == [("convolutions", "ada"), ("pixels", "frances")]
    assert junit_suites(junit) == ["ada", "frances"]


def test_a_cluster_lost_in_the_second_lesson_keeps_the_first_lessons_junit(
        two_lessons, tmp_path, monkeypatch, capsys):
    PretendCluster(monkeypatch, fails="pixels")
    junit = tmp_path / "junit.xml"
    assert main([str(two_lessons), "--out", str(tmp_path / "out"), "--junit", str(junit),
                 "--cluster", "tcp://pretend:8786"]) == 2
    assert error_lines(capsys)[-1] == "grade: error: lost the Dask scheduler (pretend)"
    assert junit_suites(junit) == ["ada"]


def student_folder(folder: Path) -> Submission:
    """A student's folder: a notebook whose functions come from ``mine.py`` beside it and that
    reads a data file in a sub-folder, and a link (which is never followed)."""
    folder.mkdir()
    (folder / "data").mkdir()
    (folder / "data" / "numbers.txt").write_text("1 2 3")
    (folder / "elsewhere").symlink_to("/etc/hostname")
    path = notebook_using_own_module(folder, "assert open('data/numbers.txt').read() == '1 2 3'")
    return Submission("hw", path, folder=folder)


def test_a_task_carries_the_students_own_files_and_the_worker_puts_them_back(tmp_path):
    sent = _with_content(student_folder(tmp_path / "student"))
    there = unpacked(sent, tmp_path / "worker")
    assert sorted(relative for _, relative in there.own.files) == ["data/numbers.txt", "mine.py"]
    assert (tmp_path / "worker" / "data" / "numbers.txt").read_text() == "1 2 3"
    assert there.own.left_out == ("elsewhere",)


# -- judging a worker's facts (no cluster) ---------------------------------------------------

KEY = {"grader code": "a1", "versions": "grader 0.1.0, Python 3.11.7",
       "source of expected outputs": "reference"}


def facts(**changes) -> Facts:
    values = {"key": KEY, "sandbox": "", "python": "3.12.3", "host": "lab07", **changes}
    return Facts(**values)


def test_a_worker_like_the_client_has_no_problems():
    assert problems(facts(), facts(), "auto") == []


def test_each_difference_of_a_worker_is_named():
    other = facts(key={**KEY, "grader code": "b2", "versions": "grader 0.1.0, Python 3.12.3",
                       "source of expected outputs": "stored outputs"},
                  threads=4, profiling=True, python="3.11.4", prlimit=False)
    assert problems(facts(), other, "auto") == [
        "its grader code differs",
        "its versions differ (grader 0.1.0, Python 3.12.3 there, grader 0.1.0, Python 3.11.7 here)",
        "its source of expected outputs differs (stored outputs there, reference here)",
        "it has 4 threads; grading needs one per worker process (dask worker --nthreads 1 "
        "--nworkers N)",
        "`prlimit` is not installed there (util-linux), and setting a kernel's limits without it "
        "can deadlock a worker",
        "Dask's profiler can deadlock it on Python 3.11.4: start it with "
        "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False, or use Python 3.11.9 or newer",
    ]


def test_the_sandbox_must_be_everywhere_with_sandbox_on_and_alike_with_auto():
    lacking = facts(sandbox="`bwrap` is not installed")
    assert problems(facts(), lacking, "on") == ["--sandbox on, but `bwrap` is not installed"]
    assert problems(facts(), lacking, "auto") == [
        "kernels cannot run in the sandbox there (`bwrap` is not installed), but can on the "
        "other workers"
    ]
    assert problems(lacking, facts(), "auto") == [
        "kernels can run in the sandbox there, but not on the other workers"
    ]
    assert problems(facts(), lacking, "off") == []


def test_the_profiler_is_refused_only_where_it_can_deadlock():
    assert [profiler_can_deadlock(v) for v in ("3.10.14", "3.11.7", "3.11.9", "3.12.1")] == [
        False, True, False, False]
    assert problems(facts(), facts(profiling=True), "auto") == []


# -- on a real local cluster -----------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two worker processes, each with its local directory under a folder of the test's own."""
    scratch = tmp_path_factory.mktemp("dask")
    with dask.config.set({"temporary-directory": str(scratch)}):
        cluster = local_cluster(2)
    with cluster, Client(cluster) as client:
        yield client, scratch / "dask-scratch-space"


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def bad_folder(cluster, tmp_path_factory):
    """A folder with broken files, graded by the local pool, then twice on the cluster."""
    client, _ = cluster
    folder = tmp_path_factory.mktemp("bad")
    submissions = folder_with_broken_files(folder / "submissions")
    common = [str(submissions), "--defs-only", "--cell-timeout", "10"]
    codes = [main([*common, "--out", str(folder / "local"), "--jobs", "2"])]
    streams = []
    for _ in range(2):
        with get_task_stream(client) as stream:
            codes.append(main([*common, "--out", str(folder / "cluster"), "--cluster",
                               client.scheduler.address]))
        streams.append(stream.data)
    return folder, codes, streams


@pytest.mark.kernel
def test_a_cluster_grades_a_folder_with_broken_files_as_the_local_pool_does(bad_folder):
    folder, codes, streams = bad_folder
    assert codes == [0, 0, 0]
    local, there = folder / "local", folder / "cluster"
    assert (there / "grades.csv").read_text() == (local / "grades.csv").read_text()
    assert {name: row["status"] for name, row in rows(there).items()} == {
        "bob": "graded", "crashes": "salvaged", "empty": "unreadable",
        "not_json": "unreadable", "two_notebooks": "unreadable",
    }
    for name in ("bob", "crashes", "empty"):
        assert (there / name / "feedback.md").read_text() == (local / name / "feedback.md").read_text()
    # The workers graded the four files; the folder of two notebooks needed no kernel.
    assert len(streams[0]) == 4


@pytest.mark.kernel
def test_the_summary_records_the_cluster(bad_folder, cluster):
    folder, _, _ = bad_folder
    client, _ = cluster
    run = json.loads((folder / "cluster" / "summary.json").read_text())["run"]
    # The second run: only the folder of two notebooks was graded, here, with no cluster.
    assert run["cluster"] == {"target": client.scheduler.address, "workers": 0}
    assert run["jobs"] is None and run["graded"] == 1


@pytest.mark.kernel
def test_grading_the_same_folder_again_submits_nothing(bad_folder):
    folder, codes, streams = bad_folder
    assert codes[2] == 0 and streams[1] == []
    assert rows(folder / "cluster") == rows(folder / "local")


def kills_its_worker(path: Path, marker: Path | None = None) -> None:
    """A notebook whose kernel kills its parent process, the worker grading it: every time, or
    (with ``marker``) only the first time, writing its working folder into ``marker``."""
    notebook = nbformat.read(NOTEBOOKS / "correct_defs_only.ipynb", as_version=4)
    once = marker is not None
    notebook.cells[0].source = (
        "# Test fixture: a notebook that kills the process grading it"
        + (" the first time it runs\n\n" if once else "\n\n")
        + "Its kernel sends SIGKILL to its parent, the Dask worker (there is no sandbox to stop "
        "it), then defines correct functions. Expected: "
        + ("graded with full marks on the second try." if once else
           'status "grader error" after two workers die, and nothing kept in the cache.')
    )
    kill = "os.kill(os.getppid(), signal.SIGKILL)"
    source = (f"marker = Path({str(marker)!r})\nif not marker.exists():\n"
              f"    marker.write_text(os.getcwd())\n    {kill}" if once else kill)
    header = "import os\nimport signal\nfrom pathlib import Path\n\n"
    notebook.cells.insert(1, nbformat.v4.new_code_cell(header + source))
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def killing_batch(cluster, tmp_path_factory):
    client, _ = cluster
    folder = tmp_path_factory.mktemp("killing")
    submissions, out, marker = folder / "submissions", folder / "out", folder / "first-try"
    submissions.mkdir()
    kills_its_worker(submissions / "kills_always.ipynb")
    kills_its_worker(submissions / "kills_once.ipynb", marker)
    shutil.copy(NOTEBOOKS / "correct_defs_only.ipynb", submissions / "ada.ipynb")
    code = main([str(submissions), "--out", str(out), "--defs-only", "--sandbox", "off",
                 "--cluster", client.scheduler.address])
    return code, out, marker


@pytest.mark.kernel
def test_a_notebook_that_kills_its_worker_twice_is_a_grader_error_and_the_batch_goes_on(
    killing_batch, capsys
):
    code, out, _ = killing_batch
    assert code == 1
    graded = rows(out)
    assert (graded["kills_always"]["status"], graded["kills_always"]["message"]) == (
        "grader error",
        "The grader failed on this submission (the Dask workers grading it died twice); please "
        "report it.",
    )
    assert (graded["ada"]["status"], graded["ada"]["total"]) == ("graded", "10")
    assert len(list((out / ".cache").rglob("*.json"))) == 2  # the grader error is not kept


@pytest.mark.kernel
def test_a_worker_killed_once_costs_its_submission_only_a_second_try(killing_batch, cluster):
    _, out, marker = killing_batch
    _, workspace = cluster
    assert (rows(out)["kills_once"]["status"], rows(out)["kills_once"]["total"]) == ("graded", "10")
    # Its first working folder lay in the killed worker's local directory, and went with it.
    first = Path(marker.read_text())
    assert first.is_relative_to(workspace) and not first.exists()


@pytest.mark.kernel
def test_a_worker_that_differs_grades_nothing(cluster, tmp_path):
    client, _ = cluster
    job = Job("convolutions", ("convolve",), PROFILES["quick"].replace(sandbox="off"), True,
              facts(key={"grader code": "not this one"}))
    submission = Submission("ada", NOTEBOOKS / "correct_defs_only.ipynb", content=b"{}")
    refusal = client.submit(grade_here, job, submission, pure=False).result()
    assert isinstance(refusal, Refusal) and refusal.problems == ("its grader code differs",)
    with pytest.raises(ClusterError) as raised:
        _outcome(client, client.submit(lambda: refusal, pure=False), submission, None)
    assert str(raised.value) == (
        f"worker {refusal.worker} cannot grade as this client would: its grader code differs. "
        f"{FIX} The results graded so far are kept."
    )


@pytest.mark.kernel
def test_a_worker_grades_with_the_students_own_files_though_it_cannot_see_their_folder(
        cluster, tmp_path):
    client, _ = cluster
    sent = _with_content(student_folder(tmp_path / "student"))
    shutil.rmtree(tmp_path / "student")  # the worker has only what the task carries
    settings = PROFILES["quick"]
    exercises = ("to_grayscale", "crop", "brightness", "adjust_brightness")
    job = Job("pixels", exercises, settings, True, facts_here("pixels", exercises, settings, True))
    result = client.submit(grade_here, job, sent, pure=False).result()
    assert (result.status, result.cell_failures, result.score) == ("graded", (), 10)
    assert result.message == ("Some files beside the notebook were not there when it ran (links, "
                              "or more than the 256 MiB the grader copies): elsewhere.")


def changed_grader(folder: Path) -> Path:
    """A copy of the grader, its lesson and solutions with one line of the grader changed."""
    for package in ("grader", "assignments", "solutions"):
        shutil.copytree(ROOT / package, folder / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    with open(folder / "grader" / "grading" / "cache.py", "a") as handle:
        handle.write("# changed\n")
    return folder


@pytest.mark.kernel
def test_a_worker_with_other_grader_code_and_no_sandbox_or_prlimit_is_refused_before_grading(
    one_notebook, tmp_path, capsys
):
    code = changed_grader(tmp_path / "code")
    # Its PATH has the environment's programs only: no bwrap, no prlimit.
    environment = {**os.environ, "PYTHONPATH": str(code), "PATH": str(Path(sys.executable).parent),
                   "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
    dask_command = Path(sys.executable).parent / "dask"
    with LocalCluster(n_workers=0, dashboard_address=":0") as scheduler, \
            Client(scheduler) as client:
        worker = subprocess.Popen(
            [str(dask_command), "worker", scheduler.scheduler_address, "--nthreads", "1",
             "--no-dashboard", "--local-directory", str(tmp_path / "scratch")],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            client.wait_for_workers(1, timeout=60)
            (address,) = client.nthreads()
            result = main([str(one_notebook), "--out", str(tmp_path / "out"), "--sandbox", "on",
                           "--cluster", scheduler.scheduler_address])
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    lacking = "`bwrap` is not installed"  # with root or without, the sandbox needs it
    assert result == 2
    assert error_lines(capsys)[-3:] == [
        "grade: error: the cluster cannot grade as this client would, so nothing was graded:",
        f"  worker {address} on {socket.gethostname()}: its grader code differs; --sandbox on, "
        f"but {lacking}; `prlimit` is not installed there (util-linux), and setting a kernel's "
        "limits without it can deadlock a worker",
        FIX,
    ]
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_dask_draws_from_its_own_random_on_a_worker_so_hypothesis_sees_no_change_of_the_global_one():
    # The heartbeat measures messages with dask.sizeof, which samples long lists; on a worker
    # that ran in another thread during hypothesis's draws, which warned that the strategies
    # used the global random module (HypothesisDeprecationWarning, under --cluster only).
    import random

    import dask.sizeof

    from grader.grading import workers

    workers._own_random_for_dask()
    before = random.getstate()
    dask.sizeof.sizeof([list(range(20)) for _ in range(50)])
    assert random.getstate() == before
    assert dask.sizeof.random is not random
