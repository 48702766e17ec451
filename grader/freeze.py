"""``python -m grader.freeze`` is ``grade freeze``: kept for scripts that call it so."""

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main(["freeze", *sys.argv[1:]]))
