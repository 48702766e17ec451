"""Check one student function on a sub-check's inputs, the way ``hypothesis.find`` searches.

The inputs are the sub-check's fixed set (see ``oracle``): the same for every student. They all
go to the student's kernel in one round trip and come back as plain data (see ``calls``);
every comparison runs here, in the grader's process. If one fails and the reference solution is
at hand, hypothesis runs with the sub-check's seed: it replays the same inputs, then shrinks the
failure to the smallest input that still fails, calling the kernel only for the new inputs
shrinking tries. Without the reference, the smallest failing input of the fixed set is shown.
With stand-ins, every call, the ones shrinking tries included, carries the helper outputs that
stand in while it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import given, seed
from hypothesis.errors import Flaky

from .assignment import Exercise, SubCheck
from .calls import FunctionCaller, Outcome, Raised, Rejected, Returned, StandInOutput, TimedOut
from .compare import Mismatch
from .literals import literal
from .oracle import (
    Examples,
    call_reference,
    same_draws_in_every_process,
    search_seed,
    search_settings,
)
from .results import CheckResult, Counterexample


class _Failed(Exception):
    """Raised inside the hypothesis test so that it shrinks the input."""


class _Stop(BaseException):
    """Ends a search at once: hypothesis does not catch it, so nothing is shrunk or retried."""


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


def _size(arguments: tuple) -> int:
    return sum(np.size(value) for value in arguments)


def run_check(
    exercise: Exercise,
    subcheck: SubCheck,
    examples: Examples,
    caller: FunctionCaller,
    reference: Callable | None = None,
    max_examples: int = 100,
    stand_ins: Callable[[tuple], Sequence[StandInOutput]] | None = None,
) -> CheckResult:
    """Look for an input on which the student's function is wrong, and report the smallest.

    ``max_examples`` must be the number the fixed inputs were drawn with, so that hypothesis,
    searching again to shrink, replays them. ``stand_ins``, when given, says for a call's
    arguments which helper outputs stand in while it runs (see ``Oracle.stand_ins``).
    """
    replacing = stand_ins or (lambda arguments: ())

    def result(status, example: Counterexample | None = None) -> CheckResult:
        message = example.actual if status == "timeout" else example.reason if example else ""
        return CheckResult(
            exercise.name, subcheck.name, subcheck.description, subcheck.points, status,
            message, example,
        )

    caller.prefetch(exercise.name, examples.inputs, [replacing(a) for a in examples.inputs])
    failures = []
    for arguments, expected in zip(examples.inputs, examples.expected):
        outcome = caller.call(exercise.name, arguments, replacing(arguments))
        example = _examine(exercise, subcheck, arguments, expected, outcome)
        if example and isinstance(outcome, TimedOut):
            return result("timeout", example)
        if example:
            failures.append((_size(arguments), example))
            if reference is not None:
                break
    if not failures:
        return result("passed")
    if reference is None:
        return result("failed", min(failures, key=lambda failure: failure[0])[1])

    found: list[Counterexample] = []  # the last one is the smallest: hypothesis replays it last

    @seed(search_seed(exercise, subcheck))
    @search_settings(max_examples)
    @given(subcheck.inputs)
    def search(arguments):
        outcome = caller.call(exercise.name, arguments, replacing(arguments))
        expected = call_reference(reference, arguments)
        example = _examine(exercise, subcheck, arguments, expected, outcome)
        if example:
            found.append(example)
            raise _Stop if isinstance(outcome, TimedOut) else _Failed(example.reason)

    try:
        with same_draws_in_every_process():
            search()
    except _Stop:
        return result("timeout", found[-1])
    except (_Failed, Flaky):
        return result("failed", found[-1])
    return result("failed", failures[0][1])  # not met again while searching: shown unshrunk
