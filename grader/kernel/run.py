"""Run a notebook's cells headlessly in a fresh kernel, and keep the kernel for the checks.

A failing cell is recorded and execution goes on; a cell over its time limit is interrupted;
once the notebook's total time is spent the remaining cells are skipped. Each cell's output is
kept up to a cap. The kernel is lost when it dies, when a cell ignores the interrupt at its
time limit, or when, after the last cell, it can no longer send its messages intact; the cells
after a loss do not run, and ``Execution`` says which loss and where.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from ..model.errors import KernelLoss, KernelLost, KernelStartFailed
from ..model.results import CellFailure, CellStatus
from .channel import Channel, CodeRun
from .hints import hint
from .launch import prepare_kernel, working_folder
from .limits import Limits
from .notebook import first_line
from .own_files import OwnFiles
from .sandbox import Sandbox, SandboxedKernelManager

TIMEOUT_ENAME = "CellTimeout"
_NAME_ERROR = re.compile(r"name '([A-Za-z_]\w*)' is not defined")
INTERRUPT_GRACE = 5.0  # seconds an interrupted kernel has to take work again
TRUNCATED = "[The grader kept only the first {mib:g} MiB of this cell's output.]\n"
HEALTH_PROBE = (  # what a working kernel sends back intact; sized like a batch of replies
    "from IPython.display import publish_display_data as _grader_publish\n"
    "for _grader_part in range(4): _grader_publish({{{mime!r}: {payload!r}}})\n"
    "del _grader_publish, _grader_part"
)
PROBE_MIME = "application/vnd.grader.probe+json"
NOT_RUN_AFTER = {
    KernelLoss.DIED: "the kernel died in an earlier cell",
    KernelLoss.STUCK: "the kernel was stopped after an earlier cell",
}


@dataclass(frozen=True)
class Execution:
    """How running the notebook's cells went."""

    cell_failures: tuple[CellFailure, ...]
    kernel_start: float
    seconds: float
    kernel_lost: KernelLoss | None = None  # why the kernel could run no more
    lost_in: int = 0  # the cell (1-based) it was lost in; after the last cell for BROKEN


class _CappedClient(NotebookClient):
    """A notebook client that keeps at most ``output_limit`` bytes of each cell's output.

    Past the cap, outputs are dropped and a note says so: a notebook that prints without end
    costs a truncated log, not the grader's memory.
    """

    def __init__(self, notebook: nbformat.NotebookNode, *, output_limit: int, **options):
        super().__init__(notebook, **options)
        self.output_limit = output_limit
        self._kept: dict[int, int] = {}  # bytes of output kept, by cell index

    def output(self, outs, msg, display_id, cell_index):
        kept = self._kept.get(cell_index, 0)
        if kept > self.output_limit:
            return None
        kept += len(json.dumps(msg.get("content", {})))
        self._kept[cell_index] = kept
        if kept > self.output_limit:
            note = TRUNCATED.format(mib=self.output_limit / 1024**2)
            outs.append(nbformat.v4.new_output("stream", name="stderr", text=note))
            self._kept[cell_index] = self.output_limit + 1
            return None
        return super().output(outs, msg, display_id, cell_index)


class NotebookRun:
    """A notebook in its own working folder and kernel, for as long as the ``with`` lasts.

    Grader code runs in the kernel through ``execute`` (see ``channel``), after the cells.
    """

    def __init__(
        self,
        notebook: nbformat.NotebookNode,
        data_files: Iterable[Path] = (),
        *,
        cell_timeout: float,
        total_timeout: float,
        startup_timeout: float = 60.0,
        limits: Limits | None = None,
        sandbox: Sandbox | None = None,
        output_limit: int = 1024**2,
        own_files: OwnFiles = OwnFiles(),
    ):
        self.notebook = notebook
        self.data_files = list(data_files)
        self.own_files = own_files
        self.cell_timeout = cell_timeout
        self.total_timeout = total_timeout
        self.startup_timeout = startup_timeout
        self.limits = limits
        self.sandbox = sandbox
        self.output_limit = output_limit
        self._stack = ExitStack()
        self.workdir: Path | None = None
        self.client: NotebookClient | None = None
        self.channel: Channel | None = None
        self.kernel_start = 0.0

    def __enter__(self) -> NotebookRun:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()

    def _start(self) -> None:
        self.workdir = working_folder(self._stack, self.notebook, self.data_files,
                                      self.own_files)
        start = prepare_kernel(self._stack, self.workdir, self.limits, self.sandbox)
        self.sandbox = start.sandbox
        options = dict(
            timeout=self.cell_timeout,
            startup_timeout=self.startup_timeout,
            allow_errors=True,
            interrupt_on_timeout=True,
            record_timing=False,
            # The kernel is thrown away: waiting for it to wind down took a third of a second.
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(self.workdir)}},
        )
        options["km"] = start.manager
        self.client = _CappedClient(
            self.notebook, kernel_name="python3", output_limit=self.output_limit, **options
        )
        started = time.perf_counter()
        try:
            self._stack.enter_context(self.client.setup_kernel(**start.setup))
        except (RuntimeError, TimeoutError) as error:  # jupyter_client's words for "it died"
            raise KernelStartFailed(str(error) or type(error).__name__) from error
        # Opened before any cell runs: see ``channel``.
        self.channel = Channel(self.client.km)
        self._stack.callback(self.channel.close)
        self.kernel_start = time.perf_counter() - started

    def run_cells(self) -> Execution:
        """Run every code cell in order; a failure is recorded and the next cell runs.

        Execution stops early if the kernel dies, or if a cell over its time limit ignores the
        interrupt (then the kernel is stopped for good, since it would never run another cell).
        A kernel that ran every cell but can no longer send its messages intact is lost too.
        """
        assert self.client is not None
        failures: list[CellFailure] = []
        replies: dict[int, dict] = {}
        self.client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.update(
            {cell_index: execute_reply}
        )
        started = time.perf_counter()
        deadline = started + self.total_timeout
        lost, lost_in = None, 0
        for index, cell in enumerate(self.notebook.cells):
            if cell.get("cell_type") != "code" or not cell.source.strip():
                continue
            head = first_line(cell.source)
            remaining = deadline - time.perf_counter()
            if lost or remaining <= 0:
                why = NOT_RUN_AFTER[lost] if lost else "the notebook ran out of time"
                failures.append(CellFailure(index + 1, "not run", why, head))
                continue
            failure, lost = self._run_cell(index, cell, min(self.cell_timeout, remaining), replies)
            lost_in = index + 1 if lost else 0
            if failure:
                failures.append(failure)
        if self.sandbox is not None and not lost:
            # The functions are called in the kernel alone: whatever the notebook left running
            # (a server, a fork bomb's sleeping children) could only get in the way.
            manager = self._notebook_client().km
            assert isinstance(manager, SandboxedKernelManager), "a sandboxed kernel's manager"
            manager.end_processes(spare_kernel=True)
        if not lost and not self._sends_intact():
            lost, lost_in = KernelLoss.BROKEN, len(self.notebook.cells)
        return Execution(tuple(failures), self.kernel_start, time.perf_counter() - started,
                         lost, lost_in)

    def _run_cell(self, index: int, cell, limit: float,
                  replies: dict[int, dict]) -> tuple[CellFailure | None, KernelLoss | None]:
        """Run one cell with ``limit`` seconds; how it failed, if it did, and whether that lost
        the kernel."""
        head = first_line(cell.source)
        client = self._notebook_client()
        client.timeout = max(1, round(limit))
        client.error_on_timeout = {
            "ename": TIMEOUT_ENAME,
            "evalue": f"interrupted after {limit:.0f} s",
            "traceback": [],
        }
        try:
            client.execute_cell(cell, index)
        except DeadKernelError:
            return CellFailure(index + 1, "error", KernelLoss.DIED.value, head), KernelLoss.DIED
        failure = _failure_from_reply(index, cell, replies.get(index))
        if failure and self.workdir is not None:
            # Paths in the working folder as the notebook names them: the folder is the
            # grader's own, made anew for each run, and would make each message different.
            failure = dataclasses.replace(failure, error=failure.error.replace(f"{self.workdir}/", ""))
        if failure and failure.status == "timeout" and not self._answers_after_interrupt():
            stuck = KernelLoss.STUCK
            return CellFailure(index + 1, "timeout", stuck.value, head), stuck
        return failure, None

    def _sends_intact(self) -> bool:
        """Whether the kernel still sends large messages whole, as the checks need it to.

        A notebook can leave its kernel unable to: one that forks until no process can start
        leaves ipykernel sending from two threads at once, and its messages arrive garbled.
        """
        payload = "grader probe " * 8192
        received: list = []
        garbled = self._channel().garbled
        try:
            ran = self.execute(
                HEALTH_PROBE.format(mime=PROBE_MIME, payload=payload),
                lambda data: received.append(data.get(PROBE_MIME)),
                INTERRUPT_GRACE,
            )
        except KernelLost:
            return False
        return ran.finished and self._channel().garbled == garbled and received == [payload] * 4

    def _answers_after_interrupt(self) -> bool:
        """Whether the kernel takes work again after a cell was interrupted for its time."""
        try:
            return self.execute("", lambda data: None, INTERRUPT_GRACE).finished
        except KernelLost:
            return False

    def _notebook_client(self) -> NotebookClient:
        assert self.client is not None, "the kernel starts when the run is entered"
        return self.client

    def _channel(self) -> Channel:
        assert self.channel is not None, "the kernel starts when the run is entered"
        return self.channel

    # -- grader code in the same kernel, after the notebook --------------------------------

    def is_alive(self) -> bool:
        return bool(self.channel and self.channel.is_alive())

    def execute(self, code: str, on_display: Callable[[dict], None],
                quiet_timeout: float) -> CodeRun:
        """Run grader code in the kernel (see ``Channel.execute``)."""
        return self._channel().execute(code, on_display, quiet_timeout)

    def clock(self) -> float:
        """The kernel's CPU seconds so far (see ``clock.KernelClock.cpu``)."""
        return self._channel().clock.cpu()


def _failure_from_reply(index: int, cell, reply: dict | None) -> CellFailure | None:
    content = (reply or {}).get("content", {})
    if content.get("status") != "error":
        return None
    status: CellStatus = "timeout" if content.get("ename") == TIMEOUT_ENAME else "error"
    error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".strip().rstrip(":")
    # The kernel's reply gives an error's type and text, not a NameError's name: read it here.
    named = _NAME_ERROR.fullmatch(str(content.get("evalue", "")))
    missing = named.group(1) if content.get("ename") == "NameError" and named else ""
    note = hint(str(content.get("ename", "")), str(content.get("evalue", "")))
    return CellFailure(index + 1, status, error[:300], first_line(cell.source), missing, note)
