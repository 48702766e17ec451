"""Grade the demo submissions with the kernel sandbox on and off: same verdicts, and its cost.

    python bench/protections.py --rounds 2 --jobs 2

Each round grades ``examples/submissions`` (or the folders given) twice with ``grade --force``
into fresh folders, once with ``--sandbox on`` and once with ``--sandbox off``, alternating
which goes first. Every other setting is the default, so the resource limits and the output cap
apply to both. It prints the wall time of each run and, from each ``results.json``, the median
kernel start (the sandbox's own cost), then compares the two runs' ``grades.csv`` row by row:
the exit status is 1 if any points or status differ, or if the sandbox cannot run here.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"


def grade(paths: list[Path], out: Path, sandbox: str, jobs: int) -> float:
    """Grade into ``out``; the wall time in seconds."""
    command = [sys.executable, "-m", "grader", *map(str, paths), "--out", str(out), "--force",
               "--jobs", str(jobs), "--sandbox", sandbox]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def verdicts(out: Path) -> dict[str, dict[str, str]]:
    """Every submission's row, from ``out`` or, where several lessons were graded, from the
    folder of each lesson under it."""
    found = {}
    for gradebook in [*out.glob("grades.csv"), *out.glob("*/grades.csv")]:
        with open(gradebook, newline="") as file:
            found.update({row["submission"]: {k: v for k, v in row.items() if k != "message"}
                          for row in csv.DictReader(file)})
    return found


def kernel_starts(out: Path) -> list[float]:
    starts = []
    for path in [*out.glob("*/results.json"), *out.glob("*/*/results.json")]:
        record = json.loads(path.read_text())["extra_data"]["grader"]
        starts.append(record["timings"]["kernel_start"])
    return starts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[EXAMPLES])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args()

    from grader.kernel.sandbox import unavailable_because

    if unavailable_because():
        print(f"the sandbox cannot run here: {unavailable_because()}", file=sys.stderr)
        return 1
    walls: dict[str, list[float]] = {"on": [], "off": []}
    starts: dict[str, list[float]] = {"on": [], "off": []}
    differences, count = [], 0
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(arguments.rounds):
            order = ("on", "off") if round_number % 2 == 0 else ("off", "on")
            outs = {}
            for mode in order:
                outs[mode] = Path(folder) / f"{mode}-{round_number}"
                walls[mode].append(grade(arguments.paths, outs[mode], mode, arguments.jobs))
                starts[mode] += kernel_starts(outs[mode])
                print(f"round {round_number + 1}, sandbox {mode}: {walls[mode][-1]:.1f} s wall")
            on, off = verdicts(outs["on"]), verdicts(outs["off"])
            count = len(on)
            differences += [(name, on.get(name), off.get(name))
                            for name in sorted(set(on) | set(off)) if on.get(name) != off.get(name)]
    print(f"\n{count} submissions; verdicts (points per exercise, total, "
          f"status) {'differ' if differences else 'are identical'} with the sandbox on and off")
    for name, with_it, without in differences:
        print(f"  {name}: on {with_it} / off {without}")
    for mode in ("on", "off"):
        print(f"sandbox {mode}: median wall {statistics.median(walls[mode]):.1f} s, median kernel "
              f"start {statistics.median(starts[mode]):.2f} s over {len(starts[mode])} kernels")
    overhead = statistics.median(walls["on"]) / statistics.median(walls["off"]) - 1
    print(f"overhead of the sandbox on the whole run: {overhead:+.1%} "
          f"({count} submissions, --jobs {arguments.jobs})")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
