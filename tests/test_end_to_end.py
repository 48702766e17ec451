"""Grade real notebooks in real kernels and check the verdict on every exercise."""

import csv
import dataclasses
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

from grader import grade_submission
from grader.cli import main
from grader.intake.discover import Submission
from grader.judge.exercises import check_exercises
from grader.judge.oracle import make_oracle
from grader.kernel.calls import FunctionCaller, KernelTransport
from grader.kernel.run import NotebookRun
from grader.model.settings import Settings

from conftest import (
    DEMO_CELL_TIMEOUT,
    EXAMPLES,
    NOTEBOOKS,
    ROOT,
    folder_with_broken_files,
    needs_sandbox,
    text_of,
)

pytestmark = pytest.mark.kernel

# Points per exercise (get_subimages, convolve, template_match) each convolutions demo earns.
EXPECTED_EXAMPLE_POINTS = {
    "ada_loops": (3, 3, 4),
    "grace_vectorized": (3, 3, 4),
    "alan_transposed_slice": (0, 3, 4),  # convolve is right on correct windows (stand-ins)
    "linus_flipped_kernel": (3, 2, 4),
    "barbara_no_demean": (3, 3, 1),
    "untouched": (0, 0, 0),
    "edsger_failing_cells": (3, 3, 4),
    "donald_endless_cell": (3, 3, 4),
    "margaret_integer_result": (3, 1, 4),
    "katherine_off_by_one": (0, 0, 4),
    "hedy_renamed_function": (3, 3, 0),
}
CONVOLUTIONS = ("get_subimages", "convolve", "template_match")

# Points per exercise (to_grayscale, crop, brightness, adjust_brightness) each pixels demo earns.
EXPECTED_PIXELS_POINTS = {
    "pixels_frances_correct": (3, 3, 2, 2),
    "pixels_john_wraparound": (3, 3, 2, 0),  # uint8 sums wrap around past 255
    "pixels_radia_plain_mean": (1, 3, 1, 2),  # plain mean; per-channel brightness
    "pixels_ken_swapped_crop": (3, 1, 2, 2),  # height and width swapped; no lesson metadata
    "pixels_untouched": (0, 0, 0, 0),
}
PIXELS = ("to_grayscale", "crop", "brightness", "adjust_brightness")

# examples/submissions holds both lessons' demos: each lesson is graded into a folder of its own.
LESSONS = {"convolutions": (EXPECTED_EXAMPLE_POINTS, CONVOLUTIONS),
           "pixels": (EXPECTED_PIXELS_POINTS, PIXELS)}
EVERY_EXAMPLE = {**EXPECTED_EXAMPLE_POINTS, **EXPECTED_PIXELS_POINTS}


def grade(path, assignment, settings):
    return grade_submission(Submission(path.stem, path), assignment, settings)


def points(result):
    return tuple(exercise.points for exercise in result.exercises)


def statuses(result, exercise):
    return {check.name: check.status for check in result.exercise(exercise).checks}


@pytest.fixture(scope="module")
def graded_examples(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades")
    # The demos' cells in full: donald_endless_cell's endless one costs the whole limit.
    code = main([str(EXAMPLES), "--out", str(out), "--jobs", "2",
                 "--cell-timeout", str(DEMO_CELL_TIMEOUT), "--junit", str(out / "junit.xml")])
    return code, out


def test_grading_the_examples_exits_zero(graded_examples):
    code, _ = graded_examples
    assert code == 0


def gradebook(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def earned_points(out: Path, exercises: tuple[str, ...]) -> dict[str, tuple]:
    """Per submission in the gradebook in ``out``: its points for each of ``exercises``."""
    return {name: tuple(int(float(row[e])) for e in exercises)
            for name, row in gradebook(out).items()}


def test_grading_the_examples_writes_a_folder_per_lesson(graded_examples):
    _, out = graded_examples
    assert sorted(path.name for path in out.iterdir() if path.is_dir()) == sorted(LESSONS)
    assert not (out / "grades.csv").exists()


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_every_example_earns_the_points_its_name_promises(graded_examples, lesson):
    _, out = graded_examples
    expected, exercises = LESSONS[lesson]
    assert earned_points(out / lesson, exercises) == expected
    rows = gradebook(out / lesson).values()
    assert all(row["possible"] == "10" and row["status"] == "graded" for row in rows)


@needs_sandbox
def test_the_examples_get_the_same_verdicts_without_the_sandbox(graded_examples_fast, tmp_path):
    # Both in fast mode, which gives the verdicts of a full run (a test below checks that), at a
    # fraction of its time; the default, --sandbox auto, runs the kernels in the sandbox.
    _, sandboxed = graded_examples_fast
    assert main([str(EXAMPLES), "--out", str(tmp_path), "--jobs", "2", "--cell-timeout", "10",
                 "--defs-only", "--sandbox", "off"]) == 0

    def verdicts(out):
        return {name: {k: v for k, v in row.items() if k != "message"}
                for lesson in LESSONS for name, row in gradebook(out / lesson).items()}

    assert verdicts(tmp_path) == verdicts(sandboxed)
    assert len(verdicts(tmp_path)) == len(EVERY_EXAMPLE)


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_gradebook_header_starts_with_the_fixed_columns(graded_examples, lesson):
    _, out = graded_examples
    header = (out / lesson / "grades.csv").read_text().splitlines()[0]
    assert header.startswith(f"submission,{','.join(LESSONS[lesson][1])},total,possible")


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_no_example_fails_only_on_held_out_inputs(graded_examples, lesson):
    """Held-out inputs change no honest verdict: what a demo gets wrong, the public inputs (a
    self-check's) show too (test_self_check grades them without the held-out ones)."""
    _, out = graded_examples
    with (out / lesson / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["held_out_only"] == "" for row in rows)


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_each_example_gets_gradescope_results_and_feedback(graded_examples, lesson):
    _, out = graded_examples
    for name, expected in LESSONS[lesson][0].items():
        results = json.loads((out / lesson / name / "results.json").read_text())
        assert results["score"] == sum(expected)
        assert {test["status"] for test in results["tests"]} <= {"passed", "failed"}
        assert sum(test["max_score"] for test in results["tests"]) == 10
        feedback = (out / lesson / name / "feedback.md").read_text()
        assert feedback.startswith(f"# Feedback for {name}")


def test_each_example_gets_feedback_html_with_a_picture_for_every_failed_exercise(graded_examples):
    _, out = graded_examples
    out = out / "convolutions"
    for name, earned in EXPECTED_EXAMPLE_POINTS.items():
        html = (out / name / "feedback.html").read_text()
        assert html.startswith("<!DOCTYPE html>") and f"Feedback for {name}" in html
        sections = {part.split("</code>")[0]: part for part in html.split("<h2><code>")[1:]}
        assert list(sections) == ["get_subimages", "convolve", "template_match"]
        for (exercise, section), points, possible in zip(sections.items(), earned, (3, 3, 4)):
            pictures = section.count('<img class="raster" src="data:image/png;base64,')
            assert pictures >= (1 if points < possible else 2), (name, exercise)
        timings = json.loads((out / name / "results.json").read_text())["extra_data"]["grader"]
        assert timings["timings"]["pictures"] > 0, name


def test_each_pixels_example_gets_a_picture_of_the_failing_input_of_every_failed_exercise(
        graded_examples):
    _, out = graded_examples
    for name, earned in EXPECTED_PIXELS_POINTS.items():
        html = (out / "pixels" / name / "feedback.html").read_text()
        sections = html.split("<h2><code>")[1:]
        assert [section.split("</code>")[0] for section in sections] == list(PIXELS), name
        for section, points, possible in zip(sections, earned, (3, 3, 2, 2)):
            if points < possible and "still as handed out" not in section:
                assert 'src="data:image/svg+xml;base64,' in section, (name, section[:40])


def test_the_examples_pictures_show_their_mistakes(graded_examples):
    _, out = graded_examples
    out = out / "convolutions"
    linus = (out / "linus_flipped_kernel" / "feedback.html").read_text()
    edges = linus.split("Vertical edges")[1].split('class="showcase"')[0]
    assert "largest difference" in edges  # the flipped kernel shows on the photo
    assert "none: every value agrees" in linus.split("Box blur")[1].split("Sharpen")[0]
    hedy = (out / "hedy_renamed_function" / "feedback.html").read_text()
    assert "<code>template_match</code> is not defined, so only the reference&#x27;s pictures" in hedy


def test_grading_the_examples_writes_the_class_report_and_its_figures(graded_examples):
    _, out = graded_examples
    out = out / "convolutions"
    report = (out / "report.html").read_text()
    assert report.count('src="data:image/png;base64,') == 3
    assert sorted(path.name for path in (out / "figures").iterdir()) == [
        "pass_rates.png", "scores.png", "timing.png"]
    text = text_of(report)
    assert "11 submissions; mean score" in text
    assert "convolve: any kernel (3 of 11)" in text  # the untouched handout is not run: no failure


def test_junit_report_has_a_suite_per_submission(graded_examples):
    _, out = graded_examples
    suites = ET.parse(out / "junit.xml").getroot().findall("testsuite")
    assert sorted(suite.get("name") for suite in suites) == sorted(EVERY_EXAMPLE)
    linus = next(suite for suite in suites if suite.get("name") == "linus_flipped_kernel")
    assert (linus.get("tests"), linus.get("failures")) == ("9", "1")


def test_feedback_for_a_flipped_kernel_shows_a_pasteable_counterexample(graded_examples):
    _, out = graded_examples
    feedback = (out / "convolutions" / "linus_flipped_kernel" / "feedback.md").read_text()
    assert "**FAIL** any kernel" in feedback
    assert "convolve(image, kernel)" in feedback
    assert "First difference at index" in feedback


def test_feedback_suggests_the_close_name_of_a_renamed_function(graded_examples):
    _, out = graded_examples
    feedback = (out / "convolutions" / "hedy_renamed_function" / "feedback.md").read_text()
    assert "Did you mean `template_matching`?" in feedback


def test_feedback_for_uint8_wraparound_shows_the_value_that_should_stop_at_255(graded_examples):
    _, out = graded_examples
    feedback = (out / "pixels" / "pixels_john_wraparound" / "feedback.md").read_text()
    assert "**FAIL** brighter" in feedback and "**FAIL** darker" in feedback
    assert "adjust_brightness(image, amount)" in feedback
    assert re.search(r"first at index \(0, 0\): expected 255, got \d+", feedback)


def test_feedback_for_one_mean_per_channel_asks_for_a_single_number(graded_examples):
    _, out = graded_examples
    feedback = (out / "pixels" / "pixels_radia_plain_mean" / "feedback.md").read_text()
    colour = feedback.split("**FAIL** colour images")[1]
    assert "returned an array of shape (3,), expected a single number" in colour
    expected = colour.split("Expected:")[1].split("```python\n")[1].split("\n")[0]
    assert float(expected.strip()) >= 0 and "array" not in expected  # a plain number


def test_endless_demo_cell_is_reported_and_costs_nothing(graded_examples):
    _, out = graded_examples
    results = json.loads((out / "convolutions" / "donald_endless_cell" / "results.json")
                         .read_text())
    failures = results["extra_data"]["grader"]["cell_failures"]
    assert [failure["status"] for failure in failures] == ["timeout"]
    assert results["score"] == 10


def test_solved_notebook_earns_full_marks(assignment, settings):
    result = grade(ROOT / "solutions" / "convolutions-solved.ipynb", assignment,
                   settings.replace(cell_timeout=DEMO_CELL_TIMEOUT))
    assert result.status == "graded"
    assert result.score == result.possible == 10
    assert result.cell_failures == ()


def test_untouched_handout_scores_zero_and_says_to_fill_it_in(assignment, settings):
    result = grade(assignment.folder / assignment.notebook, assignment, settings)
    assert result.status == "graded"
    assert result.score == 0
    assert "still as handed out" in result.exercise("get_subimages").problem
    assert any("IndentationError" in failure.error for failure in result.cell_failures)


def test_flipped_kernel_gets_the_same_counterexample_every_time(assignment, settings):
    first, second = (
        grade(NOTEBOOKS / "flipped_kernel_defs_only.ipynb", assignment, settings) for _ in range(2)
    )
    assert first.exercises == second.exercises
    assert points(first) == (3, 2, 4)
    assert statuses(first, "convolve")["any kernel"] == "failed"


def test_wrong_helper_costs_points_only_in_its_own_exercise(assignment, settings):
    result = grade(NOTEBOOKS / "wrong_helper_defs_only.ipynb", assignment, settings)
    assert points(result) == (0, 3, 4)
    assert [s.call for s in result.exercise("convolve").stand_ins] == ["get_subimages(image, kernel.shape)"]


def test_with_stand_ins_off_a_wrong_helper_costs_every_exercise_built_on_it(assignment, settings):
    off = dataclasses.replace(assignment, exercises=tuple(
        dataclasses.replace(exercise, stand_ins=()) for exercise in assignment.exercises
    ))
    result = grade(NOTEBOOKS / "wrong_helper_defs_only.ipynb", off, settings)
    assert points(result) == (0, 0, 0)
    assert all(exercise.stand_ins == () for exercise in result.exercises)


KERNEL_STATE = """
import sys
from IPython.display import publish_display_data
publish_display_data({"application/json": {
    "solutions": sorted(name for name in sys.modules if name.startswith("solutions")),
    "grader": sorted(name for name in sys.modules if name.startswith(("grader", "assignments"))),
    "get_subimages": get_subimages.__code__.co_filename.startswith("<grader>")
                     or hasattr(get_subimages, "__wrapped__"),
}})
"""


def test_stand_ins_put_no_reference_code_in_the_kernel_and_leave_the_helper_as_it_was(
    assignment, settings
):
    notebook = nbformat.read(NOTEBOOKS / "wrong_helper_defs_only.ipynb", as_version=4)
    oracle = make_oracle(assignment)
    assert oracle.mode == "reference"
    with NotebookRun(notebook, assignment.data_paths(), cell_timeout=10, total_timeout=60) as run:
        assert run.run_cells().cell_failures == ()
        caller = FunctionCaller(KernelTransport(run), settings.call_timeout)
        results, lost = check_exercises(assignment, caller, oracle, settings)
        seen = []
        run.execute(KERNEL_STATE, lambda data: seen.append(data.get("application/json")), 30)
    assert lost == "" and [e.points for e in results] == [0, 3, 4]
    assert seen == [{"solutions": [], "grader": [], "get_subimages": False}]


def test_object_that_equals_everything_fails_every_check(assignment, settings):
    result = grade(NOTEBOOKS / "always_equal.ipynb", assignment, settings)
    assert result.score == 0
    check = result.exercise("convolve").checks[0]
    assert check.message == "returned Anything, not a numpy array"


def test_patching_numpy_in_the_notebook_does_not_change_verdicts(assignment, settings):
    result = grade(NOTEBOOKS / "patches_numpy.ipynb", assignment, settings)
    for exercise in result.exercises:
        assert {c.name: c.status for c in exercise.checks}["output shape"] == "passed"
        assert [c.status for c in exercise.checks if c.name != "output shape"] == ["failed"] * 2
    assert result.score == 3


def test_raising_and_hanging_functions_fail_without_stopping_grading(assignment, settings):
    settings = settings.replace(call_timeout=3)
    result = grade(NOTEBOOKS / "raises_and_hangs.ipynb", assignment, settings)
    assert result.status == "graded"
    raised = result.exercise("get_subimages").checks[0]
    assert raised.status == "failed"
    assert "ValueError: I have not done this one yet" in raised.message
    assert set(statuses(result, "convolve").values()) == {"timeout"}
    assert result.exercise("template_match").points == 4


def test_going_past_a_resource_limit_fails_only_that_cell(assignment, settings):
    result = grade(NOTEBOOKS / "exceeds_limits.ipynb", assignment, settings.replace(file_size_limit=1))
    assert result.status == "graded" and result.score == 10
    errors = [failure.error.split(":")[0] for failure in result.cell_failures]
    assert errors == ["MemoryError", "OSError", "OSError"]
    assert "File too large" in result.cell_failures[1].error
    assert "Too many open files" in result.cell_failures[2].error


def test_without_limits_the_same_cells_succeed(assignment, settings):
    """The fixture really depends on the limits: lifted, its cells run."""
    lifted = settings.replace(memory_limit=1024, file_size_limit=1024, open_files_limit=4096)
    result = grade(NOTEBOOKS / "exceeds_limits.ipynb", assignment, lifted)
    assert result.cell_failures == ()


RESTARTED = (
    "Its functions were graded after a restart, in a fresh kernel that ran only the imports and "
    "definitions of cells 1 to 3."
)


def test_kernel_that_dies_in_a_cell_still_has_its_functions_graded_after_a_restart(assignment, settings):
    result = grade(NOTEBOOKS / "kernel_dies.ipynb", assignment, settings)
    assert (result.status, result.score) == ("salvaged", 10)
    assert result.message == (
        "The notebook could not run to the end: its kernel died in cell 3; the cells after it "
        f"never ran. {RESTARTED} Fix the notebook anyway, so that it runs from top to bottom "
        "(Restart & Run All) without its kernel dying."
    )
    assert [(f.index, f.status) for f in result.cell_failures] == [(3, "error"), (4, "not run")]
    assert result.timings.restarts > 0


def test_cell_that_ignores_the_interrupt_is_named_and_the_functions_graded_after_a_restart(
    assignment, settings
):
    result = grade(NOTEBOOKS / "ignores_interrupt.ipynb", assignment, settings.replace(cell_timeout=3))
    assert (result.status, result.score) == ("salvaged", 10)
    assert result.message == (
        "The notebook could not run to the end: cell 3 ran past its time limit and ignored the "
        f"interrupt, so its kernel was stopped; the cells after it never ran. {RESTARTED} Fix the "
        "notebook anyway, so that no cell runs forever or blocks Ctrl-C."
    )
    assert [(f.index, f.status) for f in result.cell_failures] == [(3, "timeout"), (4, "not run")]


def test_setup_that_ends_the_kernel_again_on_restart_scores_zero(assignment, settings):
    result = grade(NOTEBOOKS / "setup_kills_kernel.ipynb", assignment, settings)
    assert (result.status, result.score) == ("kernel died", 0)
    assert result.message == (
        "The notebook could not run to the end: its kernel died in cell 3; the cells after it "
        "never ran. A restart, in a fresh kernel that ran only the imports and definitions of "
        "cells 1 to 3, failed too: its kernel died in cell 3, so its functions could not be "
        "graded. Fix the notebook so that it runs from top to bottom (Restart & Run All) "
        "without its kernel dying."
    )
    assert all(exercise.problem == result.message for exercise in result.exercises)


def test_function_that_ends_the_kernel_fails_and_the_next_ones_are_checked_after_a_restart(
    assignment, settings
):
    result = grade(NOTEBOOKS / "function_ends_kernel.ipynb", assignment, settings)
    assert (result.status, points(result)) == ("graded", (3, 0, 4))
    lost = ('Calling `convolve` in the sub-check "output shape" lost the kernel: the kernel died '
            "during a call.")
    assert list(statuses(result, "convolve").values()) == ["failed", "error", "error"]
    assert result.exercise("convolve").problem.startswith(lost)
    assert result.message == (
        f"{lost} `template_match` was graded after a restart, in a fresh kernel that ran only the "
        "imports and definitions of cells 1 to 3."
    )
    assert result.cell_failures == ()


def test_a_slow_template_match_that_ignores_its_image_fails_after_one_call_each(assignment):
    result = grade(NOTEBOOKS / "slow" / "ignores_its_image.ipynb", assignment, Settings())
    assert result.status == "graded" and points(result) == (3, 3, 0)
    assert {check.message for check in result.exercise("template_match").checks} == {
        "returned shape (600, 512), expected shape (1, 1)"
    }


def test_the_call_in_flight_at_its_sub_check_deadline_finishes_and_is_judged(assignment):
    # Each call takes about 2 s of CPU, twice the budget: the deadline stops the kernel-side
    # code before the next call, without an interrupt, and the call running finishes.
    result = grade(NOTEBOOKS / "slow" / "ignores_its_image.ipynb", assignment,
                   Settings(check_timeout=1))
    assert points(result) == (3, 3, 0)
    for check in result.exercise("template_match").checks:
        assert check.status == "failed"
        assert check.message == "returned shape (600, 512), expected shape (1, 1)"


def test_a_folder_with_broken_files_is_graded_row_by_row(tmp_path, capsys):
    submissions = folder_with_broken_files(tmp_path / "submissions")

    out = tmp_path / "out"
    assert main([str(submissions), "--out", str(out), "--jobs", "1"]) == 0

    with open(out / "grades.csv", newline="") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    assert {name: (row["status"], row["total"]) for name, row in rows.items()} == {
        "bob": ("graded", "10"),
        "crashes": ("salvaged", "10"),
        "empty": ("unreadable", "0"),
        "not_json": ("unreadable", "0"),
        "two_notebooks": ("unreadable", "0"),
    }
    assert rows["empty"]["message"].endswith("is not a readable notebook: the file is empty")
    assert "2 notebooks" in rows["two_notebooks"]["message"]
    crashed = "The notebook could not run to the end: its kernel died in cell 3;"
    assert rows["crashes"]["message"].startswith(crashed)
    assert "graded after a restart" in rows["crashes"]["message"]
    assert f"> {rows['crashes']['message']}" in (out / "crashes" / "feedback.md").read_text()
    results = json.loads((out / "crashes" / "results.json").read_text())
    assert rows["crashes"]["message"] in text_of(results["output"])
    assert results["extra_data"]["status"] == "salvaged"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["statuses"] == {"graded": 1, "salvaged": 1, "unreadable": 3}
    assert "Skipped 1 file(s) that are not notebooks: notes.txt" in capsys.readouterr().err


def test_grade_command_is_installed_and_prints_a_summary(tmp_path):
    command = Path(sys.executable).parent / "grade"
    completed = subprocess.run(
        [str(command), str(NOTEBOOKS / "correct_defs_only.ipynb"),
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert "correct_defs_only" in completed.stdout
    assert "10/10" in completed.stdout


# -- fast mode (--defs-only) ---------------------------------------------------------------


def verdicts(out: Path) -> dict:
    """Per submission: its status, message, and every exercise with its sub-checks' verdicts
    (in ``out``, or in a folder per lesson under it)."""
    found = {}
    for path in sorted([*out.glob("*/results.json"), *out.glob("*/*/results.json")]):
        record = json.loads(path.read_text())["extra_data"]["grader"]
        found[record["id"]] = (record["status"], record["message"], record["exercises"])
    return found


@pytest.fixture(scope="module")
def graded_examples_fast(tmp_path_factory):
    out = tmp_path_factory.mktemp("grades-fast")
    code = main([str(EXAMPLES), "--out", str(out), "--jobs", "2", "--cell-timeout", "10",
                 "--defs-only"])
    return code, out


def test_fast_mode_gives_every_example_the_verdicts_of_a_full_run(graded_examples, graded_examples_fast):
    (full_code, full), (fast_code, fast) = graded_examples, graded_examples_fast
    assert full_code == fast_code == 0
    assert set(verdicts(fast)) == set(EVERY_EXAMPLE)
    assert verdicts(fast) == verdicts(full)


def test_fast_mode_gives_every_test_notebook_the_verdicts_of_a_full_run(tmp_path):
    # The fixtures directly in tests/notebooks; attacks/ is graded by test_attacks.py.
    notebooks = sorted(map(str, NOTEBOOKS.glob("*.ipynb")))
    outs = {}
    for mode in ("full", "fast"):
        outs[mode] = tmp_path / mode
        options = ["--defs-only"] if mode == "fast" else []
        assert main([*notebooks, "--out", str(outs[mode]), "--jobs", "2", "--cell-timeout", "10",
                     "--call-timeout", "3", *options]) == 0
    assert len(verdicts(outs["fast"])) == len(notebooks)
    assert verdicts(outs["fast"]) == verdicts(outs["full"])


def test_fast_mode_says_when_a_function_needed_code_it_skipped(tmp_path, assignment, settings):
    path = tmp_path / "scale_made_by_demo.ipynb"
    solved = (NOTEBOOKS / "correct_defs_only.ipynb").read_text()
    notebook = json.loads(solved)
    notebook["cells"][0]["source"] = (
        "# Test fixture: a function that reads a value only demo code makes\n\n"
        "`convolve` multiplies by `SCALE`, which a cell that also calls `get_subimages` sets "
        "through `exec`. Expected: full marks in a full run; in fast mode `convolve` fails and "
        "the result says fast mode skipped what it needed."
    )
    code = notebook["cells"][1]["source"]
    code = "".join(code) if isinstance(code, list) else code
    notebook["cells"][1]["source"] = code.replace(
        "return (subimages * kernel).sum(axis=(2, 3))",
        "return SCALE * (subimages * kernel).sum(axis=(2, 3))",
    )
    notebook["cells"].append({
        "cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
        "source": 'windows = get_subimages(np.ones((2, 2)), (1, 1))\nexec(f"SCALE = {windows.max()}")',
    })
    path.write_text(json.dumps(notebook))

    assert grade(path, assignment, settings).score == 10
    fast = grade(path, assignment, settings.replace(defs_only=True))
    assert fast.exercise("convolve").points == 0
    assert fast.exercise("get_subimages").points == 3
    assert fast.message == (
        "Fast mode (--defs-only) left out code this submission needed: `convolve` needed "
        "`SCALE`, skipped in cell 3. Grade it without --defs-only."
    )
