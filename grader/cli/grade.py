"""``grade PATH...``: grade a folder of notebooks and write the gradebook and feedback."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

from ..grading.batch import grade_all
from ..grading.cache import ResultCache
from ..grading.by_lesson import LessonBatch, sort_by_lesson
from ..grading.discover import Found, Submission
from ..grading.intake import take_in
from ..model.assignment import Assignment
from ..model.errors import UsageError
from ..model.lessons import Installed, installed_lessons, load_assignment
from ..model.results import SubmissionResult
from ..model.settings import Settings
from ..output.class_report import write_class_report
from ..output.junit import write_junit
from ..output.progress import Progress
from ..output.report import summary_table, write_gradebook, write_submission
from ..output.stats import exercise_statistics, statistics_table, write_summary
from .options import (
    SOURCES,
    add_grading_options,
    assignment_and_oracle,
    sandbox_line,
    settings_from,
)

USAGE = "grade PATH... [options]"
SUMMARY = ("grade folders of submissions, course platforms' downloads or single notebooks (the "
           "default command)")
EXIT_OK, EXIT_GRADER_FAILED = 0, 1


def build(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Execute each student notebook in a fresh kernel and check its functions against the "
        "reference solutions on generated inputs."
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a folder of submissions (notebooks or scripts, or one sub-folder per "
                        "student), a Canvas download or Gradescope export, a zip of any of "
                        "these, or single notebooks")
    parser.add_argument("--out", type=Path, default=Path("grades"),
                        help="folder for grades.csv and per-submission results (default: grades/)")
    parser.add_argument("--force", action="store_true",
                        help="regrade every submission, also those graded into --out before from "
                        "the same notebook with the same assignment, grader and settings")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: the number of cores)")
    add_grading_options(parser)


def _found(arguments: argparse.Namespace, installed: Installed, scratch: Path) -> Found:
    handouts = {lesson.notebook for lesson in installed.lessons}
    intake = take_in(arguments.paths, handouts, scratch)
    for note in intake.notes:
        print(note, file=sys.stderr)
    found = intake.found
    if found.skipped:
        names = ", ".join(path.name for path in found.skipped)
        print(f"Skipped {len(found.skipped)} file(s) that are not notebooks: {names}",
              file=sys.stderr)
    if not found.submissions:
        raise UsageError(
            "no notebooks (*.ipynb) or scripts (*.py) found under "
            + ", ".join(map(str, arguments.paths))
        )
    return found


class _Recorder:
    """Writes each result as it lands: its files, the gradebook so far, the cache, progress."""

    def __init__(self, out: Path, assignment: Assignment, cache: ResultCache,
                 submissions: tuple[Submission, ...]):
        self.out, self.assignment, self.cache = out, assignment, cache
        self.roster = {submission.id: submission.roster for submission in submissions}
        total = len(submissions)
        self.progress = Progress(total)
        self.results: list[SubmissionResult] = []

    def __call__(self, result: SubmissionResult, reused: bool = False) -> None:
        self.results.append(result)
        write_submission(self.out, result)
        write_gradebook(self.out / "grades.csv", self.assignment, self.results, self.roster)
        if not reused:
            self.cache.store(result)
        self.progress.update(result, reused)


def run(arguments: argparse.Namespace) -> int:
    if arguments.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {arguments.jobs}")
    settings = settings_from(arguments)
    if arguments.assignment:
        load_assignment(arguments.assignment)  # a lesson that is not there is refused first
    installed = installed_lessons()
    with tempfile.TemporaryDirectory(prefix="grade-submissions-") as scratch:
        return _grade_found(arguments, settings, installed, Path(scratch))


def _grade_found(arguments: argparse.Namespace, settings: Settings, installed: Installed,
                 scratch: Path) -> int:
    found = _found(arguments, installed, scratch)
    batches = sort_by_lesson(found.submissions, installed, arguments.assignment)
    several = len(batches) > 1
    if several:
        counts = ", ".join(f"{b.lesson} ({len(b.submissions)})" for b in batches)
        print(f"These submissions answer {len(batches)} lessons: {counts}. Each lesson is graded "
              f"into a folder of its own under {arguments.out}.", file=sys.stderr)
    codes, results = [], []
    for number, batch in enumerate(batches):
        out = arguments.out / batch.lesson if several else arguments.out
        if batch.assignment is None:
            print(f"{len(batch.submissions)} submission(s) answer the lesson {batch.lesson!r}, "
                  f"which cannot be loaded, and were not graded: {batch.problem}",
                  file=sys.stderr)
            codes.append(EXIT_GRADER_FAILED)
            continue
        code, graded = _grade_lesson(arguments, settings, batch, out, first=number == 0)
        codes.append(code)
        results += graded
    if arguments.junit:
        write_junit(arguments.junit, results)
    return max(codes)


def _grade_lesson(arguments: argparse.Namespace, settings: Settings, batch: LessonBatch,
                  out: Path, first: bool) -> tuple[int, list[SubmissionResult]]:
    """Grade one lesson's submissions into ``out``: the exit code, and the results."""
    assignment, oracle = assignment_and_oracle(arguments, settings, batch.assignment)
    out.mkdir(parents=True, exist_ok=True)
    total = len(batch.submissions)
    print(f"Grading {total} submission(s) for {assignment.name!r} with {arguments.jobs} job(s), "
          f"against the {SOURCES[oracle.mode]}...", file=sys.stderr)
    if first:
        print(sandbox_line(settings), file=sys.stderr)
    started = time.perf_counter()
    cache = ResultCache.for_run(out, assignment, settings, reuse=not arguments.force,
                                mode=oracle.mode)
    kept, pending = cache.reuse(batch.submissions)
    if kept:
        print(f"{len(kept)} of them are unchanged since they were graded into {out}; their "
              "results are kept (--force regrades them).", file=sys.stderr)
    record = _Recorder(out, assignment, cache, batch.submissions)
    for result in kept:
        record(result, reused=True)
    try:
        grade_all(assignment, pending, settings, arguments.jobs, record,
                  use_reference=oracle.mode == "reference")
    finally:
        record.progress.close()
    results, elapsed = record.results, time.perf_counter() - started
    print(summary_table(assignment, results))
    print("\n" + statistics_table(exercise_statistics(assignment, results)))
    write_summary(out / "summary.json", assignment, results, {
        "seconds": round(elapsed, 1), "jobs": arguments.jobs, "graded": len(pending),
        "kept_from_earlier_runs": len(kept), "settings": dataclasses.asdict(settings),
    })
    report = write_class_report(out, assignment, results)
    unchanged = f" ({len(kept)} unchanged, not regraded)" if kept else ""
    print(f"\n{total} submission(s) graded in {elapsed:.1f} s{unchanged}. Gradebook: "
          f"{out / 'grades.csv'}; feedback: {out}/<submission>/feedback.md and feedback.html; "
          f"class statistics: {out / 'summary.json'}; class report: {report}")
    failed = [r.id for r in results if r.status == "grader error"]
    if failed:
        print(f"The grader itself failed on: {', '.join(failed)}", file=sys.stderr)
        return EXIT_GRADER_FAILED, results
    return EXIT_OK, results
