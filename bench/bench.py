"""Time ``grade`` against plain execution of the same notebooks, on this machine, in one run.

    python bench/bench.py --copies 8 --jobs 2
    python bench/bench.py --soak 300 --jobs 2

The first makes K copies of the solved notebook and runs, one after another and N at a time:
``jupyter nbconvert --to notebook --execute`` on each copy (one process per notebook, as one
would run it by hand), ``grade`` in full, and ``grade --defs-only``, each into a fresh folder.
It prints wall time, submissions per minute, the ratios to plain execution, and the peak
memory of one worker: a worker process and the kernel it runs, read from /proc while it runs.

The second grades many tiny submissions in one ``grade`` run and watches the whole process
tree: open files, processes, temporary folders and kernel connection files must not grow.
The exit status is 1 if a target is missed or a count grew.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLVED = ROOT / "solutions" / "convolutions-solved.ipynb"
DATA = ROOT / "assignments" / "convolutions" / "dubs.jpg"
FULL_TARGET, FAST_TARGET = 1.15, 5.0


# -- watching a process tree through /proc ---------------------------------------------------


def _children() -> dict[int, list[int]]:
    children = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry))
    return children


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    pids, pending = [], [pid]
    while pending:
        pids.append(pending.pop())
        pending.extend(children.get(pids[-1], []))
    return pids


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


class Watch:
    """Samples, every ``every`` seconds, the trees under some processes until stopped."""

    def __init__(self, roots, every: float = 0.1):
        self.roots = roots  # callable returning the pids whose trees to watch
        self.every = every
        self.peak_worker_rss = 0  # the most one slot used: a worker and the kernel under it
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    def slots(self, children) -> list[int]:
        """The pids that each stand for one worker: override per command."""
        return list(self.roots())

    def _run(self):
        while not self._stop.wait(self.every):
            children = _children()
            for slot in self.slots(children):
                self.peak_worker_rss = max(
                    self.peak_worker_rss, sum(_rss(pid) for pid in _tree(slot, children))
                )
            self.sample(children)

    def sample(self, children):
        pass


class PoolWatch(Watch):
    """``grade``: each child of the grade process is a worker (with its kernel under it)."""

    def slots(self, children):
        return [pid for root in self.roots() for pid in children.get(root, [])]


class SoakWatch(PoolWatch):
    """Also counts, per sample, what must not grow over a long run."""

    def __init__(self, roots, temporary: Path, runtime: Path, every: float = 0.5):
        super().__init__(roots, every)
        self.temporary = temporary  # the run's own TMPDIR and JUPYTER_RUNTIME_DIR
        self.runtime = runtime

    def sample(self, children):
        pids = [pid for root in self.roots() for pid in _tree(root, children)]
        self.samples.append({
            "time": time.monotonic(),
            "open files": sum(_open_files(pid) for pid in pids),
            "processes": len(pids),
            "temporary files and folders": len(list(self.temporary.iterdir())),
            "kernel connection files": len(list(self.runtime.glob("kernel-*.json"))),
        })


# -- the runs -------------------------------------------------------------------------------


def _environment(**more: str) -> dict:
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT),
            "MPLBACKEND": "agg", **more}


def run_nbconvert(folder: Path, jobs: int) -> tuple[float, int, int]:
    """Plain execution, ``jobs`` notebooks at a time: (seconds, failures, peak RSS per worker)."""
    out = folder / "executed"
    running: set[int] = set()

    def execute(notebook: Path) -> int:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
             str(notebook), "--output-dir", str(out), "--log-level", "ERROR"],
            env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        running.add(process.pid)
        try:
            return process.wait()
        finally:
            running.discard(process.pid)

    notebooks = sorted(folder.glob("*.ipynb"))
    started = time.perf_counter()
    with Watch(lambda: set(running)) as watch, ThreadPoolExecutor(jobs) as pool:
        codes = list(pool.map(execute, notebooks))
    return time.perf_counter() - started, sum(code != 0 for code in codes), watch.peak_worker_rss


def run_grade(folder: Path, out: Path, jobs: int | None, *options: str, watch: type = PoolWatch,
              env: dict | None = None, **watching):
    """One ``grade`` run: (seconds, total and status by submission, what watched it).

    ``jobs`` None gives no ``--jobs``, as ``--cluster`` wants."""
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", str(folder), "--out", str(out),
         *(["--jobs", str(jobs)] if jobs else []), *options],
        env=_environment(**(env or {})), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )
    started = time.perf_counter()
    with watch(lambda: [process.pid], **watching) as watcher:
        _, errors = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"grade {' '.join(options)} failed ({process.returncode}):\n{errors}")
    with open(out / "grades.csv", newline="") as handle:
        scores = {row["submission"]: (row["total"], row["status"]) for row in csv.DictReader(handle)}
    return seconds, scores, watcher


def _copies(folder: Path, notebook: Path, count: int, data: bool) -> Path:
    folder.mkdir(parents=True)
    for number in range(1, count + 1):
        shutil.copy(notebook, folder / f"copy{number:03d}.ipynb")
    if data:
        shutil.copy(DATA, folder / DATA.name)
    return folder


def mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


def benchmark(copies: int, jobs: int, work: Path) -> bool:
    plain = _copies(work / "plain", SOLVED, copies, data=True)
    submissions = _copies(work / "submissions", SOLVED, copies, data=False)
    print(f"Benchmark: {copies} copies of {SOLVED.relative_to(ROOT)}, {jobs} at a time, on "
          f"{os.cpu_count()} cores (Python {platform.python_version()})", flush=True)

    rows = []
    seconds, failures, peak = run_nbconvert(plain, jobs)
    if failures:
        sys.exit(f"nbconvert failed on {failures} of {copies} notebooks")
    rows.append(("nbconvert --execute", seconds, peak))
    for label, options in (("grade (full)", ()), ("grade --defs-only", ("--defs-only",))):
        seconds, scores, watch = run_grade(submissions, work / label.replace(" ", "_"), jobs, *options)
        wrong = {name: score for name, score in scores.items() if score != ("10", "graded")}
        if len(scores) != copies or wrong:
            sys.exit(f"{label} did not give every copy full marks: {wrong}")
        rows.append((label, seconds, watch.peak_worker_rss))

    plain_seconds = rows[0][1]
    print()
    print(f"{'':22}{'wall s':>9}{'per minute':>12}{'vs nbconvert':>14}{'peak RSS per worker':>22}")
    for label, seconds, peak in rows:
        print(f"{label:22}{seconds:9.1f}{copies / seconds * 60:12.1f}"
              f"{f'{seconds / plain_seconds:.2f} x':>14}{mib(peak):>22}")
    full = rows[1][1] / plain_seconds
    fast = plain_seconds / rows[2][1]
    full_met, fast_met = full <= FULL_TARGET, fast >= FAST_TARGET
    print()
    print(f"Full mode takes {full:.2f} x the time of plain execution "
          f"(target: at most {FULL_TARGET} x): {'met' if full_met else 'NOT met'}")
    print(f"Fast mode is {fast:.2f} x faster than plain execution "
          f"(target: at least {FAST_TARGET:g} x): {'met' if fast_met else 'NOT met'}")
    print("A worker is one grading process (or nbconvert process) with the kernel it runs.")
    return full_met and fast_met


# -- soak: many tiny submissions ------------------------------------------------------------


def _tiny_notebook(path: Path) -> Path:
    """A correct notebook with nothing but the reference functions: it runs in a moment."""
    import nbformat

    source = (ROOT / "solutions" / "convolutions.py").read_text()
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Soak test submission: correct functions, nothing else"),
        nbformat.v4.new_code_cell(source),
    ])
    nbformat.write(notebook, path)
    return path


def soak(count: int, jobs: int, work: Path) -> bool:
    submissions = _copies(work / "submissions", _tiny_notebook(work / "tiny.ipynb"), count, data=False)
    temporary, runtime = work / "tmp", work / "runtime"  # the run's own, so nothing else counts
    temporary.mkdir()
    runtime.mkdir()
    print(f"Soak: {count} tiny submissions, {jobs} at a time, --max-examples 5", flush=True)
    seconds, scores, watch = run_grade(
        submissions, work / "out", jobs, "--max-examples", "5", watch=SoakWatch,
        env={"TMPDIR": str(temporary), "JUPYTER_RUNTIME_DIR": str(runtime)},
        temporary=temporary, runtime=runtime,
    )
    graded = sum(score == ("10", "graded") for score in scores.values())
    samples = watch.samples
    if len(samples) < 20:
        sys.exit("the run was too short to tell: grade more submissions")
    # The first tenth is left out (workers start and import then); the counts go up and down
    # with each kernel, so a count grew only if all of the last quarter is above the first.
    steady = samples[len(samples) // 10 :]
    quarter = len(steady) // 4
    first, last = steady[:quarter], steady[-quarter:]
    left = {"temporary files and folders": len(list(temporary.iterdir())),
            "kernel connection files": len(list(runtime.glob("kernel-*.json")))}
    print(f"{graded} of {count} graded with full marks in {seconds:.0f} s; "
          f"{len(samples)} samples of the process tree")
    print()
    print(f"{'':30}{'first quarter':>15}{'last quarter':>15}{'left at the end':>17}")
    grew = False
    for name in ("open files", "processes", *left):
        early, late = [s[name] for s in first], [s[name] for s in last]
        grew |= min(late) > max(early) or left.get(name, 0) > 0
        print(f"{name:30}{f'{min(early)}-{max(early)}':>15}{f'{min(late)}-{max(late)}':>15}"
              f"{left.get(name, 0):>17}")
    print()
    print("Nothing grew over the run: met" if not grew else "Something grew over the run: NOT met")
    return not grew and graded == count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=8, help="notebooks to grade (default: 8)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks at once, for every command (default: the number of cores)")
    parser.add_argument("--soak", type=int, default=0, metavar="N",
                        help="instead, grade N tiny submissions and check nothing grows")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        if arguments.soak:
            return 0 if soak(arguments.soak, arguments.jobs, Path(work)) else 1
        return 0 if benchmark(arguments.copies, arguments.jobs, Path(work)) else 1


if __name__ == "__main__":
    sys.exit(main())
