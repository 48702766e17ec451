"""A student's own files: what lies beside the notebook in their folder, there when it runs.

A helper module the notebook imports, an image it reads: in a folder submission these are the
student's, and they are copied into the notebook's working folder (inside the sandbox too)
before it runs. Links are not followed (a link could point anywhere on the grader's disk), and
hidden files, checkpoints and caches are left behind, as is anything past a size limit.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 256 * 1024**2  # copied per submission, in all
LEFT_BEHIND = {".ipynb_checkpoints", "__pycache__", "__MACOSX"}


@dataclass(frozen=True)
class OwnFiles:
    """The files to copy beside the notebook, by their path relative to its folder."""

    files: tuple[tuple[Path, str], ...] = ()  # (where it is, where it goes in the working folder)
    left_out: tuple[str, ...] = ()  # too large to copy, or links

    def copy_into(self, folder: Path) -> None:
        for source, relative in self.files:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target, follow_symlinks=False)

    def note(self) -> str:
        """What was not there when the notebook ran, for the student; or ""."""
        if not self.left_out:
            return ""
        names = ", ".join(self.left_out[:10]) + (", ..." if len(self.left_out) > 10 else "")
        return (f"Some files beside the notebook were not there when it ran (links, or more than "
                f"the {MAX_BYTES // 1024**2} MiB the grader copies): {names}.")


def own_files(folder: Path | None, notebook: Path, max_bytes: int = MAX_BYTES) -> OwnFiles:
    """The files in ``folder`` and below that go beside ``notebook`` (which is not one of them)."""
    if folder is None or not folder.is_dir():
        return OwnFiles()
    files, left_out, total = [], [], 0
    for root, folders, names in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in LEFT_BEHIND)
        for name in sorted(names):
            path = Path(root) / name
            relative = path.relative_to(folder).as_posix()
            if name.startswith(".") or path == notebook:
                continue
            if path.is_symlink() or not path.is_file():
                left_out.append(relative)
                continue
            total += path.stat().st_size
            if total > max_bytes:
                left_out.append(relative)
                continue
            files.append((path, relative))
    return OwnFiles(tuple(files), tuple(left_out))
