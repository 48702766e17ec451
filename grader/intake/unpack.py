"""Unpack a zip of submissions safely: into a folder of the grader's, and nowhere else.

A zip comes from a course platform or a student, so it is not trusted: a member's name may try
to climb out of the folder (``../``, an absolute path) or be a symbolic link, and the zip may
unpack to far more than it weighs. Such members are refused or left out; sizes are counted as
the bytes are written, not as the zip declares them. Names stored in the zip's old encoding
(as Windows and macOS tools write them) are read as UTF-8 where they are, so "José" stays "José".
"""

from __future__ import annotations

import contextlib
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..model.errors import ArchiveError

MAX_MEMBERS = 20_000
MAX_BYTES = 4 * 1024**3  # unpacked, in all
UTF8_NAMES = 0x800  # the zip flag that says a member's name is UTF-8
ENCRYPTED = 0x1
IGNORED = {"__MACOSX", ".DS_Store", "Thumbs.db"}  # what archivers add beside the files
CHUNK = 1024**2


@dataclass(frozen=True)
class Unpacked:
    folder: Path  # where the members are, or the one folder the zip holds at its top
    left_out: tuple[str, ...] = ()  # members not unpacked: links, names that climb out


def unpack_zip(archive: Path, into: Path, max_bytes: int = MAX_BYTES) -> Unpacked:
    """Unpack ``archive`` into the new folder ``into``; raise ``ArchiveError`` if it cannot be.

    A zip whose top holds a single folder and nothing else (as zipping a folder gives) stands
    for that folder.
    """
    try:
        with zipfile.ZipFile(archive) as opened:
            members = opened.infolist()
            if len(members) > MAX_MEMBERS:
                raise ArchiveError(str(archive), f"it holds {len(members)} files, more than the "
                                   f"{MAX_MEMBERS} the grader unpacks")
            into.mkdir(parents=True)
            left_out = _extract(opened, members, into, max_bytes, archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as error:
        raise ArchiveError(str(archive), f"it cannot be unpacked ({error})") from None
    return Unpacked(_single_folder(into), tuple(left_out))


def _extract(opened: zipfile.ZipFile, members: list[zipfile.ZipInfo], into: Path,
             max_bytes: int, archive: Path) -> list[str]:
    left_out, written = [], 0
    for member in members:
        name = member_name(member)
        parts = _safe_parts(name)
        if parts is None or stat.S_ISLNK(member.external_attr >> 16):
            left_out.append(name)
            continue
        if not parts or IGNORED & set(parts):
            continue
        if member.flag_bits & ENCRYPTED:
            raise ArchiveError(str(archive), f"{name} is encrypted; unpack it with its password "
                               "first")
        target = into.joinpath(*parts)
        if member.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with opened.open(member) as source, open(target, "wb") as sink:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise ArchiveError(str(archive), f"it unpacks to more than "
                                       f"{max_bytes / 1024**3:g} GiB")
                sink.write(chunk)
    return left_out


def member_name(member: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: UTF-8 where the zip did not say so."""
    name = member.filename
    if not member.flag_bits & UTF8_NAMES:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):  # truly the old encoding
            name = name.encode("cp437").decode("utf-8")
    return unicodedata.normalize("NFC", name)


def _safe_parts(name: str) -> list[str] | None:
    """The folders and file a member's name leads to under the unpacking folder, or None if it
    leads anywhere else."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [part for part in PurePosixPath(name).parts if part not in ("", ".")]
    if ".." in parts:
        return None
    return parts


def _single_folder(folder: Path) -> Path:
    entries = [entry for entry in folder.iterdir() if entry.name not in IGNORED]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder
