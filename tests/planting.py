"""Where the planting attacks (16 to 18) aim, and whether they left anything there.

``Planting`` gives the grader a home and an IPython folder of the test's own (so nothing is
planted in the real ones, whatever happens) and an evidence folder, where the planted code leaves
a file in any process it runs in. It records every file in the places the attacks aim at: that
home and IPython folder, the grading Python's environment and site-packages, and the checkout's
``assignments/`` and ``solutions/``. ``left()`` then lists what is new, changed or gone there,
and the evidence; ``undo()`` removes and restores it, so a failure leaves no planted file behind.
Compiled bytecode (``__pycache__``) is not compared: the grader writes it for what it imports;
nor is matplotlib's font list in the grader's home (``.cache/matplotlib``), which the grader's
own matplotlib keeps there when it draws the class report's figures, as for any user of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def _grader_cache(path: Path) -> bool:
    """Whether ``path`` is what the grader itself writes for its own use: compiled bytecode, or
    matplotlib's font list."""
    return "__pycache__" in path.parts or (
        path.parent.parts[-2:] == (".cache", "matplotlib") and path.name.startswith("fontlist-"))


def _files(root: Path) -> dict[Path, tuple[int, int]]:
    """Every file under ``root`` but the grader's own caches, with its size and change time."""
    found = {}
    for path in root.rglob("*") if root.is_dir() else []:
        if _grader_cache(path) or not path.is_file() or path.is_symlink():
            continue
        status = path.stat()
        found[path] = (status.st_size, status.st_mtime_ns)
    return found


def _folders(roots: list[Path]) -> set[Path]:
    return {path for root in roots if root.is_dir() for path in root.rglob("*")
            if path.is_dir() and not path.is_symlink()}


class Planting:
    def __init__(self, folder: Path, prefix: Path, site_packages: list[Path], repo: Path):
        self.home, self.ipythondir, self.evidence = (folder / name for name in
                                                     ("home", "ipython", "evidence"))
        for made in (self.home, self.ipythondir, self.evidence):
            made.mkdir(parents=True)
        course = [repo / "assignments", repo / "solutions"]
        self.roots = [self.home, self.ipythondir, prefix, *course]
        self.roots += [path for path in site_packages if not path.is_relative_to(prefix)]
        self.before = {path: state for root in self.roots for path, state in _files(root).items()}
        self.folders = _folders(self.roots)
        # What undo() puts back: the course's files, and what the attacks would add to.
        aimed = {"kernel.json", "sitecustomize.py", "usercustomize.py", "ipython_kernel_config.py"}
        self.saved = {path: path.read_bytes() for path in self.before
                      if path.name in aimed or any(path.is_relative_to(c) for c in course)}

    def values(self) -> dict[str, str]:
        """The attack notebooks' placeholders for it."""
        return {"__GRADER_HOME__": str(self.home), "__GRADER_IPYTHONDIR__": str(self.ipythondir),
                "__GRADER_EVIDENCE__": str(self.evidence)}

    def env(self) -> dict[str, str]:
        """The grader's variables for it."""
        return {"HOME": str(self.home), "IPYTHONDIR": str(self.ipythondir)}

    def left(self) -> list[str]:
        """What is new, changed or gone where the attacks aim, and what the evidence shows."""
        now = {path: state for root in self.roots for path, state in _files(root).items()}
        found = [f"new: {path}" for path in sorted(set(now) - set(self.before))]
        found += [f"changed: {path}" for path in sorted(set(now) & set(self.before))
                  if now[path] != self.before[path]]
        found += [f"gone: {path}" for path in sorted(set(self.before) - set(now))]
        found += [f"planted code ran: {path.name} ({path.read_text()[:200]})"
                  for path in sorted(self.evidence.iterdir())]
        return found

    def undo(self) -> None:
        """Remove new files (and folders) where the attacks aim, and put back the saved ones."""
        now = {path for root in self.roots for path in _files(root)}
        for path in now - set(self.before):
            path.unlink()
        for path in sorted(_folders(self.roots) - self.folders, reverse=True):
            shutil.rmtree(path)
        for path, content in self.saved.items():
            if not path.exists() or path.read_bytes() != content:
                path.write_bytes(content)
        for path in self.evidence.iterdir():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
