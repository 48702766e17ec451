"""``grade audit``: mutants of the reference solutions and the lesson's declared mistakes, run
on every sub-check in the grader's process. No kernels."""

import dataclasses
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import grader.cli.audit
from grader.authoring.audit import audit_lesson
from grader.cli import main
from grader.judge.search import run_check
from grader.model.errors import AssignmentError
from grader.model.lessons import available_assignments
from grader.model.mistakes import Mistake
from solutions import convolutions as reference
from solutions import convolutions_mistakes as mistakes

from fake_caller import FakeCaller, reference_oracle, stored_oracle, subcheck

STORED = 100


@pytest.fixture(scope="module")
def audited(assignment):
    return audit_lesson(assignment, STORED)


def result(audited, name):
    return next(m for m in audited.mutants if m.name == name)


def test_every_declared_mistake_of_the_lesson_is_caught(audited, assignment):
    declared = [m for m in audited.mutants if m.kind == "mistake"]
    assert [m.name for m in declared] == [m.name for m in assignment.mistakes]
    assert audited.mistakes_missed() == ()
    assert all(m.verdict == "killed" for m in declared)


def test_every_generated_mutant_is_killed_or_equivalent(audited):
    counts = audited.counts("mutant")
    assert counts["total"] > 50 and counts["survived"] == 0
    assert counts["killed"] + counts["equivalent"] == counts["total"]


def test_a_count_of_catching_inputs_is_what_the_sub_checks_comparator_finds(audited, assignment):
    exercise, sub = subcheck(assignment, "convolve", "any kernel")
    examples = stored_oracle(assignment).examples(exercise, sub, STORED)
    differing = sum(
        sub.compare(arguments, expected, mistakes.flipped_kernel(*arguments)) is not None
        for arguments, expected in zip(examples.inputs, examples.expected)
    )
    cells = {cell.check: cell for cell in result(audited, "flipped kernel").cells}
    assert cells["any kernel"].caught_by == differing > 0
    assert cells["symmetric kernels"].caught_by == 0 and cells["symmetric kernels"].status == (
        "passed")


def test_dropping_the_windows_de_meaning_is_equivalent_not_a_gap(audited, assignment):
    exercise, _ = subcheck(assignment, "template_match", "any template")
    kept = [m for m in audited.mutants if m.verdict == "equivalent"
            and "`windows - windows.mean(...)` -> `windows`" in m.name]
    assert len(kept) == 1 and kept[0].caught_by == 0
    for sub in exercise.checks:  # indeed: the template's de-meaning makes the windows' redundant
        examples = stored_oracle(assignment).examples(exercise, sub, STORED)
        for (image, template), expected in zip(examples.inputs, examples.expected):
            windows = reference.get_subimages(image, template.shape)
            plain = np.einsum("ijkl,kl->ij", windows, template - template.mean())
            assert np.allclose(plain, expected, atol=1e-9 * max(1, np.abs(expected).max()))


def test_the_smallest_max_examples_catches_every_declared_mistake_and_fewer_do_not(
        audited, assignment):
    oracle = reference_oracle(assignment)  # inputs drawn afresh, as grading with fewer draws

    def caught(function, exercise_name, count):
        exercise = assignment.exercise(exercise_name)
        return any(run_check(exercise, sub, oracle.examples(exercise, sub, count),
                             FakeCaller(function)).status != "passed" for sub in exercise.checks)

    for mistake in assignment.mistakes:
        function = mistake.load(assignment.reference)
        assert caught(function, mistake.exercise, audited.max_examples), mistake.name
    count, missed = audited.missed_with or (0, ())
    for mistake in (m for m in assignment.mistakes if m.name in missed):
        assert not caught(mistake.load(assignment.reference), mistake.exercise, count)
    assert 1 <= audited.max_examples <= STORED
    assert 1 <= audited.smallest_first() <= STORED


def test_a_declared_mistake_that_no_sub_check_shows_makes_the_audit_fail(assignment):
    convolve = assignment.exercise("convolve")
    weak = dataclasses.replace(convolve, stand_ins=(), checks=tuple(
        c for c in convolve.checks if c.name != "any kernel"))
    lesson = dataclasses.replace(assignment, exercises=(weak,), showcases=(), mistakes=tuple(
        m for m in assignment.mistakes if m.name in ("flipped kernel", "mean, not sum")))
    found = audit_lesson(lesson, STORED)
    assert [(m.name, m.verdict) for m in found.mistakes_missed()] == [("flipped kernel",
                                                                       "survived")]
    assert result(found, "mean, not sum").verdict == "killed"


@pytest.mark.parametrize("function, message", [
    ("assignments.convolutions:ASSIGNMENT", "the mistake 'x' of 'convolve' is in "
     "assignments.convolutions: keep mistakes beside the reference solutions, in the "
     "'solutions' package, which students' kernels cannot read"),
    ("solutions.convolutions_mistakes.flipped_kernel", "the mistake 'x' of 'convolve' must name "
     "its function as 'module:function', not 'solutions.convolutions_mistakes.flipped_kernel'"),
    ("solutions.convolutions_mistakes:gone", "solutions.convolutions_mistakes does not define "
     "gone, the mistake 'x' of 'convolve'"),
    ("solutions.nowhere:gone", "cannot import the mistake 'x' of 'convolve' "
     "(solutions.nowhere): No module named 'solutions.nowhere'"),
], ids=["outside the solutions", "no colon", "no such function", "no such module"])
def test_a_mistake_declared_wrongly_is_refused_with_the_fix(function, message):
    with pytest.raises(AssignmentError) as error:
        Mistake("convolve", "x", "", function).load("solutions.convolutions")
    assert str(error.value) == message


@pytest.mark.parametrize("source, error", [
    ("def flipped(image, kernel)\n    return image\n", "SyntaxError: expected ':' ({file}, line 1)"),
    ("import math\n\nWIDTH = math.tau / undefined_width\n",
     "NameError: name 'undefined_width' is not defined ({file}, line 3)"),
], ids=["syntax error", "name error"])
def test_a_mistakes_module_that_fails_to_import_is_named_with_the_fix(
        source, error, tmp_path, monkeypatch):
    package = tmp_path / "broken_lesson_solutions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mistakes.py").write_text(source)
    monkeypatch.syspath_prepend(tmp_path)
    mistake = Mistake("convolve", "x", "", "broken_lesson_solutions.mistakes:flipped")
    try:
        with pytest.raises(AssignmentError) as raised:
            mistake.load("broken_lesson_solutions.reference")
    finally:
        sys.modules.pop("broken_lesson_solutions", None)
    file = package / "mistakes.py"
    assert str(raised.value) == (
        "cannot import the mistake 'x' of 'convolve' (broken_lesson_solutions.mistakes): "
        f"{error.format(file=file)}: fix {file} until "
        '`python -c "import broken_lesson_solutions.mistakes"` runs without an error')


def test_a_mistake_for_an_exercise_the_lesson_lacks_is_refused(assignment):
    lesson = dataclasses.replace(assignment, mistakes=(
        Mistake("convolution", "x", "", "solutions.convolutions_mistakes:flipped_kernel"),))
    with pytest.raises(AssignmentError) as error:
        audit_lesson(lesson, STORED)
    assert str(error.value) == ("the mistake 'x' names the exercise 'convolution'; "
                                "'convolutions' has get_subimages, convolve, template_match")


def test_grade_audit_prints_the_matrix_and_writes_json_and_a_picture(
        audited, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(grader.cli.audit, "audit_lesson", lambda lesson, count: audited)
    assert main(["audit", "convolutions", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["get_subimages", "output", "shape", "square", "windows",
                              "rectangular", "windows", "caught", "by", "verdict"]
    assert "mistake: flipped kernel" in "\n".join(out)
    assert out[-2] == f"Wrote {tmp_path / 'audit.json'} and {tmp_path / 'convolutions.png'}."
    assert re.fullmatch(r"Audited 1 of 1 lessons in \d+\.\d s\.", out[-1])
    written = json.loads((tmp_path / "audit.json").read_text())
    assert written == {"lessons": [json.loads(json.dumps(audited.to_json()))]}
    assert (tmp_path / "convolutions.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grade_audit_of_a_lesson_not_installed_is_a_usage_error(tmp_path, capsys):
    assert main(["audit", "nosuch", "--out", str(tmp_path)]) == 2
    installed = ", ".join(available_assignments())  # a course may have more than these two
    assert capsys.readouterr().err == f"grade: error: no lesson named 'nosuch'; installed: {installed}\n"


TOY_LESSON = '''
    from pathlib import Path

    import numpy as np
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    from grader.model.assignment import Assignment, Exercise, SubCheck
    from grader.model.compare import close, same_shape
    from grader.model.mistakes import Mistake


    @st.composite
    def crops(draw):  # the top is always 0: a mistake about it never shows
        image = draw(hnp.arrays(np.float64, (4, 5), elements=st.floats(0, 1)))
        return image, 0, draw(st.integers(0, 2)), 2, 2


    ASSIGNMENT = Assignment(
        "toycrop", Path(__file__).parent, "toycrop.ipynb", (),
        (Exercise("crop", ("image", "top", "left", "height", "width"), (
            SubCheck("output shape", "The window's shape.", 1, crops(), same_shape),
            SubCheck("values", "The window's pixels.", 1, crops(), close()),
        )),),
        "solutions.toycrop",
        mistakes=tuple(
            Mistake("crop", name, "", f"solutions.toycrop_mistakes:{name.replace(' ', '_')}")
            for name in ("ignores top", "ignores left")
        ),
    )
'''


def test_grade_audit_fails_when_a_declared_mistake_slips_through(tmp_path):
    """A lesson of its own, with no convolutions in it, on the Python path."""
    for path, text in {
        "assignments/toycrop/__init__.py": TOY_LESSON,
        "solutions/toycrop.py": "def crop(image, top, left, height, width):\n"
                                "    return image[top : top + height, left : left + width]\n",
        "solutions/toycrop_mistakes.py": "def ignores_top(image, top, left, height, width):\n"
                                         "    return image[:height, left : left + width]\n"
                                         "def ignores_left(image, top, left, height, width):\n"
                                         "    return image[top : top + height, :width]\n",
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(textwrap.dedent(text))
    out = tmp_path / "report"
    ran = subprocess.run(
        [sys.executable, "-m", "grader", "audit", "toycrop", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert ran.returncode == 1, ran.stderr
    assert ran.stderr == (
        "toycrop: the sub-checks miss 1 of its 2 declared mistakes: make their strategies draw "
        "inputs that show them, then run `grade freeze --redraw`.\n")
    assert "  2 declared mistakes: 1 killed, 1 MISSED: crop: ignores top." in ran.stdout
    assert "mistake: ignores top" in ran.stdout and "MISSED (declared mistake, equivalent)" in (
        ran.stdout)
    (lesson,) = json.loads((out / "audit.json").read_text())["lessons"]
    assert lesson["lesson"] == "toycrop" and lesson["mistakes"]["killed"] == 1
    assert (out / "toycrop.png").is_file()
