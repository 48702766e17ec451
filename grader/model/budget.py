"""Time budgets: how long one submission, and one sub-check of it, may keep a worker busy.

A budget is a deadline with the setting that set it, so that whoever runs out of time can say
which limit it met and how to change it. A sub-check's budget lies inside its submission's:
``within`` gives the one that ends first.

A budget runs on a clock of its own choosing. A submission's runs on the wall clock; a
sub-check's on the kernel's CPU time (``FunctionCaller.clock``), so that a function is not
out of time because other work kept the machine busy while it waited its turn.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Budget:
    """Until when a stage of grading may run, and which setting said so."""

    seconds: float  # the setting's value
    setting: str  # the option that sets it, such as "--check-timeout"
    deadline: float  # on ``clock``
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def start(cls, seconds: float, setting: str,
              clock: Callable[[], float] = time.monotonic) -> Budget:
        """A budget of ``seconds`` from now."""
        return cls(seconds, setting, clock() + seconds, clock)

    def within(self, seconds: float, setting: str,
               clock: Callable[[], float] | None = None) -> Budget:
        """A budget of ``seconds`` from now, cut short where this one ends sooner.

        On ``clock`` if given (else this budget's): then what is left of this one is counted
        on that clock from now.
        """
        if clock is None or clock is self.clock:
            fresh = Budget.start(seconds, setting, self.clock)
            return fresh if fresh.deadline <= self.deadline else self
        left = self.left()
        if seconds <= left:
            return Budget.start(seconds, setting, clock)
        return Budget(self.seconds, self.setting, clock() + left, clock)

    def left(self) -> float:
        return max(0.0, self.deadline - self.clock())

    def over(self) -> bool:
        return self.clock() >= self.deadline

    def describe(self) -> str:
        """``60 s, --check-timeout``: for messages that say which limit was met."""
        return f"{self.seconds:g} s, {self.setting}"


def unlimited(clock: Callable[[], float] = time.monotonic) -> Budget:
    """A budget that never runs out, for callers that set none."""
    return Budget(float("inf"), "no limit", float("inf"), clock)
