"""The code the grader runs inside a student's kernel: it only transports, and judges nothing.

``calls`` sends this file's text into the kernel, where it is executed in a scope of its own
with the real builtins (see ``calls._invocation``), so nothing here lands in the notebook's
namespace; it is never imported by the grader. ``transport`` and ``inspect`` take the
notebook's namespace and publish their replies as display data.
"""

import base64
import io
import time
import traceback

import numpy

# Replies go out in batches: a message per call costs more than most calls do. A batch is sent
# before a call starts once `every` seconds (BATCH_SECONDS) have passed since the last one or it
# holds `most` bytes, and whatever is left when the code stops, interrupted or not.
every, most = 0.05, 1 << 20


def _publisher(publish_display_data):
    if publish_display_data is None:
        from IPython.display import publish_display_data
    return publish_display_data


def _decode(argument):
    kind, value = argument
    if kind == "array":
        return numpy.load(io.BytesIO(base64.b64decode(value)), allow_pickle=False)
    return tuple(value) if kind == "tuple" else value


def _same(given, expected):
    # By value: the same shape and equal numbers, whatever the dtype, so an image the student
    # converted from uint8 to float first still matches; a tuple matches a tuple (or list, or
    # array) of the same numbers. Compared as Python lists, not with numpy's comparison
    # functions, which a notebook may have replaced.
    try:
        given = given if isinstance(given, numpy.ndarray) else numpy.array(given)
        return (given.dtype.kind in "biuf" and given.shape == expected.shape
                and given.tolist() == expected.tolist())
    except Exception:
        return False


def _stand_in(helper, parameters, answers, original):
    def helper_standing_in(*arguments, **keywords):
        named = [keywords[p] for p in parameters[len(arguments):] if p in keywords]
        given = list(arguments) + named
        if len(named) == len(keywords) and len(given) == len(parameters):
            for expected, output in answers:
                if all(_same(g, e) for g, e in zip(given, expected)):
                    return output.copy()
        if original is None:
            raise NameError(f"name {helper!r} is not defined")
        return original(*arguments, **keywords)

    helper_standing_in.__name__ = helper_standing_in.__qualname__ = helper
    helper_standing_in.__wrapped__ = original
    return helper_standing_in


def _prepared(stand_ins):
    by_helper = {}
    for helper, parameters, arguments, output in stand_ins:
        expected = [numpy.array(_decode(argument)) for argument in arguments]
        answers = by_helper.setdefault(helper, (list(parameters), []))[1]
        answers.append((expected, _decode(["array", output])))
    return by_helper


def _raised(error):
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename != '<grader>' and "site-packages" not in frame.filename]
    where = frames[-1] if frames else None
    return {
        "raised": f"{type(error).__name__}: {error}"[:500],
        "where": f"line {where.lineno} of {where.name}: {where.line}" if where else "",
        "missing": getattr(error, "name", None) if isinstance(error, NameError) else None,
    }


def _call(namespace, function, arguments, stand_ins):
    absent = object()
    replaced = {}
    try:
        for helper, (parameters, answers) in _prepared(stand_ins).items():
            replaced[helper] = original = namespace.get(helper, absent)
            namespace[helper] = _stand_in(
                helper, parameters, answers, None if original is absent else original
            )
        result = function(*[_decode(argument) for argument in arguments])
    except (Exception, SystemExit) as error:
        return _raised(error)
    finally:
        for helper, original in replaced.items():
            if original is absent:
                namespace.pop(helper, None)
            else:
                namespace[helper] = original
    if not isinstance(result, (numpy.ndarray, numpy.number, int, float)):
        return {"rejected": f"returned {type(result).__name__}, not a numpy array"}
    try:
        buffer = io.BytesIO()
        numpy.save(buffer, numpy.asarray(result), allow_pickle=False)
        return {"npy": base64.b64encode(buffer.getvalue()).decode("ascii")}
    except Exception as error:
        return {"rejected": f"returned an array that cannot be copied out: {error}"}


def transport(namespace, name, calls, stand_ins, mime, publish_display_data=None,
              stop_after=None):
    # With `stop_after`, no call starts once this process has used that many CPU seconds more
    # (the grader's budget, counted as the grader counts it: see its `clock` module); the
    # replies then end with {"stopped": index}, the first call not made. The call in flight
    # finishes: stopping it would take a signal, which may land anywhere.
    publish = _publisher(publish_display_data)
    batch, size, sent = [], 0, time.monotonic()
    stop_at = None if stop_after is None else time.process_time() + stop_after

    def send():
        nonlocal batch, size, sent
        if batch:
            publish({mime: batch})
        batch, size, sent = [], 0, time.monotonic()

    function = namespace.get(name)
    try:
        for index, arguments in enumerate(calls):
            if batch and (time.monotonic() - sent > every or size > most):
                send()
            if stop_at is not None and time.process_time() >= stop_at:
                batch.append({"stopped": index})
                break
            reply = _call(namespace, function, arguments, stand_ins[index] if stand_ins else [])
            batch.append({"index": index, **reply})
            size += len(reply.get("npy", ""))
    finally:
        send()


def inspect(namespace, names, mime, publish_display_data=None):
    publish = _publisher(publish_display_data)
    kinds = {name: ("callable" if callable(namespace[name]) else type(namespace[name]).__name__)
             if name in namespace else "missing" for name in names}
    defined = [name for name, value in list(namespace.items())
               if callable(value) and not name.startswith("_")][:1000]
    publish({mime: {"kinds": kinds, "callables": defined}})
