"""Comparators: equivalent arithmetic passes, wrong values, dtypes and shapes fail with a useful
reason."""

import numpy as np
import pytest
from hypothesis import given, settings

from assignments.convolutions import image_and_kernel
from grader.model.compare import Mismatch, close, exact, same_shape, scalar
from grader.model.errors import AssignmentError
from solutions.convolutions import convolve

from fake_caller import subcheck

quick = settings(max_examples=50, database=None, deadline=None)


@pytest.fixture(scope="module")
def any_kernel(assignment):
    return subcheck(assignment, "convolve", "any kernel")[1].compare


def convolve_in_another_order(image, kernel):
    """Convolution summed with plain floats, last term first."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            terms = [float(image[i + di, j + dj]) * float(kernel[di, dj])
                     for di in range(kh) for dj in range(kw)]
            out[i, j] = sum(reversed(terms))
    return out


@quick
@given(image_and_kernel())
def test_float32_rounding_of_the_reference_passes(arguments):
    expected = convolve(*arguments)
    for compare in (close(rtol=1e-6), close(rtol=1e-5)):
        assert compare(arguments, expected, expected.astype(np.float32)) is None


@quick
@given(image_and_kernel())
def test_float64_noise_from_another_summation_order_passes(arguments):
    compare = close(rtol=1e-5, scale=lambda image, kernel: float(np.abs(image).max() * np.abs(kernel).sum()))
    assert compare(arguments, convolve(*arguments), convolve_in_another_order(*arguments)) is None


def test_rounding_left_by_large_cancelling_terms_passes_thanks_to_the_scale(any_kernel):
    image = np.array([[255, 255]], dtype=np.uint8)
    kernel = np.array([[1.99, -1.99]])
    expected = convolve(image, kernel)  # two terms of about 507 cancel to 0
    float32_noise = np.array([[3e-5]])  # what float32 arithmetic may leave of them
    assert any_kernel((image, kernel), expected, float32_noise) is None
    assert close(rtol=1e-5)((image, kernel), expected, float32_noise) is not None


def test_truncation_to_integers_fails_and_lists_every_differing_value(any_kernel):
    image = np.array([[1, 2], [3, 4]], dtype=np.uint8)
    kernel = np.array([[0.5]])
    expected = convolve(image, kernel)
    mismatch = any_kernel((image, kernel), expected, expected.astype(int))
    assert mismatch == Mismatch(
        "2 of 4 values differ; first at index (0, 0): expected 0.5, got 0", first_difference=(0, 0),
        differing=((0, 0), (1, 0)),
    )


def test_wrong_shape_names_both_shapes():
    mismatch = close()((), np.zeros((3, 2)), np.zeros((2, 3)))
    assert mismatch == Mismatch("returned shape (2, 3), expected shape (3, 2)")


@pytest.mark.parametrize("compare", [close(), same_shape], ids=["close", "same_shape"])
def test_non_numeric_output_is_rejected(compare):
    mismatch = compare((), np.zeros(2), np.array(["0", "0"]))
    assert mismatch == Mismatch("returned an array of <U1 values, expected numbers")


def test_first_differing_index_is_reported():
    expected = np.arange(12.0).reshape(3, 4)
    actual = expected.copy()
    actual[2, 0] += 1
    actual[1, 3] = -7
    mismatch = close()((), expected, actual)
    assert mismatch.first_difference == (1, 3)
    assert mismatch.reason == "2 of 12 values differ; first at index (1, 3): expected 7.0, got -7.0"


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_output_fails(bad):
    expected = np.zeros((2, 2))
    actual = expected.copy()
    actual[1, 1] = bad
    assert close()((), expected, actual).first_difference == (1, 1)


def test_empty_outputs_of_the_same_shape_match():
    assert close()((), np.zeros((0, 3)), np.zeros((0, 3), dtype=np.float32)) is None


def test_same_shape_accepts_any_numbers_of_the_right_shape():
    assert same_shape((), np.zeros((2, 3)), np.full((2, 3), 99, dtype=np.uint8)) is None
    assert same_shape((), np.zeros((2, 3)), np.ones((2, 3), dtype=bool)) is None


def test_same_shape_rejects_the_wrong_shape():
    assert same_shape((), np.zeros((2, 3)), np.zeros((2, 3, 1))) == Mismatch(
        "returned shape (2, 3, 1), expected shape (2, 3)"
    )


# -- exact: picked, not computed -----------------------------------------------------------------


def test_exact_accepts_equal_values_of_the_same_kind_of_dtype():
    expected = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert exact()((), expected, expected.copy()) is None
    assert exact()((), expected, expected.astype(np.int64)) is None  # integers for integers


def test_exact_rejects_the_smallest_difference():
    expected = np.full((2, 2), 0.25)
    actual = expected.copy()
    actual[1, 0] = np.nextafter(0.25, 1)
    mismatch = exact()((), expected, actual)
    assert mismatch.first_difference == (1, 0)
    assert mismatch.reason.startswith("1 of 4 values differ; first at index (1, 0): expected 0.25")


def test_exact_names_a_dtype_of_another_kind():
    expected = np.zeros((2, 2), dtype=np.uint8)
    assert exact()((), expected, np.zeros((2, 2))) == Mismatch(
        "returned float64 values, expected integers (like uint8)"
    )


def test_exact_with_the_same_dtype_says_which_to_keep():
    expected = np.zeros((2, 2), dtype=np.uint8)
    assert exact("same")((), expected, expected.astype(np.int64)) == Mismatch(
        "returned int64 values, expected uint8: keep the dtype uint8"
    )
    assert exact("same")((), expected, expected.copy()) is None


def test_exact_on_any_dtype_compares_only_values():
    expected = np.array([[1, 2]], dtype=np.uint8)
    assert exact("any")((), expected, np.array([[1.0, 2.0]])) is None
    assert exact("any")((), expected, np.array([[1.0, 2.5]])).first_difference == (0, 1)


def test_exact_checks_the_shape_first():
    assert exact()((), np.zeros((2, 3)), np.zeros((3, 2))) == Mismatch(
        "returned shape (3, 2), expected shape (2, 3)"
    )


def test_exact_refuses_an_unknown_dtype_rule():
    with pytest.raises(ValueError, match="dtype must be 'any', 'kind' or 'same'"):
        exact("strict")


def test_exact_nan_never_equals():
    assert exact()((), np.array([np.nan]), np.array([np.nan])).first_difference == (0,)


# -- scalar: one number ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer", [np.array(2.5), np.array(2.5000001), np.array(2.5, dtype=np.float32)],
    ids=["same", "within rtol", "float32"],
)
def test_scalar_accepts_a_number_within_the_tolerance(answer):
    assert scalar()((), np.array(2.5), answer) is None


def test_scalar_shows_both_numbers_plainly_and_how_far_off():
    assert scalar()((), np.array(127.5), np.array(128.0)) == Mismatch(
        "expected 127.5, got 128.0: off by 0.5, more than the 0.000127 allowed"
    )


def test_scalar_says_to_return_the_number_itself_when_it_comes_in_an_array():
    assert scalar()((), np.array(2.5), np.array([2.5])) == Mismatch(
        "returned an array of shape (1,) holding 2.5, expected a single number: return the "
        "number itself, e.g. with float(...) or .item()"
    )


def test_scalar_rejects_several_numbers():
    assert scalar()((), np.array(2.5), np.full((2, 3), 2.5)) == Mismatch(
        "returned an array of shape (2, 3), expected a single number"
    )


def test_scalar_rejects_nan_without_a_distance():
    assert scalar()((), np.array(2.5), np.array(np.nan)) == Mismatch("expected 2.5, got np.nan")


def test_scalar_rejects_text():
    assert scalar()((), np.array(2.5), np.array("2.5")) == Mismatch(
        "returned <U3 values, expected a number"
    )


def test_scalar_on_a_reference_that_returns_an_array_names_the_lessons_mistake():
    with pytest.raises(AssignmentError, match=r"scalar\(\) compares single numbers, but the "
                                              r"reference returned an array of shape \(2,\)"):
        scalar()((), np.zeros(2), np.zeros(2))
