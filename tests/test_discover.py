"""Finding submissions: which notebooks are graded, under which ids, and what is said about the rest."""

import pytest

from grader.intake.discover import find_submissions
from grader.model.errors import UsageError

HANDOUT = "convolutions.ipynb"


def make(root, *paths):
    for relative in paths:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    return root


def by_id(found):
    return {submission.id: submission for submission in found.submissions}


def test_notebooks_directly_in_a_folder_are_named_by_their_stem(tmp_path):
    make(tmp_path, "bob.ipynb", "alice.ipynb")
    found = find_submissions([tmp_path], [HANDOUT])
    assert [(s.id, s.path, s.problem) for s in found.submissions] == [
        ("alice", tmp_path / "alice.ipynb", ""),
        ("bob", tmp_path / "bob.ipynb", ""),
    ]
    assert found.skipped == ()


def test_one_notebook_per_sub_folder_is_named_by_the_folder(tmp_path):
    make(tmp_path, "alice/homework.ipynb", "bob/work/mine.ipynb")
    found = by_id(find_submissions([tmp_path], [HANDOUT]))
    assert found["alice"].path == tmp_path / "alice" / "homework.ipynb"
    assert found["bob"].path == tmp_path / "bob" / "work" / "mine.ipynb"
    assert not found["alice"].problem and not found["bob"].problem


def test_checkpoints_and_hidden_files_are_skipped_silently(tmp_path):
    make(
        tmp_path,
        "alice.ipynb",
        ".ipynb_checkpoints/alice-checkpoint.ipynb",
        ".hidden.ipynb",
        ".DS_Store",
        "__pycache__/x.ipynb",
        "bob/hw.ipynb",
        "bob/.ipynb_checkpoints/hw-checkpoint.ipynb",
        "bob/.trash/old.ipynb",
    )
    found = find_submissions([tmp_path], [HANDOUT])
    assert [(s.id, s.path.name, s.problem) for s in found.submissions] == [
        ("alice", "alice.ipynb", ""),
        ("bob", "hw.ipynb", ""),
    ]
    assert found.skipped == ()


def test_files_that_are_not_notebooks_are_reported_as_skipped(tmp_path):
    make(tmp_path, "alice.ipynb", "notes.txt", "marks.csv")
    found = find_submissions([tmp_path], [HANDOUT])
    assert [s.id for s in found.submissions] == ["alice"]
    assert found.skipped == (tmp_path / "marks.csv", tmp_path / "notes.txt")


def test_a_python_script_is_a_submission_like_a_notebook(tmp_path):
    make(tmp_path, "alice.ipynb", "bob.py")
    found = find_submissions([tmp_path], [HANDOUT])
    assert [(s.id, s.path) for s in found.submissions] == [
        ("alice", tmp_path / "alice.ipynb"), ("bob", tmp_path / "bob.py")
    ]


def test_in_a_student_folder_the_notebook_is_graded_and_scripts_beside_it_are_its_own(tmp_path):
    make(tmp_path, "carol/work.ipynb", "carol/helpers.py", "dave/convolutions.py",
         "dave/helpers.py", "erin/main.py")
    found = by_id(find_submissions([tmp_path], [HANDOUT]))
    assert (found["carol"].path, found["carol"].folder) == (
        tmp_path / "carol" / "work.ipynb", tmp_path / "carol")
    assert found["dave"].path == tmp_path / "dave" / "convolutions.py"
    assert found["erin"].path == tmp_path / "erin" / "main.py"


def test_a_student_folder_with_two_scripts_and_no_notebook_gets_a_clear_problem(tmp_path):
    make(tmp_path, "carol/a.py", "carol/b.py")
    (carol,) = find_submissions([tmp_path], [HANDOUT]).submissions
    assert carol.problem == (
        "the folder holds 2 Python scripts and no notebook (a.py, b.py); keep one, or name it "
        "convolutions.py"
    )


def test_a_notebook_directly_in_the_folder_has_no_folder_of_its_own(tmp_path):
    make(tmp_path, "alice.ipynb")
    (alice,) = find_submissions([tmp_path], [HANDOUT]).submissions
    assert alice.folder is None


def test_ids_are_the_same_however_accents_are_stored(tmp_path):
    make(tmp_path, "Jose\u0301 Nu\u0301n\u0303ez.ipynb")  # as macOS stores the name
    (jose,) = find_submissions([tmp_path], [HANDOUT]).submissions
    assert jose.id == "Jos\u00e9 N\u00fa\u00f1ez"


def test_folder_with_two_notebooks_gets_a_clear_problem(tmp_path):
    make(tmp_path, "carol/draft.ipynb", "carol/final.ipynb")
    (carol,) = find_submissions([tmp_path], [HANDOUT]).submissions
    assert carol.id == "carol"
    assert carol.path == tmp_path / "carol"
    assert carol.problem == (
        "the folder holds 2 notebooks (draft.ipynb, final.ipynb); keep one, or name it "
        "convolutions.ipynb"
    )


def test_folder_with_several_notebooks_grades_the_one_named_like_the_handout(tmp_path):
    make(tmp_path, "carol/scratch.ipynb", "carol/convolutions.ipynb", "carol/old/try.ipynb")
    (carol,) = find_submissions([tmp_path], [HANDOUT]).submissions
    assert (carol.id, carol.path, carol.problem) == (
        "carol", tmp_path / "carol" / "convolutions.ipynb", ""
    )


def test_empty_sub_folder_is_a_submission_with_a_problem(tmp_path):
    (tmp_path / "dave").mkdir()
    make(tmp_path, "erin/.ipynb_checkpoints/hw-checkpoint.ipynb")
    found = by_id(find_submissions([tmp_path], [HANDOUT]))
    for name in ("dave", "erin"):
        assert found[name].path == tmp_path / name
        assert found[name].problem == (
            "the folder holds no notebook (*.ipynb) or Python script (*.py)"
        )


def test_a_single_notebook_path_is_one_submission(tmp_path):
    make(tmp_path, "alice.ipynb", "bob.ipynb")
    found = find_submissions([tmp_path / "bob.ipynb"], [HANDOUT])
    assert [(s.id, s.path) for s in found.submissions] == [("bob", tmp_path / "bob.ipynb")]


def test_a_single_file_that_is_not_a_notebook_is_a_usage_error(tmp_path):
    make(tmp_path, "notes.txt")
    with pytest.raises(UsageError, match=r"notes\.txt is not a notebook \(\.ipynb\), a Python script"):
        find_submissions([tmp_path / "notes.txt"], [HANDOUT])


def test_missing_path_is_a_usage_error(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(UsageError) as raised:
        find_submissions([missing], [HANDOUT])
    assert str(raised.value) == f"{missing} does not exist"


def test_duplicate_ids_are_numbered(tmp_path):
    make(tmp_path, "one/alice.ipynb", "two/alice.ipynb", "three/alice/hw.ipynb")
    found = find_submissions([tmp_path / "one", tmp_path / "two", tmp_path / "three"], [HANDOUT])
    assert [(s.id, s.path) for s in found.submissions] == [
        ("alice", tmp_path / "one" / "alice.ipynb"),
        ("alice-2", tmp_path / "two" / "alice.ipynb"),
        ("alice-3", tmp_path / "three" / "alice" / "hw.ipynb"),
    ]


def test_numbered_ids_do_not_collide_with_existing_ids(tmp_path):
    make(tmp_path, "one/alice.ipynb", "two/alice.ipynb", "two/alice-2.ipynb")
    found = find_submissions([tmp_path / "one", tmp_path / "two"], [HANDOUT])
    ids = [s.id for s in found.submissions]
    assert len(set(ids)) == 3, ids
