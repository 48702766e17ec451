"""Class statistics per exercise: pass rate, mean points, the sub-check failed most often."""

import json

from grader.judge.exercises import all_not_checked
from grader.model.results import CheckResult, ExerciseResult, SubmissionResult
from grader.output.stats import exercise_statistics, statistics_table, write_summary


def submission(assignment, name: str, failing: dict[str, list[str]] | None = None,
               status="graded") -> SubmissionResult:
    """A graded submission whose named sub-checks failed; every other one passed."""
    if status != "graded":
        return SubmissionResult(name, name, status, all_not_checked(assignment, "broken"))
    failing = failing or {}
    exercises = tuple(
        ExerciseResult(exercise.name, tuple(
            CheckResult(exercise.name, check.name, "", check.points,
                        "failed" if check.name in failing.get(exercise.name, []) else "passed")
            for check in exercise.checks
        ))
        for exercise in assignment.exercises
    )
    return SubmissionResult(name, name, status, exercises)


def test_pass_rate_counts_submissions_that_pass_every_sub_check(assignment):
    results = [
        submission(assignment, "ada"),
        submission(assignment, "linus", {"convolve": ["any kernel"]}),
        submission(assignment, "empty", status="unreadable"),
        submission(assignment, "alan", {"convolve": ["any kernel", "symmetric kernels"]}),
    ]
    get_subimages, convolve, template_match = exercise_statistics(assignment, results)
    assert (get_subimages.passed, get_subimages.submissions, get_subimages.not_checked) == (3, 4, 1)
    assert (convolve.passed, convolve.pass_rate, convolve.mean_points) == (1, 0.25, 1.5)
    assert (convolve.most_failed, convolve.most_failed_count) == ("any kernel", 2)
    assert template_match.most_failed is None


def test_a_tie_goes_to_the_sub_check_listed_first(assignment):
    results = [
        submission(assignment, "a", {"template_match": ["any template"]}),
        submission(assignment, "b", {"template_match": ["output shape"]}),
    ]
    assert exercise_statistics(assignment, results)[2].most_failed == "output shape"


def test_the_table_shows_each_exercise_on_a_line(assignment):
    results = [submission(assignment, "ada"), submission(assignment, "linus", {"convolve": ["any kernel"]})]
    assert statistics_table(exercise_statistics(assignment, results)).splitlines() == [
        "exercise        passed      mean points  most common failing sub-check",
        "--------------  ----------  -----------  -----------------------------",
        "get_subimages   2/2 (100%)  3.0/3        -",
        "convolve        1/2 (50%)   2.5/3        any kernel (1)",
        "template_match  2/2 (100%)  4.0/4        -",
    ]


def test_summary_json_holds_the_statistics_and_the_run(assignment, tmp_path):
    results = [submission(assignment, "ada"), submission(assignment, "empty", status="unreadable")]
    write_summary(tmp_path / "summary.json", assignment, results, {"jobs": 2})
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["submissions"] == 2
    assert summary["statuses"] == {"graded": 1, "unreadable": 1}
    assert (summary["mean_score"], summary["possible"]) == (5, 10)
    assert summary["exercises"][1] == {
        "name": "convolve", "submissions": 2, "passed": 1, "pass_rate": 0.5, "mean_points": 1.5,
        "max_points": 3, "not_checked": 1, "most_common_failing_check": None,
        "failed_only_held_out_inputs": 0,
    }
    assert summary["run"] == {"jobs": 2}
