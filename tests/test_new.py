"""``grade new NAME``: a skeleton that works as it is, written only where nothing is, and a word
when the lesson would not be found from here. No kernels (``test_authoring_end_to_end`` runs
the skeleton through ``grade assign`` in real kernels)."""

import sys

import nbformat
import pytest

from grader.authoring.assign import store_expected, write_handout_and_reference
from grader.authoring.validate import validate
from grader.cli import main
from grader.model.lessons import load_assignment


@pytest.fixture
def forget_starter():
    yield
    load_assignment.cache_clear()
    for module in ("assignments.starter", "solutions.starter"):
        sys.modules.pop(module, None)


def test_new_writes_a_definition_and_a_solved_notebook_and_says_what_next(tmp_path, monkeypatch,
                                                                          capsys):
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["new", "starter", "--root", str(tmp_path)]) == 0
    definition = tmp_path / "assignments" / "starter" / "__init__.py"
    solved = tmp_path / "solutions" / "starter-solved.ipynb"
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"Wrote {definition}: the lesson's definition, one exercise with its sub-checks.",
        f"Wrote {solved}: the solved notebook, with solution markers.",
        f"Next: `grade assign {solved}` makes the handout, the reference and the stored outputs, "
        "then `grade validate starter` checks they agree.",
    ]
    assert captured.err == ""
    notebook = nbformat.read(solved, as_version=4)
    assert notebook.metadata["grader"] == {"lesson": "starter"}
    staff, title = notebook.cells[:2]
    assert staff.metadata["tags"] == ["solution-only"]
    assert "`grade assign solutions/starter-solved.ipynb`" in staff.source
    assert title.source.startswith("# Starter\n")
    assert any("### BEGIN SOLUTION" in cell.source for cell in notebook.cells)


def test_new_skeleton_assigns_and_validates_as_it_comes(tmp_path, monkeypatch, forget_starter,
                                                        capsys):
    assert main(["new", "starter", "--root", str(tmp_path)]) == 0
    monkeypatch.syspath_prepend(str(tmp_path))  # after: a namespace package looks again then
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    solved = tmp_path / "solutions" / "starter-solved.ipynb"
    assignment = load_assignment("starter")
    write_handout_and_reference(nbformat.read(solved, as_version=4), solved, assignment)
    store_expected(assignment)
    assert validate(assignment) == []


def test_new_refuses_to_overwrite_and_writes_nothing(tmp_path, capsys):
    folder = tmp_path / "assignments" / "starter"
    folder.mkdir(parents=True)
    assert main(["new", "starter", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"grade: error: {folder} already exist: nothing was written; choose another name, or "
        "remove them first\n")
    assert list(folder.iterdir()) == []
    assert not (tmp_path / "solutions").exists()


@pytest.mark.parametrize("name, suggestion", [("my-lesson", "my_lesson"), ("2d", "2d"),
                                              ("class", "class")])
def test_new_refuses_a_name_that_is_not_an_identifier(tmp_path, capsys, name, suggestion):
    assert main(["new", name, "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"grade: error: {name!r} cannot name a lesson: use a Python identifier, such as "
        f"{suggestion} (letters, digits and _, not starting with a digit)\n")
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_the_name_of_an_installed_lesson(tmp_path, capsys):
    assert main(["new", "convolutions", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "grade: error: a lesson named 'convolutions' is installed already: choose another name\n")
    assert list(tmp_path.iterdir()) == []


def test_new_says_when_its_lesson_would_not_be_found(tmp_path, capsys):
    assert main(["new", "starter", "--root", str(tmp_path)]) == 0
    root = tmp_path.resolve()
    assert capsys.readouterr().err == (
        f"Note: {root / 'assignments'} is not on the lesson path, so `grade` will not find the "
        "lesson 'starter' from here: run it from the course repository it belongs to, or add "
        f"{root} to PYTHONPATH (PYTHONPATH={root} grade assign ...).\n")
