# Test submission: a plain Python script
#
# No cell markers, as a student saves a .py file by hand; it ends by trying its
# functions under `if __name__ == "__main__"`. Verdict: full marks.

import numpy as np


def get_subimages(image, kernel_shape):
    return np.lib.stride_tricks.sliding_window_view(np.asarray(image, dtype=float),
                                                    tuple(kernel_shape))


def convolve(image, kernel):
    return (get_subimages(image, kernel.shape) * kernel).sum(axis=(2, 3))


def template_match(image, template):
    windows = get_subimages(image, template.shape)
    windows = windows - windows.mean(axis=(2, 3), keepdims=True)
    return (windows * (template - template.mean())).sum(axis=(2, 3))


if __name__ == "__main__":
    print(convolve(np.eye(4), np.ones((2, 2))))
