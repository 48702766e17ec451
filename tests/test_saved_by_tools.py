"""What tools leave in a submission, handled before it runs: old formats, scripts, saved outputs,
package installs, the student's own files, and notes on errors only grading meets. No kernels."""

import json
import os

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.kernel import notebook as notebook_module
from grader.kernel.hints import hint
from grader.kernel.notebook import read_notebook
from grader.kernel.own_files import own_files
from grader.kernel.prepare import without_installs
from grader.model.errors import UnreadableNotebook

from conftest import NOTEBOOKS

TOOLS = NOTEBOOKS / "tools"


def test_an_nbformat_3_notebook_is_read_as_version_4():
    notebook = read_notebook(TOOLS / "nbformat3.ipynb")
    assert notebook.nbformat == 4
    assert [cell.cell_type for cell in notebook.cells] == ["markdown", "markdown", "code", "code"]
    assert notebook.cells[2].source == "import numpy as np"


def test_saved_outputs_are_dropped_on_reading():
    notebook = read_notebook(TOOLS / "saved_figures.ipynb")
    assert all(cell.outputs == [] and cell.execution_count is None
               for cell in notebook.cells if cell.cell_type == "code")


def test_a_percent_script_is_read_cell_by_cell():
    notebook = read_notebook(TOOLS / "vscode_export.py")
    assert [cell.cell_type for cell in notebook.cells] == ["markdown", "code", "code"]
    assert notebook.cells[1].source == "import numpy as np\n%matplotlib inline"


def test_a_script_without_code_is_unreadable(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("# only a comment\n")
    with pytest.raises(UnreadableNotebook) as raised:
        read_notebook(path)
    assert raised.value.reason == "the script holds no code"


def test_a_file_past_the_size_limit_is_unreadable_and_says_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setattr(notebook_module, "MAX_BYTES", 1000)
    path = tmp_path / "big.ipynb"
    path.write_text(nbformat.writes(new_notebook(cells=[new_code_cell("x = 1" + " " * 2000)])))
    with pytest.raises(UnreadableNotebook) as raised:
        read_notebook(path)
    assert raised.value.reason == (
        "the file is 0 MiB, more than the 0 MiB the grader reads; clear its outputs (Edit > "
        "Clear All Outputs) and submit it again")


def test_package_installs_become_lines_that_do_nothing_and_keep_their_place():
    notebook = new_notebook(cells=[
        new_code_cell("x = 1"),
        new_code_cell("!pip install numpy\nif True:\n    %pip install scipy\ny = 2"),
        new_code_cell("%%bash\nsudo apt-get install -y zip\necho done"),
        new_code_cell("!pip list\n!python -m pip install x"),
    ])
    prepared = without_installs(notebook)
    assert prepared.installs == (2, 3, 4)
    sources = [cell.source for cell in prepared.notebook.cells]
    assert sources == [
        "x = 1",
        "pass  # not run while grading: !pip install numpy\nif True:\n"
        "    pass  # not run while grading: %pip install scipy\ny = 2",
        "%%bash\n:  # not run while grading: sudo apt-get install -y zip\necho done",
        "!pip list\npass  # not run while grading: !python -m pip install x",
    ]
    assert notebook.cells[1].source.startswith("!pip install numpy")  # the original is kept
    assert without_installs(new_notebook(cells=[new_code_cell("x = 1")])).note() == ""


@pytest.mark.parametrize("ename, evalue, start", [
    ("ModuleNotFoundError", "No module named 'google.colab'", "Google Colab"),
    ("ModuleNotFoundError", "No module named 'torch'", "`torch` is not installed"),
    ("FileNotFoundError", "[Errno 2] No such file or directory: '/content/drive/MyDrive/x.jpg'",
     "Files on Google Drive"),
    ("FileNotFoundError", "[Errno 2] No such file or directory: 'C:\\\\Users\\\\ada\\\\x.jpg'",
     "Paths on your own computer"),
    ("StdinNotImplementedError", "getpass was called, but this frontend does not support input "
     "requests.", "Nobody is there to answer"),
    ("UsageError", "Cell magic `%%writefile2` not found.", "`%%writefile2` is a magic"),
])
def test_errors_only_grading_meets_get_a_note(ename, evalue, start):
    assert hint(ename, evalue).startswith(start)


def test_an_ordinary_error_gets_no_note():
    assert hint("ZeroDivisionError", "division by zero") == ""
    assert hint("FileNotFoundError", "[Errno 2] No such file or directory: 'missing.csv'") == ""


def test_own_files_leave_out_links_hidden_files_caches_and_the_notebook(tmp_path):
    (tmp_path / "hw.ipynb").write_text("{}")
    (tmp_path / "helpers.py").write_text("x = 1")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "photo.png").write_bytes(b"png")
    (tmp_path / ".secret").write_text("hidden")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "helpers.pyc").write_bytes(b"")
    os.symlink("/etc/hostname", tmp_path / "passwords.txt")
    own = own_files(tmp_path, tmp_path / "hw.ipynb")
    assert [relative for _, relative in own.files] == ["helpers.py", "data/photo.png"]
    assert own.left_out == ("passwords.txt",)
    target = tmp_path.parent / "work"
    own.copy_into(target)
    assert (target / "data" / "photo.png").read_bytes() == b"png"
    assert own.note() == ("Some files beside the notebook were not there when it ran (links, or "
                          "more than the 256 MiB the grader copies): passwords.txt.")


def test_own_files_past_the_size_limit_are_left_out(tmp_path):
    for name in ("a.bin", "b.bin", "c.bin"):
        (tmp_path / name).write_bytes(b"0" * 600)
    own = own_files(tmp_path, tmp_path / "hw.ipynb", max_bytes=1000)
    assert [relative for _, relative in own.files] == ["a.bin"]
    assert own.left_out == ("b.bin", "c.bin")


def test_a_notebook_alone_in_no_folder_has_no_own_files(tmp_path):
    assert own_files(None, tmp_path / "hw.ipynb").files == ()


def test_recognising_a_script_reads_its_functions(tmp_path):
    from grader.kernel.notebook import notebook_content
    from grader.model.lessons import defined_functions

    content = notebook_content(TOOLS / "plain_script.py")
    assert {"get_subimages", "convolve", "template_match"} <= defined_functions(content)
    broken = tmp_path / "broken.ipynb"
    broken.write_text(json.dumps([1, 2]))
    assert notebook_content(broken) == {}
