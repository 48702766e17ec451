"""The stored file: each sub-check's fixed inputs with their expected outputs, as ``.npz``.

One entry per input argument and expected output, and for an exercise with stand-ins one packed
run of bytes per stand-in; a JSON manifest says, per sub-check, how many inputs it holds, the
kind of each argument (see ``model.values``), the hypothesis version that drew them and the
strategy they were drawn from. For each showcase of the assignment (see ``model.showcase``) it
holds the arguments and what the reference's output shows (as float32: it is for pictures, not
verdicts), with its box and the output's shape in the manifest. The file is read with
``allow_pickle=False``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model.assignment import Assignment
from ..model.errors import AssignmentError
from ..model.showcase import Shown, as_box
from ..model.values import from_array, to_array

MANIFEST = "__manifest__"


@dataclass(frozen=True)
class Examples:
    """A sub-check's fixed inputs and the output expected for each."""

    inputs: tuple[tuple, ...]
    expected: tuple[np.ndarray, ...]
    # For each input, the correct output of each stand-in of the exercise (in the order of
    # ``Exercise.stand_ins``) on the helper arguments that input leads to; () without stand-ins.
    stand_in_outputs: tuple[tuple[np.ndarray, ...], ...] = ()
    drawn_with: str = ""  # the hypothesis version that drew the inputs
    strategy: str = ""  # the strategy they were drawn from, as it prints (``repr``)
    # Held-out inputs (see ``model.secret``) say how hypothesis draws them again, to shrink a
    # failure: with this seed and this many examples. None: the sub-check's own seed, and the
    # settings' number of examples, as for the stored inputs.
    seed: int | None = None
    draws: int | None = None

    @property
    def held_out(self) -> bool:
        """Whether these are inputs that students never see (see ``model.secret``)."""
        return self.seed is not None


@dataclass(frozen=True)
class ShowcaseData:
    """A showcase's arguments and what the reference's output shows (see ``model.showcase``)."""

    arguments: tuple
    expected: Shown


def _pack(outputs: list[np.ndarray]) -> tuple[np.ndarray, list]:
    """Many arrays as one run of bytes, and the dtype and shape of each.

    Stand-in outputs (every window of an image, say) repeat their values across arrays, which
    compression finds only when they sit side by side: packed, they take a few per cent of the
    space they would as separate entries.
    """
    contiguous = [np.ascontiguousarray(output) for output in outputs]
    packed = np.frombuffer(b"".join(output.tobytes() for output in contiguous), dtype=np.uint8)
    return packed, [[output.dtype.str, list(output.shape)] for output in contiguous]


def _unpack(packed: np.ndarray, layout: list) -> list[np.ndarray]:
    data, start, outputs = packed.tobytes(), 0, []
    for dtype, shape in layout:
        dtype = np.dtype(dtype)
        if dtype.hasobject:
            raise ValueError("a stored stand-in output is not a plain array")
        size = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
        outputs.append(np.frombuffer(data[start : start + size], dtype=dtype).reshape(shape).copy())
        start += size
    if start != len(data):
        raise ValueError("the stored stand-in outputs do not match their layout")
    return outputs


def _save_showcases(arrays: dict[str, np.ndarray],
                    showcases: dict[tuple[str, str], ShowcaseData]) -> list[dict]:
    """The showcases' entries of the manifest; each argument stored once however many
    showcases share it (as the lesson's photo is shared)."""
    entries: list[dict] = []
    names: dict[tuple[str, tuple[int, ...], bytes], str] = {}  # an argument's name, by its bytes
    for number, ((exercise, title), data) in enumerate(showcases.items()):
        arguments = []
        for kind, array in (to_array(value) for value in data.arguments):
            key = (array.dtype.str, array.shape, array.tobytes())
            if key not in names:
                names[key] = f"showcase/argument/{len(names)}"
                arrays[names[key]] = array
            arguments.append([kind, names[key]])
        arrays[f"showcase/{number}/shown"] = data.expected.picture.astype(np.float32)
        entries.append({
            "exercise": exercise, "title": title, "arguments": arguments,
            "box": data.expected.box and list(data.expected.box),
            "shape": list(data.expected.shape),
        })
    return entries


def _load_showcases(data, entries: list[dict]) -> dict[tuple[str, str], ShowcaseData]:
    showcases = {}
    for number, entry in enumerate(entries):
        arguments = tuple(from_array(kind, data[name]) for kind, name in entry["arguments"])
        box = as_box(entry["box"]) if entry["box"] else None
        shown = Shown(data[f"showcase/{number}/shown"], box, tuple(entry["shape"]))
        showcases[(entry["exercise"], entry["title"])] = ShowcaseData(arguments, shown)
    return showcases


def save_examples(path: Path, assignment: Assignment, max_examples: int,
                  examples: dict[tuple[str, str], Examples],
                  showcases: dict[tuple[str, str], ShowcaseData] | None = None) -> None:
    arrays: dict[str, np.ndarray] = {}
    checks = []
    for number, ((exercise, check), found) in enumerate(examples.items()):
        kinds: list[str] = []
        for index, (arguments, expected) in enumerate(zip(found.inputs, found.expected)):
            encoded = [to_array(value) for value in arguments]
            kinds = [kind for kind, _ in encoded]
            for position, (_, array) in enumerate(encoded):
                arrays[f"{number}/{index}/{position}"] = array
            arrays[f"{number}/{index}/expected"] = np.asarray(expected)
        entry: dict[str, Any] = {
            "exercise": exercise, "check": check, "count": len(found.inputs), "kinds": kinds,
            "drawn_with": found.drawn_with, "strategy": found.strategy,
        }
        if found.stand_in_outputs:
            entry["stand_ins"] = []
            functions = [s.function for s in assignment.exercise(exercise).stand_ins]
            for position, function in enumerate(functions):
                packed, layout = _pack([outputs[position] for outputs in found.stand_in_outputs])
                arrays[f"{number}/stand_in/{position}"] = packed
                entry["stand_ins"].append({"function": function, "outputs": layout})
        checks.append(entry)
    manifest = {"assignment": assignment.name, "max_examples": max_examples, "checks": checks,
                "showcases": _save_showcases(arrays, showcases or {})}
    arrays[MANIFEST] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        # numpy's stubs: a ** of arrays might fill the allow_pickle flag; no name here is that
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Stored:
    max_examples: int
    examples: dict[tuple[str, str], Examples]
    showcases: dict[tuple[str, str], ShowcaseData] = field(default_factory=dict)


def load_examples(path: Path) -> Stored:
    try:
        with np.load(path, allow_pickle=False) as data:
            manifest = json.loads(data[MANIFEST].tobytes())
            # Files from before each sub-check named its own version name one for them all.
            drawn_with = str(manifest.get("hypothesis", ""))
            examples = {}
            for number, entry in enumerate(manifest["checks"]):
                inputs, expected = [], []
                for index in range(entry["count"]):
                    inputs.append(tuple(
                        from_array(kind, data[f"{number}/{index}/{position}"])
                        for position, kind in enumerate(entry["kinds"])
                    ))
                    expected.append(data[f"{number}/{index}/expected"])
                per_stand_in = [
                    _unpack(data[f"{number}/stand_in/{position}"], stand_in["outputs"])
                    for position, stand_in in enumerate(entry.get("stand_ins", []))
                ]
                if any(len(outputs) != entry["count"] for outputs in per_stand_in):
                    raise ValueError(f"stand-in outputs missing for {entry['exercise']}")
                examples[(entry["exercise"], entry["check"])] = Examples(
                    tuple(inputs), tuple(expected),
                    tuple(zip(*per_stand_in)) if per_stand_in else (),
                    str(entry.get("drawn_with", drawn_with)), str(entry.get("strategy", "")),
                )
            showcases = _load_showcases(data, manifest.get("showcases", []))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AssignmentError(f"cannot read the stored expected outputs {path}: {error}") from None
    return Stored(int(manifest["max_examples"]), examples, showcases)
