"""Reach the Dask cluster that ``--cluster TARGET`` names, starting it first if the grader makes it.

A target is a scheduler's address (``tcp://host:8786``) or the scheduler file it wrote
(``scheduler.json``); ``local[:N]``, a cluster of N worker processes on this machine (one per
core by default); or ``slurm``, ``pbs``, ``sge`` or ``lsf`` with ``[:N]`` workers, jobs that
dask-jobqueue submits as configured in Dask's configuration (``~/.config/dask/jobqueue.yaml``).

Every worker the grader starts runs one task at a time (a submission needs a process of its
own), with Dask's profiler off (on Python 3.11 before 3.11.9 it can deadlock a worker). Dask is
an optional extra: it is imported only here and only when a cluster is asked for.
"""

from __future__ import annotations

import copy
import importlib
import logging
import os
import re
import shlex
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeGuard

from ..model.errors import ClusterError, UsageError

if TYPE_CHECKING:
    from distributed import Client

JOBQUEUES = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster"}
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}
PROFILE_OFF = "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False"  # in a worker's environment
CONNECT_TIMEOUT = "30s"
TARGETS = ("a scheduler address (tcp://host:8786), a scheduler file (scheduler.json), local[:N], "
           "or slurm, pbs, sge or lsf[:N]")


StartedHere = Literal["local", "slurm", "pbs", "sge", "lsf"]  # the clusters the grader starts


def _started_here(name: str) -> TypeGuard[StartedHere]:
    return name == "local" or name in JOBQUEUES


@dataclass(frozen=True)
class Target:
    """Where ``--cluster`` says to grade."""

    kind: Literal["scheduler", "scheduler file", StartedHere]
    where: str = ""  # the address, or the scheduler file
    workers: int | None = None  # for the clusters the grader starts
    text: str = ""  # as given


@dataclass
class Cluster:
    """A connected client, and what to tell the user about the cluster behind it."""

    client: Client
    target: Target
    described: str  # "a local Dask cluster"
    record: dict = field(default_factory=dict)  # for summary.json


def parse_target(text: str) -> Target:
    """The target ``text`` names; refused with the accepted forms if it names none."""
    if "://" in text:
        return Target("scheduler", text, text=text)
    name, colon, count = text.partition(":")
    if _started_here(name):
        workers = None
        if colon:
            if not count.isdigit() or int(count) < 1:
                raise UsageError(f"--cluster {text}: the number of workers after {name}: must be "
                                 f"a whole number of at least 1, as in {name}:4")
            workers = int(count)
        return Target(name, workers=workers, text=text)
    if text.endswith(".json") or Path(text).is_file():
        if not Path(text).is_file():
            raise UsageError(f"--cluster {text}: no such scheduler file (`dask scheduler "
                             "--scheduler-file FILE` writes it)")
        return Target("scheduler file", text, text=text)
    hint = f"; did you mean tcp://{text}?" if re.fullmatch(r"[\w.-]+:\d+", text) else ""
    raise UsageError(f"--cluster takes {TARGETS}, not {text!r}{hint}")


def _require(module: str, extra: str):
    try:
        return importlib.import_module(module)
    except ImportError as error:
        why = ("is not installed here" if error.name == module
               else f"cannot be imported here ({error})")
        raise UsageError(
            f'--cluster needs the {module} package, which {why}: pip install -e ".[{extra}]"'
        ) from None


@contextmanager
def connect(target: Target) -> Iterator[Cluster]:
    """A client connected to ``target``'s cluster, started first if the grader makes it;
    whatever was started is stopped when the block ends."""
    distributed = _require("distributed", "cluster")
    with ExitStack() as stack:
        if target.kind == "local":
            workers = target.workers or os.cpu_count() or 1
            scheduler = stack.enter_context(local_cluster(workers))
            described = "a local Dask cluster"
        elif target.kind in JOBQUEUES:
            scheduler = stack.enter_context(jobqueue_cluster(target))
            _submit_jobs(scheduler, target)
            described = f"{target.kind} jobs through dask-jobqueue"
        else:
            scheduler, described = target.where, ""
        try:
            keywords = ({"scheduler_file": target.where} if target.kind == "scheduler file"
                        else {"address": scheduler})
            client = stack.enter_context(
                distributed.Client(timeout=CONNECT_TIMEOUT, set_as_default=False, **keywords)
            )
        except (OSError, ValueError) as error:
            raise ClusterError(
                f"cannot reach the Dask scheduler of --cluster {target.text}: {error}. Check that "
                "`dask scheduler` runs there and this machine can reach it."
            ) from None
        described = described or f"the Dask cluster at {client.scheduler.address}"
        yield Cluster(client, target, described, {
            "target": target.text, "scheduler": client.scheduler.address,
        })


def local_cluster(workers: int):
    """A cluster of ``workers`` worker processes on this machine, fit to grade."""
    distributed = _require("distributed", "cluster")
    dask = importlib.import_module("dask")
    # A nanny starts its worker again with the config it was given: a whole copy, since one
    # that shares Dask's (as a `dask.config.set` block does) would lose the change after it.
    config = copy.deepcopy(dask.config.config)
    dask.config.set(WORKER_CONFIG, config=config)  # sets it in the copy
    return distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, config=config,
        dashboard_address=":0",  # any free port: a busy one would only warn
        silence_logs=logging.CRITICAL,  # its log names tasks by id; the results say more
    )


def jobqueue_cluster(target: Target):
    """A scheduler here for workers in batch jobs, as Dask's jobqueue configuration says, one
    worker process per core; no job is submitted until it is scaled."""
    jobqueue = _require("dask_jobqueue", "hpc")
    dask = importlib.import_module("dask")
    config = f"jobqueue.{target.kind}"
    cores = dask.config.get(f"{config}.cores", None)
    if not cores:
        raise UsageError(
            f"--cluster {target.text}: say what a job is in Dask's configuration first: "
            f"{config}.cores and .memory, and the queue, in ~/.config/dask/jobqueue.yaml (see "
            "the README, 'Grading on a cluster')"
        )
    prologue = dask.config.get(f"{config}.job-script-prologue", None) or []
    scheduler = dask.config.get(f"{config}.scheduler-options", None) or {}
    try:
        cluster = getattr(jobqueue, JOBQUEUES[target.kind])(
            processes=cores,  # one worker process per core, each grading one submission
            job_script_prologue=[*prologue, f"export {PROFILE_OFF}"],
            scheduler_options={"dashboard_address": ":0", **scheduler},
        )
    except ValueError as error:
        raise UsageError(f"--cluster {target.text}: {error}") from None
    return cluster


def _submit_jobs(cluster, target: Target) -> None:
    """Ask the batch system for the workers ``target`` names (one job's worth by default)."""
    submit = shlex.split(cluster.job_cls.submit_command)[0]
    if not shutil.which(submit):
        raise UsageError(f"--cluster {target.text}: `{submit}` is not found here; run grade "
                         "where jobs can be submitted, such as a login node")
    if target.workers:
        cluster.scale(target.workers)
    else:
        cluster.scale(jobs=1)


def waiting_line(cluster: Cluster) -> str:
    """What to say while no worker has joined yet."""
    queued = " (its jobs may wait in the queue)" if cluster.target.kind in JOBQUEUES else ""
    return f"Waiting for the first worker to join {cluster.described}{queued}..."

