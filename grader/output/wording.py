"""The words feedback is made of, shared by the Markdown and HTML reports and the JUnit file."""

from __future__ import annotations

from collections.abc import Iterable

from ..model.results import CheckResult, StandInApplied


def points(value: float) -> str:
    return f"{value:g}"


def stand_in_note(exercise: str, stand_ins: Iterable[StandInApplied], outputs_shown: bool) -> str:
    """In plain words: which helpers stood in while ``exercise`` was checked, and what that means.

    ``outputs_shown``: whether outputs of ``exercise`` (a failing input's "Got") come with it.
    """
    stand_ins = list(stand_ins)
    if not stand_ins:
        return ""
    helpers = " and ".join(f"`{s.function}`" for s in stand_ins)
    calls = " and ".join(f"`{s.call}`" for s in stand_ins)
    one = len(stand_ins) == 1
    note = (
        f"{helpers} failed {'its' if one else 'their'} own checks, so while `{exercise}` was "
        f"checked, calls to your {helpers} with the check's own inputs ({calls}) got the correct "
        f"result instead of yours; other calls went to your code. `{exercise}` is graded on its "
        f"own: the mistake in {helpers} costs points only there."
    )
    if outputs_shown:
        note += (
            f" The outputs of `{exercise}` shown below were computed this way: your notebook may "
            f"give other ones until {helpers} {'is' if one else 'are'} fixed."
        )
    return note


def check_output(check: CheckResult) -> str:
    """A sub-check's verdict as plain text: what it checks, what went wrong, on which input."""
    lines = [check.description]
    if check.status != "passed" and check.message:
        lines.append(check.message)
    if check.stand_ins:
        lines.append(stand_in_note(check.exercise, check.stand_ins, bool(check.counterexample)))
    example = check.counterexample
    if example:
        lines.append("Smallest failing input:")
        lines.extend(f"{name} = {value}" for name, value in example.arguments)
        lines.append(f"Expected: {example.expected}")
        lines.append(f"Got: {example.actual}")
    if check.note:
        lines.append(check.note)
    return "\n".join(lines)


MODE_NOTE = {
    "reference": "Expected outputs come from the reference solutions.",
    "stored outputs": "Expected outputs come from the outputs stored with the assignment (no "
    "reference solutions here); the verdicts are those final grading gives, though a failing "
    "input shown may be larger than the one final grading shows.",
}

MARK = {"passed": "PASS", "failed": "FAIL", "error": "NOT RUN", "timeout": "TIMEOUT",
        "grader error": "GRADER ERROR"}
