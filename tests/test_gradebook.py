"""The gradebook: grading into a folder adds to what it holds; overrides, the late policy and the
platforms' import files come from it. Grading itself is faked here (no kernels): each notebook
says which exercises it gets wrong."""

import csv
import dataclasses
import json
import sqlite3

import pytest

import grader.course
from grader.cli import main
from grader.gradebook.late import parse_penalty, parse_time
from grader.gradebook.marks import one_line
from grader.model.results import CellFailure, CheckResult, ExerciseResult, SubmissionResult

EXERCISES = ("get_subimages", "convolve", "template_match")


def graded_as_written(assignment, submission) -> SubmissionResult:
    """Every sub-check passes but those of the exercises the notebook's "wrong" names."""
    wrong = json.loads(submission.path.read_text())["wrong"]
    exercises = tuple(
        ExerciseResult(e.name, tuple(
            CheckResult(e.name, c.name, "", c.points, "failed" if e.name in wrong else "passed")
            for c in e.checks))
        for e in assignment.exercises)
    return SubmissionResult(submission.id, str(submission.path), "graded", exercises)


@pytest.fixture
def grading(monkeypatch):
    runs = []

    def grade_all(assignment, submissions, settings, jobs=1, on_result=lambda result: None,
                  use_reference=True):
        runs.append([submission.id for submission in submissions])
        for submission in submissions:
            on_result(graded_as_written(assignment, submission))

    monkeypatch.setattr(grader.course, "grade_all", grade_all)
    return runs


def notebook(*wrong: str, version: int = 1) -> str:
    return json.dumps({"cells": [], "metadata": {"grader": {"lesson": "convolutions"}},
                       "wrong": list(wrong), "version": version})


@pytest.fixture
def folder(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for name, wrong in (("ada", ()), ("grace", ("template_match",)), ("linus", ("convolve",))):
        (submissions / f"{name}.ipynb").write_text(notebook(*wrong))
    return submissions


def rows(out) -> dict[str, dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def grade(*arguments) -> int:
    return main([*map(str, arguments), "--jobs", "1"])


def test_regrading_one_changed_notebook_keeps_every_other_student(
        folder, tmp_path, grading, capsys):
    out = tmp_path / "grades"
    assert grade(folder, "--out", out) == 0
    before = rows(out)
    assert {name: row["total"] for name, row in before.items()} == {
        "ada": "10", "grace": "6", "linus": "7"}
    late = tmp_path / "late"
    late.mkdir()
    (late / "grace.ipynb").write_text(notebook(version=2))  # fixed, handed in late
    capsys.readouterr()
    assert grade(late / "grace.ipynb", "--out", out) == 0
    assert grading[-1] == ["grace"]
    assert "(it lists 3 submissions: 2 graded by earlier runs)" in capsys.readouterr().out
    after = rows(out)
    assert after["grace"]["total"] == "10"
    assert {name: after[name] for name in ("ada", "linus")} == {
        name: before[name] for name in ("ada", "linus")}
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["submissions"], summary["run"]["graded"], summary["run"]["in_gradebook"]) \
        == (3, 1, 3)
    assert summary["mean_score"] == pytest.approx((10 + 10 + 7) / 3, abs=1e-4)
    report = (out / "report.html").read_text()
    assert all(f'href="{name}/feedback.html"' in report for name in ("ada", "grace", "linus"))
    assert main(["history", "grace", "--out", str(out)]) == 0
    history = capsys.readouterr().out.splitlines()
    assert history[0] == f"grace in convolutions ({out / 'gradebook.sqlite'}):"
    assert [line.split("  ")[2] for line in history[1:3]] == [
        "graded 6/10 (graded)", "graded 10/10 (graded)"]
    assert history[3] == "  now: auto 10, final 10/10"


def test_every_grading_is_a_row_with_its_sub_checks_and_nothing_is_deleted(
        folder, tmp_path, grading):
    out = tmp_path / "grades"
    grade(folder, "--out", out)
    grade(folder, "--out", out, "--force")
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        gradings = db.execute("SELECT student, status, score, message FROM gradings "
                              "ORDER BY id").fetchall()
        checks = db.execute("SELECT c.exercise, sum(c.points) FROM checks c JOIN gradings g "
                            "ON c.grading = g.id WHERE g.student = 'linus' AND g.id = "
                            "(SELECT max(id) FROM gradings WHERE student = 'linus') "
                            "GROUP BY c.exercise").fetchall()
        runs = db.execute("SELECT grader_version, settings FROM runs").fetchall()
    assert [g[:3] for g in gradings] == [("ada", "graded", 10), ("grace", "graded", 6),
                                          ("linus", "graded", 7)] * 2
    assert dict(checks) == {"get_subimages": 3, "convolve": 0, "template_match": 4}
    assert len(runs) == 2 and json.loads(runs[0][1])["defs_only"] is False


def test_an_unchanged_notebook_kept_from_the_cache_adds_no_grading(folder, tmp_path, grading):
    out = tmp_path / "grades"
    grade(folder, "--out", out)
    grade(folder, "--out", out)
    assert grading == [["ada", "grace", "linus"], []]
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT count(*) FROM gradings").fetchone() == (3,)


def test_an_override_survives_a_forced_regrade_and_shows_in_grades_csv(
        folder, tmp_path, grading, capsys):
    out = tmp_path / "grades"
    grade(folder, "--out", out)
    capsys.readouterr()
    assert main(["override", "convolutions", "linus", "--points", "convolve=2", "--reason",
                 "regrade request: flipped kernel explained", "--by", "prof",
                 "--in-feedback", "--out", str(out)]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[0].startswith("Recorded for linus in convolutions: convolve=2 by prof at ")
    assert said[1].startswith("linus now: auto 7, final 9/10. Written again: ")
    grade(folder, "--out", out, "--force")
    assert grading[-1] == ["ada", "grace", "linus"]
    linus = rows(out)["linus"]
    assert (linus["convolve"], linus["total"], linus["final"], linus["override"],
            linus["override_reason"]) == ("0", "7", "9", "convolve=2",
                                          "regrade request: flipped kernel explained")
    assert linus["override_by"].startswith("prof ")
    assert rows(out)["ada"]["override"] == "" and rows(out)["ada"]["final"] == "10"
    feedback = (out / "linus" / "feedback.md").read_text()
    assert ("Your instructor adjusted your points: convolve set to 2 (regrade request: flipped "
            "kernel explained). Final score: 9.") in feedback
    assert main(["override", "convolutions", "grace", "--total", "0", "--reason",
                 "academic integrity", "--out", str(out)]) == 0
    grade(folder, "--out", out, "--force")
    assert (rows(out)["grace"]["total"], rows(out)["grace"]["final"]) == ("6", "0")
    assert "academic integrity" not in (out / "grace" / "feedback.md").read_text()
    capsys.readouterr()
    main(["history", "linus", "--out", str(out)])
    history = capsys.readouterr().out
    assert "override convolve=2 by prof, shown in feedback: regrade request" in history


def test_late_penalty_applies_to_a_late_canvas_file(tmp_path, grading, capsys):
    download = tmp_path / "canvas"
    download.mkdir()
    (download / "lovelaceada_1815_501_convolutions.ipynb").write_text(notebook())
    (download / "torvaldslinus_LATE_1969_530_convolutions.ipynb").write_text(notebook())
    out = tmp_path / "grades"
    assert grade(download, "--out", out, "--late-penalty", "10%/day, max 50%") == 0
    book = rows(out)
    assert {name: (row["late"], row["total"], row["late_penalty"], row["final"])
            for name, row in book.items()} == {
        "lovelaceada": ("", "10", "", "10"), "torvaldslinus": ("late", "10", "1", "9")}
    feedback = (out / "torvaldslinus" / "feedback.md").read_text()
    assert ("Submitted late (counted as 1 day: the download says late but not when): 1 point(s) "
            "off under the late policy '10%/day, max 50%'. Final score: 9.") in feedback
    # The policy is kept: a later run without it still applies it.
    assert grade(download, "--out", out, "--force") == 0
    assert rows(out)["torvaldslinus"]["final"] == "9"


def test_submission_times_from_a_roster_count_days_late_past_the_grace_period(
        folder, tmp_path, grading):
    roster = tmp_path / "times.csv"
    roster.write_text("submission,submitted_at\nada,2026-12-01T23:50+00:00\n"
                      "grace,2026-12-02T00:10+00:00\nlinus,2026-12-03T08:00+00:00\n")
    out = tmp_path / "grades"
    assert grade(folder, "--out", out, "--roster", roster, "--deadline",
                 "2026-12-01T23:59+00:00", "--late-penalty", "10%/day, max 50%, grace 15m") == 0
    book = rows(out)
    assert {name: (row["submitted_at"], row["late_penalty"], row["final"])
            for name, row in book.items()} == {
        "ada": ("2026-12-01T23:50+00:00", "", "10"), "grace": ("2026-12-02T00:10+00:00", "", "6"),
        "linus": ("2026-12-03T08:00+00:00", "2", "5")}


def test_gradescope_created_at_counts_hours_late(tmp_path, grading):
    export = tmp_path / "export"
    for folder, wrong in (("submission_11", ()), ("submission_12", ())):
        (export / folder).mkdir(parents=True)
        (export / folder / "convolutions.ipynb").write_text(notebook(*wrong))
    (export / "submission_metadata.yml").write_text(
        "submission_11:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1815'\n"
        "    :email: ada@example.edu\n  :created_at: 2026-12-01 23:00:00.000000000 +00:00\n"
        "submission_12:\n  :submitters:\n  - :name: Hedy Lamarr\n    :sid: '1914'\n"
        "    :email: hedy@example.edu\n  :created_at: 2026-12-02 02:30:00.000000000 +00:00\n",
        encoding="utf-8")
    out = tmp_path / "grades"
    assert grade(export, "--out", out, "--deadline", "2026-12-01T23:59:00+00:00",
                 "--late-penalty", "5%/hour") == 0
    book = rows(out)
    assert (book["submission_11"]["late_penalty"], book["submission_11"]["final"]) == ("", "10")
    assert (book["submission_12"]["submitted_at"], book["submission_12"]["late_penalty"],
            book["submission_12"]["final"]) == ("2026-12-02T02:30:00+00:00", "1.5", "8.5")


@pytest.mark.parametrize("spec, message", [
    ("10%/week", "grade: error: --late-penalty: cannot read '10%/week' in '10%/week'; write the "
                 "rate (10%/day, 5%/hour, 2/day in points, or 20% once), then optionally max N% "
                 "and grace 15m, as \"10%/day, max 50%, grace 15m\""),
    ("max 50%", "grade: error: --late-penalty 'max 50%' gives no rate; write one as "
                "\"10%/day, max 50%, grace 15m\""),
    ("150%/day", "grade: error: --late-penalty '150%/day': a percentage goes up to 100%"),
])
def test_a_bad_penalty_is_refused_before_grading_with_the_fix(
        folder, tmp_path, grading, capsys, spec, message):
    assert grade(folder, "--out", tmp_path / "g", "--late-penalty", spec) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert grading == []


def test_a_deadline_without_a_penalty_or_a_time_is_refused(folder, tmp_path, grading, capsys):
    assert grade(folder, "--out", tmp_path / "g", "--deadline", "2026-12-01T23:59") == 2
    assert capsys.readouterr().err.splitlines() == [
        "grade: error: --deadline needs --late-penalty to say what lateness costs, such as "
        "--late-penalty \"10%/day, max 50%\""]
    assert grade(folder, "--out", tmp_path / "g", "--deadline", "2026-12-01",
                 "--late-penalty", "10%/day") == 2
    assert capsys.readouterr().err.splitlines() == [
        "grade: error: --deadline: '2026-12-01' has no time of day; write it as 2026-12-01T23:59 "
        "(or with a zone, 2026-12-01T23:59+01:00)"]
    assert grading == []


def test_override_refuses_an_unknown_student_or_exercise_and_records_nothing(
        folder, tmp_path, grading, capsys):
    out = tmp_path / "grades"
    grade(folder, "--out", out)
    capsys.readouterr()
    assert main(["override", "convolutions", "lynus", "--total", "5", "--reason", "r",
                 "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"grade: error: no student 'lynus' in the gradebook {out / 'gradebook.sqlite'} for "
        "'convolutions'; did you mean linus?"]
    assert main(["override", "convolutions", "linus", "--points", "convolution=2", "--reason",
                 "r", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "grade: error: --points 'convolution=2': the lesson has no exercise 'convolution' (it "
        "has get_subimages, convolve, template_match); did you mean convolve?"]
    assert main(["override", "convolutions", "linus", "--points", "convolve=5", "--reason",
                 "r", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "grade: error: --points 'convolve=5': convolve is worth 3 points; for more (extra "
        "credit), set the total with --total"]
    assert main(["override", "convolutions", "linus", "--total", "5", "--reason", "r",
                 "--out", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"grade: error: no gradebook for the lesson 'convolutions' in {tmp_path / 'nowhere'} "
        "(no gradebook.sqlite): give the folder grading wrote into with --out"]
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT count(*) FROM overrides").fetchone() == (0,)


def test_history_of_an_unknown_student_suggests_close_names(folder, tmp_path, grading, capsys):
    out = tmp_path / "grades"
    grade(folder, "--out", out)
    capsys.readouterr()
    assert main(["history", "gracee", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"grade: error: no student 'gracee' in the gradebook {out / 'gradebook.sqlite'}; "
        "did you mean grace?"]


def test_the_message_column_says_what_went_wrong_on_one_line(assignment):
    checks = tuple(CheckResult("convolve", c.name, "", c.points, "timeout" if i == 0 else
                               "passed") for i, c in enumerate(assignment.exercise("convolve")
                                                               .checks))
    missing = tuple(CheckResult("template_match", c.name, "", c.points, "error")
                    for c in assignment.exercise("template_match").checks)
    result = SubmissionResult("hedy", "hedy.ipynb", "graded", (
        ExerciseResult("convolve", checks),
        ExerciseResult("template_match", missing,
                       "template_match is not defined: did you mean match_template?", True),
    ), (CellFailure(7, "timeout", "Cell timed out after 60 s\nTraceback (most recent call)",
                    "for y in range(10**9):"),))
    first = assignment.exercise("convolve").checks[0].name
    assert one_line(result) == (
        "template_match: template_match is not defined: did you mean match_template?; "
        f"convolve: {first} timed out; cell 7 timeout (Cell timed out after 60 s)")


def test_late_policy_counts_started_periods_from_the_deadline_up_to_its_cap():
    policy = parse_penalty("10%/day, max 25%, grace 15m", parse_time("2026-12-01T23:59+00:00"))
    late = lambda when: policy.penalty(8, 10, parse_time(when), False)
    assert late("2026-12-02T00:14+00:00") == 0  # within the grace period
    assert late("2026-12-02T00:15+00:00") == 1  # past it: one day started
    assert late("2026-12-03T23:58+00:00") == 2
    assert late("2026-12-09T00:00+00:00") == 2.5  # the cap
    assert policy.penalty(8, 10, None, True) == 1  # Canvas's _LATE flag, no time: one day
    assert policy.penalty(0.5, 10, None, True) == 0.5  # never below zero
    flat = parse_penalty("2")
    assert flat.penalty(8, 10, None, True) == 2 and flat.penalty(8, 10, None, False) == 0


def table(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def canvas_graded(tmp_path, grading):
    download = tmp_path / "canvas"
    download.mkdir()
    (download / "lovelaceada_1815_501_convolutions.ipynb").write_text(notebook())
    (download / "torvaldslinus_LATE_1969_530_convolutions.ipynb").write_text(
        notebook("convolve"))
    out = tmp_path / "grades"
    assert grade(download, "--out", out, "--late-penalty", "10%/day") == 0
    return out


def test_canvas_export_is_its_gradebook_import_layout_matched_by_user_id(
        canvas_graded, tmp_path, capsys):
    roster = tmp_path / "canvas-gradebook.csv"  # as Canvas's own gradebook export has it
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      "\"Lovelace, Ada\",1815,S1815,ada,Lab A\n"
                      "\"Torvalds, Linus\",1969,S1969,linus,Lab B\n", encoding="utf-8")
    exported = tmp_path / "canvas.csv"
    assert main(["export", "--to", "canvas", "--out", str(canvas_graded), "--roster",
                 str(roster), "--column", "Convolutions (4242)", str(exported)]) == 0
    assert table(exported) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Convolutions (4242)"],
        ["Lovelace, Ada", "1815", "S1815", "ada", "Lab A", "10"],
        ["Torvalds, Linus", "1969", "S1969", "linus", "Lab B", "6"],  # 7, late: -1
    ]
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Wrote {exported}: 2 row(s), columns Student, ID, SIS User ID, SIS Login ID, Section, "
        "Convolutions (4242).")
    # Without a roster, the download's ids are enough for Canvas to match each row.
    assert main(["export", "--to", "canvas", "--out", str(canvas_graded), str(exported)]) == 0
    assert [row[:2] + row[5:] for row in table(exported)[1:]] == [
        ["lovelaceada", "1815", "10"], ["torvaldslinus", "1969", "6"]]


def test_gradescope_export_is_a_score_upload_with_a_row_per_group_member(
        tmp_path, grading, capsys):
    export = tmp_path / "export"
    for folder, wrong in (("submission_11", ()), ("submission_12", ("template_match",))):
        (export / folder).mkdir(parents=True)
        (export / folder / "convolutions.ipynb").write_text(notebook(*wrong))
    (export / "submission_metadata.yml").write_text(
        "submission_11:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1815'\n"
        "    :email: ada@example.edu\n"
        "submission_12:\n  :submitters:\n  - :name: Hedy Lamarr\n    :sid: '1914'\n"
        "    :email: hedy@example.edu\n  - :name: Grace Hopper\n    :sid: '1906'\n"
        "    :email: grace@example.edu\n", encoding="utf-8")
    out = tmp_path / "grades"
    assert grade(export, "--out", out) == 0
    main(["override", "convolutions", "grace@example.edu", "--points", "template_match=4",
          "--reason", "hidden test was wrong", "--out", str(out)])
    exported = tmp_path / "scores.csv"
    assert main(["export", "--to", "gradescope", "--out", str(out), str(exported)]) == 0
    assert table(exported) == [
        ["Name", "SID", "Email", "Total Score"],
        ["Ada Lovelace", "1815", "ada@example.edu", "10"],
        ["Hedy Lamarr", "1914", "hedy@example.edu", "10"],
        ["Grace Hopper", "1906", "grace@example.edu", "10"],
    ]
    assert main(["export", "--to", "csv", "--out", str(out), str(exported)]) == 0
    with open(exported, newline="", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert (rows["grace@example.edu"]["submission"], rows["grace@example.edu"]["auto"],
            rows["grace@example.edu"]["final"], rows["grace@example.edu"]["override"]) == (
        "submission_12", "6", "10", "template_match=4")


def test_canvas_export_of_a_plain_folder_names_the_students_without_an_id_and_the_fix(
        folder, tmp_path, grading, capsys):
    out = tmp_path / "grades"
    grade(folder, "--out", out)
    capsys.readouterr()
    exported = tmp_path / "canvas.csv"
    assert main(["export", "--to", "canvas", "--out", str(out), str(exported)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "Left out 3 submission(s) the download gave no Canvas user id for: ada, grace, linus; "
        "give --roster FILE with their submission and canvas_user_id (Canvas's own gradebook "
        "export works as a roster: its ID column is the id)."]
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,canvas_user_id,name\nada,1815,\"Lovelace, Ada\"\n"
                      "grace,1906,\"Hopper, Grace\"\nlinus,1969,\"Torvalds, Linus\"\n")
    assert main(["export", "--to", "canvas", "--out", str(out), "--roster", str(roster),
                 str(exported)]) == 0
    assert [row[:2] + row[5:] for row in table(exported)] == [
        ["Student", "ID", "convolutions"], ["Lovelace, Ada", "1815", "10"],
        ["Hopper, Grace", "1906", "6"], ["Torvalds, Linus", "1969", "7"]]


def test_an_exercise_named_like_a_column_of_the_gradebook_is_refused(assignment):
    from grader.authoring.definition import definition_problems
    renamed = tuple(dataclasses.replace(e, name="final") if e.name == "convolve" else e
                    for e in assignment.exercises)
    problems = definition_problems(dataclasses.replace(assignment, exercises=renamed,
                                                       showcases=()), None)
    assert ("final: grades.csv has a column of that name for the gradebook (submitted_at, "
            "late_penalty, final, override, override_reason, override_by): give the exercise "
            "another name") in problems


def test_the_lessons_own_late_policy_holds_until_a_command_gives_another(assignment, tmp_path):
    from grader.gradebook.store import Gradebook
    from grader.gradebook.views import lesson_policy
    lesson = dataclasses.replace(assignment, deadline="2026-12-01T23:59+00:00",
                                 late_penalty="5%/hour")
    book = Gradebook.open(tmp_path)
    try:
        own = lesson_policy(book, lesson)
        assert (own.rate, own.per, own.deadline.isoformat()) == (5, 3600,
                                                                 "2026-12-01T23:59:00+00:00")
        book.set_policy(lesson.name, "2/day", None)
        given = lesson_policy(book, lesson)
        assert (given.rate, given.percent, given.per, given.deadline) == (2, False, 86400, None)
        book.set_policy(lesson.name, "none", None)
        assert lesson_policy(book, lesson) is None
    finally:
        book.close()


def test_a_gradebook_that_is_not_sqlite_stops_grading_and_is_kept_as_it_is(
        folder, tmp_path, grading, capsys):
    out = tmp_path / "grades"
    out.mkdir()
    (out / "gradebook.sqlite").write_text("not a database")
    assert grade(folder, "--out", out) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"grade: error: cannot open the gradebook {out / 'gradebook.sqlite'}: file is not a "
        "database; it is kept as it is (move it aside to start a new one)")
    assert (out / "gradebook.sqlite").read_text() == "not a database"
    assert grading == []


def test_one_notebook_graded_into_a_folder_of_several_lessons_joins_its_lessons_class(
        folder, tmp_path, grading):
    out = tmp_path / "grades"
    assert grade(folder, "--out", out / "convolutions") == 0  # as a run of two lessons leaves it
    late = tmp_path / "late"
    late.mkdir()
    (late / "grace.ipynb").write_text(notebook(version=2))
    assert grade(late / "grace.ipynb", "--out", out) == 0
    assert not (out / "grades.csv").exists() and not (out / "gradebook.sqlite").exists()
    assert {name: row["total"] for name, row in rows(out / "convolutions").items()} == {
        "ada": "10", "grace": "10", "linus": "7"}
