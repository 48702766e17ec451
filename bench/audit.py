"""How long `grade audit` takes on every installed lesson: the goal is under a minute on 2 cores.

    python bench/audit.py [--repeat N]

Runs `grade audit` as CI does, in a fresh process each time, and prints for each run the wall
time and the CPU time it used, then the summary lines of the last run. Exits 1 if a run took a
minute or more.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time

GOAL_SECONDS = 60.0


def timed_run(out: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and what ``grade audit`` printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    ran = subprocess.run([sys.executable, "-m", "grader", "audit", "--out", out],
                         capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if ran.returncode not in (0, 1):
        raise SystemExit(f"grade audit failed ({ran.returncode}):\n{ran.stderr}")
    return wall, cpu, ran.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs to time")
    arguments = parser.parse_args()
    walls = []
    with tempfile.TemporaryDirectory() as out:
        for run in range(arguments.repeat):
            wall, cpu, printed = timed_run(out)
            walls.append(wall)
            print(f"run {run + 1}: {wall:.1f} s wall, {cpu:.1f} s CPU")
    summary = [line for line in printed.splitlines()
               if line.startswith(("  ", "Audited")) or (": " in line and "mutants" in line)]
    print("\n".join(summary))
    print(f"slowest run {max(walls):.1f} s; goal: under {GOAL_SECONDS:.0f} s")
    sys.exit(0 if max(walls) < GOAL_SECONDS else 1)


if __name__ == "__main__":
    main()
