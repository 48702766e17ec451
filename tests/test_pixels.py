"""The pixels lesson, beside convolutions: its definition, handout and solved notebook agree, and
the solved notebook earns full marks, the handout zero, without the lesson being named.

The demo submissions' verdicts are checked with the convolutions ones in ``test_end_to_end``
(one run grades the whole examples folder).
"""

import inspect
import shutil

import nbformat
import pytest

import grader.course as check_command
from grader import grade_submission
from grader.authoring.freeze import stale_checks
from grader.cli import main
from grader.grading import pipeline
from grader.intake.discover import Submission
from grader.judge.stored import load_examples
from grader.model.lessons import available_assignments, load_assignment

from conftest import ROOT
from test_self_check import run_with_last_cell

SOLVED = ROOT / "solutions" / "pixels-solved.ipynb"
STORED = 100  # inputs per sub-check in the stored file: final grading's number


@pytest.fixture(scope="module")
def pixels():
    return load_assignment("pixels")


@pytest.fixture(scope="module")
def notebooks(pixels):
    return (nbformat.read(SOLVED, as_version=4),
            nbformat.read(pixels.folder / pixels.notebook, as_version=4))


def exercise_tags(cell) -> list[str]:
    return [tag.split(":", 1)[1] for tag in cell.metadata.get("tags", [])
            if tag.startswith("exercise:")]


def test_both_lessons_are_installed_side_by_side():
    assert {"convolutions", "pixels"} <= set(available_assignments())


def test_stored_outputs_are_current(pixels):
    assert stale_checks(pixels, STORED).problems == ()


def test_every_sub_check_draws_one_argument_per_parameter_of_the_reference(pixels):
    references = pixels.reference_functions()
    stored = load_examples(pixels.expected_path())
    for exercise in pixels.exercises:
        signature = tuple(inspect.signature(references[exercise.name]).parameters)
        assert signature == exercise.parameters, exercise.name
        for check in exercise.checks:
            inputs = stored.examples[(exercise.name, check.name)].inputs
            assert {len(arguments) for arguments in inputs} == {len(exercise.parameters)}


def test_both_notebooks_name_their_lesson_in_their_metadata(notebooks):
    for notebook in notebooks:
        assert notebook.metadata["grader"] == {"lesson": "pixels"}


def test_the_handout_tags_one_cell_per_exercise_defining_it(pixels, notebooks):
    _, handout = notebooks
    tagged = {name: cell for cell in handout.cells for name in exercise_tags(cell)}
    assert list(tagged) == [exercise.name for exercise in pixels.exercises]
    for name, cell in tagged.items():
        assert cell.source.startswith(f"def {name}("), name


def test_the_handout_is_the_solved_notebook_without_solutions_or_staff_notes(notebooks):
    solved, handout = notebooks
    kept = [cell for cell in solved.cells if "solution-only" not in cell.metadata.get("tags", [])]
    assert len(kept) == len(solved.cells) - 1  # the staff note
    assert [cell.id for cell in handout.cells] == [cell.id for cell in kept]
    for theirs, ours in zip(kept, handout.cells):
        if exercise_tags(theirs):
            assert "SOLUTION" not in ours.source and "PROMPT" not in ours.source
            assert ours.source != theirs.source
        else:
            assert ours.source == theirs.source
        if ours.cell_type == "code":
            assert ours.outputs == [] and ours.execution_count is None


def test_the_data_file_is_a_small_rgb_photo(pixels):
    import imageio.v3 as iio

    [path] = pixels.data_paths()
    photo = iio.imread(path)
    assert (photo.shape, photo.dtype.name) == ((256, 220, 3), "uint8")
    assert (pixels.folder / "DATA.md").is_file()


def handout_with_cell(pixels, source: str) -> nbformat.NotebookNode:
    """The handout as it is, with one more code cell at its end."""
    handout = nbformat.read(pixels.folder / pixels.notebook, as_version=4)
    handout.cells.append(nbformat.v4.new_code_cell(source))
    return handout


TO_GRAYSCALE = (
    "import numpy as np\n\n"
    "def to_grayscale(image):\n"
    "    return image @ np.array([0.299, 0.587, 0.114])\n"
)


@pytest.mark.parametrize("source", [TO_GRAYSCALE, "%matplotlib inline\n" + TO_GRAYSCALE])
def test_a_stub_left_as_handed_out_is_not_untouched_when_another_cell_defines_the_function(
        pixels, source):
    notebook = handout_with_cell(pixels, source)
    assert pipeline.untouched_exercises(pixels, notebook) == {"crop", "brightness", "adjust_brightness"}


@pytest.mark.parametrize("source", [
    "def helper():\n    def to_grayscale(image):\n        return image",  # not at top level
    "def to_grayscale(image)\n    return image",  # does not parse
    "print(to_grayscale)",  # uses it, does not define it
])
def test_a_stub_left_as_handed_out_stays_untouched_when_no_other_cell_defines_it_at_top_level(
        pixels, source):
    notebook = handout_with_cell(pixels, source)
    assert "to_grayscale" in pipeline.untouched_exercises(pixels, notebook)


def test_check_gives_a_notebook_its_folder_but_never_the_reference_solutions_folder(
        pixels, tmp_path):
    assert check_command._own_folder(tmp_path / "hw.ipynb", pixels) == tmp_path
    assert check_command._own_folder(SOLVED, pixels) is None


# -- in real kernels -----------------------------------------------------------------------------


def checked(capsys, *argv):
    code = main(["check", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.kernel
def test_grade_check_gives_the_solved_notebook_full_marks_without_being_told_the_lesson(capsys):
    code, out, _err = checked(capsys, SOLVED)
    assert code == 0, out
    assert "**Score: 10 / 10**" in out
    assert "did not run cleanly" not in out  # every demo cell of the lesson runs


@pytest.mark.kernel
def test_grade_check_gives_the_handout_zero_and_says_to_fill_it_in(capsys, pixels):
    code, out, _ = checked(capsys, pixels.folder / pixels.notebook)
    assert code == 1
    assert "**Score: 0 / 10**" in out
    assert out.count("still as handed out") == 4  # one line per exercise


@pytest.mark.kernel
def test_in_notebook_check_recognises_the_pixels_functions(tmp_path, pixels):
    shutil.copy(pixels.data_paths()[0], tmp_path)
    shown, printed = run_with_last_cell(SOLVED, (
        "from grader import check\n"
        "result = check()\n"
        "print(result.score, result.possible, [e.name for e in result.exercises])"
    ), tmp_path)
    assert printed == "10 10 ['to_grayscale', 'crop', 'brightness', 'adjust_brightness']\n"
    assert "Expected outputs come from the outputs stored with the assignment" in shown


@pytest.mark.kernel
def test_a_function_written_in_a_new_cell_beside_the_untouched_stub_earns_its_points(
        tmp_path, pixels, settings):
    path = tmp_path / "own_cell.ipynb"
    nbformat.write(handout_with_cell(pixels, TO_GRAYSCALE), path)
    result = grade_submission(Submission("own_cell", path), pixels, settings)
    assert result.status == "graded"
    assert result.exercise("to_grayscale").points == 3
    assert result.exercise("to_grayscale").problem == ""
    assert "still as handed out" in result.exercise("crop").problem
