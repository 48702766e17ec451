"""A channel for the grader's own code into a notebook's kernel, beside the notebook's cells.

The grader runs its probes and calls the student's functions through a client of its own on
the kernel's connection, opened before any cell runs (so a notebook that deletes the files in
its folder, the sandbox's sockets among them, cannot cut it). What the code displays comes back
as data; a run that goes quiet for too long, or reaches its deadline, is interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import Empty

from jupyter_client.blocking import BlockingKernelClient
from jupyter_core.utils import run_sync

from ..model.errors import KernelLoss, KernelLost

INTERRUPT_PATIENCE = 10.0  # seconds an interrupted call has to stop before the kernel is lost


@dataclass(frozen=True)
class CodeRun:
    """How a piece of grader code ran in the kernel: to the end, or interrupted."""

    finished: bool
    error: str = ""  # the error the code ended with, if any
    cut: bool = False  # interrupted because its deadline came, not for a quiet spell


class Channel:
    """Runs grader code in the kernel that ``manager`` (a jupyter_client manager) started."""

    def __init__(self, manager):
        self.manager = manager
        self._client = BlockingKernelClient()
        self._client.load_connection_info(manager.get_connection_info())
        self._client.start_channels()
        self.garbled = 0  # messages from the kernel dropped because they arrived garbled

    def close(self) -> None:
        self._client.stop_channels()
        # The client made a zmq context of its own; left open, its files stay open too.
        self._client.context.destroy(linger=100)

    def is_alive(self) -> bool:
        return bool(run_sync(self.manager.is_alive)())

    def interrupt(self) -> None:
        if self.is_alive():
            run_sync(self.manager.interrupt_kernel)()

    def execute(self, code: str, on_display: Callable[[dict], None], quiet_timeout: float,
                deadline: float | None = None) -> CodeRun:
        """Run ``code`` in the kernel, passing each display message's data to ``on_display``.

        If ``quiet_timeout`` seconds pass with no display message, or the ``deadline`` (on
        ``time.monotonic``) comes, the kernel is interrupted and the run is not ``finished``
        (``cut`` says it was the deadline). Raises ``KernelLost`` if the kernel dies or ignores
        the interrupt.
        """
        client = self._client
        msg_id = client.execute(code, silent=False, store_history=False, allow_stdin=False)
        quiet_until = time.monotonic() + quiet_timeout
        deadline = float("inf") if deadline is None else deadline
        interrupted = cut = False
        error = ""
        while True:
            now = time.monotonic()
            if interrupted and now > quiet_until:
                raise KernelLost(KernelLoss.IGNORED_INTERRUPT)
            if not interrupted and now > min(quiet_until, deadline):
                cut = now > deadline
                self.interrupt()
                interrupted = True
                quiet_until = now + INTERRUPT_PATIENCE
            try:
                message = client.get_iopub_msg(timeout=0.2)
            except Empty:
                if not self.is_alive():
                    raise KernelLost(KernelLoss.DIED_IN_CALL) from None
                continue
            except ValueError:  # fails its signature check: garbled (see run._sends_intact)
                self.garbled += 1
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["header"]["msg_type"], message["content"]
            if kind == "display_data":  # replies sent while stopping still count
                on_display(content.get("data", {}))
                if not interrupted:
                    quiet_until = time.monotonic() + quiet_timeout
            elif kind == "error":
                error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"[:500]
            elif kind == "status" and content.get("execution_state") == "idle":
                return CodeRun(finished=not interrupted, error=error, cut=cut)
