"""The processes of a kernel: finding them in /proc, and ending them.

In the root sandbox, and as an unprivileged user without one, a kernel runs as a user id of its
own, so its processes are that user's (``ByUser``). In the rootless sandbox they run as the
grader's own user, so they are found instead under the first process of the sandbox's process
namespace (``InNamespace``): every process in the namespace descends from it, however it
detached itself, and once it has ended, the kernel (the operating system's) has ended every
other process in the namespace. Without either, the best Linux offers is a mark: a variable
with a token of the kernel's own in its environment, which every process it starts inherits,
also one that left its session and its parent (``Marked``); one that clears its environment, or
makes it unreadable, is not found.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class _Process:
    pid: int
    ppid: int
    uid: int
    start: int  # clock ticks after boot: with the pid, names one process for good


def _table() -> dict[int, _Process]:
    """Every live (not zombie) process, by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
        state, ppid, *rest = stat.rsplit(")", 1)[1].split()
        if state != "Z":
            found[int(entry.name)] = _Process(int(entry.name), int(ppid), int(uid), int(rest[17]))
    return found


def end(find: Callable[[], list[int]], spare: int = 0, patience: float = 5.0) -> None:
    """Kill the processes ``find()`` lists, oldest first, all but the first ``spare`` of them,
    and wait until it lists no more of them."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        left = find()[spare:]
        if not left:
            return
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


@dataclass(frozen=True)
class ByUser:
    """The processes of user ``uid``, oldest first: the kernel, then what it started."""

    uid: int
    kernel_first = 1  # the kernel comes first: sparing one spares it

    def __call__(self) -> list[int]:
        mine = [process for process in _table().values() if process.uid == self.uid]
        return [process.pid for process in sorted(mine, key=lambda p: (p.start, p.pid))]


class InNamespace:
    """The processes in the process namespace ``bwrap`` (process ``outer``) made: its first
    process, the kernel (that process's first child), then the rest, oldest first."""

    kernel_first = 2  # the namespace's first process, then the kernel: sparing two spares it

    def __init__(self, outer: int, patience: float = 5.0):
        self.outer = outer
        self.first: _Process | None = None
        deadline = time.monotonic() + patience
        while self.first is None and time.monotonic() < deadline:  # bwrap makes it at once
            table = _table()
            self.first = next((p for p in table.values() if p.ppid == outer), None)
            if self.first is None and outer not in table:
                break  # bwrap ended without making one
            time.sleep(0.01)

    def __call__(self) -> list[int]:
        table = _table()
        if self.first is None:
            return []
        first = table.get(self.first.pid)
        if first is None or first.start != self.first.start:
            return []
        inside, frontier = [], [first.pid]
        while frontier:
            parent = frontier.pop()
            children = [p for p in table.values() if p.ppid == parent]
            inside += children
            frontier += [p.pid for p in children]
        inside.sort(key=lambda p: (p.start, p.pid))
        kernel = [p for p in inside if p.ppid == first.pid][:1]
        return [first.pid] + [p.pid for p in kernel + [p for p in inside if p not in kernel]]


MARK = "GRADER_KERNEL_MARK"  # the variable that marks the processes of one kernel without a sandbox


@dataclass(frozen=True)
class Marked:
    """The processes of this process's user that started with ``MARK=token`` in their
    environment, oldest first: the kernel, then what it started."""

    token: str
    kernel_first = 1

    def __call__(self) -> list[int]:
        mark, uid = f"{MARK}={self.token}".encode(), os.getuid()
        marked = []
        for process in _table().values():
            if process.uid != uid:
                continue
            try:
                environment = Path(f"/proc/{process.pid}/environ").read_bytes()
            except OSError:  # it ended, or made itself unreadable
                continue
            if mark in environment.split(b"\0"):
                marked.append(process)
        return [process.pid for process in sorted(marked, key=lambda p: (p.start, p.pid))]
