"""Check one student function against its reference, the way ``hypothesis.find`` searches.

Inputs are drawn by hypothesis in the grader's process; the reference runs here, the student's
function runs in their kernel and only its output comes back (see ``calls``); the comparison
runs here. A first pass only draws the inputs, so they can all be sent to the kernel in one
round trip; the second pass replays the same inputs from those outcomes and shrinks any failure
to the smallest input that still fails, calling the kernel only for the new inputs shrinking
tries. Both passes are derandomized and use no example database: every student meets the same
inputs and a re-run gives the same verdict.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
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


def run_check(
    exercise: Exercise,
    subcheck: SubCheck,
    reference: Callable,
    caller: FunctionCaller,
    max_examples: int,
) -> CheckResult:
    """Search for an input on which the student's function disagrees with the reference."""
    drawn: list[tuple] = []
    found: list[Counterexample] = []  # the last one is the smallest: hypothesis replays it last
    collecting = True

    def counterexample(arguments, expected, actual: str, reason: str, where=None):
        return Counterexample(
            arguments=tuple(
                (name, literal(value, prefix=f"{name} = "))
                for name, value in zip(exercise.parameters, arguments)
            ),
            expected=literal(expected),
            actual=actual,
            reason=reason,
            first_difference=None if where is None else str(where),
        )

    @_hypothesis_settings(max_examples)
    @given(subcheck.inputs)
    def search(arguments):
        if collecting:
            drawn.append(arguments)
            return
        expected = reference(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments])
        outcome = caller.call(exercise.name, arguments)
        if isinstance(outcome, TimedOut):
            found.append(counterexample(arguments, expected, _describe(outcome), "timed out"))
            raise _Stop
        problem = _judge(subcheck, arguments, expected, outcome)
        if problem:
            found.append(
                counterexample(
                    arguments, expected, _describe(outcome), problem.reason, problem.first_difference
                )
            )
            raise _Failed(problem.reason)

    def result(status, message="", example=None) -> CheckResult:
        return CheckResult(
            exercise.name, subcheck.name, subcheck.description, subcheck.points, status,
            message, example,
        )

    search()
    collecting = False
    caller.prefetch(exercise.name, drawn)
    try:
        search()
    except _Stop:
        return result("timeout", found[-1].actual, found[-1])
    except (_Failed, Flaky):
        return result("failed", found[-1].reason, found[-1])
    return result("passed")
