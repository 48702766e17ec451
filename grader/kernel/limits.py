"""Resource limits on a student's kernel.

The limits are set on the kernel's command by ``prlimit`` (or, where it is missing, between its
fork and its exec), so they hold from its first instruction, and every process it starts
inherits them. They are set high enough that a
correct notebook for the lesson never meets them; what a notebook does past them fails in that
notebook alone: an allocation raises MemoryError, a write past the file size limit raises
OSError, opening too many files raises OSError, and too much CPU time ends the kernel (which the
grader reports as a dead kernel). The number of processes is limited by the sandbox (see
``sandbox``), since that limit does not bind root.
"""

from __future__ import annotations

import resource
import shutil
from dataclasses import dataclass

GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class Limits:
    memory_bytes: int  # address space of each process
    cpu_seconds: int  # CPU time of each process
    file_size_bytes: int  # largest file a process may write
    open_files: int  # file descriptors of each process

    @classmethod
    def from_settings(cls, settings) -> Limits:
        return cls(
            memory_bytes=int(settings.memory_limit * GIB),
            cpu_seconds=int(settings.cpu_limit),
            file_size_bytes=int(settings.file_size_limit * MIB),
            open_files=int(settings.open_files_limit),
        )


def _values(limits: Limits) -> list[tuple[str, int, int]]:
    """(prlimit's name, the resource, the value) for each limit; one already lower is kept."""
    chosen = []
    for name, kind, value in (
        ("as", resource.RLIMIT_AS, limits.memory_bytes),
        ("cpu", resource.RLIMIT_CPU, limits.cpu_seconds),
        ("fsize", resource.RLIMIT_FSIZE, limits.file_size_bytes),
        ("nofile", resource.RLIMIT_NOFILE, limits.open_files),
    ):
        _soft, hard = resource.getrlimit(kind)
        chosen.append((name, kind, min(value, hard) if hard != resource.RLIM_INFINITY else value))
    return chosen


def command_prefix(limits: Limits) -> list[str]:
    """What to put before a command so that it starts under ``limits``, or [] if it cannot.

    ``prlimit`` sets them in the new process before it runs the command, so they hold from its
    first instruction, and no Python code runs between fork and exec: that is unsafe in a
    process with threads (a Dask worker, say), where ``preexec_fn`` can deadlock.
    """
    if shutil.which("prlimit") is None:
        return []
    return ["prlimit", *(f"--{name}={value}" for name, _, value in _values(limits)), "--"]


def limit_this_process(limits: Limits) -> None:
    """Lower this process's limits (those of every process it starts too); run before exec
    where ``prlimit`` is missing."""
    for _, kind, value in _values(limits):
        resource.setrlimit(kind, (value, value))
