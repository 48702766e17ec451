"""``grade release NAME``: the students' template repository for one lesson.

It holds the handout and its data files at its top (where students work), the grader's own
``.py`` files, ``assignments/NAME/`` (the handout, data, that lesson's stored outputs and its
definition), a ``pyproject.toml`` that installs them with the ``grade`` command, and a README
for students: how to self-check, and the GitHub Classroom commands. No reference solutions and
no other lesson are in it: students grade against the stored outputs.
"""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

from ..model.assignment import Assignment
from ..model.errors import AuthoringError, UsageError
from ..model.settings import MAX_EXAMPLES
from .freeze import stale_checks
from .validate import git_ignored

GRADER = Path(__file__).resolve().parent.parent
SKIPPED = {"__pycache__", ".ipynb_checkpoints"}

PYPROJECT = """[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}-lesson"
version = "{version}"
description = "The lesson {name}: its notebook, and the grader that checks it."
readme = "README.md"
requires-python = "{python}"
dependencies = [
{dependencies}
]

[project.scripts]
grade = "grader.cli:main"

[tool.setuptools.packages.find]
namespaces = true
include = ["grader*", "assignments*"]

[tool.setuptools.package-data]
"*" = ["*"]
"""

README = """# {name}

Your notebook is `{notebook}`: open it in Jupyter and write the functions its **Exercise**
cells ask for ({exercises}). Keep each function's name and parameters exactly as given.

## Set up

```bash
pip install -e .
```

## Check your work

```bash
grade check {notebook}                      # every exercise, as final grading checks it
grade check {notebook} --exercise {first}   # one exercise
```

It runs the notebook from top to bottom in a fresh kernel and prints, for each exercise, PASS or
FAIL with the smallest input on which a function is wrong; it exits 0 when every check passes.
From inside the notebook, after running its cells, one line checks the functions as they are
defined now:

```python
from grader import check; check()
```

Both try the inputs final grading tries, against the expected outputs stored in
`assignments/{name}/{expected}`, so they reach the verdicts final grading reaches.

## GitHub Classroom

Autograding runs one "Run command" test per exercise, each earning its points when every
sub-check of that exercise passes:

| test | setup | run | points |
| --- | --- | --- | --- |
{rows}
"""

GITIGNORE = "__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\nbuild/\ngrades/\n"


def _distribution() -> str:
    found = importlib.metadata.packages_distributions().get(GRADER.name, [])
    if not found:
        raise UsageError("the grader is not installed, so its dependencies are not known: "
                         'install it first (pip install -e ".[test]")')
    return found[0]


def pyproject(assignment: Assignment) -> str:
    """A ``pyproject.toml`` with the grader's own runtime dependencies and ``grade`` script."""
    distribution = _distribution()
    metadata = importlib.metadata.metadata(distribution)
    requirements = [r for r in importlib.metadata.requires(distribution) or []
                    if "extra ==" not in r.replace('"', "").replace("'", "")]
    return PYPROJECT.format(
        name=assignment.name.replace("_", "-"), version=metadata["Version"],
        # typeshed gives PackageMetadata get() only from Python 3.12 on, though the object (an
        # email Message) has it on every version
        python=metadata.get("Requires-Python") or ">=3.10",  # type: ignore[attr-defined]
        dependencies="\n".join(f'    "{requirement}",' for requirement in requirements),
    )


def readme(assignment: Assignment) -> str:
    names = [exercise.name for exercise in assignment.exercises]
    rows = [
        f"| {exercise.name} | {'`pip install -e .`' if number == 0 else ''} | "
        f"`grade check {assignment.notebook} --exercise {exercise.name}` | {exercise.points:g} |"
        for number, exercise in enumerate(assignment.exercises)
    ]
    return README.format(name=assignment.name, notebook=assignment.notebook,
                         exercises=", ".join(f"`{name}`" for name in names), first=names[0],
                         expected=assignment.expected_file, rows="\n".join(rows))


def _lesson_files(folder: Path) -> list[Path]:
    """The files of the lesson's folder a release takes: not hidden, cached or git-ignored."""
    return sorted(
        path for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") or part in SKIPPED
                    for part in path.relative_to(folder).parts)
        and not git_ignored(path)
    )


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def write_release(assignment: Assignment, out: Path) -> list[Path]:
    """Write the release of ``assignment`` into the new or empty folder ``out``; the files
    written, relative to it. Refused while the stored outputs are out of date."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} already exists and is not an empty folder: choose a new one")
    stale = stale_checks(assignment, MAX_EXAMPLES).problems
    if stale:
        raise AuthoringError(f"the stored outputs of {assignment.name} are out of date "
                             f"({'; '.join(stale)}): run `grade freeze --lesson "
                             f"{assignment.name}` first, so students grade against the truth")
    files = {out / "grader" / path.relative_to(GRADER): path for path in GRADER.rglob("*.py")
             if not SKIPPED & set(path.relative_to(GRADER).parts)}
    lesson = out / "assignments" / assignment.name
    files |= {lesson / path.relative_to(assignment.folder): path
              for path in _lesson_files(assignment.folder)}
    for name in (assignment.notebook, *assignment.data_files):  # where the students work
        files[out / name] = assignment.folder / name
    for target, source in files.items():
        _copy(source, target)
    texts = {"pyproject.toml": pyproject(assignment), "README.md": readme(assignment),
             ".gitignore": GITIGNORE}
    for name, text in texts.items():
        (out / name).write_text(text, encoding="utf-8")
    return sorted([*(path.relative_to(out) for path in files), *map(Path, texts)])
