"""``grade validate``: every installed lesson's parts agree, and each kind of disagreement is one
line that names the fix. No kernels."""

import dataclasses
import subprocess
import sys

import nbformat
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import grader.cli.options
from grader.authoring.definition import GRADEBOOK_COLUMNS
from grader.authoring.validate import validate
from grader.cli import main
from grader.model.compare import Mismatch
from grader.model.lessons import Installed, available_assignments, load_assignment
from grader.model.results import ExerciseResult, SubmissionResult
from grader.output.report import ROSTER_COLUMNS, gradebook_header, write_gradebook

from lessons import tiny, tiny_solved  # noqa: F401  (fixtures)


@pytest.mark.parametrize("name", available_assignments())
def test_every_installed_lesson_validates(name):
    assert validate(load_assignment(name)) == []


def test_validate_command_exits_zero_and_says_so_for_a_sound_lesson(capsys):
    assert main(["validate", "convolutions"]) == 0
    assert capsys.readouterr().out == (
        "convolutions: its handout, definition, reference and stored outputs agree.\n")


def test_validate_command_names_a_lesson_that_cannot_be_loaded_and_exits_one(
        monkeypatch, capsys):
    monkeypatch.setattr(grader.cli.options, "installed_lessons",
                        lambda: Installed((), {"broken": "why it cannot be loaded"}))
    assert main(["validate"]) == 1
    assert capsys.readouterr() == ("", "broken: why it cannot be loaded\n")


def test_validate_command_prints_each_problem_and_exits_one(tiny, capsys):
    (tiny.folder / "tiny.ipynb").unlink()
    assert main(["validate", "tiny"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"tiny: the handout {tiny.folder / 'tiny.ipynb'} does not exist: run "
                            "`grade assign` on the solved notebook to write it\n")


def test_tiny_lesson_as_assigned_has_no_problems(tiny):
    assert validate(tiny) == []


def edit_handout(assignment, change):
    path = assignment.folder / assignment.notebook
    notebook = nbformat.read(path, as_version=4)
    change(notebook)
    nbformat.write(notebook, path)


def write_reference(assignment, source):
    (assignment.folder.parent.parent / "solutions" / "tiny.py").write_text(
        "import numpy as np\n\n" + source)
    sys.modules.pop("solutions.tiny", None)


def with_check(assignment, exercise, **changes):
    """The lesson with the first sub-check of ``exercise`` changed."""
    exercises = tuple(
        dataclasses.replace(e, checks=(dataclasses.replace(e.checks[0], **changes), *e.checks[1:]))
        if e.name == exercise else e
        for e in assignment.exercises
    )
    return dataclasses.replace(assignment, exercises=exercises)


def test_exercise_named_like_a_column_of_the_gradebook(tiny):
    renamed = tuple(dataclasses.replace(e, name="total") if e.name == "sum_all" else e
                    for e in tiny.exercises)
    problems = validate(dataclasses.replace(tiny, exercises=renamed))
    assert problems[-1] == ("total: grades.csv has a column of that name already (submission, "
                            "total, possible, status, message, held_out_only): give the exercise another "
                            "name")
    assert GRADEBOOK_COLUMNS == tuple(
        column for column in gradebook_header(tiny) if column not in ("double", "sum_all"))


def test_exercise_named_like_a_column_a_course_platform_adds(tiny):
    renamed = tuple(dataclasses.replace(e, name="sid") if e.name == "sum_all" else e
                    for e in tiny.exercises)
    problems = validate(dataclasses.replace(tiny, exercises=renamed))
    assert problems[-1] == ("sid: grades.csv has a column of that name when the submissions come "
                            "from Canvas or Gradescope (name, email, sid, canvas_user_id, late, "
                            "not_graded): give the exercise another name")


def test_the_gradebook_puts_roster_columns_in_their_declared_order(tiny, tmp_path):
    exercises = tuple(ExerciseResult(e.name, ()) for e in tiny.exercises)
    results = [SubmissionResult(who, "", "unreadable", exercises) for who in ("ada", "alan")]
    roster = {"ada": (("late", ""), ("canvas_user_id", "1815")),
              "alan": (("sid", "7"), ("late", "late"))}
    write_gradebook(tmp_path / "grades.csv", tiny, results, roster)
    header = (tmp_path / "grades.csv").read_text().splitlines()[0].split(",")
    assert header[len(gradebook_header(tiny)):] == ["sid", "canvas_user_id", "late"]
    assert [c for c in ROSTER_COLUMNS if c in header] == ["sid", "canvas_user_id", "late"]


def test_handout_without_the_lessons_name_in_its_metadata(tiny):
    edit_handout(tiny, lambda notebook: notebook.metadata.pop("grader"))
    assert validate(tiny) == ["the handout's metadata names no lesson, not 'tiny': run `grade "
                              "assign`, or set its metadata \"grader\": {\"lesson\": \"tiny\"}"]


def test_handout_tag_for_an_exercise_the_lesson_does_not_have(tiny):
    edit_handout(tiny, lambda notebook: notebook.cells[0].metadata.update(tags=["exercise:triple"]))
    assert validate(tiny) == ["cell 1 (`# Tiny`) of the handout is tagged exercise:triple, but the "
                              "lesson has no exercise 'triple' (it has double, sum_all): remove the "
                              "tag"]


def test_exercise_whose_cell_is_not_tagged(tiny):
    edit_handout(tiny, lambda notebook: notebook.cells[3].metadata.pop("tags"))
    assert validate(tiny) == ["no cell of the handout is tagged exercise:sum_all: run `grade "
                              "assign`, or tag the cell that defines sum_all"]


def test_exercise_tagged_on_two_cells(tiny):
    edit_handout(tiny, lambda notebook: notebook.cells[4].metadata.update(tags=["exercise:double"]))
    assert validate(tiny) == [
        "2 cells of the handout are tagged exercise:double, cell 3 (`def double(values):`) and "
        "cell 5 (`double(np.arange(3)), sum_all(np.arange(3))`): tag only the one that defines "
        "double"]


def test_tagged_cell_that_does_not_define_its_exercise(tiny):
    def move_tag(notebook):
        notebook.cells[2].metadata.pop("tags")
        notebook.cells[4].metadata["tags"] = ["exercise:double"]

    edit_handout(tiny, move_tag)
    assert validate(tiny) == [
        "cell 5 (`double(np.arange(3)), sum_all(np.arange(3))`) of the handout is tagged "
        "exercise:double but does not define double: tag the cell that does"]


def test_handout_function_with_other_parameters_than_the_lesson(tiny):
    def rename(notebook):
        notebook.cells[2].source = notebook.cells[2].source.replace("double(values)",
                                                                    "double(array)")

    edit_handout(tiny, rename)
    assert validate(tiny) == ["the handout's double takes (array), but the lesson gives (values): "
                              "make them the same"]


def test_reference_with_other_parameters_than_the_lesson(tiny):
    write_reference(tiny, "def double(array):\n    return array * 2\n\n"
                          "def sum_all(values):\n    return int(np.sum(values))\n")
    assert validate(tiny) == ["double: the lesson gives its parameters as (values) but the "
                              "reference solutions.tiny.double takes (array): make them the same"]


def test_reference_outside_the_solutions_package(tiny):
    assert ("the reference assignments.tiny.answers is not in the top-level solutions package, "
            "which the kernel sandbox hides from students' code: move it to solutions/tiny.py and "
            "set reference=\"solutions.tiny\" in assignments/tiny/__init__.py"
            ) in validate(dataclasses.replace(tiny, reference="assignments.tiny.answers"))


def test_reference_that_is_not_there(tiny):
    (tiny.folder.parent.parent / "solutions" / "tiny.py").unlink()
    sys.modules.pop("solutions.tiny", None)
    (problem,) = validate(tiny)
    assert problem.startswith("cannot import the reference solutions of 'tiny' (solutions.tiny)")
    assert problem.endswith(": run `grade assign` on the solved notebook to write it, or write "
                            "it by hand")


def test_reference_that_fails_as_it_is_imported(tiny):
    write_reference(tiny, "HELPER = undefined_name\n")
    assert validate(tiny) == ["importing the reference solutions.tiny raised NameError: name "
                              "'undefined_name' is not defined: fix the reference"]


def test_strategy_that_draws_a_bare_array_instead_of_a_tuple(tiny):
    bare = hnp.arrays(np.int64, 3)
    assert validate(with_check(tiny, "sum_all", inputs=bare)) == [
        "sum_all: sum: its strategy draws one ndarray, not a tuple of the arguments of "
        "sum_all(values): draw a tuple, such as st.tuples(...) or `return image, shape` in an "
        "@st.composite"]


def test_strategy_that_draws_tuples_of_the_wrong_length(tiny):
    pairs = st.tuples(hnp.arrays(np.int64, 3), hnp.arrays(np.int64, 3))
    assert validate(with_check(tiny, "sum_all", inputs=pairs)) == [
        "sum_all: sum: its strategy draws tuples of 2 values, but sum_all(values) takes 1: draw one "
        "value per parameter, in order"]


def test_inputs_that_are_not_a_strategy(tiny):
    assert validate(with_check(tiny, "sum_all", inputs=[(np.zeros(3),)])) == [
        "sum_all: sum: its inputs are a list, not a hypothesis strategy: give a strategy that "
        "draws a tuple of arguments"]


def test_strategy_that_raises(tiny):
    broken = st.just(1).map(lambda one: (one / 0,))
    assert validate(with_check(tiny, "sum_all", inputs=broken)) == [
        "sum_all: sum: drawing its inputs raised ZeroDivisionError: division by zero: fix its "
        "strategy"]


def test_reference_that_raises_on_a_drawn_input(tiny):
    write_reference(tiny, "def double(values):\n    return values * 2\n\n"
                          "def sum_all(values):\n    raise ValueError('not yet')\n")
    (problem,) = validate(tiny)
    assert problem.startswith("sum_all: sum: the reference solutions.tiny.sum_all raised ValueError: "
                              "not yet on (np.array([")
    assert problem.endswith("): fix the reference, or draw only inputs it is meant for")


def test_comparator_that_rejects_the_references_own_output(tiny):
    def never(arguments, expected, actual):
        return Mismatch("never equal")

    assert validate(with_check(tiny, "sum_all", compare=never)) == [
        "sum_all: sum: the reference's own output fails the sub-check's comparator (never equal): "
        "fix the reference or the comparator"]


def test_stored_outputs_out_of_date(tiny):
    write_reference(tiny, "def double(values):\n    return values * 3\n\n"
                          "def sum_all(values):\n    return int(np.sum(values))\n")
    assert validate(tiny) == [
        f"the stored outputs are out of date (double: {check}: the reference now gives other "
        "outputs): run `grade freeze --lesson tiny`" for check in ("output shape", "values")]


def test_stored_outputs_missing(tiny):
    tiny.expected_path().unlink()
    assert validate(tiny) == [f"{tiny.expected_path()} does not exist: run `grade freeze "
                              "--lesson tiny`"]


def test_data_file_that_is_missing_hidden_or_outside_the_lesson(tiny):
    (tiny.folder / ".secret.png").write_bytes(b"png")
    lesson = dataclasses.replace(tiny, data_files=("photo.png", ".secret.png", "../up.png"))
    assert validate(lesson) == [
        f"the data file {tiny.folder / 'photo.png'} does not exist: add it to the lesson's "
        "folder, or take it out of data_files",
        f"{tiny.folder / '.secret.png'} is hidden, so it is not packaged: give it a name that "
        "does not start with a dot",
        f"the data file ../up.png lies outside the lesson's folder {tiny.folder}: move it there "
        "and name it relative to it",
    ]


def test_data_file_that_git_ignores(tiny):
    root = tiny.folder.parent.parent
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("*.png\n")
    (tiny.folder / "photo.png").write_bytes(b"png")
    lesson = dataclasses.replace(tiny, data_files=("photo.png",))
    path = tiny.folder / "photo.png"
    assert validate(lesson) == [f"{path} is ignored by git, so a clone or release of the course "
                                f"lacks it: change .gitignore (`git check-ignore -v {path}` "
                                "names the rule)"]
