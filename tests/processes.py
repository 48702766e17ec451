"""What runs on this machine, read from /proc: for tests that grading leaves nothing running."""

from __future__ import annotations

import ctypes
import os
import signal
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    state: str  # "R", "S", "Z" (a zombie: ended, not yet reaped), ...
    uid: int
    command: str

    def __str__(self) -> str:
        return (f"pid {self.pid} (parent {self.ppid}, uid {self.uid}, state {self.state}): "
                f"{self.command}")


def _read(pid: str) -> Process | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it ended while we looked
        return None
    fields = stat.rsplit(")", 1)[1].split()
    uid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Uid:"))
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    arguments = " ".join(command.decode(errors="replace").split("\0")).strip()
    return Process(int(pid), int(fields[1]), fields[0], uid, arguments[:200] or f"[{name}]")


def process_table() -> dict[int, Process]:
    """Every process this one can see, by pid."""
    found = (_read(entry) for entry in os.listdir("/proc") if entry.isdigit())
    return {process.pid: process for process in found if process}


def children(pid: int, table: dict[int, Process] | None = None) -> list[Process]:
    table = process_table() if table is None else table
    return [process for process in table.values() if process.ppid == pid]


def descendants(pid: int, table: dict[int, Process] | None = None) -> list[Process]:
    """Children, their children, and so on; zombies included."""
    table = process_table() if table is None else table
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for process in table.values():
            if process.ppid == parent:
                found.append(process)
                frontier.append(process.pid)
    return found


def environment(pid: int) -> bytes | None:
    """The environment ``pid`` started with, or None when it cannot be read."""
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None


@contextmanager
def adopting_orphans():
    """Make this process the one that orphaned descendants are handed to, for the block.

    A process that leaves its session and its parent (a double-forked daemon) then stays among
    this process's descendants, where ``descendants`` finds it. Orphans that end within the
    block are reaped at its end; those still running are left for the caller to judge.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    known = {process.pid for process in children(os.getpid())}
    try:
        yield
    finally:
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        for process in children(os.getpid()):
            if process.state == "Z" and process.pid not in known:
                with suppress(ChildProcessError):
                    os.waitpid(process.pid, os.WNOHANG)


def kill(processes: list[Process]) -> None:
    """End the given processes, each by its pid (they are ours: the test started them)."""
    for process in processes:
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        if process.ppid == os.getpid():
            with suppress(ChildProcessError):
                os.waitpid(process.pid, 0)
