"""Taking in submissions as course platforms hand them out: zips, Canvas downloads, Gradescope
exports. No kernels."""

import stat
import zipfile
from pathlib import Path

import pytest

from grader.cli import main
from grader.intake.canvas import parse
from grader.intake.intake import take_in
from grader.intake.unpack import unpack_zip
from grader.model.errors import ArchiveError

from conftest import EXAMPLES

HANDOUTS = ["convolutions.ipynb"]
NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def zipped(path, members: dict):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def zipped_without_utf8_flag(path, name: str, data: str):
    """A zip whose member's name is UTF-8 bytes without the flag that says so, as old Windows
    and macOS archivers write names."""
    encoded = name.encode("utf-8")
    placeholder = "x" * len(encoded)
    zipped(path, {placeholder: data})
    path.write_bytes(path.read_bytes().replace(placeholder.encode(), encoded))
    return path


def roster(submission):
    return dict(submission.roster)


def test_zip_members_that_climb_out_or_are_links_are_left_out(tmp_path):
    archive = zipped(tmp_path / "s.zip", {"ok/alice.ipynb": NOTEBOOK, "../evil.py": "x",
                                          "/etc/evil.py": "x", "a/../../evil.py": "x"})
    with zipfile.ZipFile(archive, "a") as opened:
        link = zipfile.ZipInfo("ok/link.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        opened.writestr(link, "/etc/passwd")
    unpacked = unpack_zip(archive, tmp_path / "out")
    assert sorted(unpacked.left_out) == ["../evil.py", "/etc/evil.py", "a/../../evil.py",
                                         "ok/link.ipynb"]
    assert unpacked.folder == tmp_path / "out" / "ok"
    assert [p.name for p in (tmp_path / "out").rglob("*")] == ["ok", "alice.ipynb"]
    assert not (tmp_path / "evil.py").exists()


def test_a_zip_that_unpacks_past_the_limit_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as opened:
        opened.writestr("a.ipynb", b"0" * 5_000_000)
    assert archive.stat().st_size < 50_000
    with pytest.raises(ArchiveError) as raised:
        unpack_zip(archive, tmp_path / "out", max_bytes=1_000_000)
    assert raised.value.reason == "it unpacks to more than 0.000931323 GiB"


def test_a_file_that_is_not_a_zip_is_refused_with_its_name(tmp_path):
    fake = tmp_path / "s.zip"
    fake.write_text("not a zip")
    with pytest.raises(ArchiveError) as raised:
        unpack_zip(fake, tmp_path / "out")
    assert str(raised.value) == f"{fake}: it cannot be unpacked (File is not a zip file)"


def test_names_stored_in_the_old_zip_encoding_keep_their_accents(tmp_path):
    archive = zipped_without_utf8_flag(tmp_path / "s.zip", "José Núñez.ipynb", NOTEBOOK)
    unpacked = unpack_zip(archive, tmp_path / "out")
    assert [p.name for p in unpacked.folder.iterdir()] == ["José Núñez.ipynb"]


def test_canvas_names_give_student_late_flag_user_and_resubmission():
    path = Path("lovelaceada_LATE_1815_99123_hw-2.ipynb")
    upload = parse(path)
    assert (upload.path, upload.student, upload.late, upload.user_id, upload.upload_id,
            upload.original, upload.number) == (path, "lovelaceada", True, "1815", 99123,
                                                "hw.ipynb", 2)
    assert parse(Path("turingalan_1912_4_my_convolutions.ipynb")).original == (
        "my_convolutions.ipynb")
    assert parse(Path("notes.txt")) is None


def canvas_zip(tmp_path):
    return zipped(tmp_path / "canvas.zip", {
        "lovelaceada_1815_100_convolutions.ipynb": NOTEBOOK,
        "lovelaceada_1815_140_convolutions-1.ipynb": NOTEBOOK,
        "lovelaceada_1815_141_helpers.py": "def helper(): pass\n",
        "turingalan_LATE_1912_120_hw.ipynb": NOTEBOOK,
        "hopperg_1906_130_work.zip": _student_zip(tmp_path),
    })


def _student_zip(tmp_path):
    return zipped(tmp_path / "inner.zip", {"work/convolutions.ipynb": NOTEBOOK,
                                           "work/photo.png": "png"}).read_bytes()


def test_a_canvas_zip_gives_one_submission_per_student_with_the_newest_upload(tmp_path):
    intake = take_in([canvas_zip(tmp_path)], HANDOUTS, tmp_path / "scratch")
    found = {s.id: s for s in intake.found.submissions}
    assert sorted(found) == ["hopperg", "lovelaceada", "turingalan"]
    ada = found["lovelaceada"]
    assert ada.path.name == "convolutions.ipynb" and not ada.problem
    assert sorted(p.name for p in ada.folder.iterdir()) == ["convolutions.ipynb", "helpers.py"]
    assert roster(ada) == {"canvas_user_id": "1815", "late": "",
                           "not_graded": "lovelaceada_1815_100_convolutions.ipynb"}
    assert roster(found["turingalan"]) == {"canvas_user_id": "1912", "late": "late",
                                           "not_graded": ""}
    grace = found["hopperg"]
    assert grace.path.relative_to(grace.folder.parent.parent).as_posix() == (
        "work/work/convolutions.ipynb")
    assert (grace.folder / "photo.png").is_file()
    assert intake.notes == (
        f"{tmp_path / 'canvas.zip'}: a Canvas download of 3 students' files; 1 of them uploaded "
        "files again, and only the newest of each name is graded (grades.csv lists the others)",
    )


def test_the_newest_of_two_uploads_of_one_name_is_the_one_graded(tmp_path):
    folder = tmp_path / "canvas"
    folder.mkdir()
    (folder / "lovelaceada_1815_100_hw.ipynb").write_text("first")
    (folder / "lovelaceada_1815_140_hw-1.ipynb").write_text("second")
    (folder / "lovelaceada_1815_150_hw-2.ipynb").write_text("third")
    (ada,) = take_in([folder], HANDOUTS, tmp_path / "scratch").found.submissions
    assert ada.path.read_text() == "third"
    assert roster(ada)["not_graded"] == (
        "lovelaceada_1815_100_hw.ipynb; lovelaceada_1815_140_hw-1.ipynb"
    )


METADATA = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1815'
    :email: ada@example.edu
  :created_at: 2024-03-01 12:00:00.000000000 -08:00
  :score: 10.0
  :status: !ruby/symbol processed
submission_102:
  :submitters:
  - :name: Alan Turing
    :sid: '1912'
    :email: alan@example.edu
  - :name: Grace Hopper
    :sid: '1906'
    :email: grace@example.edu
  :results: !ruby/hash:ActiveSupport::HashWithIndifferentAccess
    score: 3
"""


def gradescope_export(tmp_path):
    folder = tmp_path / "assignment_42_export"
    for name in ("submission_101", "submission_102", "submission_103"):
        (folder / name).mkdir(parents=True)
        (folder / name / "convolutions.ipynb").write_text(NOTEBOOK)
    (folder / "submission_metadata.yml").write_text(METADATA)
    return folder


def test_a_gradescope_export_gives_names_emails_and_sids(tmp_path):
    export = gradescope_export(tmp_path)
    intake = take_in([export], HANDOUTS, tmp_path / "scratch")
    found = {s.id: roster(s) for s in intake.found.submissions}
    assert found == {
        "submission_101": {"name": "Ada Lovelace", "email": "ada@example.edu", "sid": "1815",
                           "submitted_at": "2024-03-01T12:00:00-08:00"},  # its :created_at:
        "submission_102": {"name": "Alan Turing; Grace Hopper",
                           "email": "alan@example.edu; grace@example.edu", "sid": "1912; 1906"},
        "submission_103": {"name": "", "email": "", "sid": ""},
    }
    assert intake.notes == (f"{export}: a Gradescope export of 3 submissions",)


def test_a_zipped_gradescope_export_is_taken_the_same(tmp_path):
    export = gradescope_export(tmp_path)
    members = {path.relative_to(tmp_path).as_posix(): path.read_bytes()
               for path in export.rglob("*") if path.is_file()}
    archive = zipped(tmp_path / "export.zip", members)
    intake = take_in([archive], HANDOUTS, tmp_path / "scratch")
    assert [s.id for s in intake.found.submissions] == [
        "submission_101", "submission_102", "submission_103"]


def test_unreadable_gradescope_metadata_is_a_usage_error_naming_the_file(tmp_path, capsys):
    export = gradescope_export(tmp_path)
    (export / "submission_metadata.yml").write_text("submission_101: [unclosed")
    assert main([str(export), "--out", str(tmp_path / "out")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"grade: error: {export / 'submission_metadata.yml'}: cannot read "
                           "Gradescope's metadata (while parsing a flow sequence")


def test_a_zip_in_a_plain_folder_is_one_students_folder(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "ada.ipynb").write_text(NOTEBOOK)
    (folder / "grace.zip").write_bytes(_student_zip(tmp_path))
    (folder / "broken.zip").write_text("not a zip")
    found = {s.id: s for s in take_in([folder], HANDOUTS, tmp_path / "scratch").found.submissions}
    assert found["grace"].path.name == "convolutions.ipynb"
    assert found["broken"].problem.endswith("broken.zip: it cannot be unpacked (File is not a "
                                            "zip file)")


def test_a_zip_of_the_demo_folder_gives_the_same_submissions_as_the_folder(tmp_path):
    members = {f"submissions/{path.name}": path.read_bytes() for path in EXAMPLES.iterdir()}
    archive = zipped(tmp_path / "demos.zip", members)
    from_zip = take_in([archive], HANDOUTS, tmp_path / "scratch").found.submissions
    from_folder = take_in([EXAMPLES], HANDOUTS, tmp_path / "scratch2").found.submissions
    assert [s.id for s in from_zip] == [s.id for s in from_folder]
    assert [s.path.read_bytes() for s in from_zip] == [s.path.read_bytes() for s in from_folder]


def test_a_zip_that_cannot_be_unpacked_is_a_usage_error(tmp_path, capsys):
    fake = tmp_path / "canvas.zip"
    fake.write_bytes(b"PK\x03\x04 broken")
    assert main([str(fake), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"grade: error: cannot take the submissions in {fake}: it cannot be unpacked (File is "
        "not a zip file)"
    ]


def test_members_left_out_of_a_zip_are_said_once(tmp_path):
    archive = zipped(tmp_path / "s.zip", {"alice.ipynb": NOTEBOOK, "../evil.ipynb": NOTEBOOK})
    intake = take_in([archive], HANDOUTS, tmp_path / "scratch")
    assert [s.id for s in intake.found.submissions] == ["alice"]
    assert intake.notes == (f"{archive}: left out 1 member(s) that are links or lead outside the "
                            "zip: ../evil.ipynb",)
