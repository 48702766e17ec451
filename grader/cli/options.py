"""What ``grade`` and ``grade check`` share: their options, and turning them into settings.

Every setting's option is made from its declaration in ``Settings``, with its help text there,
so both commands grade the same way and the help never goes stale.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..judge.oracle import Oracle, make_oracle
from ..kernel.sandbox import (
    availability,
    check_answers_out_of_reach,
    check_mode,
    runs_as_unprivileged_user,
)
from ..model.assignment import Assignment
from ..model.errors import UsageError
from ..model.lessons import installed_lessons, load_assignment
from ..model.settings import DEFAULT_PROFILE, PROFILES, Settings, get_profile

SOURCES = {"reference": "reference solutions", "stored outputs": "outputs stored with the assignment"}


def add_assignment_option(parser: argparse.ArgumentParser, help: str = "") -> None:
    parser.add_argument("--assignment", "--lesson", default=None, metavar="NAME",
                        help=help or "the lesson the notebooks answer (default: each "
                        "notebook's own, from its metadata or the functions it defines)")


def chosen_lessons(name: str | None) -> tuple[list[Assignment], dict[str, str]]:
    """The lesson named, or every installed lesson; and the installed ones that cannot be
    loaded, each with why, which are said on stderr."""
    if name:
        return [load_assignment(name)], {}
    installed = installed_lessons()
    for broken, why in installed.broken.items():
        print(f"{broken}: {why}", file=sys.stderr)
    return list(installed.lessons), dict(installed.broken)


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    """Options that ``grade`` and ``grade check`` share, so both grade the same way."""
    add_settings_options(parser)
    add_assignment_option(parser)
    parser.add_argument("--exercise", action="append", default=None, metavar="NAME",
                        help="check only this function (may be given more than once)")
    parser.add_argument("--junit", type=Path, default=None, metavar="FILE",
                        help="also write JUnit XML, one test case per sub-check, for CI systems")
    parser.add_argument("--without-solutions", action="store_true",
                        help="ignore the reference solutions even if installed and compare with "
                        "the expected outputs stored with the assignment, as a student's "
                        "install does")


def add_settings_options(parser: argparse.ArgumentParser) -> None:
    """The settings profile, and an option for each setting."""
    for flag in Settings.flags():
        parser.add_argument(f"--{flag.name.replace('_', '-')}", action="store_true",
                            help=flag.metadata["help"])
    parser.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES),
                        help=f"settings profile (default: {DEFAULT_PROFILE})")
    for option in Settings.options():
        default = getattr(PROFILES[DEFAULT_PROFILE], option.name)
        parser.add_argument(
            f"--{option.name.replace('_', '-')}",
            type={"int": int, "float": float, "str": str}[option.type],
            choices=option.metadata["choices"] or None,
            default=None,
            help=f"{option.metadata['help']} (default: {default})",
        )


def settings_from(arguments: argparse.Namespace, kernels_here: bool = True) -> Settings:
    """The profile the arguments name, with every option they give; refused if out of range.

    ``--sandbox on`` is refused now if kernels run on this machine and it has no sandbox, and
    ``--sandbox auto`` where they would run as an unprivileged user that could read answers; on
    a cluster, the workers are asked instead.
    """
    settings = get_profile(arguments.profile)
    changes = {
        option.name: getattr(arguments, option.name)
        for option in Settings.options()
        if getattr(arguments, option.name) is not None
    }
    for name, value in changes.items():
        if isinstance(value, str):  # its choices are checked by the parser
            continue
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number, not {value:g}")
    changes.update(
        {flag.name: True for flag in Settings.flags() if getattr(arguments, flag.name, False)}
    )
    settings = settings.replace(**changes)
    if kernels_here:
        check_mode(settings.sandbox)
        check_answers_out_of_reach(settings.sandbox)
    return settings


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


def assignment_and_oracle(arguments: argparse.Namespace, settings: Settings,
                          assignment: Assignment) -> tuple[Assignment, Oracle]:
    """The assignment cut to the exercises the arguments choose, and where its expected outputs
    come from; refused now if that source cannot serve the settings."""
    assignment = assignment.only(arguments.exercise)
    oracle = make_oracle(assignment, use_reference=not arguments.without_solutions)
    oracle.ensure_usable(settings.max_examples)
    return assignment, oracle
