"""Write ``autograder.zip``: everything Gradescope needs to grade one lesson as ``grade`` does.

Gradescope unpacks the zip into ``/autograder/source`` on Ubuntu 22.04 and runs ``setup.sh``
there once; then, for each submission, ``run_autograder`` (see ``gradescope_files/``). The zip
holds, at its root:

- ``setup.sh`` and ``run_autograder``;
- ``requirements.txt``: the grader's dependencies, as this install of it declares them;
- ``autograder.json``: the lesson, the settings and the visibilities chosen when building;
- ``grader/``: the grader's own code;
- ``assignments/<lesson>/``: the lesson (handout, data, checks, stored outputs);
- ``solutions/``: the lesson's reference solutions and its secret (which draws the held-out
  inputs), which grading there needs.

``setup.sh`` and ``run_autograder`` make ``assignments/`` and ``solutions/`` root's alone: the
students' kernels run in the sandbox, or without it as an unprivileged user that must not read
them (see ``kernel.unprivileged``).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import zipfile
from pathlib import Path

from ..model.assignment import Assignment
from ..model.errors import UsageError
from ..model.settings import Settings
from .gradescope import Visibility

GRADER = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent / "gradescope_files"
CONFIG = "autograder.json"
EXECUTABLE = 0o100755 << 16
LEFT_OUT = {"__pycache__", ".ipynb_checkpoints"}


def build_autograder(target: Path, assignment: Assignment, settings: Settings,
                     visibility: Visibility) -> list[str]:
    """Write the autograder for ``assignment`` to ``target``; the names it holds."""
    reference = _reference_files(assignment)
    config = {"lesson": assignment.name, "settings": dataclasses.asdict(settings),
              **visibility.fields()}
    members: dict[str, Path | str] = {
        "requirements.txt": "\n".join(requirements()) + "\n",
        CONFIG: json.dumps(config, indent=2) + "\n",
        **_tree(GRADER, "grader"),
        **_tree(assignment.folder, f"assignments/{assignment.name}"),
        **reference,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("setup.sh", "run_autograder"):
            script = (SCRIPTS / name).read_text(encoding="utf-8")
            for key, value in visibility.fields().items():
                script = script.replace(f"@{key.upper()}@", value)
            info = zipfile.ZipInfo(name)
            info.external_attr = EXECUTABLE
            archive.writestr(info, script, zipfile.ZIP_DEFLATED)
        for name, content in sorted(members.items()):
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    partial.replace(target)
    return ["setup.sh", "run_autograder", *sorted(members)]


def requirements() -> list[str]:
    """The grader's own dependencies, as the distribution it was installed from declares them."""
    package = __name__.split(".")[0]
    for name in importlib.metadata.packages_distributions().get(package, []):
        declared = importlib.metadata.requires(name) or []
        return [requirement for requirement in declared if "extra ==" not in requirement]
    raise UsageError("the grader is not installed as a package here, so its dependencies are "
                     'unknown: install it with `pip install -e .` and build again')


def _tree(folder: Path, prefix: str) -> dict[str, Path]:
    return {
        f"{prefix}/{path.relative_to(folder).as_posix()}": path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not LEFT_OUT & set(path.relative_to(folder).parts)
        and path.suffix != ".pyc"
    }


def _reference_files(assignment: Assignment) -> dict[str, Path]:
    """The reference module, or package, under its import path; and the lesson's secret beside
    it (see ``model.secret``), which draws the held-out inputs."""
    module = assignment.reference_files().module
    if module is None or not module.is_file():
        raise UsageError(f"the reference solutions of {assignment.name!r} "
                         f"({assignment.reference}) are not installed here, and grading on "
                         "Gradescope needs them: build the autograder from the course repository")
    parts = assignment.reference.split(".")
    if module.name == "__init__.py":
        return _tree(module.parent, "/".join(parts))
    files = {"/".join(parts[:-1] + [module.name]): module}
    secret = assignment.secret_path()
    if secret and secret.is_file():
        files["/".join(parts[:-1] + [secret.name])] = secret
    return files
