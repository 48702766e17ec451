"""Every kernel starts clean, with or without the sandbox: nothing left in the grader's home, its
IPython folder or its user site runs in it, and it gets a home of its own."""

import os
import sys
from pathlib import Path

import nbformat
import pytest

from grader.kernel.environment import kernel_environment
from grader.kernel.limits import Limits
from grader.kernel.run import NotebookRun
from grader.kernel.sandbox import make_sandbox
from grader.model.settings import Settings

from conftest import needs_sandbox

# What each planted file runs: it notes its name where the notebook below looks.
PLANTED = "import builtins; builtins.__dict__.setdefault('PLANTED', []).append({name!r})\n"
REPORT = """
import builtins, os, site
print({"planted": getattr(builtins, "PLANTED", []), "user site": site.ENABLE_USER_SITE,
       **{name: os.environ.get(name) for name in
          ("HOME", "IPYTHONDIR", "MPLCONFIGDIR", "PYTHONNOUSERSITE", "PYTHONSTARTUP")}})
"""


def plant_everywhere(home: Path, ipythondir: Path, jupyter: Path) -> None:
    """Code for a kernel to run, where the grader's home, IPython folder and Jupyter path would
    offer it."""
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    user_site = home / ".local" / "lib" / version / "site-packages"
    planted = {
        home / ".ipython" / "profile_default" / "startup" / "00-home.py": "home startup file",
        ipythondir / "profile_default" / "startup" / "00-ipythondir.py": "IPYTHONDIR startup file",
        ipythondir / "profile_default" / "ipython_kernel_config.py": "IPYTHONDIR config",
        home / "startup.py": "PYTHONSTARTUP",
        user_site / "usercustomize.py": "usercustomize",
        user_site / "zz_planted.py": "user site .pth",
    }
    for path, name in planted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PLANTED.format(name=name))
    (user_site / "zz_planted.pth").write_text("import zz_planted\n")
    launch = ("import builtins; builtins.PLANTED = ['kernel spec']; "
              "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()")
    for data in (home / ".local" / "share" / "jupyter", jupyter):
        spec = data / "kernels" / "python3" / "kernel.json"
        spec.parent.mkdir(parents=True)
        spec.write_text(f'{{"argv": ["python", "-c", "{launch}", "-f", "{{connection_file}}"], '
                        '"display_name": "Python 3", "language": "python"}')


def test_what_names_files_to_run_is_not_passed_on(tmp_path):
    inherited = {"PATH": "/usr/bin", "PYTHONSTARTUP": "/home/me/start.py", "JUPYTER_PATH": "/x",
                 "HOME": "/home/me", "IPYTHONDIR": "/home/me/.ipython"}
    environment = kernel_environment(tmp_path, inherited)
    assert environment["PATH"] == "/usr/bin"
    assert "PYTHONSTARTUP" not in environment and "JUPYTER_PATH" not in environment
    assert environment["HOME"] == str(tmp_path)
    assert environment["IPYTHONDIR"] == str(tmp_path / ".ipython")


@pytest.mark.kernel
@pytest.mark.parametrize("mode", ["off", pytest.param("on", marks=needs_sandbox)])
def test_nothing_planted_for_later_kernels_runs_in_them(assignment, tmp_path, monkeypatch, mode):
    home, ipythondir, jupyter = tmp_path / "home", tmp_path / "ipython", tmp_path / "jupyter"
    plant_everywhere(home, ipythondir, jupyter)
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter))  # where Jupyter looks first
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("IPYTHONDIR", str(ipythondir))
    monkeypatch.setenv("PYTHONSTARTUP", str(home / "startup.py"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REPORT)])
    sandbox = make_sandbox(mode, 64, [assignment.folder.parent], [])
    with NotebookRun(notebook, cell_timeout=30, total_timeout=60, sandbox=sandbox,
                     limits=Limits.from_settings(Settings())) as run:
        execution = run.run_cells()
        workdir = run.workdir
        output = run.client.nb.cells[0].outputs

    assert execution.cell_failures == ()
    seen = eval(output[0]["text"])  # a dict the test's own notebook printed
    assert seen == {"planted": [], "user site": False, "HOME": str(workdir),
                    "IPYTHONDIR": str(workdir / ".ipython"),
                    "MPLCONFIGDIR": str(workdir / ".matplotlib"), "PYTHONNOUSERSITE": "1",
                    "PYTHONSTARTUP": None}
    assert os.environ["HOME"] == str(home)  # the grader's own is as it was
