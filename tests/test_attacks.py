"""Grade the adversarial corpus (tests/notebooks/attacks/) as one batch, as an instructor would.

Each notebook tries to cheat the grader or to harm the machine that grades it; its first cell
says how. The batch runs through the real command (``python -m grader``, a worker process per
job, a kernel per notebook) with short time limits. Then every notebook must have the verdict
in ``VERDICTS``, the output folder must hold the true verdicts, and nothing the batch started
may still run or lie on disk. Verdicts marked ``sandboxed`` hold only where the kernel runs in
the sandbox; elsewhere they are skipped, unless GRADER_REQUIRE_SANDBOX=1 makes that a failure.
"""

from __future__ import annotations

import csv
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import NOTEBOOKS, ROOT
from grader.kernel.sandbox import unavailable_because
from grader.model.settings import Settings
from processes import adopting_orphans, descendants, environment, kill, process_table

pytestmark = pytest.mark.kernel

ATTACKS = NOTEBOOKS / "attacks"
EXERCISES = ("get_subimages", "convolve", "template_match")
OPTIONS = ["--jobs", "2", "--cell-timeout", "5", "--call-timeout", "5", "--total-timeout", "60"]
BATCH_TIMEOUT = 300  # seconds; past it the batch counts as hung and is ended
MEMORY_BOUND = 2 * 1024**3  # bytes of RSS no process of the batch may reach


@dataclass(frozen=True)
class Verdict:
    points: tuple[float, float, float]  # get_subimages, convolve, template_match
    status: str = "graded"
    says: tuple[str, ...] = ()  # patterns (any case) each found in the record, see `record_text`
    sandboxed: bool = False  # holds only where the kernel runs in the sandbox


RESTARTED = "salvaged"  # the status of a notebook whose functions are graded after a restart

# The verdict each attack must get; the notebook's first cell says the same in words.
VERDICTS = {
    "01_patches_numpy": Verdict((0, 0, 4), says=(r"get_subimages/output shape: returned shape",)),
    "02_patches_grader": Verdict((0, 3, 0), says=(r"template_match/output shape: returned shape",)),
    "03_fake_scores": Verdict((3, 0, 0)),
    "04_writes_output_folder": Verdict((0, 0, 0)),
    "05_always_equal": Verdict((0, 0, 0), says=(
        r"get_subimages/.*: returned Anything, not a numpy array",
        r"convolve/output shape: returned shape \(\)",
        r"template_match/.*: returned an array that cannot be copied out",
    )),
    "06_exits_kernel": Verdict((3, 3, 4), RESTARTED, (r"cell 3: error: SystemExit",
                                                      r"message: .*\bcell 4\b")),
    "07_ignores_sigint": Verdict((3, 3, 4), RESTARTED, (r"cell 3: timeout",
                                                        r"message: .*\bcell 3\b")),
    "08_starts_processes": Verdict((3, 3, 4)),
    "09_allocates_memory": Verdict((3, 3, 4), says=(r"cell 3: error: MemoryError",)),
    "10_prints_50mb": Verdict((3, 3, 4)),
    "11_fork_bomb": Verdict((3, 3, 4), RESTARTED, (r"no longer send its messages intact",),
                            sandboxed=True),
    "12_hunts_for_solutions": Verdict((0, 0, 0), sandboxed=True),
    "13_opens_network": Verdict((3, 3, 4)),
    "14_recurses": Verdict((3, 3, 4), RESTARTED, (r"cell 3: (error: RecursionError|timeout)",
                                                  r"message: .*\bcell 4\b")),
    "15_deletes_its_folder": Verdict((3, 3, 4)),
}


def sandbox_active() -> bool:
    """Whether the grader runs kernels in its sandbox here (by default, with --sandbox auto)."""
    return Settings().sandbox != "off" and not unavailable_because()


def require_sandbox(what: str, without: str = "") -> None:
    """Skip (or with GRADER_REQUIRE_SANDBOX=1, fail) unless the sandbox is active; ``without``
    says what happened here without it."""
    if sandbox_active():
        return
    reason = f"{what} holds only in the kernel sandbox, not active here: {unavailable_because()}"
    if without:
        reason += f"; without it: {without}"
    if os.environ.get("GRADER_REQUIRE_SANDBOX") == "1":
        pytest.fail(reason + "; GRADER_REQUIRE_SANDBOX=1 requires it")
    pytest.skip(reason)


class Listener:
    """A TCP server on 127.0.0.1 that keeps whatever anyone sends it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    self.received.append(connection.recv(65536))
                except OSError as error:
                    self.received.append(f"(connected, then {error})".encode())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@dataclass
class Batch:
    returncode: int | None  # None: it ran past BATCH_TIMEOUT and was ended
    seconds: float
    max_rss: int  # bytes: the largest resident set of the command, its workers and kernels
    log: str
    out: Path
    rows: dict[str, dict]  # grades.csv
    records: dict[str, dict]  # each <out>/<submission>/results.json's full record
    junit: dict[str, tuple[float, float, float]]  # points per exercise, from memory at the end
    statuses: dict[str, str]  # from the table the command prints at the end, from memory too
    leftover_processes: list
    leftover_folders: list[Path]
    received: list[bytes]


def _copy_corpus(submissions: Path, values: dict[str, str], marker: str) -> None:
    submissions.mkdir()
    for notebook in sorted(ATTACKS.glob("*.ipynb")):
        text = notebook.read_text()
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        content = json.loads(text)
        content["metadata"]["grader_attack_run"] = marker  # finds its working folder later
        (submissions / notebook.name).write_text(json.dumps(content))


def _run(command: list[str], env: dict, log: Path) -> tuple[int | None, int]:
    """Run ``command`` to its end (or BATCH_TIMEOUT): its exit code and the peak RSS of its tree."""
    with log.open("w") as handle:
        process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + BATCH_TIMEOUT
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_maxrss * 1024
        if time.monotonic() > deadline:
            kill(descendants(process.pid))
            process.kill()
            process.wait()
            return None, 0
        time.sleep(0.2)


def _leftovers(before: set[int], marker: str, private_tmp: Path) -> list:
    """Processes that appeared during the batch and still run: this process's descendants, and
    processes of unprivileged users (such as a sandboxed kernel's) that show they are this run's:
    its marker in their environment, or its kernels' folder in their command line or as their
    working folder. Other users' processes on a shared machine are not counted."""
    table = process_table()
    mine = {process.pid for process in descendants(os.getpid(), table)}

    def ours(process) -> bool:
        try:
            cwd = os.readlink(f"/proc/{process.pid}/cwd")
        except OSError:
            cwd = ""
        return (marker.encode() in (environment(process.pid) or b"")
                or str(private_tmp) in process.command or cwd.startswith(str(private_tmp)))

    return [
        process for process in table.values()
        if process.pid not in before and process.state != "Z"
        and (process.pid in mine or (process.uid != 0 and ours(process)))
    ]


def _stray_folders(private_tmp: Path, started: float, marker: str) -> list[Path]:
    """Kernel working folders left behind: in this run's TMPDIR, or in /tmp with this run's mark."""
    stray = list(private_tmp.glob("grade-*"))
    for folder in Path("/tmp").glob("grade-*"):
        try:
            new = folder.stat().st_mtime >= started - 1
            marked = marker in (folder / "submission.ipynb").read_text()
        except OSError:
            new, marked = False, False
        if new and marked:
            stray.append(folder)
    return stray


def _junit_points(path: Path) -> dict[str, tuple[float, float, float]]:
    found = {}
    for suite in ET.parse(path).getroot().findall("testsuite"):
        points = dict.fromkeys(EXERCISES, 0.0)
        for case in suite.findall("testcase"):
            exercise = case.get("classname").rsplit(".", 1)[1]
            points[exercise] += float(case.find("properties/property[@name='points']").get("value"))
        found[suite.get("name")] = tuple(points[e] for e in EXERCISES)
    return found


def _printed_statuses(log: str) -> dict[str, str]:
    """Each submission's status, from the table ``grade`` prints when it is done."""
    lines = log.splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith("submission ")), None)
    statuses = {}
    for line in lines[header + 2:] if header is not None else []:
        if not line.strip():
            break
        parts = line.split()
        statuses[parts[0]] = " ".join(parts[5:])
    return statuses


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    folder = tmp_path_factory.mktemp("attacks")
    submissions, out = folder / "submissions", folder / "out"
    private_tmp = folder / "tmp" / "kernels"  # the kernels' TMPDIR; attack 3 writes two levels up
    private_tmp.mkdir(parents=True)
    marker = uuid.uuid4().hex
    listener = Listener()
    _copy_corpus(submissions, {
        "__GRADER_OUT__": str(out), "__GRADER_REPO__": str(ROOT),
        "__GRADER_SUBMISSIONS__": str(submissions), "__GRADER_PORT__": str(listener.port),
    }, marker)
    env = {**os.environ, "TMPDIR": str(private_tmp), "GRADER_ATTACK_RUN": marker,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "grader", str(submissions), "--out", str(out),
               "--junit", str(folder / "junit.xml"), *OPTIONS]
    before = set(process_table())
    started = time.time()
    try:
        with adopting_orphans():
            returncode, max_rss = _run(command, env, folder / "log.txt")
            seconds = time.time() - started
            for _ in range(25):  # a kernel killed at the end may take a moment to go
                leftovers = _leftovers(before, marker, private_tmp)
                if not leftovers:
                    break
                time.sleep(0.2)
            kill(leftovers)  # the test started them; say so below, and do not leave them
    finally:
        listener.close()
    rows = {}
    if (out / "grades.csv").exists():
        with open(out / "grades.csv", newline="") as handle:
            rows = {row["submission"]: row for row in csv.DictReader(handle)}
    records = {
        path.parent.name: json.loads(path.read_text()).get("extra_data", {}).get("grader", {})
        for path in out.glob("*/results.json")
    }
    junit = _junit_points(folder / "junit.xml") if (folder / "junit.xml").exists() else {}
    log = (folder / "log.txt").read_text()
    return Batch(returncode, seconds, max_rss, log, out, rows, records, junit,
                 _printed_statuses(log), leftovers, _stray_folders(private_tmp, started, marker),
                 listener.received)


def record_text(record: dict) -> str:
    """What the grader says about one notebook, a line per item, for the patterns of `says`:
    ``message: ...``, ``cell 3: error: MemoryError: ...``, ``convolve/output shape: ...``."""
    lines = [f"message: {record.get('message', '')}"]
    lines += [f"cell {cell['index']}: {cell['status']}: {cell['error']}"
              for cell in record.get("cell_failures", [])]
    lines += [f"{check['exercise']}/{check['name']}: {check['message']}"
              for exercise in record.get("exercises", []) for check in exercise["checks"]]
    return "\n".join(lines)


def test_every_attack_notebook_has_a_verdict_and_says_it():
    names = {path.stem for path in ATTACKS.glob("*.ipynb")}
    assert names == set(VERDICTS)
    for name in names:
        first = json.loads((ATTACKS / f"{name}.ipynb").read_text())["cells"][0]
        text = "".join(first["source"])
        assert first["cell_type"] == "markdown"
        assert "**Attack:**" in text and "**Verdict it must get:**" in text, name


def test_the_batch_finishes_and_exits_zero(batch):
    assert batch.returncode is not None, f"ran past {BATCH_TIMEOUT} s:\n{batch.log[-3000:]}"
    assert batch.returncode == 0, batch.log[-3000:]
    assert set(batch.junit) == set(VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_attack_gets_its_verdict(batch, name):
    verdict = VERDICTS[name]
    if verdict.sandboxed:
        require_sandbox(f"{name}'s verdict", f"it earned {batch.junit.get(name)}")
    # Points and status as the grader held them in memory: the JUnit report and the table
    # printed at the very end. The patterns of `says` are looked up in the notebook's
    # results.json (attack 4 forges two of those, which have none). Whether the output files
    # agree with the grader is the next test's business.
    record = batch.records[name]
    assert batch.junit[name] == verdict.points, record.get("message")
    assert batch.statuses[name] == verdict.status, record.get("message")
    text = record_text(record)
    for pattern in verdict.says:
        assert re.search(pattern, text, re.IGNORECASE), f"{pattern!r} not in:\n{text}"


def test_the_output_folder_holds_the_true_verdicts(batch):
    """Attack 4 forges grades.csv and results over its own and another student's, also from a
    process that outlives its kernel: the files must end as the grader's verdicts."""
    require_sandbox("Keeping the output folder out of the notebooks' reach")
    wrong = []
    for name, points in sorted(batch.junit.items()):
        row = batch.rows.get(name, {})
        if (tuple(float(row.get(e, -1)) for e in EXERCISES) != points
                or row.get("status") != batch.statuses.get(name)):
            true = (points, batch.statuses.get(name))
            wrong.append(f"grades.csv row {row or name} (true: {true})")
        results = json.loads((batch.out / name / "results.json").read_text())
        if results["score"] != sum(points) or "timings" not in results["extra_data"]["grader"]:
            wrong.append(f"{name}/results.json says {results['score']} (true {sum(points):g})")
        feedback = (batch.out / name / "feedback.md").read_text()
        if f"**Score: {sum(points):g} / 10**" not in feedback:
            wrong.append(f"{name}/feedback.md does not say {sum(points):g} / 10")
    assert wrong == []


def test_no_process_outlives_the_batch(batch):
    """Attacks 8 and 11 start processes, some in sessions of their own."""
    require_sandbox("Ending processes that left the kernel's session",
                    f"left running: {batch.leftover_processes}")
    assert batch.leftover_processes == [], "\n".join(map(str, batch.leftover_processes))


def test_no_kernel_working_folder_outlives_the_batch(batch):
    assert batch.leftover_folders == []


def test_no_process_of_the_batch_takes_unbounded_memory(batch):
    """Attack 10 prints 50 MB; attack 9 asks for 6 GB under a 4 GiB limit."""
    assert 0 < batch.max_rss < MEMORY_BOUND, f"{batch.max_rss / 2**20:.0f} MiB"


def test_no_notebook_reaches_the_network(batch):
    """Attack 13 connects to a port the test listens on, on this machine."""
    require_sandbox("Keeping the kernel off the network", f"the listener received {batch.received}")
    assert batch.received == []
