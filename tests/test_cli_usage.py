"""The ``grade`` command's usage errors: exit code 2 and the exact line a user reads. No kernels."""

import json
import zipfile

import pytest

import grader.course
import grader.kernel.sandbox
from grader.cli import main


@pytest.fixture(autouse=True)
def no_grading(monkeypatch, tmp_path):
    """Usage errors must be found before any notebook is graded (and a kernel started)."""

    def refuse(*arguments, **keywords):
        raise AssertionError("grade_all was called: a kernel would have been started")

    monkeypatch.setattr(grader.course, "grade_all", refuse)
    monkeypatch.chdir(tmp_path)  # the default --out folder, should anything be written


def error_lines(capsys) -> list[str]:
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


def test_missing_path_is_named_in_the_error(tmp_path, capsys):
    missing = tmp_path / "submissions"
    assert main([str(missing)]) == 2
    assert error_lines(capsys) == [f"grade: error: {missing} does not exist"]


def test_folder_without_notebooks_is_a_usage_error(tmp_path, capsys):
    folder = tmp_path / "submissions"
    folder.mkdir()
    assert main([str(folder)]) == 2
    assert error_lines(capsys) == [
        f"grade: error: no notebooks (*.ipynb) or scripts (*.py) found under {folder}"]


def test_folder_of_other_files_says_what_it_skipped(tmp_path, capsys):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    assert main([str(folder)]) == 2
    assert error_lines(capsys) == [
        "Skipped 1 file(s) that are not notebooks: notes.txt",
        f"grade: error: no notebooks (*.ipynb) or scripts (*.py) found under {folder}",
    ]


def test_jobs_zero_is_a_usage_error(tmp_path, capsys):
    assert main([str(tmp_path), "--jobs", "0"]) == 2
    assert error_lines(capsys) == ["grade: error: --jobs must be at least 1, not 0"]


def test_negative_call_timeout_is_a_usage_error(tmp_path, capsys):
    assert main([str(tmp_path), "--call-timeout", "-1"]) == 2
    assert error_lines(capsys) == ["grade: error: --call-timeout must be a positive number, not -1"]


def test_zero_max_examples_is_a_usage_error(tmp_path, capsys):
    assert main([str(tmp_path), "--max-examples", "0"]) == 2
    assert error_lines(capsys) == ["grade: error: --max-examples must be a positive number, not 0"]


def test_call_timeout_that_is_not_a_number_is_a_usage_error(tmp_path, capsys):
    assert main([str(tmp_path / "missing"), "--call-timeout", "nan"]) == 2
    (line,) = error_lines(capsys)
    assert line.startswith("grade: error: --call-timeout ")


def test_unknown_assignment_is_named_in_the_error(tmp_path, capsys):
    assert main([str(tmp_path), "--assignment", "nope"]) == 2
    (line,) = error_lines(capsys)
    assert line.startswith("grade: error: ")
    assert "'nope'" in line


def test_single_file_that_is_not_a_notebook_is_a_usage_error(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert main([str(notes)]) == 2
    assert error_lines(capsys) == [
        f"grade: error: {notes} is not a notebook (.ipynb), a Python script (.py), "
        "a zip or a folder of them"]


def test_unknown_profile_is_refused_by_argument_parsing(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main([str(tmp_path), "--profile", "fastest"])
    assert exited.value.code == 2
    assert "invalid choice: 'fastest'" in capsys.readouterr().err


def test_without_solutions_other_max_examples_is_refused_before_grading(tmp_path, capsys):
    (tmp_path / "a.ipynb").write_text('{"metadata": {"grader": {"lesson": "convolutions"}}}')
    assert main([str(tmp_path), "--without-solutions", "--max-examples", "30"]) == 2
    assert error_lines(capsys) == [
        "grade: error: without the reference solutions only the stored inputs can be checked: "
        "use --max-examples 100"
    ]


def two_lessons(folder):
    """A folder with a notebook of each lesson (empty, named in its metadata), convolutions first."""
    for name, lesson in (("a", "convolutions"), ("b", "pixels")):
        (folder / f"{name}.ipynb").write_text(f'{{"metadata": {{"grader": {{"lesson": "{lesson}"}}}}}}')
    return folder


def test_an_exercise_the_second_lesson_lacks_is_refused_before_the_first_is_graded(
        tmp_path, capsys):
    assert main([str(two_lessons(tmp_path)), "--exercise", "convolve"]) == 2
    assert error_lines(capsys) == [
        "grade: error: for the lesson 'pixels': no exercise named convolve; choose from "
        "to_grayscale, crop, brightness, adjust_brightness. These submissions answer 2 lessons "
        "(convolutions, pixels): grade one at a time with --lesson NAME"
    ]
    assert not (tmp_path / "grades").exists()


def test_without_solutions_other_max_examples_in_a_mixed_run_names_the_lesson(tmp_path, capsys):
    assert main([str(two_lessons(tmp_path)), "--without-solutions", "--max-examples", "30"]) == 2
    assert error_lines(capsys) == [
        "grade: error: for the lesson 'convolutions': without the reference solutions only the "
        "stored inputs can be checked: use --max-examples 100. These submissions answer 2 "
        "lessons (convolutions, pixels): grade one at a time with --lesson NAME"
    ]


def test_autograder_for_a_lesson_not_installed_is_a_usage_error(tmp_path, capsys):
    assert main(["autograder", "--lesson", "nope", "--out", str(tmp_path / "a.zip")]) == 2
    (line,) = error_lines(capsys)
    assert line.startswith("grade: error: no lesson named 'nope'; installed: ")
    assert not (tmp_path / "a.zip").exists()


def test_autograder_visibility_must_be_one_gradescope_knows(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["autograder", "--visibility", "sometimes"])
    assert exited.value.code == 2
    assert "argument --visibility: invalid choice: 'sometimes'" in capsys.readouterr().err


def test_autograder_tells_where_it_wrote_the_zip(tmp_path, capsys):
    target = tmp_path / "out" / "autograder.zip"
    assert main(["autograder", "--lesson", "convolutions", "--out", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith(f"Wrote {target} (")
    assert captured.out.splitlines()[0].endswith(
        "files) for the lesson 'convolutions': results visible, the autograder's output hidden.")
    assert captured.err.startswith("Upload it as the autograder of a Gradescope programming "
                                   "assignment")
    assert zipfile.is_zipfile(target)


def test_autograder_takes_sandbox_on_without_asking_this_machine_for_one(tmp_path, monkeypatch,
                                                                         capsys):
    def availability():
        raise AssertionError("the zip's kernels run on Gradescope, not here")

    monkeypatch.setattr(grader.kernel.sandbox, "availability", availability)
    target = tmp_path / "autograder.zip"
    assert main(["autograder", "--lesson", "convolutions", "--out", str(target),
                 "--sandbox", "on"]) == 0
    with zipfile.ZipFile(target) as opened:
        assert json.loads(opened.read("autograder.json"))["settings"]["sandbox"] == "on"


def test_a_mistyped_command_gets_the_command_it_is_close_to(capsys):
    assert main(["chek", "notebook.ipynb"]) == 2
    assert error_lines(capsys) == [
        "grade: error: 'chek' is neither a command nor a file or folder: did you mean `grade "
        "check`? (`grade --help` lists the commands)"]


def test_a_folder_named_like_a_command_is_graded_not_corrected(tmp_path, capsys):
    (tmp_path / "chek").mkdir()
    assert main(["chek"]) == 2  # it exists: a folder to grade, which holds no notebooks
    assert error_lines(capsys) == [
        "grade: error: no notebooks (*.ipynb) or scripts (*.py) found under chek"]


def test_check_of_a_folder_says_it_checks_one_notebook_and_names_it(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "convolutions.ipynb").write_text("{}")
    assert main(["check", str(folder)]) == 2
    assert error_lines(capsys) == [
        f"grade: error: {folder} is a folder: grade check checks one notebook, so name it: "
        f"`grade check {folder / 'convolutions.ipynb'}`; to grade a folder of submissions, run "
        f"`grade {folder}`"]
