"""Stand-ins: a wrong `get_subimages` costs points once, not again in the exercises built on it.

No kernel here: the kernel code runs in this process (``LocalTransport``, as the in-notebook
self-check does) on a namespace made from a test notebook's code, or the fake caller runs
Python functions.
"""

import dataclasses
import json
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from grader import PROFILES
from grader.authoring.freeze import stale_checks
from grader.judge.exercises import check_exercises
from grader.judge.search import run_check
from grader.judge.stored import Examples, load_examples, save_examples
from grader.kernel.calls import FunctionCaller, LocalTransport, argument_key
from grader.model.errors import AssignmentError
from grader.model.results import SubmissionResult, result_from_json
from grader.output.report import feedback_markdown, gradescope_results
from solutions import convolutions as reference

from conftest import NOTEBOOKS, ROOT
from fake_caller import (
    ByName,
    FakeCaller,
    arguments_of,
    checked,
    reference_oracle,
    stored_oracle,
    subcheck,
)

SETTINGS = PROFILES["thorough"]  # the stored inputs are drawn with its max_examples
WRONG_HELPER = NOTEBOOKS / "wrong_helper_defs_only.ipynb"
FLIPPED = NOTEBOOKS / "flipped_kernel_defs_only.ipynb"


def namespace_of(path, replace: dict[str, str] | None = None) -> dict:
    """The namespace a notebook's code cells make, as its kernel's would be."""
    namespace = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            source = cell.source
            for old, new in (replace or {}).items():
                source = source.replace(old, new)
            exec(compile(source, str(path), "exec"), namespace)
    return namespace


def without_stand_ins(assignment):
    return dataclasses.replace(assignment, exercises=tuple(
        dataclasses.replace(exercise, stand_ins=()) for exercise in assignment.exercises
    ))


def oracle_for(assignment, mode):
    return reference_oracle(assignment) if mode == "reference" else stored_oracle(assignment)


def graded(assignment, namespace, mode="reference"):
    caller = FunctionCaller(LocalTransport(namespace), call_timeout=10.0)
    results, lost = check_exercises(assignment, caller, oracle_for(assignment, mode), SETTINGS)
    assert lost == ""
    return SubmissionResult("student", "", "graded", results, mode=oracle_for(assignment, mode).mode)


def points(result):
    return tuple(exercise.points for exercise in result.exercises)


# -- what they change, and what they do not -----------------------------------------------------

MODES = ["reference", "stored outputs"]
OWN_MISTAKE = {"(subimages * kernel).sum": "(subimages * kernel[::-1, ::-1]).sum"}


@pytest.fixture(scope="module", params=MODES)
def wrong_helper(request, assignment):
    """The wrong-helper notebook graded in each oracle mode: result, namespace after and before."""
    namespace = namespace_of(WRONG_HELPER)
    before = dict(namespace)
    return graded(assignment, namespace, request.param), namespace, before


@pytest.fixture(scope="module", params=MODES)
def own_mistake(request, assignment):
    """The same, with a `convolve` that flips the kernel: a mistake of its own."""
    return graded(assignment, namespace_of(WRONG_HELPER, OWN_MISTAKE), request.param)


def test_wrong_helper_no_longer_costs_the_exercises_built_on_it(wrong_helper):
    result, _, _ = wrong_helper
    assert points(result) == (0, 3, 4)
    for name in ("convolve", "template_match"):
        assert [s.function for s in result.exercise(name).stand_ins] == ["get_subimages"]
    assert result.exercise("get_subimages").stand_ins == ()


def test_the_helper_is_put_back_after_the_checks(wrong_helper):
    _, namespace, before = wrong_helper
    assert namespace.keys() == before.keys()
    assert all(namespace[name] is before[name] for name in before)


def test_with_stand_ins_off_the_wrong_helper_costs_them_all(assignment):
    result = graded(without_stand_ins(assignment), namespace_of(WRONG_HELPER), "stored outputs")
    assert points(result) == (0, 0, 0)
    assert all(exercise.stand_ins == () for exercise in result.exercises)


def test_an_exercise_with_its_own_mistake_still_loses_its_points(own_mistake):
    assert points(own_mistake) == (0, 2, 4)
    statuses = {c.name: c.status for c in own_mistake.exercise("convolve").checks}
    assert statuses["any kernel"] == "failed"


def test_a_correct_helper_gets_no_stand_in_and_the_same_verdicts(assignment):
    with_stand_ins = graded(assignment, namespace_of(FLIPPED), "stored outputs")
    without = graded(without_stand_ins(assignment), namespace_of(FLIPPED), "stored outputs")
    assert with_stand_ins.exercises == without.exercises
    assert points(with_stand_ins) == (3, 2, 4)


def test_correct_helper_means_no_stand_in_reaches_any_call(assignment):
    """Judged by the grader from its own results: a helper that passes is never replaced."""
    callers = {}
    for exercise in assignment.exercises:
        callers[exercise.name] = FakeCaller(getattr(reference, exercise.name))

    results, _ = check_exercises(assignment, ByName(callers), reference_oracle(assignment), SETTINGS)
    assert sum(exercise.points for exercise in results) == 10
    assert all(stand_ins == () for caller in callers.values() for stand_ins in caller.stand_ins)


def test_a_missing_helper_still_lets_the_exercises_built_on_it_be_checked(assignment):
    namespace = namespace_of(WRONG_HELPER)
    del namespace["get_subimages"]
    result = graded(assignment, namespace, "stored outputs")
    assert points(result) == (0, 3, 4)
    assert "`get_subimages` is not defined" in result.exercise("get_subimages").problem
    assert "get_subimages" not in namespace


def test_checking_one_exercise_checks_its_helper_first_and_reports_only_the_one(assignment):
    only_convolve = assignment.only(["convolve"])
    assert [e.name for e in only_convolve.helpers] == ["get_subimages"]
    assert [e.name for e in only_convolve.checking_order()] == ["get_subimages", "convolve"]
    result = graded(only_convolve, namespace_of(WRONG_HELPER), "stored outputs")
    assert [(e.name, e.points) for e in result.exercises] == [("convolve", 3)]


def test_a_stand_in_must_name_another_exercise(assignment):
    convolve = assignment.exercise("convolve")
    broken = dataclasses.replace(
        convolve, stand_ins=(dataclasses.replace(convolve.stand_ins[0], function="get_windows"),)
    )
    with pytest.raises(AssignmentError, match="must name another exercise"):
        dataclasses.replace(assignment, exercises=(assignment.exercises[0], broken))
    looping = dataclasses.replace(
        assignment.exercise("get_subimages"),
        stand_ins=(dataclasses.replace(convolve.stand_ins[0], function="convolve"),),
    )
    with pytest.raises(AssignmentError, match="need each other"):
        dataclasses.replace(assignment, exercises=(looping, convolve))


# -- shrinking and the outputs that stand in -------------------------------------------------------


def upside_down_get_subimages(image, kernel_shape):
    return reference.get_subimages(image, kernel_shape)[:, :, ::-1, ::-1]


def get_subimages(image, kernel_shape):  # the helper the functions below call: a wrong one
    return upside_down_get_subimages(image, kernel_shape)


def convolve_on_the_helper(image, kernel):
    return (get_subimages(image, kernel.shape) * kernel).sum(axis=(2, 3))


def bright_convolve_on_the_helper(image, kernel):
    """Right, except that it adds 1 on images with a pixel over 100."""
    return convolve_on_the_helper(image, kernel) + (image.max() > 100)


def stand_ins_for(exercise, sub, oracle):
    return oracle.stand_ins(exercise, oracle.examples(exercise, sub, SETTINGS.max_examples))


@pytest.mark.parametrize("mode", ["reference", "stored outputs"])
def test_every_call_carries_the_reference_windows_for_its_own_input(assignment, mode):
    exercise, sub = subcheck(assignment, "convolve", "any kernel")
    oracle = oracle_for(assignment, mode)
    without = checked(assignment, exercise, sub, FakeCaller(convolve_on_the_helper),
                      SETTINGS.max_examples, oracle)
    assert without.status == "failed"  # no stand-ins given to run_check: the old verdict

    caller = FakeCaller(convolve_on_the_helper)
    examples = oracle.examples(exercise, sub, SETTINGS.max_examples)
    result = run_check(exercise, sub, examples, caller, oracle.reference(exercise),
                       SETTINGS.max_examples, oracle.stand_ins(exercise, examples))
    assert result.status == "passed"
    assert len(caller.ran) == len({argument_key(arguments) for arguments in examples.inputs})
    for (image, kernel), (stand_in,) in zip(caller.ran, caller.stand_ins):
        assert stand_in.function == "get_subimages"
        assert stand_in.parameters == ("image", "kernel_shape")
        assert np.array_equal(stand_in.arguments[0], image)
        assert stand_in.arguments[1] == kernel.shape
        assert np.array_equal(stand_in.output, reference.get_subimages(image, kernel.shape))


def test_inputs_met_while_shrinking_get_windows_from_the_reference_in_the_grader(assignment):
    exercise, sub = subcheck(assignment, "convolve", "any kernel")
    oracle = reference_oracle(assignment)
    examples = oracle.examples(exercise, sub, SETTINGS.max_examples)
    caller = FakeCaller(bright_convolve_on_the_helper)
    result = run_check(exercise, sub, examples, caller, oracle.reference(exercise),
                       SETTINGS.max_examples, oracle.stand_ins(exercise, examples))
    assert result.status == "failed"
    shown = arguments_of(result.counterexample)
    assert shown["image"].tolist() == [[101]] and shown["kernel"].size == 1  # shrunk
    fixed = {(a[0].tobytes(), a[0].shape, a[1].tobytes()) for a in examples.inputs}
    new = [(arguments, stand_ins) for arguments, stand_ins in zip(caller.ran, caller.stand_ins)
           if (arguments[0].tobytes(), arguments[0].shape, arguments[1].tobytes()) not in fixed]
    assert new, "shrinking tried inputs of its own"
    for (image, kernel), (stand_in,) in new:
        assert np.array_equal(stand_in.output, reference.get_subimages(image, kernel.shape))


def test_the_caller_keeps_calls_with_and_without_stand_ins_apart(assignment):
    namespace = {"get_subimages": upside_down_get_subimages, "np": np}
    exec("def convolve(image, kernel):\n"
         "    return (get_subimages(image, kernel.shape) * kernel).sum(axis=(2, 3))\n", namespace)
    exercise, sub = subcheck(assignment, "convolve", "any kernel")
    oracle = reference_oracle(assignment)
    stand_ins = stand_ins_for(exercise, sub, oracle)
    arguments = (np.array([[1, 2], [3, 4]], dtype=np.uint8), np.array([[1.0, 0.0]]))
    caller = FunctionCaller(LocalTransport(namespace), call_timeout=10.0)
    plain = caller.call("convolve", arguments)
    replaced = caller.call("convolve", arguments, stand_ins(arguments))
    assert plain.value.tolist() == [[2.0], [4.0]]  # the windows upside down
    assert replaced.value.tolist() == [[1.0], [3.0]]  # the right ones
    assert caller.call("convolve", arguments, stand_ins(arguments)) is replaced
    assert caller.call("convolve", arguments) is plain


# -- the stored file -----------------------------------------------------------------------------


def test_stored_file_holds_the_correct_windows_for_every_input_with_stand_ins(assignment):
    stored = load_examples(assignment.expected_path())
    for (exercise_name, _), examples in stored.examples.items():
        exercise = assignment.exercise(exercise_name)
        if not exercise.stand_ins:
            assert examples.stand_in_outputs == ()
            continue
        assert len(examples.stand_in_outputs) == len(examples.inputs) == 100
        for (image, kernel), (windows,) in zip(examples.inputs, examples.stand_in_outputs):
            expected = reference.get_subimages(image, kernel.shape)
            assert windows.dtype == expected.dtype and np.array_equal(windows, expected)


def test_freeze_check_notices_missing_stand_in_outputs(assignment, tmp_path):
    stored = load_examples(assignment.expected_path())
    stripped = {
        key: dataclasses.replace(found, stand_in_outputs=()) for key, found in stored.examples.items()
    }
    moved = dataclasses.replace(assignment, folder=tmp_path)
    save_examples(moved.expected_path(), moved, stored.max_examples, stripped, stored.showcases)
    problems = stale_checks(moved, stored.max_examples).problems
    assert problems == tuple(
        f"{name}: the stand-in outputs are missing or out of date"
        for name in ("convolve: output shape", "convolve: symmetric kernels", "convolve: any kernel",
                     "template_match: output shape", "template_match: template from the image",
                     "template_match: any template")
    )


def test_stored_oracle_without_stand_in_outputs_says_to_freeze(assignment, tmp_path):
    from grader.judge.oracle import Oracle

    stored = load_examples(assignment.expected_path())
    stripped = dataclasses.replace(stored, examples={
        key: Examples(found.inputs, found.expected) for key, found in stored.examples.items()
    })
    oracle = Oracle(assignment, None, stripped)
    exercise, sub = subcheck(assignment, "convolve", "output shape")
    with pytest.raises(AssignmentError, match=r"python -m grader.freeze"):
        oracle.stand_ins(exercise, oracle.examples(exercise, sub, SETTINGS.max_examples))


# -- what the student reads ------------------------------------------------------------------


def test_feedback_says_in_plain_words_that_the_helper_stood_in(wrong_helper):
    feedback = feedback_markdown(wrong_helper[0])
    convolve = feedback.split("## `convolve`")[1].split("## `template_match`")[0]
    assert (
        "`get_subimages` failed its own checks, so while `convolve` was checked, calls to your "
        "`get_subimages` with the check's own inputs (`get_subimages(image, kernel.shape)`) got "
        "the correct result instead of yours; other calls went to your code. `convolve` is graded "
        "on its own: the mistake in `get_subimages` costs points only there."
    ) in convolve
    assert "shown below" not in convolve  # nothing failed, so no output of it is shown
    assert "(`get_subimages(image, template.shape)`)" in feedback.split("## `template_match`")[1]
    assert "failed its own checks" not in feedback.split("## `convolve`")[0]


def test_feedback_warns_that_shown_outputs_were_computed_with_the_stand_in(own_mistake):
    feedback = feedback_markdown(own_mistake)
    convolve = feedback.split("## `convolve`")[1].split("## `template_match`")[0]
    assert ("The outputs of `convolve` shown below were computed this way: your notebook may give "
            "other ones until `get_subimages` is fixed.") in convolve


def test_results_json_says_so_in_each_test_output_and_in_the_record(wrong_helper):
    results = gradescope_results(wrong_helper[0])
    for test in results["tests"]:
        said = "failed its own checks" in test["output"]
        assert said == (not test["name"].startswith("get_subimages")), test["name"]
    record = results["extra_data"]["grader"]
    convolve = next(e for e in record["exercises"] if e["name"] == "convolve")
    assert convolve["stand_ins"] == [
        {"function": "get_subimages", "call": "get_subimages(image, kernel.shape)"}
    ]
    assert all(c["stand_ins"] == convolve["stand_ins"] for c in convolve["checks"])


def test_a_cached_result_keeps_its_stand_ins(wrong_helper):
    result = wrong_helper[0]
    again = result_from_json(json.loads(json.dumps(result.to_json())))
    assert again == result
    assert feedback_markdown(again) == feedback_markdown(result)


# -- the reference stays out of the student's process ------------------------------------------


def test_self_check_uses_stored_windows_and_never_imports_the_solutions():
    code = (
        "import sys, nbformat\n"
        "from grader import check\n"
        f"nb = nbformat.read({str(WRONG_HELPER)!r}, as_version=4)\n"
        "namespace = {}\n"
        "exec(nb.cells[1].source, namespace)\n"
        "result = check(namespace=namespace)\n"
        "print([e.points for e in result.exercises], result.mode,\n"
        "      [m for m in sys.modules if m.startswith('solutions')])\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=120, cwd=str(ROOT))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "[0.0, 3, 4] stored outputs []"


def test_self_check_of_one_exercise_gives_the_verdict_of_final_grading(assignment):
    from grader.selfcheck import check

    namespace = namespace_of(WRONG_HELPER)
    alone = check("convolve", namespace=namespace)
    assert [(e.name, e.points) for e in alone.exercises] == [("convolve", 3)]
    assert alone.exercise("convolve").stand_ins


def test_kernel_code_gets_only_plain_data_for_the_stand_in(assignment):
    """What travels into the student's process: names, parameter names, .npy arrays. No code."""
    exercise, sub = subcheck(assignment, "convolve", "any kernel")
    oracle = reference_oracle(assignment)
    examples = oracle.examples(exercise, sub, SETTINGS.max_examples)
    (stand_in,) = oracle.stand_ins(exercise, examples)(examples.inputs[0])
    function, parameters, arguments, output = stand_in.encoded()
    assert (function, parameters) == ("get_subimages", ["image", "kernel_shape"])
    assert [kind for kind, _ in arguments] == ["array", "tuple"]
    assert isinstance(output, str)  # base64 of .npy bytes
    json.dumps(stand_in.encoded())  # nothing else in it
