"""Gradescope's export of an assignment's submissions: a folder per submission, and who made it.

The export holds ``submission_metadata.yml`` and one folder ``submission_<id>/`` per submission
with the files as submitted. The metadata maps each folder's name to what Gradescope knows of
it, written by Ruby: its keys are symbols (``:submitters:``), and each submitter has ``:name:``,
``:email:`` and ``:sid:``. Values Ruby tagged with its own types are read as plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from ..model.errors import ArchiveError

METADATA = "submission_metadata.yml"
FOLDER_PREFIX = "submission_"
SUBMITTER_FIELDS = ("name", "email", "sid")  # also the gradebook's columns, in this order


class _Loader(yaml.SafeLoader):
    """Safe loading that reads a value of any tag (``!ruby/object:...``) as plain data."""


def _untagged(loader: _Loader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("!", _untagged)


def is_gradescope_export(folder: Path) -> bool:
    return (folder / METADATA).is_file()


def read_metadata(folder: Path) -> dict[str, dict]:
    """The metadata of each submission, by folder name, with Ruby's symbols as plain keys."""
    path = folder / METADATA
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ArchiveError(str(path), f"cannot read Gradescope's metadata ({reason})") from None
    if not isinstance(data, Mapping):
        raise ArchiveError(str(path), "Gradescope's metadata is not a mapping of submissions")
    return {str(key): _plain(value) for key, value in data.items()}


def _plain(value):
    """``value`` with each key's leading colon (a Ruby symbol's) dropped."""
    if isinstance(value, Mapping):
        return {str(key).lstrip(":"): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def submission_folders(folder: Path) -> list[Path]:
    return sorted(entry for entry in folder.iterdir()
                  if entry.is_dir() and entry.name.startswith(FOLDER_PREFIX))


def roster(metadata: Mapping) -> tuple[tuple[str, str], ...]:
    """The submitters' names, emails and student ids as gradebook columns, a group's joined
    by "; "; and ``submitted_at``, the submission's ``:created_at:``, when the metadata has it."""
    submitters = metadata.get("submitters") if isinstance(metadata, Mapping) else None
    people = [s for s in submitters if isinstance(s, Mapping)] if isinstance(
        submitters, list) else []
    said = tuple(
        (field, "; ".join(str(person.get(field) or "") for person in people))
        for field in SUBMITTER_FIELDS
    )
    created = metadata.get("created_at") if isinstance(metadata, Mapping) else None
    if created:  # when it was submitted, for a late policy (YAML may have read it as a datetime)
        said += (("submitted_at", created.isoformat() if hasattr(created, "isoformat")
                  else str(created)),)
    return said
