"""The command line: ``grade`` and its subcommands."""

from .main import main

__all__ = ["main"]
