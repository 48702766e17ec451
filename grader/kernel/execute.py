"""Execute a notebook headlessly in a fresh kernel and keep the kernel for the checks.

Each submission runs in a new temporary folder holding a copy of the notebook and the
assignment's data files, its kernel started under resource limits and, when one is given, in a
sandbox (see ``limits`` and ``sandbox``). A failing cell is recorded and execution goes on; a
cell over its time limit is interrupted; once the notebook's total time is spent the remaining
cells are skipped. Each cell's output is kept up to a cap.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_client.blocking import BlockingKernelClient
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from ..model.errors import KernelLost, UnreadableNotebook
from ..model.results import CellFailure
from .limits import Limits, limit_this_process
from .sandbox import Sandbox, SandboxedKernelManager, fresh_uid

TIMEOUT_ENAME = "CellTimeout"
KERNEL_DIED = "the kernel died"
KERNEL_STUCK = "the cell ignored the interrupt after its time limit, so the kernel was stopped"
INTERRUPT_GRACE = 5.0  # seconds an interrupted kernel has to take work again
INTERRUPT_PATIENCE = 10.0  # seconds an interrupted call has to stop before the kernel is lost
SOCKET_FOLDER_LENGTH = 90  # a Unix socket's path has room for about 107 characters
TRUNCATED = "[The grader kept only the first {mib:g} MiB of this cell's output.]\n"
KERNEL_BROKEN = "the kernel could no longer send its messages intact after the notebook ran"
HEALTH_PROBE = (  # what a working kernel sends back intact; sized like a batch of replies
    "from IPython.display import publish_display_data as _grader_publish\n"
    "for _grader_part in range(4): _grader_publish({{{mime!r}: {payload!r}}})\n"
    "del _grader_publish, _grader_part"
)
PROBE_MIME = "application/vnd.grader.probe+json"
NOT_RUN_AFTER = {
    KERNEL_DIED: "the kernel died in an earlier cell",
    KERNEL_STUCK: "the kernel was stopped after an earlier cell",
}


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a submission, turning every way a file can fail to be a notebook into one error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableNotebook(str(path), f"cannot read the file ({error})") from None
    if not text.strip():
        raise UnreadableNotebook(str(path), "the file is empty")
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableNotebook(str(path), f"not valid notebook JSON ({error})") from None
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        raise UnreadableNotebook(str(path), "not valid notebook JSON (it has no list of cells)")
    try:
        with warnings.catch_warnings():  # nbformat warns about fixable details, such as cell ids
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several unrelated types for bad input
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UnreadableNotebook(str(path), f"not a notebook nbformat can read ({reason[:200]})") from None
    for cell in notebook.cells:
        if cell.get("cell_type") == "code" and not isinstance(cell.get("source"), str):
            raise UnreadableNotebook(str(path), "a code cell has no source text")
    return notebook


@dataclass(frozen=True)
class Execution:
    """How running the notebook's cells went."""

    cell_failures: tuple[CellFailure, ...]
    kernel_start: float
    seconds: float
    kernel_lost: str = ""  # why the kernel could run no more: KERNEL_DIED or KERNEL_STUCK


@dataclass(frozen=True)
class CodeRun:
    """How a piece of grader code ran in the kernel: to the end, or interrupted."""

    finished: bool
    error: str = ""  # the error the code ended with, if any
    cut: bool = False  # interrupted because its deadline came, not for a quiet spell


def _first_line(source: str) -> str:
    lines = [line for line in source.strip().splitlines() if line.strip()]
    return lines[0][:120] if lines else ""


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
    """A notebook in its own working folder and kernel, for as long as the ``with`` lasts."""

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
    ):
        self.notebook = notebook
        self.data_files = list(data_files)
        self.cell_timeout = cell_timeout
        self.total_timeout = total_timeout
        self.startup_timeout = startup_timeout
        self.limits = limits
        self.sandbox = sandbox
        self.output_limit = output_limit
        self._stack = ExitStack()
        self.workdir: Path | None = None
        self.client: NotebookClient | None = None
        self._calls: BlockingKernelClient | None = None
        self.garbled = 0  # messages from the kernel dropped because they arrived garbled
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
        self.workdir = Path(tempfile.mkdtemp(prefix="grade-"))
        self._stack.callback(shutil.rmtree, self.workdir, ignore_errors=True)
        for data_file in self.data_files:
            shutil.copy(data_file, self.workdir / data_file.name)
        nbformat.write(self.notebook, self.workdir / "submission.ipynb")

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
        environment = {**os.environ, "MPLBACKEND": "agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        if self.sandbox is not None:
            self.sandbox = dataclasses.replace(self.sandbox, uid=fresh_uid())
            self.sandbox.hand_over(self.workdir)
            sockets = self._sockets()
            # Runs after the kernel is stopped (the stack unwinds in reverse), before the
            # folders are removed: nothing the notebook started may outlive it or write there.
            self._stack.callback(self.sandbox.end_processes)
            options["km"] = SandboxedKernelManager(self.sandbox, self.workdir, sockets)
        self.client = _CappedClient(
            self.notebook, kernel_name="python3", output_limit=self.output_limit, **options
        )
        started = time.perf_counter()
        launch = {"preexec_fn": partial(limit_this_process, self.limits)} if self.limits else {}
        # The kernel's own log (warnings about its transport, crash reports) is not for students.
        self._stack.enter_context(
            self.client.setup_kernel(
                env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cleanup_kc=True,  # stop the kernel at the end, also one started by our manager
                **launch,
            )
        )
        # Connected before any cell runs, so that a notebook deleting the files in its folder
        # (the sandbox's sockets among them) cannot keep the grader from calling its functions.
        self._call_client()
        self.kernel_start = time.perf_counter() - started

    def _sockets(self) -> Path:
        """A folder for the sandboxed kernel's sockets, whose paths must stay short."""
        if len(str(self.workdir)) <= SOCKET_FOLDER_LENGTH:
            return self.workdir
        sockets = Path(tempfile.mkdtemp(prefix="grade-", dir="/tmp"))
        self._stack.callback(shutil.rmtree, sockets, ignore_errors=True)
        self.sandbox.hand_over(sockets)
        return sockets

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
        lost = ""
        for index, cell in enumerate(self.notebook.cells):
            if cell.get("cell_type") != "code" or not cell.source.strip():
                continue
            head = _first_line(cell.source)
            remaining = deadline - time.perf_counter()
            if lost or remaining <= 0:
                why = NOT_RUN_AFTER[lost] if lost else "the notebook ran out of time"
                failures.append(CellFailure(index + 1, "not run", why, head))
                continue
            limit = min(self.cell_timeout, remaining)
            self.client.timeout = max(1, round(limit))
            self.client.error_on_timeout = {
                "ename": TIMEOUT_ENAME,
                "evalue": f"interrupted after {limit:.0f} s",
                "traceback": [],
            }
            try:
                self.client.execute_cell(cell, index)
            except DeadKernelError:
                lost = KERNEL_DIED
                failures.append(CellFailure(index + 1, "error", KERNEL_DIED, head))
                continue
            failure = _failure_from_reply(index, cell, replies.get(index))
            if failure and failure.status == "timeout" and not self._answers_after_interrupt():
                lost = KERNEL_STUCK
                failure = CellFailure(index + 1, "timeout", KERNEL_STUCK, head)
            if failure:
                failures.append(failure)
        if self.sandbox is not None and not lost:
            # The functions are called in the kernel alone: whatever the notebook left running
            # (a server, a fork bomb's sleeping children) could only get in the way.
            self.sandbox.end_processes(spare_kernel=True)
        if not lost and not self._sends_intact():
            lost = KERNEL_BROKEN
        return Execution(
            tuple(failures), self.kernel_start, time.perf_counter() - started, kernel_lost=lost
        )

    def _sends_intact(self) -> bool:
        """Whether the kernel still sends large messages whole, as the checks need it to.

        A notebook can leave its kernel unable to: one that forks until no process can start
        leaves ipykernel sending from two threads at once, and its messages arrive garbled.
        """
        payload = "grader probe " * 8192
        received: list = []
        garbled = self.garbled
        try:
            ran = self.execute(
                HEALTH_PROBE.format(mime=PROBE_MIME, payload=payload),
                lambda data: received.append(data.get(PROBE_MIME)),
                INTERRUPT_GRACE,
            )
        except KernelLost:
            return False
        return ran.finished and self.garbled == garbled and received == [payload] * 4

    def _answers_after_interrupt(self) -> bool:
        """Whether the kernel takes work again after a cell was interrupted for its time."""
        try:
            return self.execute("", lambda data: None, INTERRUPT_GRACE).finished
        except KernelLost:
            return False

    # -- running grader code in the same kernel, after the notebook ----------------------

    def _call_client(self) -> BlockingKernelClient:
        if self._calls is None:
            assert self.client is not None and self.client.km is not None
            client = BlockingKernelClient()
            client.load_connection_info(self.client.km.get_connection_info())
            client.start_channels()
            self._stack.callback(client.stop_channels)
            self._calls = client
        return self._calls

    def is_alive(self) -> bool:
        return bool(self.client and self.client.km and run_sync(self.client.km.is_alive)())

    def interrupt(self) -> None:
        if self.is_alive():
            run_sync(self.client.km.interrupt_kernel)()

    def execute(self, code: str, on_display: Callable[[dict], None], quiet_timeout: float,
                deadline: float | None = None) -> CodeRun:
        """Run ``code`` in the kernel, passing each display message's data to ``on_display``.

        If ``quiet_timeout`` seconds pass with no display message, or the ``deadline`` (on
        ``time.monotonic``) comes, the kernel is interrupted and the run is not ``finished``
        (``cut`` says it was the deadline). Raises ``KernelLost`` if the kernel dies or ignores
        the interrupt.
        """
        client = self._call_client()
        msg_id = client.execute(code, silent=False, store_history=False, allow_stdin=False)
        quiet_until = time.monotonic() + quiet_timeout
        deadline = float("inf") if deadline is None else deadline
        interrupted = cut = False
        error = ""
        while True:
            now = time.monotonic()
            if interrupted and now > quiet_until:
                raise KernelLost("the kernel ignored an interrupt")
            if not interrupted and now > min(quiet_until, deadline):
                cut = now > deadline
                self.interrupt()
                interrupted = True
                quiet_until = now + INTERRUPT_PATIENCE
            try:
                message = client.get_iopub_msg(timeout=0.2)
            except Empty:
                if not self.is_alive():
                    raise KernelLost("the kernel died during a call") from None
                continue
            except ValueError:  # fails its signature check: garbled (see _sends_intact)
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


def _failure_from_reply(index: int, cell, reply: dict | None) -> CellFailure | None:
    content = (reply or {}).get("content", {})
    if content.get("status") != "error":
        return None
    status = "timeout" if content.get("ename") == TIMEOUT_ENAME else "error"
    error = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".strip().rstrip(":")
    return CellFailure(index + 1, status, error[:300], _first_line(cell.source))
