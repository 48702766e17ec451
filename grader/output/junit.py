"""JUnit XML for CI systems: one test case per sub-check, one test suite per submission."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from ..model.results import SubmissionResult
from .wording import check_output


def junit_xml(results: Iterable[SubmissionResult]) -> ET.ElementTree:
    root = ET.Element("testsuites", name="grade")
    for result in results:
        checks = [check for exercise in result.exercises for check in exercise.checks]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=result.id,
            tests=str(len(checks)),
            failures=str(sum(check.status in ("failed", "timeout") for check in checks)),
            errors=str(sum(check.status == "error" for check in checks)),
            time=f"{result.timings.checking:.3f}",
        )
        # The submission's status, such as "salvaged" (graded after a restart), and why.
        ET.SubElement(suite, "properties").extend(
            [ET.Element("property", name="status", value=result.status)]
            + ([ET.Element("property", name="message", value=result.message)] if result.message else [])
        )
        for check in checks:
            case = ET.SubElement(
                suite, "testcase", classname=f"{result.id}.{check.exercise}", name=check.name
            )
            ET.SubElement(case, "properties").extend(
                [ET.Element("property", name="points", value=f"{check.points:g}"),
                 ET.Element("property", name="max_points", value=f"{check.max_points:g}")]
            )
            if check.status in ("failed", "timeout"):
                ET.SubElement(case, "failure", message=check.message, type=check.status).text = (
                    check_output(check)
                )
            elif check.status == "error":
                ET.SubElement(case, "error", message=check.message, type="not run").text = (
                    check.message
                )
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: Path, results: Iterable[SubmissionResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(results).write(path, encoding="utf-8", xml_declaration=True)
