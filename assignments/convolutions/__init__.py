"""The convolutions lesson: three functions, checked on generated grayscale images.

Everything the grader needs to know about this lesson is here: function names and parameters,
points per sub-check, how inputs are drawn and how outputs are compared, and which helper calls
stand in when a helper is wrong.

Students usually write ``convolve`` and ``template_match`` on top of their own
``get_subimages``. So that one mistake costs points once, a ``get_subimages`` that fails its own
checks answers correctly while those two are checked, for the call they make on the check's own
inputs: ``get_subimages(image, kernel.shape)`` (see ``grader.assignment.StandIn``). Set
``stand_ins=()`` on an exercise to grade it with the student's helper as it is.
"""

from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from grader.lesson import (
    Assignment,
    Exercise,
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
)
