"""Where the inputs of each sub-check and their expected outputs come from.

Every sub-check has a fixed set of inputs: the ones hypothesis draws from the sub-check's
strategy with a seed of its own. An assignment can store that set with the reference's outputs
for it (``python -m grader.freeze``), so that a student's install can reach the same verdicts
without the reference solutions. The grader uses the stored inputs whenever they are there, so
final grading and a student's self-check try exactly the same inputs whatever hypothesis
version each machine has; expected outputs come from the reference when it can be imported and
from the stored file otherwise. The same goes for the outputs of an exercise's stand-ins (see
``assignment.StandIn``): for each fixed input, the correct output of each helper call it leads to.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import hypothesis
import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

from .assignment import Assignment, Exercise, SubCheck
from .calls import StandInOutput, argument_key
from .errors import AssignmentError, UsageError

Mode = Literal["reference", "stored outputs"]
MANIFEST = "__manifest__"


def search_seed(exercise: Exercise, subcheck: SubCheck) -> int:
    """One fixed seed per sub-check, the same in every process and on every machine."""
    return zlib.crc32(f"{exercise.name}/{subcheck.name}".encode())


def search_settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


@contextmanager
def same_draws_in_every_process():
    """Keep hypothesis from mixing in literals found in the modules this process has imported.

    Hypothesis now and then draws a constant it found in the "local" modules loaded at the time
    (ours among them), so what it draws for a fixed seed would depend on which of the grader's
    modules happen to be imported. Inside this block it uses only its own constants. Where a
    hypothesis version does not work this way, nothing is changed.
    """
    try:
        from hypothesis.internal.conjecture import providers

        original, cache = providers._get_local_constants, providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):
        yield
        return
    providers._get_local_constants = providers.Constants
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def draw_inputs(exercise: Exercise, subcheck: SubCheck, max_examples: int) -> tuple[tuple, ...]:
    """The inputs hypothesis draws for a sub-check when nothing fails."""
    drawn: list[tuple] = []

    @seed(search_seed(exercise, subcheck))
    @search_settings(max_examples)
    @given(subcheck.inputs)
    def collect(arguments):
        drawn.append(arguments)

    with same_draws_in_every_process():
        collect()
    return tuple(drawn)


def call_reference(reference: Callable, arguments: tuple) -> np.ndarray:
    copies = [np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments]
    return np.asarray(reference(*copies))


def stand_in_outputs(exercise: Exercise, references: dict[str, Callable],
                     arguments: tuple) -> tuple[np.ndarray, ...]:
    """The reference's output for each of the exercise's stand-ins, on a call with ``arguments``."""
    return tuple(
        call_reference(references[stand_in.function], stand_in.helper_arguments(arguments))
        for stand_in in exercise.stand_ins
    )


@dataclass(frozen=True)
class Examples:
    """A sub-check's fixed inputs and the output expected for each."""

    inputs: tuple[tuple, ...]
    expected: tuple[np.ndarray, ...]
    # For each input, the correct output of each stand-in of the exercise (in the order of
    # ``Exercise.stand_ins``) on the helper arguments that input leads to; () without stand-ins.
    stand_in_outputs: tuple[tuple[np.ndarray, ...], ...] = ()
    drawn_with: str = ""  # the hypothesis version that drew the inputs
    strategy: str = ""  # the strategy they were drawn from, as it prints (``repr``)


# -- the stored file -------------------------------------------------------------------------


def _encode(value) -> tuple[str, np.ndarray]:
    if isinstance(value, np.ndarray):
        return "array", value
    if isinstance(value, tuple):
        return "tuple", np.asarray(value)
    return "scalar", np.asarray(value)


def _decode(kind: str, array: np.ndarray):
    if kind == "tuple":
        return tuple(array.tolist())
    return array.item() if kind == "scalar" else array


def _pack(outputs: list[np.ndarray]) -> tuple[np.ndarray, list]:
    """Many arrays as one run of bytes, and the dtype and shape of each.

    Stand-in outputs (every window of an image, say) repeat their values across arrays, which
    compression finds only when they sit side by side: packed, they take a few per cent of the
    space they would as separate entries.
    """
    contiguous = [np.ascontiguousarray(output) for output in outputs]
    packed = np.frombuffer(b"".join(output.tobytes() for output in contiguous), dtype=np.uint8)
    return packed, [[output.dtype.str, list(output.shape)] for output in contiguous]


def _unpack(packed: np.ndarray, layout: list) -> list[np.ndarray]:
    data, start, outputs = packed.tobytes(), 0, []
    for dtype, shape in layout:
        dtype = np.dtype(dtype)
        if dtype.hasobject:
            raise ValueError("a stored stand-in output is not a plain array")
        size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
        outputs.append(np.frombuffer(data[start : start + size], dtype=dtype).reshape(shape).copy())
        start += size
    if start != len(data):
        raise ValueError("the stored stand-in outputs do not match their layout")
    return outputs


def save_examples(path: Path, assignment: Assignment, max_examples: int,
                  examples: dict[tuple[str, str], Examples]) -> None:
    arrays: dict[str, np.ndarray] = {}
    checks = []
    for number, ((exercise, check), found) in enumerate(examples.items()):
        kinds: list[str] = []
        for index, (arguments, expected) in enumerate(zip(found.inputs, found.expected)):
            encoded = [_encode(value) for value in arguments]
            kinds = [kind for kind, _ in encoded]
            for position, (_, array) in enumerate(encoded):
                arrays[f"{number}/{index}/{position}"] = array
            arrays[f"{number}/{index}/expected"] = np.asarray(expected)
        entry = {
            "exercise": exercise, "check": check, "count": len(found.inputs), "kinds": kinds,
            "drawn_with": found.drawn_with, "strategy": found.strategy,
        }
        if found.stand_in_outputs:
            entry["stand_ins"] = []
            functions = [s.function for s in assignment.exercise(exercise).stand_ins]
            for position, function in enumerate(functions):
                packed, layout = _pack([outputs[position] for outputs in found.stand_in_outputs])
                arrays[f"{number}/stand_in/{position}"] = packed
                entry["stand_ins"].append({"function": function, "outputs": layout})
        checks.append(entry)
    manifest = {"assignment": assignment.name, "max_examples": max_examples, "checks": checks}
    arrays[MANIFEST] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


@dataclass(frozen=True)
class Stored:
    max_examples: int
    examples: dict[tuple[str, str], Examples]


def load_examples(path: Path) -> Stored:
    try:
        with np.load(path, allow_pickle=False) as data:
            manifest = json.loads(data[MANIFEST].tobytes())
            # Files from before each sub-check named its own version name one for them all.
            drawn_with = str(manifest.get("hypothesis", ""))
            examples = {}
            for number, entry in enumerate(manifest["checks"]):
                inputs, expected = [], []
                for index in range(entry["count"]):
                    inputs.append(tuple(
                        _decode(kind, data[f"{number}/{index}/{position}"])
                        for position, kind in enumerate(entry["kinds"])
                    ))
                    expected.append(data[f"{number}/{index}/expected"])
                per_stand_in = [
                    _unpack(data[f"{number}/stand_in/{position}"], stand_in["outputs"])
                    for position, stand_in in enumerate(entry.get("stand_ins", []))
                ]
                if any(len(outputs) != entry["count"] for outputs in per_stand_in):
                    raise ValueError(f"stand-in outputs missing for {entry['exercise']}")
                examples[(entry["exercise"], entry["check"])] = Examples(
                    tuple(inputs), tuple(expected),
                    tuple(zip(*per_stand_in)) if per_stand_in else (),
                    str(entry.get("drawn_with", drawn_with)), str(entry.get("strategy", "")),
                )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AssignmentError(f"cannot read the stored expected outputs {path}: {error}") from None
    return Stored(int(manifest["max_examples"]), examples)


# -- choosing between them -------------------------------------------------------------------


class Oracle:
    """Knows each sub-check's inputs and expected outputs, from the reference or from storage."""

    def __init__(self, assignment: Assignment, references: dict[str, Callable] | None,
                 stored: Stored | None):
        if references is None and stored is None:
            raise AssignmentError(
                f"{assignment.name!r} has neither its reference solutions ({assignment.reference})"
                f" nor stored expected outputs ({assignment.expected_path()})"
            )
        self.assignment = assignment
        self.references = references
        self.stored = stored
        self.mode: Mode = "reference" if references is not None else "stored outputs"
        self.examples = cache(self._examples)

    def ensure_usable(self, max_examples: int) -> None:
        """Fail now, before any notebook runs, if the stored inputs cannot serve these settings."""
        if self.references is None and self.stored.max_examples != max_examples:
            raise UsageError(
                "without the reference solutions only the stored inputs can be checked: "
                f"use --max-examples {self.stored.max_examples}"
            )

    def reference(self, exercise: Exercise) -> Callable | None:
        return self.references[exercise.name] if self.references is not None else None

    def _examples(self, exercise: Exercise, subcheck: SubCheck, max_examples: int) -> Examples:
        key = (exercise.name, subcheck.name)
        stored = self.stored.examples.get(key) if self.stored else None
        if stored and self.stored.max_examples != max_examples:
            stored = None
        if self.references is None:
            self.ensure_usable(max_examples)
            if stored is None:
                raise UsageError(f"no stored expected outputs for {exercise.name}: {subcheck.name}")
            return stored
        reference = self.references[exercise.name]
        if stored:
            inputs, drawn_with = stored.inputs, stored.drawn_with
        else:
            inputs, drawn_with = draw_inputs(exercise, subcheck, max_examples), hypothesis.__version__
        return Examples(
            inputs,
            tuple(call_reference(reference, arguments) for arguments in inputs),
            tuple(stand_in_outputs(exercise, self.references, arguments) for arguments in inputs)
            if exercise.stand_ins else (),
            drawn_with,
            repr(subcheck.inputs),
        )

    def stand_ins(self, exercise: Exercise, examples: Examples
                  ) -> Callable[[tuple], tuple[StandInOutput, ...]]:
        """For the arguments of a call of ``exercise``: its stand-ins, with the correct outputs.

        For the fixed inputs the outputs come with ``examples`` (stored, or from the reference);
        for any other input, such as one hypothesis tries while shrinking, from the reference.
        """
        if exercise.stand_ins and len(examples.stand_in_outputs) != len(examples.inputs):
            raise AssignmentError(
                f"the stored expected outputs {self.assignment.expected_path()} have no stand-in "
                f"outputs for {exercise.name}: run `python -m grader.freeze` to store them"
            )
        known = {
            argument_key(arguments): outputs
            for arguments, outputs in zip(examples.inputs, examples.stand_in_outputs)
        }

        def outputs_for(arguments: tuple) -> tuple[StandInOutput, ...]:
            outputs = known.get(argument_key(arguments))
            if outputs is None:
                if self.references is None:
                    raise AssignmentError(
                        f"no stored stand-in outputs for this input of {exercise.name}"
                    )
                outputs = stand_in_outputs(exercise, self.references, arguments)
            return tuple(
                StandInOutput(
                    stand_in.function,
                    self.assignment.exercise(stand_in.function).parameters,
                    stand_in.helper_arguments(arguments),
                    output,
                )
                for stand_in, output in zip(exercise.stand_ins, outputs)
            )

        return outputs_for


def make_oracle(assignment: Assignment, use_reference: bool = True) -> Oracle:
    """The reference solutions when they can be imported (and are wanted), else stored outputs."""
    references = None
    if use_reference:
        try:
            references = assignment.reference_functions()
        except AssignmentError:
            references = None
    path = assignment.expected_path()
    stored = load_examples(path) if path.is_file() else None
    return Oracle(assignment, references, stored)
