"""Time budgets: how long one submission, and one sub-check of it, may keep a worker busy.

A budget is a deadline with the setting that set it, so that whoever runs out of time can say
which limit it met and how to change it. A sub-check's budget lies inside its submission's:
``within`` gives the one that ends first.
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

    def within(self, seconds: float, setting: str) -> Budget:
        """A budget of ``seconds`` from now, cut short where this one ends sooner."""
        fresh = Budget.start(seconds, setting, self.clock)
        return fresh if fresh.deadline <= self.deadline else self

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
