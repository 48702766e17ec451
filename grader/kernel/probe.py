"""Which kernel sandbox this machine can run, and where none can, why and what fixes it.

As root, ``bwrap`` makes the sandbox's namespaces itself and the kernel runs as a user id of its
own (the "root" sandbox). As any other user, ``bwrap`` makes them inside a user namespace of its
own (the "rootless" sandbox), which most Linux distributions allow. Where they do not, the
failure names the setting: Ubuntu 24.04's AppArmor restriction (whose symptom is ``bwrap:
setting up uid map: Permission denied``), or user namespaces turned off. The process limit binds
in the rootless sandbox only on Linux 5.14 or newer, which counts a user's processes per user
namespace: there the limit counts the processes of one kernel's sandbox alone.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["root", "rootless"]
PROCESSES_PER_NAMESPACE = (5, 14)  # Linux counts processes per user namespace since 5.14
APPARMOR = "kernel.apparmor_restrict_unprivileged_userns"


@dataclass(frozen=True)
class Availability:
    """The sandbox kernels can run in here, or why none can."""

    kind: Kind | None  # None: no sandbox can run here
    reason: str = ""  # why none can
    fix: str = ""  # the one command that lets one run, where there is one
    process_limit: bool = False  # whether ``--process-limit`` binds in it


def kind_for(euid: int) -> Kind:
    return "root" if euid == 0 else "rootless"


def missing_program(kind: Kind) -> Availability | None:
    """Why the sandbox cannot start, if a program it needs is not installed."""
    for program in ("bwrap", "prlimit") + (("setpriv",) if kind == "root" else ()):
        if shutil.which(program) is None:
            if program == "bwrap":
                return Availability(None, "`bwrap` is not installed",
                                    install_command("bubblewrap", kind))
            return Availability(None, f"`{program}` is not installed (it comes with util-linux)",
                                install_command("util-linux", kind))
    return None


def install_command(package: str, kind: Kind) -> str:
    """The command that installs ``package`` with this machine's package manager, if known."""
    sudo = "" if kind == "root" else "sudo "
    for manager, install in (("apt-get", "apt-get install"), ("dnf", "dnf install"),
                             ("zypper", "zypper install"), ("pacman", "pacman -S")):
        if shutil.which(manager):
            return f"{sudo}{install} {package}"
    return ""


def sysctl(name: str) -> str | None:
    """A kernel setting's value, or None where this kernel does not have it."""
    try:
        return Path("/proc/sys", *name.split(".")).read_text().strip()
    except OSError:
        return None


def failure(kind: Kind, message: str, setting=sysctl) -> Availability:
    """Why ``bwrap`` failed with ``message`` (its last line of errors), and what fixes it."""
    if kind == "root":
        return Availability(None, f"bwrap cannot make a sandbox on this machine: {message}")
    if "uid map" in message and setting(APPARMOR) == "1":
        return Availability(
            None, f"AppArmor does not let unprivileged users make user namespaces here, as on "
            f"Ubuntu 24.04 ({APPARMOR}=1; {message})", f"sudo sysctl -w {APPARMOR}=0")
    for name, value in (("kernel.unprivileged_userns_clone", "1"),
                        ("user.max_user_namespaces", "15000")):
        if setting(name) == "0":
            return Availability(None, f"user namespaces are turned off here ({name}=0; "
                                f"{message})", f"sudo sysctl -w {name}={value}")
    return Availability(None, f"bwrap cannot make a user namespace here: {message}")


def limits_processes(kind: Kind, release: str | None = None) -> bool:
    """Whether the process limit binds in the sandbox ``kind`` on Linux ``release``."""
    if kind == "root":
        return True  # each kernel has a user id of its own
    release = release or os.uname().release
    try:
        version = tuple(int(part) for part in release.split("-")[0].split(".")[:2])
    except ValueError:
        return False
    return version >= PROCESSES_PER_NAMESPACE
