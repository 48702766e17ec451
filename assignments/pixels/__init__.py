"""The pixels lesson: images as NumPy arrays, the lesson before convolutions.

Four small functions on gray ``(H, W)`` and RGB ``(H, W, 3)`` images, checked on generated
images of at most 10x10 pixels, ``uint8`` (0 to 255) or ``float64`` (0 to 1). Everything the
grader needs to know about the lesson is here; the reference solutions are in
``solutions/pixels.py`` and the solved notebook, from which the handout is made, beside them.
"""

from pathlib import Path

from hypothesis import strategies as st

from grader.lesson import (
    Assignment,
    Exercise,
    Mistake,
    SubCheck,
    arguments,
    close,
    exact,
    image_and_box,
    images,
    same_shape,
    scalar,
)

rgb_images = images(colour="rgb")
uint8_images = images(colour="either", dtypes=("uint8",))  # gray or RGB

ASSIGNMENT = Assignment(
    name="pixels",
    folder=Path(__file__).parent,
    notebook="pixels.ipynb",
    data_files=("hopper.png",),
    reference="solutions.pixels",
    exercises=(
        Exercise(
            name="to_grayscale",
            parameters=("image",),
            checks=(
                SubCheck(
                    "output shape",
                    "The result has one value per pixel: shape (H, W) for an (H, W, 3) image.",
                    1,
                    arguments(rgb_images),
                    same_shape,
                ),
                SubCheck(
                    "uint8 images",
                    "Each value is 0.299 * red + 0.587 * green + 0.114 * blue, for uint8 images.",
                    1,
                    arguments(images(colour="rgb", dtypes=("uint8",))),
                    close(),
                ),
                SubCheck(
                    "float images",
                    "The same weighted sum for float images with values from 0 to 1.",
                    1,
                    arguments(images(colour="rgb", dtypes=("float64",))),
                    close(),
                ),
            ),
        ),
        Exercise(
            name="crop",
            parameters=("image", "top", "left", "height", "width"),
            checks=(
                SubCheck(
                    "square boxes",
                    "A square box of a gray image: the right pixels, in the image's dtype.",
                    1,
                    image_and_box(square=True),
                    exact(dtype="same"),
                ),
                SubCheck(
                    "any box",
                    "Any box of a gray image: height counts rows, width counts columns.",
                    1,
                    image_and_box(),
                    exact(dtype="same"),
                ),
                SubCheck(
                    "colour images",
                    "A box of an RGB image keeps all three channels of every pixel in it.",
                    1,
                    image_and_box(rgb_images),
                    exact(dtype="same"),
                ),
            ),
        ),
        Exercise(
            name="brightness",
            parameters=("image",),
            checks=(
                SubCheck(
                    "gray images",
                    "The mean of all pixel values, as a single number.",
                    1,
                    arguments(images()),
                    scalar(),
                ),
                SubCheck(
                    "colour images",
                    "For an RGB image, the mean over every pixel and every channel.",
                    1,
                    arguments(rgb_images),
                    scalar(),
                ),
            ),
        ),
        Exercise(
            name="adjust_brightness",
            parameters=("image", "amount"),
            checks=(
                SubCheck(
                    "brighter",
                    "Adding a positive amount: values that would pass 255 stop at 255, and the "
                    "result is uint8.",
                    1,
                    arguments(uint8_images, st.integers(1, 255)),
                    exact(dtype="same"),
                ),
                SubCheck(
                    "darker",
                    "Adding a negative amount: values that would drop below 0 stop at 0.",
                    1,
                    arguments(uint8_images, st.integers(-255, -1)),
                    exact(dtype="same"),
                ),
            ),
        ),
    ),
    mistakes=tuple(
        Mistake(exercise, name, description, f"solutions.pixels_mistakes:{function}")
        for exercise, name, function, description in (
            ("to_grayscale", "plain mean", "gray_plain_mean",
             "The three channels are averaged with equal weights."),
            ("to_grayscale", "weights reversed", "gray_weights_reversed",
             "The weights are taken in BGR order."),
            ("to_grayscale", "wrong axis", "gray_over_rows",
             "The weighted sum runs over rows instead of channels."),
            ("to_grayscale", "truncated", "gray_truncated",
             "The gray values are stored in the image's uint8 dtype."),
            ("crop", "one short", "crop_one_short",
             "The box loses its last row and column."),
            ("crop", "corner swapped", "crop_rows_and_columns_swapped",
             "The box's corner is taken column first."),
            ("crop", "height and width swapped", "crop_height_and_width_swapped",
             "height counts columns and width rows."),
            ("crop", "as float", "crop_as_float",
             "The box comes back as float, not in the image's dtype."),
            ("brightness", "per channel", "brightness_per_channel",
             "A colour image gets one mean per channel instead of one number."),
            ("brightness", "first row", "brightness_of_first_row",
             "Only the first row is averaged."),
            ("adjust_brightness", "wraparound", "brighten_with_wraparound",
             "The amount is added in uint8, so values wrap around past 255."),
            ("adjust_brightness", "not clipped below", "brighten_without_clipping_below",
             "Values are clipped at 255 but wrap around below 0."),
            ("adjust_brightness", "int16 result", "brighten_as_int",
             "The result is not converted back to uint8."),
        )
    ),
)
