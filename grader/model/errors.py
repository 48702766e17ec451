"""Errors the grader raises. The CLI is the only place that turns them into text and exit codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum

# A setting named in a message: ``{max_examples}``, or with a value, ``{max_examples=100}``.
_SETTING = re.compile(r"\{(\w+)(?:=([^{}]*))?\}")


def as_option(name: str, value: str | None) -> str:
    """A setting as the command line takes it: ``--max-examples 100``."""
    flag = "--" + name.replace("_", "-")
    return flag if value is None else f"{flag} {value}"


def as_keyword(name: str, value: str | None) -> str:
    """A setting as Python takes it (``Settings``, ``check()``, ``Request``):
    ``max_examples=100``."""
    return name if value is None else f"{name}={value}"


class GraderError(Exception):
    """Root of every error the grader raises on purpose."""


class UsageError(GraderError):
    """The command was asked for something that cannot be done (bad path, unknown option value)."""


class SettingError(UsageError):
    """A setting, or a choice of a run, that cannot be used as given.

    The message names each setting by its field, as ``{max_examples}`` or ``{max_examples=100}``,
    and each front end says it in its own words (``render``): the command line as options
    (``--max-examples 100``, what ``str`` gives), Python as keyword arguments
    (``max_examples=100``).
    """

    def __init__(self, template: str):
        self.template = template
        super().__init__(self.render())

    def render(self, say: Callable[[str, str | None], str] = as_option) -> str:
        return _SETTING.sub(lambda found: say(found.group(1), found.group(2)), self.template)

    def __reduce__(self):
        return (type(self), (self.template,))


class ClusterError(GraderError):
    """A Dask cluster cannot grade as this machine would: unreachable, or a worker that differs."""


class AssignmentError(GraderError):
    """An assignment folder is missing or does not define what the grader needs."""


class AuthoringError(GraderError):
    """A solved notebook or a lesson cannot be made into a handout or a release as it is: a
    marker without its partner, an exercise no cell defines, a reference outside ``solutions``,
    stored outputs out of date."""


class UnreadableNotebook(GraderError):
    """A submission file is not a notebook the grader can execute."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path} is not a readable notebook: {reason}")

    def __reduce__(self):
        return (type(self), (self.path, self.reason))


class ArchiveError(GraderError):
    """A zip of submissions cannot be unpacked safely."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):
        return (type(self), (self.path, self.reason))


class KernelStartFailed(GraderError):
    """A kernel could not be started for a notebook: nothing of the notebook has run yet."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(
            f"a Jupyter kernel could not start ({reason}): check that this environment starts "
            "one (`python -m ipykernel_launcher --help` runs), that no file beside the notebook "
            "is named like a module the kernel imports (ipykernel.py, zmq.py), and, if it only "
            "fails in the sandbox, that `--sandbox off` works")

    def __reduce__(self):
        return (type(self), (self.reason,))


class KernelBusy(GraderError):
    """The machine kept a kernel from running long enough that the grader cannot tell how long
    the student's code takes: no verdict of the student's, retried on the next run."""

    def __init__(self, waited: float, ran: float):
        self.waited = waited
        self.ran = ran
        super().__init__(
            f"the machine was too busy to grade this: a call waited {waited:.0f} s for an "
            f"answer while its kernel could run for only {ran:.1f} s of it; grade it again "
            "when the machine is less busy, or with fewer --jobs")

    def __reduce__(self):
        return (type(self), (self.waited, self.ran))


class KernelLoss(Enum):
    """How a student's kernel was lost; the value is the reason as a clause of a message."""

    DIED = "the kernel died"  # in a cell
    STUCK = "the cell ignored the interrupt after its time limit, so the kernel was stopped"
    BROKEN = "the kernel could no longer send its messages intact after the notebook ran"
    DIED_IN_CALL = "the kernel died during a call"
    IGNORED_INTERRUPT = "the kernel ignored an interrupt"
    # The kernel never started the grader's request: no verdict on the student's code, whose
    # exercise is checked again in a fresh kernel (see ``judge.exercises``).
    UNANSWERED = "the kernel stopped taking requests (not the notebook's doing)"


class KernelLost(GraderError):
    """The student's kernel died or stopped answering, so nothing more can be called in it."""

    def __init__(self, reason: KernelLoss):
        self.reason = reason
        super().__init__(f"the notebook's kernel is gone: {reason.value}")

    def __reduce__(self):
        return (type(self), (self.reason,))
