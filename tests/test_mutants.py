"""The mutation operators, on small functions of their own: which mutants they make, and that
each does what its name says. No lesson is involved: the operators know none."""

import numpy as np

from grader.authoring.mutants import mutants_of


def crop(image, top, left, height, width):
    """The window of ``image`` at (top, left)."""
    return image[top : top + height, left : left + width]


def total(image):
    result = 0.0
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            result += image[i, j]
    return result


def smooth(image, kernel_shape):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(image, dtype=float),
                                                       tuple(kernel_shape))
    return windows.mean(axis=(2, 3)) - windows.mean()


IMAGE = np.arange(20.0).reshape(4, 5)


def by_name(function, inputs):
    made, note = mutants_of(function.__name__, function, inputs,
                            [function(*arguments) for arguments in inputs])
    assert note == ""
    return {mutant.name: mutant.function for mutant in made}


def test_a_slice_and_integer_arguments_are_made_one_off():
    mutants = by_name(crop, [(IMAGE, 1, 2, 2, 3)])
    line = crop.__code__.co_firstlineno + 2
    assert mutants[f"line {line}: `top:top + height` -> `top:top + height - 1`"](
        IMAGE, 1, 2, 2, 3).shape == (1, 3)
    assert mutants[f"line {line}: `top:top + height` -> `top + 1:top + height`"](
        IMAGE, 1, 2, 2, 3).tolist() == IMAGE[2:3, 2:5].tolist()
    assert mutants[f"line {line}: `image[top:top + height, left:left + width]` -> "
                   "`image[left:left + width, top:top + height]`"](IMAGE, 0, 1, 1, 2).tolist() == (
        IMAGE[1:3, 0:1].tolist())
    assert mutants["`height` one more"](IMAGE, 1, 2, 2, 3).shape == (3, 3)
    assert mutants["uses a global `top` instead of its argument"](IMAGE, 0, 2, 2, 3).tolist() == (
        crop(IMAGE, 1, 2, 2, 3).tolist())  # the value of the largest sample input


def test_integer_arguments_are_not_flipped_and_an_array_argument_is():
    names = set(by_name(crop, [(IMAGE, 1, 2, 2, 3)]))
    assert not any(name.startswith("`top` flipped") for name in names)
    assert {"`image` flipped along axis 0", "`image` flipped along axis 1",
            "`image` turned half a turn (flipped along every axis)",
            "`image` transposed (first two axes swapped)"} <= names


def test_loop_bounds_indices_and_shape_sides_are_changed_one_at_a_time():
    mutants = by_name(total, [(IMAGE,)])
    first = total.__code__.co_firstlineno
    assert mutants[f"line {first + 2}: `image.shape[0]` -> `image.shape[0] - 1` in `range(...)`"](
        IMAGE) == IMAGE[:-1].sum()
    assert mutants[f"line {first + 3}: `image.shape[1]` -> `image.shape[0]`"](IMAGE) == (
        IMAGE[:, :4].sum())
    swapped = mutants[f"line {first + 4}: `image[i, j]` -> `image[j, i]`"]
    assert swapped(IMAGE[:4, :4]) == IMAGE[:4, :4].sum()  # a square image hides it
    assert mutants["result truncated to integers"](IMAGE + 0.5) == int(IMAGE.sum() + 10)


def test_means_sums_axes_and_de_meaning_are_changed():
    mutants = by_name(smooth, [(IMAGE, (2, 3))])
    line = smooth.__code__.co_firstlineno + 3
    windows = np.lib.stride_tricks.sliding_window_view(IMAGE, (2, 3))
    assert np.allclose(mutants[f"line {line}: `windows.mean(...) - windows.mean()` -> "
                               "`windows.mean(axis=(2, 3))`"](IMAGE, (2, 3)),
                       windows.mean(axis=(2, 3)))
    assert np.allclose(mutants[f"line {line}: `axis=(2, 3)` -> `axis=2` in `windows.mean(...)`"](
        IMAGE, (2, 3)), windows.mean(axis=2) - windows.mean())
    assert f"line {line}: `windows.mean()` -> `windows.sum()`" in mutants
    assert f"line {line - 2}: `dtype=float` -> `dtype=int` in `np.asarray(...)`" in mutants
    assert mutants["`kernel_shape` swapped (reversed)"](IMAGE, (2, 3)).shape == (2, 4)


def test_results_are_truncated_cast_transposed_flattened_and_cut():
    mutants = by_name(smooth, [(IMAGE, (2, 3)), (IMAGE.astype(np.uint8), (1, 1))])
    result = smooth(IMAGE, (2, 3))
    assert mutants["result truncated to integers"](IMAGE, (2, 3)).dtype.kind == "i"
    assert mutants["result in the dtype of `image`"](IMAGE.astype(np.uint8), (2, 3)).dtype == (
        np.uint8)
    assert mutants["result transposed"](IMAGE, (2, 3)).shape == result.T.shape
    assert mutants["result flattened"](IMAGE, (2, 3)).shape == (result.size,)
    assert mutants["result's last row dropped"](IMAGE, (2, 3)).shape == (2, 3)
    assert mutants["result's last column dropped"](IMAGE, (2, 3)).shape == (3, 2)


def test_no_mutant_is_the_reference_or_another_mutant_again():
    made, _ = mutants_of("total", total, [(IMAGE,)], [total(IMAGE)])
    assert len({mutant.name for mutant in made}) == len(made)
    assert not any(name.startswith("result transposed") for name in (m.name for m in made))


def test_a_reference_whose_source_cannot_be_read_gets_no_mutants_and_says_why():
    made, note = mutants_of("add", np.add, [(1, 2)], [3])
    assert made == [] and note == ("the source of add's reference cannot be read as a function, "
                                   "so only its declared mistakes are tried")
