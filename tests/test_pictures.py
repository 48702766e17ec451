"""Showcases: what a student's function makes of the lesson's photo, drawn beside the reference's,
with a fake caller instead of a kernel; and each failing input's grids."""

import base64
import dataclasses
import gc
import io
import weakref
import xml.etree.ElementTree as ET

import imageio.v3 as iio
import numpy as np
import pytest

from grader.authoring.freeze import stale_checks
from grader.judge.grids import counterexample_grids
from grader.judge.oracle import Oracle
from grader.judge.raster import EXPECTED_BOX, NOT_FINITE, YOUR_BOX
from grader.judge.showcase import picture_exercises, pictured
from grader.kernel.calls import Returned
from grader.model.assignment import Assignment
from grader.model.budget import Budget, unlimited
from grader.model.errors import AssignmentError, KernelLoss, KernelLost
from grader.model.results import CheckResult, ExerciseResult, result_from_json
from grader.model.showcase import Showcase
from grader.output.grids import MARK, grid_svg
from solutions import convolutions as reference

from fake_caller import ByName, FakeCaller, FakeClock, graded_here, reference_oracle, stored_oracle
from test_check import flipped_convolve, raising_convolve
from test_oracle import STORED, short_get_subimages

EDGES = "Vertical edges (a kernel that is not symmetric)"


def showcase(assignment, title):
    return next(s for s in assignment.showcases if s.title == title)


def drawn(panel) -> np.ndarray:
    return iio.imread(io.BytesIO(base64.b64decode(panel.png)), extension=".png")


def checked(name: str) -> ExerciseResult:
    """An exercise the kernel defines, checked: its showcases call it."""
    return ExerciseResult(name, (CheckResult(name, "output shape", "", 1, "passed"),))


def panels(one) -> dict:
    return {panel.label: panel for panel in one.panels}


def shown(assignment, title, function, oracle=None):
    """The showcase drawn for ``function``, called here on the showcase's arguments."""
    oracle = oracle or reference_oracle(assignment)
    case = showcase(assignment, title)
    caller = FakeCaller(function)
    outcome = caller.call(case.exercise, oracle.showcase(case).arguments)
    return pictured(oracle, case, outcome)


@pytest.fixture(scope="module")
def linus(graded_here_with_pictures):
    return graded_here_with_pictures


def test_a_flipped_kernel_shows_its_edges_swapped_beside_the_reference(assignment):
    one = shown(assignment, EDGES, flipped_convolve)
    found = panels(one)
    assert list(found) == ["image", "expected", "yours", "difference"]
    photo = drawn(found["image"])
    assert photo.shape == (120, 102) and found["image"].note.startswith("120x102")
    assert drawn(found["expected"]).shape == drawn(found["yours"]).shape == (118, 100)
    difference = drawn(found["difference"])
    assert difference.shape == (118, 100, 3)
    assert (difference[..., 0] == 255).any() and (difference[..., 2] == 255).any()  # red and blue
    assert found["difference"].note.startswith("largest difference ")
    # The same kernel turned round gives the reference's picture upside down in value.
    assert np.abs(drawn(found["yours"]).astype(int) + drawn(found["expected"]) - 255).max() <= 1


def test_a_correct_function_shows_no_difference(assignment):
    for case in assignment.showcases:
        one = shown(assignment, case.title, getattr(reference, case.exercise))
        found = panels(one)
        assert found["difference"].note == "none: every value agrees", case.title
        assert (drawn(found["difference"]) == 255).all()
        assert np.array_equal(drawn(found["yours"]), drawn(found["expected"]))


def test_the_reference_pictures_are_drawn_once_and_go_with_their_oracle(assignment):
    oracle = Oracle(assignment, assignment.reference_functions(), None)
    first = shown(assignment, EDGES, flipped_convolve, oracle)
    again = shown(assignment, EDGES, reference.convolve, oracle)
    assert panels(again)["expected"] is panels(first)["expected"]  # drawn once
    gone = weakref.ref(oracle)
    del oracle
    gc.collect()
    assert gone() is None  # nothing keeps an oracle, and all it holds, once its lesson is done


def test_template_match_boxes_each_best_match_on_the_photo(assignment):
    def best_match_elsewhere(image, template):
        return reference.template_match(image, template)[::-1, ::-1]

    one = shown(assignment, "Finding the patch of the cap", best_match_elsewhere)
    photo = drawn(panels(one)["image"])
    assert photo.ndim == 3
    colours = {tuple(pixel) for pixel in photo.reshape(-1, 3)}
    assert EXPECTED_BOX in colours and YOUR_BOX in colours
    assert "in orange where yours puts it" in one.note
    assert list(panels(one)) == ["image", "template", "expected", "yours", "difference"]


def test_an_exercises_pictures_are_called_in_one_round_trip(assignment):
    caller = FakeCaller(reference.convolve)
    (done,), _ = picture_exercises(assignment, ByName({"convolve": caller}),
                                   reference_oracle(assignment), (checked("convolve"),), unlimited())
    assert [len(batch) for batch in caller.prefetched] == [3]
    assert [one.title for one in done.showcases] == ["Box blur (3x3)", "Sharpen", EDGES]


def test_a_function_that_raises_shows_the_reference_and_the_error(assignment):
    one = shown(assignment, "Box blur (3x3)", raising_convolve)
    assert [(p.label, bool(p.png)) for p in one.panels] == [
        ("image", True), ("expected", True), ("yours", False)]
    assert one.note == "Your function raised ValueError: kernel too big on this input."


def test_a_slow_function_is_cut_short_at_the_sum_of_its_showcases_seconds(assignment):
    clock = FakeClock()
    caller = FakeCaller(reference.convolve, clock=clock, seconds_per_call=5.0)
    budget = Budget.start(900, "--submission-timeout", clock)
    (done,), _ = picture_exercises(assignment.only(["convolve"]), ByName({"convolve": caller}),
                                   reference_oracle(assignment), (checked("convolve"),), budget)
    assert [one.note for one in done.showcases] == [
        "Your function gave no answer within the 3 s its pictures have, on this input (image "
        "120x102, kernel 3x3), so it is not drawn."] * 3
    assert clock() == 5.0  # the first call was cut at the deadline; the next ones were not made
    assert all(panels(one)["expected"].png for one in done.showcases)


def test_an_output_of_the_wrong_shape_is_drawn_with_both_shapes_named(assignment):
    one = shown(assignment, "The window at row 8, column 18", short_get_subimages)
    assert one.note.startswith(
        "Your output has shape (28, 28, 12, 12); the reference's has shape (29, 29, 12, 12).")
    assert panels(one)["difference"].note == "none: every value agrees"


def test_an_output_that_cannot_be_drawn_says_why(assignment):
    one = shown(assignment, "The window at row 8, column 18", lambda image, shape: np.zeros(3))
    assert one.note.startswith("Your output has shape (3,); the reference's has shape (29, 29, "
                               "12, 12). It cannot be drawn (")
    assert panels(one)["yours"].png == ""


def test_values_that_are_not_finite_are_drawn_in_magenta_and_counted(assignment):
    def with_nan(image, kernel):
        result = reference.convolve(image, kernel)
        result[:5, :5] = np.nan
        return result

    found = panels(shown(assignment, "Box blur (3x3)", with_nan))
    assert found["yours"].note.endswith("25 not finite (magenta)")
    assert (drawn(found["yours"])[:5, :5] == NOT_FINITE).all()


def test_a_kernel_lost_in_a_showcase_leaves_the_rest_to_the_reference(assignment):
    class Loses:
        calls = 0

        def prefetch(self, name, many, stand_ins=None, deadline=None):
            self.calls += 1
            raise KernelLost(KernelLoss.DIED_IN_CALL)

    caller = Loses()
    results = (checked("convolve"), checked("template_match"))
    done, _ = picture_exercises(assignment, caller, reference_oracle(assignment), results,
                                unlimited())
    notes = {one.note for result in done for one in result.showcases}
    assert notes == {"Your function was not called on this input: the notebook's kernel is gone: "
                     "the kernel died during a call."}
    assert caller.calls == 1


def test_every_exercise_gets_pictures_a_missing_one_the_reference_only(linus):
    convolve, template_match = linus.exercise("convolve"), linus.exercise("template_match")
    assert [one.title for one in convolve.showcases] == ["Box blur (3x3)", "Sharpen", EDGES]
    assert all(panels(one)["yours"].png for one in convolve.showcases)
    (missing,) = template_match.showcases
    assert missing.note == ("`template_match` is not defined, so only the reference's pictures "
                            "are shown.")
    assert panels(missing)["expected"].png and not panels(missing)["yours"].png


def test_pictures_and_grids_survive_the_results_json(linus):
    assert result_from_json(linus.to_json()) == linus


def test_stored_showcases_draw_what_the_reference_draws(assignment):
    for case in assignment.showcases:
        stored, fresh = stored_oracle(assignment).showcase(case), reference_oracle(assignment).showcase(case)
        assert all(np.array_equal(a, b) for a, b in zip(stored.arguments, fresh.arguments))
        assert (stored.expected.box, stored.expected.shape) == (fresh.expected.box, fresh.expected.shape)
        with_stored = shown(assignment, case.title, getattr(reference, case.exercise),
                            stored_oracle(assignment))
        levels = drawn(panels(with_stored)["expected"]).astype(int)
        assert np.abs(levels - drawn(panels(shown(assignment, case.title, getattr(
            reference, case.exercise)))["expected"])).max() <= 1
        assert panels(with_stored)["difference"].note == "none: every value agrees"


def test_freeze_check_notices_a_showcase_whose_arguments_changed(assignment):
    changed = tuple(
        dataclasses.replace(case, arguments=lambda: (np.ones((20, 20), np.uint8), np.ones((3, 3))))
        if case.title == "Sharpen" else case
        for case in assignment.showcases
    )
    problems = stale_checks(dataclasses.replace(assignment, showcases=changed), STORED).problems
    assert problems == ("convolve: showcase 'Sharpen': the lesson now builds other arguments for it",)


def test_a_showcase_must_name_an_exercise_of_its_assignment(assignment):
    stray = Showcase("blur", "Blur", lambda: ())
    with pytest.raises(AssignmentError, match="the showcase 'Blur' of 'convolutions' must name one "
                       "of its exercises \\(get_subimages, convolve, template_match\\), not 'blur'"):
        dataclasses.replace(assignment, showcases=(stray,))


def test_two_showcases_of_an_exercise_need_two_titles(assignment):
    twice = (assignment.showcases[1], assignment.showcases[1])
    with pytest.raises(AssignmentError, match="two showcases titled 'Box blur \\(3x3\\)'"):
        dataclasses.replace(assignment, showcases=twice)


def test_a_lesson_without_showcases_is_graded_without_pictures(assignment):
    plain = Assignment(assignment.name, assignment.folder, assignment.notebook,
                       assignment.data_files, assignment.exercises, assignment.reference)
    result = graded_here(plain, {"convolve": reference.convolve}, max_examples=5)
    assert all(exercise.showcases == () for exercise in result.exercises)


def test_only_keeps_the_showcases_of_the_chosen_exercises(assignment):
    assert {s.exercise for s in assignment.only(["convolve"]).showcases} == {"convolve"}


def test_counterexample_grids_mark_every_differing_cell(linus):
    (failed,) = [c for c in linus.exercise("convolve").checks if c.status == "failed"]
    grids = {grid.label: grid for grid in failed.counterexample.grids}
    assert list(grids) == ["image", "kernel", "expected", "got"]
    expected = np.array([float(v) for v in grids["expected"].cells]).reshape(grids["expected"].shape)
    got = np.array([float(v) for v in grids["got"].cells]).reshape(grids["got"].shape)
    differing = {tuple(int(i) for i in index) for index in np.argwhere(~np.isclose(got, expected))}
    assert set(grids["got"].marked) == differing and differing


def test_a_grid_is_valid_svg_with_one_red_outline_per_differing_cell():
    (got,) = counterexample_grids(("image",), (), np.array([[1.0, 2.0], [3.0, 4.0]]),
                                  np.array([[1.0, 2.5], [3.0, 0.0]]), ((0, 1), (1, 1)))[1:]
    svg = grid_svg(got)
    root = ET.fromstring(svg)
    outlines = [e for e in root.iter("{http://www.w3.org/2000/svg}rect") if e.get("stroke") == MARK]
    assert len(outlines) == 2
    assert [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")][1:] == ["1", "2.5", "3", "0"]


def test_large_or_returned_nothing_arrays_become_no_grid():
    grids = counterexample_grids(("image", "kernel_shape"), (np.zeros((30, 30)), (3, 3)),
                                 np.zeros((28, 28)), None, ())
    assert [grid.label for grid in grids] == []
    grids = counterexample_grids(("image",), (np.zeros((2, 2), np.uint8),), np.zeros((2, 2)),
                                 None, ())
    assert [(grid.label, grid.cells) for grid in grids] == [("image", ("0",) * 4),
                                                             ("expected", ("0",) * 4)]


def test_the_outcome_of_a_showcase_call_is_only_what_the_kernel_returned(assignment):
    """The student's output is taken as plain data: whatever it holds is drawn, never run."""
    case = showcase(assignment, "Box blur (3x3)")
    oracle = reference_oracle(assignment)
    claim = Returned(np.full((118, 100), 7.0))
    found = panels(pictured(oracle, case, claim))
    assert found["yours"].note == "every value 7"


def test_a_showcase_that_fails_on_the_reference_is_named_by_freeze(assignment):
    def missing_photo():
        raise FileNotFoundError("dubs.jpg")

    broken = tuple(dataclasses.replace(case, arguments=missing_photo) if case.title == "Sharpen"
                   else case for case in assignment.showcases)
    with pytest.raises(AssignmentError, match=r"the showcase 'Sharpen' of 'convolve' in "
                       r"'convolutions' fails on the reference: FileNotFoundError: dubs.jpg"):
        stale_checks(dataclasses.replace(assignment, showcases=broken), STORED)


def test_a_showcase_that_cannot_be_drawn_costs_no_verdict(assignment):
    def missing_photo():
        raise FileNotFoundError("dubs.jpg")

    broken = dataclasses.replace(assignment, showcases=tuple(
        dataclasses.replace(case, arguments=missing_photo) for case in assignment.showcases))
    oracle = Oracle(broken, broken.reference_functions(), None)
    result = checked("convolve")
    (done,), _ = picture_exercises(broken, ByName({"convolve": FakeCaller(reference.convolve)}),
                                   oracle, (result,), unlimited())
    assert done.checks == result.checks
    assert {one.note for one in done.showcases} == {
        "The grader could not draw this (AssignmentError: the showcase 'Box blur (3x3)' of "
        "'convolve' in 'convolutions' fails on the reference: FileNotFoundError: dubs.jpg); the "
        "verdicts do not depend on it."}
    assert [one.title for one in done.showcases] == ["Box blur (3x3)", "Sharpen", EDGES]


def test_pictures_say_when_a_failed_helper_was_used_as_it_is(assignment):
    """Stand-ins are for verdicts: the pictures show what the notebook's functions do."""
    def transposed_get_subimages(image, kernel_shape):
        return reference.get_subimages(image, kernel_shape[::-1]).transpose(1, 0, 3, 2)

    result = graded_here(assignment, {"get_subimages": transposed_get_subimages,
                                      "convolve": reference.convolve}, max_examples=10)
    convolve = result.exercise("convolve")
    assert convolve.points == 3 and convolve.stand_ins
    assert {one.note.split(":")[0] for one in convolve.showcases} == {
        "Your `get_subimages` failed its own checks, and here nothing stands in for it"}
    assert "`convolve` used it as it is." in convolve.showcases[0].note
