"""Lines that say how a run grades: where expected outputs come from, which sandbox kernels run
in, whether held-out inputs are tried; each says, where something is missing, why and the fix."""

from __future__ import annotations

from ..judge.oracle import Oracle
from ..kernel.sandbox import availability, runs_as_unprivileged_user
from ..model.assignment import Assignment
from ..model.settings import Settings

SOURCES = {"reference": "reference solutions", "stored outputs": "outputs stored with the assignment"}


def sandbox_line(settings: Settings, reason: str | None = None, where: str = "") -> str:
    """Which sandbox kernels run in (root, rootless, none but an unprivileged user of their
    own, or none), and if none, why and the fix.

    For kernels that run elsewhere (a cluster's workers), ``reason`` says why the sandbox cannot
    run there ("" when it can) and ``where`` says where that is, such as " on the workers".
    """
    if settings.sandbox == "off":
        return f"Sandbox{where}: none (--sandbox off). See the README for what still holds."
    if reason is not None:
        if reason:
            return f"Sandbox{where}: none, since {reason}. See the README for what still holds."
        return f"Sandbox{where}: yes. Each kernel runs with no network, seeing only its own folder."
    found = availability()
    if found.kind is None:  # the command comes last, to be copied whole
        fix = f" To fix this, run: {found.fix}" if found.fix else ""
        if runs_as_unprivileged_user(settings.sandbox):
            return (f"Sandbox: unprivileged user, since {found.reason}. Each kernel runs as a "
                    "user id of its own, which cannot read the lessons or the reference "
                    f"solutions, with the network. See the README for what still holds.{fix}")
        return f"Sandbox: none, since {found.reason}. See the README for what still holds.{fix}"
    how = {"root": "as a user id", "rootless": "in user namespaces"}[found.kind]
    line = (f"Sandbox: {found.kind}. Each kernel runs {how} of its own, with no network, "
            "seeing only its own folder.")
    if not found.process_limit:
        line += " --process-limit does not hold in it: that needs Linux 5.14 or newer."
    return line


def held_out_line(assignment: Assignment, oracle: Oracle, settings: Settings) -> str:
    """Whether final grading tries held-out inputs besides the ones students can see, and if
    not, why and the fix."""
    if oracle.holds_out:
        return (f"Held-out inputs: {settings.held_out_examples} per sub-check, drawn for each "
                "notebook, besides the stored ones students can see.")
    if oracle.mode != "reference":
        return ("Held-out inputs: none, since they need the reference solutions: only the "
                "stored inputs, which students can see, are tried.")
    return (f"Held-out inputs: none, since {assignment.name!r} has no secret: only the stored "
            f"inputs, which students can see, are tried. To fix this, run: grade freeze "
            f"--lesson {assignment.name}")
