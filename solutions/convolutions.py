"""Reference solutions for the convolutions assignment.

These run only in the grader's own process; they never enter a student's kernel.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def get_subimages(image, kernel_shape):
    """Every kernel-shaped window of ``image``, shape (H-kh+1, W-kw+1, kh, kw)."""
    return sliding_window_view(np.asarray(image, dtype=float), tuple(kernel_shape))


def convolve(image, kernel):
    """Sum of element-wise products of each window with ``kernel`` (no flip, no padding)."""
    kernel = np.asarray(kernel, dtype=float)
    return np.einsum("ijkl,kl->ij", get_subimages(image, kernel.shape), kernel)


def template_match(image, template):
    """Like ``convolve``, but the template and every window are de-meaned first."""
    template = np.asarray(template, dtype=float)
    windows = get_subimages(image, template.shape)
    demeaned = windows - windows.mean(axis=(2, 3), keepdims=True)
    return np.einsum("ijkl,kl->ij", demeaned, template - template.mean())
