"""Check one student function on a sub-check's inputs, the way ``hypothesis.find`` searches.

The inputs are the sub-check's fixed set (see ``oracle``): the same for every student. They go
to the student's kernel smallest first, in batches that grow while the function answers fast,
and come back as plain data (see ``calls``); every comparison runs here, in the grader's
process, and the first failure ends the batches. Without the reference solution, that failure,
the smallest failing input of the fixed set, is shown. With it, hypothesis runs with the
sub-check's seed: it draws the inputs again (the same ones, where it is the version that drew
the fixed set) and shrinks the first failure it meets to the smallest input that still fails,
calling the kernel only for inputs not tried yet. With stand-ins, every call, the ones
shrinking tries included, carries the helper outputs that stand in while it runs.

A slow function costs bounded time: the sub-check has a budget, and shrinking a part of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from hypothesis import given, seed
from hypothesis.errors import Flaky

from ..kernel.caller import Caller
from ..kernel.calls import (
    Outcome,
    Raised,
    Rejected,
    Returned,
    StandInOutput,
    TimedOut,
)
from ..model.assignment import Exercise, SubCheck
from ..model.budget import Budget, unlimited
from ..model.compare import Mismatch
from ..model.literals import literal
from ..model.results import CheckResult, Counterexample
from ..model.settings import MAX_EXAMPLES
from ..model.values import argument_key
from .draws import same_draws_in_every_process, search_seed, search_settings
from .grids import counterexample_grids
from .oracle import call_reference
from .stored import Examples

FIRST_BATCH = 1  # a function wrong on the first input is judged after one call
BATCH_GROWTH = 4  # each batch of fixed inputs sent to the kernel is this many times the last
BATCH_SECONDS = 5.0  # at the measured pace, a batch takes no longer than this
MAX_SEARCH_CALLS = 200  # new calls of the student's function while shrinking one failure


class _Failed(Exception):
    """Raised inside the hypothesis test so that it shrinks the input."""


class _Stop(BaseException):
    """Ends a search at once: hypothesis does not catch it, so nothing is shrunk or retried."""


class _CutShort(BaseException):
    """Ends a search at once because its time or calls ran out."""


def judge(subcheck: SubCheck, arguments: tuple, expected, outcome: Outcome) -> Mismatch | None:
    """Why ``outcome`` fails the sub-check on ``arguments``, or None (a timeout is no mismatch:
    it ends the sub-check another way)."""
    if isinstance(outcome, Returned):
        return subcheck.compare(arguments, np.asarray(expected), outcome.value)
    if isinstance(outcome, Raised):
        where = f" at {outcome.where}" if outcome.where else ""
        return Mismatch(f"raised {outcome.error}{where}")
    if isinstance(outcome, Rejected):
        return Mismatch(outcome.reason)
    return None


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, Returned):
        return literal(outcome.value)
    if isinstance(outcome, Raised):
        return f"raised {outcome.error}"
    if isinstance(outcome, TimedOut):
        return f"no answer within {outcome.seconds:g} s"
    return outcome.reason


def _counterexample(exercise, arguments, expected, outcome: Outcome, problem: Mismatch):
    actual = outcome.value if isinstance(outcome, Returned) else None
    return Counterexample(
        arguments=tuple(
            (name, literal(value, prefix=f"{name} = "))
            for name, value in zip(exercise.parameters, arguments)
        ),
        expected=literal(expected),
        actual=_describe(outcome),
        reason=problem.reason,
        first_difference=None if problem.first_difference is None else str(problem.first_difference),
        grids=counterexample_grids(exercise.parameters, arguments, expected, actual,
                                   problem.differing),
    )


def _examine(exercise, subcheck, arguments, expected, outcome) -> Counterexample | None:
    if isinstance(outcome, TimedOut):
        return _counterexample(exercise, arguments, expected, outcome, Mismatch("timed out"))
    problem = judge(subcheck, arguments, expected, outcome)
    return None if problem is None else _counterexample(exercise, arguments, expected, outcome, problem)


def _size(arguments: tuple) -> int:
    return sum(np.size(value) for value in arguments)


def smallest_first(inputs: Sequence[tuple]) -> list[int]:
    """The positions of ``inputs`` in the order a sub-check tries them: smallest first."""
    return sorted(range(len(inputs)), key=lambda position: _size(inputs[position]))


def shapes(exercise: Exercise, arguments: tuple) -> str:
    """The arguments' sizes, for a message: ``image 5x5, template 3x3``."""
    return ", ".join(
        f"{name} {'x'.join(map(str, np.shape(value))) or literal(value)}"
        for name, value in zip(exercise.parameters, arguments)
    )


@dataclass
class _Pace:
    """How fast the student's function answers, as timed here, for the messages of a budget."""

    exercise: Exercise
    calls: int = 0
    seconds: float = 0.0
    last: tuple = ()  # the arguments of the last call timed

    def add(self, calls: int, seconds: float, arguments: tuple) -> None:
        self.calls, self.seconds, self.last = self.calls + calls, self.seconds + seconds, arguments

    def per_call(self) -> float:
        return self.seconds / max(self.calls, 1)

    def describe(self) -> str:
        """``each call took about 3.1 s (image 5x5, template 3x3)``."""
        sizes = shapes(self.exercise, self.last)
        if not self.calls:  # the one call made was cut short
            return f"a call took longer than {self.seconds:.2g} s ({sizes})"
        return f"each call took about {self.per_call():.2g} s ({sizes})"


def _next_batch(size: int, pace: _Pace, budget: Budget) -> int:
    """The size of the next batch: growing, but sized to take about BATCH_SECONDS at most."""
    affordable = min(budget.left(), BATCH_SECONDS) / pace.per_call() if pace.seconds else size
    return max(1, min(size * BATCH_GROWTH, int(affordable)))


@dataclass(frozen=True)
class _Failure:
    """An input the student's function got wrong: what the student reads, and the outcome."""

    example: Counterexample
    outcome: Outcome

    @property
    def missing_name(self) -> str:
        return self.outcome.missing_name if isinstance(self.outcome, Raised) else ""


@dataclass(frozen=True)
class _Sub:
    """One sub-check of one exercise, being checked through ``caller``."""

    exercise: Exercise
    subcheck: SubCheck
    caller: Caller
    replacing: Callable[[tuple], Sequence[StandInOutput]]

    def known(self, arguments: tuple) -> Outcome | None:
        return self.caller.known(self.exercise.name, arguments, self.replacing(arguments))

    def failure(self, arguments: tuple, expected, outcome: Outcome) -> _Failure | None:
        example = _examine(self.exercise, self.subcheck, arguments, expected, outcome)
        return None if example is None else _Failure(example, outcome)

    def result(self, status, failure: _Failure | None = None, message: str = "",
               note: str = "") -> CheckResult:
        example = failure.example if failure else None
        if not message and status == "timeout":
            assert example is not None  # a timeout without a message comes with its input
            message = example.actual
        elif not message:
            message = example.reason if example else ""
        return CheckResult(
            self.exercise.name, self.subcheck.name, self.subcheck.description,
            self.subcheck.points, status, message, example, note=note,
            missing_name=failure.missing_name if failure else "",
        )


def run_check(
    exercise: Exercise,
    subcheck: SubCheck,
    examples: Examples,
    caller: Caller,
    reference: Callable | None = None,
    max_examples: int = MAX_EXAMPLES,
    stand_ins: Callable[[tuple], Sequence[StandInOutput]] | None = None,
    budget: Budget | None = None,
    shrink_timeout: float = 10.0,
) -> CheckResult:
    """Look for an input on which the student's function is wrong, and report the smallest.

    The fixed inputs are tried smallest first, in batches that grow while the function answers
    fast, so a function wrong on the first input is judged after one call. ``max_examples``
    must be the number the fixed inputs were drawn with, so that hypothesis, searching again to
    shrink, replays them. ``stand_ins``, when given, says for a call's arguments which helper
    outputs stand in while it runs (see ``Oracle.stand_ins``).

    ``budget`` bounds the time the sub-check takes: when it runs out before any input fails,
    the sub-check times out. Shrinking a failure takes at most ``shrink_timeout`` seconds of it
    and MAX_SEARCH_CALLS calls; cut short, it shows the smallest failing input found by then.
    """
    budget = budget or unlimited()
    sub = _Sub(exercise, subcheck, caller, stand_ins or (lambda arguments: ()))
    ordered = [(examples.inputs[position], examples.expected[position])
               for position in smallest_first(examples.inputs)]
    judged, failure, pace = _try_fixed_inputs(sub, ordered, budget)
    if failure and isinstance(failure.outcome, TimedOut):
        return sub.result("timeout", failure)
    if failure is None and judged < len(ordered):
        how_far = (f"after {judged} of {len(ordered)} inputs, none of them failing" if judged
                   else "before the first input was answered")
        return sub.result("timeout", message=(
            f"Ran out of time ({budget.describe()}) {how_far}: {pace.describe()}. "
            f"Make `{exercise.name}` faster."
        ))
    if failure is None:
        return sub.result("passed")
    if reference is None:
        return sub.result("failed", failure)
    return _shrink(sub, reference, examples, max_examples,
                   budget.within(shrink_timeout, "--shrink-timeout"), failure)


def _try_fixed_inputs(sub: _Sub, ordered: Sequence[tuple[tuple, object]],
                      budget: Budget) -> tuple[int, _Failure | None, _Pace]:
    """Send the fixed inputs in growing batches until one fails or the budget ends; how many
    were judged, the failure if one was met, and the pace of the calls."""
    pace = _Pace(sub.exercise)
    judged, size, failure = 0, FIRST_BATCH, None
    while judged < len(ordered) and failure is None and not budget.over():
        batch = ordered[judged : judged + size]
        waiting = {  # by key: hypothesis draws some inputs twice
            argument_key(arguments): arguments for arguments, _ in batch
            if sub.known(arguments) is None
        }
        started = budget.clock()
        sub.caller.prefetch(sub.exercise.name, [arguments for arguments, _ in batch],
                            [sub.replacing(arguments) for arguments, _ in batch], budget.deadline)
        outcomes = [sub.known(arguments) for arguments, _ in batch]
        answered = sum(outcome is not None for outcome in outcomes)
        called = sum(sub.known(arguments) is not None for arguments in waiting.values())
        pace.add(called, budget.clock() - started, batch[max(answered - 1, 0)][0])
        for (arguments, expected), outcome in zip(batch, outcomes):
            if outcome is None:
                break  # the deadline came first
            judged += 1
            failure = sub.failure(arguments, expected, outcome)
            if failure:
                break
        size = _next_batch(size, pace, budget)
    return judged, failure, pace


def _shrink(sub: _Sub, reference: Callable, examples: Examples, max_examples: int,
            budget: Budget, failure: _Failure) -> CheckResult:
    """Search again with the seed that drew ``examples`` to shrink ``failure``, within
    ``budget``."""
    found: list[_Failure] = []  # the last one is the smallest: hypothesis replays it last
    pace = _Pace(sub.exercise)

    @seed(search_seed(sub.exercise, sub.subcheck) if examples.seed is None else examples.seed)
    @search_settings(examples.draws or max_examples)
    @given(sub.subcheck.inputs)
    def search(arguments):
        if budget.over() or pace.calls >= MAX_SEARCH_CALLS:
            raise _CutShort
        started = budget.clock()
        outcome = sub.known(arguments)
        if outcome is None:
            outcome = sub.caller.call(sub.exercise.name, arguments, sub.replacing(arguments),
                                      budget.deadline)
            pace.add(outcome is not None, budget.clock() - started, arguments)
        if outcome is None:
            raise _CutShort
        met = sub.failure(arguments, call_reference(reference, arguments), outcome)
        if met:
            found.append(met)
            raise _Stop if isinstance(outcome, TimedOut) else _Failed(met.example.reason)

    try:
        with same_draws_in_every_process():
            search()
    except _Stop:
        return sub.result("timeout", found[-1])
    except _CutShort:
        why = (f"after {MAX_SEARCH_CALLS} calls" if pace.calls >= MAX_SEARCH_CALLS
               else f"({budget.describe()})")
        return sub.result("failed", found[-1] if found else failure, note=(
            f"The search for a smaller failing input was cut short {why}: {pace.describe()}. "
            "This is the smallest failing input found by then."
        ))
    except (_Failed, Flaky):
        return sub.result("failed", found[-1])
    return sub.result("failed", failure)  # not met again while searching: shown unshrunk
