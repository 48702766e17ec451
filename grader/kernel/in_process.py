"""Call trusted functions in the grader's own process, with the outcomes a kernel's replies give.

``grade audit`` checks functions the course wrote (mutants of the reference solutions, and the
mistakes a lesson declares), not a student's, thousands of times: they run here, with no kernel
and no transport, and so no encoding of every argument and result. The outcomes are what a
kernel's replies become (see ``calls``): the result copied into a plain numeric array, an
exception with the line it was raised on, a result that is not a numeric array refused, and a
call past its time limit interrupted, where a timer signal can interrupt it (on the main thread;
elsewhere it runs to its end). Stand-ins are not put in place: the functions called here call
the reference's helpers.
"""

from __future__ import annotations

import math
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence

import numpy as np

from ..model.values import argument_key
from .calls import Outcome, Raised, Rejected, Returned, TimedOut


class _Interrupted(BaseException):
    """Raised by the timer inside a call that runs too long (not caught as the call's error)."""


def _raised(error: BaseException) -> Raised:
    # As the kernel code reports it: the caller's own frame and library frames left out.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)[1:]
              if "site-packages" not in frame.filename]
    where = f"line {frames[-1].lineno} of {frames[-1].name}: {frames[-1].line}" if frames else ""
    missing = getattr(error, "name", None) if isinstance(error, NameError) else None
    return Raised(f"{type(error).__name__}: {error}"[:500], where[:500], missing or "")


def _returned(result) -> Outcome:
    if not isinstance(result, (np.ndarray, np.number, int, float)):
        return Rejected(f"returned {type(result).__name__}, not a numpy array")
    value = np.array(result)  # a copy, as if it came back as .npy bytes
    if value.dtype.hasobject:
        return Rejected("returned an array that cannot be copied out: it holds Python objects")
    return Returned(value)


class InProcessCaller:
    """Calls ``functions`` (by name) here, remembering the first outcome of every call: a
    ``caller.Caller``, as ``calls.FunctionCaller`` is."""

    def __init__(self, functions: dict[str, Callable], call_timeout: float):
        self.functions = functions
        self.call_timeout = call_timeout
        self._outcomes: dict[tuple, Outcome] = {}

    clock = staticmethod(time.monotonic)  # what its deadlines are on

    def inspect(self, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        kinds = {name: "callable" if callable(self.functions.get(name)) else "missing"
                 for name in names}
        return kinds, [name for name, function in self.functions.items() if callable(function)]

    def known(self, name: str, arguments: tuple, stand_ins: Sequence = ()) -> Outcome | None:
        return self._outcomes.get((name, argument_key(arguments)))

    def call(self, name: str, arguments: tuple, stand_ins: Sequence = (),
             deadline: float | None = None) -> Outcome | None:
        self.prefetch(name, [arguments], [stand_ins], deadline)
        return self.known(name, arguments)

    def prefetch(self, name: str, many: Sequence[tuple], stand_ins: Sequence | None = None,
                 deadline: float | None = None) -> None:
        """Call ``name`` on every argument tuple not seen yet. After a call that times out, the
        rest are left for later; when the ``deadline`` comes, the call in flight and the rest
        are left without an outcome."""
        if stand_ins and any(stand_ins):
            raise ValueError("stand-ins are not put in place for functions called in-process")
        for arguments in many:
            key = (name, argument_key(arguments))
            if key in self._outcomes:
                continue
            outcome = self._run(self.functions[name], arguments, deadline)
            if outcome is None:
                return
            self._outcomes[key] = outcome
            if isinstance(outcome, TimedOut):
                return

    def _run(self, function: Callable, arguments: tuple, deadline: float | None) -> Outcome | None:
        deadline = math.inf if deadline is None else deadline
        seconds = min(self.call_timeout, deadline - time.monotonic())
        if seconds <= 0:
            return None
        timed = threading.current_thread() is threading.main_thread() and hasattr(signal,
                                                                                    "SIGALRM")
        copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments]

        running = [True]  # the timer interrupts only the call, not what follows it

        def interrupt(signum, frame):
            if running[0]:
                raise _Interrupted

        previous = signal.signal(signal.SIGALRM, interrupt) if timed else None
        try:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, seconds)
            result = function(*copies)
            running[0] = False
        except _Interrupted:
            return TimedOut(self.call_timeout) if time.monotonic() < deadline else None
        except (Exception, SystemExit) as error:
            return _raised(error)
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        return _returned(result)
