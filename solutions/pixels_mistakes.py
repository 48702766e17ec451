"""Typical wrong answers to the pixels lesson, which its sub-checks must fail.

Each is a student's function with one mistake seen in first attempts at images as arrays; the
lesson declares them (``Assignment.mistakes``) and ``grade audit`` fails when a sub-check lets
one through. Near-copies of the reference, they stay here with it, out of students' kernels'
reach. Each calls the reference for what it does not get wrong, so it holds exactly one mistake.
"""

import numpy as np

from solutions.pixels import BLUE, GREEN, RED, adjust_brightness, brightness, crop, to_grayscale


def gray_plain_mean(image):
    """The three channels averaged with equal weights."""
    return np.asarray(image, dtype=np.float64).mean(axis=2)


def gray_weights_reversed(image):
    """The weights taken in BGR order, as some libraries store the channels."""
    return to_grayscale(np.asarray(image)[:, :, ::-1])


def gray_over_rows(image):
    """The weighted sum taken along the wrong axis: over rows instead of channels."""
    image = np.asarray(image, dtype=np.float64)
    weights = np.zeros(image.shape[0])
    weights[:3] = (RED, GREEN, BLUE)[: image.shape[0]]
    return np.tensordot(weights, image, axes=(0, 0))


def gray_truncated(image):
    """The gray values stored in the image's uint8 dtype, losing their fractions."""
    return to_grayscale(image).astype(np.asarray(image).dtype)


def crop_one_short(image, top, left, height, width):
    """``image[top:top + height - 1, ...]``: the last row and column of the box are missing."""
    return crop(image, top, left, height - 1, width - 1)


def crop_rows_and_columns_swapped(image, top, left, height, width):
    """``image[left:..., top:...]``: the box's corner taken column first."""
    return crop(image, left, top, height, width)


def crop_height_and_width_swapped(image, top, left, height, width):
    """``height`` used for the columns and ``width`` for the rows."""
    return crop(image, top, left, width, height)


def crop_as_float(image, top, left, height, width):
    """The box converted to float, so a uint8 image comes back in another dtype."""
    return crop(image, top, left, height, width).astype(np.float64)


def brightness_per_channel(image):
    """One mean per channel of a colour image, instead of one number."""
    image = np.asarray(image, dtype=np.float64)
    return image.mean(axis=(0, 1)) if image.ndim == 3 else brightness(image)


def brightness_of_first_row(image):
    """The mean of the first row only (``image[0].mean()``)."""
    return brightness(np.asarray(image)[0])


def brighten_with_wraparound(image, amount):
    """The amount added in uint8, so 250 + 10 wraps around to 4."""
    return (image + np.uint8(amount % 256)).astype(np.uint8)


def brighten_without_clipping_below(image, amount):
    """Clipped at 255 only: darkening wraps below 0."""
    total = image.astype(np.int16) + amount
    return np.minimum(total, 255).astype(np.uint8)


def brighten_as_int(image, amount):
    """Clipped correctly, but returned as int16 instead of uint8."""
    return adjust_brightness(image, amount).astype(np.int16)
