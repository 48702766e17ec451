"""Grading on a Dask cluster against the local pool, and what each task costs the client and the
scheduler: how many workers they can keep busy.

    python bench/cluster.py --copies 8            # throughput: --jobs 2 against 2 Dask workers
    python bench/cluster.py --tasks 500 2000      # the cost of one task, and what it allows

Throughput: K copies of the solved notebook are graded (in full, or with --defs-only) three
ways, each into a fresh folder: with ``--jobs 2``; with ``--cluster local:2`` (the grader starts
the cluster, and that time counts); and with ``--cluster scheduler.json``, a ``dask scheduler``
and two ``dask worker`` processes started beforehand, as on a lab's machines. The ways take
turns for a few rounds. It prints wall time, notebooks per minute and the ratio to ``--jobs 2``
(target: at most 1.10), and the CPU time each way used in all, which the load of other
programs on the machine does not change as it changes wall time.

The cost of one task: N submissions that need no kernel (files whose JSON has no list of cells)
are graded on a scheduler and two workers. Each goes every step a notebook's task goes but the
kernel: read and hashed by the client, sent, checked and read by a worker, its record sent back,
then its files, the gradebook, the cache and the progress written by the client. The CPU time of
the grade process (the client), of the scheduler and of the workers, divided by N, is what one
task costs each. With the time a worker takes per notebook (measured by the throughput run, or
--seconds-per-notebook), that says how busy the client and the scheduler are at 100 workers,
and at how many workers each would be busy all the time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import bench
from bench import ROOT, SOLVED, Watch, _children, _copies, _environment, _tree

TARGET = 1.10  # the cluster's wall time at most this many times the local pool's
TICK = os.sysconf("SC_CLK_TCK")
BIN = Path(sys.executable).parent


class CPUWatch(Watch):
    """Adds up, for each root, the CPU time of every process under it while it watches: each
    one's own time as last seen, sampled every tenth of a second, less what it had used when
    the watch began. A sandboxed kernel is killed with its sandbox and never waited for, so the
    time of the processes a run waited for (getrusage) would leave the kernels out.

    The roots are the grade process and the processes ``also`` (a scheduler, its workers)."""

    def __init__(self, roots, also: list[int] = (), every: float = 0.1):
        super().__init__(lambda: [*roots(), *also], every)
        self.first: dict[tuple[int, int, str], int] = {}  # (root, pid, start time) -> ticks
        self.last: dict[tuple[int, int, str], int] = {}

    def __enter__(self):
        self.pids = list(self.roots())
        self.sample(_children(), into=self.first)
        return super().__enter__()

    def __exit__(self, *exc_info):
        super().__exit__(*exc_info)
        self.sample(_children())

    def sample(self, children, into=None):
        for root in self.pids:
            for pid in _tree(root, children):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                key = (root, pid, fields[19])  # a pid and its start time: one process
                (self.last if into is None else into)[key] = int(fields[11]) + int(fields[12])

    def seconds(self) -> list[float]:
        """CPU seconds under each root, in the order of the roots."""
        return [sum(ticks - self.first.get(key, 0) for key, ticks in self.last.items()
                    if key[0] == root) / TICK for root in self.pids]


@contextmanager
def dask_cluster(work: Path, workers: int = 2):
    """A ``dask scheduler`` and ``workers`` single-threaded ``dask worker`` processes, as the
    README starts them; yields the scheduler file and the PIDs, and stops them by PID."""
    from distributed import Client

    environment = _environment(DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED="False")
    scheduler_file = work / "scheduler.json"
    commands = [[str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                 "--dashboard-address", ":0", "--scheduler-file", str(scheduler_file)]]
    commands += [[str(BIN / "dask"), "worker", "--scheduler-file", str(scheduler_file),
                  "--nthreads", "1", "--no-dashboard", "--local-directory", str(work / f"w{n}")]
                 for n in range(workers)]
    processes, logs = [], []
    work.mkdir(parents=True, exist_ok=True)
    try:
        for command in commands:
            logs.append(open(work / f"{command[1]}{len(processes)}.log", "w"))  # noqa: SIM115, closed below
            processes.append(subprocess.Popen(command, env=environment, stdout=logs[-1],
                                              stderr=logs[-1]))
            while not scheduler_file.exists():
                time.sleep(0.1)
        with Client(scheduler_file=str(scheduler_file)) as client:
            client.wait_for_workers(workers, timeout=120)
        yield scheduler_file, [process.pid for process in processes]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        for log in logs:
            log.close()


def run_grade(folder: Path, out: Path, *options: str, also: list[int] = ()) -> tuple:
    """One ``grade`` run: (wall seconds, CPU seconds of it and every process under it, then of
    each of the processes ``also`` and those under them; total and status by submission)."""
    wall, scores, watch = bench.run_grade(folder, out, None, *options, watch=CPUWatch, also=also)
    return wall, watch.seconds(), scores


def throughput(copies: int, options: list[str], repeat: int, work: Path) -> float:
    """Prints the three ways' wall and CPU times; returns the seconds a worker took per notebook.

    The ways take turns, ``repeat`` rounds, so that a change in the machine's load meets them
    alike. The CPU time is that of every process the way used (grade, its workers, the
    scheduler, the kernels), which other programs' load changes less than wall time.
    """
    submissions = _copies(work / "submissions", SOLVED, copies, data=False)
    print(f"Throughput: {copies} copies of {SOLVED.relative_to(ROOT)} {' '.join(options)}, "
          f"on {os.cpu_count()} cores, {repeat} round(s)", flush=True)
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    with dask_cluster(work / "cluster") as (scheduler_file, pids):
        ways = (("--jobs 2", ["--jobs", "2"]), ("--cluster local:2", ["--cluster", "local:2"]),
                ("--cluster scheduler.json", ["--cluster", str(scheduler_file)]))
        for round_ in range(repeat):
            for label, how in ways:
                out = work / f"{label.replace(' ', '_').replace(':', '')}{round_}"
                also = pids if "json" in label else []  # the scheduler and the workers
                wall, used, scores = run_grade(submissions, out, *how, *options, also=also)
                cpu = sum(used)
                wrong = {name: score for name, score in scores.items() if score != ("10", "graded")}
                if len(scores) != copies or wrong:
                    sys.exit(f"{label} did not give every copy full marks: {wrong}")
                walls.setdefault(label, []).append(wall)
                cpus.setdefault(label, []).append(cpu)
    print(f"\n{'':28}" + "".join(f"{f'round {n + 1} s':>11}" for n in range(repeat))
          + f"{'ratio':>8}{'CPU s':>8}{'ratio':>8}")
    base, base_cpu = walls["--jobs 2"], cpus["--jobs 2"]
    ratios = {}
    for label, _ in ways:
        # Each round's ratio to --jobs 2 in the same round: a slow drift in load cancels out.
        ratios[label] = statistics.median(w / b for w, b in zip(walls[label], base))
        cpu = statistics.median(cpus[label])
        print(f"{label:28}" + "".join(f"{wall:11.1f}" for wall in walls[label])
              + f"{ratios[label]:8.2f}{cpu:8.1f}{cpu / statistics.median(base_cpu):8.2f}")
    print("(ratio: to --jobs 2, the median over rounds; CPU: of every process the way used)")
    for label, _ in ways[1:]:
        print(f"{label} takes {ratios[label]:.2f} x the wall time of --jobs 2 (target: at most "
              f"{TARGET:.2f} x): {'met' if ratios[label] <= TARGET else 'NOT met'}")
    fastest = min(base)
    return fastest * 2 / copies


def task_cost(counts: list[int], seconds_per_notebook: float, work: Path) -> None:
    """Prints what one task costs the client, the scheduler and the workers, and what follows.

    Each run also pays once for starting, connecting and checking the workers; the cost of one
    task more is the difference between the largest and the smallest run, over their tasks.
    """
    print("\nThe cost of one task: submissions that need no kernel, on a scheduler and 2 "
          "workers", flush=True)
    print(f"\n{'tasks':>7}{'wall s':>9}{'client CPU s':>14}{'scheduler CPU s':>17}"
          f"{'workers CPU s':>15}{'--jobs 2 wall s':>17}")
    runs = []
    for count in sorted(set(counts)):
        folder = work / f"tiny{count}"
        folder.mkdir()
        for number in range(count):
            (folder / f"s{number:05d}.ipynb").write_text('{"cells": null}')
        with dask_cluster(work / f"cluster{count}") as (scheduler_file, pids):
            wall, (client, *used), scores = run_grade(folder, work / f"out{count}", "--cluster",
                                                      str(scheduler_file), also=pids)
        if {status for _, status in scores.values()} != {"unreadable"}:
            sys.exit("a submission without cells was not graded as unreadable")
        local_wall, _, _ = run_grade(folder, work / f"local{count}", "--jobs", "2")
        runs.append((count, wall, client, used[0], sum(used[1:])))
        print(f"{count:7d}{wall:9.1f}{client:14.2f}{used[0]:17.2f}{sum(used[1:]):15.2f}"
              f"{local_wall:17.1f}")
    if len(runs) < 2:
        print("Give two counts (--tasks 200 1000) for the cost of one task more.")
        return
    (small, *low), (large, *high) = runs[0], runs[-1]
    wall, client, scheduler, workers = ((b - a) / (large - small) for a, b in zip(low, high))
    print(f"\nOne task more costs {wall * 1000:.1f} ms of wall time with 2 workers, and CPU: the "
          f"client {client * 1000:.1f} ms, the scheduler {scheduler * 1000:.2f} ms, the workers "
          f"{workers * 1000:.1f} ms.")
    rate = 100 / seconds_per_notebook
    print(f"A worker takes {seconds_per_notebook:.1f} s per notebook, so 100 workers finish "
          f"{rate:.1f} notebooks a second; then the client is busy {rate * client:.0%} of the "
          f"time and the scheduler {rate * scheduler:.1%}. The client would be busy all the "
          f"time at about {seconds_per_notebook / client:.0f} workers, the scheduler at about "
          f"{seconds_per_notebook / scheduler:.0f}.")


def recording_cost(counts: list[int], work: Path) -> None:
    """Prints the client's CPU time per result for what it writes as each result comes in (its
    files, the gradebook, the cache entry, the progress line), by the size of the batch."""
    sys.path.insert(0, str(ROOT))
    from grader import load_assignment
    from grader.course import Recorder
    from grader.gradebook.roster import read_roster
    from grader.gradebook.store import Gradebook
    from grader.gradebook.views import LessonBook
    from grader.grading.cache import ResultCache
    from grader.intake.discover import Submission
    from grader.judge.exercises import all_not_checked
    from grader.model.results import SubmissionResult
    from grader.output.progress import Progress

    assignment = load_assignment("convolutions")
    exercises = all_not_checked(assignment, "not checked")
    print("\nWhat the client writes per result, by the size of the batch (no cluster)")
    print(f"\n{'results':>9}{'CPU ms per result':>19}{'in the last tenth':>19}")
    for count in counts:
        out = work / f"recorded{count}"
        cache = ResultCache(out / ".cache")
        submissions = tuple(Submission(f"s{n:05d}", out / f"s{n:05d}.ipynb") for n in range(count))
        out.mkdir(parents=True, exist_ok=True)
        for n, submission in enumerate(submissions):  # each its own content, so its own cache key
            submission.path.write_text(f'{{"cells": [], "n": {n}}}')
        cache.reuse(submissions)  # as grade does: it learns each submission's key
        gradebook = Gradebook.open(out)
        book = LessonBook(out, assignment, gradebook, "")
        run = gradebook.start_run(assignment.name, "bench", {}, "bench")
        with open(os.devnull, "w") as quiet:
            record = Recorder(book, cache, submissions, run, read_roster(None),
                              Progress(len(submissions), stream=quiet))
            times = []
            for submission in submissions:
                result = SubmissionResult(submission.id, str(submission.path), "graded", exercises)
                started = time.process_time()
                record(result)
                times.append(time.process_time() - started)
            started = time.process_time()
            record.close()
            times[-1] += time.process_time() - started
        gradebook.close()
        tenth = times[-max(count // 10, 1):]
        print(f"{count:9d}{sum(times) / count * 1000:19.2f}{sum(tenth) / len(tenth) * 1000:19.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=0,
                        help="grade this many copies of the solved notebook three ways")
    parser.add_argument("--defs-only", action="store_true", help="grade them in fast mode")
    parser.add_argument("--repeat", type=int, default=2,
                        help="rounds of the three ways, taking turns (default: 2)")
    parser.add_argument("--tasks", type=int, nargs="*", default=[], metavar="N",
                        help="measure the cost of one task over runs of N tiny submissions")
    parser.add_argument("--results", type=int, nargs="*", default=[], metavar="N",
                        help="measure what the client writes per result, for N results")
    parser.add_argument("--seconds-per-notebook", type=float, default=None,
                        help="a worker's time per notebook, for --tasks without --copies "
                        "(default: measured by --copies, else 12)")
    arguments = parser.parse_args(argv)
    if not (arguments.copies or arguments.tasks or arguments.results):
        parser.error("say --copies K, --tasks N N, --results N..., or several")
    if shutil.which("dask", path=str(BIN)) is None:
        sys.exit('the dask command is missing: pip install -e ".[cluster]"')
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as work:
        per_notebook = arguments.seconds_per_notebook
        if arguments.copies:
            options = ["--defs-only"] if arguments.defs_only else []
            measured = throughput(arguments.copies, options, arguments.repeat, Path(work))
            per_notebook = per_notebook or measured
        if arguments.tasks:
            task_cost(arguments.tasks, per_notebook or 12.0, Path(work))
        if arguments.results:
            recording_cost(arguments.results, Path(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
