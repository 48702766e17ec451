"""run_check against the real convolutions exercises, with a fake caller instead of a kernel."""

import numpy as np
import pytest

from assignments.convolutions import ASSIGNMENT
from grader.kernel.calls import argument_key
from solutions import convolutions as reference

from fake_caller import FakeCaller, arguments_of, checked, hangs, stored_oracle, subcheck

EXAMPLES = 30  # the "quick" profile's number: enough to find these bugs, fast to run


def check(assignment, exercise_name, check_name, function):
    exercise, sub = subcheck(assignment, exercise_name, check_name)
    caller = FakeCaller(function)
    result = checked(assignment, exercise, sub, caller, EXAMPLES)
    return result, caller


def flipped_convolve(image, kernel):
    return reference.convolve(image, kernel[::-1, ::-1])


def truncating_convolve(image, kernel):
    return reference.convolve(image, kernel).astype(int)


def float32_convolve(image, kernel):
    return reference.convolve(image, kernel).astype(np.float32)


def raising_convolve(image, kernel):
    raise ValueError("kernel too big")


def list_convolve(image, kernel):
    return reference.convolve(image, kernel).tolist()


@pytest.mark.parametrize(
    "exercise_name, check_name",
    [(e.name, c.name) for e in ASSIGNMENT.exercises for c in e.checks],
)
def test_reference_passes_its_own_check(assignment, exercise_name, check_name):
    result, _ = check(assignment, exercise_name, check_name, getattr(reference, exercise_name))
    assert (result.status, result.message, result.counterexample) == ("passed", "", None)
    assert result.points == result.max_points


def test_flipped_kernel_passes_symmetric_kernels(assignment):
    result, _ = check(assignment, "convolve", "symmetric kernels", flipped_convolve)
    assert result.status == "passed"


def test_flipped_kernel_fails_any_kernel_on_a_small_input(assignment):
    result, _ = check(assignment, "convolve", "any kernel", flipped_convolve)
    assert result.status == "failed" and result.points == 0
    example = result.counterexample
    arguments = arguments_of(example)
    image, kernel = arguments["image"], arguments["kernel"]
    # Shrinking reaches a 1x2 kernel on a 1x2 image.
    assert kernel.size <= 2
    assert image.shape[0] <= 2 and image.size <= 12
    expected = reference.convolve(image, kernel)
    assert not np.allclose(flipped_convolve(image, kernel), expected)
    assert np.array_equal(eval(example.expected, {"np": np}), expected)
    assert example.first_difference is not None
    assert result.message == example.reason and "values differ" in example.reason


def test_float32_result_passes_every_convolve_check(assignment):
    for sub in ("output shape", "symmetric kernels", "any kernel"):
        result, _ = check(assignment, "convolve", sub, float32_convolve)
        assert result.status == "passed", (sub, result.message)


def test_truncating_to_integers_fails_the_value_checks(assignment):
    statuses = {
        sub: check(assignment, "convolve", sub, truncating_convolve)[0].status
        for sub in ("output shape", "symmetric kernels", "any kernel")
    }
    assert statuses == {"output shape": "passed", "symmetric kernels": "failed", "any kernel": "failed"}


def test_function_that_raises_fails_with_the_error_message(assignment):
    result, _ = check(assignment, "convolve", "any kernel", raising_convolve)
    assert result.status == "failed"
    assert result.message == "raised ValueError: kernel too big"
    assert result.counterexample.actual == "raised ValueError: kernel too big"


def test_result_that_is_not_an_array_fails_with_the_reason(assignment):
    result, _ = check(assignment, "convolve", "output shape", list_convolve)
    assert result.status == "failed"
    assert result.message == "returned list, not a numpy array"


def test_timeout_gives_status_timeout_and_stops_at_once(assignment):
    result, caller = check(assignment, "convolve", "any kernel", hangs)
    assert result.status == "timeout" and result.points == 0
    assert result.message == "no answer within 10 s"
    assert result.counterexample.reason == "timed out"
    assert len(caller.ran) == 1  # the first batch, of one input, timed out; nothing else ran
    assert [len(batch) for batch in caller.prefetched] == [1]


def test_same_failing_check_gives_the_same_counterexample_twice(assignment):
    first, _ = check(assignment, "convolve", "any kernel", flipped_convolve)
    second, _ = check(assignment, "convolve", "any kernel", flipped_convolve)
    assert first.status == "failed"
    assert first == second


def test_drawn_inputs_reach_the_caller_smallest_first_in_growing_batches(assignment):
    result, caller = check(assignment, "convolve", "any kernel", reference.convolve)
    assert result.status == "passed"
    assert [len(batch) for batch in caller.prefetched] == [1, 4, 16, EXAMPLES - 21]
    sent = [arguments for batch in caller.prefetched for arguments in batch]
    sizes = [sum(np.size(value) for value in arguments) for arguments in sent]
    assert sizes == sorted(sizes)
    # Every input went in those round trips and ran once (hypothesis draws some twice), and
    # nothing else was called.
    assert len(sent) == EXAMPLES
    assert len(caller.ran) == len({argument_key(arguments) for arguments in sent})
    assert caller.called == []


def test_a_function_wrong_on_the_first_input_is_called_once(assignment):
    exercise, sub = subcheck(assignment, "convolve", "output shape")
    caller = FakeCaller(list_convolve)
    result = checked(assignment, exercise, sub, caller, 100, oracle=stored_oracle(assignment))
    assert result.status == "failed" and result.message == "returned list, not a numpy array"
    assert len(caller.ran) == 1
