"""Reading a submission file: every way it can fail to be a notebook is one clear error."""

import pickle

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.kernel.notebook import read_notebook
from grader.model.errors import UnreadableNotebook


def written(tmp_path, content: bytes):
    path = tmp_path / "submission.ipynb"
    path.write_bytes(content)
    return path


def reason_for(path) -> str:
    with pytest.raises(UnreadableNotebook) as raised:
        read_notebook(path)
    assert raised.value.path == str(path)
    assert str(raised.value) == f"{path} is not a readable notebook: {raised.value.reason}"
    return raised.value.reason


def test_valid_notebook_is_returned_with_its_cells(tmp_path):
    notebook = new_notebook(cells=[new_markdown_cell("# Convolutions"), new_code_cell("x = 1\ny = 2")])
    path = written(tmp_path, nbformat.writes(notebook).encode())
    read = read_notebook(path)
    assert [cell.cell_type for cell in read.cells] == ["markdown", "code"]
    assert read.cells[1].source == "x = 1\ny = 2"


@pytest.mark.filterwarnings("ignore::nbformat.warnings.MissingIDFieldWarning")
def test_notebook_whose_cells_lack_ids_is_read(tmp_path):
    # Older tools write v4.5 notebooks without cell ids; nbformat only warns about them.
    path = written(
        tmp_path,
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code",'
        b' "source": ["x = 1\\n", "y = 2"], "metadata": {}, "outputs": [], "execution_count": null}]}',
    )
    assert read_notebook(path).cells[0].source == "x = 1\ny = 2"


@pytest.mark.parametrize("content", [b"", b"  \n\n"], ids=["empty", "whitespace"])
def test_empty_file_is_unreadable_because_it_is_empty(tmp_path, content):
    assert reason_for(written(tmp_path, content)) == "the file is empty"


def test_invalid_json_is_unreadable(tmp_path):
    reason = reason_for(written(tmp_path, b'{"cells": [,'))
    assert reason.startswith("not valid notebook JSON (")


@pytest.mark.parametrize("content", [b"[]", b'{"a": 1}'], ids=["list", "dict"])
def test_json_that_is_not_a_notebook_is_unreadable(tmp_path, content):
    reason = reason_for(written(tmp_path, content))
    assert reason.startswith("not valid notebook JSON")


@pytest.mark.parametrize("content", [b"[]", b'{"a": 1}'], ids=["list", "dict"])
def test_json_that_is_not_a_notebook_is_explained_without_python_internals(tmp_path, content):
    reason = reason_for(written(tmp_path, content))
    assert "object has no attribute" not in reason
    assert "version 1 to version 2" not in reason


def test_binary_garbage_is_unreadable(tmp_path):
    reason = reason_for(written(tmp_path, b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x80garbage"))
    assert reason.startswith("cannot read the file (")


def test_notebook_without_cells_is_unreadable(tmp_path):
    reason = reason_for(written(tmp_path, b'{"nbformat": 4, "nbformat_minor": 4, "metadata": {}}'))
    assert "cells" in reason


def test_unreadable_notebook_error_survives_pickling(tmp_path):
    error = UnreadableNotebook(str(tmp_path / "x.ipynb"), "the file is empty")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.path, copy.reason, str(copy)) == (
        UnreadableNotebook, error.path, error.reason, str(error)
    )
