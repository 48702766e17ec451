"""Resource limits on a student's kernel.

The limits are set in the kernel's process between its fork and its exec, so they hold from its
first instruction, and every process it starts inherits them. They are set high enough that a
correct notebook for the lesson never meets them; what a notebook does past them fails in that
notebook alone: an allocation raises MemoryError, a write past the file size limit raises
OSError, opening too many files raises OSError, and too much CPU time ends the kernel (which the
grader reports as a dead kernel). The number of processes is limited by the sandbox (see
``sandbox``), since that limit does not bind root.
"""

from __future__ import annotations

import resource
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


def limit_this_process(limits: Limits) -> None:
    """Lower this process's limits (those of every process it starts too); run before exec.

    A limit already lower than asked is kept.
    """
    for kind, value in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, limits.file_size_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
    ):
        soft, hard = resource.getrlimit(kind)
        value = min(value, hard) if hard != resource.RLIM_INFINITY else value
        resource.setrlimit(kind, (value, value))
