"""Grade the demo submissions with the kernel sandbox on and off: same verdicts, and its cost.

    python bench/protections.py --rounds 2 --jobs 2          # as root: the root sandbox
    python bench/protections.py --rounds 2 --jobs 2          # as a user: the rootless one
    python bench/protections.py --rounds 2 --as-user alice   # as root: alice's rootless one

First it starts ``--kernels`` kernels with the sandbox and as many without, alternately, one at
a time, each running one cell, and prints the median time from start to stopped: the sandbox's
own cost, apart from the noise of a whole run. Then each round grades ``examples/submissions``
(or the folders given) twice with ``grade --force``
into fresh folders, once with ``--sandbox on`` and once with ``--sandbox off``, alternating
which goes first. Which sandbox ``on`` is depends on who grades: the root sandbox as root, the
rootless one as anyone else (``--as-user NAME``, when run as root, grades as that user, whose
home is then a fresh folder). Every other setting is the default, so the resource limits and
the output cap apply to both. It prints the sandbox ``grade`` names on its second line, the wall
time of each run and, from each ``results.json``, the median kernel start (the sandbox's own
cost), then compares the two runs' ``grades.csv`` row by row: the exit status is 1 if any points
or status differ, or if no sandbox ran.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pwd
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "submissions"


def grade(paths: list[Path], out: Path, sandbox: str, jobs: int,
          user: pwd.struct_passwd | None) -> tuple[float, str]:
    """Grade into ``out`` (as ``user``, if given); the wall time in seconds, and the line that
    names the sandbox."""
    command = [sys.executable, "-m", "grader", *map(str, paths), "--out", str(out), "--force",
               "--jobs", str(jobs), "--sandbox", sandbox]
    as_user = {}
    if user:
        as_user = dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                       env={**os.environ, "HOME": str(out.parent / "home")})
    started = time.perf_counter()
    done = subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, cwd=out.parent, **as_user)
    named = [line for line in done.stderr.splitlines() if line.startswith("Sandbox:")]
    return time.perf_counter() - started, named[0] if named else "(no sandbox line)"


def time_kernels(count: int) -> dict:
    """Start ``count`` kernels with the sandbox and as many without, alternately, one at a time,
    each running one cell: the seconds each took from its start until it had stopped, by mode,
    and which sandbox "on" was."""
    import nbformat

    from grader import load_assignment
    from grader.grading.pipeline import kept_from_kernels
    from grader.kernel.limits import Limits
    from grader.kernel.run import NotebookRun
    from grader.kernel.sandbox import availability, make_sandbox
    from grader.model.settings import Settings

    assignment = load_assignment("convolutions")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy")])
    seconds: dict[str, list[float]] = {"on": [], "off": []}
    for turn in range(count):
        for mode in ("on", "off") if turn % 2 == 0 else ("off", "on"):
            sandbox = make_sandbox(mode, 256, [], kept_from_kernels(assignment))  # as grading
            started = time.perf_counter()
            with NotebookRun(notebook, assignment.data_paths(), cell_timeout=60,
                             total_timeout=60, limits=Limits.from_settings(Settings()),
                             sandbox=sandbox) as run:
                run.run_cells()
            seconds[mode].append(time.perf_counter() - started)
    return {"kind": availability().kind, **seconds}


def timed_kernels(count: int, folder: Path, user: pwd.struct_passwd | None) -> dict:
    """``time_kernels`` in a process of its own (as ``user``, if given, with ``folder`` as its
    home)."""
    as_user = {}
    if user:
        as_user = dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                       env={**os.environ, "HOME": str(folder)})
    done = subprocess.run([sys.executable, __file__, "--time-kernels", str(count)], check=True,
                          stdout=subprocess.PIPE, text=True, cwd=folder, **as_user)
    return json.loads(done.stdout)


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
    parser.add_argument("--kernels", type=int, default=10,
                        help="kernels started each way, apart from grading")
    parser.add_argument("--as-user", metavar="NAME", default=None,
                        help="as root: grade as this user, in the rootless sandbox")
    parser.add_argument("--time-kernels", type=int, default=0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.time_kernels:  # the child that times kernels, as the user who grades
        print(json.dumps(time_kernels(arguments.time_kernels)))
        return 0

    from grader.kernel.sandbox import unavailable_because

    user = pwd.getpwnam(arguments.as_user) if arguments.as_user else None
    if not user and unavailable_because():
        print(f"no sandbox can run here: {unavailable_because()}", file=sys.stderr)
        return 1
    walls: dict[str, list[float]] = {"on": [], "off": []}
    starts: dict[str, list[float]] = {"on": [], "off": []}
    differences, count, named = [], 0, {}
    with tempfile.TemporaryDirectory() as folder:
        if user:
            os.chown(folder, user.pw_uid, user.pw_gid)
        if arguments.kernels:
            alone = timed_kernels(arguments.kernels, Path(folder), user)
            for mode in ("on", "off"):
                which = f"{mode} ({alone['kind']})" if mode == "on" else mode
                print(f"one kernel (start, one cell, stop), sandbox {which}: median "
                      f"{statistics.median(alone[mode]):.2f} s, from {min(alone[mode]):.2f} to "
                      f"{max(alone[mode]):.2f} s over {len(alone[mode])} kernels")
            added = statistics.median(alone["on"]) - statistics.median(alone["off"])
            print(f"the sandbox adds {added:+.2f} s to each kernel\n")
        if not arguments.rounds:
            return 0
        for round_number in range(arguments.rounds):
            order = ("on", "off") if round_number % 2 == 0 else ("off", "on")
            outs = {}
            for mode in order:
                outs[mode] = Path(folder) / f"{mode}-{round_number}" / "out"
                (outs[mode].parent / "home").mkdir(parents=True)
                if user:
                    for path in [outs[mode].parent, outs[mode].parent / "home"]:
                        os.chown(path, user.pw_uid, user.pw_gid)
                wall, named[mode] = grade(arguments.paths, outs[mode], mode, arguments.jobs,
                                          user)
                walls[mode].append(wall)
                starts[mode] += kernel_starts(outs[mode])
                print(f"round {round_number + 1}, sandbox {mode}: {wall:.1f} s wall")
            on, off = verdicts(outs["on"]), verdicts(outs["off"])
            count = len(on)
            differences += [(name, on.get(name), off.get(name))
                            for name in sorted(set(on) | set(off)) if on.get(name) != off.get(name)]
    print(f"\n--sandbox on:  {named['on']}\n--sandbox off: {named['off']}")
    print(f"{count} submissions; verdicts (points per exercise, total, "
          f"status) {'differ' if differences else 'are identical'} with the sandbox on and off")
    for name, with_it, without in differences:
        print(f"  {name}: on {with_it} / off {without}")
    for mode in ("on", "off"):
        print(f"sandbox {mode}: median wall {statistics.median(walls[mode]):.1f} s, median kernel "
              f"start {statistics.median(starts[mode]):.2f} s over {len(starts[mode])} kernels")
    overhead = statistics.median(walls["on"]) / statistics.median(walls["off"]) - 1
    print(f"overhead of the sandbox on the whole run: {overhead:+.1%} "
          f"({count} submissions, --jobs {arguments.jobs})")
    sandboxed = named["on"].startswith(("Sandbox: root.", "Sandbox: rootless."))
    return 1 if differences or not sandboxed else 0


if __name__ == "__main__":
    sys.exit(main())
