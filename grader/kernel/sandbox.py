"""Run a student's kernel in a bubblewrap sandbox, with or without root.

Inside the sandbox the kernel sees a new root holding only the system's programs and libraries,
the Python environment, the grader's own package and its working folder, all read-only but the
working folder. Other submissions, the output folder, the lessons (with their stored outputs)
and the reference solutions are not there to read (the lessons and the reference are also
covered over where they lie inside the Python environment, as in a non-editable install). It
has no network (a new network namespace with nothing in it), its own process and IPC
namespaces, and a limit on its number of processes that counts its own alone. The grader talks
to it through Unix sockets in the working folder, which cross the network namespace.

There are two kinds (see ``probe``). When the grader is root, the kernel runs as an unprivileged
user id of its own, without capabilities (the "root" sandbox). When it is not, ``bwrap`` makes
the namespaces inside a user namespace of its own, and the kernel runs as the grader's user
without capabilities (the "rootless" sandbox); the process limit is set inside it, where Linux
counts the processes of that user namespace alone.

Killing the sandbox's outer ``bwrap`` process kills everything inside: ``--die-with-parent``
takes the kernel with it, and once the kernel is gone the namespace's first process ends,
which ends every process left in it, however it detached itself (see ``processes``).

When neither can run here, kernels run without the sandbox (``--sandbox auto``, the default,
says so, why, and what fixes it) or the run is refused (``--sandbox on``). A grader that is root
then runs each kernel as an unprivileged user id of its own instead (the "user" kind, see
``unprivileged``), never as root. See the README for what protection holds then.

What a kernel must not see is the caller's to name (``hidden``): every lesson folder (the stored
outputs) and every folder of the reference solutions (and the secret beside them).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from ..model.errors import UsageError
from ..model.lessons import private_folders
from ..model.settings import SANDBOX_MODES
from . import probe, processes, unprivileged
from .environment import fresh_start, kernel_specs
from .probe import Availability, Kind

# How a kernel is confined: in one of bwrap's two sandboxes, or as "user", without a sandbox,
# only as a user id of its own (see ``unprivileged``).
Confinement = Kind | Literal["user"]

FIRST_UID = 1_000_000  # root sandbox user ids start here; each kernel gets one of its own
UIDS_PER_PROCESS = 64  # user ids a grader process takes turns with, one kernel after another
TMP_BYTES = 256 * 1024**2  # the sandbox's /tmp is memory; files there are bounded together
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = (  # what the dynamic linker, clocks and fonts read; nothing about users
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/alternatives",
    "/etc/fonts",
)


@dataclass(frozen=True)
class Sandbox:
    """How a kernel's sandbox is made: what it may read, what is covered, its process limit."""

    readable: tuple[Path, ...]  # bound read-only at the same path inside
    hidden: tuple[Path, ...]  # folders covered with an empty one, if inside a readable path
    process_limit: int | None  # processes and threads it may have at once; None: no limit
    kind: Confinement = "root"
    uid: int = FIRST_UID  # the user id the kernel runs as, in the root sandbox and as "user"

    @property
    def own_user(self) -> bool:
        """Whether the kernel runs as a user id of its own (rather than the grader's user)."""
        return self.kind in ("root", "user")

    def for_one_kernel(self) -> Sandbox:
        """This sandbox for the next kernel: with a user id of its own, where it has one."""
        return dataclasses.replace(self, uid=fresh_uid()) if self.own_user else self

    def command(
        self, kernel_command: list[str], workdir: Path, sockets: Path | None = None
    ) -> list[str]:
        """``kernel_command`` run in ``workdir`` in the sandbox.

        ``workdir`` and ``sockets`` (where the kernel makes its sockets, if not in ``workdir``)
        are the only folders it may write to besides its own /tmp. As "user", there is no
        bwrap: only the change of user (``unprivileged.command``).
        """
        if self.kind == "user":
            return unprivileged.command(self.uid, self.process_limit, kernel_command)
        arguments = _system_view(self.kind)
        made = {Path("/"), Path("/tmp")}

        def folders_on_the_way(path: Path) -> list[str]:
            # Made open to all: bwrap would copy their modes, and a private one (such as /root,
            # home to pyenv, or pytest's /tmp/pytest-of-root) would bar the kernel's user.
            made_now = []
            for folder in reversed(path.parents):
                if folder not in made:
                    made.add(folder)
                    made_now += ["--perms", "0755", "--dir", str(folder)]
            return made_now

        for path in self.readable:
            arguments += folders_on_the_way(path) + ["--ro-bind", str(path), str(path)]
        for path in self.hidden:
            if path.is_dir() and any(path.is_relative_to(folder) for folder in self.readable):
                arguments += ["--tmpfs", str(path), "--remount-ro", str(path)]
        for folder in dict.fromkeys([workdir, sockets or workdir]):
            arguments += folders_on_the_way(folder) + ["--bind", str(folder), str(folder)]
        # The new root, /dev and the folders that cover hidden ones are memory, unbounded, and in
        # the rootless sandbox the kernel's user owns them: all read-only, so that only /tmp
        # (bounded) and the folders bound above take files.
        arguments += ["--remount-ro", "/", "--remount-ro", "/dev"]
        arguments += ["--chdir", str(workdir), "--clearenv"]
        for name, value in _environment(workdir).items():
            arguments += ["--setenv", name, value]
        if self.kind == "root":
            # Root inside may only change user: setpriv then drops every capability for good.
            arguments += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--"]
            arguments += [
                "setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
            ]  # fmt: skip
        # Set inside, as the kernel's user: in the root sandbox it counts that user's processes,
        # in the rootless one those of its own user namespace.
        if self.process_limit is not None:
            arguments += ["--", "prlimit", f"--nproc={self.process_limit}"]
        return arguments + ["--"] + kernel_command

    def hand_over(self, path: Path) -> None:
        """Make ``path`` (a file or a whole folder) the kernel's own, if it has a user id of
        its own."""
        if not self.own_user:
            return  # the kernel runs as the grader's own user
        os.chown(path, self.uid, self.uid)
        if path.is_dir():
            for root, folders, files in os.walk(path):
                for name in folders + files:
                    os.chown(os.path.join(root, name), self.uid, self.uid, follow_symlinks=False)


def _system_view(kind: Kind) -> list[str]:
    """bwrap's namespaces, and the system's programs, libraries and the few files they read."""
    arguments = [
        "bwrap", *(["--unshare-user"] if kind == "rootless" else []),
        "--die-with-parent", "--new-session",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--hostname", "sandbox",
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
    ]  # fmt: skip
    for folder in SYSTEM_FOLDERS:
        if os.path.islink(folder):
            arguments += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            arguments += ["--ro-bind", folder, folder]
    arguments += ["--perms", "0755", "--dir", "/etc"]
    for path in SYSTEM_FILES:
        arguments += ["--ro-bind-try", path, path]
    return arguments


def _environment(workdir: Path) -> dict[str, str]:
    """The kernel's whole environment inside the sandbox: nothing of the grader's own."""
    return {
        **fresh_start(workdir),
        "TMPDIR": "/tmp",
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }


class SandboxedKernelManager(AsyncKernelManager):
    """Starts the kernel inside a sandbox; interrupts it with a message, which crosses into it.

    The kernel answers an interrupt message by sending SIGINT to its own process group, the
    same signal a kernel outside a sandbox gets; a kernel that ignores it is stopped anyway.
    """

    def __init__(self, sandbox: Sandbox, workdir: Path, sockets: Path,
                 prefix: list[str] | None = None, **kwargs):
        super().__init__(
            kernel_name="python3",
            kernel_spec_manager=kernel_specs(),
            transport="ipc",  # Unix sockets: the sandbox has no network to reach the grader by
            ip=str(sockets / "k"),
            connection_file=str(workdir / "kernel.json"),
            **kwargs,
        )
        self.sandbox = sandbox
        self.workdir = workdir
        self.sockets = sockets
        self.prefix = list(prefix or [])  # put before bwrap, such as prlimit and its limits
        spec = self.kernel_spec
        assert spec is not None  # the kernel's name is set, so its spec was found or raised
        spec.interrupt_mode = "message"
        # The sandbox's processes, oldest first; the rootless ones are known once it starts.
        self.inside: processes.ByUser | processes.InNamespace | None = (
            processes.ByUser(sandbox.uid) if sandbox.own_user else None)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        # Called once the connection file is written: the kernel's user must be able to read it.
        self.sandbox.hand_over(Path(self.connection_file))
        command = super().format_kernel_cmd(extra_arguments)
        return self.prefix + self.sandbox.command(command, self.workdir, self.sockets)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if self.inside is None:
            # Just launched by the default provisioner, which runs the kernel as a local process.
            assert isinstance(self.provisioner, LocalProvisioner)
            assert self.provisioner.process is not None
            self.inside = processes.InNamespace(self.provisioner.process.pid)

    def end_processes(self, spare_kernel: bool = False, patience: float = 5.0) -> None:
        """Kill whatever runs in the sandbox, and wait until it has ended.

        With ``spare_kernel``, the kernel is left running (and in the rootless sandbox, the
        namespace's first process, which holds the rest).
        """
        if self.inside is not None:
            processes.end(self.inside, self.inside.kernel_first if spare_kernel else 0, patience)


_turns = itertools.count()


def fresh_uid() -> int:
    """A user id for the next kernel: no other grader process uses it, nor this one's last."""
    return FIRST_UID + os.getpid() * UIDS_PER_PROCESS + next(_turns) % UIDS_PER_PROCESS


def _python_folders() -> list[Path]:
    """The folders a kernel of this Python needs to read: its installation and its packages."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    folders |= set(site.getsitepackages()) | {site.getusersitepackages()}
    folders |= {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    # The virtual environment the kernel's interpreter belongs to, even where this process did
    # not read its pyvenv.cfg (as under ``python -S``) and so names only the base installation.
    environment = Path(sys.executable).parent.parent
    if (environment / "pyvenv.cfg").is_file():
        folders.add(str(environment))
    folders.add(str(Path(__file__).resolve().parent.parent))  # grader itself, for the self-check
    return [Path(folder).resolve() for folder in folders if folder and Path(folder).is_dir()]


def _outermost(paths: list[Path]) -> tuple[Path, ...]:
    """The paths without those inside another one of them."""
    ordered = sorted(set(paths), key=lambda path: len(path.parts))
    kept: list[Path] = []
    for path in ordered:
        if not any(path.is_relative_to(outer) for outer in kept):
            kept.append(path)
    return tuple(kept)


@cache
def availability() -> Availability:
    """The sandbox kernels can run in on this machine, or why none can and what fixes it."""
    if not sys.platform.startswith("linux"):
        return Availability(None, "the sandbox needs Linux")
    kind = probe.kind_for(os.geteuid())
    missing = probe.missing_program(kind)
    if missing:
        return missing
    try:
        with tempfile.TemporaryDirectory() as folder:
            trial = Sandbox(readable=(), hidden=(), process_limit=64, kind=kind)
            outcome = subprocess.run(trial.command(["true"], Path(folder)), capture_output=True,
                                     text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Availability(None, f"bwrap could not start: {error}")
    if outcome.returncode != 0:
        return probe.failure(kind, (outcome.stderr.strip().splitlines() or ["no message"])[-1])
    return Availability(kind, process_limit=probe.limits_processes(kind))


def runs_as_unprivileged_user(mode: str) -> bool:
    """Whether kernels run as an unprivileged user of their own, without a sandbox: under
    ``--sandbox auto``, where none can run and the grader is root (on Linux)."""
    return (mode == "auto" and availability().kind is None and sys.platform.startswith("linux")
            and os.geteuid() == 0)


def unavailable_because() -> str:
    """Why no sandbox can run on this machine, or "" if one can (see ``availability``)."""
    return availability().reason


def check_mode(mode: str) -> None:
    """Refuse a sandbox mode that is unknown, or "on" where no sandbox can run."""
    if mode not in SANDBOX_MODES:
        raise UsageError(f"--sandbox must be one of {', '.join(SANDBOX_MODES)}, not {mode!r}")
    if mode != "on":
        return
    found = availability()
    if found.kind is None:
        fix = f" To fix this, run: {found.fix}" if found.fix else ""
        raise UsageError(f"--sandbox on, but {found.reason}.{fix}")


def check_answers_out_of_reach(mode: str) -> None:
    """Refuse now, before anything is graded, where kernels would run as an unprivileged user
    (see ``make_sandbox``) that could read a lesson's stored outputs or the reference."""
    if runs_as_unprivileged_user(mode):
        unprivileged.check(private_folders(), availability().reason)


def make_sandbox(
    mode: str, process_limit: int, readable: list[Path], hidden: list[Path]
) -> Sandbox | None:
    """The sandbox to run kernels in under ``mode``, or None to run them without one.

    ``readable`` adds folders the kernel needs besides Python's and the grader's; ``hidden``
    lists folders it must not see even if they lie inside one of those. Where no sandbox can run
    and the grader is root, ``--sandbox auto`` gives the "user" kind instead, refused (with the
    fix) if that user could read anything in ``hidden``.
    """
    check_mode(mode)
    if mode == "off":
        return None
    found = availability()
    if found.kind is None:
        if not runs_as_unprivileged_user(mode):
            return None
        unprivileged.check(hidden, found.reason)
        limit = process_limit if shutil.which("prlimit") else None
        return Sandbox(readable=(), hidden=tuple(hidden), process_limit=limit, kind="user")
    return Sandbox(
        readable=_outermost(_python_folders() + [path.resolve() for path in readable]),
        hidden=tuple(path.resolve() for path in hidden),
        process_limit=process_limit if found.process_limit else None,
        kind=found.kind,
    )
