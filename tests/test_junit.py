"""JUnit XML: one test case per sub-check, failures and errors where a CI system expects them."""

import xml.etree.ElementTree as ET

from grader.model.results import CheckResult, ExerciseResult, SubmissionResult
from grader.output.junit import write_junit


def result():
    checks = (
        CheckResult("convolve", "output shape", "shape", 1, "passed"),
        CheckResult("convolve", "any kernel", "values", 1, "failed", "1 of 1 values differ"),
        CheckResult("convolve", "symmetric kernels", "values", 1, "timeout", "no answer within 10 s"),
    )
    missing = (CheckResult("template_match", "output shape", "shape", 2, "error",
                           "`template_match` is not defined"),)
    return SubmissionResult(
        "linus", "linus.ipynb", "graded",
        (ExerciseResult("convolve", checks), ExerciseResult("template_match", missing)),
    )


def test_each_sub_check_is_a_test_case_with_its_verdict(tmp_path):
    path = tmp_path / "out" / "junit.xml"
    write_junit(path, [result()])
    suite = ET.parse(path).getroot().find("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("errors")) == (
        "linus", "4", "2", "1"
    )
    cases = {(case.get("classname"), case.get("name")): case for case in suite.iter("testcase")}
    assert cases[("linus.convolve", "output shape")].find("failure") is None
    assert cases[("linus.convolve", "any kernel")].find("failure").get("message") == "1 of 1 values differ"
    assert cases[("linus.convolve", "symmetric kernels")].find("failure").get("type") == "timeout"
    missing = cases[("linus.template_match", "output shape")]
    assert missing.find("error").get("message") == "`template_match` is not defined"
    points = {p.get("name"): p.get("value")
              for p in cases[("linus.convolve", "output shape")].iter("property")}
    assert points == {"points": "1", "max_points": "1"}


def test_each_suite_says_the_submissions_status_and_message(tmp_path):
    path = tmp_path / "junit.xml"
    salvaged = SubmissionResult("ada", "ada.ipynb", "salvaged",
                                message="The notebook could not run to the end.")
    write_junit(path, [result(), salvaged])
    suites = ET.parse(path).getroot().findall("testsuite")
    found = [{p.get("name"): p.get("value") for p in suite.find("properties")} for suite in suites]
    assert found == [
        {"status": "graded"},
        {"status": "salvaged", "message": "The notebook could not run to the end."},
    ]
