"""Literals: the text shown to a student evaluates back to the very value it shows."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.model.literals import MAX_ELEMENTS, literal

quick = settings(max_examples=100, database=None, deadline=None)


def evaluate(text: str):
    return eval(text, {"np": np})


@st.composite
def arrays(draw, min_dims=1, max_dims=4):
    dtype = draw(st.sampled_from([np.uint8, np.float64, np.bool_]))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=4))
    elements = st.floats(allow_nan=False, allow_infinity=False) if dtype is np.float64 else None
    return draw(hnp.arrays(dtype, shape, elements=elements))


def assert_identical(copy, original):
    assert isinstance(copy, np.ndarray)
    assert copy.dtype == original.dtype
    assert copy.shape == original.shape
    assert copy.tobytes() == original.tobytes()  # bit for bit: -0.0 and the last digit count


@quick
@given(arrays())
def test_array_literal_evaluates_to_the_same_array(array):
    assert_identical(evaluate(literal(array)), array)


@quick
@given(arrays(min_dims=2, max_dims=3), st.sampled_from(["image = ", "kernel = ", "kernel_shape = "]))
def test_array_literal_with_a_prefix_runs_as_an_assignment(array, prefix):
    namespace = {"np": np}
    exec(prefix + literal(array, prefix=prefix), namespace)
    assert_identical(namespace[prefix.split()[0]], array)


@pytest.mark.parametrize(
    "shape", [(0,), (0, 3), (3, 0), (2, 0, 4), (0, 0, 0, 0)], ids=str
)
@pytest.mark.parametrize("dtype", [np.uint8, np.float64, np.bool_])
def test_empty_array_literal_keeps_shape_and_dtype(shape, dtype):
    assert_identical(evaluate(literal(np.zeros(shape, dtype))), np.zeros(shape, dtype))


@quick
@given(
    st.lists(
        st.one_of(
            st.integers(-(2**40), 2**40),
            st.integers(0, 100).map(np.int64),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        max_size=4,
    ).map(tuple)
)
def test_tuple_literal_evaluates_to_an_equal_tuple(value):
    copy = evaluate(literal(value))
    assert type(copy) is tuple
    assert copy == value


def test_tuple_of_arrays_evaluates_to_the_same_arrays():
    value = (np.arange(3, dtype=np.uint8), np.eye(2))
    copy = evaluate(literal(value))
    assert type(copy) is tuple and len(copy) == 2
    for item, original in zip(copy, value):
        assert_identical(item, original)


def test_numpy_scalar_is_written_as_a_plain_number():
    assert literal(np.float64(0.5)) == "0.5"
    assert literal(np.uint8(7)) == "7"


def test_array_above_the_size_limit_is_summarised():
    text = literal(np.zeros((MAX_ELEMENTS + 1,), dtype=np.uint8))
    assert text == f"<array of shape ({MAX_ELEMENTS + 1},) and dtype uint8, too large to show>"


def test_prefix_aligns_rows_under_the_first_row():
    text = "image = " + literal(np.arange(12, dtype=np.uint8).reshape(3, 4), prefix="image = ")
    assert text == (
        "image = np.array([[0, 1, 2, 3],\n"
        "                  [4, 5, 6, 7],\n"
        "                  [8, 9, 10, 11]], dtype=np.uint8)"
    )


@quick
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=10),
               elements=st.floats(-1e6, 1e6)),
    st.sampled_from(["image = ", "kernel = ", "kernel_shape = "]),
)
def test_prefix_indents_every_continuation_line_past_the_opening_bracket(array, prefix):
    lines = (prefix + literal(array, prefix=prefix)).splitlines()
    rows_start = len(prefix + "np.array([")
    for line in lines[1:]:
        indent = len(line) - len(line.lstrip(" "))
        assert indent >= rows_start, line
        if line.lstrip().startswith("["):
            assert indent == rows_start, line


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (np.array(3.5), "3.5"),  # a single number, as it comes back from the kernel
        (np.array(7, dtype=np.uint8), "7"),
        (np.array(True), "True"),
        (np.float64(np.nan), "np.nan"),
        (float("-inf"), "-np.inf"),
        (np.array(np.inf, dtype=np.float32), "np.inf"),
    ],
    ids=["float", "uint8", "bool", "nan", "python -inf", "float32 inf"],
)
def test_a_single_number_is_written_plainly_whatever_holds_it(value, text):
    assert literal(value) == text
    assert np.array_equal(float(evaluate(text)), float(value), equal_nan=True)
