"""Check every exercise of an assignment on the functions one kernel defines.

Exercises are checked one after another, helpers first (see ``assignment.StandIn``): a helper's
verdict decides whether the exercises built on it are checked with stand-ins. A call that loses
the kernel stops the checking there; the pipeline then goes on in a fresh kernel.
"""

from __future__ import annotations

import dataclasses
import difflib
import time
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ..kernel.caller import Caller
from ..model.assignment import Assignment, Exercise, StandIn, SubCheck
from ..model.budget import Budget, unlimited
from ..model.errors import KernelBusy, KernelLoss, KernelLost
from ..model.results import CheckResult, ExerciseResult, StandInApplied
from ..model.settings import Settings
from .oracle import Oracle
from .search import run_check
from .stored import Examples


def _unchecked(exercise: Exercise, check: SubCheck, problem: str) -> CheckResult:
    return CheckResult(exercise.name, check.name, check.description, check.points, "error", problem)


def _out_of_time(exercise: Exercise, check: SubCheck, budget: Budget) -> CheckResult:
    return CheckResult(exercise.name, check.name, check.description, check.points, "timeout",
                       f"Not run: the submission ran out of time ({budget.describe()}).")


def not_checked(exercise: Exercise, problem: str, undefined: bool = False) -> ExerciseResult:
    """The exercise scored zero, each check carrying ``problem`` as the reason; ``undefined``
    when the notebook does not define the function."""
    checks = tuple(_unchecked(exercise, check, problem) for check in exercise.checks)
    return ExerciseResult(exercise.name, checks, problem, undefined)


def all_not_checked(assignment: Assignment, problem: str) -> tuple[ExerciseResult, ...]:
    """Every exercise scored zero, each check carrying ``problem`` as the reason."""
    return tuple(not_checked(exercise, problem) for exercise in assignment.exercises)


def _missing_message(name: str, kind: str, callables: list[str]) -> str:
    if kind != "missing":
        return f"`{name}` is a {kind}, not a function."
    message = f"`{name}` is not defined after running the notebook."
    close = difflib.get_close_matches(name, callables, n=1)
    if close:
        message += f" Did you mean `{close[0]}`? Rename it to `{name}`."
    return message + " Check that the cell defining it runs without an error."


def untouched_message(name: str) -> str:
    return f"`{name}` is still as handed out: fill in its exercise cell."


@dataclass(frozen=True)
class Loss:
    """Where checking lost the kernel: in a call of one sub-check, or before any check."""

    reason: KernelLoss
    exercise: str = ""  # "" when the kernel stopped answering before the checks
    check: str = ""

    def message(self) -> str:
        if not self.exercise:
            return f"The kernel stopped answering before the checks ({self.reason.value})."
        return (f"Calling `{self.exercise}` in the sub-check \"{self.check}\" lost the kernel: "
                f"{self.reason.value}.")

    def clause(self) -> str:
        """The message as a clause, to go on a sentence: no capital, no full stop."""
        message = self.message()
        return message[0].lower() + message[1:].rstrip(".")


@dataclass(frozen=True)
class Checked:
    """What checking in one kernel found before it ended or lost its kernel."""

    exercises: tuple[ExerciseResult, ...]  # each one checked, or begun when the kernel was lost
    unreached: tuple[str, ...] = ()  # exercises not begun, because the kernel was lost first
    lost: Loss | None = None  # how the kernel was lost, if it was
    seconds: float = 0.0


def check_until_lost(
    assignment: Assignment,
    caller: Caller,
    oracle: Oracle,
    settings: Settings,
    untouched: AbstractSet[str] = frozenset(),
    budget: Budget | None = None,
) -> Checked:
    """Check each exercise in turn; stop at the first call that loses the kernel.

    Exercises are checked in ``assignment.checking_order()``, so a helper's verdict is known
    before the exercises whose stand-ins name it; a stand-in is used only for a helper that
    failed any of its checks (see ``assignment.StandIn``). Helpers that are not graded in this
    run (``assignment.helpers``) are checked for that alone.

    A call that loses the kernel fails its sub-check (the function ended or hung the kernel) and
    the exercise's later sub-checks are not run; the graded exercises not yet checked are left
    ``unreached``.

    Each sub-check has ``settings.check_timeout`` seconds, within what is left of ``budget``
    (the submission's); once that is spent, the sub-checks not yet run time out unrun.
    """
    budget = budget or unlimited()
    started = time.perf_counter()
    graded = tuple(exercise.name for exercise in assignment.exercises)
    order = assignment.checking_order()
    try:
        kinds, callables = caller.inspect([exercise.name for exercise in order])
    except KernelLost as error:
        return Checked((), graded, Loss(error.reason), time.perf_counter() - started)
    passed: dict[str, bool] = {}
    results: dict[str, ExerciseResult] = {}
    lost: Loss | None = None
    for exercise in order:
        kind = kinds[exercise.name]
        if exercise.name in untouched:  # not run: its verdict would say nothing new
            results[exercise.name] = not_checked(exercise, untouched_message(exercise.name),
                                                 undefined=kind == "missing")
        elif kind != "callable":
            problem = _missing_message(exercise.name, kind, callables)
            results[exercise.name] = not_checked(exercise, problem, undefined=kind == "missing")
        else:
            failing = tuple(s for s in exercise.stand_ins if not passed[s.function])
            checks, lost = _check_exercise(exercise, failing, caller, oracle, settings, budget)
            if lost and lost.reason is KernelLoss.UNANSWERED:
                break  # no verdict: this exercise and the rest are checked in a fresh kernel
            note = (f"{lost.message()} That sub-check fails; the ones after it were not run."
                    if lost else "")
            results[exercise.name] = ExerciseResult(exercise.name, checks, note)
        passed[exercise.name] = all(c.status == "passed" for c in results[exercise.name].checks)
        if lost:
            break
    return Checked(
        tuple(results[name] for name in graded if name in results),
        tuple(name for name in graded if name not in results),
        lost,
        time.perf_counter() - started,
    )


def _check_exercise(
    exercise: Exercise,
    failing_helpers: tuple[StandIn, ...],
    caller: Caller,
    oracle: Oracle,
    settings: Settings,
    budget: Budget,
) -> tuple[tuple[CheckResult, ...], Loss | None]:
    """Every sub-check of one defined exercise, the stand-ins for ``failing_helpers`` in place;
    and where the kernel was lost, if a call lost it (the sub-checks after it are not run)."""
    applied = tuple(
        StandInApplied(s.function, s.call or f"{s.function}(...)") for s in failing_helpers
    )
    checks: list[CheckResult] = []
    lost: Loss | None = None
    for check in exercise.checks:
        if lost:
            checks.append(_unchecked(exercise, check, f"Not run: {lost.message()}"))
            continue
        if budget.over():
            checks.append(_out_of_time(exercise, check, budget))
            continue
        try:
            run = _SubCheckRun(exercise, check, caller, oracle, settings, failing_helpers,
                               budget.within(settings.check_timeout, "--check-timeout",
                                             getattr(caller, "clock", None)))
            result = run.on(oracle.examples(exercise, check, settings.max_examples))
            held_out = (oracle.held_out(exercise, check, settings.held_out_examples)
                        if result.status == "passed" else None)
            if held_out:
                result = _on_held_out(result, run.on(held_out), settings.hide_held_out)
            checks.append(dataclasses.replace(result, stand_ins=applied))
        except KernelBusy as error:  # no verdict: the grader's, not the student's
            checks.append(CheckResult(exercise.name, check.name, check.description,
                                      check.points, "grader error", str(error)))
        except KernelLost as error:
            lost = Loss(error.reason, exercise.name, check.name)
            checks.append(CheckResult(exercise.name, check.name, check.description,
                                      check.points, "failed", lost.message()))
    return tuple(checks), lost


def check_exercises(
    assignment: Assignment,
    caller: Caller,
    oracle: Oracle,
    settings: Settings,
    untouched: AbstractSet[str] = frozenset(),
    budget: Budget | None = None,
) -> tuple[tuple[ExerciseResult, ...], str]:
    """Check every exercise the kernel defines; a missing one scores zero with a reason.

    Returns the results and, if the kernel was lost on the way, how: the exercises it did not
    reach carry status "error" and that reason.
    """
    checked = check_until_lost(assignment, caller, oracle, settings, untouched, budget)
    lost = checked.lost.message() if checked.lost else ""
    return in_order(assignment, checked.exercises, lost), lost


def in_order(
    assignment: Assignment, results: Iterable[ExerciseResult], problem: str
) -> tuple[ExerciseResult, ...]:
    """A result per exercise, in the assignment's order: the one in ``results``, or, for an
    exercise never checked, zero points with ``problem`` as the reason."""
    found = {result.name: result for result in results}
    return tuple(found.get(e.name) or not_checked(e, problem) for e in assignment.exercises)


HELD_OUT_NOTE = ("Every input a self-check tries passes; this one is among the inputs only final "
                 "grading tries, drawn for this notebook alone.")


@dataclass(frozen=True)
class _SubCheckRun:
    """One sub-check of one exercise, run on a set of inputs within its budget."""

    exercise: Exercise
    check: SubCheck
    caller: Caller
    oracle: Oracle
    settings: Settings
    failing_helpers: tuple[StandIn, ...]
    budget: Budget

    def on(self, examples: Examples) -> CheckResult:
        stand_ins = (
            _only(self.failing_helpers, self.oracle.stand_ins(self.exercise, examples))
            if self.failing_helpers else None
        )
        return run_check(self.exercise, self.check, examples, self.caller,
                         self.oracle.reference(self.exercise), self.settings.max_examples,
                         stand_ins, self.budget, self.settings.shrink_timeout)


def _on_held_out(public: CheckResult, result: CheckResult, hide: bool) -> CheckResult:
    """The verdict of a sub-check whose ``public`` inputs all passed, once its held-out ones
    gave ``result``: failed and marked when one of them fails; with ``hide``, the failing input
    is not shown. Running out of the sub-check's time before any of them failed costs nothing:
    the held-out inputs are there to catch answers looked up, which come fast."""
    if result.status == "passed":
        return public
    if result.status == "timeout" and result.counterexample is None:
        return dataclasses.replace(public, note=" ".join(filter(None, [public.note, (
            "The sub-check's time ran out before every held-out input, which only final "
            "grading tries, was tried; none of those tried failed.")])))
    if not hide:
        return dataclasses.replace(result, held_out=True,
                                   note=" ".join(filter(None, [HELD_OUT_NOTE, result.note])))
    return dataclasses.replace(
        result, held_out=True, counterexample=None, note="",
        message="Wrong on an input that only final grading tries (held out); it is not shown "
        "yet. Every input a self-check tries passes: test the function on inputs of your own.",
    )


def _only(helpers: tuple[StandIn, ...], stand_ins):
    """``stand_ins`` (from the oracle) cut down to the stand-ins for ``helpers``."""
    wanted = {helper.function for helper in helpers}
    return lambda arguments: tuple(s for s in stand_ins(arguments) if s.function in wanted)
