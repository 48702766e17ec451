"""The kernel sandbox: what it is built from, and what a kernel inside it can and cannot do."""

import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, needs_sandbox
from processes import process_table

from grader.kernel import sandbox as sandbox_module
from grader.model.errors import UsageError
from grader.kernel.run import TRUNCATED, NotebookRun
from grader.kernel.limits import Limits
from grader.kernel.sandbox import Sandbox, check_mode, make_sandbox
from grader.model.settings import Settings


def options(arguments: list[str], flag: str) -> list[tuple[str, ...]]:
    """The values that follow each use of ``flag`` in a command line."""
    width = {"--ro-bind": 2, "--bind": 2, "--tmpfs": 1, "--dir": 1}[flag]
    return [
        tuple(arguments[index + 1 : index + 1 + width])
        for index, argument in enumerate(arguments)
        if argument == flag
    ]


def test_the_command_shows_the_kernel_only_what_it_needs(tmp_path):
    environment = tmp_path / "env"
    hidden = environment / "site-packages" / "solutions"
    hidden.mkdir(parents=True)
    workdir = tmp_path / "work"
    workdir.mkdir()
    sandbox = Sandbox(readable=(environment,), hidden=(hidden, tmp_path / "elsewhere"),
                      process_limit=99, uid=1_234_567)

    command = sandbox.command(["python", "-m", "ipykernel_launcher"], workdir)

    assert (str(environment), str(environment)) in options(command, "--ro-bind")
    assert options(command, "--bind") == [(str(workdir), str(workdir))]  # the only writable one
    assert (str(hidden),) in options(command, "--tmpfs")  # covered, since it lies inside env
    assert (str(tmp_path / "elsewhere"),) not in options(command, "--tmpfs")  # not there at all
    assert {"--unshare-net", "--unshare-pid", "--die-with-parent"} <= set(command)
    assert "--unshare-user" not in command  # the user changes for real, so the limit binds
    assert "--reuid=1234567" in command and "--nproc=99" in command
    assert command[-3:] == ["python", "-m", "ipykernel_launcher"]
    # The folders on the way are made open to all, or a private one would bar the kernel.
    assert (str(tmp_path),) in options(command, "--dir")


def test_modes_are_checked_before_anything_is_graded(monkeypatch):
    with pytest.raises(UsageError, match="--sandbox must be one of"):
        check_mode("sometimes")
    assert make_sandbox("off", 10, [], []) is None
    monkeypatch.setattr(sandbox_module, "unavailable_because", lambda: "bwrap is not installed")
    with pytest.raises(UsageError, match="--sandbox on, but bwrap is not installed"):
        check_mode("on")
    assert make_sandbox("auto", 10, [], []) is None  # auto goes on without it


SPY = """
import os, socket, subprocess, time
seen = {"uid": os.getuid(), "root": sorted(os.listdir("/"))}
for path in [REPO + "/solutions/convolutions.py", "/etc/passwd", REPO + "/README.md"]:
    try:
        open(path).read()
        seen[path] = "read"
    except OSError as error:
        seen[path] = type(error).__name__
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2)
    seen["network"] = "connected"
except OSError as error:
    seen["network"] = type(error).__name__
daemon = subprocess.Popen(["sleep", "600"], start_new_session=True)
seen["daemon"] = daemon.pid
print(seen)
"""


@pytest.mark.kernel
@needs_sandbox
def test_a_sandboxed_kernel_sees_only_its_folder_and_leaves_nothing_behind(assignment, tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"REPO = {str(ROOT)!r}" + SPY),
        nbformat.v4.new_code_cell("print('x' * 300_000)\nprint('y' * 300_000)"),
    ])
    sandbox = make_sandbox("on", 64, [assignment.folder.parent], [])
    with NotebookRun(notebook, assignment.data_paths(), cell_timeout=30, total_timeout=60,
                     limits=Limits.from_settings(Settings()), sandbox=sandbox,
                     output_limit=400_000) as run:
        execution = run.run_cells()
        uid, workdir = run.sandbox.uid, run.workdir
        outputs = [cell.outputs for cell in run.client.nb.cells]
        assert [p for p in process_table().values() if p.uid == uid] != []  # the kernel runs

    assert execution.cell_failures == ()
    seen = eval(outputs[0][0]["text"])  # a dict the test's own notebook printed
    assert seen["uid"] == uid and uid >= 1_000_000
    # The root holds system folders, and the way to Python and to the grader's packages only.
    # In a virtual environment, Python is both the environment and the Python it was made from.
    system = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr"}
    pythons = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    on_the_way = {Path(prefix).resolve().parts[1] for prefix in pythons} | {ROOT.parts[1]}
    assert set(seen["root"]) <= system | on_the_way
    assert seen[str(ROOT / "solutions" / "convolutions.py")] == "FileNotFoundError"
    assert seen[str(ROOT / "README.md")] == "FileNotFoundError"
    assert seen["/etc/passwd"] == "FileNotFoundError"
    assert seen["network"] in {"OSError", "gaierror"} or "Unreachable" in seen["network"]
    # Output past the cap is dropped, with a note that says so.
    texts = [output.get("text", "") for output in outputs[1]]
    assert sum(map(len, texts)) < 400_000 + 1000
    assert texts[-1] == TRUNCATED.format(mib=400_000 / 1024**2)
    # The session-leading daemon died with the kernel; the folder is gone.
    assert [p for p in process_table().values() if p.uid == uid] == []
    assert not Path(workdir).exists()
