"""What runs on a Dask cluster's workers: their facts, checked against the client's, and grading.

A worker grades only if it would grade as the client does. It reports its ``Facts``: the parts of
the run key (grader code, assignment, reference, versions; see ``cache.key_parts``), whether
kernels can run in the sandbox there, and what makes a worker unfit to grade (more than one
thread, since grading one submission takes a process of its own; Dask's profiler on a Python
where it can deadlock the worker; no ``prlimit``, without which a kernel's limits would be set
by Python code between fork and exec, which can deadlock a process with threads). The client
asks every worker before it submits anything (see ``cluster``), and every task asks again where
it runs, so a worker that joins later is held to the same. A worker that differs grades
nothing: the task returns a ``Refusal``.

The student's own files a task carries are written to a folder of the task's own, from which they
are copied beside the notebook as in local grading (see ``kernel.own_files``). That folder,
kernels' working folders, and the jupyter files of kernels outside the sandbox, go under the
worker's own local directory: if the worker is killed, the next worker started there removes
them with the rest of that directory.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import socket
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..intake.discover import Submission
from ..kernel.limits import Limits, command_prefix
from ..kernel.own_files import OwnFiles
from ..kernel.sandbox import unavailable_because
from ..model.results import SubmissionResult
from ..model.settings import Settings
from .batch import cached_assignment_and_oracle, grade_one
from .cache import grader_code, key_parts
from .connect import PROFILE_OFF


@dataclass(frozen=True)
class Facts:
    """What a process would grade with, as far as grading the same way goes."""

    key: dict[str, str]  # the run key's parts, by name (see ``cache.key_parts``)
    sandbox: str  # why kernels cannot run in the sandbox there, or "" if they can
    python: str
    host: str
    threads: int = 1  # tasks the worker runs at once
    profiling: bool = False  # Dask's statistical profiler samples the worker's threads
    prlimit: bool = True  # kernels' limits are set by the prlimit command (see ``limits``)


@dataclass(frozen=True)
class Job:
    """What every task of one run shares: what to grade with, and the facts to match."""

    assignment: str  # by name: each worker loads its own copy
    exercises: tuple[str, ...]
    settings: Settings
    use_reference: bool
    expected: Facts  # the client's run key, and whether the workers' kernels run in the sandbox


@dataclass(frozen=True)
class Refusal:
    """A worker that would grade differently, and how."""

    worker: str
    problems: tuple[str, ...]


def profiler_can_deadlock(python: str) -> bool:
    """Whether Dask's profiler can deadlock a worker on this Python: 3.11 before 3.11.9
    (CPython gh-106883, distributed#8616)."""
    version = tuple(int(part) for part in python.split(".")[:3] if part.isdigit())
    return (3, 11) <= version < (3, 11, 9)


SHOWN_PARTS = ("versions", "source of expected outputs")  # readable; the other parts are digests
SINGULAR_PARTS = ("grader code", "source of expected outputs")


def problems(expected: Facts, found: Facts, sandbox_mode: str) -> list[str]:
    """How a worker with ``found`` facts would grade otherwise than ``expected``, as clauses."""
    said = []
    for part, value in expected.key.items():
        theirs = found.key.get(part)
        if theirs != value:
            verb = "differs" if part in SINGULAR_PARTS else "differ"
            shown = f" ({theirs} there, {value} here)" if part in SHOWN_PARTS else ""
            said.append(f"its {part} {verb}{shown}")
    if sandbox_mode == "on" and found.sandbox:
        said.append(f"--sandbox on, but {found.sandbox}")
    elif sandbox_mode == "auto" and bool(found.sandbox) != bool(expected.sandbox):
        said.append(
            f"kernels cannot run in the sandbox there ({found.sandbox}), but can on the other "
            "workers" if found.sandbox else
            "kernels can run in the sandbox there, but not on the other workers"
        )
    if found.threads > 1:
        said.append(f"it has {found.threads} threads; grading needs one per worker process "
                    "(dask worker --nthreads 1 --nworkers N)")
    if not found.prlimit:
        said.append("`prlimit` is not installed there (util-linux), and setting a kernel's "
                    "limits without it can deadlock a worker")
    if found.profiling and profiler_can_deadlock(found.python):
        said.append(f"Dask's profiler can deadlock it on Python {found.python}: start it with "
                    f"{PROFILE_OFF}, or use Python 3.11.9 or newer")
    return said


@cache
def _facts(assignment: str, exercises: tuple[str, ...], settings: Settings,
           use_reference: bool) -> Facts:
    loaded, oracle = cached_assignment_and_oracle(assignment, exercises, use_reference)
    return Facts(key_parts(loaded, settings, oracle.mode), unavailable_because(),
                 platform.python_version(), socket.gethostname(),
                 prlimit=bool(command_prefix(Limits.from_settings(settings))))


def facts_here(assignment: str, exercises: tuple[str, ...], settings: Settings,
               use_reference: bool, dask_worker=None) -> Facts:
    """This process's facts; on a worker (``client.run`` passes ``dask_worker``), with its
    threads and whether its profiler runs."""
    if dask_worker is not None:
        _own_random_for_dask()
    facts = _facts(assignment, exercises, settings, use_reference)
    if dask_worker is None:
        return facts
    return dataclasses.replace(facts, threads=dask_worker.state.nthreads,
                               profiling="profile" in dask_worker.periodic_callbacks)


# Modules of Dask that draw from the global ``random`` module in the worker's event-loop thread:
# ``sizeof`` samples long lists each time the heartbeat measures a message, and the comms add
# jitter to their retries. Hypothesis takes any change of that state during one of its draws (of
# the inputs, here in the task's thread) for a strategy's own use of ``random``, and says so
# with a HypothesisDeprecationWarning; locally no other thread draws from it.
DASK_MODULES_DRAWING = ("dask.sizeof", "distributed.utils_comm", "distributed.comm.core")


@cache
def _own_random_for_dask() -> None:
    """Give the Dask modules that draw from the global ``random`` a generator of their own."""
    import importlib
    import random

    for name in DASK_MODULES_DRAWING:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "random", None) is random:
            vars(module)["random"] = random.Random()


@cache
def _use_local_directory(directory: str) -> None:
    """Make temporary files of this process, and of kernels it starts, go under ``directory``."""
    folder = Path(directory) / "grader"
    (folder / "jupyter-runtime").mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(folder)
    os.environ["TMPDIR"] = str(folder)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(folder / "jupyter-runtime")


def grade_here(job: Job, submission: Submission) -> SubmissionResult | Refusal:
    """The task: grade ``submission`` (its bytes travel with it) on this worker, if it is fit."""
    from distributed import get_worker

    worker = get_worker()
    _own_random_for_dask()
    found = facts_here(job.assignment, job.exercises, job.settings, job.use_reference, worker)
    said = problems(job.expected, found, job.settings.sandbox)
    if said:
        return Refusal(f"{worker.address} on {found.host}", tuple(said))
    _use_local_directory(worker.local_directory)
    with tempfile.TemporaryDirectory(prefix="own-files-") as folder:
        submission = unpacked(submission, Path(folder))
        return grade_one(job.assignment, job.exercises, submission, job.settings,
                         job.use_reference)


def unpacked(submission: Submission, folder: Path) -> Submission:
    """The submission with the own files it carries written into ``folder``, for its kernel."""
    if submission.carried is None:
        return submission
    for relative, content in submission.carried.files:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(content)
    files = tuple((folder / relative, relative) for relative, _ in submission.carried.files)
    own = OwnFiles(files, submission.carried.left_out)
    return dataclasses.replace(submission, carried=None, own=own)


def prepare_scheduler(dask_scheduler=None) -> str:
    """Run on the scheduler: a notebook that kills its worker is tried on one more worker only,
    and each worker holds only the task it runs, so one killed worker costs no other submission
    a try. Returns the digest of the grader code there."""
    dask_scheduler.allowed_failures = 1
    saturation = dask_scheduler.WORKER_SATURATION
    if saturation != float("inf"):  # queuing is on: keep queued tasks on the scheduler
        dask_scheduler.WORKER_SATURATION = min(saturation, 1.0)
    return grader_code()

