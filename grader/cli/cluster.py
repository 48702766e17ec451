"""``grade --cluster TARGET``: grading on a Dask cluster, from the command line's side.

The cluster is reached (or started) only when a submission needs a kernel, so that grading a
folder again in which nothing changed submits nothing and starts no jobs; once reached, it serves
every lesson of the run, each checked on the workers before its submissions are sent.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack

from ..grading import batch
from ..grading.cluster import check_cluster, grade_on_cluster
from ..grading.connect import TARGETS, Cluster, Target, connect, waiting_line
from ..intake.discover import Submission
from ..judge.oracle import Oracle
from ..model.assignment import Assignment
from ..model.settings import Settings
from .options import sandbox_line

Grade = Callable[[list[Submission], Callable], dict]  # grades, and says how, for summary.json


def add_cluster_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cluster", default=None, metavar="TARGET",
        help=f"grade on a Dask cluster instead of here: {TARGETS} (through dask-jobqueue, as "
        "Dask's configuration says). Needs pip install -e \".[cluster]\" (\".[hpc]\" for the "
        "batch systems); see the README, 'Grading on a cluster'",
    )


class ClusterLink:
    """The run's one connection to ``target``, made when a submission first needs a kernel and
    kept for every lesson of the run; ``stack`` disconnects (and stops what was started)."""

    def __init__(self, stack: ExitStack, target: Target):
        self.stack, self.target = stack, target
        self.cluster: Cluster | None = None

    def __call__(self) -> Cluster:
        if self.cluster is None:
            cluster = self.stack.enter_context(connect(self.target))
            if not cluster.client.nthreads():
                print(waiting_line(cluster), file=sys.stderr)
                cluster.client.wait_for_workers(1)
            self.cluster = cluster
        return self.cluster


def grading_on(link: ClusterLink, assignment: Assignment, settings: Settings, oracle: Oracle,
               pending: list[Submission]) -> Grade:
    """How to grade ``pending`` on the cluster ``link`` reaches: connected (if not yet) and
    checked for this lesson now, with the run's lines said, if any of them needs a kernel."""
    use_reference = oracle.mode == "reference"
    cluster, expected = None, None
    if any(not submission.problem for submission in pending):
        cluster = link()
        expected = check_cluster(cluster, assignment, settings, oracle.mode, use_reference)
        print(f"On {cluster.described}: {cluster.record['workers']} worker(s) with "
              f"{cluster.record['threads']} thread(s) in all.", file=sys.stderr)
        print(sandbox_line(settings, expected.sandbox, " on the workers"), file=sys.stderr)

    def grade(submissions: list[Submission], on_result: Callable) -> dict:
        if cluster:  # it grades here what needs no kernel, such as a folder of two notebooks
            grade_on_cluster(cluster, assignment, submissions, settings, expected, on_result,
                             use_reference)
        else:  # none needs a kernel
            batch.grade_all(assignment, submissions, settings, 1, on_result, use_reference)
        return {"jobs": None,
                "cluster": dict(cluster.record) if cluster
                else {"target": link.target.text, "workers": 0}}

    return grade
