"""The ``grade`` command: grade a folder of notebooks and write the gradebook and feedback."""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

from .assignment import available_assignments, load_assignment
from .batch import grade_all
from .cache import ResultCache
from .discover import Submission, find_submissions
from .errors import GraderError, UsageError
from .junit import write_junit
from .oracle import make_oracle
from .pipeline import grade_submission
from .progress import Progress
from .report import feedback_markdown, summary_table, write_gradebook, write_submission
from .results import SubmissionResult
from .sandbox import check_mode, unavailable_because
from .settings import DEFAULT_PROFILE, PROFILES, Settings, get_profile
from .stats import exercise_statistics, statistics_table, write_summary

EXIT_OK, EXIT_GRADER_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_CHECK_FAILED = 1  # grade check: an exercise fails
SOURCES = {"reference": "reference solutions", "stored outputs": "outputs stored with the assignment"}


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options that ``grade`` and ``grade check`` share, so both grade the same way."""
    for flag in Settings.flags():
        parser.add_argument(f"--{flag.name.replace('_', '-')}", action="store_true",
                            help=flag.metadata["help"])
    parser.add_argument("--assignment", default=None,
                        help="which assignment the notebooks answer (default: the only one)")
    parser.add_argument("--exercise", action="append", default=None, metavar="NAME",
                        help="check only this function (may be given more than once)")
    parser.add_argument("--junit", type=Path, default=None, metavar="FILE",
                        help="also write JUnit XML, one test case per sub-check, for CI systems")
    parser.add_argument("--without-solutions", action="store_true",
                        help="ignore the reference solutions even if installed and compare with "
                        "the expected outputs stored with the assignment, as a student's "
                        "install does")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES),
                        help=f"settings profile (default: {DEFAULT_PROFILE})")
    for option in Settings.options():
        parser.add_argument(
            f"--{option.name.replace('_', '-')}",
            type={"int": int, "float": float, "str": str}[option.type],
            choices=option.metadata["choices"] or None,
            default=None,
            help=f"{option.metadata['help']} (default: {getattr(PROFILES[DEFAULT_PROFILE], option.name)})",
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade",
        description="Execute each student notebook in a fresh kernel and check its functions "
        "against the reference solutions on generated inputs. "
        "`grade check NOTEBOOK` checks one notebook and prints the feedback instead.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a folder of submissions (notebooks, or one sub-folder per student) "
                        "or single notebooks")
    parser.add_argument("--out", type=Path, default=Path("grades"),
                        help="folder for grades.csv and per-submission results (default: grades/)")
    parser.add_argument("--force", action="store_true",
                        help="regrade every submission, also those graded into --out before from "
                        "the same notebook with the same assignment, grader and settings")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: the number of cores)")
    _add_common_options(parser)
    return parser


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade check",
        description="Check one notebook before submitting it: run it as final grading does and "
        "print, per exercise, PASS or FAIL with the smallest failing input. Exit status: 0 when "
        "every check passes, 1 when one fails, 2 when the notebook cannot be read.",
    )
    parser.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="the notebook to check")
    _add_common_options(parser)
    return parser


def _settings(arguments) -> Settings:
    settings = get_profile(arguments.profile)
    changes = {
        option.name: getattr(arguments, option.name)
        for option in Settings.options()
        if getattr(arguments, option.name) is not None
    }
    for name, value in changes.items():
        if isinstance(value, str):  # its choices are checked by the parser
            continue
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number, not {value:g}")
    changes.update({flag.name: True for flag in Settings.flags() if getattr(arguments, flag.name, False)})
    settings = settings.replace(**changes)
    check_mode(settings.sandbox)
    return settings


def _sandbox_line(settings: Settings) -> str:
    """Whether kernels run in the sandbox, and if not, why, for the run's first lines."""
    if settings.sandbox == "off":
        return "Kernels run without the sandbox (--sandbox off)."
    reason = unavailable_because()
    if reason:
        return f"Kernels run without the sandbox: {reason}. See the README for what still holds."
    return "Kernels run in the sandbox: no network, only their own folder, an unprivileged user."


def _assignment_name(requested: str | None) -> str:
    if requested:
        return requested
    names = available_assignments()
    if len(names) != 1:
        raise UsageError(f"say which assignment with --assignment: one of {', '.join(names)}")
    return names[0]


def _assignment_and_oracle(arguments, settings: Settings):
    assignment = load_assignment(_assignment_name(arguments.assignment)).only(arguments.exercise)
    oracle = make_oracle(assignment, use_reference=not arguments.without_solutions)
    oracle.ensure_usable(settings.max_examples)
    return assignment, oracle


def run(argv: list[str]) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {arguments.jobs}")
    settings = _settings(arguments)
    assignment, oracle = _assignment_and_oracle(arguments, settings)
    found = find_submissions(arguments.paths, assignment.notebook)
    if found.skipped:
        names = ", ".join(path.name for path in found.skipped)
        print(f"Skipped {len(found.skipped)} file(s) that are not notebooks: {names}", file=sys.stderr)
    if not found.submissions:
        raise UsageError("no notebooks (*.ipynb) found under " + ", ".join(map(str, arguments.paths)))

    out = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    total = len(found.submissions)
    print(f"Grading {total} submission(s) for {assignment.name!r} with {arguments.jobs} job(s), "
          f"against the {SOURCES[oracle.mode]}...", file=sys.stderr)
    print(_sandbox_line(settings), file=sys.stderr)
    started = time.perf_counter()
    done: list[SubmissionResult] = []
    cache = ResultCache.for_run(out, assignment, settings, reuse=not arguments.force,
                                mode=oracle.mode)
    kept, pending = cache.reuse(found.submissions)
    if kept:
        print(f"{len(kept)} of them are unchanged since they were graded into {out}; their results "
              "are kept (--force regrades them).", file=sys.stderr)
    progress = Progress(total)

    def on_result(result: SubmissionResult, reused: bool = False) -> None:
        done.append(result)
        write_submission(out, result)
        write_gradebook(out / "grades.csv", assignment, done)
        if not reused:
            cache.store(result)
        progress.update(result, reused)

    for result in kept:
        on_result(result, reused=True)
    try:
        grade_all(assignment, pending, settings, arguments.jobs, on_result,
                  use_reference=oracle.mode == "reference")
    finally:
        progress.close()
    results = done
    elapsed = time.perf_counter() - started
    if arguments.junit:
        write_junit(arguments.junit, results)
    print(summary_table(assignment, results))
    print("\n" + statistics_table(exercise_statistics(assignment, results)))
    write_summary(out / "summary.json", assignment, results, {
        "seconds": round(elapsed, 1), "jobs": arguments.jobs, "graded": len(pending),
        "kept_from_earlier_runs": len(kept), "settings": dataclasses.asdict(settings),
    })
    unchanged = f" ({len(kept)} unchanged, not regraded)" if kept else ""
    print(f"\n{total} submission(s) graded in {elapsed:.1f} s{unchanged}. Gradebook: "
          f"{out / 'grades.csv'}; feedback: {out}/<submission>/feedback.md; class statistics: "
          f"{out / 'summary.json'}")
    failed = [r.id for r in results if r.status == "grader error"]
    if failed:
        print(f"The grader itself failed on: {', '.join(failed)}", file=sys.stderr)
        return EXIT_GRADER_FAILED
    return EXIT_OK


def run_check(argv: list[str]) -> int:
    """``grade check NOTEBOOK``: the verdicts final grading would give, printed for a student."""
    arguments = _check_parser().parse_args(argv)
    settings = _settings(arguments)
    assignment, oracle = _assignment_and_oracle(arguments, settings)
    path = arguments.notebook
    if not path.is_file():
        raise UsageError(f"{path} does not exist")
    print(f"Checking {path} against the {SOURCES[oracle.mode]}...", file=sys.stderr)
    print(_sandbox_line(settings), file=sys.stderr)
    result = grade_submission(Submission(path.stem, path), assignment, settings, oracle)
    if arguments.junit:
        write_junit(arguments.junit, [result])
    if result.status == "unreadable":
        print(f"grade check: {result.message}", file=sys.stderr)
        return EXIT_USAGE
    print(feedback_markdown(result))
    checks = [check for exercise in result.exercises for check in exercise.checks]
    return EXIT_OK if all(check.status == "passed" for check in checks) else EXIT_CHECK_FAILED


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else argv
        if argv[:1] == ["check"]:
            return run_check(argv[1:])
        return run(argv)
    except GraderError as error:
        print(f"grade: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("grade: interrupted; results written so far are kept.", file=sys.stderr)
        return 130
