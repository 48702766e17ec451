"""Run a kernel as an unprivileged user id of its own, where no bubblewrap sandbox can run.

As root without a sandbox (Gradescope's containers, a CI runner without bubblewrap), a kernel
would run as root, beside the reference solutions. Instead ``setpriv`` starts it as a user id of
its own (one per kernel, as in the root sandbox), in no group, without capabilities and unable to
gain any; its working folder and connection file are handed over to it. Its processes are that
user's, so they are all found and ended, however they detached themselves (see ``processes``).

What it may not read is kept from it by the files' own modes: that user is in no group, so a
file is out of its reach when the file has no "others" read bit or a folder on its way has no
"others" search bit. Before a kernel starts, ``exposed`` lists what it could still read of the
folders it must not see (every lesson folder, with its stored outputs, and every folder of the
reference solutions, with the secret beside them), and ``refusal`` turns that into the message
that names the fix; ``lock`` applies it (the Gradescope autograder does, before grading). The
rest of the disk that every user may read, and the network, stay open to it: see the README.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from ..model.errors import UsageError

READ, SEARCH = stat.S_IROTH, stat.S_IXOTH  # what a user of no group of the file's may do
SHOWN = 3  # files named in a refusal; the folders to lock are all named


def command(uid: int, process_limit: int | None, kernel_command: list[str]) -> list[str]:
    """``kernel_command`` run as user ``uid`` (and group ``uid``) without any privilege; the
    process limit is set once it runs as that user, so that it counts that user's processes."""
    arguments = [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
    ]  # fmt: skip
    if process_limit is not None:
        arguments += ["prlimit", f"--nproc={process_limit}", "--"]
    return arguments + kernel_command


def _searchable(folder: Path) -> bool:
    """Whether a user of no group of theirs can pass through ``folder`` and every folder above."""
    try:
        return all(os.stat(step).st_mode & SEARCH for step in [*reversed(folder.parents), folder])
    except OSError:
        return False


def exposed(paths: Iterable[Path]) -> list[Path]:
    """The files in or at ``paths`` that a user of no group of theirs can read."""
    found = []
    for path in paths:
        path = Path(path).resolve()
        if not path.exists() or not _searchable(path.parent):
            continue
        if path.is_file():
            found += [path] if os.stat(path).st_mode & READ else []
            continue
        for root, folders, files in os.walk(path):
            if not os.stat(root).st_mode & SEARCH:
                folders[:] = []  # nothing under it can be opened
                continue
            found += [Path(root, name) for name in sorted(files)
                      if os.stat(Path(root, name)).st_mode & READ]
    return found


def refusal(hidden: Iterable[Path], why: str) -> str:
    """Why kernels cannot run as an unprivileged user here and what fixes it, or "" if they can.

    ``hidden`` lists the folders (and files) a kernel must not read; ``why`` says why no
    sandbox runs.
    """
    if shutil.which("setpriv") is None:
        return (f"As root without a sandbox ({why}), kernels run as an unprivileged user, which "
                "needs `setpriv` (it comes with util-linux): install it, or bubblewrap.")
    unreachable = [str(path) for path in (Path(sys.executable).resolve(),)
                   if not (_searchable(path.parent) and os.stat(path).st_mode & READ)]
    if unreachable:
        return (f"As root without a sandbox ({why}), kernels run as an unprivileged user, who "
                f"cannot run this Python: {unreachable[0]} (or a folder above it) is closed to "
                "other users. Make the Python environment readable by all (chmod -R o+rX on "
                "it), or install bubblewrap.")
    hidden = [Path(path).resolve() for path in hidden]
    files = exposed(hidden)
    if not files:
        return ""
    folders = [str(path) for path in hidden if any(f == path or f.is_relative_to(path)
                                                    for f in files)]
    more = f" and {len(files) - SHOWN} more" if len(files) > SHOWN else ""
    return (f"As root without a sandbox ({why}), kernels run as an unprivileged user, who could "
            f"read the lessons' stored outputs or the reference solutions: "
            f"{', '.join(map(str, files[:SHOWN]))}{more} can be read by every user. To fix this, "
            f"run: chmod -R go-rwx {' '.join(folders)}  (or install bubblewrap)")


def check(hidden: Iterable[Path], why: str) -> None:
    """Refuse to start a kernel as an unprivileged user that could read what it must not."""
    said = refusal(hidden, why)
    if said:
        raise UsageError(said)


def lock(paths: Iterable[Path]) -> None:
    """Make ``paths`` (folders, whole, or files) readable by their owner alone."""
    for path in paths:
        path = Path(path)
        if not path.exists():
            continue
        for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
            if not item.is_symlink():
                item.chmod(stat.S_IMODE(item.stat().st_mode) & ~0o077)
