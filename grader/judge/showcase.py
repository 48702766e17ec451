"""Showcases: each exercise called on the lesson's own data, and what comes back drawn.

After the checks, in the same kernel, each showcase of a graded exercise (see
``model.showcase``) calls the student's function once, with no stand-ins; an exercise's calls go
in one round trip, within the sum of its showcases' ``seconds`` and what is left of the
submission's budget. The output comes back as a plain array
like every call's, and is drawn here, in the grader's process, beside the showcase's input and
what the reference makes of it (from the reference, or the stored file: see ``oracle``), with
their difference. Nothing here changes a verdict: a showcase that cannot call the function, or
cannot draw what it returned, says why beside the reference's picture.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from weakref import WeakKeyDictionary

import numpy as np

from ..kernel.caller import Caller
from ..kernel.calls import Outcome, Raised, Rejected, TimedOut
from ..model.assignment import Assignment
from ..model.budget import Budget
from ..model.errors import KernelLost
from ..model.results import ExerciseResult, Panel, Pictured
from ..model.showcase import Showcase, Shown
from . import raster
from .oracle import Oracle
from .search import shapes
from .stored import ShowcaseData

# The reference's panels of each showcase, by oracle: kept as long as the oracle is.
_drawn: WeakKeyDictionary[Oracle, dict[Showcase, tuple[Panel, ...]]] = WeakKeyDictionary()


def _reference_panels(oracle: Oracle, showcase: Showcase) -> tuple[Panel, ...]:
    """The showcase's inputs and the reference's picture, drawn once per oracle."""
    drawn = _drawn.setdefault(oracle, {})
    if showcase not in drawn:
        data = oracle.showcase(showcase)
        assert data is not None, "drawn only for a showcase the reference or the file has"
        drawn[showcase] = (*_input_panels(oracle, showcase, data, None),
                           raster.picture("expected", data.expected.picture))
    return drawn[showcase]


def _input_panels(oracle: Oracle, showcase: Showcase, data: ShowcaseData,
                  yours: Shown | None) -> list[Panel]:
    """The arguments the showcase draws, the first with the boxes where the reference's
    output and the student's put them."""
    parameters = oracle.assignment.exercise(showcase.exercise).parameters
    expected = data.expected
    boxes = [(expected.box, raster.EXPECTED_BOX)] if expected.box else []
    if yours and yours.box and yours.box != expected.box:
        boxes.append((yours.box, raster.YOUR_BOX))
    panels = []
    for position in showcase.inputs:
        value = data.arguments[position]
        if isinstance(value, np.ndarray) and value.ndim == 2:
            size = "x".join(map(str, value.shape))
            panels.append(raster.picture(parameters[position], value,
                                         tuple(boxes) if position == 0 else (), size))
    return panels


def _yours(showcase: Showcase, data: ShowcaseData,
           outcome: Outcome | None) -> tuple[Shown | None, str]:
    """What to draw of the student's outcome, or why there is nothing; and a note on it."""
    if outcome is None:
        return None, "Your function was not called on this input."
    if isinstance(outcome, Raised):
        return None, f"Your function raised {outcome.error} on this input."
    if isinstance(outcome, Rejected):
        return None, f"Your function {outcome.reason}."
    if isinstance(outcome, TimedOut):
        return None, (f"Your function gave no answer within {outcome.seconds:g} s on this input, "
                      "so it is not drawn.")
    note = ""
    if outcome.value.shape != data.expected.shape:
        note = (f"Your output has shape {outcome.value.shape}; the reference's has shape "
                f"{data.expected.shape}.")
    try:
        return showcase.show(data.arguments, outcome.value), note
    except Exception as error:  # the lesson's ``shown`` or ``box`` on an output it cannot read
        return None, " ".join(filter(None, [note, f"It cannot be drawn ({error})."]))


def pictured(oracle: Oracle, showcase: Showcase, outcome: Outcome | None,
             why_not_called: str = "") -> Pictured:
    """One showcase drawn: its inputs, the reference's picture, the student's and the
    difference; only the reference's where the function was not called (``outcome`` None,
    ``why_not_called`` says why)."""
    data = oracle.showcase(showcase)
    if data is None:
        return Pictured(showcase.title, showcase.caption, (), "No pictures: the stored file "
                        "has none for this showcase (run `grade freeze`).")
    reference = _reference_panels(oracle, showcase)
    yours, note = (None, why_not_called) if why_not_called else _yours(showcase, data, outcome)
    if yours is None:
        return Pictured(showcase.title, showcase.caption,
                        (*reference, Panel("yours", note="not drawn")), note)
    inputs = list(reference[:-1])
    if yours.box and yours.box != data.expected.box:
        inputs = _input_panels(oracle, showcase, data, yours)
    panels = [*inputs, reference[-1], raster.picture("yours", yours.picture)]
    if yours.picture.shape == data.expected.picture.shape:
        panels.append(raster.difference(data.expected.picture, yours.picture))
    else:
        note = " ".join(filter(None, [note, "The pictures differ in shape, so there is no "
                                            "difference to draw."]))
    if yours.box:
        note = " ".join(filter(None, [note, _boxes(data.expected.box, yours.box)]))
    return Pictured(showcase.title, showcase.caption, tuple(panels), note)


def _boxes(expected, yours) -> str:
    if expected == yours:
        return (f"The box is at row {yours[0]}, column {yours[1]}, for yours and the reference "
                "alike.")
    return (f"Boxed in green where expected, at row {expected[0]}, column {expected[1]}; in "
            f"orange where yours puts it, at row {yours[0]}, column {yours[1]}.")


def _calls(caller: Caller, oracle: Oracle, name: str, showcases: tuple[Showcase, ...],
           budget: Budget) -> list[Pictured]:
    """An exercise's showcases, its function called on all of them in one round trip, within
    the sum of their seconds."""
    found = [(showcase, oracle.showcase(showcase)) for showcase in showcases]
    if budget.over():
        why = (f"Your function was not called on this input: the submission ran out of time "
               f"({budget.describe()}).")
        return [pictured(oracle, showcase, None, why) for showcase in showcases]
    seconds = sum(showcase.seconds for showcase, data in found if data)
    calls = [data.arguments for _, data in found if data]
    caller.prefetch(name, calls, [()] * len(calls),
                    budget.within(seconds, "the pictures' seconds",
                                  getattr(caller, "clock", None)).deadline)
    pictures = []
    for showcase, data in found:
        outcome = caller.known(name, data.arguments) if data else None
        if data and outcome is None:
            sizes = shapes(oracle.assignment.exercise(name), data.arguments)
            pictures.append(pictured(oracle, showcase, None, (
                f"Your function gave no answer within the {seconds:g} s its pictures have, on "
                f"this input ({sizes}), so it is not drawn."
            )))
        else:
            pictures.append(pictured(oracle, showcase, outcome))
    return pictures


def _safely(draw, showcases: tuple[Showcase, ...]) -> list[Pictured]:
    """``draw()``, or a note in each picture's place: a picture that cannot be drawn costs no
    verdict."""
    try:
        return draw()
    except KernelLost:
        raise
    except Exception as error:
        return [Pictured(showcase.title, showcase.caption, (), (
            f"The grader could not draw this ({type(error).__name__}: {error}); the verdicts "
            "do not depend on it."
        )) for showcase in showcases]


def _references_only(oracle: Oracle, showcases: tuple[Showcase, ...],
                     why: str) -> list[Pictured]:
    """The showcases with the reference's pictures alone, each saying ``why``."""
    return _safely(lambda: [pictured(oracle, one, None, why) for one in showcases], showcases)


def _checked(result: ExerciseResult) -> bool:
    """Whether the function was there to call: defined, and checked in a kernel."""
    return not result.undefined and any(check.status != "error" for check in result.checks)


def picture_exercises(assignment: Assignment, caller: Caller, oracle: Oracle,
                      results: tuple[ExerciseResult, ...], budget: Budget
                      ) -> tuple[tuple[ExerciseResult, ...], float]:
    """Each checked exercise's result with its showcases drawn, calling the student's function
    through ``caller``; and the seconds it took. A call that loses the kernel ends the calls:
    the showcases left show only the reference's pictures."""
    started = time.perf_counter()
    lost = ""
    drawn = []
    for result in results:
        showcases = assignment.showcases_of(result.name)
        if result.showcases or not showcases or not _checked(result):
            drawn.append(result)
            continue
        try:
            pictures = (_references_only(oracle, showcases, lost) if lost else _safely(
                functools.partial(_calls, caller, oracle, result.name, showcases, budget),
                showcases))
        except KernelLost as error:
            lost = f"Your function was not called on this input: {error}."
            pictures = _references_only(oracle, showcases, lost)
        if result.stand_ins:
            pictures = [_with_helpers(one, result) for one in pictures]
        drawn.append(dataclasses.replace(result, showcases=tuple(pictures)))
    return tuple(drawn), time.perf_counter() - started


def _with_helpers(picture: Pictured, result: ExerciseResult) -> Pictured:
    """The picture, noting that no correct helper stood in for the ones that failed."""
    helpers = " and ".join(f"`{s.function}`" for s in result.stand_ins)
    single = len(result.stand_ins) == 1
    said = (f"Your {helpers} failed {'its' if single else 'their'} own checks, and here nothing "
            f"stands in for {'it' if single else 'them'}: `{result.name}` used "
            f"{'it' if single else 'them'} as {'it is' if single else 'they are'}.")
    return dataclasses.replace(picture, note=" ".join(filter(None, [said, picture.note])))


def reference_pictures(assignment: Assignment, oracle: Oracle,
                       results: tuple[ExerciseResult, ...]) -> tuple[ExerciseResult, ...]:
    """Each result that has no pictures yet given its showcases' reference pictures, with why
    the student's function was not drawn."""
    def why(result: ExerciseResult) -> str:
        if result.undefined:
            return f"`{result.name}` is not defined, so only the reference's pictures are shown."
        return (f"`{result.name}` could not be called here (see its sub-checks), so only the "
                "reference's pictures are shown.")

    return tuple(
        result if result.showcases else dataclasses.replace(result, showcases=tuple(
            _references_only(oracle, assignment.showcases_of(result.name), why(result))))
        for result in results
    )
