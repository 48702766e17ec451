"""The ready strategies draw what they promise: shapes, dtypes, ranges, boxes inside the image."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import grader.lesson
from grader.lesson import (
    MAX_SIDE,
    arguments,
    boxes,
    image_and_box,
    image_and_kernel,
    image_and_patch,
    image_and_window,
    images,
    kernels,
    window_shapes,
)

quick = settings(max_examples=60, database=None, deadline=None)


def assert_pixels_in_range(image):
    if image.dtype == np.uint8:
        return
    assert image.dtype in (np.float64, np.float32)
    assert ((0 <= image) & (image <= 1)).all()
    # two decimals, so a counterexample reads well
    assert np.allclose(image, np.round(image.astype(np.float64), 2), rtol=0, atol=1e-7)


@quick
@given(images())
def test_images_are_small_gray_uint8_or_float64_by_default(image):
    assert image.ndim == 2
    assert 1 <= min(image.shape) and max(image.shape) <= MAX_SIDE
    assert image.dtype in (np.uint8, np.float64)
    assert_pixels_in_range(image)


@quick
@given(images(colour="rgb", dtypes=(np.float32,), min_side=2, max_side=4))
def test_rgb_images_have_three_channels_and_the_asked_dtype_and_sides(image):
    assert image.ndim == 3 and image.shape[2] == 3
    assert 2 <= min(image.shape[:2]) and max(image.shape[:2]) <= 4
    assert image.dtype == np.float32
    assert_pixels_in_range(image)


def test_either_colour_draws_both_gray_and_rgb_images():
    seen = set()

    @settings(max_examples=60, database=None, deadline=None)
    @given(images(colour="either"))
    def collect(image):
        seen.add(image.ndim)

    collect()
    assert seen == {2, 3}


def test_the_default_dtypes_are_both_drawn():
    seen = set()

    @settings(max_examples=60, database=None, deadline=None)
    @given(images())
    def collect(image):
        seen.add(image.dtype)

    collect()
    assert seen == {np.dtype(np.uint8), np.dtype(np.float64)}


@quick
@given(images(square=True, colour="rgb"))
def test_square_images_have_equal_sides(image):
    assert image.shape[0] == image.shape[1]


@quick
@given(st.data(), images(colour="either"), st.booleans())
def test_window_shapes_fit_in_the_image(data, image, square):
    height, width = data.draw(window_shapes(image.shape, square=square))
    assert 1 <= height <= image.shape[0] and 1 <= width <= image.shape[1]
    if square:
        assert height == width


@quick
@given(kernels(window_shapes((6, 4))))
def test_kernels_are_float64_with_short_values_in_range(kernel):
    assert kernel.dtype == np.float64
    assert 1 <= kernel.shape[0] <= 6 and 1 <= kernel.shape[1] <= 4
    assert ((-2 <= kernel) & (kernel <= 2)).all()
    assert np.array_equal(kernel, np.round(kernel, 2))


@quick
@given(kernels((3, 4), symmetric=True))
def test_symmetric_kernels_are_unchanged_by_a_half_turn(kernel):
    assert kernel.shape == (3, 4)
    assert np.array_equal(kernel, kernel[::-1, ::-1])


@quick
@given(st.data(), images(colour="either"), st.booleans())
def test_boxes_lie_inside_the_image(data, image, square):
    top, left, height, width = data.draw(boxes(image.shape, square=square))
    assert all(isinstance(value, int) for value in (top, left, height, width))
    assert height >= 1 and width >= 1 and top >= 0 and left >= 0
    assert top + height <= image.shape[0] and left + width <= image.shape[1]
    if square:
        assert height == width


@quick
@given(image_and_box(images(colour="rgb")))
def test_image_and_box_is_five_arguments_with_the_box_inside_the_image(drawn):
    assert len(drawn) == 5
    image, top, left, height, width = drawn
    assert image.ndim == 3
    assert top + height <= image.shape[0] and left + width <= image.shape[1]


@quick
@given(image_and_window(square=True))
def test_image_and_window_gives_a_window_that_fits(drawn):
    image, (height, width) = drawn
    assert height == width <= min(image.shape)


@quick
@given(image_and_kernel(symmetric=True))
def test_image_and_kernel_gives_a_kernel_no_larger_than_the_image(drawn):
    image, kernel = drawn
    assert kernel.shape[0] <= image.shape[0] and kernel.shape[1] <= image.shape[1]
    assert np.array_equal(kernel, kernel[::-1, ::-1])


@quick
@given(image_and_patch(images(dtypes=("uint8",))))
def test_image_and_patch_gives_a_copy_of_a_piece_of_the_image(drawn):
    image, patch = drawn
    assert patch.dtype == image.dtype and not np.shares_memory(patch, image)
    windows = np.lib.stride_tricks.sliding_window_view(image, patch.shape)
    assert (windows == patch).all(axis=(2, 3)).any()


@quick
@given(arguments(images(dtypes=(np.uint8,)), st.integers(-5, 5)))
def test_arguments_draws_one_value_per_part_as_a_tuple(drawn):
    assert isinstance(drawn, tuple) and len(drawn) == 2
    image, amount = drawn
    assert image.dtype == np.uint8 and -5 <= amount <= 5


def test_strategies_print_as_they_are_written():
    assert repr(images(colour="rgb")) == "images(colour='rgb')"
    assert repr(images(dtypes=("uint8",))) == "images(dtypes=('uint8',))"
    assert repr(image_and_kernel(symmetric=True)) == "image_and_kernel(symmetric=True)"
    assert repr(image_and_box()) == "image_and_box()"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: images(colour="grey"), "images(colour='grey'): colour must be one of gray, rgb, "
                                        "either"),
        (lambda: images(dtypes=(np.int16,)), "give a non-empty sequence of dtypes from uint8, "
                                             "float64, float32"),
        (lambda: images(dtypes=()), "give a non-empty sequence of dtypes"),
        (lambda: images(dtypes="uint8"), "such as ('uint8',)"),
        (lambda: images(min_side=3, max_side=2), "image sides must satisfy 1 <= min_side <= "
                                                 "max_side, not min_side=3, max_side=2"),
        (lambda: image_and_box(np.zeros((3, 3))), "expected a strategy of images"),
        (lambda: arguments(images(), 5), "part 2 is 5, not a strategy; use st.just(value)"),
    ],
    ids=["colour", "dtype", "no dtypes", "one string", "sides", "image not a strategy",
         "part not a strategy"],
)
def test_a_mistake_in_a_lessons_strategy_is_refused_when_it_is_written(make, message):
    with pytest.raises(ValueError) as raised:
        make()
    assert message in str(raised.value)


def test_an_unknown_parameter_is_refused_when_the_strategy_is_written():
    with pytest.raises(TypeError, match=r"images\(...\): got an unexpected keyword argument"):
        images(squre=True)


def test_a_window_of_an_empty_image_is_refused_with_its_shape():
    @settings(max_examples=1, database=None, deadline=None)
    @given(st.data())
    def draw(data):
        data.draw(window_shapes((0, 3)))

    with pytest.raises(ValueError, match=r"at least 1, not \(0, 3\)"):
        draw()


def test_the_lesson_facade_only_re_exports():
    public = {name for name in vars(grader.lesson) if not name.startswith("_")}
    assert public == set(grader.lesson.__all__)
    for name in grader.lesson.__all__:
        value = getattr(grader.lesson, name)
        assert getattr(value, "__module__", "grader.model") != "grader.lesson", name
