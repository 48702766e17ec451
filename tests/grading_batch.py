"""Grade a folder of notebooks with the real command, as an instructor would, and keep what it left.

``run_batch`` runs ``python -m grader`` (a worker process per job, a kernel per notebook) on
copies of the given notebooks, as this process's user or as another one, and returns a ``Batch``:
the verdicts the grader held in memory (the JUnit report and the table it prints at the end), the
output folder, and whatever it left: processes still running, kernel working folders, and data
that reached a TCP port the test listens on.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import socket
import subprocess
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from processes import adopting_orphans, descendants, environment, kill, process_table

EXERCISES = ("get_subimages", "convolve", "template_match")
BATCH_TIMEOUT = 300  # seconds; past it the batch counts as hung and is ended


@dataclass(frozen=True)
class Grader:
    """Who runs ``grade``, and how: the Python, the checkout it grades from, extra variables of
    its environment, and a user other than this process's (who must own ``folder``)."""

    python: str
    repo: Path
    env: dict[str, str] = field(default_factory=dict)
    user: pwd.struct_passwd | None = None


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


def _copy_notebooks(notebooks: list[Path], submissions: Path, values: dict[str, str],
                    marker: str) -> None:
    submissions.mkdir()
    for notebook in notebooks:
        text = notebook.read_text()
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        content = json.loads(text)
        content["metadata"]["grader_attack_run"] = marker  # finds its working folder later
        (submissions / notebook.name).write_text(json.dumps(content))


def _run(command: list[str], env: dict, log: Path, grader: Grader) -> tuple[int | None, int]:
    """Run ``command`` to its end (or BATCH_TIMEOUT): its exit code and the peak RSS of its tree."""
    user = grader.user
    as_user = dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[]) if user else {}
    with log.open("w") as handle:
        process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=grader.repo, **as_user)
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


def run_batch(folder: Path, notebooks: list[Path], grader: Grader, options: list[str],
              values: dict[str, str] | None = None) -> Batch:
    """Grade copies of ``notebooks`` (placeholders replaced, see the attacks' ``generate.py``)
    with ``options``, in ``folder``: a fresh folder ``grader.user``, if given, owns."""
    submissions, out = folder / "submissions", folder / "out"
    private_tmp = folder / "tmp" / "kernels"  # the kernels' TMPDIR; attack 3 writes two levels up
    private_tmp.mkdir(parents=True)
    marker = uuid.uuid4().hex
    listener = Listener()
    _copy_notebooks(notebooks, submissions, {
        "__GRADER_OUT__": str(out), "__GRADER_REPO__": str(grader.repo),
        "__GRADER_SUBMISSIONS__": str(submissions), "__GRADER_PORT__": str(listener.port),
        **(values or {}),
    }, marker)
    if grader.user:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, grader.user.pw_uid, grader.user.pw_gid)
    env = {**os.environ, "TMPDIR": str(private_tmp), "GRADER_ATTACK_RUN": marker,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(grader.repo),
                                                       os.environ.get("PYTHONPATH")])),
           **grader.env}
    command = [grader.python, "-m", "grader", str(submissions), "--out", str(out),
               "--junit", str(folder / "junit.xml"), *options]
    before = set(process_table())
    started = time.time()
    try:
        with adopting_orphans():
            returncode, max_rss = _run(command, env, folder / "log.txt", grader)
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
