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
from .discover import find_submissions
from .errors import GraderError, UsageError
from .progress import Progress
from .report import summary_table, write_gradebook, write_submission
from .results import SubmissionResult
from .settings import DEFAULT_PROFILE, PROFILES, Settings, get_profile
from .stats import exercise_statistics, statistics_table, write_summary

EXIT_OK, EXIT_GRADER_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade",
        description="Execute each student notebook in a fresh kernel and check its functions "
        "against the reference solutions on generated inputs.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a folder of submissions (notebooks, or one sub-folder per student) "
                        "or single notebooks")
    parser.add_argument("--out", type=Path, default=Path("grades"),
                        help="folder for grades.csv and per-submission results (default: grades/)")
    parser.add_argument("--force", action="store_true",
                        help="regrade every submission, also those graded into --out before from "
                        "the same notebook with the same assignment, grader and settings")
    for flag in Settings.flags():
        parser.add_argument(f"--{flag.name.replace('_', '-')}", action="store_true",
                            help=flag.metadata["help"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--assignment", default=None,
                        help="which assignment the notebooks answer (default: the only one)")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES),
                        help=f"settings profile (default: {DEFAULT_PROFILE})")
    for option in Settings.options():
        parser.add_argument(
            f"--{option.name.replace('_', '-')}",
            type={"int": int, "float": float}[option.type],
            default=None,
            help=f"{option.metadata['help']} (default: {getattr(PROFILES[DEFAULT_PROFILE], option.name)})",
        )
    return parser


def _settings(arguments) -> Settings:
    settings = get_profile(arguments.profile)
    changes = {
        option.name: getattr(arguments, option.name)
        for option in Settings.options()
        if getattr(arguments, option.name) is not None
    }
    for name, value in changes.items():
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number, not {value:g}")
    changes.update({flag.name: True for flag in Settings.flags() if getattr(arguments, flag.name, False)})
    return settings.replace(**changes)


def _assignment_name(requested: str | None) -> str:
    if requested:
        return requested
    names = available_assignments()
    if len(names) != 1:
        raise UsageError(f"say which assignment with --assignment: one of {', '.join(names)}")
    return names[0]


def run(argv: list[str]) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {arguments.jobs}")
    settings = _settings(arguments)
    assignment = load_assignment(_assignment_name(arguments.assignment))
    assignment.reference_functions()  # fail now, not once per submission, if they are missing
    found = find_submissions(arguments.paths, assignment.notebook)
    if found.skipped:
        names = ", ".join(path.name for path in found.skipped)
        print(f"Skipped {len(found.skipped)} file(s) that are not notebooks: {names}", file=sys.stderr)
    if not found.submissions:
        raise UsageError("no notebooks (*.ipynb) found under " + ", ".join(map(str, arguments.paths)))

    out = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    total = len(found.submissions)
    print(f"Grading {total} submission(s) for {assignment.name!r} with {arguments.jobs} job(s)...",
          file=sys.stderr)
    started = time.perf_counter()
    done: list[SubmissionResult] = []
    cache = ResultCache.for_run(out, assignment, settings, reuse=not arguments.force)
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
        grade_all(assignment, pending, settings, arguments.jobs, on_result)
    finally:
        progress.close()
    results = done
    elapsed = time.perf_counter() - started
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


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except GraderError as error:
        print(f"grade: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("grade: interrupted; results written so far are kept.", file=sys.stderr)
        return 130
