# %% [markdown]
# # Test submission: a script in the percent format
#
# As VS Code's "Export as Python script" writes it: `# %%` cells, markdown in
# comments, a magic left as a comment. Verdict: full marks.

# %%
import numpy as np
# %matplotlib inline

# %%
def get_subimages(image, kernel_shape):
    return np.lib.stride_tricks.sliding_window_view(np.asarray(image, dtype=float),
                                                    tuple(kernel_shape))


def convolve(image, kernel):
    return (get_subimages(image, kernel.shape) * kernel).sum(axis=(2, 3))


def template_match(image, template):
    windows = get_subimages(image, template.shape)
    windows = windows - windows.mean(axis=(2, 3), keepdims=True)
    return (windows * (template - template.mean())).sum(axis=(2, 3))
