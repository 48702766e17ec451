"""The call transport: arguments in as .npy, results out as .npy, nothing else trusted.

The code meant for the kernel runs here in a plain namespace that plays the kernel's, with
``publish_display_data`` replaced by a list: no kernel is started.
"""

import base64
import io
import pickle
import re
import time
from unittest import mock

import IPython.display  # noqa: F401  imported now: it raises the recursion limit, which hypothesis dislikes mid-test
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.kernel import calls
from grader.kernel.calls import (
    MIME,
    FunctionCaller,
    LocalTransport,
    Raised,
    Rejected,
    Returned,
    StandInOutput,
    TimedOut,
    argument_key,
    decode_reply,
    encode_argument,
)

quick = settings(max_examples=50, database=None, deadline=None)


def npy(array, allow_pickle=False) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def transport(function, many: list[tuple], stand_ins=None, namespace=None, **other_names) -> list:
    """Run the code sent into a kernel on ``function`` and decode what it publishes.

    ``stand_ins``: for each call, the ``StandInOutput``s in place while it runs.
    """
    namespace = {} if namespace is None else namespace
    namespace.update({"student_function": function, **other_names})
    namespace.pop("__builtins__", None)
    before = dict(namespace)
    encoded = [[encode_argument(value) for value in arguments] for arguments in many]
    replacing = [[s.encoded() for s in call] for call in stand_ins or []]
    code = calls._invocation("transport", "student_function", encoded, replacing, MIME)
    published = []
    with mock.patch("IPython.display.publish_display_data", lambda data, *a, **k: published.append(data)):
        exec(code, namespace)
    # the transport removes itself, and puts back whatever stood in
    namespace.pop("__builtins__")
    assert namespace.keys() == before.keys()
    assert all(namespace[name] is before[name] for name in before)
    return [decode_reply(reply) for data in published for reply in data[MIME]]


class CountingTransport(LocalTransport):
    """The in-process transport of the self-check, counting its round trips."""

    def __init__(self, namespace):
        super().__init__(namespace)
        self.executions = 0

    def invoke(self, *arguments, **options):
        self.executions += 1
        return super().invoke(*arguments, **options)


small_arrays = st.one_of(
    hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5)),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5)),
    hnp.arrays(np.bool_, hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=5)),
)


# -- the round trip through the kernel-side code ---------------------------------------------


@quick
@given(small_arrays)
def test_array_argument_arrives_and_returns_unchanged(array):
    (outcome,) = transport(lambda value: value, [(array,)])
    assert isinstance(outcome, Returned)
    value = outcome.value
    assert (value.dtype, value.shape, value.tobytes()) == (array.dtype, array.shape, array.tobytes())


def test_tuple_argument_arrives_as_a_tuple_of_ints():
    seen = []

    def get_subimages(image, kernel_shape):
        seen.append(kernel_shape)
        return np.zeros(kernel_shape)

    (outcome,) = transport(get_subimages, [(np.zeros((3, 3)), (np.int64(2), 1))])
    assert seen == [(2, 1)] and all(type(side) is int for side in seen[0])
    assert outcome.value.shape == (2, 1)


def test_several_calls_come_back_in_order():
    outcomes = transport(lambda image: image * 2, [(np.array([1.0]),), (np.array([2.0]),)])
    assert [outcome.value.tolist() for outcome in outcomes] == [[2.0], [4.0]]


def test_exception_in_the_function_comes_back_as_raised_with_its_line():
    def convolve(image, kernel):
        raise ValueError("kernel too big")

    (outcome,) = transport(convolve, [(np.zeros(2), np.zeros(3))])
    assert outcome.error == "ValueError: kernel too big"
    assert re.fullmatch(r'line \d+ of convolve: raise ValueError\("kernel too big"\)', outcome.where)


@pytest.mark.parametrize(
    "result, reason",
    [
        ([1, 2], "returned list, not a numpy array"),
        (None, "returned NoneType, not a numpy array"),
        (np.array([{}, 1], dtype=object), "returned an array that cannot be copied out: "),
    ],
    ids=["list", "None", "object array"],
)
def test_result_that_is_not_a_plain_array_is_rejected(result, reason):
    (outcome,) = transport(lambda image: result, [(np.zeros(1),)])
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith(reason)


def test_number_result_comes_back_as_a_zero_dimensional_array():
    (outcome,) = transport(lambda image: 2.5, [(np.zeros(1),)])
    assert outcome.value.shape == () and outcome.value == 2.5


# -- decode_reply: nothing in a reply is trusted ---------------------------------------------


def test_valid_npy_payload_is_returned():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    outcome = decode_reply({"index": 0, "npy": npy(array)})
    assert isinstance(outcome, Returned)
    assert outcome.value.dtype == np.float32 and np.array_equal(outcome.value, array)


def test_pickled_object_array_is_rejected():
    outcome = decode_reply({"npy": npy(np.array([{"x": 1}, None], dtype=object), allow_pickle=True)})
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith("returned data that is not a plain array")


def test_plain_pickle_is_rejected():
    outcome = decode_reply({"npy": base64.b64encode(pickle.dumps(np.arange(3))).decode()})
    assert isinstance(outcome, Rejected)


def test_npz_archive_is_rejected():
    buffer = io.BytesIO()
    np.savez(buffer, a=np.arange(3))
    outcome = decode_reply({"npy": base64.b64encode(buffer.getvalue()).decode()})
    assert outcome == Rejected("returned data that is not a plain array")


@pytest.mark.parametrize("payload", ["!!!not base64!!!", "abc", "", "AAAA"])
def test_malformed_payload_is_rejected(payload):
    outcome = decode_reply({"npy": payload})
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith("returned data that is not a plain array")


@pytest.mark.parametrize("reply", [None, [1, 2], "npy", 3, {"npy": 3}, {}], ids=repr)
def test_reply_that_is_not_a_result_is_rejected(reply):
    assert decode_reply(reply) == Rejected("sent back something that is not a result")


def test_oversize_payload_is_refused(monkeypatch):
    monkeypatch.setattr(calls, "MAX_RESULT_BYTES", 10_000)
    assert isinstance(decode_reply({"npy": npy(np.zeros(1_000, dtype=np.uint8))}), Returned)
    outcome = decode_reply({"npy": npy(np.zeros(20_000, dtype=np.uint8))})
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith("returned more than ")


def test_raised_reply_is_raised_and_cut_short():
    assert decode_reply({"raised": "ValueError: bad", "where": "line 3 of f: x"}) == Raised(
        "ValueError: bad", "line 3 of f: x"
    )
    outcome = decode_reply({"raised": "E" * 10_000, "where": 7})
    assert len(outcome.error) == 500 and outcome.where == "7"


def test_rejected_reply_keeps_its_reason():
    assert decode_reply({"rejected": "returned list, not a numpy array"}) == Rejected(
        "returned list, not a numpy array"
    )


# -- argument_key -----------------------------------------------------------------------------

tiny_arrays = st.one_of(
    *(
        hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=2), elements=elements)
        for dtype, elements in [
            (np.uint8, st.integers(0, 1)),
            (np.float64, st.sampled_from([0.0, 1.0])),
            (np.bool_, None),
        ]
    )
)


@settings(max_examples=300, database=None, deadline=None)
@given(tiny_arrays, tiny_arrays)
def test_argument_keys_are_equal_exactly_when_the_arguments_are(a, b):
    same = a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    assert (argument_key((a, (2, 3))) == argument_key((b, (2, 3)))) == same


def test_argument_key_tells_dtypes_apart():
    values = np.array([[0, 1], [1, 0]])
    keys = {argument_key((values.astype(dtype),)) for dtype in (np.uint8, np.int64, np.float64, np.bool_)}
    assert len(keys) == 4


def test_argument_key_ignores_memory_layout():
    array = np.arange(6.0).reshape(2, 3)
    assert argument_key((array.T,)) == argument_key((np.ascontiguousarray(array.T),))


def test_argument_key_tells_tuples_apart():
    image = np.zeros((3, 3))
    assert argument_key((image, (2, 1))) != argument_key((image, (1, 2)))
    assert argument_key((image, (2, 1))) == argument_key((image.copy(), (2, 1)))


# -- FunctionCaller over a stand-in run --------------------------------------------------------


def slow_on_ones(image):
    while (image == 1).all():
        pass
    return image + 1


def published_by(function, many: list[tuple]) -> list:
    """The messages the kernel-side transport publishes for these calls."""
    encoded = [[encode_argument(value) for value in arguments] for arguments in many]
    published = []
    with mock.patch("IPython.display.publish_display_data", lambda data, *a, **k: published.append(data)):
        exec(calls._invocation("transport", "f", encoded, [], MIME), {"f": function})
    return published


def test_quick_calls_reply_in_few_messages_and_in_order():
    many = [(np.array([float(i)]),) for i in range(20)]
    published = published_by(lambda image: image + 1, many)
    assert len(published) < 5
    outcomes = [decode_reply(reply) for data in published for reply in data[MIME]]
    assert [outcome.value.item() for outcome in outcomes] == [i + 1.0 for i in range(20)]


def test_a_batch_is_sent_before_a_call_once_its_time_is_up():
    def slow(image):
        time.sleep(calls.BATCH_SECONDS * 1.2)
        return image

    published = published_by(slow, [(np.zeros(1),), (np.ones(1),), (np.full(1, 2.0),)])
    assert [[reply["index"] for reply in data[MIME]] for data in published] == [[0], [1], [2]]


def test_kernel_code_batches_as_often_as_the_caller_expects():
    assert f"every, most = {calls.BATCH_SECONDS!r}, " in calls._KERNEL_CODE


def test_kernel_code_leaves_out_its_own_frames_under_the_name_it_runs_as():
    assert f"frame.filename != {calls.KERNEL_FILENAME!r}" in calls._KERNEL_CODE


def test_caller_remembers_outcomes_and_calls_once_per_input():
    run = CountingTransport({"f": lambda image: image * 2})
    caller = FunctionCaller(run, call_timeout=2.0)
    first = caller.call("f", (np.array([1.0]),))
    again = caller.call("f", (np.array([1.0]),))
    assert first is again and run.executions == 1


def test_prefetch_sends_every_new_input_in_one_round_trip():
    seen = []
    run = CountingTransport({"f": lambda image: seen.append(image.tolist()) or image})
    caller = FunctionCaller(run, call_timeout=2.0)
    many = [(np.array([float(i % 3)]),) for i in range(6)]
    caller.prefetch("f", many)
    assert run.executions == 1 and seen == [[0.0], [1.0], [2.0]]
    for arguments in many:
        assert np.array_equal(caller.call("f", arguments).value, arguments[0])
    caller.prefetch("f", many)
    assert run.executions == 1


def test_call_past_the_time_limit_times_out_and_later_calls_wait_their_turn():
    run = CountingTransport({"f": slow_on_ones})
    caller = FunctionCaller(run, call_timeout=0.5)
    fine, endless, later = (np.zeros(2),), (np.ones(2),), (np.full(2, 5.0),)
    caller.prefetch("f", [fine, endless, later])
    assert run.executions == 1
    assert isinstance(caller.call("f", fine), Returned)
    assert caller.call("f", endless) == TimedOut(0.5)
    assert run.executions == 1
    assert caller.call("f", later).value.tolist() == [6.0, 6.0]
    assert run.executions == 2


def test_a_deadline_cuts_the_call_in_flight_and_leaves_it_and_the_rest_without_outcomes():
    run = CountingTransport({"f": slow_on_ones})
    caller = FunctionCaller(run, call_timeout=5.0)
    fine, endless, later = (np.zeros(2),), (np.ones(2),), (np.full(2, 5.0),)
    started = time.monotonic()
    caller.prefetch("f", [fine, endless, later], deadline=started + 0.5)
    assert time.monotonic() - started < 2.0  # not the call's own 5 s
    assert isinstance(caller.known("f", fine), Returned)
    assert caller.known("f", endless) is None and caller.known("f", later) is None
    assert caller.call("f", later, deadline=time.monotonic() + 5).value.tolist() == [6.0, 6.0]


class SlowToTakeReplies(CountingTransport):
    """Takes a while over each reply, as a loaded machine may."""

    def invoke(self, function, arguments, on_reply, *rest, **options):
        def slow_reply(reply):
            time.sleep(0.05)
            on_reply(reply)
        return super().invoke(function, arguments, slow_reply, *rest, **options)


def test_a_reply_sent_at_the_deadline_is_taken_in_whole():
    caller = FunctionCaller(SlowToTakeReplies({"f": slow_on_ones}), call_timeout=5.0)
    fine, endless = (np.zeros(2),), (np.ones(2),)
    caller.prefetch("f", [fine, endless], deadline=time.monotonic() + 0.3)
    assert isinstance(caller.known("f", fine), Returned)
    assert caller.known("f", endless) is None


def test_inspect_tells_functions_from_missing_names_and_other_values():
    def convolve(image, kernel):
        return image

    def convolution(image, kernel):
        return image

    run = CountingTransport({"convolve": convolve, "convolution": convolution, "kernel": np.ones(3)})
    kinds, callables = FunctionCaller(run, 2.0).inspect(["convolve", "kernel", "template_match"])
    assert kinds == {"convolve": "callable", "kernel": "ndarray", "template_match": "missing"}
    assert set(callables) == {"convolve", "convolution"}


def test_notebook_shadowing_builtins_still_gets_outcomes_from_the_kernel_code():
    def convolve(image, kernel):
        raise ValueError("kernel too big")

    shadowed = {"type": "gaussian", "isinstance": None, "enumerate": 3, "tuple": list}
    (outcome,) = transport(convolve, [(np.zeros((2, 2)), np.ones((1, 1)))], **shadowed)
    assert outcome.error == "ValueError: kernel too big"
    assert outcome.where.endswith('of convolve: raise ValueError("kernel too big")')


# -- stand-ins in the kernel code -----------------------------------------------------------------

IMAGE = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)
RIGHT = np.lib.stride_tricks.sliding_window_view(IMAGE.astype(float), (1, 2))


def wrong_get_subimages(image, kernel_shape):
    return np.full((1, 1, *kernel_shape), -1.0)


def windows_of(image, kernel_shape):
    return [StandInOutput("get_subimages", ("image", "kernel_shape"), (image, kernel_shape), RIGHT)]


def calls_helper(call, namespace):
    """A student function in ``namespace`` that returns what ``call`` (of get_subimages) gives."""
    namespace["np"] = np
    exec(f"def student(image, kernel):\n    return {call}\n", namespace)
    return namespace["student"]


@pytest.mark.parametrize("call", [
    "get_subimages(image, kernel.shape)",
    "get_subimages(image, kernel_shape=kernel.shape)",
    "get_subimages(kernel_shape=kernel.shape, image=image)",
    "get_subimages(image.astype(float), kernel.shape)",  # the same values: dtype need not match
    "get_subimages(image.astype(np.int64), list(kernel.shape))",
    "get_subimages(image.copy(), np.array(kernel.shape))",
])
def test_stand_in_answers_a_call_with_the_same_values(call):
    namespace = {"get_subimages": wrong_get_subimages}
    (outcome,) = transport(calls_helper(call, namespace), [(IMAGE, np.ones((1, 2)))],
                           [windows_of(IMAGE, (1, 2))], namespace)
    assert np.array_equal(outcome.value, RIGHT)


@pytest.mark.parametrize("call", [
    "get_subimages(image[:, :2], kernel.shape)",  # another image
    "get_subimages(image + 1, kernel.shape)",
    "get_subimages(image, kernel.shape[::-1])",  # another shape
    "get_subimages(image / 255, kernel.shape)",  # other values
    "get_subimages(image.astype(bool), kernel.shape)",
    "get_subimages(image, kernel.shape, 'extra')",
    "get_subimages(image, shape=kernel.shape)",
])
def test_any_other_call_goes_to_the_students_own_helper(call):
    namespace = {"get_subimages": lambda *arguments, **keywords: np.array(-1.0)}
    (outcome,) = transport(calls_helper(call, namespace), [(IMAGE, np.ones((1, 2)))],
                           [windows_of(IMAGE, (1, 2))], namespace)
    assert outcome.value.tolist() == -1.0


def test_each_call_gets_its_own_stand_ins_and_a_fresh_copy():
    def student(image, kernel):
        windows = get_subimages(image, kernel.shape)  # noqa: F821  (the namespace's)
        windows[...] = 0  # writing into the result does not change the next one
        return get_subimages(image, kernel.shape)  # noqa: F821

    namespace = {"get_subimages": wrong_get_subimages}
    student = type(student)(student.__code__, namespace)
    other = np.array([[7, 8]], dtype=np.uint8)
    outcomes = transport(student, [(IMAGE, np.ones((1, 2))), (other, np.ones((1, 2)))],
                         [windows_of(IMAGE, (1, 2)), []], namespace)
    assert np.array_equal(outcomes[0].value, RIGHT)
    assert outcomes[1].value.tolist() == [[[[-1.0, -1.0]]]]  # no stand-in for the second call


def test_helper_is_put_back_when_the_call_raises_and_the_error_points_at_the_student():
    namespace = {"get_subimages": wrong_get_subimages}
    student = calls_helper("get_subimages(image, kernel.shape) + undefined_name", namespace)
    (outcome,) = transport(student, [(IMAGE, np.ones((1, 2)))], [windows_of(IMAGE, (1, 2))], namespace)
    assert outcome.error == "NameError: name 'undefined_name' is not defined"
    assert outcome.where.startswith("line 2 of student: ")


def test_missing_helper_is_only_there_while_the_call_runs():
    namespace = {}
    (answered, missed) = transport(
        calls_helper("get_subimages(image, kernel.shape)", namespace),
        [(IMAGE, np.ones((1, 2))), (IMAGE, np.ones((2, 2)))],
        [windows_of(IMAGE, (1, 2)), windows_of(IMAGE, (1, 2))],
        namespace,
    )
    assert "get_subimages" not in namespace
    assert np.array_equal(answered.value, RIGHT)
    assert missed.error == "NameError: name 'get_subimages' is not defined"
    assert missed.where == "line 2 of student: "  # the student's call, not the stand-in


def test_helper_is_put_back_when_the_call_is_interrupted():
    def student(image, kernel):
        get_subimages(image, kernel.shape)  # noqa: F821
        raise KeyboardInterrupt  # what the kernel's interrupt raises at the time limit

    namespace = {"get_subimages": wrong_get_subimages}
    student = type(student)(student.__code__, namespace)
    encoded = [[encode_argument(IMAGE), encode_argument(np.ones((1, 2)))]]
    code = calls._invocation("transport", "student", encoded,
                             [[s.encoded() for s in windows_of(IMAGE, (1, 2))]], MIME)
    namespace["student"] = student
    with (mock.patch("IPython.display.publish_display_data", lambda *a, **k: None),
          pytest.raises(KeyboardInterrupt)):
        exec(code, namespace)
    assert namespace["get_subimages"] is wrong_get_subimages


def test_caller_times_out_a_call_with_stand_ins_and_puts_the_helper_back():
    namespace = {"get_subimages": wrong_get_subimages, "np": np}
    exec("def convolve(image, kernel):\n"
         "    get_subimages(image, kernel.shape)\n"
         "    while True:\n"
         "        pass\n", namespace)
    caller = FunctionCaller(LocalTransport(namespace), call_timeout=0.3)
    outcome = caller.call("convolve", (IMAGE, np.ones((1, 2))), windows_of(IMAGE, (1, 2)))
    assert outcome == TimedOut(0.3)
    assert namespace["get_subimages"] is wrong_get_subimages
