"""Fast mode's choice of what to run, made from the notebook's code alone. No kernels."""

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.kernel.defs_only import keep_definitions
from grader.model.results import CellFailure, CheckResult, ExerciseResult

GRADED = ["get_subimages", "convolve", "template_match"]

DEFINITIONS = """\
import numpy as np


def convolve(image, kernel):
    return (image * kernel).sum()
"""


def notebook(*sources: str) -> nbformat.NotebookNode:
    return new_notebook(
        cells=[new_markdown_cell("# A notebook made by a test")]
        + [new_code_cell(source) for source in sources]
    )


def runs(*sources: str, graded=GRADED, setup=True) -> list[str]:
    """What fast mode (or, without ``setup``, a restart) leaves to run of each code cell."""
    sliced = keep_definitions(notebook(*sources), graded, setup=setup)
    return [cell.source for cell in sliced.notebook.cells[1:]]


def test_demo_calls_of_the_notebooks_functions_are_skipped_and_setup_kept():
    setup = 'photo = iio.imread("dubs.jpg")\nblur = np.ones((3, 3)) / 9'
    demo = "blurred = convolve(photo, blur)"
    assert runs("import imageio.v3 as iio\n" + DEFINITIONS, setup, demo) == [
        "import imageio.v3 as iio\n" + DEFINITIONS, setup, "",
    ]


def test_what_reads_a_skipped_result_is_skipped_too():
    assert runs(DEFINITIONS, "blurred = convolve(1, 2)", "print(blurred.max())", "big = blurred * 2",
                "print(big)") == [DEFINITIONS, "", "", "", ""]


def test_a_name_bound_again_by_kept_code_can_be_used_again():
    sources = [DEFINITIONS, "kernel = convolve(1, 2)", "kernel = np.ones(3)", "doubled = kernel * 2"]
    assert runs(*sources) == [DEFINITIONS, "", "kernel = np.ones(3)", "doubled = kernel * 2"]


def test_a_value_a_graded_function_reads_is_kept_with_what_it_needs():
    definitions = DEFINITIONS + (
        "\n\ndef scale():\n    return 2\n\n\ndef get_subimages(image, shape):\n    return SCALE * image\n"
    )
    sources = [definitions, "SCALE = scale()", "demo = get_subimages(1, (1, 1))"]
    assert runs(*sources) == [definitions, "SCALE = scale()", ""]


def test_a_value_changed_in_place_is_kept_when_a_graded_function_reads_it():
    definitions = "def convolve(image, kernel):\n    return WEIGHTS\n"
    sources = [definitions, "WEIGHTS = []", "WEIGHTS.append(len(WEIGHTS))", "WEIGHTS[0] = 1"]
    assert runs(*sources) == sources


def test_skipped_lines_are_blanked_so_line_numbers_stay():
    source = "x = 1\nprint(convolve(x, x))\ny = x + 1\n"
    assert runs(DEFINITIONS, source) == [DEFINITIONS, "x = 1\n\ny = x + 1\n"]


def test_statements_sharing_a_line_are_kept_or_skipped_together():
    assert runs(DEFINITIONS, "a = 1; b = convolve(a, a)\nc = 3") == [DEFINITIONS, "\nc = 3"]


def test_code_that_ends_the_kernel_still_runs():
    source = "import os\n\nos._exit(1)"
    assert runs(DEFINITIONS, source) == [DEFINITIONS, source]


def test_a_cell_that_does_not_parse_runs_whole():
    broken = "def get_subimages(image, shape):\n    for i in range(3):\n        # pick one\n"
    assert runs(broken, DEFINITIONS) == [broken, DEFINITIONS]


def test_a_cell_magic_runs_whole_and_a_line_magic_is_kept_like_code():
    timed = "%%time\nblurred = convolve(photo, blur)"
    assert runs(DEFINITIONS, timed, "%matplotlib inline") == [DEFINITIONS, timed, "%matplotlib inline"]


def test_calls_on_modules_do_not_pull_in_demo_results():
    source = "match = convolve(1, 2)\nnp.unravel_index(match.argmax(), match.shape)"
    assert runs(DEFINITIONS, source) == [DEFINITIONS, ""]


def test_the_original_notebook_is_left_as_it_is():
    original = notebook(DEFINITIONS, "blurred = convolve(1, 2)")
    keep_definitions(original, GRADED)
    assert original.cells[2].source == "blurred = convolve(1, 2)"


# -- saying when fast mode left out something a graded function needed ------------------------


def exercise(name: str, message: str = "", problem: str = "", undefined: bool = False
             ) -> ExerciseResult:
    """An exercise's result as the grader makes it, with the name a NameError in ``message``
    named as its field, as a failing call reports it."""
    status = "failed" if message else "passed"
    named = re.search(r"NameError: name '(\w+)'", message)
    check = CheckResult(name, "values", "", 1, status, message,
                        missing_name=named.group(1) if named else "")
    return ExerciseResult(name, (check,), problem, undefined)


def test_a_name_error_for_a_name_only_skipped_code_makes_is_explained():
    sliced = keep_definitions(notebook(DEFINITIONS, 'exec(f"SCALE = {convolve(1, 1)}")'), GRADED)
    raised = "raised NameError: name 'SCALE' is not defined at line 2 of convolve: return SCALE"
    assert sliced.explain([exercise("convolve", raised)]) == (
        "Fast mode (--defs-only) left out code this submission needed: `convolve` needed `SCALE`, "
        "skipped in cell 3. Grade it without --defs-only."
    )


def test_a_cell_failing_on_a_skipped_name_is_explained():
    sliced = keep_definitions(notebook(DEFINITIONS, "TABLE = convolve(1, 1)"), GRADED)
    failure = CellFailure(4, "error", "NameError: name 'TABLE' is not defined", "print(TABLE)",
                          missing_name="TABLE")
    assert "cell 4 needed `TABLE`, skipped in cell 3" in sliced.explain([], [failure])


def test_a_graded_function_made_only_by_skipped_code_is_explained():
    source = 'globals()["template_match"] = convolve'
    sliced = keep_definitions(notebook(DEFINITIONS, source), GRADED)
    missing = exercise("template_match", undefined=True,
                       problem="`template_match` is not defined after running the notebook.")
    assert "`template_match` is made only by skipped code (cell 3)" in sliced.explain([missing])


def test_a_name_error_a_full_run_meets_as_well_is_not_blamed_on_fast_mode():
    sliced = keep_definitions(notebook(DEFINITIONS, "blurred = convolve(photo, 1)"), GRADED)
    assert sliced.explain([exercise("convolve", "raised NameError: name 'photo' is not defined")]) == ""
    assert sliced.explain([exercise("convolve")]) == ""


# -- the stricter slice a restart runs after the kernel was lost ------------------------------


def test_without_setup_code_that_ends_the_kernel_is_skipped():
    assert runs(DEFINITIONS, "import os\n\nos._exit(1)", setup=False) == [DEFINITIONS, "import os\n\n"]


def test_without_setup_an_endless_loop_that_ignores_ctrl_c_is_skipped():
    source = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    assert runs(DEFINITIONS, source, setup=False) == [DEFINITIONS, "import signal\n\n\n"]


def test_without_setup_what_a_graded_function_reads_is_still_kept():
    definitions = DEFINITIONS + "\n\ndef get_subimages(image, shape):\n    return SCALE * image\n"
    sources = [definitions, 'photo = iio.imread("dubs.jpg")\nSCALE = 2 * len("ab")', "print(photo)"]
    assert runs(*sources, setup=False) == [definitions, '\nSCALE = 2 * len("ab")', ""]


def test_without_setup_a_cell_magic_is_kept_only_if_it_defines_something():
    defining = "%%time\ndef convolve(image, kernel):\n    return image"
    assert runs(defining, "%%time\nprint(1)", setup=False) == [defining, ""]


def test_a_cell_that_starts_with_blank_lines_is_sliced_on_its_own_lines():
    """IPython drops a cell's leading blank lines before compiling it: that is no cell magic,
    and the statements keep the lines they have in the notebook."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("\n\nimport os\nos._exit(1)\n")]
    restart = keep_definitions(notebook, ["convolve"], setup=False)
    assert restart.notebook.cells[0].source == "\n\nimport os\n\n"
