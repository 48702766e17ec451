"""``grade PATH...``: grade a folder of notebooks and write the gradebook and feedback."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from ..gradebook.late import parse_penalty, parse_time
from ..gradebook.roster import Roster, read_roster
from ..gradebook.store import Gradebook, lesson_folder
from ..gradebook.views import LessonBook
from ..grading.batch import grade_all
from ..grading.cache import ResultCache, grader_version
from ..intake.by_lesson import LessonBatch, sort_by_lesson
from ..grading.connect import Target, parse_target
from ..intake.discover import Found, Submission
from ..intake.intake import take_in
from ..judge.oracle import Oracle
from ..model.assignment import Assignment
from ..model.errors import UsageError
from ..model.lessons import Installed, installed_lessons, load_assignment
from ..model.results import SubmissionResult
from ..model.settings import Settings
from ..output.junit import write_junit
from ..output.progress import Progress
from ..output.report import summary_table
from ..output.stats import exercise_statistics, statistics_table
from .cluster import ClusterLink, add_cluster_option, grading_on
from .options import (
    SOURCES,
    add_grading_options,
    assignment_and_oracle,
    held_out_line,
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
    parser.add_argument("--jobs", type=int, default=None,
                        help="submissions graded at once (default: the number of cores)")
    add_cluster_option(parser)
    add_grading_options(parser)
    book = parser.add_argument_group("the gradebook (see README, \"What comes out\")")
    book.add_argument("--late-penalty", metavar="RULE", default=None,
                      help="the lesson's late penalty from now on, such as \"10%%/day, max 50%%, "
                      "grace 15m\" (%% of the points possible; N/day for points; 20%% alone for "
                      "once; none for no penalty); kept in the gradebook for later runs")
    book.add_argument("--deadline", metavar="WHEN", default=None,
                      help="the lesson's deadline, as 2026-12-01T23:59 (this machine's time zone) "
                      "or 2026-12-01T23:59+01:00; goes with --late-penalty")
    book.add_argument("--roster", type=Path, default=None, metavar="FILE",
                      help="a CSV of the students (submission, canvas_user_id, email, sid, "
                      "submitted_at, ...): submission times for the late policy where the "
                      "download gives none")


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


class Recorder:
    """Records each result as it lands: in the gradebook, its files, the cache, progress; and
    writes grades.csv so far, at most once every ``GRADEBOOK_EVERY`` seconds and when closed,
    since rewriting it for each result would cost a batch of N submissions time in N squared."""

    GRADEBOOK_EVERY = 1.0

    def __init__(self, book: LessonBook, cache: ResultCache, submissions: tuple[Submission, ...],
                 run: int, roster: Roster):
        self.book, self.cache, self.run = book, cache, run
        self.roster = {submission.id: submission.roster for submission in submissions}
        self.times = roster.submission_times((s.id, s.roster) for s in submissions)
        self.progress = Progress(len(submissions))
        self.results: list[SubmissionResult] = []
        self.written = -self.GRADEBOOK_EVERY  # when the gradebook was last written

    def __call__(self, result: SubmissionResult, reused: bool = False) -> None:
        self.results.append(result)
        self.book.record(result, self.roster.get(result.id, ()), run=self.run,
                         submitted_at=self.times.get(result.id),
                         content_key=self.cache.content_key(result.id), reused=reused)
        self.book.write_feedback(result)
        if not reused:
            self.cache.store(result)
        if time.monotonic() - self.written >= self.GRADEBOOK_EVERY:
            self._write_gradebook()
        self.progress.update(result, reused)

    def _write_gradebook(self) -> None:
        self.book.write_grades()
        self.written = time.monotonic()

    def close(self) -> None:
        """Write the gradebook of every result so far; take the progress bar away."""
        self._write_gradebook()
        self.progress.close()


def _jobs(arguments: argparse.Namespace, target: Target | None) -> int:
    """Submissions graded at once here; none with a cluster, whose workers say."""
    if target and arguments.jobs is not None:
        raise UsageError("--jobs and --cluster do not go together: on a cluster, its workers' "
                         "threads say how many submissions are graded at once")
    jobs = arguments.jobs if arguments.jobs is not None else os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    return jobs


def _here(jobs: int, assignment: Assignment, settings: Settings, oracle: Oracle):
    """How to grade with the local pool; says how, for summary.json."""

    def grade(submissions, on_result) -> dict:
        grade_all(assignment, submissions, settings, jobs, on_result,
                  use_reference=oracle.mode == "reference")
        return {"jobs": jobs}

    return grade


@dataclasses.dataclass(frozen=True)
class _Run:
    """What every lesson of one ``grade`` run shares."""

    arguments: argparse.Namespace
    settings: Settings
    target: Target | None
    jobs: int
    policy: tuple[str, str | None] | None  # the late policy the command gives: rule, deadline
    roster: Roster


def run(arguments: argparse.Namespace) -> int:
    target = parse_target(arguments.cluster) if arguments.cluster else None
    jobs = _jobs(arguments, target)
    settings = settings_from(arguments, kernels_here=target is None)
    policy = _late_policy(arguments)
    roster = read_roster(arguments.roster)
    if arguments.assignment:
        load_assignment(arguments.assignment)  # a lesson that is not there is refused first
    installed = installed_lessons()
    with tempfile.TemporaryDirectory(prefix="grade-submissions-") as scratch:
        return _grade_found(_Run(arguments, settings, target, jobs, policy, roster), installed,
                            Path(scratch))


def _late_policy(arguments: argparse.Namespace) -> tuple[str, str | None] | None:
    """The late policy the options give, checked now, before anything is graded."""
    if arguments.deadline and not arguments.late_penalty:
        raise UsageError("--deadline needs --late-penalty to say what lateness costs, such as "
                         "--late-penalty \"10%/day, max 50%\"")
    if arguments.late_penalty is None:
        return None
    deadline = parse_time(arguments.deadline) if arguments.deadline else None
    parse_penalty(arguments.late_penalty, deadline)
    return arguments.late_penalty, deadline.isoformat() if deadline else None


def _grade_found(this: _Run, installed: Installed, scratch: Path) -> int:
    found = _found(this.arguments, installed, scratch)
    batches = sort_by_lesson(found.submissions, installed, this.arguments.assignment)
    lessons = _resolved(this, batches)  # every option checked for every lesson before grading
    several = len(batches) > 1
    if several:
        counts = ", ".join(f"{b.lesson} ({len(b.submissions)})" for b in batches)
        print(f"These submissions answer {len(batches)} lessons: {counts}. Each lesson is graded "
              f"into a folder of its own under {this.arguments.out}.", file=sys.stderr)
    codes, results = [], []
    with ExitStack() as stack:
        link = ClusterLink(stack, this.target) if this.target else None
        for batch, chosen in lessons:
            out = lesson_folder(this.arguments.out, batch.lesson, several)
            if chosen is None:
                print(f"{len(batch.submissions)} submission(s) answer the lesson "
                      f"{batch.lesson!r}, which cannot be loaded, and were not graded: "
                      f"{batch.problem}", file=sys.stderr)
                codes.append(EXIT_GRADER_FAILED)
                continue
            code, graded = _grade_lesson(this, batch, chosen, out, link, first=not results)
            codes.append(code)
            results += graded
            if this.arguments.junit:  # after each lesson, so a later lesson's failure loses none
                write_junit(this.arguments.junit, results)
    return max(codes)


def _resolved(this: _Run, batches: list[LessonBatch]
              ) -> list[tuple[LessonBatch, tuple[Assignment, Oracle] | None]]:
    """Each batch with its assignment cut to ``--exercise`` and its source of expected outputs
    (None for a lesson that cannot be loaded); refused now if an option does not fit a lesson,
    before any lesson is graded."""
    resolved = []
    for batch in batches:
        if batch.assignment is None:
            resolved.append((batch, None))
            continue
        try:
            chosen = assignment_and_oracle(this.arguments, this.settings, batch.assignment)
        except UsageError as error:
            if len(batches) == 1:
                raise
            names = ", ".join(b.lesson for b in batches)
            raise UsageError(
                f"for the lesson {batch.lesson!r}: {error}. These submissions answer "
                f"{len(batches)} lessons ({names}): grade one at a time with --lesson NAME"
            ) from None
        resolved.append((batch, chosen))
    return resolved


def _grade_lesson(this: _Run, batch: LessonBatch, chosen: tuple[Assignment, Oracle], out: Path,
                  link: ClusterLink | None, first: bool) -> tuple[int, list[SubmissionResult]]:
    """Grade one lesson's submissions into ``out``: the exit code, and the results."""
    arguments, settings, target = this.arguments, this.settings, this.target
    assignment, oracle = chosen
    out.mkdir(parents=True, exist_ok=True)
    total = len(batch.submissions)
    how = f"on --cluster {target.text}" if target else f"with {this.jobs} job(s)"
    print(f"Grading {total} submission(s) for {assignment.name!r} {how}, against the "
          f"{SOURCES[oracle.mode]}...", file=sys.stderr)
    if first and not target:
        print(sandbox_line(settings), file=sys.stderr)
    print(held_out_line(assignment, oracle, settings), file=sys.stderr)
    started = time.perf_counter()
    cache = ResultCache.for_run(out, assignment, settings, reuse=not arguments.force,
                                mode=oracle.mode)
    kept, pending = cache.reuse(batch.submissions)
    if kept:
        print(f"{len(kept)} of them are unchanged since they were graded into {out}; their "
              "results are kept (--force regrades them).", file=sys.stderr)
    grade = (grading_on(link, assignment, settings, oracle, pending) if link
             else _here(this.jobs, assignment, settings, oracle))
    gradebook = Gradebook.open(out)
    try:
        book, results, report = _record_lesson(this, batch, assignment, out, cache, gradebook,
                                               grade, kept, pending, started)
    finally:
        gradebook.close()
    elapsed = time.perf_counter() - started
    unchanged = f" ({len(kept)} unchanged, not regraded)" if kept else ""
    others = len(book.entries) - len({r.id for r in results})
    listed = (f" (it lists {len(book.entries)} submissions: {others} graded by earlier runs)"
              if others > 0 else "")
    print(f"\n{total} submission(s) graded in {elapsed:.1f} s{unchanged}. Gradebook: "
          f"{out / 'grades.csv'}{listed}; feedback: {out}/<submission>/feedback.md and "
          f"feedback.html; class statistics: {out / 'summary.json'}; class report: {report}; "
          f"every grading: {gradebook.path} (grade history STUDENT --out {out})")
    failed = [r.id for r in results if r.status == "grader error"]
    if failed:
        print(f"The grader itself failed on: {', '.join(failed)}", file=sys.stderr)
        return EXIT_GRADER_FAILED, results
    return EXIT_OK, results


def _record_lesson(this: _Run, batch: LessonBatch, assignment: Assignment, out: Path,
                   cache: ResultCache, gradebook: Gradebook, grade, kept, pending, started):
    """Grade what is pending, record every result in the gradebook as it lands, and write the
    lesson's views of it; print the run's table and the class's statistics."""
    settings = this.settings
    if this.policy:
        gradebook.set_policy(assignment.name, *this.policy)
    scope = ",".join(e.name for e in assignment.exercises) if this.arguments.exercise else ""
    book = LessonBook(out, assignment, gradebook, scope)
    run_id = gradebook.start_run(assignment.name, grader_version(),
                                 dataclasses.asdict(settings), cache.run_key)
    record = Recorder(book, cache, batch.submissions, run_id, this.roster)
    for result in kept:
        record(result, reused=True)
    try:
        how_run = grade(pending, record)
    finally:
        record.close()
    results = record.results
    print(summary_table(assignment, results))
    print("\n" + statistics_table(exercise_statistics(assignment, book.results())))
    run = {"seconds": round(time.perf_counter() - started, 1), **how_run,
           "graded": len(pending), "kept_from_earlier_runs": len(kept),
           "settings": dataclasses.asdict(settings)}
    gradebook.finish_run(run_id, run)
    return book, results, book.write_all(run)
