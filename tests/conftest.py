from pathlib import Path

import pytest

from grader import PROFILES, load_assignment

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
EXAMPLES = ROOT / "examples" / "submissions"


@pytest.fixture(scope="session")
def assignment():
    return load_assignment("convolutions")


@pytest.fixture(scope="session")
def settings():
    """Final grading as it is, but with a short cell limit so an endless cell costs little."""
    return PROFILES["thorough"].replace(cell_timeout=10)
