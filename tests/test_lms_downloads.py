"""A Canvas zip and a Gradescope export of demo submissions grade in one command each, with
what the platform says of each student in grades.csv."""

import csv
import zipfile

import pytest

from grader.cli import main

from conftest import EXAMPLES
from test_end_to_end import EXPECTED_EXAMPLE_POINTS

pytestmark = pytest.mark.kernel

FIXED = ["submission", "get_subimages", "convolve", "template_match", "total", "possible",
         "status", "message", "held_out_only"]
BOOK = ["late_penalty", "final", "override", "override_reason", "override_by"]


def demo(name: str) -> bytes:
    return (EXAMPLES / f"{name}.ipynb").read_bytes()


def total(name: str) -> str:
    return str(sum(EXPECTED_EXAMPLE_POINTS[name]))


def gradebook(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, {row["submission"]: row for row in reader}


def test_a_canvas_zip_grades_in_one_command_with_ids_late_flags_and_older_uploads(
        tmp_path, capsys):
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        opened.writestr("hoppergrace_1906_501_convolutions.ipynb", demo("untouched"))
        opened.writestr("hoppergrace_1906_577_convolutions-1.ipynb", demo("grace_vectorized"))
        opened.writestr("torvaldslinus_LATE_1969_530_convolutions.ipynb",
                        demo("linus_flipped_kernel"))
    out = tmp_path / "grades"
    assert main([str(archive), "--out", str(out), "--defs-only", "--jobs", "2"]) == 0
    assert (f"{archive}: a Canvas download of 2 students' files; 1 of them uploaded files again, "
            "and only the newest of each name is graded (grades.csv lists the others)"
            in capsys.readouterr().err.splitlines())
    header, rows = gradebook(out)
    assert header == FIXED + ["canvas_user_id", "late", "not_graded"] + BOOK
    assert {name: (row["total"], row["canvas_user_id"], row["late"], row["not_graded"])
            for name, row in rows.items()} == {
        "hoppergrace": (total("grace_vectorized"), "1906", "",
                        "hoppergrace_1906_501_convolutions.ipynb"),
        "torvaldslinus": (total("linus_flipped_kernel"), "1969", "late", ""),
    }


def test_a_gradescope_export_grades_in_one_command_with_names_emails_and_sids(tmp_path):
    export = tmp_path / "assignment_7_export"
    for folder, name in (("submission_11", "ada_loops"), ("submission_12", "hedy_renamed_function")):
        (export / folder).mkdir(parents=True)
        (export / folder / "convolutions.ipynb").write_bytes(demo(name))
    (export / "submission_metadata.yml").write_text(
        "submission_11:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1815'\n"
        "    :email: ada@example.edu\n"
        "submission_12:\n  :submitters:\n  - :name: Hedy Lamarr\n    :sid: '1914'\n"
        "    :email: hedy@example.edu\n", encoding="utf-8")
    out = tmp_path / "grades"
    assert main([str(export), "--out", str(out), "--defs-only", "--jobs", "2"]) == 0
    header, rows = gradebook(out)
    assert header == FIXED + ["name", "email", "sid"] + BOOK
    assert {name: (row["total"], row["name"], row["email"], row["sid"])
            for name, row in rows.items()} == {
        "submission_11": (total("ada_loops"), "Ada Lovelace", "ada@example.edu", "1815"),
        "submission_12": (total("hedy_renamed_function"), "Hedy Lamarr", "hedy@example.edu",
                          "1914"),
    }
