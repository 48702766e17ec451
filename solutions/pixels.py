"""Reference solutions for the pixels lesson.

These run only in the grader's own process; they never enter a student's kernel. Their outputs
are stored with the lesson and checked bit for bit (``grade freeze --check``), so each is
computed in a way that gives the same bits on every machine: element by element, with no
library summation whose order may vary.
"""

import math

import numpy as np

# How much red, green and blue each count towards the brightness a person sees (ITU-R BT.601)
RED, GREEN, BLUE = 0.299, 0.587, 0.114


def to_grayscale(image):
    """An (H, W, 3) RGB image as an (H, W) float64 gray image: the weighted sum of its channels."""
    image = np.asarray(image, dtype=np.float64)
    return RED * image[:, :, 0] + GREEN * image[:, :, 1] + BLUE * image[:, :, 2]


def crop(image, top, left, height, width):
    """The box of ``height`` rows and ``width`` columns whose top-left pixel is (top, left)."""
    return image[top : top + height, left : left + width]


def brightness(image):
    """The mean of every value in the image, as one number (the sum exactly rounded)."""
    values = np.asarray(image, dtype=np.float64).ravel()
    return math.fsum(values.tolist()) / values.size


def adjust_brightness(image, amount):
    """A uint8 image with ``amount`` added to every value, clipped to 0..255 (no wraparound)."""
    return np.clip(image.astype(np.int16) + amount, 0, 255).astype(np.uint8)
