"""Trusted functions called in the grader's process get the outcomes a kernel's replies give."""

import time

import numpy as np
import pytest

from grader.kernel.calls import FunctionCaller, LocalTransport, Rejected, TimedOut
from grader.kernel.in_process import InProcessCaller


def raises(image):
    raise ValueError("kernel too big")


def raises_in_numpy(image):
    return np.reshape(image, (7, 7))


def hangs(image):
    time.sleep(30)


def in_both(function, arguments):
    """The outcome of one call in-process, and through the self-check's transport."""
    here = InProcessCaller({"f": function}, call_timeout=5.0).call("f", arguments)
    there = FunctionCaller(LocalTransport({"f": function}), 5.0).call("f", arguments)
    return here, there


@pytest.mark.parametrize("function", [
    lambda image: image * 2, lambda image: image.astype(np.uint8), lambda image: 2.5,
    lambda image: np.int64(3), raises, raises_in_numpy, lambda image: [1, 2],
    lambda image: None, lambda image: undefined_name,  # noqa: F821
], ids=["array", "uint8", "float", "numpy int", "raises", "raises in numpy", "list", "None",
        "NameError"])
def test_an_outcome_is_the_one_the_transport_gives(function):
    here, there = in_both(function, (np.arange(4.0),))
    assert here == there if not hasattr(here, "value") else (
        here.value.dtype == there.value.dtype and np.array_equal(here.value, there.value))


def test_an_array_of_python_objects_is_refused_as_the_transport_refuses_it():
    here, there = in_both(lambda image: np.array([{}, 1], dtype=object), (np.zeros(1),))
    assert isinstance(here, Rejected) and isinstance(there, Rejected)
    prefix = "returned an array that cannot be copied out: "
    assert here.reason.startswith(prefix) and there.reason.startswith(prefix)


def test_the_function_gets_copies_and_its_result_is_copied():
    image = np.zeros(3)
    kept = {}

    def keeps(argument):
        argument += 1
        kept["result"] = argument
        return argument

    outcome = InProcessCaller({"f": keeps}, 5.0).call("f", (image,))
    kept["result"][:] = 9
    assert image.tolist() == [0, 0, 0] and outcome.value.tolist() == [1, 1, 1]


def test_a_call_past_its_time_limit_times_out_and_the_rest_wait_their_turn():
    ran = []

    def slow_on_ones(image):
        ran.append(image.tolist())
        return hangs(image) if image[0] == 1 else image

    caller = InProcessCaller({"f": slow_on_ones}, call_timeout=0.3)
    caller.prefetch("f", [(np.zeros(1),), (np.ones(1),), (np.full(1, 5.0),)])
    assert caller.known("f", (np.ones(1),)) == TimedOut(0.3)
    assert caller.known("f", (np.full(1, 5.0),)) is None and ran == [[0.0], [1.0]]
    assert caller.call("f", (np.full(1, 5.0),)).value.tolist() == [5.0]


def test_a_deadline_leaves_the_call_in_flight_without_an_outcome():
    caller = InProcessCaller({"f": hangs}, call_timeout=5.0)
    assert caller.call("f", (np.ones(1),), deadline=time.monotonic() + 0.3) is None


def test_each_call_is_made_once_and_its_first_outcome_kept():
    ran = []
    caller = InProcessCaller({"f": lambda image: ran.append(1) or image}, 5.0)
    for _ in range(3):
        caller.prefetch("f", [(np.zeros(2),), (np.zeros(2),)])
    assert len(ran) == 1 and caller.inspect(["f", "g"]) == ({"f": "callable", "g": "missing"},
                                                             ["f"])


def test_stand_ins_are_refused_rather_than_ignored():
    with pytest.raises(ValueError, match="stand-ins are not put in place"):
        InProcessCaller({"f": abs}, 5.0).prefetch("f", [(1,)], [["a stand-in"]])
