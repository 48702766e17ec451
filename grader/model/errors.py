"""Errors the grader raises. The CLI is the only place that turns them into text and exit codes."""

from __future__ import annotations


class GraderError(Exception):
    """Root of every error the grader raises on purpose."""


class UsageError(GraderError):
    """The command was asked for something that cannot be done (bad path, unknown option value)."""


class AssignmentError(GraderError):
    """An assignment folder is missing or does not define what the grader needs."""


class UnreadableNotebook(GraderError):
    """A submission file is not a notebook the grader can execute."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path} is not a readable notebook: {reason}")

    def __reduce__(self):
        return (type(self), (self.path, self.reason))


class KernelLost(GraderError):
    """The student's kernel died or stopped answering, so nothing more can be called in it."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"the notebook's kernel is gone: {reason}")

    def __reduce__(self):
        return (type(self), (self.reason,))
