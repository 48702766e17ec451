"""What ``grade`` and ``grade check`` share: their options, and turning them into settings.

Every setting's option is made from its declaration in ``Settings``, with its help text there,
so both commands grade the same way and the help never goes stale.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..judge.oracle import Oracle, make_oracle
from ..kernel.sandbox import check_mode, unavailable_because
from ..model.assignment import Assignment
from ..model.errors import UsageError
from ..model.lessons import assignment_name, load_assignment
from ..model.settings import DEFAULT_PROFILE, PROFILES, Settings, get_profile

SOURCES = {"reference": "reference solutions", "stored outputs": "outputs stored with the assignment"}


def add_assignment_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--assignment", default=None,
                        help="which assignment the notebooks answer (default: the only one)")


def add_grading_options(parser: argparse.ArgumentParser) -> None:
    """Options that ``grade`` and ``grade check`` share, so both grade the same way."""
    for flag in Settings.flags():
        parser.add_argument(f"--{flag.name.replace('_', '-')}", action="store_true",
                            help=flag.metadata["help"])
    add_assignment_option(parser)
    parser.add_argument("--exercise", action="append", default=None, metavar="NAME",
                        help="check only this function (may be given more than once)")
    parser.add_argument("--junit", type=Path, default=None, metavar="FILE",
                        help="also write JUnit XML, one test case per sub-check, for CI systems")
    parser.add_argument("--without-solutions", action="store_true",
                        help="ignore the reference solutions even if installed and compare with "
                        "the expected outputs stored with the assignment, as a student's "
                        "install does")
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

    ``--sandbox on`` is refused now if kernels run on this machine and it has no sandbox; on a
    cluster, the workers are asked instead.
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
    return settings


def sandbox_line(settings: Settings, reason: str | None = None, where: str = "") -> str:
    """Whether kernels run in the sandbox, and if not, why, for the run's first lines.

    ``reason`` is why the sandbox cannot run where the kernels run ("" if it can; by default,
    this machine's), and ``where`` says where that is, such as " on the workers".
    """
    if settings.sandbox == "off":
        return f"Kernels run without the sandbox{where} (--sandbox off)."
    reason = unavailable_because() if reason is None else reason
    if reason:
        return (f"Kernels run without the sandbox{where}: {reason}. See the README for what "
                "still holds.")
    return (f"Kernels run in the sandbox{where}: no network, only their own folder, an "
            "unprivileged user.")


def assignment_and_oracle(arguments: argparse.Namespace,
                          settings: Settings) -> tuple[Assignment, Oracle]:
    """The assignment the arguments mean, cut to its chosen exercises, and where its expected
    outputs come from; refused now if that source cannot serve the settings."""
    name = assignment_name(arguments.assignment)
    assignment = load_assignment(name).only(arguments.exercise)
    oracle = make_oracle(assignment, use_reference=not arguments.without_solutions)
    oracle.ensure_usable(settings.max_examples)
    return assignment, oracle
