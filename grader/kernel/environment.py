"""The environment a student's kernel starts with: its own, with nothing an earlier one left.

Every kernel, in the sandbox or not, gets its working folder as its home, and under it its own
IPython folder (so no startup file or config under ``~/.ipython`` or ``$IPYTHONDIR`` runs),
matplotlib folder and XDG folders. The user's own site-packages are off (``PYTHONNOUSERSITE``,
so no ``.pth`` file or ``usercustomize`` planted there runs), and the variables that name a file
to run at start or another place to read configuration from are not passed on. The kernel's
command is the grader's own Python's (see ``kernel_specs``), not whatever a ``python3`` kernel
spec on the disk says. What this does not close without the sandbox: a kernel can still write
into a Python environment its user owns (see the README, "Untrusted notebooks").

``GRADING`` tells the in-notebook ``check()`` that it runs in a graded kernel, where it does
nothing: the grader checks the functions itself, and a graded kernel sees no stored outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

# Passed on to no kernel: a file to run at start, or another place to read configuration from.
NOT_PASSED_ON = (
    "PYTHONSTARTUP", "PYTHONUSERBASE", "MATPLOTLIBRC", "JUPYTER_CONFIG_DIR",
    "JUPYTER_CONFIG_PATH", "JUPYTER_DATA_DIR", "JUPYTER_PATH", "JUPYTER_RUNTIME_DIR",
)  # fmt: skip


GRADING = "GRADER_GRADING"  # set to "1" in every graded kernel


def fresh_start(workdir: Path) -> dict[str, str]:
    """The variables that give a kernel working in ``workdir`` a home of its own, and say that
    it is being graded."""
    return {
        GRADING: "1",
        "HOME": str(workdir),
        "IPYTHONDIR": str(workdir / ".ipython"),
        "MPLCONFIGDIR": str(workdir / ".matplotlib"),
        "XDG_CONFIG_HOME": str(workdir / ".config"),
        "XDG_CACHE_HOME": str(workdir / ".cache"),
        "XDG_DATA_HOME": str(workdir / ".local" / "share"),
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "agg",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }


def kernel_environment(workdir: Path, inherited: Mapping[str, str]) -> dict[str, str]:
    """What a kernel outside the sandbox starts with: ``inherited`` (the grader's own), less
    what names files to run or read, with a home of its own in ``workdir``."""
    kept = {name: value for name, value in inherited.items() if name not in NOT_PASSED_ON}
    return {**kept, **fresh_start(workdir)}


def kernel_specs() -> KernelSpecManager:
    """Kernel specs that know only the grader's own Python kernel (ipykernel's, run by this
    interpreter): a ``python3`` spec planted in ``~/.local/share/jupyter`` or a Python
    environment is not read."""
    return KernelSpecManager(kernel_dirs=[])
