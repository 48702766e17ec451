"""A channel for the grader's own code into a notebook's kernel, beside the notebook's cells.

The grader runs its probes and calls the student's functions through a client of its own on
the kernel's connection, opened before any cell runs (so a notebook that deletes the files in
its folder, the sandbox's sockets among them, cannot cut it). What the code displays comes back
as data; a run that goes quiet for too long is interrupted.

Quiet means the kernel's own time (see ``clock``): wall time less the time it waited for a core.
An interrupt is only ever sent to code that has run that long, never to stop at a deadline of
the grader's own: the grader's code stops itself there (see ``in_kernel.transport``). That
matters because an interrupt is a signal that lands wherever the kernel happens to be when it
arrives. Sent to a run that is about to end, it can land after the run, in ipykernel's own code
between two requests; on Python 3.10 (ipykernel 7.3, the newest there) it can leave the kernel
alive but deaf to every request after it. And the interrupt is waited for (its reply, in the
"message" mode of the sandbox) before the next request goes out, so that it cannot land in
that one instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty

from jupyter_client.blocking import BlockingKernelClient
from jupyter_core.utils import run_sync

from ..model.errors import KernelBusy, KernelLoss, KernelLost
from .clock import KernelClock, kernel_pid

INTERRUPT_PATIENCE = 10.0  # seconds an interrupted call has to stop before the kernel is lost
# A run that has been quiet this many times its quiet timeout on the wall clock, though not in
# its own time, ends with KernelBusy: the machine is too busy to tell how long the code takes.
STARVED_PATIENCE = 6.0
MAX_WAITING = 1000  # messages taken in before a quiet spell is judged


@dataclass(frozen=True)
class CodeRun:
    """How a piece of grader code ran in the kernel: to the end, or interrupted."""

    finished: bool
    error: str = ""  # the error the code ended with, if any
    cut: bool = False  # stopped because its deadline came (set by the caller, see calls)


class Channel:
    """Runs grader code in the kernel that ``manager`` (a jupyter_client manager) started."""

    def __init__(self, manager):
        self.manager = manager
        self._client = BlockingKernelClient()
        self._client.load_connection_info(manager.get_connection_info())
        self._client.start_channels()
        self.garbled = 0  # messages from the kernel dropped because they arrived garbled
        self._clock: KernelClock | None = None

    @property
    def clock(self) -> KernelClock:
        """The kernel's CPU time and waiting time (see ``clock``), found on first use."""
        if self._clock is None:
            self._clock = KernelClock(kernel_pid(self.manager))
        return self._clock

    def close(self) -> None:
        self._client.stop_channels()
        # The client made a zmq context of its own; left open, its files stay open too.
        self._client.context.destroy(linger=100)

    def is_alive(self) -> bool:
        return bool(run_sync(self.manager.is_alive)())

    def interrupt(self) -> None:
        """Interrupt the kernel, and return once the signal has been sent inside it.

        In the "message" mode (the sandbox's), the kernel sends itself SIGINT when the request
        reaches it, some time later on a busy machine; its reply says it has. Returning before
        that would let the signal land in whatever the grader asks next.
        """
        if not self.is_alive():
            return
        if self.manager.kernel_spec.interrupt_mode != "message":
            run_sync(self.manager.interrupt_kernel)()  # a signal, sent from here
            return
        client = self._client
        request = client.session.msg("interrupt_request", {})
        client.control_channel.send(request)
        until = time.monotonic() + INTERRUPT_PATIENCE
        while time.monotonic() < until:
            try:
                reply = client.get_control_msg(timeout=0.2)
            except Empty:
                if not self.is_alive():
                    return
                continue
            except ValueError:
                self.garbled += 1
                continue
            if reply["parent_header"].get("msg_id") == request["header"]["msg_id"]:
                return

    def execute(self, code: str, on_display: Callable[[dict], None],
                quiet_timeout: float) -> CodeRun:
        """Run ``code`` in the kernel, passing each display message's data to ``on_display``.

        If ``quiet_timeout`` seconds of the kernel's own time pass with no display message, the
        kernel is interrupted and the run is not ``finished``. Raises ``KernelLost`` if the
        kernel dies or ignores the interrupt, or never started the code (then without an
        interrupt: UNANSWERED); ``KernelBusy`` if the machine kept it from running for
        STARVED_PATIENCE times the quiet timeout.
        """
        client = self._client
        clock = self.clock
        msg_id = client.execute(code, silent=False, store_history=False, allow_stdin=False)
        quiet_since, waited_before = time.monotonic(), clock.waited()
        interrupted_at = None
        error, started = "", False

        def take(message) -> CodeRun | None:
            """Take in one message; how the run ended, if this message says it has."""
            nonlocal quiet_since, waited_before, error, started
            if message["parent_header"].get("msg_id") != msg_id:
                return None
            kind, content = message["header"]["msg_type"], message["content"]
            started = started or kind != "status" or content.get("execution_state") == "busy"
            if kind == "display_data":  # replies sent while stopping still count
                on_display(content.get("data", {}))
                if interrupted_at is None:
                    quiet_since, waited_before = time.monotonic(), clock.waited()
            elif kind == "error":
                error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"[:500]
            elif kind == "status" and content.get("execution_state") == "idle":
                return CodeRun(finished=interrupted_at is None, error=error)
            return None

        while True:
            try:
                message = client.get_iopub_msg(timeout=0.2)
            except Empty:
                message = None
                if not self.is_alive():
                    raise KernelLost(KernelLoss.DIED_IN_CALL) from None
            except ValueError:  # fails its signature check: garbled (see run._sends_intact)
                self.garbled += 1
                continue
            if message is not None and (ran := take(message)):
                return ran
            if interrupted_at is not None:
                if time.monotonic() > interrupted_at + INTERRUPT_PATIENCE:
                    raise KernelLost(KernelLoss.IGNORED_INTERRUPT)
                continue
            if time.monotonic() - quiet_since <= quiet_timeout:
                continue
            # Replies that queued up while this process itself waited for a core still count:
            # take what is waiting first (a bounded number: a kernel may print without end).
            for _ in range(MAX_WAITING):
                if not client.iopub_channel.msg_ready():
                    break
                try:
                    if ran := take(client.get_iopub_msg(timeout=0)):
                        return ran
                except Empty:
                    break
                except ValueError:
                    self.garbled += 1
            quiet = time.monotonic() - quiet_since
            own = quiet - (clock.waited() - waited_before)
            if own > quiet_timeout and not started:
                # Not even begun: nothing of the student's runs, and an interrupt would only
                # land later, somewhere else. The kernel is lost, for no fault of the notebook.
                raise KernelLost(KernelLoss.UNANSWERED)
            if own > quiet_timeout:
                self.interrupt()
                interrupted_at = time.monotonic()
            elif quiet > STARVED_PATIENCE * quiet_timeout:
                raise KernelBusy(quiet, own)
