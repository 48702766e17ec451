"""Grade many submissions on a Dask cluster: check its workers, then keep them busy.

This process, the client, keeps everything that lasts: the cache, the gradebook, the feedback
and the progress (``on_result`` writes them, as with the local pool in ``batch``). Each task
carries one submission's bytes to a worker, its notebook's and those of the student's own files
beside it (see ``kernel.own_files``), so the workers need no view of the submissions' folder, and
brings back its small result record.

- Nothing is submitted until every worker has said it grades as this client would (see
  ``workers``): the same run key, part by part, and the same sandbox status; each task checks
  again on the worker that runs it, for workers that join later. A worker that differs stops
  the run with a ``ClusterError`` that says how it differs.
- About twice as many tasks as the cluster has threads are in flight; the rest wait here, so
  the scheduler never holds the whole batch.
- A task whose worker dies is tried on one more worker (see ``workers.prepare_scheduler``); if
  that one dies too, the submission is a grader error, which is not kept, and the batch goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import platform
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from ..intake.discover import Carried, Submission
from ..kernel.own_files import own_files
from ..model.assignment import Assignment
from ..model.errors import ClusterError
from ..model.results import Mode, SubmissionResult
from ..model.settings import Settings
from .batch import grade_one, grader_error
from .cache import grader_code, key_parts
from .connect import Cluster
from .workers import Facts, Job, Refusal, facts_here, grade_here, prepare_scheduler, problems

if TYPE_CHECKING:
    from distributed import Future

FIX = ("Install the same grader, assignments and packages on every machine of the cluster as "
       "here, and start the workers as the README says ('Grading on a cluster').")


def check_cluster(cluster: Cluster, assignment: Assignment, settings: Settings, mode: Mode,
                  use_reference: bool) -> Facts:
    """The facts every worker must match, once the scheduler is set up and the workers present
    have been asked; refused with every difference found."""
    client = cluster.client
    try:
        scheduler_code = client.run_on_scheduler(prepare_scheduler)
    except Exception as error:
        raise ClusterError(f"the Dask scheduler at {cluster.record['scheduler']} cannot run the "
                           f"grader ({type(error).__name__}: {error}). {FIX}") from None
    if scheduler_code != grader_code():
        raise ClusterError(f"the Dask scheduler at {cluster.record['scheduler']} has other "
                           f"grader code than this client. {FIX}")
    exercises = tuple(exercise.name for exercise in assignment.exercises)
    found = client.run(facts_here, assignment.name, exercises, settings, use_reference,
                       on_error="return")
    said = [f"worker {address}: cannot run the grader ({value})"
            for address, value in sorted(found.items()) if isinstance(value, BaseException)]
    facts = {address: value for address, value in sorted(found.items())
             if isinstance(value, Facts)}
    sandboxed = settings.sandbox != "auto" or any(not value.sandbox for value in facts.values())
    expected = Facts(
        key_parts(assignment, settings, mode),
        "" if sandboxed or not facts else next(iter(facts.values())).sandbox,
        platform.python_version(), socket.gethostname(),
    )
    for address, value in facts.items():
        differences = problems(expected, value, settings.sandbox)
        if differences:
            said.append(f"worker {address} on {value.host}: {'; '.join(differences)}")
    if said:
        lines = "\n".join(f"  {line}" for line in said)
        raise ClusterError(f"the cluster cannot grade as this client would, so nothing was "
                           f"graded:\n{lines}\n{FIX}")
    threads = sum(value.threads for value in facts.values())
    cluster.record.update({"workers": len(facts), "threads": threads})
    return expected


def grade_on_cluster(
    cluster: Cluster,
    assignment: Assignment,
    submissions: Sequence[Submission],
    settings: Settings,
    expected: Facts,
    on_result: Callable[[SubmissionResult], None] = lambda result: None,
    use_reference: bool = True,
) -> list[SubmissionResult]:
    """Grade every submission on ``cluster``, calling ``on_result`` as each one finishes."""
    exercises = tuple(exercise.name for exercise in assignment.exercises)
    job = Job(assignment.name, exercises, settings, use_reference, expected)
    results = []
    for result in _results(cluster.client, job, assignment, submissions):
        on_result(result)
        results.append(result)
    return results


class _Room:
    """How many tasks to keep in flight: twice the cluster's threads, counted once a second."""

    def __init__(self, client, every: float = 1.0):
        self.client, self.every = client, every
        self.counted, self.size = -every, 2

    def __call__(self) -> int:
        if time.monotonic() - self.counted >= self.every:
            self.size = max(2 * sum(self.client.nthreads().values()), 2)
            self.counted = time.monotonic()
        return self.size


def _with_content(submission: Submission) -> Submission | None:
    """The submission with its notebook's bytes and its own files', or None if it needs no
    worker (no file to read)."""
    if submission.problem:
        return None
    own = own_files(submission.folder, submission.path)
    try:
        carried = Carried(tuple((relative, source.read_bytes()) for source, relative in own.files),
                          own.left_out)
        return dataclasses.replace(submission, content=submission.path.read_bytes(),
                                   carried=carried)
    except OSError:
        return None


def _results(client, job: Job, assignment: Assignment,
             submissions: Sequence[Submission]) -> Iterator[SubmissionResult]:
    from distributed import as_completed

    flying: dict[Future, Submission] = {}
    todo, done, room = deque(submissions), as_completed(loop=client.loop), _Room(client)
    while todo or flying:
        while todo and len(flying) < room():
            submission = todo.popleft()
            sent = _with_content(submission)
            if sent is None:  # unreadable here: graded as such without a kernel
                yield grade_one(job.assignment, job.exercises, submission, job.settings,
                                job.use_reference)
                continue
            future = client.submit(grade_here, job, sent, pure=False)
            flying[future] = submission
            done.add(future)
        if flying:
            future = next(done)
            yield _outcome(client, future, flying.pop(future), assignment)


def _outcome(client, future, submission: Submission, assignment: Assignment) -> SubmissionResult:
    from distributed import KilledWorker

    try:
        value = future.result()
    except KilledWorker:
        return grader_error(assignment, submission, "the Dask workers grading it died twice")
    except (Exception, asyncio.CancelledError) as error:
        if client.status != "running":
            raise ClusterError(
                f"lost the Dask scheduler ({type(error).__name__}: {error}); the results graded "
                "so far are kept: run again to grade the rest"
            ) from None
        return grader_error(assignment, submission, f"{type(error).__name__}: {error}")
    if isinstance(value, Refusal):
        raise ClusterError(
            f"worker {value.worker} cannot grade as this client would: "
            f"{'; '.join(value.problems)}. {FIX} The results graded so far are kept."
        )
    return value
