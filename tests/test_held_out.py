"""Grades that cannot be bought: final grading tries held-out inputs besides the public ones.

The public inputs and their expected outputs ship with every release (a self-check needs them),
so a notebook can answer them from that table. Final grading also draws, per notebook, inputs no
student has seen, from the lesson's secret: a table answers none of them.
"""

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from grader import PROFILES, load_assignment
from grader.authoring.release import write_release
from grader.cli.main import main
from grader.judge.exercises import check_until_lost
from grader.judge.oracle import Oracle, make_oracle
from grader.judge.stored import load_examples
from grader.model.errors import AssignmentError
from grader.model.secret import held_out_seed, make_secret, read_secret
from grader.model.values import argument_key

from fake_caller import ByName, FakeCaller
from lookup import found_lookup, pasted_lookup

LESSONS = ("convolutions", "pixels")


def _table_functions(assignment):
    """Each exercise answered from the lesson's stored file, zeros otherwise: in this process."""
    stored = load_examples(assignment.expected_path())
    table = {(exercise, argument_key(arguments)): output
             for (exercise, _), found in stored.examples.items()
             for arguments, output in zip(found.inputs, found.expected)}

    def answering(name):
        return lambda *arguments: table.get((name, argument_key(arguments)), np.zeros((1, 1)))

    return {exercise.name: answering(exercise.name) for exercise in assignment.exercises}


def _checked(assignment, functions, oracle, settings=PROFILES["thorough"]):
    class Defines(ByName):
        def inspect(self, names):
            return {name: "callable" for name in names}, []

    caller = Defines({name: FakeCaller(function) for name, function in functions.items()})
    return check_until_lost(assignment, caller, oracle, settings).exercises


# -- held-out inputs, in this process ------------------------------------------------------------


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_table_of_the_public_answers_passes_every_public_input_and_fails_the_held_out_ones(
        lesson):
    assignment = load_assignment(lesson)
    oracle = make_oracle(assignment).for_notebook("a notebook")
    assert oracle.holds_out
    exercises = _checked(assignment, _table_functions(assignment), oracle)
    for exercise in exercises:
        assert exercise.points < exercise.max_points, exercise.name
        for check in exercise.checks:
            assert check.status == "failed" and check.held_out, (exercise.name, check.name)
            assert "only final grading tries" in check.note


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_reference_passes_its_held_out_inputs(lesson):
    assignment = load_assignment(lesson)
    oracle = make_oracle(assignment).for_notebook("another notebook")
    exercises = _checked(assignment, assignment.reference_functions(), oracle)
    assert all(check.status == "passed" and not check.held_out
               for exercise in exercises for check in exercise.checks)


def test_the_same_notebook_meets_the_same_held_out_inputs_and_another_notebook_others(assignment):
    exercise = assignment.exercise("convolve")
    check = exercise.checks[2]
    oracle = make_oracle(assignment)
    first = oracle.for_notebook("digest one").held_out(exercise, check, 25)
    again = oracle.for_notebook("digest one").held_out(exercise, check, 25)
    other = oracle.for_notebook("digest two").held_out(exercise, check, 25)
    keys = [argument_key(arguments) for arguments in first.inputs]
    assert keys == [argument_key(arguments) for arguments in again.inputs]
    assert keys != [argument_key(arguments) for arguments in other.inputs]
    public = {argument_key(arguments)
              for arguments in oracle.examples(exercise, check, 100).inputs}
    # Most are unseen (tiny inputs can repeat; how many depends on the hypothesis version).
    assert len(set(keys) - public) > len(keys) // 2


def test_held_out_inputs_need_the_reference_and_the_secret(assignment):
    stored = load_examples(assignment.expected_path())
    exercise = assignment.exercise("convolve")
    without_reference = Oracle(assignment, None, stored, b"s" * 64)
    without_secret = Oracle(assignment, assignment.reference_functions(), stored, None)
    for oracle in (without_reference, without_secret):
        assert not oracle.holds_out
        assert oracle.held_out(exercise, exercise.checks[0], 25) is None


def test_a_failing_held_out_input_can_be_kept_from_the_feedback(assignment):
    oracle = make_oracle(assignment).for_notebook("a notebook")
    settings = PROFILES["thorough"].replace(hide_held_out=True)
    exercises = _checked(assignment, _table_functions(assignment), oracle, settings)
    checks = [check for exercise in exercises for check in exercise.checks]
    assert all(check.held_out and check.counterexample is None for check in checks)
    assert all("it is not shown yet" in check.message for check in checks)


def test_the_seed_depends_on_every_part_and_on_the_secret():
    seeds = {held_out_seed(b"secret", "a", "b"), held_out_seed(b"secret", "ab", ""),
             held_out_seed(b"other", "a", "b"), held_out_seed(b"secret", "a", "c")}
    assert len(seeds) == 4


def test_a_lesson_secret_is_made_once_and_read_back(tmp_path):
    path = tmp_path / "lesson.secret"
    assert make_secret(path) and not make_secret(path)
    assert len(read_secret(path)) == 64
    assert read_secret(tmp_path / "none.secret") is None
    path.write_text("short\n")
    with pytest.raises(AssignmentError, match="grade freeze"):
        read_secret(path)


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_student_release_holds_no_secret_and_no_reference(lesson, tmp_path):
    assignment = load_assignment(lesson)
    files = write_release(assignment, tmp_path / "release")
    assert not [path for path in files if path.suffix == ".secret" or "solutions" in path.parts]


def test_the_audit_finds_no_mistake_that_only_held_out_inputs_catch():
    from grader.authoring.audit import audit_lesson

    audit = audit_lesson(load_assignment("pixels"), 100)
    # A mistake some held-out set misses but the public inputs catch fails a self-check too.
    assert audit.agreement()["held-out only"] == 0


# -- notebooks that answer from the answer key, in real kernels -------------------------------


def _grade(notebooks, out: Path, *more: str) -> dict[str, dict]:
    code = main([*map(str, notebooks), "--out", str(out), "--jobs", "2", "--force", *more])
    assert code == 0
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


@pytest.mark.kernel
@pytest.mark.parametrize("lesson", LESSONS)
def test_the_release_answer_key_pasted_in_earns_no_exercise_in_full(lesson, tmp_path):
    assignment = load_assignment(lesson)
    names = [exercise.name for exercise in assignment.exercises]
    release = tmp_path / "release"
    write_release(assignment, release)
    notebook = pasted_lookup(lesson, release / "assignments" / lesson / "expected.npz", names,
                             tmp_path / "pasted.ipynb")
    row = _grade([notebook], tmp_path / "out")["pasted"]
    for exercise in assignment.exercises:
        assert float(row[exercise.name]) < exercise.points, exercise.name
    assert row["held_out_only"], "the gradebook names what passes only the public inputs"
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Passes what students can see, fails what they cannot" in report
    assert "pasted/feedback.html" in report.split("fails what they cannot")[1]


@pytest.mark.kernel
def test_the_answer_key_looked_for_at_run_time_earns_no_exercise_in_full(assignment, tmp_path):
    names = [exercise.name for exercise in assignment.exercises]
    notebook = found_lookup("convolutions", names, tmp_path / "found.ipynb")
    row = _grade([notebook], tmp_path / "out")["found"]
    for exercise in assignment.exercises:
        assert float(row[exercise.name]) < exercise.points, exercise.name


@pytest.mark.kernel
def test_both_lookups_earn_no_exercise_in_full_on_a_dask_cluster(tmp_path):
    """On the cluster's workers too: the pasted answer key of convolutions, and a pixels
    notebook that looks for its lesson's file as it runs."""
    pytest.importorskip("distributed")
    pixels = load_assignment("pixels")
    convolutions = load_assignment("convolutions")
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    pasted_lookup("convolutions", convolutions.expected_path(),
                  [e.name for e in convolutions.exercises], submissions / "pasted.ipynb")
    found_lookup("pixels", [e.name for e in pixels.exercises], submissions / "found.ipynb")
    out = tmp_path / "out"
    assert main([str(submissions), "--out", str(out), "--cluster", "local:2", "--defs-only"]) == 0
    for lesson, name in ((convolutions, "pasted"), (pixels, "found")):
        with (out / lesson.name / "grades.csv").open(newline="", encoding="utf-8") as handle:
            row = {r["submission"]: r for r in csv.DictReader(handle)}[name]
        for exercise in lesson.exercises:
            assert float(row[exercise.name]) < exercise.points, (lesson.name, exercise.name)


def test_a_held_out_failure_is_kept_through_json():
    from grader.model.results import CheckResult, ExerciseResult, SubmissionResult, result_from_json

    check = CheckResult("convolve", "any kernel", "", 1, "failed", held_out=True)
    result = SubmissionResult("s", "s.ipynb", "graded", (ExerciseResult("convolve", (check,)),))
    back = result_from_json(result.to_json())
    assert back.exercises[0].checks[0].held_out
    assert dataclasses.replace(back, timings=result.timings) == result
