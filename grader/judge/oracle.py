"""Where the inputs of each sub-check and their expected outputs come from.

Every sub-check has a fixed set of inputs: the ones stored with the assignment (see ``stored``),
else the ones hypothesis draws from the sub-check's strategy with a seed of its own (see
``draws``). The grader uses the stored inputs whenever they are there, so final grading and a
student's self-check try exactly the same inputs whatever hypothesis version each machine has;
expected outputs come from the reference when it can be imported and from the stored file
otherwise. The same goes for the outputs of an exercise's stand-ins (see
``assignment.StandIn``): for each fixed input, the correct output of each helper call it leads to.
And for the showcases (see ``model.showcase``): their arguments are the stored ones where the
file has them, and what the reference shows of its output comes from the reference, or the file.

Final grading with the reference also knows each sub-check's held-out inputs for one submission
(``for_notebook``, ``held_out``; see ``model.secret``): drawn with a seed made of the lesson's
secret, and judged against the reference alone, since no file holds their outputs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache

import hypothesis
import numpy as np

from ..kernel.calls import StandInOutput
from ..model.assignment import Assignment, Exercise, SubCheck
from ..model.errors import AssignmentError, SettingError, UsageError
from ..model.results import Mode
from ..model.secret import held_out_seed, read_secret
from ..model.showcase import Showcase
from ..model.values import argument_key
from .draws import draw_inputs
from .stored import Examples, ShowcaseData, Stored, load_examples


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


class Oracle:
    """Knows each sub-check's inputs and expected outputs, from the reference or from storage."""

    def __init__(self, assignment: Assignment, references: dict[str, Callable] | None,
                 stored: Stored | None, secret: bytes | None = None):
        if references is None and stored is None:
            raise AssignmentError(
                f"{assignment.name!r} has neither its reference solutions ({assignment.reference})"
                f" nor stored expected outputs ({assignment.expected_path()})"
            )
        self.assignment = assignment
        self.references = references
        self.stored = stored
        self.mode: Mode = "reference" if references is not None else "stored outputs"
        # Held-out inputs need the reference, which alone knows their outputs.
        self.secret = secret if references is not None else None
        self.notebook = ""  # the digest of the notebook graded now: its held-out inputs' seed
        self.examples = cache(self._examples)
        self.showcase = cache(self._showcase)

    def for_notebook(self, digest: str) -> Oracle:
        """This oracle for grading the notebook whose bytes have ``digest`` (see ``held_out``);
        what it knows of the stored inputs is shared, not copied."""
        bound = copy.copy(self)
        bound.notebook = digest
        return bound

    @property
    def holds_out(self) -> bool:
        """Whether final grading tries held-out inputs too: the reference and the secret are
        both here."""
        return self.secret is not None

    def ensure_usable(self, max_examples: int) -> None:
        """Fail now, before any notebook runs, if the stored inputs cannot serve these settings."""
        if self.references is not None:
            return
        assert self.stored is not None  # the constructor refuses an oracle with neither
        if self.stored.max_examples != max_examples:
            raise SettingError(
                "without the reference solutions only the stored inputs can be checked: "
                f"use {{max_examples={self.stored.max_examples}}}"
            )

    def reference(self, exercise: Exercise) -> Callable | None:
        return self.references[exercise.name] if self.references is not None else None

    def _examples(self, exercise: Exercise, subcheck: SubCheck, max_examples: int) -> Examples:
        key = (exercise.name, subcheck.name)
        stored = (self.stored.examples.get(key)
                  if self.stored and self.stored.max_examples == max_examples else None)
        if self.references is None:
            self.ensure_usable(max_examples)
            if stored is None:
                raise UsageError(f"no stored expected outputs for {exercise.name}: {subcheck.name}")
            return stored
        if stored:
            return self._answered(exercise, subcheck, stored.inputs, drawn_with=stored.drawn_with)
        return self._answered(exercise, subcheck, draw_inputs(exercise, subcheck, max_examples))

    def held_out(self, exercise: Exercise, subcheck: SubCheck, count: int) -> Examples | None:
        """``count`` inputs of the sub-check that students never see, for the notebook this
        oracle is for (see ``for_notebook``), with the reference's outputs; None where there
        are none to try (no secret, or no reference)."""
        if self.secret is None or count < 1:
            return None
        seed = held_out_seed(self.secret, self.assignment.name, exercise.name, subcheck.name,
                             self.notebook)
        inputs = draw_inputs(exercise, subcheck, count, seed)
        return self._answered(exercise, subcheck, inputs, seed=seed, draws=count)

    def _answered(self, exercise: Exercise, subcheck: SubCheck, inputs: tuple[tuple, ...],
                  drawn_with: str = hypothesis.__version__, seed: int | None = None,
                  draws: int | None = None) -> Examples:
        """``inputs`` with the reference's output (and stand-in outputs) for each."""
        assert self.references is not None  # called only when the reference is here
        reference = self.references[exercise.name]
        return Examples(
            inputs,
            tuple(call_reference(reference, arguments) for arguments in inputs),
            tuple(stand_in_outputs(exercise, self.references, arguments) for arguments in inputs)
            if exercise.stand_ins else (),
            drawn_with,
            repr(subcheck.inputs),
            seed,
            draws,
        )

    def _showcase(self, showcase: Showcase) -> ShowcaseData | None:
        """The showcase's arguments and what the reference's output shows; None where the
        reference is not installed and the stored file does not have them."""
        key = (showcase.exercise, showcase.title)
        stored = self.stored.showcases.get(key) if self.stored else None
        if self.references is None:
            return stored
        try:
            arguments = stored.arguments if stored else showcase.arguments()
            output = call_reference(self.references[showcase.exercise], arguments)
            return ShowcaseData(arguments, showcase.show(arguments, output))
        except Exception as error:  # the lesson's own code: its data, or what it draws
            raise AssignmentError(
                f"the showcase {showcase.title!r} of {showcase.exercise!r} in "
                f"{self.assignment.name!r} fails on the reference: {type(error).__name__}: "
                f"{error}"
            ) from None

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
    """The reference solutions when they can be imported (and are wanted), else stored outputs;
    with the reference, the lesson's secret too, where it has one (see ``model.secret``)."""
    references = None
    if use_reference:
        try:
            references = assignment.reference_functions()
        except AssignmentError:
            references = None
    path = assignment.expected_path()
    stored = load_examples(path) if path.is_file() else None
    secret = read_secret(assignment.secret_path()) if references is not None else None
    return Oracle(assignment, references, stored, secret)
