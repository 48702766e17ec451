"""What the checks call a student's functions through: a ``Caller``.

Three kinds answer it: ``calls.FunctionCaller`` (in a notebook's kernel, or in this process for
the in-notebook self-check), ``in_process.InProcessCaller`` (the grader's own variants of a
reference, for ``grade audit``) and the tests' fakes. Whatever answers, every outcome is plain
data judged in the grader's process.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .calls import Outcome, StandInOutput


class Caller(Protocol):
    """Calls the functions a notebook defines and remembers every outcome."""

    def inspect(self, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        """For each name: "callable", "missing" or the type it holds; and all callable names."""
        ...

    def call(self, name: str, arguments: tuple, stand_ins: Sequence[StandInOutput] = (),
             deadline: float | None = None) -> Outcome | None:
        """The outcome of ``name(*arguments)``; None if the ``deadline`` came first."""
        ...

    def known(self, name: str, arguments: tuple,
              stand_ins: Sequence[StandInOutput] = ()) -> Outcome | None:
        """The outcome of an earlier call with these arguments and stand-ins, or None."""
        ...

    def prefetch(self, name: str, many: Sequence[tuple],
                 stand_ins: Sequence[Sequence[StandInOutput]] | None = None,
                 deadline: float | None = None) -> None:
        """Call ``name`` on every argument tuple not seen yet, in one round trip."""
        ...
