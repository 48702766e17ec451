"""Typical wrong answers to the convolutions lesson, which its sub-checks must fail.

Each is a student's function with one mistake seen in real submissions; the lesson declares
them (``Assignment.mistakes``) and ``grade audit`` fails when a sub-check lets one through.
Near-copies of the reference, they stay here with it, out of students' kernels' reach. Each
calls the reference for what it does not get wrong, so that it holds exactly one mistake.
"""

import numpy as np

from solutions.convolutions import convolve, get_subimages, template_match


def _windows_by_loops(image, kernel_shape, rows, columns):
    """The windows a student's double loop collects, over the ``rows`` and ``columns`` given."""
    kernel_h, kernel_w = kernel_shape
    windows = [[image[i : i + kernel_h, j : j + kernel_w] for j in columns] for i in rows]
    return np.array(windows, dtype=float).reshape(len(rows), len(columns), kernel_h, kernel_w)


def windows_one_short(image, kernel_shape):
    """``range(H - kh)``: the last row and column of windows are missing."""
    height, width = image.shape
    kernel_h, kernel_w = kernel_shape
    return _windows_by_loops(image, kernel_shape, range(height - kernel_h),
                             range(width - kernel_w))


def windows_height_for_width(image, kernel_shape):
    """The image's height used for both loops, as if every image were square."""
    height = image.shape[0]
    kernel_h, kernel_w = kernel_shape
    return _windows_by_loops(image, kernel_shape, range(height - kernel_h + 1),
                             range(height - kernel_w + 1))


def windows_transposed(image, kernel_shape):
    """Each window transposed: ``image[j:j+kw, i:i+kh]`` read as (kw, kh)."""
    return get_subimages(image, kernel_shape).transpose(0, 1, 3, 2)


def windows_kernel_shape_swapped(image, kernel_shape):
    """``kernel_w, kernel_h = kernel_shape``: the window's sides taken the wrong way round."""
    kernel_h, kernel_w = kernel_shape
    return get_subimages(image, (kernel_w, kernel_h))


def windows_of_uint8(image, kernel_shape):
    """The image converted with ``astype(np.uint8)``: a float image's pixels become 0."""
    return get_subimages(np.asarray(image).astype(np.uint8), kernel_shape)


def flipped_kernel(image, kernel):
    """The textbook convolution: the kernel turned half a turn first (the lesson does not)."""
    return convolve(image, np.asarray(kernel)[::-1, ::-1])


def transposed_kernel(image, kernel):
    """``kernel.T`` where ``kernel`` was meant."""
    return convolve(image, np.asarray(kernel).T)


def mean_not_sum(image, kernel):
    """``np.mean(window * kernel)`` for each window instead of the sum."""
    return convolve(image, kernel) / np.size(kernel)


def same_size_output(image, kernel):
    """Zero padding so the output keeps the image's size, as ``mode="same"`` would."""
    kernel = np.asarray(kernel, dtype=float)
    kernel_h, kernel_w = kernel.shape
    top, left = (kernel_h - 1) // 2, (kernel_w - 1) // 2
    padded = np.pad(np.asarray(image, dtype=float),
                    ((top, kernel_h - 1 - top), (left, kernel_w - 1 - left)))
    return convolve(padded, kernel)


def integer_result(image, kernel):
    """The result stored in an integer array: ``np.zeros(shape, dtype=int)`` filled in a loop."""
    return convolve(image, kernel).astype(int)


def result_in_image_dtype(image, kernel):
    """The result in the image's dtype (``np.zeros_like(image)``): a uint8 image wraps it."""
    return convolve(image, kernel).astype(np.asarray(image).dtype)


def no_demeaning(image, template):
    """Plain convolution with the template: neither it nor the windows de-meaned."""
    return convolve(image, template)


def flipped_template(image, template):
    """The template turned half a turn, as a template match built on textbook convolution is."""
    return template_match(image, np.asarray(template)[::-1, ::-1])


def squared_differences(image, template):
    """The sum of squared differences between each window and the template, another measure."""
    windows = get_subimages(image, np.shape(template))
    return ((windows - np.asarray(template, dtype=float)) ** 2).sum(axis=(2, 3))


def normalised_correlation(image, template):
    """Normalised cross-correlation (each product divided by both norms), a different measure."""
    windows = get_subimages(image, np.shape(template))
    windows = windows - windows.mean(axis=(2, 3), keepdims=True)
    template = np.asarray(template, dtype=float)
    template = template - template.mean()
    norms = np.sqrt((windows**2).sum(axis=(2, 3)) * (template**2).sum())
    products = np.einsum("ijkl,kl->ij", windows, template)
    return np.divide(products, norms, out=np.zeros_like(products), where=norms > 0)


def uint8_products(image, template):
    """``sum(w * t) - n * mean(w) * mean(t)``, right on paper, but a template cut from a uint8
    image is uint8 too, and uint8 products wrap past 255."""
    image, template = np.asarray(image), np.asarray(template)
    kernel_h, kernel_w = template.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (kernel_h, kernel_w))
    products = (windows * template).sum(axis=(2, 3))
    return products - template.size * windows.mean(axis=(2, 3)) * template.mean()
