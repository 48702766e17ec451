"""Launching a notebook's kernel: its working folder, its environment, its limits, its sandbox.

Each submission runs in a new temporary folder holding a copy of the notebook, the student's own
files that were beside it (see ``own_files``) and the assignment's data files; the folder is
also the kernel's home (see ``environment``). Its kernel is started under resource limits (see
``limits``) and, when a sandbox is given, inside it (see ``sandbox``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager

from . import processes
from .environment import kernel_environment, kernel_specs
from .limits import Limits, command_prefix, limit_this_process
from .own_files import OwnFiles
from .sandbox import Sandbox, SandboxedKernelManager

SOCKET_FOLDER_LENGTH = 90  # a Unix socket's path has room for about 107 characters
NOTEBOOK_NAME = "submission.ipynb"  # the copy of the notebook in its working folder


def working_folder(stack: ExitStack, notebook: nbformat.NotebookNode,
                   data_files: Iterable[Path], own: OwnFiles = OwnFiles()) -> Path:
    """A new folder holding the notebook, the student's own files and the data files (the
    lesson's win a name both have), removed when ``stack`` closes."""
    folder = Path(tempfile.mkdtemp(prefix="grade-"))
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    own.copy_into(folder)
    for data_file in data_files:
        shutil.copy(data_file, folder / data_file.name)
    nbformat.write(notebook, folder / NOTEBOOK_NAME)
    return folder


@dataclass(frozen=True)
class KernelStart:
    """What starting one kernel takes."""

    manager: AsyncKernelManager  # a LimitedKernelManager, or a SandboxedKernelManager
    sandbox: Sandbox | None  # as this kernel runs in it (in the root sandbox, its user id)
    setup: dict  # the keyword arguments of ``NotebookClient.setup_kernel``


def prepare_kernel(stack: ExitStack, workdir: Path, limits: Limits | None,
                   sandbox: Sandbox | None) -> KernelStart:
    """How to start the kernel for the notebook in ``workdir``; cleanup goes on ``stack``."""
    environment = kernel_environment(workdir, os.environ)  # the sandbox passes on none of it
    prefix = command_prefix(limits) if limits else []
    manager: AsyncKernelManager
    if sandbox is not None:
        sandbox = sandbox.for_one_kernel()
        sandbox.hand_over(workdir)
        sockets = _sockets(stack, workdir, sandbox)
        manager = SandboxedKernelManager(sandbox, workdir, sockets, prefix)
        # Runs after the kernel is stopped (the stack unwinds in reverse), before the folders
        # are removed: nothing the notebook started may outlive it or write there.
        stack.callback(manager.end_processes)
    else:
        # Without a sandbox, what the kernel started is found by a mark in its environment.
        environment[processes.MARK] = secrets.token_hex(16)
        manager = LimitedKernelManager(prefix)
        stack.callback(processes.end, processes.Marked(environment[processes.MARK]))
    # The kernel's own log (warnings about its transport, crash reports) is not for students.
    setup = dict(
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cleanup_kc=True,  # stop the kernel at the end, also one started by our manager
    )
    if limits and not prefix:
        setup["preexec_fn"] = partial(limit_this_process, limits)
    return KernelStart(manager, sandbox, setup)


class LimitedKernelManager(AsyncKernelManager):
    """Starts the kernel with ``prefix`` (``prlimit`` and its limits) before its command."""

    def __init__(self, prefix: list[str], **kwargs):
        super().__init__(kernel_name="python3", kernel_spec_manager=kernel_specs(), **kwargs)
        self.prefix = list(prefix)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return self.prefix + super().format_kernel_cmd(extra_arguments)


def _sockets(stack: ExitStack, workdir: Path, sandbox: Sandbox) -> Path:
    """A folder for the sandboxed kernel's sockets, whose paths must stay short."""
    if len(str(workdir)) <= SOCKET_FOLDER_LENGTH:
        return workdir
    sockets = Path(tempfile.mkdtemp(prefix="grade-", dir="/tmp"))
    stack.callback(shutil.rmtree, sockets, ignore_errors=True)
    sandbox.hand_over(sockets)
    return sockets
