"""What ``grade`` and ``grade check`` share: their options, and turning them into settings.

Every setting's option is made from its declaration in ``Settings``, with its help text there,
so both commands grade the same way and the help never goes stale.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ..course import chosen_lesson
from ..judge.oracle import Oracle
from ..kernel.sandbox import check_answers_out_of_reach, check_mode
from ..model.assignment import Assignment
from ..model.errors import UsageError
from ..model.lessons import installed_lessons, load_assignment
from ..model.settings import DEFAULT_PROFILE, PROFILES, Settings, get_profile


def add_lesson_option(parser: argparse.ArgumentParser, help: str = "") -> None:
    parser.add_argument("--lesson", default=None, metavar="NAME",
                        help=help or "the lesson the notebooks answer (default: each "
                        "notebook's own, from its metadata or the functions it defines)")
    # The option's older name, still taken, no longer shown.
    parser.add_argument("--assignment", dest="lesson", default=None, help=argparse.SUPPRESS)


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
    add_lesson_option(parser)
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
            type={"int": int, "float": float, "str": str}[str(option.type)],  # as written
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


def assignment_and_oracle(arguments: argparse.Namespace, settings: Settings,
                          assignment: Assignment) -> tuple[Assignment, Oracle]:
    """The lesson cut to the exercises the arguments choose, and where its expected outputs
    come from; refused now if that source cannot serve the settings."""
    return chosen_lesson(assignment, settings, arguments.exercise, arguments.without_solutions)
