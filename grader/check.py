"""Check one student function against its reference, the way ``hypothesis.find`` searches.

Inputs are drawn by hypothesis in the grader's process; the reference runs here, the student's
function runs in their kernel and only its output comes back (see ``calls``); the comparison
runs here. A first pass only draws the inputs (once per process: with a fixed seed per
sub-check they are the same for every student), so they can all go to the kernel in one round
trip. Only when one of them fails does hypothesis run again: with the same seed it replays the
same inputs, then shrinks the failure to the smallest input that still fails, calling the kernel
only for the new inputs shrinking tries. No example database is used: every student meets the
same inputs and a re-run gives the same verdict."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from functools import cache

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.errors import Flaky

from .assignment import Exercise, SubCheck
from .calls import FunctionCaller, Outcome, Raised, Rejected, Returned, TimedOut
from .compare import Mismatch
from .literals import literal
from .results import CheckResult, Counterexample


class _Failed(Exception):
    """Raised inside the hypothesis test so that it shrinks the input."""


class _Stop(BaseException):
    """Ends a search at once: hypothesis does not catch it, so nothing is shrunk or retried."""


def _hypothesis_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


def _judge(subcheck: SubCheck, arguments: tuple, expected, outcome: Outcome) -> Mismatch | None:
    if isinstance(outcome, Returned):
        return subcheck.compare(arguments, np.asarray(expected), outcome.value)
    if isinstance(outcome, Raised):
        where = f" at {outcome.where}" if outcome.where else ""
        return Mismatch(f"raised {outcome.error}{where}")
    if isinstance(outcome, Rejected):
        return Mismatch(outcome.reason)
    return None  # a timeout is not a mismatch; it stops the search (see below)


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, Returned):
        return literal(outcome.value)
    if isinstance(outcome, Raised):
        return f"raised {outcome.error}"
    if isinstance(outcome, TimedOut):
        return f"no answer within {outcome.seconds:g} s"
    return outcome.reason


def _seed(exercise: Exercise, subcheck: SubCheck) -> int:
    """One fixed seed per sub-check, the same in every process and on every machine."""
    return zlib.crc32(f"{exercise.name}/{subcheck.name}".encode())


@cache
def _drawn_inputs(exercise: Exercise, subcheck: SubCheck, max_examples: int) -> tuple[tuple, ...]:
    """The inputs hypothesis draws for a sub-check when nothing fails: the same for everyone."""
    drawn: list[tuple] = []

    @seed(_seed(exercise, subcheck))
    @_hypothesis_settings(max_examples)
    @given(subcheck.inputs)
    def collect(arguments):
        drawn.append(arguments)

    collect()
    return tuple(drawn)


@cache
def _expected_outputs(
    exercise: Exercise, subcheck: SubCheck, max_examples: int, reference: Callable
) -> tuple:
    return tuple(
        _call_reference(reference, arguments)
        for arguments in _drawn_inputs(exercise, subcheck, max_examples)
    )


def _call_reference(reference: Callable, arguments: tuple):
    return np.asarray(
        reference(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments])
    )


def _counterexample(exercise, arguments, expected, outcome: Outcome, problem: Mismatch):
    return Counterexample(
        arguments=tuple(
            (name, literal(value, prefix=f"{name} = "))
            for name, value in zip(exercise.parameters, arguments)
        ),
        expected=literal(expected),
        actual=_describe(outcome),
        reason=problem.reason,
        first_difference=None if problem.first_difference is None else str(problem.first_difference),
    )


def _examine(exercise, subcheck, arguments, expected, outcome) -> Counterexample | None:
    if isinstance(outcome, TimedOut):
        return _counterexample(exercise, arguments, expected, outcome, Mismatch("timed out"))
    problem = _judge(subcheck, arguments, expected, outcome)
    return problem and _counterexample(exercise, arguments, expected, outcome, problem)


def run_check(
    exercise: Exercise,
    subcheck: SubCheck,
    reference: Callable,
    caller: FunctionCaller,
    max_examples: int,
) -> CheckResult:
    """Search for an input on which the student's function disagrees with the reference.

    The drawn inputs (and the reference's outputs for them) are the same for every student, so
    they are made once per process. All of them go to the kernel in one round trip. Only if one
    fails does hypothesis run again, replaying the same inputs and then shrinking.
    """

    def result(status, example: Counterexample | None = None) -> CheckResult:
        message = example.actual if status == "timeout" else example.reason if example else ""
        return CheckResult(
            exercise.name, subcheck.name, subcheck.description, subcheck.points, status,
            message, example,
        )

    inputs = _drawn_inputs(exercise, subcheck, max_examples)
    caller.prefetch(exercise.name, inputs)
    expected_outputs = _expected_outputs(exercise, subcheck, max_examples, reference)
    for arguments, expected in zip(inputs, expected_outputs):
        outcome = caller.call(exercise.name, arguments)
        example = _examine(exercise, subcheck, arguments, expected, outcome)
        if example and isinstance(outcome, TimedOut):
            return result("timeout", example)
        if example:
            break
    else:
        return result("passed")

    found: list[Counterexample] = []  # the last one is the smallest: hypothesis replays it last

    @seed(_seed(exercise, subcheck))
    @_hypothesis_settings(max_examples)
    @given(subcheck.inputs)
    def search(arguments):
        outcome = caller.call(exercise.name, arguments)
        expected = _call_reference(reference, arguments)
        example = _examine(exercise, subcheck, arguments, expected, outcome)
        if example:
            found.append(example)
            raise _Stop if isinstance(outcome, TimedOut) else _Failed(example.reason)

    try:
        search()
    except _Stop:
        return result("timeout", found[-1])
    except (_Failed, Flaky):
        return result("failed", found[-1])
    return result("failed", example)  # not met again while searching: report it unshrunk
