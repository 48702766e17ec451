"""Checks of a lesson's definition that need no kernel: each sub-check's strategy draws tuples
of the exercise's positional arguments, the reference takes those parameters, runs on a few
drawn inputs and satisfies the sub-check's own comparator.

Each problem is one line that names the fix. ``grade validate`` reports them, and ``grade
assign`` refuses to store outputs or start kernels while there are any, so a mistake in a
definition reads as a message instead of a traceback.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from hypothesis.strategies import SearchStrategy

from ..gradebook.views import COLUMN_ORDER
from ..judge.draws import draw_inputs
from ..judge.oracle import call_reference
from ..model.assignment import Assignment, Exercise, SubCheck
from ..model.errors import AssignmentError
from ..model.literals import literal
from ..output.report import GRADEBOOK_COLUMNS, ROSTER_COLUMNS

SAMPLE = 5  # inputs drawn per sub-check: enough to see what a strategy draws, and fast


def _error(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__


def _call(exercise: Exercise) -> str:
    return f"{exercise.name}({', '.join(exercise.parameters)})"


def _arguments(arguments: tuple) -> str:
    shown = ", ".join(literal(value) for value in arguments)
    return shown if len(shown) <= 200 else shown[:200] + "..."


def signature_problem(exercise: Exercise, function: Callable, whose: str) -> str:
    """Why ``function`` (the reference, say) does not take the exercise's parameters, or ""."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return ""
    positional = [p.name for p in signature.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if tuple(positional) == exercise.parameters:
        return ""
    return (f"{exercise.name}: the lesson gives its parameters as ({', '.join(exercise.parameters)})"
            f" but {whose} takes {signature}: make them the same")


def _strategy_problem(exercise: Exercise, check: SubCheck, drawn: tuple) -> str:
    name = f"{exercise.name}: {check.name}"
    for arguments in drawn:
        if not isinstance(arguments, tuple):
            return (f"{name}: its strategy draws one {type(arguments).__name__}, not a tuple of "
                    f"the arguments of {_call(exercise)}: draw a tuple, such as "
                    "st.tuples(...) or `return image, shape` in an @st.composite")
        if len(arguments) != len(exercise.parameters):
            return (f"{name}: its strategy draws tuples of {len(arguments)} values, but "
                    f"{_call(exercise)} takes {len(exercise.parameters)}: draw one value per "
                    "parameter, in order")
    return ""


def _reference_problem(exercise: Exercise, check: SubCheck, drawn: tuple,
                       reference: Callable, module: str) -> str:
    name = f"{exercise.name}: {check.name}"
    for arguments in drawn:
        try:
            expected = call_reference(reference, arguments)
        except Exception as error:  # the lesson's own code: reported, never a traceback
            return (f"{name}: the reference {module}.{exercise.name} raised {_error(error)} on "
                    f"({_arguments(arguments)}): fix the reference, or draw only inputs it "
                    "is meant for")
        try:
            mismatch = check.compare(arguments, expected, expected.copy())
        except Exception as error:
            return f"{name}: its comparator raised {_error(error)}: fix the comparator"
        if mismatch is not None:
            return (f"{name}: the reference's own output fails the sub-check's comparator "
                    f"({mismatch.reason}): fix the reference or the comparator")
    return ""


def load_references(assignment: Assignment) -> tuple[dict[str, Callable] | None, str]:
    """The lesson's reference functions, or None and why they cannot be had (one line)."""
    try:
        return assignment.reference_functions(), ""
    except AssignmentError as error:
        return None, (f"{error}: run `grade assign` on the solved notebook to write it, or "
                      "write it by hand")
    except Exception as error:  # the module's own code failed as it was imported
        return None, (f"importing the reference {assignment.reference} raised "
                      f"{_error(error)}: fix the reference")


# The gradebook's own columns of grades.csv, after the platforms': when it was submitted, the
# late penalty, the final points, the overrides.
GRADEBOOK_OWN_COLUMNS = tuple(c for c in COLUMN_ORDER if c not in ROSTER_COLUMNS)


def definition_problems(assignment: Assignment,
                        references: dict[str, Callable] | None) -> list[str]:
    """What is wrong with the lesson's exercises and sub-checks, one line each; the reference's
    part is left out when ``references`` is None (not installed)."""
    problems = []
    for exercise in assignment.exercises:
        if exercise.name in GRADEBOOK_COLUMNS:
            problems.append(f"{exercise.name}: grades.csv has a column of that name already "
                            f"({', '.join(GRADEBOOK_COLUMNS)}): give the exercise another name")
        if exercise.name in ROSTER_COLUMNS:
            problems.append(f"{exercise.name}: grades.csv has a column of that name when the "
                            "submissions come from Canvas or Gradescope "
                            f"({', '.join(ROSTER_COLUMNS)}): give the exercise another name")
        if exercise.name in GRADEBOOK_OWN_COLUMNS:
            problems.append(f"{exercise.name}: grades.csv has a column of that name for the "
                            f"gradebook ({', '.join(GRADEBOOK_OWN_COLUMNS)}): give the exercise "
                            "another name")
        if references is not None:
            problems.append(signature_problem(exercise, references[exercise.name],
                                              f"the reference {assignment.reference}.{exercise.name}"))
        for check in exercise.checks:
            if not isinstance(check.inputs, SearchStrategy):
                problems.append(f"{exercise.name}: {check.name}: its inputs are a "
                                f"{type(check.inputs).__name__}, not a hypothesis strategy: "
                                "give a strategy that draws a tuple of arguments")
                continue
            try:
                drawn = draw_inputs(exercise, check, SAMPLE)
            except Exception as error:  # the lesson's own strategy
                problems.append(f"{exercise.name}: {check.name}: drawing its inputs raised "
                                f"{_error(error)}: fix its strategy")
                continue
            problem = _strategy_problem(exercise, check, drawn)
            if not problem and references is not None:
                problem = _reference_problem(exercise, check, drawn, references[exercise.name],
                                             assignment.reference)
            problems.append(problem)
    return [problem for problem in problems if problem]
