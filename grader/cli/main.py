"""The ``grade`` command and its subcommands; the only place errors become text and exit codes.

``grade PATH...`` grades; ``grade COMMAND ...`` runs a subcommand. Each subcommand is a module
here with ``USAGE``, ``SUMMARY``, ``build(parser)`` and ``run(arguments) -> exit code``; adding
one to ``COMMANDS`` lists it in ``grade --help``.
"""

from __future__ import annotations

import argparse
import sys

from ..model.errors import GraderError
from . import (assign, audit, autograder, check, export, freeze, grade, history, new,
               override, release, validate)

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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    name = argv[0] if argv and argv[0] in COMMANDS else None
    module = COMMANDS[name] if name else grade
    try:
        arguments = parser_for(name).parse_args(argv[1:] if name else argv)
        return module.run(arguments)
    except GraderError as error:
        print(f"grade: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("grade: interrupted; results written so far are kept.", file=sys.stderr)
        return EXIT_INTERRUPTED
