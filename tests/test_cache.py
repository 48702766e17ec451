"""Results kept between runs: keyed on the notebook's bytes and everything else that matters."""

import json

import pytest

from grader import PROFILES
from grader.grading.cache import FOLDER, ResultCache, run_key
from grader.intake.discover import Submission
from grader.judge.exercises import all_not_checked
from grader.model.results import (
    CellFailure,
    CheckResult,
    Counterexample,
    ExerciseResult,
    SubmissionResult,
    Timings,
    result_from_json,
)


@pytest.fixture
def linus():
    example = Counterexample(
        arguments=(("image", "np.array([[1, 2]], dtype=np.uint8)"), ("kernel", "np.array([[1.0, 0.5]])")),
        expected="np.array([[2.0]])", actual="np.array([[2.5]])", reason="1 of 1 values differ",
        first_difference="(0, 0)",
    )
    checks = (
        CheckResult("convolve", "output shape", "Shape.", 1, "passed"),
        CheckResult("convolve", "any kernel", "Any.", 1, "failed", "1 of 1 values differ", example),
        CheckResult("convolve", "symmetric kernels", "Sym.", 1, "timeout", "no answer within 10 s"),
    )
    return SubmissionResult(
        "linus", "submissions/linus.ipynb", "graded", (ExerciseResult("convolve", checks),),
        (CellFailure(3, "error", "NameError: name 'x' is not defined", "print(x)"),
         CellFailure(5, "not run", "the notebook ran out of time", "")),
        "a note", Timings(1.25, 2.5, 0.125),
    )


def test_a_result_comes_back_from_its_json_as_it_was(linus):
    assert result_from_json(json.loads(json.dumps(linus.to_json()))) == linus


def test_the_run_key_changes_with_any_setting_and_only_then(assignment):
    thorough = PROFILES["thorough"]
    assert run_key(assignment, thorough) == run_key(assignment, thorough.replace())
    keys = {run_key(assignment, settings) for settings in (
        thorough, PROFILES["quick"], thorough.replace(defs_only=True), thorough.replace(call_timeout=3),
    )}
    assert len(keys) == 4


def submissions(folder, **notebooks) -> list[Submission]:
    found = []
    for name, text in notebooks.items():
        path = folder / f"{name}.ipynb"
        path.write_text(text)
        found.append(Submission(name, path))
    return found


def graded(assignment, submission: Submission, status="graded") -> SubmissionResult:
    return SubmissionResult(submission.id, str(submission.path), status,
                            all_not_checked(assignment, "x"))


def test_an_unchanged_notebook_is_reused_under_its_new_name(assignment, tmp_path):
    out = tmp_path / "out"
    cache = ResultCache.for_run(out, assignment, PROFILES["quick"])
    (ada,) = submissions(tmp_path, ada='{"cells": []}')
    assert cache.reuse([ada]) == ([], [ada])
    cache.store(graded(assignment, ada))

    (renamed,) = submissions(tmp_path, grace='{"cells": []}')
    again = ResultCache.for_run(out, assignment, PROFILES["quick"])
    (kept,), pending = again.reuse([renamed])
    assert pending == [] and (kept.id, kept.path) == ("grace", str(renamed.path))
    assert kept.exercises == graded(assignment, ada).exercises


def test_a_changed_notebook_or_other_settings_or_force_grade_again(assignment, tmp_path):
    out = tmp_path / "out"
    (ada,) = submissions(tmp_path, ada='{"cells": []}')
    cache = ResultCache.for_run(out, assignment, PROFILES["quick"])
    cache.reuse([ada])
    cache.store(graded(assignment, ada))
    assert ResultCache.for_run(out, assignment, PROFILES["thorough"]).reuse([ada]) == ([], [ada])
    forced = ResultCache.for_run(out, assignment, PROFILES["quick"], reuse=False)
    assert forced.reuse([ada]) == ([], [ada])
    (changed,) = submissions(tmp_path, ada='{"cells": [] }')
    assert ResultCache.for_run(out, assignment, PROFILES["quick"]).reuse([changed]) == ([], [changed])


def test_a_failure_of_the_grader_itself_is_not_kept(assignment, tmp_path):
    out = tmp_path / "out"
    (ada,) = submissions(tmp_path, ada='{"cells": []}')
    cache = ResultCache.for_run(out, assignment, PROFILES["quick"])
    cache.reuse([ada])
    cache.store(graded(assignment, ada, status="grader error"))
    assert not list((out / FOLDER).rglob("*.json"))


def test_a_stored_result_is_written_whole_with_no_partial_file_left(assignment, tmp_path):
    out = tmp_path / "out"
    (ada,) = submissions(tmp_path, ada='{"cells": []}')
    cache = ResultCache.for_run(out, assignment, PROFILES["quick"])
    cache.reuse([ada])
    cache.store(graded(assignment, ada))
    assert [path.suffix for path in cache.folder.iterdir()] == [".json"]


def test_an_unreadable_cache_entry_means_grading_again(assignment, tmp_path):
    out = tmp_path / "out"
    (ada,) = submissions(tmp_path, ada='{"cells": []}')
    cache = ResultCache.for_run(out, assignment, PROFILES["quick"])
    cache.reuse([ada])
    cache.store(graded(assignment, ada))
    (entry,) = cache.folder.iterdir()
    entry.write_text("{ not json")
    assert ResultCache.for_run(out, assignment, PROFILES["quick"]).reuse([ada]) == ([], [ada])
