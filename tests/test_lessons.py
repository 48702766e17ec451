"""Which lesson a notebook answers, and how a batch mixing lessons is sorted. No kernels."""

import dataclasses
import json
import subprocess
import sys
import textwrap

import nbformat
import pytest

import grader.intake.by_lesson
from grader.intake.by_lesson import sort_by_lesson
from grader.intake.discover import Submission
from grader.model.assignment import Exercise
from grader.model.errors import UsageError
from grader.model.lessons import (
    Installed,
    available_assignments,
    defined_functions,
    recognise,
)

from conftest import ROOT


@pytest.fixture
def lessons(assignment):
    """Convolutions and a made-up lesson that shares one function name with it."""
    def exercise(name):
        return Exercise(name, ("image",), ())

    other = dataclasses.replace(
        assignment, name="pixels",
        exercises=(exercise("crop"), exercise("brightness"), exercise("convolve")),
        showcases=(), mistakes=(),
    )
    return Installed((assignment, other), {})


def notebook(*sources, lesson=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    if lesson:
        nb.metadata["grader"] = {"lesson": lesson}
    return nb


def write(path, nb):
    path.write_text(nbformat.writes(nb))
    return Submission(path.stem, path)


def test_the_lesson_in_the_metadata_wins_over_the_functions_defined(lessons):
    nb = notebook("def convolve(image, kernel): pass", lesson="pixels")
    assert recognise(nb, lessons) == "pixels"


def test_without_metadata_the_lesson_whose_functions_are_defined_most_is_chosen(lessons):
    nb = notebook("def crop(image): pass\ndef convolve(image, kernel): pass",
                  "%matplotlib inline\ndef brightness(image): pass")
    assert recognise(nb, lessons) == "pixels"


def test_a_tie_or_no_function_of_any_lesson_is_not_recognised(lessons):
    assert recognise(notebook("def convolve(image, kernel): pass"), lessons) == ""
    assert recognise(notebook("x = 1"), lessons) == ""


def test_metadata_naming_a_lesson_not_installed_falls_back_to_the_functions(lessons):
    nb = notebook("def template_match(image, template): pass", lesson="gone")
    assert recognise(nb, lessons) == "convolutions"


def test_only_top_level_functions_of_cells_that_parse_count():
    nb = notebook(
        "def outer():\n    def crop(): pass",
        "def brightness(:",
        "!pip install numpy\nasync def convolve(): pass",
    )
    assert defined_functions(nb) == {"outer", "convolve"}


@pytest.mark.parametrize("content", [
    {"cells": 5},
    {"cells": [5, "cell", None]},
    {"cells": [{"cell_type": "code", "source": [1, None]}]},
    {"cells": [{"cell_type": "code", "source": 7}]},
    {"cells": [{"cell_type": "code", "source": "(" * 200_000 + ")" * 200_000}]},
    {"metadata": [], "cells": {}},
])
def test_a_notebook_of_any_json_shape_is_just_not_recognised(lessons, content):
    assert defined_functions(content) == set()
    assert recognise(content, lessons) == ""


def test_a_mixed_batch_is_sorted_by_lesson_and_unreadable_files_join_the_most_common(
        lessons, tmp_path):
    ada = write(tmp_path / "ada.ipynb", notebook("def convolve(image, kernel): pass",
                                                 lesson="convolutions"))
    bob = write(tmp_path / "bob.ipynb", notebook("def get_subimages(image, shape): pass"))
    cy = write(tmp_path / "cy.ipynb", notebook("def crop(image): pass", lesson="pixels"))
    empty = tmp_path / "empty.ipynb"
    empty.write_text("")
    batches = sort_by_lesson((ada, bob, cy, Submission("empty", empty)), lessons)
    assert [(b.lesson, [s.id for s in b.submissions]) for b in batches] == [
        ("convolutions", ["ada", "bob", "empty"]), ("pixels", ["cy"]),
    ]


def test_a_lesson_that_cannot_load_keeps_its_submissions_apart_with_the_reason(
        lessons, tmp_path):
    installed = Installed(lessons.lessons, {"broken": "SyntaxError in its definition"})
    ada = write(tmp_path / "ada.ipynb", notebook("x = 1", lesson="broken"))
    bob = write(tmp_path / "bob.ipynb", notebook("def convolve(image, kernel): pass",
                                                 lesson="convolutions"))
    broken, fine = sort_by_lesson((ada, bob), installed)
    assert (broken.lesson, broken.assignment, broken.problem) == (
        "broken", None, "SyntaxError in its definition")
    assert fine.lesson == "convolutions" and fine.assignment is not None


def test_a_batch_no_notebook_of_which_can_be_recognised_asks_for_the_lesson(lessons, tmp_path):
    empty = tmp_path / "empty.ipynb"
    empty.write_text("")
    with pytest.raises(UsageError) as error:
        sort_by_lesson((Submission("empty", empty),), lessons)
    assert str(error.value).endswith("say which with --lesson, one of convolutions, pixels")


@pytest.mark.parametrize("installed, requested", [("one", None), ("two", "convolutions")])
def test_with_one_lesson_installed_or_named_no_notebook_is_read_to_sort_them(
        lessons, tmp_path, monkeypatch, installed, requested):
    def refuse(path):
        raise AssertionError(f"{path} was read to sort it")

    monkeypatch.setattr(grader.intake.by_lesson, "notebook_content", refuse)
    if installed == "one":
        lessons = Installed(lessons.lessons[:1], {})
    ada = write(tmp_path / "ada.ipynb", notebook("def crop(image): pass", lesson="pixels"))
    [batch] = sort_by_lesson((ada, Submission("bob", tmp_path / "bob.ipynb")), lessons, requested)
    assert (batch.lesson, [s.id for s in batch.submissions]) == ("convolutions", ["ada", "bob"])
    assert batch.assignment.name == "convolutions"


def installed_with(folder):
    """The lessons a fresh process finds, and the broken ones, with ``folder`` on its path."""
    code = ("import json; from grader.model.lessons import installed_lessons; "
            "i = installed_lessons(); print(json.dumps([i.names(), dict(i.broken)]))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONPATH": str(folder), "PATH": ""}, check=True)
    return json.loads(shown.stdout)


def test_a_lesson_on_the_python_path_sits_beside_the_installed_ones(tmp_path):
    lesson = tmp_path / "assignments" / "extra"
    lesson.mkdir(parents=True)
    (lesson / "__init__.py").write_text(textwrap.dedent("""
        from pathlib import Path
        from grader.model.assignment import Assignment
        ASSIGNMENT = Assignment("extra", Path(__file__).parent, "extra.ipynb", (), (),
                                "solutions.extra")
    """))
    names, broken = installed_with(tmp_path)
    assert set(available_assignments()) < set(names) and "extra" in names and broken == {}


def test_a_broken_lesson_is_reported_and_leaves_the_others_usable(tmp_path):
    lesson = tmp_path / "assignments" / "broken"
    lesson.mkdir(parents=True)
    (lesson / "__init__.py").write_text("ASSIGNMENT = undefined_name\n")
    names, broken = installed_with(tmp_path)
    assert "convolutions" in names and "broken" not in names
    assert broken == {"broken": "the lesson 'broken' cannot be loaded "
                      "(assignments/broken/__init__.py): NameError: name 'undefined_name' is "
                      "not defined"}


def test_the_repository_lessons_are_found_in_its_assignments_folder():
    assert "convolutions" in available_assignments()
    assert (ROOT / "assignments" / "convolutions" / "__init__.py").is_file()
