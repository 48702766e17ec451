"""How a batch is going: each submission's score as it lands, done/total, rate and time left.

On a terminal the last line is a bar that redraws itself under the scores; anywhere else (a
log file, CI) each submission gets one plain line that ends with the same figures.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from ..model.results import SubmissionResult
from .wording import points

BAR_WIDTH = 30
_CLEAR_LINE = "\r\x1b[2K"


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h10m``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Counts finished submissions; rate and time left count only those graded in this run."""

    def __init__(
        self, total: int, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic
    ):
        self.total = total
        self.stream = stream or sys.stderr
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.graded = 0  # graded now, rather than reused from an earlier run
        self.terminal = self.stream.isatty()
        if self.terminal:
            self._write(self.bar())

    def figures(self) -> str:
        """``4.2/min, 1m10s left``, once a submission has been graded in this run."""
        elapsed = self.clock() - self.started
        if not self.graded or elapsed <= 0:
            return ""
        per_second = self.graded / elapsed
        left = (self.total - self.done) / per_second
        return f"{per_second * 60:.1f}/min, {duration(left)} left"

    def bar(self) -> str:
        filled = BAR_WIDTH * self.done // self.total if self.total else BAR_WIDTH
        figures = self.figures()
        return (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.total}"
            + (f"  {figures}" if figures else "")
        )

    def update(self, result: SubmissionResult, reused: bool = False) -> None:
        self.done += 1
        self.graded += not reused
        score = f"{points(result.score)}/{points(result.possible)}"
        line = f"[{self.done}/{self.total}] {result.id}: {score}"
        if result.status != "graded":
            line += f"  [{result.status}]"
        elif result.message:
            line += f"  [{result.message}]"
        if reused:
            line += "  (unchanged since graded before)"
        if self.terminal:
            self._write(f"{_CLEAR_LINE}{line}\n{self.bar()}")
        else:
            figures = "" if reused else self.figures()
            self._write(f"{line}  ({figures})\n" if figures else f"{line}\n")

    def close(self) -> None:
        """Take the bar away, leaving the scores above it."""
        if self.terminal:
            self._write(_CLEAR_LINE)

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
