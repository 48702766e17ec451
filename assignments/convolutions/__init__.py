"""The convolutions lesson: three functions, checked on generated grayscale images.

Everything the grader needs to know about this lesson is here: function names and parameters,
points per sub-check, how inputs are drawn and how outputs are compared, and which helper calls
stand in when a helper is wrong.

Students usually write ``convolve`` and ``template_match`` on top of their own
``get_subimages``. So that one mistake costs points once, a ``get_subimages`` that fails its own
checks answers correctly while those two are checked, for the call they make on the check's own
inputs: ``get_subimages(image, kernel.shape)`` (see ``grader.assignment.StandIn``). Set
``stand_ins=()`` on an exercise to grade it with the student's helper as it is.

The feedback also shows what each function makes of the lesson's photo, beside what the reference
makes of it (``SHOWCASES``, see ``grader.model.showcase``): on the photo at a fifth of its size,
so that a function that loops over every pixel answers in a few hundredths of a second.
"""

from functools import cache
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from grader.lesson import (
    Assignment,
    Exercise,
    Mistake,
    Showcase,
    StandIn,
    SubCheck,
    close,
    image_and_kernel,
    image_and_patch,
    image_and_window,
    same_shape,
)

# Images are grayscale, uint8 or float64, 1 to 10 pixels a side (``grader.lesson.images()``);
# kernels hold values from -2 to 2 with two decimals, so a counterexample reads well. These
# sub-checks keep their own names, under which their inputs are stored (see expected.npz).


@st.composite
def image_and_shape(draw, square=False):
    """An image and a window shape that fits in it: the arguments of ``get_subimages``."""
    return draw(image_and_window(square=square))


@st.composite
def image_and_cut_template(draw):
    """An image and a template cut out of it: what template matching is meant for."""
    return draw(image_and_patch())


def _convolve_scale(image, kernel):
    return float(np.abs(image).max() * np.abs(kernel).sum())


def _match_scale(image, template):
    template = template.astype(np.float64)
    return float(np.ptp(image) * np.abs(template - template.mean()).sum())


exact_values = close(rtol=1e-6)

# The call convolve(image, kernel) makes: get_subimages(image, kernel.shape); the same for
# template_match(image, template).
_windows_of_the_call = StandIn(
    "get_subimages",
    lambda image, kernel: (image, kernel.shape),
    call="get_subimages(image, kernel.shape)",
)
_windows_of_the_template_call = StandIn(
    "get_subimages",
    lambda image, template: (image, template.shape),
    call="get_subimages(image, template.shape)",
)

@cache
def _photo() -> np.ndarray:
    """The lesson's photo, read as the notebook reads it: 600x512 grey levels, uint8."""
    import imageio.v3 as iio

    return iio.imread(Path(__file__).parent / "dubs.jpg", mode="L")


SHRINK = 5  # the showcases' photo is this many times smaller than the notebook's, each way


@cache
def _small_photo() -> np.ndarray:
    """The photo at a fifth of its size, 120x102 uint8: each pixel the mean of a 5x5 block."""
    photo = _photo()
    height, width = photo.shape[0] // SHRINK, photo.shape[1] // SHRINK
    blocks = photo[: height * SHRINK, : width * SHRINK].reshape(height, SHRINK, width, SHRINK)
    return blocks.mean(axis=(1, 3)).round().astype(np.uint8)


BOX_BLUR = np.ones((3, 3)) / 9
SHARPEN = 2 * np.pad([[1.0]], 1) - BOX_BLUR  # twice the one-in-the-middle kernel, minus the blur
EDGES = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # not symmetric
EYE = (slice(176, 216), slice(196, 236))  # a 40x40 crop of the photo around the left eye
WINDOW, WINDOW_SHAPE = (8, 18), (12, 12)  # off the diagonal, so a transposed slice shows
# The notebook's `dubs_eye`, the 50x50 patch of the cap at row 50, column 300, made as small.
PATCH = (slice(50 // SHRINK, 100 // SHRINK), slice(300 // SHRINK, 350 // SHRINK))


def _best_match(arguments, match) -> tuple[int, int, int, int]:
    row, column = np.unravel_index(np.nanargmax(match), np.shape(match))
    return (int(row), int(column), *arguments[1].shape)


def _convolve_showcase(title: str, kernel: np.ndarray, caption: str) -> Showcase:
    return Showcase("convolve", title, lambda: (_small_photo(), kernel), caption)


SHOWCASES = (
    Showcase(
        "get_subimages",
        f"The window at row {WINDOW[0]}, column {WINDOW[1]}",
        lambda: (_photo()[EYE], WINDOW_SHAPE),
        f"A 40x40 crop of the photo around the left eye, and its {WINDOW_SHAPE[0]}x"
        f"{WINDOW_SHAPE[1]} window whose top-left corner is at row {WINDOW[0]}, column "
        f"{WINDOW[1]} (boxed): `get_subimages(image, {WINDOW_SHAPE})[{WINDOW[0]}, {WINDOW[1]}]`.",
        shown=lambda arguments, windows: windows[WINDOW],
        box=lambda arguments, windows: (*WINDOW, *arguments[1]),
    ),
    _convolve_showcase(
        "Box blur (3x3)", BOX_BLUR,
        "Each pixel becomes the mean of the 3x3 pixels under the kernel: fine detail such as "
        "the stars on the flag softens.",
    ),
    _convolve_showcase(
        "Sharpen", SHARPEN,
        "Twice the one-in-the-middle kernel minus the box blur: edges get crisper. Values go "
        "below 0 and above 255, so a result kept in the image's uint8 wraps around.",
    ),
    _convolve_showcase(
        "Vertical edges (a kernel that is not symmetric)", EDGES,
        "Light where the photo gets darker from left to right, dark where it gets lighter. "
        "Turned by 180 degrees this kernel is its own negative, so a convolve that flips the "
        "kernel swaps light and dark.",
    ),
    Showcase(
        "template_match",
        "Finding the patch of the cap",
        lambda: (_small_photo(), _small_photo()[PATCH].copy()),
        f"The notebook's patch of the cap (made as small, {50 // SHRINK}x{50 // SHRINK}) "
        "searched for in the photo: the brightest point of the match map is where it fits best, "
        "boxed on the photo.",
        box=_best_match,
        inputs=(0, 1),
    ),
)

ASSIGNMENT = Assignment(
    name="convolutions",
    folder=Path(__file__).parent,
    notebook="convolutions.ipynb",
    data_files=("dubs.jpg",),
    reference="solutions.convolutions",
    exercises=(
        Exercise(
            name="get_subimages",
            parameters=("image", "kernel_shape"),
            checks=(
                SubCheck(
                    "output shape",
                    "The result has shape (H - kh + 1, W - kw + 1, kh, kw).",
                    1,
                    image_and_shape(),
                    same_shape,
                ),
                SubCheck(
                    "square windows",
                    "Each window holds the right pixels, for square images and kernels.",
                    1,
                    image_and_shape(square=True),
                    exact_values,
                ),
                SubCheck(
                    "rectangular windows",
                    "Each window holds the right pixels when image and kernel are not square.",
                    1,
                    image_and_shape(),
                    exact_values,
                ),
            ),
        ),
        Exercise(
            name="convolve",
            parameters=("image", "kernel"),
            checks=(
                SubCheck(
                    "output shape",
                    "The result shrinks by the kernel's shape: (H - kh + 1, W - kw + 1).",
                    1,
                    image_and_kernel(),
                    same_shape,
                ),
                SubCheck(
                    "symmetric kernels",
                    "Values are right for kernels that look the same rotated by 180 degrees.",
                    1,
                    image_and_kernel(symmetric=True),
                    close(rtol=1e-5, scale=_convolve_scale),
                ),
                SubCheck(
                    "any kernel",
                    "Values are right for any kernel: asymmetric, even-sized, 1x1 up to "
                    "the image's size (the kernel is not flipped).",
                    1,
                    image_and_kernel(),
                    close(rtol=1e-5, scale=_convolve_scale),
                ),
            ),
            stand_ins=(_windows_of_the_call,),
        ),
        Exercise(
            name="template_match",
            parameters=("image", "template"),
            checks=(
                SubCheck(
                    "output shape",
                    "The result has one value per template position: (H - th + 1, W - tw + 1).",
                    1,
                    image_and_kernel(),
                    same_shape,
                ),
                SubCheck(
                    "template from the image",
                    "Values are right when the template is cut out of the image.",
                    1,
                    image_and_cut_template(),
                    close(rtol=1e-5, scale=_match_scale),
                ),
                SubCheck(
                    "any template",
                    "Values are right for any template, with template and window de-meaned.",
                    2,
                    image_and_kernel(),
                    close(rtol=1e-5, scale=_match_scale),
                ),
            ),
            stand_ins=(_windows_of_the_template_call,),
        ),
    ),
    mistakes=tuple(
        Mistake(exercise, name, description, f"solutions.convolutions_mistakes:{function}")
        for exercise, name, function, description in (
            ("get_subimages", "one window short", "windows_one_short",
             "The loops run to H - kh and W - kw, missing the last row and column of windows."),
            ("get_subimages", "height for width", "windows_height_for_width",
             "The image's height bounds both loops, as if every image were square."),
            ("get_subimages", "windows transposed", "windows_transposed",
             "Each window is transposed."),
            ("get_subimages", "kernel shape swapped", "windows_kernel_shape_swapped",
             "The window's height and width are taken the wrong way round."),
            ("get_subimages", "image made uint8", "windows_of_uint8",
             "The image is converted to uint8, so a float image's pixels become 0."),
            ("convolve", "flipped kernel", "flipped_kernel",
             "The kernel is turned half a turn, as the textbook convolution does."),
            ("convolve", "transposed kernel", "transposed_kernel",
             "The kernel is transposed."),
            ("convolve", "mean, not sum", "mean_not_sum",
             "Each window's products are averaged instead of added up."),
            ("convolve", "same-size output", "same_size_output",
             "The image is padded with zeros so that the output keeps its size."),
            ("convolve", "integer result", "integer_result",
             "The result is stored in an integer array."),
            ("convolve", "result in the image's dtype", "result_in_image_dtype",
             "The result has the image's dtype, so a uint8 image wraps it."),
            ("template_match", "no de-meaning", "no_demeaning",
             "Neither the template nor the windows are de-meaned: plain convolution."),
            ("template_match", "flipped template", "flipped_template",
             "The template is turned half a turn, as textbook convolution turns a kernel."),
            ("template_match", "squared differences", "squared_differences",
             "The sum of squared differences between window and template, another measure."),
            ("template_match", "normalised", "normalised_correlation",
             "Each value is divided by the norms of the window and the template."),
            ("template_match", "uint8 products", "uint8_products",
             "The sum of products is taken in a uint8 template's own dtype, which wraps."),
        )
    ),
    showcases=SHOWCASES,
)
