"""What the pictures add to grading: seconds per submission, and for the class report.

    python bench/pictures.py [NOTEBOOK...] [--repeat N]

Grades each notebook (default: the demo submissions) one at a time in fast mode
(``--defs-only``: running the notebook is not what is measured) and without the sandbox (so
that each kernel is a child of this process, whose CPU time is counted), alternately with the
lesson's showcases and without them, and prints per submission:

- ``pictures``: the seconds grading spent on showcases, as it records them
  (``timings.pictures``: calling the student's functions on the lesson's photo, and drawing);
- ``CPU``: the CPU seconds grading took with them, less without them, in this process and its
  kernels together: what they cost, little changed by other work on the machine (which slows
  the wall-clock numbers);
- ``wall``: the same for the whole grading's wall time (noisy: a kernel's start varies by a
  few tenths);
- ``html``: writing ``feedback.html`` and the HTML ``results.json``, beyond ``feedback.md``;

each the median of ``--repeat`` runs; then the time to draw ``report.html`` and its figures for
the whole batch, which is paid once per run. The reference's own pictures are drawn once per
process, before the timing starts (their cost is printed too).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import PROFILES, grade_submission, load_assignment  # noqa: E402
from grader.grading.discover import Submission  # noqa: E402
from grader.judge.oracle import make_oracle  # noqa: E402
from grader.judge.showcase import pictured as draw  # noqa: E402
from grader.output.class_report import write_class_report  # noqa: E402
from grader.output.report import feedback_markdown, write_submission  # noqa: E402


def timed(function, *arguments):
    started = time.perf_counter()
    value = function(*arguments)
    return value, time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the kernels)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def graded(submission, assignment, settings, oracle):
    """The result, its wall time and its CPU time (the kernel's included)."""
    cpu = cpu_seconds()
    result, wall = timed(grade_submission, submission, assignment, settings, oracle)
    return result, wall, cpu_seconds() - cpu


def html_seconds(result, folder: Path) -> float:
    """Writing everything for one submission, less writing its Markdown feedback alone."""
    _, everything = timed(write_submission, folder, result)
    _, markdown = timed(lambda: (folder / "alone.md").write_text(feedback_markdown(result)))
    return everything - markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted((ROOT / "examples" / "submissions").glob("*.ipynb")))
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement")
    arguments = parser.parse_args()
    # Without the sandbox each kernel is a child of this process, so its CPU time is counted.
    settings = PROFILES["thorough"].replace(defs_only=True, cell_timeout=10, sandbox="off")
    pictured = load_assignment("convolutions")
    plain = dataclasses.replace(pictured, showcases=())
    oracles = {id(pictured): make_oracle(pictured), id(plain): make_oracle(plain)}
    _, warm = timed(lambda: [  # the reference's pictures, drawn once per process
        draw(oracles[id(pictured)], showcase, None, "-") for showcase in pictured.showcases
    ])
    rows, results = [], []
    with tempfile.TemporaryDirectory() as out:
        for path in arguments.notebooks:
            submission = Submission(path.stem, path)
            spent, cpu, wall, html = [], [], [], []
            for _ in range(arguments.repeat):
                result, wall_with, cpu_with = graded(submission, pictured, settings,
                                                     oracles[id(pictured)])
                _, wall_without, cpu_without = graded(submission, plain, settings,
                                                      oracles[id(plain)])
                spent.append(result.timings.pictures)
                cpu.append(cpu_with - cpu_without)
                wall.append(wall_with - wall_without)
                html.append(html_seconds(result, Path(out)))
            results.append(result)
            rows.append((submission.id, *map(statistics.median, (spent, cpu, wall, html))))
            print(f"{rows[-1][0]:<26} pictures {rows[-1][1]:.2f} s   CPU {rows[-1][2]:+.2f} s   "
                  f"wall {rows[-1][3]:+.2f} s   html {1000 * rows[-1][4]:.0f} ms", flush=True)
        _, report = timed(write_class_report, Path(out), pictured, results)
    print()
    for name, column in (("pictures + html", 1), ("CPU + html", 2), ("wall + html", 3)):
        added = [row[column] + row[4] for row in rows]
        print(f"{'per submission, ' if column == 1 else '                '}{name:<16} "
              f"{statistics.mean(added):+.2f} s on average, at most {max(added):+.2f} s")
    print(f"once per process: the reference's pictures {warm:.2f} s")
    print(f"load average over the last 15 minutes: {os.getloadavg()[2]:.1f} on "
          f"{os.cpu_count()} cores (other work on the machine slows every number above)")
    print(f"once per run: report.html and its figures for {len(results)} submissions "
          f"{report:.2f} s")


if __name__ == "__main__":
    main()
