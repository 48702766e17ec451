"""The time a kernel's own work took, as Linux counts it, so that a busy machine is no verdict.

On a loaded machine a kernel waits its turn for a core; measured on the wall clock, a correct
function looks slow and a check runs out of time that it would have had alone. So the grader
counts, for a kernel, two things the operating system keeps in ``/proc``:

- ``cpu()``: the CPU seconds the kernel process has used (``/proc/<pid>/stat``: user and
  system time of all its threads, and of the children it waited for). A sub-check's budget
  counts these: only while the student's function computes does it spend them.
- ``waited()``: the seconds the kernel's main thread, runnable, waited for a core
  (``/proc/<pid>/schedstat``, its second field). Wall time less this is the time a call took
  of its own: computing, or sleeping and blocking as the function chose. The call time limit
  counts that, so a function that sleeps for ever still times out, and one that was only kept
  waiting by other work does not.

Where ``/proc`` cannot tell (another system, a process that is gone), both fall back to the
wall clock: ``cpu()`` to ``time.monotonic()`` and ``waited()`` to 0.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def is_kernel(pid: int) -> bool:
    """Whether process ``pid`` runs a Jupyter kernel (its command line names ipykernel)."""
    command = _read(Path(f"/proc/{pid}/cmdline"))
    return command is not None and "ipykernel" in command


class KernelClock:
    """The CPU time of process ``pid`` and the time its main thread waited for a core."""

    def __init__(self, pid: int | None):
        self.pid = pid
        self.counting = pid is not None and _read(Path(f"/proc/{pid}/stat")) is not None

    def cpu(self) -> float:
        """CPU seconds used so far; the wall clock where they cannot be read."""
        stat = _read(Path(f"/proc/{self.pid}/stat")) if self.counting else None
        if stat is None:
            return time.monotonic()
        fields = stat.rsplit(")", 1)[1].split()  # the name, in brackets, may hold spaces
        # utime, stime, cutime, cstime: fields 14 to 17 of proc(5), 12 to 15 after the name
        return sum(int(value) for value in fields[11:15]) / TICKS

    def waited(self) -> float:
        """Seconds the main thread has waited, runnable, for a core; 0 where not counted."""
        schedstat = _read(Path(f"/proc/{self.pid}/schedstat")) if self.counting else None
        try:
            return int(schedstat.split()[1]) / 1e9 if schedstat else 0.0
        except (IndexError, ValueError):
            return 0.0


def kernel_pid(manager) -> int | None:
    """The process id of the kernel a jupyter_client ``manager`` started, as this process sees
    it; None if it cannot be told.

    Outside the sandbox the launched process is the kernel (``prlimit`` and ``setpriv`` replace
    themselves with it). In the sandbox, ``bwrap`` comes first; the manager's ``inside`` lists
    the sandbox's processes with the kernel at ``kernel_first``.
    """
    inside = getattr(manager, "inside", None)
    if inside is not None:
        listed = inside()
        candidates = listed[inside.kernel_first - 1: inside.kernel_first]
    else:
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        candidates = [process.pid] if process is not None else []
    return next((pid for pid in candidates if is_kernel(pid)), None)
