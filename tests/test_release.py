"""``grade release NAME``: the students' template repository of one lesson, without solutions or
other lessons; refused while the stored outputs are out of date. The last test installs one in
a fresh virtual environment and self-checks there, as a student does."""

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from grader.cli import main

from conftest import ROOT
from lessons import tiny, tiny_solved  # noqa: F401  (fixtures)


def test_release_holds_the_lesson_the_grader_and_no_solutions(tiny, tmp_path, capsys):
    out = tmp_path / "release"
    assert main(["release", "tiny", "--out", str(out)]) == 0
    files = {path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()}
    assert {path for path in files if not path.startswith("grader/")} == {
        "README.md", "pyproject.toml", ".gitignore", "tiny.ipynb",
        "assignments/tiny/__init__.py", "assignments/tiny/tiny.ipynb",
        "assignments/tiny/expected.npz",
    }
    package = ROOT / "grader"
    assert {path for path in files if path.startswith("grader/")} == {
        path.relative_to(ROOT).as_posix() for path in package.rglob("*.py")
        if "__pycache__" not in path.parts}
    assert (out / "tiny.ipynb").read_bytes() == (tiny.folder / "tiny.ipynb").read_bytes()
    assert capsys.readouterr().out == (
        f"Wrote the release of tiny to {out}: {len(files)} files, the lesson's 3 in "
        "assignments/tiny/. Push it as the template repository; students run `pip install -e .` "
        "and `grade check tiny.ipynb`.\n")


def test_release_installs_the_grade_command_with_the_graders_dependencies(tiny, tmp_path):
    out = tmp_path / "release"
    assert main(["release", "tiny", "--out", str(out)]) == 0
    pyproject = (out / "pyproject.toml").read_text()
    assert 'grade = "grader.cli:main"' in pyproject
    assert 'include = ["grader*", "assignments*"]' in pyproject
    assert '    "hypothesis>=' in pyproject and '    "numpy>=' in pyproject
    assert "pytest" not in pyproject  # the test extra stays behind


def test_release_readme_gives_one_classroom_command_per_exercise(tiny, tmp_path):
    out = tmp_path / "release"
    assert main(["release", "tiny", "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    assert "| double | `pip install -e .` | `grade check tiny.ipynb --exercise double` | 2 |" in readme
    assert "| sum_all |  | `grade check tiny.ipynb --exercise sum_all` | 2 |" in readme
    assert "from grader import check; check()" in readme


def test_release_is_refused_while_the_stored_outputs_are_out_of_date(tiny, tmp_path, capsys):
    reference = tiny.folder.parent.parent / "solutions" / "tiny.py"
    reference.write_text(reference.read_text().replace("values * 2", "values * 3"))
    sys.modules.pop("solutions.tiny", None)
    assert main(["release", "tiny", "--out", str(tmp_path / "release")]) == 2
    assert capsys.readouterr().err == (
        "grade: error: the stored outputs of tiny are out of date (double: output shape: the "
        "reference now gives other outputs; double: values: the reference now gives other "
        "outputs): run `grade freeze --lesson tiny` first, so students grade against the truth\n")
    assert not (tmp_path / "release").exists()


def test_release_refuses_a_folder_that_is_not_empty(tiny, tmp_path, capsys):
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "notes.txt").write_text("mine")
    assert main(["release", "tiny", "--out", str(tmp_path / "release")]) == 2
    assert capsys.readouterr().err == (
        f"grade: error: {tmp_path / 'release'} already exists and is not an empty folder: choose "
        "a new one\n")


def environment_with_the_graders_dependencies(folder: Path) -> Path:
    """A new virtual environment with this one's packages (hard links where the file system
    allows) but not this checkout's own install, so it holds no grader and no solutions; its
    Python. Cheaper than pip fetching and unpacking every dependency again, which CI's fresh
    installs of the project's own requirements (latest and lowest) do."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    own = importlib.metadata.packages_distributions()["grader"][0].replace("-", "_")
    for packages in dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib")):
        shutil.copytree(packages, site_packages, dirs_exist_ok=True, copy_function=_link,
                        ignore=shutil.ignore_patterns("__editable__*", f"{own}-*.dist-info"))
    return python


def _link(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another file system
        shutil.copy2(source, destination)


@pytest.mark.kernel
def test_release_installed_fresh_self_checks_without_solutions(tmp_path):
    """The release installs as a package with the `grade` command, into an environment that
    holds only the grader's dependencies, which its requirements are met by; there a student's
    `grade check` works without the solutions. `--defs-only` keeps the two runs short (it
    reaches the same verdicts)."""
    out = tmp_path / "release"
    assert main(["release", "convolutions", "--out", str(out)]) == 0
    python = environment_with_the_graders_dependencies(tmp_path / "venv")
    grade = python.parent / "grade"
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    installed = subprocess.run([*pip, "install", "-q", "--no-compile", "--no-deps", str(out)],
                               env=environment, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    met = subprocess.run([*pip, "check"], env=environment, capture_output=True, text=True)
    assert met.returncode == 0, met.stdout  # every requirement the release declares is met
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "solutions" / "convolutions-solved.ipynb", work / "solved.ipynb")
    shutil.copy(out / "convolutions.ipynb", work / "handout.ipynb")

    def run(*arguments):
        return subprocess.run([str(grade), *arguments], cwd=work, env=environment,
                              capture_output=True, text=True, timeout=600)

    probe = subprocess.run([str(python), "-c", "import solutions"], cwd=work, env=environment,
                           capture_output=True, text=True)
    assert "No module named 'solutions'" in probe.stderr
    handout = run("check", "handout.ipynb", "--defs-only")
    assert handout.returncode == 1, handout.stderr
    assert "against the outputs stored with the assignment" in handout.stderr
    assert "**Score: 0 / 10**" in handout.stdout
    solved = run("check", "solved.ipynb", "--defs-only")
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "**Score: 10 / 10**" in solved.stdout
