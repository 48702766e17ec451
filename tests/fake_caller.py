"""A stand-in for ``grader.kernel.calls.FunctionCaller`` that runs a Python function in this process.

It answers with the same outcome records the real caller builds from a kernel's replies, so
``run_check`` can be tested without starting a kernel. Stand-ins are put in place the simple way:
while a call runs, the helper's name in the function's module answers exactly the stand-in's
arguments (the kernel code's matching by value is tested in ``test_calls``).
"""

from contextlib import contextmanager
from functools import cache

import numpy as np

from grader.judge.exercises import check_until_lost
from grader.judge.oracle import Oracle
from grader.judge.search import run_check
from grader.judge.showcase import picture_exercises, reference_pictures
from grader.judge.stored import load_examples
from grader.kernel.calls import Raised, Rejected, Returned, TimedOut, argument_key
from grader.model.budget import unlimited
from grader.model.results import SubmissionResult
from grader.model.settings import PROFILES


def hangs(*arguments):
    """A function that never answers: the kernel's interrupt arrives as KeyboardInterrupt."""
    raise KeyboardInterrupt


@contextmanager
def standing_in(namespace: dict, stand_ins):
    """The stand-ins in place in ``namespace`` for the duration of the block."""
    absent = object()
    originals = {s.function: namespace.get(s.function, absent) for s in stand_ins}

    def replacement(name, original):
        def helper(*arguments):
            for s in stand_ins:
                if s.function == name and argument_key(arguments) == argument_key(s.arguments):
                    return np.copy(s.output)
            return original(*arguments)
        return helper

    for name, original in originals.items():
        namespace[name] = replacement(name, original)
    try:
        yield
    finally:
        for name, original in originals.items():
            if original is absent:
                del namespace[name]
            else:
                namespace[name] = original


class FakeCaller:
    """Runs ``function`` here, as the kernel would run it, keeping the first outcome per call.

    With a ``clock`` (a ``FakeClock``), each call advances it by ``seconds_per_call`` (a number,
    or a function of the arguments) instead of taking real time, and a call that ends past the
    deadline it was given has no outcome, as one the kernel was interrupted in.
    """

    def __init__(self, function, call_timeout: float = 10.0, clock=None, seconds_per_call=0.0):
        self.function = function
        self.call_timeout = call_timeout
        self.clock = clock
        self.seconds_per_call = seconds_per_call
        self.outcomes = {}  # call key -> outcome, first one kept, as the real caller does
        self.prefetched: list[list[tuple]] = []  # the arguments of each prefetch round trip
        self.called: list[tuple] = []  # the arguments of every call()
        self.ran: list[tuple] = []  # the arguments the function actually ran on
        self.stand_ins: list[tuple] = []  # the stand-ins of every call the function ran

    @staticmethod
    def _key(arguments, stand_ins):
        """The arguments' key; with stand-ins, theirs too (they make it another call)."""
        key = argument_key(arguments)
        return (key, tuple(s.key() for s in stand_ins)) if stand_ins else key

    def _run(self, arguments, stand_ins=()):
        self.ran.append(arguments)
        self.stand_ins.append(tuple(stand_ins))
        if self.clock is not None:
            seconds = self.seconds_per_call
            self.clock.now += seconds(*arguments) if callable(seconds) else seconds
        copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments]
        try:
            with standing_in(getattr(self.function, "__globals__", {}), stand_ins):
                value = self.function(*copies)
        except KeyboardInterrupt:
            return TimedOut(self.call_timeout)
        except Exception as error:
            return Raised(f"{type(error).__name__}: {error}")
        if not isinstance(value, (np.ndarray, np.number, int, float)):
            return Rejected(f"returned {type(value).__name__}, not a numpy array")
        return Returned(np.array(value))  # a copy, as if it came back as .npy bytes

    def _past(self, deadline) -> bool:
        return self.clock is not None and deadline is not None and self.clock() > deadline

    def prefetch(self, name, many, stand_ins=None, deadline=None):
        self.prefetched.append(list(many))
        for arguments, replacing in zip(many, stand_ins or [()] * len(many), strict=True):
            key = self._key(arguments, replacing)
            if key not in self.outcomes:
                outcome = self._run(arguments, replacing)
                if self._past(deadline):
                    return  # interrupted at the deadline: no outcome, the rest not run
                self.outcomes[key] = outcome
                if isinstance(outcome, TimedOut):
                    return  # like the real caller: the calls after a timeout are left for later

    def known(self, name, arguments, stand_ins=()):
        return self.outcomes.get(self._key(arguments, stand_ins))

    def call(self, name, arguments, stand_ins=(), deadline=None):
        self.called.append(arguments)
        key = self._key(arguments, stand_ins)
        if key not in self.outcomes:
            self.prefetch(name, [arguments], [stand_ins], deadline)
            self.prefetched.pop()
        return self.outcomes.get(key)


class FakeClock:
    """Time that passes only when a fake call says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ByName:
    """A caller for several functions at once: each name has a ``FakeCaller`` of its own."""

    def __init__(self, callers: dict):
        self.callers = callers

    def inspect(self, names):
        return {name: "callable" for name in names}, list(names)

    def prefetch(self, name, many, stand_ins=None, deadline=None):
        self.callers[name].prefetch(name, many, stand_ins, deadline)

    def known(self, name, arguments, stand_ins=()):
        return self.callers[name].known(name, arguments, stand_ins)

    def call(self, name, arguments, stand_ins=(), deadline=None):
        return self.callers[name].call(name, arguments, stand_ins, deadline)


def subcheck(assignment, exercise_name: str, check_name: str):
    """The exercise and the named sub-check of it."""
    exercise = next(e for e in assignment.exercises if e.name == exercise_name)
    return exercise, next(c for c in exercise.checks if c.name == check_name)


def arguments_of(counterexample) -> dict:
    """The counterexample's arguments, evaluated the way a student pasting them would."""
    return {name: eval(text, {"np": np}) for name, text in counterexample.arguments}


@cache
def reference_oracle(assignment):
    """Inputs drawn afresh, outputs from the reference solutions."""
    return Oracle(assignment, assignment.reference_functions(), None)


@cache
def stored_oracle(assignment):
    """What a student's install has: stored inputs and outputs, no reference solutions."""
    return Oracle(assignment, None, load_examples(assignment.expected_path()))


def checked(assignment, exercise, sub, caller, max_examples, oracle=None):
    """``run_check`` on one sub-check, with the reference unless another oracle is given."""
    oracle = oracle or reference_oracle(assignment)
    examples = oracle.examples(exercise, sub, max_examples)
    return run_check(exercise, sub, examples, caller, oracle.reference(exercise), max_examples)


def graded_here(assignment, functions: dict, max_examples: int = 30, submission: str = "linus"):
    """A submission graded in this process: each exercise's sub-checks on ``functions`` (by
    name; a missing one is undefined), then its showcases drawn, as the pipeline does."""
    class Defines(ByName):
        def inspect(self, names):
            return {name: "callable" if name in functions else "missing" for name in names}, []

    caller = Defines({name: FakeCaller(function) for name, function in functions.items()})
    settings = PROFILES["quick"].replace(max_examples=max_examples)
    oracle = reference_oracle(assignment)
    checked = check_until_lost(assignment, caller, oracle, settings)
    exercises, _ = picture_exercises(assignment, caller, oracle, checked.exercises, unlimited())
    exercises = reference_pictures(assignment, oracle, exercises)
    return SubmissionResult(submission, f"{submission}.ipynb", "graded", exercises)
