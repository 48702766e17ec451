"""The student's own module, beside the notebook."""

import numpy as np


def windows(image, shape):
    return np.lib.stride_tricks.sliding_window_view(np.asarray(image, dtype=float), tuple(shape))
