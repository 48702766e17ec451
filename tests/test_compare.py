"""Comparators: equivalent arithmetic passes, wrong values and shapes fail with a useful reason."""

import numpy as np
import pytest
from hypothesis import given, settings

from assignments.convolutions import image_and_kernel
from grader.model.compare import Mismatch, close, same_shape
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
            terms = [float(image[i + k, j + l]) * float(kernel[k, l]) for k in range(kh) for l in range(kw)]
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
