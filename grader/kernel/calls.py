"""Call a student's function inside their kernel and get back plain data.

The code sent into the kernel only transports: it decodes the arguments, calls the function and
publishes what came back as ``.npy`` bytes. Whatever arrives is treated as the student's claim
about their own output and is judged here, in the grader's process, after ``np.load`` with
``allow_pickle=False`` has turned it back into a plain numeric array. A student can make that
claim anything they like, which is no more than writing a function that returns it.

A call can carry stand-ins (see ``assignment.StandIn``): for the duration of that call only, a
helper name in the notebook's namespace answers the given arguments with the given output and
passes every other call on to whatever the name held before, which is put back afterwards,
also when the call raises or is interrupted. The outputs are plain arrays the grader computed;
no grader code, and nothing of the reference solutions, enters the student's process.
"""

from __future__ import annotations

import base64
import builtins
import dataclasses
import io
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..model.errors import KernelBusy
from ..model.values import argument_key, encode_argument
from .channel import CodeRun
from .run import NotebookRun

MIME = "application/vnd.grader.call+json"
MAX_RESULT_BYTES = 64 * 1024 * 1024  # a larger result is refused, not loaded
BATCH_SECONDS = 0.05  # the kernel code sends replies at least this often (``every`` there)
KERNEL_FILENAME = "<grader>"  # the kernel code's frames carry it, and are left out of tracebacks

# Sent into the kernel as text, so that the kernel needs nothing of the grader installed.
_KERNEL_CODE = (Path(__file__).parent / "in_kernel.py").read_text(encoding="utf-8")


def _invocation(function: str, *arguments, **keywords) -> str:
    """Code that runs one of the functions above on the user's namespace, leaving no trace.

    The definitions are executed in a scope of their own with the real builtins, so a notebook
    that assigns to a name like ``type`` or ``isinstance`` does not break the transport.
    """
    listed = ", ".join([repr(argument) for argument in arguments]
                       + [f"{name}={value!r}" for name, value in keywords.items()])
    return (
        "def __grader_run():\n"
        "    import builtins\n"
        "    scope = {'__builtins__': builtins}\n"
        f"    code = builtins.compile({_KERNEL_CODE!r}, {KERNEL_FILENAME!r}, 'exec')\n"
        "    builtins.exec(code, scope)\n"
        f"    scope[{function!r}](builtins.globals(), {listed})\n"
        "try:\n"
        "    __grader_run()\n"
        "finally:\n"
        "    del __grader_run\n"
    )


@dataclass(frozen=True)
class Returned:
    value: np.ndarray


@dataclass(frozen=True)
class Raised:
    error: str
    where: str = ""
    missing_name: str = ""  # the name a NameError named


@dataclass(frozen=True)
class Rejected:
    reason: str


@dataclass(frozen=True)
class TimedOut:
    seconds: float


Outcome = Returned | Raised | Rejected | TimedOut


@dataclass(frozen=True)
class StandInOutput:
    """During one call, ``function(*arguments)`` in the notebook returns ``output`` instead.

    ``parameters`` are the helper's parameter names, so that a call naming its arguments
    (``get_subimages(image, kernel_shape=kernel.shape)``) matches too.
    """

    function: str
    parameters: tuple[str, ...]
    arguments: tuple
    output: np.ndarray

    def encoded(self) -> list:
        return [
            self.function,
            list(self.parameters),
            [encode_argument(value) for value in self.arguments],
            encode_argument(np.asarray(self.output))[1],
        ]

    def key(self) -> tuple:
        output = argument_key((np.asarray(self.output),))
        return (self.function, argument_key(self.arguments), output)


def decode_reply(reply) -> Outcome:
    """Turn one message from the kernel into an outcome, trusting nothing in it."""
    if not isinstance(reply, dict):
        return Rejected("sent back something that is not a result")
    if isinstance(reply.get("npy"), str):
        encoded = reply["npy"]
        if len(encoded) * 3 // 4 > MAX_RESULT_BYTES:
            return Rejected(f"returned more than {MAX_RESULT_BYTES // 2**20} MiB of data")
        try:
            value = np.load(io.BytesIO(base64.b64decode(encoded)), allow_pickle=False)
        except Exception as error:  # any malformed payload is the student's problem, not ours
            return Rejected(f"returned data that is not a plain array ({error})")
        if not isinstance(value, np.ndarray):
            return Rejected("returned data that is not a plain array")
        return Returned(value)
    if "raised" in reply:
        missing = str(reply.get("missing") or "")
        return Raised(str(reply["raised"])[:500], str(reply.get("where", ""))[:500],
                      missing if missing.isidentifier() else "")
    return Rejected(str(reply.get("rejected", "sent back something that is not a result"))[:500])


def _call_key(name: str, arguments: tuple, stand_ins: Sequence[StandInOutput]) -> tuple:
    """Equal for two calls exactly when they get the same arguments and the same stand-ins."""
    return (name, argument_key(arguments), tuple(stand_in.key() for stand_in in stand_ins))


class KernelTransport:
    """Runs the code above in a notebook's kernel; replies come back as display messages.

    Its ``clock`` is the kernel's CPU time (see ``clock``): a deadline on it is passed into the
    kernel, whose code stops there by itself (see ``in_kernel.transport``).
    """

    def __init__(self, run: NotebookRun):
        self.run = run

    def clock(self) -> float:
        return self.run.clock()

    def invoke(self, function: str, arguments: tuple, on_reply, quiet_timeout: float,
               deadline: float | None = None) -> CodeRun:
        stop = {} if deadline is None else {"stop_after": max(0.0, deadline - self.clock())}
        code = _invocation(function, *arguments, MIME, **stop)
        return self.run.execute(code, lambda data: on_reply(data.get(MIME)), quiet_timeout)


class _CallTimedOut(BaseException):
    """Raised by the timer inside a call that runs too long (not caught as the call's error)."""


class LocalTransport:
    """Runs the code above in this process, on a namespace of it: the in-notebook self-check.

    The replies take the same path through ``decode_reply`` as a kernel's do, so both reach the
    same outcomes. Where this is the main thread, a call over its time limit is interrupted by a
    timer signal; elsewhere it is left to run.
    """

    def __init__(self, namespace: dict):
        self.namespace = namespace

    clock = staticmethod(time.monotonic)

    def invoke(self, function: str, arguments: tuple, on_reply, quiet_timeout: float,
               deadline: float | None = None) -> CodeRun:
        scope: dict[str, Any] = {"__builtins__": builtins}
        exec(compile(_KERNEL_CODE, KERNEL_FILENAME, "exec"), scope)
        timed = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
        deadline = float("inf") if deadline is None else deadline

        def arm():
            signal.setitimer(signal.ITIMER_REAL, max(0.001, min(quiet_timeout, deadline - time.monotonic())))

        def alarm(signum, frame):
            raise _CallTimedOut

        def publish(data):
            # The timer is off while a reply is taken in: past the deadline it would fire within
            # a millisecond and lose the reply of a call that did finish.
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
            on_reply(data.get(MIME))
            if timed:
                arm()

        previous = signal.signal(signal.SIGALRM, alarm) if timed else None
        try:
            if timed:
                arm()
            scope[function](self.namespace, *arguments, MIME, publish)
        except _CallTimedOut:
            return CodeRun(finished=False, cut=time.monotonic() >= deadline)
        except Exception as error:
            return CodeRun(finished=True, error=f"{type(error).__name__}: {error}"[:500])
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        return CodeRun(finished=True)


class FunctionCaller:
    """Calls the student's functions through a transport, remembering every outcome.

    The same arguments with the same stand-ins always get the outcome first seen, so a check
    that re-runs an input (as hypothesis does while shrinking) sees a consistent function and
    costs no extra call; the same arguments with other stand-ins (or none) are another call.
    """

    def __init__(self, transport: KernelTransport | LocalTransport, call_timeout: float):
        self.transport = transport
        self.call_timeout = call_timeout
        self._outcomes: dict[tuple, Outcome] = {}

    def clock(self) -> float:
        """What deadlines are on: the kernel's CPU seconds, or the wall clock in process."""
        return self.transport.clock()

    def inspect(self, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        """For each name: "callable", "missing" or the type it holds; and all callable names."""
        replies: list = []
        self.transport.invoke("inspect", (list(names),), replies.append, 30.0)
        reply = next((r for r in replies if isinstance(r, dict) and "kinds" in r), None)
        if reply is None:
            return {name: "missing" for name in names}, []
        kinds = {name: str(reply["kinds"].get(name, "missing")) for name in names}
        return kinds, [str(name) for name in reply.get("callables", [])]

    def call(self, name: str, arguments: tuple, stand_ins: Sequence[StandInOutput] = (),
             deadline: float | None = None) -> Outcome | None:
        """The outcome of ``name(*arguments)``, with ``stand_ins`` in place while it runs.

        None if the ``deadline`` (on ``time.monotonic``) came before it had one.
        """
        key = _call_key(name, arguments, stand_ins)
        if key not in self._outcomes:
            self.prefetch(name, [arguments], [stand_ins], deadline)
        return self._outcomes.get(key)

    def known(self, name: str, arguments: tuple,
              stand_ins: Sequence[StandInOutput] = ()) -> Outcome | None:
        """The outcome of an earlier call of ``name(*arguments)``, or None if it has none."""
        return self._outcomes.get(_call_key(name, arguments, stand_ins))

    def prefetch(
        self,
        name: str,
        many: Sequence[tuple],
        stand_ins: Sequence[Sequence[StandInOutput]] | None = None,
        deadline: float | None = None,
    ) -> None:
        """Call ``name`` on every argument tuple not seen yet, in one round trip.

        ``stand_ins``, if given, holds for each argument tuple the stand-ins in place while that
        call runs. A call that runs past the time limit is interrupted; it is recorded as timed
        out and the calls after it are left for later. The ``deadline`` is on ``clock``: once it
        comes, in a kernel the call in flight finishes and no other starts (in process, the call
        in flight is cut too); the calls not made are left without an outcome. Replies lost on
        the way are asked for once more; a round trip the machine was too busy to time
        (``KernelBusy``) is made once more before that error goes to the caller.
        """
        stand_ins = stand_ins if stand_ins is not None else [()] * len(many)
        pending, seen = [], set()
        for arguments, replacing in zip(many, stand_ins, strict=True):
            key = _call_key(name, arguments, replacing)
            if key not in self._outcomes and key not in seen:
                seen.add(key)
                pending.append((key, arguments, replacing))
        resent = busy = False
        while pending:
            try:
                received, ran = self._round_trip(name, pending, deadline)
            except KernelBusy:
                if busy:
                    raise
                busy = True  # the replies that came are kept; the rest are asked for again
                pending = [call for call in pending if call[0] not in self._outcomes]
                continue
            pending = pending[received:]
            if not pending or ran.cut:
                return
            if ran.finished and not ran.error and not resent:
                # The code ran to its end, yet a reply is missing: lost on the way (a garbled
                # message is dropped), not an outcome of the function. Asked once more.
                resent = True
                continue
            # The call in flight when the code stopped gets its outcome; the rest wait.
            self._outcomes[pending[0][0]] = (
                Raised(ran.error or "the call ended without returning a result")
                if ran.finished
                else TimedOut(self.call_timeout)
            )
            return

    def _round_trip(self, name: str, pending: list[tuple],
                    deadline: float | None = None) -> tuple[int, CodeRun]:
        """Send the ``pending`` calls in one go; how many came back in order, and how it ran."""
        calls = [[encode_argument(value) for value in arguments] for _, arguments, _ in pending]
        replacements = [[stand_in.encoded() for stand_in in each] for _, _, each in pending]
        received, stopped = 0, False

        def on_reply(batch):
            nonlocal received, stopped
            for reply in batch if isinstance(batch, list) else [batch]:
                if isinstance(reply, dict) and reply.get("index") == received:
                    self._outcomes[pending[received][0]] = decode_reply(reply)
                    received += 1
                elif isinstance(reply, dict) and reply.get("stopped") == received:
                    stopped = True  # the deadline came before this call

        # A call starts at most BATCH_SECONDS after the last message, so it gets its full time.
        ran = self.transport.invoke(
            "transport", (name, calls, replacements), on_reply, self.call_timeout + BATCH_SECONDS,
            deadline,
        )
        return received, dataclasses.replace(ran, cut=True) if stopped else ran
