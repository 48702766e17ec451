"""Stored inputs and outputs: current with the reference, and reaching the reference's verdicts."""

import dataclasses
import subprocess
import sys

import hypothesis
import numpy as np
import pytest

from grader.authoring.freeze import current_examples, stale_checks
from grader.judge.oracle import make_oracle
from grader.judge.stored import Examples, load_examples, save_examples
from solutions import convolutions as reference

from fake_caller import FakeCaller, checked, reference_oracle, stored_oracle
from test_check import (
    flipped_convolve,
    float32_convolve,
    list_convolve,
    raising_convolve,
    truncating_convolve,
)

STORED = 100  # the final-grading profile's number, which the stored file is made with


def transposed_get_subimages(image, kernel_shape):
    """Each window transposed: right for symmetric windows only, and the wrong shape if not square."""
    return reference.get_subimages(image, kernel_shape).transpose(0, 1, 3, 2)


def short_get_subimages(image, kernel_shape):
    return reference.get_subimages(image, kernel_shape)[:-1, :-1]


def no_demean_template_match(image, template):
    return reference.convolve(image, template)


def integer_convolve(image, kernel):
    return reference.convolve(image, kernel).astype(image.dtype)


# Not mistakes: float32 is within the tolerance, and the reference itself.
PASS_EVERY_CHECK = {"float32 result", "reference get_subimages", "reference convolve",
                    "reference template_match"}
# Every mistake the tests know of, with the exercise it belongs to.
MISTAKES = {
    "transposed slice": ("get_subimages", transposed_get_subimages),
    "one window short": ("get_subimages", short_get_subimages),
    "flipped kernel": ("convolve", flipped_convolve),
    "truncated to int": ("convolve", truncating_convolve),
    "result in the image's dtype": ("convolve", integer_convolve),
    "float32 result": ("convolve", float32_convolve),
    "raises": ("convolve", raising_convolve),
    "returns a list": ("convolve", list_convolve),
    "no de-meaning": ("template_match", no_demean_template_match),
    "reference get_subimages": ("get_subimages", reference.get_subimages),
    "reference convolve": ("convolve", reference.convolve),
    "reference template_match": ("template_match", reference.template_match),
}


def test_stored_outputs_match_the_reference(assignment):
    assert stale_checks(assignment, STORED).problems == ()


def _stored_in(folder, assignment, change):
    """The assignment with its stored file copied to ``folder``, ``change`` applied to each
    sub-check's stored examples (called with the sub-check's key and its examples)."""
    stored = load_examples(assignment.expected_path())
    moved = dataclasses.replace(assignment, folder=folder)
    examples = {key: change(key, found) for key, found in stored.examples.items()}
    save_examples(moved.expected_path(), moved, stored.max_examples, examples, stored.showcases)
    return moved


def _drawn_otherwise(assignment, version):
    """``change`` for ``_stored_in``: "convolve: any kernel" holds other inputs (its own, in
    reverse order, with the reference's outputs), drawn by hypothesis ``version``."""

    def change(key, found):
        if key != ("convolve", "any kernel"):
            return found
        inputs = found.inputs[::-1]
        expected = tuple(reference.convolve(*arguments) for arguments in inputs)
        return dataclasses.replace(found, inputs=inputs, expected=expected,
                                   stand_in_outputs=found.stand_in_outputs[::-1],
                                   drawn_with=version)

    return change


def test_inputs_another_hypothesis_version_drew_stay_current_with_a_note(assignment, tmp_path):
    moved = _stored_in(tmp_path, assignment, _drawn_otherwise(assignment, "6.0.0"))
    found = stale_checks(moved, STORED)
    assert found.problems == ()
    assert len(found.notes) == 1 and "drawn with hypothesis 6.0.0" in found.notes[0]
    assert f"this machine has {hypothesis.__version__}" in found.notes[0]


def test_inputs_this_hypothesis_version_would_not_draw_are_out_of_date(assignment, tmp_path):
    moved = _stored_in(tmp_path, assignment, _drawn_otherwise(assignment, hypothesis.__version__))
    assert stale_checks(moved, STORED).problems == (
        "convolve: any kernel: the sub-check now draws other inputs; run with --redraw",
    )


def test_a_sub_check_that_draws_from_another_strategy_is_out_of_date(assignment):
    from assignments.convolutions import image_and_kernel

    convolve = assignment.exercise("convolve")
    checks = tuple(
        dataclasses.replace(check, inputs=image_and_kernel(symmetric=True))
        if check.name == "any kernel" else check
        for check in convolve.checks
    )
    changed = dataclasses.replace(assignment, exercises=tuple(
        dataclasses.replace(e, checks=checks) if e.name == "convolve" else e
        for e in assignment.exercises
    ))
    assert stale_checks(changed, STORED).problems == (
        "convolve: any kernel: its inputs were drawn from image_and_kernel(), but it now draws "
        "from image_and_kernel(symmetric=True); run with --redraw",
    )


def test_writing_the_file_again_keeps_the_stored_inputs_and_who_drew_them(assignment, tmp_path):
    moved = _stored_in(tmp_path, assignment, _drawn_otherwise(assignment, "6.0.0"))
    before = load_examples(moved.expected_path())
    again = current_examples(moved, STORED, before)
    save_examples(moved.expected_path(), moved, STORED, again)
    after = load_examples(moved.expected_path()).examples
    for (exercise, check), found in before.examples.items():
        sub = next(c for c in moved.exercise(exercise).checks if c.name == check)
        assert after[(exercise, check)].drawn_with == found.drawn_with
        assert after[(exercise, check)].strategy == repr(sub.inputs)
        assert all(
            all(np.array_equal(p, q) for p, q in zip(x, y))
            for x, y in zip(after[(exercise, check)].inputs, found.inputs)
        )
    assert after[("convolve", "any kernel")].drawn_with == "6.0.0"


def test_stored_file_covers_every_sub_check_with_the_final_grading_count(assignment):
    stored = load_examples(assignment.expected_path())
    assert stored.max_examples == STORED
    assert set(stored.examples) == {(e.name, c.name) for e in assignment.exercises for c in e.checks}
    assert all(len(examples.inputs) == STORED for examples in stored.examples.values())


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_stored_outputs_reach_the_reference_verdict_on_every_sub_check(assignment, mistake):
    exercise_name, function = MISTAKES[mistake]
    exercise = next(e for e in assignment.exercises if e.name == exercise_name)
    with_reference, stored = reference_oracle(assignment), stored_oracle(assignment)
    verdicts = []
    for sub in exercise.checks:
        graded = checked(assignment, exercise, sub, FakeCaller(function), STORED, with_reference)
        self_checked = checked(assignment, exercise, sub, FakeCaller(function), STORED, stored)
        assert (sub.name, self_checked.status) == (sub.name, graded.status)
        verdicts.append(graded.status)
    assert all(status == "passed" for status in verdicts) == (mistake in PASS_EVERY_CHECK), verdicts


def test_stored_mode_shows_the_smallest_failing_stored_input(assignment):
    exercise = next(e for e in assignment.exercises if e.name == "convolve")
    sub = next(c for c in exercise.checks if c.name == "any kernel")
    result = checked(assignment, exercise, sub, FakeCaller(flipped_convolve), STORED,
                     stored_oracle(assignment))
    examples = stored_oracle(assignment).examples(exercise, sub, STORED)
    failing_sizes = [
        image.size + kernel.size
        for (image, kernel) in examples.inputs
        if not np.allclose(flipped_convolve(image, kernel), reference.convolve(image, kernel))
    ]
    shown = {name: eval(text, {"np": np}) for name, text in result.counterexample.arguments}
    assert shown["image"].size + shown["kernel"].size == min(failing_sizes)


def test_without_the_reference_a_different_max_examples_is_a_usage_error(assignment):
    from grader.model.errors import UsageError

    exercise = assignment.exercises[0]
    with pytest.raises(UsageError, match="use --max-examples 100"):
        stored_oracle(assignment).examples(exercise, exercise.checks[0], 30)


def test_a_stored_file_round_trips_tuples_and_arrays(tmp_path, assignment):
    examples = {("f", "c"): Examples(
        inputs=((np.arange(6, dtype=np.uint8).reshape(2, 3), (1, 2)),),
        expected=(np.ones((2, 2)),),
    )}
    path = tmp_path / "expected.npz"
    save_examples(path, assignment, 1, examples)
    loaded = load_examples(path).examples[("f", "c")]
    (image, shape), = loaded.inputs
    assert image.dtype == np.uint8 and image.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert shape == (1, 2) and isinstance(shape, tuple)
    assert loaded.expected[0].tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_self_check_never_imports_the_solutions():
    code = (
        "import sys, nbformat\n"
        "from grader import check\n"
        "nb = nbformat.read('tests/notebooks/correct_defs_only.ipynb', as_version=4)\n"
        "namespace = {}\n"
        "exec(nb.cells[1].source, namespace)\n"
        "result = check(namespace=namespace)\n"
        "print(result.score, result.mode, [m for m in sys.modules if m.startswith('solutions')])\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=120, cwd=str(__import__("conftest").ROOT))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "10 stored outputs []"


def test_grading_uses_the_reference_when_it_is_installed(assignment):
    assert make_oracle(assignment).mode == "reference"
    assert make_oracle(assignment, use_reference=False).mode == "stored outputs"


DRAW = (
    "import hashlib\n"
    "{imports}\n"
    "from grader import load_assignment\n"
    "from grader.judge.draws import draw_inputs\n"
    "assignment = load_assignment('convolutions')\n"
    "digest = hashlib.sha256()\n"
    "for exercise in assignment.exercises:\n"
    "    for check in exercise.checks:\n"
    "        for arguments in draw_inputs(exercise, check, 20):\n"
    "            digest.update(repr(arguments).encode())\n"
    "print(digest.hexdigest())\n"
)


def test_draws_do_not_depend_on_which_modules_a_process_has_imported():
    digests = {
        subprocess.run(
            [sys.executable, "-c", DRAW.format(imports=imports)], capture_output=True, text=True,
            timeout=120, check=True, cwd=str(__import__("conftest").ROOT),
        ).stdout
        for imports in (
            "", "import grader.cli, grader.authoring.freeze, solutions.convolutions, bench.self_check")
    }
    assert len(digests) == 1
