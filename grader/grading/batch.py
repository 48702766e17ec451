"""Grade many submissions side by side, each in its own worker process.

A worker that dies takes only the submissions it held: they are retried once in a fresh pool
and, if that fails too, recorded with status "grader error".
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import cache

from ..intake.discover import Submission
from ..judge.exercises import all_not_checked
from ..judge.oracle import Oracle, make_oracle
from ..model.assignment import Assignment
from ..model.errors import GraderError
from ..model.lessons import load_assignment
from ..model.results import SubmissionResult
from ..model.settings import Settings
from .pipeline import grade_submission


@cache
def cached_assignment_and_oracle(name: str, exercises: tuple[str, ...],
                                 use_reference: bool) -> tuple[Assignment, Oracle]:
    assignment = load_assignment(name).only(exercises)
    return assignment, make_oracle(assignment, use_reference)


def grader_error(assignment: Assignment, submission: Submission, what: str) -> SubmissionResult:
    message = f"The grader failed on this submission ({what}); please report it."
    return SubmissionResult(
        submission.id, str(submission.path), "grader error",
        all_not_checked(assignment, message), message=message,
    )


def grade_one(
    assignment_name: str,
    exercises: tuple[str, ...],
    submission: Submission,
    settings: Settings,
    use_reference: bool = True,
) -> SubmissionResult:
    """Grade one submission; a failure of the grader itself becomes a result, not a crash.

    Workers receive the assignment's name and chosen exercises rather than the assignment (its
    strategies do not pickle); they load it, and its reference, once per process.
    """
    assignment, oracle = cached_assignment_and_oracle(assignment_name, exercises, use_reference)
    try:
        return grade_submission(submission, assignment, settings, oracle)
    except GraderError as error:  # worded for people already: no traceback needed
        return grader_error(assignment, submission, str(error))
    except Exception:
        return grader_error(assignment, submission, traceback.format_exc(limit=-3).strip())


def grade_all(
    assignment: Assignment,
    submissions: Sequence[Submission],
    settings: Settings,
    jobs: int = 1,
    on_result: Callable[[SubmissionResult], None] = lambda result: None,
    use_reference: bool = True,
) -> list[SubmissionResult]:
    """Grade every submission, calling ``on_result`` as each one finishes."""
    results = []
    for result in _results(assignment, submissions, settings, jobs, use_reference):
        on_result(result)
        results.append(result)
    return results


def _results(assignment, submissions, settings, jobs, use_reference) -> Iterator[SubmissionResult]:
    exercises = tuple(exercise.name for exercise in assignment.exercises)
    if jobs <= 1:
        for submission in submissions:
            yield grade_one(assignment.name, exercises, submission, settings, use_reference)
        return
    pending = list(submissions)
    for _attempt in (1, 2):
        if not pending:
            return
        crashed = []
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {
                pool.submit(
                    grade_one, assignment.name, exercises, submission, settings, use_reference
                ): submission
                for submission in pending
            }
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in done:
                    submission = futures.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        crashed.append(submission)
                    except Exception as error:
                        yield grader_error(assignment, submission, repr(error))
        pending = crashed
    for submission in pending:
        yield grader_error(assignment, submission, "its worker process died twice")
