"""The regrade an instructor makes, in real kernels: the convolutions demos graded into a folder,
then one student's changed notebook graded alone into the same folder. Every other row,
summary.json and report.html keep the whole class; the student's row changes; history shows
both gradings."""

import csv
import json
import shutil

import pytest

from grader.cli import main

from conftest import EXAMPLES
from test_end_to_end import EXPECTED_EXAMPLE_POINTS

pytestmark = pytest.mark.kernel


def rows(out) -> dict[str, dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def test_regrading_one_changed_demo_into_the_class_folder_keeps_the_class(tmp_path, capsys):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for name in EXPECTED_EXAMPLE_POINTS:
        shutil.copy(EXAMPLES / f"{name}.ipynb", submissions)
    out = tmp_path / "grades" / "convolutions"
    assert main([str(submissions), "--out", str(out), "--defs-only", "--jobs", "2"]) == 0
    before = rows(out)
    assert {name: row["total"] for name, row in before.items()} == {
        name: str(sum(points)) for name, points in EXPECTED_EXAMPLE_POINTS.items()}
    assert before["hedy_renamed_function"]["message"].startswith("template_match: ")

    # Linus fixes his flipped kernel (his notebook now holds Grace's code) and hands it in late.
    late = tmp_path / "late"
    late.mkdir()
    fixed = json.loads((EXAMPLES / "grace_vectorized.ipynb").read_text(encoding="utf-8"))
    fixed["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "Fixed late."})
    (late / "linus_flipped_kernel.ipynb").write_text(json.dumps(fixed), encoding="utf-8")
    capsys.readouterr()
    assert main([str(late / "linus_flipped_kernel.ipynb"), "--out", str(out), "--defs-only",
                 "--jobs", "1"]) == 0
    assert (f"(it lists {len(EXPECTED_EXAMPLE_POINTS)} submissions: "
            f"{len(EXPECTED_EXAMPLE_POINTS) - 1} graded by earlier runs)"
            in capsys.readouterr().out)
    after = rows(out)
    assert set(after) == set(before)
    assert (before["linus_flipped_kernel"]["total"], after["linus_flipped_kernel"]["total"]) \
        == ("9", "10")
    assert {name: row for name, row in after.items() if name != "linus_flipped_kernel"} == {
        name: row for name, row in before.items() if name != "linus_flipped_kernel"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["submissions"] == len(EXPECTED_EXAMPLE_POINTS)
    assert summary["run"]["graded"] == 1
    report = (out / "report.html").read_text(encoding="utf-8")
    assert all(f'href="{name}/feedback.html"' in report for name in EXPECTED_EXAMPLE_POINTS)
    assert main(["history", "linus_flipped_kernel", "--out", str(out)]) == 0
    history = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[2] for line in history[1:-1]] == [
        "graded 9/10 (graded)", "graded 10/10 (graded)"]
    assert history[-1] == "  now: auto 10, final 10/10"
