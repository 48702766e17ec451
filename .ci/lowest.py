"""Print pins for the oldest versions pyproject.toml allows: one ``name==lower`` line per
direct dependency (``[project] dependencies`` and the extras named, ``test`` by default).

CI installs the project with these as pip constraints, so that a lower bound that no longer
installs or works is noticed instead of promised: ``python .ci/lowest.py > lowest.txt``, then
``pip install -e ".[test]" -c lowest.txt``. Every dependency must have a ``>=`` lower bound.
"""

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10, which the project supports, has no tomllib
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        raise SystemExit(
            f"{Path(__file__).name} reads pyproject.toml with tomllib, which came with Python "
            f"3.11; this is Python {sys.version.split()[0]}: run it with Python 3.11 or newer, "
            "or install tomli for this one (python -m pip install tomli)"
        ) from None

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
LOWER = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*>=\s*([^,;\s]+)")


def lowest_pins(project: dict, extras: list[str]) -> list[str]:
    """``name==lower`` for each requirement of the project and of ``extras``."""
    requirements = list(project.get("dependencies", []))
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = []
    for requirement in requirements:
        match = LOWER.match(requirement)
        if match is None:
            raise SystemExit(f"{PYPROJECT.name}: {requirement!r} has no `>=` lower bound to pin")
        pins.append(f"{match[1]}=={match[2]}")
    return pins


if __name__ == "__main__":
    with PYPROJECT.open("rb") as file:
        project = tomllib.load(file)["project"]
    print("\n".join(lowest_pins(project, sys.argv[1:] or ["test"])))
