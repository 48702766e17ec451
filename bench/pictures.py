"""What the pictures add to grading: seconds per submission, and for the class report.

    python bench/pictures.py [NOTEBOOK...] [--repeat N]

Grades each notebook (default: the demo submissions, of every lesson) as the lesson it
answers, one at a time in fast mode (``--defs-only``: running the notebook is not what is
measured) and without the sandbox (so that each kernel is a child of this process, whose CPU
time is counted), alternately with its lesson's showcases and without them, and prints per
submission:

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

from grader import PROFILES, grade_submission  # noqa: E402
from grader.intake.by_lesson import sort_by_lesson  # noqa: E402
from grader.intake.discover import Submission  # noqa: E402
from grader.judge.oracle import make_oracle  # noqa: E402
from grader.judge.showcase import pictured as draw  # noqa: E402
from grader.model.lessons import installed_lessons  # noqa: E402
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


def with_and_without(pictured):
    """The lesson as it is and without its showcases, each with its oracle."""
    plain = dataclasses.replace(pictured, showcases=())
    return (pictured, make_oracle(pictured)), (plain, make_oracle(plain))


def measure(submission, lesson, settings, repeat: int, out: Path):
    """One submission graded ``repeat`` times with its lesson's showcases and without: its
    result and the medians of what they added (pictures, CPU, wall, html). ``lesson`` is the
    lesson with and without showcases, each with its oracle."""
    (pictured, with_oracle), (plain, without_oracle) = lesson
    spent, cpu, wall, html = [], [], [], []
    for _ in range(repeat):
        result, wall_with, cpu_with = graded(submission, pictured, settings, with_oracle)
        _, wall_without, cpu_without = graded(submission, plain, settings, without_oracle)
        spent.append(result.timings.pictures)
        cpu.append(cpu_with - cpu_without)
        wall.append(wall_with - wall_without)
        html.append(html_seconds(result, out))
    return result, tuple(map(statistics.median, (spent, cpu, wall, html)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted((ROOT / "examples" / "submissions").glob("*.ipynb")))
    parser.add_argument("--repeat", type=int, default=2, help="runs of each measurement")
    arguments = parser.parse_args()
    # Without the sandbox each kernel is a child of this process, so its CPU time is counted.
    settings = PROFILES["thorough"].replace(defs_only=True, cell_timeout=10, sandbox="off")
    submissions = tuple(Submission(path.stem, path) for path in arguments.notebooks)
    batches = sort_by_lesson(submissions, installed_lessons())  # each graded as its own lesson
    lessons = {batch.lesson: with_and_without(batch.assignment) for batch in batches}
    _, warm = timed(lambda: [  # the reference's pictures, drawn once per process
        draw(lessons[batch.lesson][0][1], showcase, None, "-")
        for batch in batches for showcase in batch.assignment.showcases
    ])
    rows, report = [], 0.0
    with tempfile.TemporaryDirectory() as out:
        for batch in batches:
            results = []
            for submission in batch.submissions:
                result, medians = measure(submission, lessons[batch.lesson], settings,
                                          arguments.repeat, Path(out))
                results.append(result)
                rows.append((submission.id, *medians))
                print(f"{batch.lesson:<13}{rows[-1][0]:<26} pictures {rows[-1][1]:.2f} s   "
                      f"CPU {rows[-1][2]:+.2f} s   wall {rows[-1][3]:+.2f} s   "
                      f"html {1000 * rows[-1][4]:.0f} ms", flush=True)
            (Path(out) / batch.lesson).mkdir()
            report += timed(write_class_report, Path(out) / batch.lesson, batch.assignment,
                            results)[1]
    print()
    for name, column in (("pictures + html", 1), ("CPU + html", 2), ("wall + html", 3)):
        added = [row[column] + row[4] for row in rows]
        print(f"{'per submission, ' if column == 1 else '                '}{name:<16} "
              f"{statistics.mean(added):+.2f} s on average, at most {max(added):+.2f} s")
    print(f"once per process: the reference's pictures {warm:.2f} s")
    print(f"load average over the last 15 minutes: {os.getloadavg()[2]:.1f} on "
          f"{os.cpu_count()} cores (other work on the machine slows every number above)")
    print(f"once per run: report.html and its figures for {len(rows)} submissions, one per "
          f"lesson ({len(batches)}), {report:.2f} s")


if __name__ == "__main__":
    main()
