"""Ready input strategies for a lesson's sub-checks: images, windows, kernels, boxes.

A sub-check draws a tuple of positional arguments, one value per parameter of the function it
checks (the tuple rule). The blocks here draw single values; ``arguments`` and the
``image_and_*`` strategies put them together into such tuples, and a lesson that needs another
combination writes a short ``@st.composite`` that draws from these blocks.

Everything drawn is small on purpose: sides of at most ``MAX_SIDE`` pixels, float pixels with two
decimals, so that the smallest failing input a student is shown reads at a glance. The blocks
check their own arguments when they are called, so a mistake in a lesson's definition is
reported when the lesson is loaded, not in the middle of a draw.

Each block draws in a fixed order (height, width, then the pixels); what a sub-check draws
depends only on that order, so keep it when changing a block, or the stored inputs of every
lesson that uses it go stale.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy

MAX_SIDE = 10
COLOURS = ("gray", "rgb", "either")  # gray: (H, W); rgb: (H, W, 3); either: one or the other
DEFAULT_DTYPES = ("uint8", "float64")


def _two_decimals(value: float) -> float:
    return round(value, 2)


def _float32_two_decimals(value: float) -> float:
    return float(np.float32(round(value, 2)))


# The values each pixel dtype takes: uint8 the whole range, floats in [0, 1] with two decimals.
PIXELS: dict[np.dtype, SearchStrategy] = {
    np.dtype(np.uint8): st.integers(0, 255),
    np.dtype(np.float64): st.floats(0, 1).map(_two_decimals),
    np.dtype(np.float32): st.floats(0, 1).map(_float32_two_decimals),
}
KERNEL_VALUES = st.floats(-2, 2).map(_two_decimals)


def _checked(check: Callable[..., None]):
    """Check a strategy's arguments when the strategy is made, not when it first draws: an
    unknown parameter is a ``TypeError``, and ``check`` (called with every parameter by name)
    raises ``ValueError`` naming the fix. The strategy itself, and how it prints, are unchanged."""

    def decorate(make):
        signature = inspect.signature(make)

        @functools.wraps(make)
        def checked(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise TypeError(f"{make.__name__}(...): {error}") from None
            bound.apply_defaults()
            check(**bound.arguments)
            return make(*args, **kwargs)

        return checked

    return decorate


def _sides(min_side: int, max_side: int) -> None:
    if not (isinstance(min_side, int) and isinstance(max_side, int) and 1 <= min_side <= max_side):
        raise ValueError(f"image sides must satisfy 1 <= min_side <= max_side, not min_side="
                         f"{min_side!r}, max_side={max_side!r}")


def _check_images(colour, dtypes, min_side, max_side, square) -> None:
    if colour not in COLOURS:
        raise ValueError(f"images(colour={colour!r}): colour must be one of {', '.join(COLOURS)}")
    try:
        chosen = None if isinstance(dtypes, str) else [np.dtype(dtype) for dtype in dtypes]
    except TypeError:
        chosen = None
    if not chosen or any(dtype not in PIXELS for dtype in chosen):
        raise ValueError(f"images(dtypes={dtypes!r}): give a non-empty sequence of dtypes from "
                         f"{', '.join(dtype.name for dtype in PIXELS)}, such as ('uint8',)")
    _sides(min_side, max_side)


@_checked(_check_images)
@st.composite
def images(draw, colour: str = "gray", dtypes: Sequence = DEFAULT_DTYPES, min_side: int = 1,
           max_side: int = MAX_SIDE, square: bool = False) -> np.ndarray:
    """An image: ``(H, W)`` gray or ``(H, W, 3)`` RGB, each side from ``min_side`` to
    ``max_side``, of one of ``dtypes`` (``"uint8"``: 0 to 255; ``"float64"`` and ``"float32"``:
    0 to 1, two decimals). Name dtypes as strings: a sub-check's strategy is stored as it
    prints, and a string prints the same with every version of hypothesis and numpy."""
    height = draw(st.integers(min_side, max_side))
    width = height if square else draw(st.integers(min_side, max_side))
    if colour == "either":
        colour = draw(st.sampled_from(("gray", "rgb")))
    dtype, pixels = draw(st.sampled_from([(np.dtype(d), PIXELS[np.dtype(d)]) for d in dtypes]))
    shape = (height, width) if colour == "gray" else (height, width, 3)
    return draw(hnp.arrays(dtype, shape, elements=pixels))


def _image_sides(image_shape) -> tuple[int, int]:
    shape = tuple(image_shape)
    if len(shape) < 2 or min(shape[:2]) < 1:
        raise ValueError(f"an image shape needs a height and a width of at least 1, not {shape}")
    return int(shape[0]), int(shape[1])


@st.composite
def window_shapes(draw, image_shape: tuple, square: bool = False) -> tuple[int, int]:
    """A window shape ``(h, w)`` that fits in an image of ``image_shape`` (its first two sides):
    from 1x1 up to the whole image; with ``square``, ``h == w``."""
    height, width = _image_sides(image_shape)
    window_height = draw(st.integers(1, min(height, width) if square else height))
    window_width = window_height if square else draw(st.integers(1, width))
    return (window_height, window_width)


# Draw a kernel or a box in the body of the strategy that calls them. The strategies that
# combine blocks (below) use these rather than drawing from ``kernels`` or ``boxes``: some
# hypothesis versions draw other values when the same draws sit one strategy deeper, and the
# stored inputs of convolutions were drawn this way.


def _draw_kernel(draw, shape: tuple, symmetric: bool) -> np.ndarray:
    kernel = draw(hnp.arrays(np.float64, tuple(shape), elements=KERNEL_VALUES))
    return (kernel + kernel[::-1, ::-1]) / 2 if symmetric else kernel


def _draw_box(draw, image_shape: tuple, square: bool) -> tuple[int, int, int, int]:
    image_height, image_width = _image_sides(image_shape)
    height, width = draw(window_shapes(image_shape, square=square))
    top = draw(st.integers(0, image_height - height))
    left = draw(st.integers(0, image_width - width))
    return (top, left, height, width)


@st.composite
def kernels(draw, shape, symmetric: bool = False) -> np.ndarray:
    """A float64 kernel of ``shape`` (a tuple, or a strategy such as ``window_shapes``), values
    from -2 to 2 with two decimals. ``symmetric``: unchanged by a half turn (``k[::-1, ::-1]``),
    so a function that flips its kernel gets the same result."""
    return _draw_kernel(draw, draw(shape) if isinstance(shape, SearchStrategy) else shape,
                        symmetric)


@st.composite
def boxes(draw, image_shape: tuple, square: bool = False) -> tuple[int, int, int, int]:
    """A box ``(top, left, height, width)`` inside an image of ``image_shape``: at least one
    pixel, at most the whole image; with ``square``, ``height == width``."""
    return _draw_box(draw, image_shape, square)


# -- the tuple of positional arguments a sub-check draws --------------------------------------


def arguments(*parts) -> SearchStrategy[tuple]:
    """One value from each of ``parts`` (strategies, drawn independently), as the tuple of
    positional arguments a sub-check draws: ``arguments(images(), st.integers(1, 255))``."""
    for number, part in enumerate(parts, 1):
        if not isinstance(part, SearchStrategy):
            raise ValueError(f"arguments(...): part {number} is {part!r}, not a strategy; use "
                             "st.just(value) for a fixed value")
    return st.tuples(*parts)


def _check_image_strategy(image_strategy, **options) -> None:
    if image_strategy is not None and not isinstance(image_strategy, SearchStrategy):
        raise ValueError(f"expected a strategy of images such as images(colour='rgb'), not "
                         f"{image_strategy!r}")


@_checked(_check_image_strategy)
@st.composite
def image_and_window(draw, image_strategy: SearchStrategy | None = None,
                     square: bool = False) -> tuple:
    """``(image, (h, w))``: an image (from ``image_strategy``; by default ``images()``, square
    when ``square`` is) and a window shape that fits in it, square when ``square`` is."""
    image = draw(images(square=square) if image_strategy is None else image_strategy)
    return image, draw(window_shapes(image.shape, square=square))


@_checked(_check_image_strategy)
@st.composite
def image_and_kernel(draw, image_strategy: SearchStrategy | None = None,
                     symmetric: bool = False) -> tuple:
    """``(image, kernel)``: an image and a float kernel no larger than it."""
    image = draw(images() if image_strategy is None else image_strategy)
    return image, _draw_kernel(draw, draw(window_shapes(image.shape)), symmetric)


@_checked(_check_image_strategy)
@st.composite
def image_and_patch(draw, image_strategy: SearchStrategy | None = None) -> tuple:
    """``(image, patch)``: an image and a copy of a box cut out of it (a template that occurs in
    the image)."""
    image = draw(images() if image_strategy is None else image_strategy)
    top, left, height, width = _draw_box(draw, image.shape, square=False)
    return image, image[top : top + height, left : left + width].copy()


@_checked(_check_image_strategy)
@st.composite
def image_and_box(draw, image_strategy: SearchStrategy | None = None,
                  square: bool = False) -> tuple:
    """``(image, top, left, height, width)``: an image and a box inside it, as five arguments;
    with ``square``, a square box (in an image of any shape)."""
    image = draw(images() if image_strategy is None else image_strategy)
    return (image, *_draw_box(draw, image.shape, square))
