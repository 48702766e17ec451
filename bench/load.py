"""Grade the demo submissions while the machine is kept busy, and count the verdicts that moved.

    python bench/load.py --repeat 5
    python bench/load.py --repeat 5 --full --per-core 2 --jobs 2

A correct function must not lose points because other work kept the machine busy. Each
repetition starts ``--per-core`` CPU-bound processes per core (``while True: pass``), grades
examples/submissions with ``grade`` (this Python's) into a fresh folder, stops the processes
(always, also when grading fails), and compares every demo's points per exercise with the ones
it is promised (the tables of tests/test_end_to_end.py, which the README repeats). It prints a
table, one row per repetition: the seconds it took, the load average at its end, and each verdict
that moved, as ``submission: exercise promised -> got``. Fast mode (``--defs-only``) is the
default: it reaches a full run's verdicts (tests/test_end_to_end.py checks that) in a fraction of
its time; ``--full`` runs every cell. The exit status is 1 if any verdict moved or a run failed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"
sys.path.insert(0, str(ROOT / "tests"))
from test_end_to_end import LESSONS  # noqa: E402  the one table of promised verdicts


@contextlib.contextmanager
def busy_machine(per_core: int = 2) -> Iterator[list[int]]:
    """``per_core`` CPU-bound processes per core while the block runs; their pids.

    They are stopped when it ends, however it ends; each also ends by itself after an hour, so
    that none outlives a run that was killed.
    """
    spin = "import time\nend = time.monotonic() + 3600\nwhile time.monotonic() < end: pass"
    processes = []
    try:
        for _ in range(per_core * (os.cpu_count() or 1)):
            processes.append(subprocess.Popen([sys.executable, "-c", spin],
                                              stdin=subprocess.DEVNULL))
        yield [process.pid for process in processes]
    finally:
        for process in processes:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGKILL)
        for process in processes:
            process.wait()


def promised() -> dict[str, tuple[str, dict[str, int]]]:
    """Per demo: its lesson, and the points promised for each of its exercises."""
    return {name: (lesson, dict(zip(exercises, points)))
            for lesson, (table, exercises) in LESSONS.items()
            for name, points in table.items()}


def earned(out: Path) -> dict[str, dict[str, float]]:
    """Per submission graded into ``out``: its points per exercise (every lesson's gradebook)."""
    found = {}
    for lesson, (_, exercises) in LESSONS.items():
        gradebook = out / lesson / "grades.csv"
        if not gradebook.is_file():
            continue
        with open(gradebook, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                found[row["submission"]] = {e: float(row[e] or 0) for e in exercises}
    return found


def moved(out: Path) -> list[str]:
    """Each promised verdict the run into ``out`` did not reach: ``name: exercise 3 -> 1``."""
    got = earned(out)
    differences = []
    for name, (_, points) in sorted(promised().items()):
        if name not in got:
            differences.append(f"{name}: not in the gradebook")
            continue
        differences += [f"{name}: {exercise} {want} -> {got[name][exercise]:g}"
                        for exercise, want in points.items() if got[name][exercise] != want]
    return differences


def grade_demos(out: Path, options: list[str]) -> subprocess.CompletedProcess:
    """``grade`` on the demos into ``out`` (a fresh run: ``--force``)."""
    command = [sys.executable, "-m", "grader", str(EXAMPLES), "--out", str(out), "--force",
               *options]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs under load (3)")
    parser.add_argument("--per-core", type=int, default=2,
                        help="CPU-bound processes per core while grading (2)")
    parser.add_argument("--jobs", type=int, default=2, help="grade's --jobs (2)")
    parser.add_argument("--full", action="store_true",
                        help="run every cell, not only the definitions (--defs-only)")
    arguments = parser.parse_args(argv)
    options = ["--jobs", str(arguments.jobs)] + ([] if arguments.full else ["--defs-only"])
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"{arguments.per_core} busy processes per core, grade {' '.join(options)}")
    print(f"{'run':>3}  {'seconds':>7}  {'load':>5}  verdicts moved")
    failures = 0
    for repetition in range(1, arguments.repeat + 1):
        with tempfile.TemporaryDirectory(prefix="load-") as folder:
            started = time.monotonic()
            with busy_machine(arguments.per_core):
                done = grade_demos(Path(folder), options)
            seconds = time.monotonic() - started
            load = os.getloadavg()[0]
            differences = moved(Path(folder))
        if done.returncode != 0:
            differences.append(f"grade exited with {done.returncode}: "
                               f"{done.stderr.strip().splitlines()[-1:] or ''}")
        failures += bool(differences)
        print(f"{repetition:>3}  {seconds:>7.0f}  {load:>5.1f}  "
              f"{len(differences)}{': ' if differences else ''}{'; '.join(differences)}")
    print(f"{failures} of {arguments.repeat} runs moved a verdict")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
