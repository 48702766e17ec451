"""From a solved notebook to its handout: staff cells left out, outputs cleared, exercise cells
tagged, the lesson named; and the convolutions handout is exactly what its solved notebook
gives. No kernels."""

import nbformat
import pytest

from grader.authoring.handout import exercise_cell_numbers, make_handout
from grader.model.errors import AuthoringError

from conftest import ROOT

EXERCISES = {"double": ("values",), "total": ("values",)}
v4 = nbformat.v4


def solved(*cells):
    notebook = v4.new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    return notebook


def double_cell(**keywords):
    return v4.new_code_cell(
        "def double(values):\n    ### BEGIN SOLUTION\n    return values * 2\n    ### END SOLUTION",
        **keywords)


def total_cell():
    return v4.new_code_cell("def total(values):\n    return values.sum()  # SOLUTION")


def handout_of(notebook, lesson="tiny"):
    return make_handout(notebook, lesson, exercise_cell_numbers(notebook, EXERCISES, "solved.ipynb"))


def test_handout_leaves_out_solution_only_cells_and_keeps_the_rest_in_order():
    notebook = solved(
        v4.new_markdown_cell("# Tiny (solved)\nStaff only.", metadata={"tags": ["solution-only"]}),
        v4.new_markdown_cell("# Tiny"),
        double_cell(),
        total_cell(),
        v4.new_code_cell("print('answer')", metadata={"tags": ["solution-only", "x"]}),
    )
    handout = handout_of(notebook)
    assert [cell.source for cell in handout.cells] == [
        "# Tiny",
        "def double(values):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
        "def total(values):\n    return ...",
    ]
    assert [cell.id for cell in handout.cells] == [cell.id for cell in notebook.cells[1:4]]


def test_handout_clears_outputs_and_tags_each_exercise_cell_anew():
    ran = double_cell(metadata={"tags": ["exercise:old_name", "keep-me"]})
    ran.execution_count = 3
    ran.outputs = [v4.new_output("stream", name="stdout", text="hello\n")]
    demo = v4.new_code_cell("double(np.ones(2))", metadata={"tags": ["exercise:total"]})
    handout = handout_of(solved(ran, total_cell(), demo))
    assert handout.cells[0].outputs == []
    assert handout.cells[0].execution_count is None
    assert [cell.metadata.get("tags") for cell in handout.cells] == [
        ["keep-me", "exercise:double"], ["exercise:total"], None]


def test_handout_and_solved_notebook_name_the_lesson_in_their_metadata():
    notebook = solved(double_cell(), total_cell())
    notebook.metadata["grader"] = {"lesson": "old", "other": 1}
    handout = handout_of(notebook, lesson="tiny")
    assert handout.metadata["grader"] == {"lesson": "tiny", "other": 1}
    assert handout.metadata["kernelspec"]["name"] == "python3"


def test_an_exercise_no_cell_defines_is_named_with_its_fix():
    with pytest.raises(AuthoringError) as raised:
        handout_of(solved(double_cell()))
    assert str(raised.value) == ("no cell of solved.ipynb defines the exercise total: write "
                                 "`def total(values):` at the top level of its cell")


def test_an_exercise_defined_in_two_cells_names_both_cells():
    notebook = solved(double_cell(), total_cell(), v4.new_code_cell("def double(values):\n"
                                                                    "    return 2 * values"))
    with pytest.raises(AuthoringError) as raised:
        handout_of(notebook)
    assert str(raised.value) == (
        "solved.ipynb defines double in 2 cells, cell 1 (`def double(values):`) and cell 3 "
        "(`def double(values):`): keep the exercise's cell and rename it in the others")


def test_a_solution_only_cell_may_define_an_exercise_again():
    staff = v4.new_code_cell("def double(values):\n    return values + values",
                             metadata={"tags": ["solution-only"]})
    handout = handout_of(solved(double_cell(), total_cell(), staff))
    assert len(handout.cells) == 2


def test_a_marker_misused_in_a_cell_names_that_cell():
    broken = v4.new_code_cell("def double(values):\n    ### BEGIN SOLUTION\n    return values")
    with pytest.raises(AuthoringError, match=r"^cell 2 \(`def double\(values\):`\), line 2: "):
        handout_of(solved(total_cell(), broken))


def test_convolutions_handout_is_what_its_solved_notebook_gives(assignment):
    """Regenerating the handout (as `grade assign` does) changes no byte of it."""
    notebook = nbformat.read(ROOT / "solutions" / "convolutions-solved.ipynb", as_version=4)
    exercises = {exercise.name: exercise.parameters for exercise in assignment.exercises}
    handout = make_handout(notebook, "convolutions",
                           exercise_cell_numbers(notebook, exercises, "solved"))
    on_disk = (assignment.folder / assignment.notebook).read_text(encoding="utf-8")
    assert nbformat.writes(handout) + "\n" == on_disk
