"""Reports: the gradebook, Gradescope's results.json and the student's feedback."""

import csv
import json
import textwrap

import numpy as np
import pytest

from grader import PROFILES, grade_submission
from grader.intake.discover import Submission
from grader.kernel.calls import argument_key
from grader.model.results import ExerciseResult, SubmissionResult, Timings
from grader.output.gradescope import Visibility, autograder_results
from grader.output.report import feedback_markdown, gradescope_results, write_gradebook, write_submission
from solutions import convolutions as reference

from conftest import text_of
from fake_caller import FakeCaller, checked


def flipped_convolve(image, kernel):
    return reference.convolve(image, kernel[::-1, ::-1])


@pytest.fixture(scope="module")
def flipped(assignment):
    """A graded submission whose convolve flips the kernel, and the callers that ran it."""
    functions = {
        "get_subimages": reference.get_subimages,
        "convolve": flipped_convolve,
        "template_match": reference.template_match,
    }
    callers, exercises = {}, []
    for exercise in assignment.exercises:
        callers[exercise.name] = caller = FakeCaller(functions[exercise.name])
        checks = tuple(
            checked(assignment, exercise, sub, caller, 30) for sub in exercise.checks
        )
        exercises.append(ExerciseResult(exercise.name, checks))
    result = SubmissionResult(
        "linus", "submissions/linus.ipynb", "graded", tuple(exercises),
        timings=Timings(kernel_start=1.25, execution=2.5, checking=0.1254),
    )
    return result, callers


@pytest.fixture(scope="module")
def unreadable(assignment, tmp_path_factory):
    path = tmp_path_factory.mktemp("submissions") / "empty.ipynb"
    path.write_text("")
    result = grade_submission(Submission("empty", path), assignment, PROFILES["quick"])
    assert result.status == "unreadable"
    return result


@pytest.fixture(scope="module")
def gradebook(assignment, flipped, unreadable, tmp_path_factory):
    path = tmp_path_factory.mktemp("grades") / "grades.csv"
    write_gradebook(path, assignment, [flipped[0], unreadable])
    return path


def pasteable_code(markdown: str) -> str:
    """The code block that follows the 'paste it into a cell' line, as a student would copy it."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if "paste it into a cell" in line)
    opening = next(i for i in range(start, len(lines)) if lines[i].strip() == "```python")
    closing = next(i for i in range(opening + 1, len(lines)) if lines[i].strip() == "```")
    return textwrap.dedent("\n".join(lines[opening + 1 : closing]))


def code_block_after(markdown: str, heading: str) -> str:
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    opening = next(i for i in range(start, len(lines)) if lines[i].strip() == "```python")
    closing = next(i for i in range(opening + 1, len(lines)) if lines[i].strip() == "```")
    return textwrap.dedent("\n".join(lines[opening + 1 : closing]))


# -- grades.csv ---------------------------------------------------------------------------------


def test_gradebook_header_names_each_exercise_then_total_and_possible(gradebook):
    header = gradebook.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("submission,get_subimages,convolve,template_match,total,possible")


def test_gradebook_has_a_row_per_submission_including_unreadable_ones(gradebook):
    with gradebook.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["submission"] for row in rows] == ["empty", "linus"]
    empty, linus = rows
    assert (linus["get_subimages"], linus["convolve"], linus["template_match"]) == ("3", "2", "4")
    assert (linus["total"], linus["possible"], linus["status"]) == ("9", "10", "graded")
    assert (empty["get_subimages"], empty["convolve"], empty["template_match"]) == ("0", "0", "0")
    assert (empty["total"], empty["possible"], empty["status"]) == ("0", "10", "unreadable")
    assert empty["message"].endswith("is not a readable notebook: the file is empty")


def test_gradebook_is_replaced_whole_and_leaves_no_partial_file(gradebook):
    assert [path.name for path in gradebook.parent.iterdir()] == ["grades.csv"]


# -- results.json -------------------------------------------------------------------------------


def test_gradescope_results_have_score_time_and_one_test_per_sub_check(flipped):
    results = gradescope_results(flipped[0])
    assert results["score"] == 9
    assert results["execution_time"] == 3.875
    assert len(results["tests"]) == 9
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["status"] in ("passed", "failed")
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert [(test["name"], test["score"], test["max_score"]) for test in failed] == [
        ("convolve: any kernel", 0, 1)
    ]
    assert "Smallest failing input:\nimage = np.array(" in failed[0]["output"]
    assert json.loads(json.dumps(results)) == results


def test_unreadable_submission_fails_every_gradescope_test_with_the_reason(unreadable):
    results = gradescope_results(unreadable)
    assert results["score"] == 0
    assert {test["status"] for test in results["tests"]} == {"failed"}
    assert len(results["tests"]) == 9
    assert all("the file is empty" in test["output"] for test in results["tests"])
    assert results["output_format"] == results["test_output_format"] == "html"
    assert "is not a readable notebook: the file is empty" in text_of(results["output"])


def test_gradescope_autograder_names_the_format_of_each_output_it_writes(flipped):
    results = autograder_results(flipped[0], Visibility())
    assert (results["output_format"], results["output"]) == ("md", feedback_markdown(flipped[0]))
    assert {test["output_format"] for test in results["tests"]} == {"html"}
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert failed[0]["output"].startswith("<")


def test_write_submission_writes_results_and_feedback(flipped, tmp_path):
    write_submission(tmp_path, flipped[0])
    written = json.loads((tmp_path / "linus" / "results.json").read_text())
    assert written == json.loads(json.dumps(gradescope_results(flipped[0])))
    assert (tmp_path / "linus" / "feedback.md").read_text(encoding="utf-8").startswith("# Feedback for linus")


# -- feedback.md --------------------------------------------------------------------------------


def test_feedback_code_block_defines_the_failing_input(flipped):
    result, callers = flipped
    markdown = feedback_markdown(result)
    code = pasteable_code(markdown)
    calls = []
    namespace = {"np": np, "convolve": lambda *arguments: calls.append(arguments)}
    exec(code, namespace)
    image, kernel = namespace["image"], namespace["kernel"]
    assert len(calls) == 1 and calls[0][0] is image and calls[0][1] is kernel
    assert argument_key((image, kernel)) in callers["convolve"].outcomes  # the student's code met it
    expected = reference.convolve(image, kernel)
    assert not np.allclose(flipped_convolve(image, kernel), expected)
    assert np.array_equal(eval(code_block_after(markdown, "Expected:"), {"np": np}), expected)
    assert np.array_equal(eval(code_block_after(markdown, "Got:"), {"np": np}),
                          flipped_convolve(image, kernel))


def test_feedback_shows_score_and_verdict_per_sub_check(flipped):
    markdown = feedback_markdown(flipped[0])
    assert "**Score: 9 / 10**" in markdown
    assert "## `convolve`: 2 / 3" in markdown
    assert "- **FAIL** any kernel (0/1): " in markdown
    assert "- **PASS** symmetric kernels (1/1): " in markdown
    assert "First difference at index (" in markdown


def test_feedback_for_unreadable_submission_says_why(unreadable):
    markdown = feedback_markdown(unreadable)
    assert "**Score: 0 / 10**" in markdown
    assert "is not a readable notebook: the file is empty" in markdown
    assert "paste it into a cell" not in markdown
