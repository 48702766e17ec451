"""Each sub-check's fixed inputs with the reference's outputs, and whether the stored ones are
current (``grade freeze`` writes and checks them).

With the stored file a student's install grades without the reference solutions and reaches the
verdicts final grading reaches. For an exercise with stand-ins it also holds, per input, the
reference's output for each stand-in's helper call.

The stored inputs are kept when the file is written again: only their outputs are computed
anew, so changing a reference solution never changes what students meet. ``--redraw`` draws
every input afresh, after a change to how a sub-check draws them. ``--check`` writes nothing
and exits 1 if the stored file is missing or out of date (see ``stale_checks``; run without it
to bring it up to date).

The showcases' arguments (see ``model.showcase``) are built afresh from the lesson's data each
time the file is written, with what the reference's output shows; they are out of date when the
lesson now builds other arguments or the reference shows something else.
"""

from __future__ import annotations

from dataclasses import dataclass

import hypothesis
import numpy as np

from ..judge.draws import draw_inputs
from ..judge.oracle import Oracle, call_reference, stand_in_outputs
from ..judge.stored import Examples, ShowcaseData, Stored, load_examples, save_examples
from ..model.assignment import Assignment, Exercise, SubCheck


def current_examples(assignment: Assignment, max_examples: int, stored: Stored | None = None
                     ) -> dict[tuple[str, str], Examples]:
    """Every sub-check's inputs with the reference's outputs for them.

    The inputs already stored are kept (they are what every student meets, whichever hypothesis
    version is installed); a sub-check with none stored, or all of them without ``stored``, gets
    a fresh draw from this machine's hypothesis.
    """
    kept = None if stored is None or stored.max_examples != max_examples else stored
    oracle = Oracle(assignment, assignment.reference_functions(), stored=kept)
    return {
        (exercise.name, check.name): oracle.examples(exercise, check, max_examples)
        for exercise in assignment.exercises
        for check in exercise.checks
    }


def current_showcases(assignment: Assignment) -> dict[tuple[str, str], ShowcaseData]:
    """Every showcase's arguments, built afresh, with what the reference's output shows."""
    oracle = Oracle(assignment, assignment.reference_functions(), stored=None)
    found = {}
    for showcase in assignment.showcases:
        data = oracle.showcase(showcase)
        assert data is not None  # with the reference here, each is drawn afresh (or raises)
        found[(showcase.exercise, showcase.title)] = data
    return found


@dataclass(frozen=True)
class Frozen:
    """What ``write_expected`` wrote."""

    inputs: int
    stand_in_outputs: int
    showcases: int
    subchecks: int
    kept: int  # sub-checks whose stored inputs were kept


def write_expected(assignment: Assignment, max_examples: int, redraw: bool = False) -> Frozen:
    """Write the stored file: every sub-check's inputs (the stored ones kept, unless ``redraw``)
    with the reference's outputs, and every showcase."""
    path = assignment.expected_path()
    stored = load_examples(path) if path.is_file() and not redraw else None
    examples = current_examples(assignment, max_examples, stored)
    showcases = current_showcases(assignment)
    save_examples(path, assignment, max_examples, examples, showcases)
    kept = sum(key in stored.examples for key in examples) if stored and (
        stored.max_examples == max_examples) else 0
    return Frozen(
        sum(len(found.inputs) for found in examples.values()),
        sum(len(each) for found in examples.values() for each in found.stand_in_outputs),
        len(showcases), len(examples), kept,
    )


def _equal(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def _same_inputs(left: tuple[tuple, ...], right: tuple[tuple, ...]) -> bool:
    return len(left) == len(right) and all(
        len(x) == len(y) and all(_equal(p, q) for p, q in zip(x, y)) for x, y in zip(left, right)
    )


@dataclass(frozen=True)
class Staleness:
    """What ``--check`` found: problems make the stored file out of date; notes do not."""

    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _stale(exercise: Exercise, check: SubCheck, found: Examples, references: dict,
           max_examples: int) -> str:
    """Why one sub-check's stored data is out of date, or "" if it is current."""
    if found.strategy and found.strategy != repr(check.inputs):
        return (f"its inputs were drawn from {found.strategy}, but it now draws from "
                f"{check.inputs!r}; run with --redraw")
    if not all(
        _equal(call_reference(references[exercise.name], arguments), expected)
        for arguments, expected in zip(found.inputs, found.expected)
    ):
        return "the reference now gives other outputs"
    if exercise.stand_ins and not (
        len(found.stand_in_outputs) == len(found.inputs) and all(
            len(stored) == len(fresh) and all(map(_equal, stored, fresh))
            for arguments, stored in zip(found.inputs, found.stand_in_outputs)
            for fresh in [stand_in_outputs(exercise, references, arguments)]
        )
    ):
        return "the stand-in outputs are missing or out of date"
    if not exercise.stand_ins and found.stand_in_outputs:
        return "stand-in outputs are stored but it has no stand-ins"
    if found.drawn_with == hypothesis.__version__ and not _same_inputs(
        found.inputs, draw_inputs(exercise, check, max_examples)
    ):
        return "the sub-check now draws other inputs; run with --redraw"
    return ""


def _stale_showcase(stored: ShowcaseData | None, fresh: ShowcaseData) -> str:
    """Why one showcase's stored data is out of date, or "" if it is current."""
    if stored is None:
        return "not stored"
    if not _same_inputs((stored.arguments,), (fresh.arguments,)):
        return "the lesson now builds other arguments for it"
    expected, now = stored.expected, fresh.expected
    size = max(1.0, float(np.abs(now.picture).max(initial=0.0)))
    if (expected.box, expected.shape, expected.picture.shape) != (now.box, now.shape,
                                                                  now.picture.shape) or not \
            np.allclose(expected.picture, now.picture, rtol=1e-6, atol=1e-6 * size):
        return "the reference now shows something else"
    return ""


def stale_checks(assignment: Assignment, max_examples: int) -> Staleness:
    """Sub-checks whose stored data is missing or wrong, each with the reason.

    The stored inputs are the truth: every student meets them, whatever hypothesis version
    draws on their machine. So the stored file is out of date only when an input is missing, a
    stored output is not what the reference gives for its input (the outputs of stand-ins
    included), or the sub-check's definition changed: it names another strategy, or, where this
    machine has the hypothesis version that drew the inputs, a fresh draw gives other ones.
    Another hypothesis version may draw other inputs, and the stored ones stay valid: that is
    only a note.
    """
    path = assignment.expected_path()
    if not path.is_file():
        return Staleness((f"{path} does not exist",))
    stored = load_examples(path)
    if stored.max_examples != max_examples:
        return Staleness(
            (f"stored with {stored.max_examples} inputs per sub-check, not {max_examples}",)
        )
    references = assignment.reference_functions()
    problems = []
    versions: set[str] = set()
    for exercise in assignment.exercises:
        for check in exercise.checks:
            name = f"{exercise.name}: {check.name}"
            found = stored.examples.get((exercise.name, check.name))
            if found is None or len(found.inputs) != max_examples:
                problems.append(f"{name}: not stored")
                continue
            versions.add(found.drawn_with)
            why = _stale(exercise, check, found, references, max_examples)
            if why:
                problems.append(f"{name}: {why}")
    for (function, title), fresh in current_showcases(assignment).items():
        why = _stale_showcase(stored.showcases.get((function, title)), fresh)
        if why:
            problems.append(f"{function}: showcase {title!r}: {why}")
    others = sorted(version or "an unknown version" for version in versions
                    if version != hypothesis.__version__)
    notes = (
        (f"the stored inputs were drawn with hypothesis {', '.join(others)}; this machine has "
         f"{hypothesis.__version__}, so no fresh draw was compared with them (they stay what "
         "every student meets)",)
        if others else ()
    )
    return Staleness(tuple(problems), notes)
