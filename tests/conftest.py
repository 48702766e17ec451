import os
import re
from html import unescape
from pathlib import Path

import pytest

from grader import PROFILES, load_assignment
from grader.kernel.sandbox import unavailable_because

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
EXAMPLES = ROOT / "examples" / "submissions"

# For tests of what the kernel sandbox does: skipped where it cannot run, unless CI says it must.
needs_sandbox = pytest.mark.skipif(
    bool(unavailable_because()) and os.environ.get("GRADER_REQUIRE_SANDBOX") != "1",
    reason=f"the sandbox cannot run here: {unavailable_because()}",
)


@pytest.fixture(scope="session")
def assignment():
    return load_assignment("convolutions")


@pytest.fixture(scope="session")
def settings():
    """Final grading as it is, but with a short cell limit so an endless cell costs little."""
    return PROFILES["thorough"].replace(cell_timeout=10)


def text_of(html: str) -> str:
    """What a reader of ``html`` sees, as plain text: tags dropped, entities read."""
    return unescape(re.sub(r"<[^>]+>", "", html))
