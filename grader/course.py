"""The front door: grade what a course hands in, from Python as from ``grade PATH...``.

    from grader import Request, grade
    run = grade(Request(paths=(Path("submissions"),), out=Path("grades")))

``grade`` takes the submissions in (folders, notebooks, zips, Canvas and Gradescope downloads),
sorts them by lesson, checks every choice against every lesson before anything is graded, and
grades each lesson into its folder: in a local pool of processes or on a Dask cluster, keeping
unchanged results from the cache, recording every grading in the lesson's gradebook and writing
its views (``grades.csv``, feedback, ``summary.json``, ``report.html``). What it has to say on
the way goes to a ``Voice``: the command line prints it; the default keeps quiet. Errors name
the ``Request``'s fields and the settings' (see ``model.errors.SettingError``).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .gradebook.late import parse_penalty, parse_time
from .gradebook.roster import Roster, read_roster
from .gradebook.store import Gradebook, lesson_folder
from .gradebook.views import LessonBook
from .grading.batch import grade_all
from .grading.cache import ResultCache, grader_version
from .grading.cluster import check_cluster, grade_on_cluster
from .grading.connect import Cluster, Target, connect, parse_target, waiting_line
from .grading.pipeline import grade_submission, kept_from_kernels
from .intake.by_lesson import LessonBatch, sort_by_lesson
from .intake.discover import Found, Submission
from .intake.intake import take_in
from .judge.oracle import Oracle, make_oracle
from .kernel.notebook import read_notebook
from .kernel.sandbox import check_answers_out_of_reach, check_mode
from .model.assignment import Assignment
from .model.errors import SettingError, UsageError
from .model.lessons import Installed, choose_lesson, installed_lessons, load_assignment
from .model.results import SubmissionResult
from .model.settings import PROFILES, Settings
from .output.junit import write_junit
from .output.lines import SOURCES, held_out_line, sandbox_line
from .output.progress import Progress
from .output.report import summary_table
from .output.stats import exercise_statistics, statistics_table

Grade = Callable[[list[Submission], Callable], dict]  # grades, and says how, for summary.json


@dataclass(frozen=True)
class Request:
    """What to grade, where the results go, and how; every field has the command line's
    default, and the option of the same name (``out`` is ``--out``)."""

    paths: tuple[Path, ...]  # folders, notebooks, zips, a Canvas or Gradescope download
    out: Path = Path("grades")
    settings: Settings = field(default_factory=lambda: PROFILES["thorough"])
    lesson: str | None = None  # grade every notebook for this lesson; None: each its own
    exercises: tuple[str, ...] | None = None  # only these functions; None: all
    without_solutions: bool = False  # the stored outputs, even where the reference is here
    force: bool = False  # regrade also what the cache holds
    jobs: int | None = None  # submissions at once here; None: the number of cores
    cluster: str | None = None  # grade on a Dask cluster instead (see ``grading.connect``)
    junit: Path | None = None  # also write JUnit XML here
    late_penalty: str | None = None  # the lesson's late penalty from now on (see ``late``)
    deadline: str | None = None
    roster: Path | None = None  # a CSV of the students, for their submission times


class Voice(Protocol):
    """Who hears what a run has to say as it goes."""

    def note(self, text: str) -> None:
        """A line for the instructor about how the run goes."""

    def show(self, text: str) -> None:
        """What the run found: the tables, and where the results are."""

    def progress(self, total: int) -> Progress | None:
        """Something to count finished submissions on, or None."""


class Quiet:
    """A voice that says nothing: the default for grading from Python."""

    def note(self, text: str) -> None:
        pass

    def show(self, text: str) -> None:
        pass

    def progress(self, total: int) -> Progress | None:
        return None


@dataclass(frozen=True)
class LessonRun:
    """What grading one lesson's submissions gave."""

    lesson: str
    out: Path
    results: tuple[SubmissionResult, ...]  # this run's, those kept from the cache included
    kept: int  # results kept from earlier runs
    report: Path | None
    problem: str = ""  # why the lesson could not be graded at all

    @property
    def failed(self) -> tuple[str, ...]:
        """The submissions the grader itself failed on."""
        return tuple(r.id for r in self.results if r.status == "grader error")


@dataclass(frozen=True)
class Run:
    """What a whole ``grade`` gave, lesson by lesson."""

    lessons: tuple[LessonRun, ...]

    @property
    def results(self) -> tuple[SubmissionResult, ...]:
        return tuple(result for lesson in self.lessons for result in lesson.results)

    @property
    def complete(self) -> bool:
        """Whether every submission got a verdict: no lesson left ungraded, no grader error."""
        return all(not lesson.problem and not lesson.failed for lesson in self.lessons)


def grade(request: Request, voice: Voice | None = None) -> Run:
    """Grade everything ``request`` names; every choice is checked before any kernel starts."""
    voice = voice or Quiet()
    target = parse_target(request.cluster) if request.cluster else None
    jobs = _jobs(request, target)
    if target is None:
        check_mode(request.settings.sandbox)
        check_answers_out_of_reach(request.settings.sandbox)
    policy = _late_policy(request)
    roster = read_roster(request.roster)
    if request.lesson:
        load_assignment(request.lesson)  # a lesson that is not there is refused first
    installed = installed_lessons()
    this = _Run(request, voice, target, jobs, policy, roster)
    with tempfile.TemporaryDirectory(prefix="grade-submissions-") as scratch:
        return _grade_found(this, installed, Path(scratch))


def check_notebook(path: Path, settings: Settings, lesson: str | None = None,
                   exercises: Sequence[str] | None = None, without_solutions: bool = False,
                   voice: Voice | None = None) -> SubmissionResult:
    """Grade one notebook as final grading would, writing nothing: a student's self-check
    (``grade check``). Its folder's files are beside it as it runs, as a student's folder's are
    in grading. An unreadable notebook raises ``UnreadableNotebook``."""
    voice = voice or Quiet()
    check_mode(settings.sandbox)
    check_answers_out_of_reach(settings.sandbox)
    notebook = read_notebook(path)
    assignment, oracle = chosen_lesson(choose_lesson(lesson, notebook), settings, exercises,
                                       without_solutions)
    voice.note(f"Checking {path} against the {SOURCES[oracle.mode]}...")
    voice.note(sandbox_line(settings))
    submission = Submission(path.stem, path, folder=_own_folder(path, assignment))
    return grade_submission(submission, assignment, settings, oracle)


def _own_folder(path: Path, assignment: Assignment) -> Path | None:
    """The notebook's folder: its files (a helper module, a data file) are there when it runs.
    Not a lesson's folder (the handout's, which holds the stored outputs) nor the reference
    solutions', whose files never enter a kernel."""
    if any(path.resolve().parent.is_relative_to(folder)
           for folder in kept_from_kernels(assignment)):
        return None
    return path.parent


def chosen_lesson(assignment: Assignment, settings: Settings, exercises: Sequence[str] | None,
                  without_solutions: bool) -> tuple[Assignment, Oracle]:
    """The lesson cut to ``exercises``, and where its expected outputs come from; refused now
    if that source cannot serve the settings."""
    assignment = assignment.only(exercises)
    oracle = make_oracle(assignment, use_reference=not without_solutions)
    oracle.ensure_usable(settings.max_examples)
    return assignment, oracle


@dataclass(frozen=True)
class _Run:
    """What every lesson of one run shares."""

    request: Request
    voice: Voice
    target: Target | None
    jobs: int
    policy: tuple[str, str | None] | None  # the late policy the request gives: rule, deadline
    roster: Roster


def _jobs(request: Request, target: Target | None) -> int:
    """Submissions graded at once here; none with a cluster, whose workers say."""
    if target and request.jobs is not None:
        raise SettingError("{jobs} and {cluster} do not go together: on a cluster, its workers' "
                           "threads say how many submissions are graded at once")
    jobs = request.jobs if request.jobs is not None else os.cpu_count() or 1
    if jobs < 1:
        raise SettingError(f"{{jobs}} must be at least 1, not {jobs}")
    return jobs


def _late_policy(request: Request) -> tuple[str, str | None] | None:
    """The late policy the request gives, checked now, before anything is graded."""
    if request.deadline and not request.late_penalty:
        raise SettingError('{deadline} needs {late_penalty} to say what lateness costs, such as '
                           '{late_penalty="10%/day, max 50%"}')
    if request.late_penalty is None:
        return None
    deadline = parse_time(request.deadline) if request.deadline else None
    parse_penalty(request.late_penalty, deadline)
    return request.late_penalty, deadline.isoformat() if deadline else None


def _found(this: _Run, installed: Installed, scratch: Path) -> Found:
    handouts = {lesson.notebook for lesson in installed.lessons}
    intake = take_in(list(this.request.paths), handouts, scratch)
    for note in intake.notes:
        this.voice.note(note)
    found = intake.found
    if found.skipped:
        names = ", ".join(path.name for path in found.skipped)
        this.voice.note(f"Skipped {len(found.skipped)} file(s) that are not notebooks: {names}")
    if not found.submissions:
        raise UsageError(
            "no notebooks (*.ipynb) or scripts (*.py) found under "
            + ", ".join(map(str, this.request.paths))
        )
    return found


def _grade_found(this: _Run, installed: Installed, scratch: Path) -> Run:
    request = this.request
    found = _found(this, installed, scratch)
    batches = sort_by_lesson(found.submissions, installed, request.lesson)
    lessons = _resolved(this, batches)  # every choice checked for every lesson before grading
    several = len(batches) > 1
    if several:
        counts = ", ".join(f"{b.lesson} ({len(b.submissions)})" for b in batches)
        this.voice.note(f"These submissions answer {len(batches)} lessons: {counts}. Each "
                        f"lesson is graded into a folder of its own under {request.out}.")
    runs: list[LessonRun] = []
    with ExitStack() as stack:
        link = ClusterLink(stack, this.target, this.voice) if this.target else None
        for batch, chosen in lessons:
            out = lesson_folder(request.out, batch.lesson, several)
            if chosen is None:
                this.voice.note(f"{len(batch.submissions)} submission(s) answer the lesson "
                                f"{batch.lesson!r}, which cannot be loaded, and were not "
                                f"graded: {batch.problem}")
                runs.append(LessonRun(batch.lesson, out, (), 0, None, batch.problem))
                continue
            runs.append(_grade_lesson(this, batch, chosen, out, link,
                                      first=not any(run.results for run in runs)))
            if request.junit:  # after each lesson, so a later lesson's failure loses none
                write_junit(request.junit, [r for run in runs for r in run.results])
    return Run(tuple(runs))


def _resolved(this: _Run, batches: list[LessonBatch]
              ) -> list[tuple[LessonBatch, tuple[Assignment, Oracle] | None]]:
    """Each batch with its lesson cut to the chosen exercises and its source of expected
    outputs (None for a lesson that cannot be loaded); refused now if a choice does not fit a
    lesson, before any lesson is graded."""
    request = this.request
    resolved: list[tuple[LessonBatch, tuple[Assignment, Oracle] | None]] = []
    for batch in batches:
        if batch.assignment is None:
            resolved.append((batch, None))
            continue
        try:
            chosen = chosen_lesson(batch.assignment, request.settings, request.exercises,
                                   request.without_solutions)
        except UsageError as error:
            if len(batches) == 1:
                raise
            names = ", ".join(b.lesson for b in batches)
            said = error.template if isinstance(error, SettingError) else str(error)
            raise SettingError(
                f"for the lesson {batch.lesson!r}: {said}. These submissions answer "
                f"{len(batches)} lessons ({names}): grade one at a time with {{lesson=NAME}}"
            ) from None
        resolved.append((batch, chosen))
    return resolved


class ClusterLink:
    """The run's one connection to ``target``, made when a submission first needs a kernel and
    kept for every lesson of the run; ``stack`` disconnects (and stops what was started)."""

    def __init__(self, stack: ExitStack, target: Target, voice: Voice):
        self.stack, self.target, self.voice = stack, target, voice
        self.cluster: Cluster | None = None

    def __call__(self) -> Cluster:
        if self.cluster is None:
            cluster = self.stack.enter_context(connect(self.target))
            if not cluster.client.nthreads():
                self.voice.note(waiting_line(cluster))
                cluster.client.wait_for_workers(1)
            self.cluster = cluster
        return self.cluster


def _on_cluster(link: ClusterLink, assignment: Assignment, settings: Settings, oracle: Oracle,
                pending: list[Submission]) -> Grade:
    """How to grade ``pending`` on the cluster ``link`` reaches: connected (if not yet) and
    checked for this lesson now, with the run's lines said, if any of them needs a kernel."""
    use_reference = oracle.mode == "reference"
    cluster, expected = None, None
    if any(not submission.problem for submission in pending):
        cluster = link()
        expected = check_cluster(cluster, assignment, settings, oracle.mode, use_reference)
        link.voice.note(f"On {cluster.described}: {cluster.record['workers']} worker(s) with "
                        f"{cluster.record['threads']} thread(s) in all.")
        link.voice.note(sandbox_line(settings, expected.sandbox, " on the workers"))

    def grade(submissions: list[Submission], on_result: Callable) -> dict:
        if cluster and expected:  # it grades here what needs no kernel
            grade_on_cluster(cluster, assignment, submissions, settings, expected, on_result,
                             use_reference)
        else:  # none needs a kernel
            grade_all(assignment, submissions, settings, 1, on_result, use_reference)
        return {"jobs": None,
                "cluster": dict(cluster.record) if cluster
                else {"target": link.target.text, "workers": 0}}

    return grade


def _here(jobs: int, assignment: Assignment, settings: Settings, oracle: Oracle) -> Grade:
    """How to grade with the local pool; says how, for summary.json."""

    def grade(submissions: list[Submission], on_result: Callable) -> dict:
        grade_all(assignment, submissions, settings, jobs, on_result,
                  use_reference=oracle.mode == "reference")
        return {"jobs": jobs}

    return grade


class Recorder:
    """Records each result as it lands: in the gradebook, its files, the cache, progress; and
    writes grades.csv so far, at most once every ``GRADEBOOK_EVERY`` seconds and when closed,
    since rewriting it for each result would cost a batch of N submissions time in N squared."""

    GRADEBOOK_EVERY = 1.0

    def __init__(self, book: LessonBook, cache: ResultCache, submissions: tuple[Submission, ...],
                 run: int, roster: Roster, progress: Progress | None = None):
        self.book, self.cache, self.run = book, cache, run
        self.roster = {submission.id: submission.roster for submission in submissions}
        self.times = roster.submission_times((s.id, s.roster) for s in submissions)
        self.progress = progress
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
        if self.progress:
            self.progress.update(result, reused)

    def _write_gradebook(self) -> None:
        self.book.write_grades()
        self.written = time.monotonic()

    def close(self) -> None:
        """Write the gradebook of every result so far; take the progress bar away."""
        self._write_gradebook()
        if self.progress:
            self.progress.close()


def _grade_lesson(this: _Run, batch: LessonBatch, chosen: tuple[Assignment, Oracle], out: Path,
                  link: ClusterLink | None, first: bool) -> LessonRun:
    """Grade one lesson's submissions into ``out``."""
    request, settings, target, voice = this.request, this.request.settings, this.target, this.voice
    assignment, oracle = chosen
    out.mkdir(parents=True, exist_ok=True)
    total = len(batch.submissions)
    how = f"on the cluster {target.text}" if target else f"with {this.jobs} job(s)"
    voice.note(f"Grading {total} submission(s) for {assignment.name!r} {how}, against the "
               f"{SOURCES[oracle.mode]}...")
    if first and not target:
        voice.note(sandbox_line(settings))
    voice.note(held_out_line(assignment, oracle, settings))
    started = time.perf_counter()
    cache = ResultCache.for_run(out, assignment, settings, reuse=not request.force,
                                mode=oracle.mode)
    kept, pending = cache.reuse(batch.submissions)
    if kept:
        voice.note(f"{len(kept)} of them are unchanged since they were graded into {out}; "
                   "their results are kept (--force regrades them).")
    grade = (_on_cluster(link, assignment, settings, oracle, pending) if link
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
    voice.show(f"\n{total} submission(s) graded in {elapsed:.1f} s{unchanged}. Gradebook: "
               f"{out / 'grades.csv'}{listed}; feedback: {out}/<submission>/feedback.md and "
               f"feedback.html; class statistics: {out / 'summary.json'}; class report: "
               f"{report}; every grading: {gradebook.path} (grade history STUDENT --out {out})")
    run = LessonRun(assignment.name, out, tuple(results), len(kept), report)
    if run.failed:
        voice.note(f"The grader itself failed on: {', '.join(run.failed)}")
    return run


def _record_lesson(this: _Run, batch: LessonBatch, assignment: Assignment, out: Path,
                   cache: ResultCache, gradebook: Gradebook, grade: Grade, kept, pending,
                   started: float):
    """Grade what is pending, record every result in the gradebook as it lands, and write the
    lesson's views of it; show the run's table and the class's statistics."""
    settings = this.request.settings
    if this.policy:
        gradebook.set_policy(assignment.name, *this.policy)
    scope = ",".join(e.name for e in assignment.exercises) if this.request.exercises else ""
    book = LessonBook(out, assignment, gradebook, scope)
    run_id = gradebook.start_run(assignment.name, grader_version(),
                                 dataclasses.asdict(settings), cache.run_key)
    record = Recorder(book, cache, batch.submissions, run_id, this.roster,
                      this.voice.progress(len(batch.submissions)))
    for result in kept:
        record(result, reused=True)
    try:
        how_run = grade(pending, record)
    finally:
        record.close()
    results = record.results
    this.voice.show(summary_table(assignment, results))
    this.voice.show("\n" + statistics_table(exercise_statistics(assignment, book.results())))
    run = {"seconds": round(time.perf_counter() - started, 1), **how_run,
           "graded": len(pending), "kept_from_earlier_runs": len(kept),
           "settings": dataclasses.asdict(settings)}
    gradebook.finish_run(run_id, run)
    return book, results, book.write_all(run)
