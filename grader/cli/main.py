"""The ``grade`` command and its subcommands; the only place errors become text and exit codes.

``grade PATH...`` grades; ``grade COMMAND ...`` runs a subcommand. Each subcommand is a module
here with ``USAGE``, ``SUMMARY``, ``build(parser)`` and ``run(arguments) -> exit code``; adding
one to ``COMMANDS`` lists it in ``grade --help``.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from ..model.errors import GraderError, UsageError
from . import (
    assign,
    audit,
    autograder,
    check,
    export,
    freeze,
    grade,
    history,
    new,
    override,
    release,
    validate,
)

# grade itself is the default
COMMANDS = {"check": check, "freeze": freeze, "new": new, "assign": assign, "validate": validate,
            "audit": audit, "release": release, "autograder": autograder,
            "override": override, "history": history, "export": export}
EXIT_USAGE, EXIT_INTERRUPTED = 2, 130


def _epilog() -> str:
    rows = [(grade.USAGE, grade.SUMMARY)] + [(c.USAGE, c.SUMMARY) for c in COMMANDS.values()]
    lines = [f"  {usage}\n      {summary}" for usage, summary in rows]
    return "commands:\n" + "\n".join(lines) + "\n\nRun `grade COMMAND --help` for its options."


def parser_for(name: str | None) -> argparse.ArgumentParser:
    """The parser of the subcommand ``name``, or of grading itself (with every command listed)."""
    module = COMMANDS[name] if name else grade
    parser = argparse.ArgumentParser(
        prog=f"grade {name}" if name else "grade",
        epilog=None if name else _epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.build(parser)
    return parser


def _mistyped_command(argv: list[str]) -> str:
    """The command the first argument seems to misspell, if it is no file and names none;
    else ""."""
    if not argv or argv[0].startswith("-") or Path(argv[0]).exists():
        return ""
    close = difflib.get_close_matches(argv[0], COMMANDS, n=1, cutoff=0.7)
    return close[0] if close else ""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    name = argv[0] if argv and argv[0] in COMMANDS else None
    module = COMMANDS[name] if name else grade
    try:
        meant = "" if name else _mistyped_command(argv)
        if meant:
            raise UsageError(f"{argv[0]!r} is neither a command nor a file or folder: did you "
                             f"mean `grade {meant}`? (`grade --help` lists the commands)")
        arguments = parser_for(name).parse_args(argv[1:] if name else argv)
        return module.run(arguments)
    except GraderError as error:
        print(f"grade: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("grade: interrupted; results written so far are kept.", file=sys.stderr)
        return EXIT_INTERRUPTED
