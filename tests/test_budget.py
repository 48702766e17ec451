"""A slow function costs bounded time. No kernels, no waiting: the fake caller's calls advance a
fake clock by as long as each would take."""

import numpy as np
import pytest

from grader.judge.exercises import check_exercises
from grader.judge.search import BATCH_SECONDS, run_check
from grader.model.budget import Budget
from grader.model.results import SubmissionResult
from grader.model.settings import Settings
from grader.output.report import feedback_markdown
from solutions import convolutions as reference

from fake_caller import (
    ByName,
    FakeCaller,
    FakeClock,
    arguments_of,
    reference_oracle,
    stored_oracle,
    subcheck,
)
from test_check import flipped_convolve

DEFAULTS = Settings()
PHOTO = np.random.default_rng(0).integers(0, 256, (512, 512)).astype(np.uint8)


def ignores_its_image(image, template):
    """Matches the template against the whole lesson photo, whatever image it is given."""
    return reference.template_match(PHOTO, template)


def submission_budget(clock, seconds=DEFAULTS.submission_timeout):
    return Budget.start(seconds, "--submission-timeout", clock)


def reference_callers(assignment, clock, seconds_per_call):
    """Every exercise answered by the reference, each call taking ``seconds_per_call``."""
    return ByName({
        exercise.name: FakeCaller(getattr(reference, exercise.name), clock=clock,
                                  seconds_per_call=seconds_per_call)
        for exercise in assignment.exercises
    })


def check_one(assignment, exercise_name, check_name, function, seconds_per_call, oracle=None,
              clocks=None):
    """``run_check`` with the default budgets on a fake clock (put in ``clocks`` if given)."""
    clock = FakeClock()
    if clocks is not None:
        clocks.append(clock)
    exercise, sub = subcheck(assignment, exercise_name, check_name)
    caller = FakeCaller(function, clock=clock, seconds_per_call=seconds_per_call)
    oracle = oracle or stored_oracle(assignment)
    examples = oracle.examples(exercise, sub, DEFAULTS.max_examples)
    result = run_check(
        exercise, sub, examples, caller, oracle.reference(exercise), DEFAULTS.max_examples,
        budget=submission_budget(clock).within(DEFAULTS.check_timeout, "--check-timeout"),
        shrink_timeout=DEFAULTS.shrink_timeout,
    )
    return result, caller, clock


def test_a_function_that_ignores_its_argument_fails_after_one_slow_call(assignment):
    result, caller, clock = check_one(
        assignment, "template_match", "any template", ignores_its_image, 3.0
    )
    assert result.status == "failed"
    assert len(caller.ran) == 1 and clock.now == 3.0


def test_shrinking_a_slow_failure_stops_within_its_time(assignment):
    result, _caller, clock = check_one(
        assignment, "template_match", "any template", ignores_its_image, 3.0,
        oracle=reference_oracle(assignment),
    )
    assert result.status == "failed" and result.counterexample is not None
    # One call to find the failure, then calls until the 10 s of shrinking are spent; the call
    # in flight then is the last.
    assert clock.now <= 3.0 + DEFAULTS.shrink_timeout + 3.0


def test_shrinking_cut_short_shows_the_smallest_failure_found_and_says_why(assignment):
    first_failure = []

    def flipped_and_timed(image, kernel):
        if not first_failure and not np.allclose(flipped_convolve(image, kernel),
                                                 reference.convolve(image, kernel)):
            first_failure.append(clock_of_the_call[0]())
        return flipped_convolve(image, kernel)

    clock_of_the_call = []
    result, _caller, clock = check_one(
        assignment, "convolve", "any kernel", flipped_and_timed, 1.0,
        oracle=reference_oracle(assignment), clocks=clock_of_the_call,
    )
    assert result.status == "failed"
    # The rest of the batch that held the first failure runs too (at this pace a batch takes at
    # most BATCH_SECONDS), then shrinking's 10 s, then the one call in flight at its end.
    assert clock.now <= first_failure[0] + BATCH_SECONDS - 1.0 + DEFAULTS.shrink_timeout + 1.0
    assert result.note.startswith(
        "The search for a smaller failing input was cut short (10 s, --shrink-timeout): each "
        "call took about 1 s (image "
    )
    assert result.note.endswith("This is the smallest failing input found by then.")
    # The input shown is one the student's function gets wrong.
    arguments = arguments_of(result.counterexample)
    assert not np.allclose(flipped_convolve(**arguments), reference.convolve(**arguments))


def test_a_correct_function_taking_a_fifth_of_a_second_per_call_passes_by_default(assignment):
    clock = FakeClock()
    callers = reference_callers(assignment, clock, seconds_per_call=0.2)
    results, lost = check_exercises(assignment, callers, stored_oracle(assignment), DEFAULTS,
                                    budget=submission_budget(clock))
    assert lost == ""
    assert [check.status for e in results for check in e.checks] == ["passed"] * 9
    assert clock.now == pytest.approx(0.2 * sum(len(c.ran) for c in callers.callers.values()))


def test_a_correct_function_too_slow_for_the_budget_times_out_with_its_pace(assignment):
    result, caller, clock = check_one(
        assignment, "convolve", "any kernel", reference.convolve, 1.0
    )
    assert result.status == "timeout" and result.points == 0 and result.counterexample is None
    assert len(caller.ran) == 60 and clock.now == 60.0
    assert result.message.startswith("Ran out of time (60 s, --check-timeout) after ")
    assert " of 100 inputs, none of them failing: each call took about 1 s (image " in result.message
    assert result.message.endswith("Make `convolve` faster.")


def test_once_the_submission_budget_is_spent_the_sub_checks_left_time_out_unrun(assignment):
    clock = FakeClock()
    callers = reference_callers(assignment, clock, seconds_per_call=1.0)
    results, _ = check_exercises(assignment, callers, stored_oracle(assignment), DEFAULTS,
                                 budget=submission_budget(clock, 100))
    checks = [check for exercise in results for check in exercise.checks]
    assert [check.status for check in checks] == ["timeout"] * 9
    assert "(60 s, --check-timeout)" in checks[0].message
    assert "(100 s, --submission-timeout) after" in checks[1].message
    assert all(
        check.message == "Not run: the submission ran out of time (100 s, --submission-timeout)."
        for check in checks[2:]
    )
    assert clock.now <= 100 + 1.0


def test_an_exercise_still_as_handed_out_is_not_called_and_gets_one_line(assignment):
    clock = FakeClock()
    callers = reference_callers(assignment, clock, seconds_per_call=0.0)
    results, _ = check_exercises(assignment, callers, stored_oracle(assignment), DEFAULTS,
                                 untouched={"get_subimages"})
    untouched = results[0]
    assert callers.callers["get_subimages"].ran == []
    assert untouched.points == 0
    assert untouched.problem == "`get_subimages` is still as handed out: fill in its exercise cell."
    feedback = feedback_markdown(SubmissionResult("someone", "", "graded", results))
    section = feedback.split("## `get_subimages`")[1].split("## `convolve`")[0]
    assert section.strip().splitlines() == [
        ": 0 / 3", "", "`get_subimages` is still as handed out: fill in its exercise cell."
    ]
    # The exercises built on it are checked with its correct windows standing in.
    assert [check.status for e in results[1:] for check in e.checks] == ["passed"] * 6
    assert all(check.stand_ins for e in results[1:] for check in e.checks)
