"""What grading produces: small frozen records that cross process boundaries and become JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Literal

# "grader error": the grader could not reach a verdict (the machine too busy to time a call);
# its submission is then a grader error too, not kept, and graded again on the next run.
CheckStatus = Literal["passed", "failed", "error", "timeout", "grader error"]
CellStatus = Literal["error", "timeout", "not run"]
# "salvaged": the notebook's kernel was lost before its last cell, and its functions were graded
# in a fresh kernel that ran only its imports and definitions (the message says where and why).
SubmissionStatus = Literal["graded", "salvaged", "unreadable", "kernel died", "grader error"]
# Where expected outputs come from: the reference solutions, or the outputs stored with the
# lesson (a student's install, or --without-solutions).
Mode = Literal["reference", "stored outputs"]


@dataclass(frozen=True)
class Grid:
    """A small array to draw cell by cell: an argument, or the expected or actual output."""

    label: str  # "image", "expected", "got"
    shape: tuple[int, ...]
    cells: tuple[str, ...]  # each value as it is printed in its cell, in C order
    marked: tuple[tuple[int, ...], ...] = ()  # indices of the cells that differ from the expected

    def to_json(self) -> dict:
        return {"label": self.label, "shape": list(self.shape), "cells": list(self.cells),
                "marked": [list(index) for index in self.marked]}

    @classmethod
    def from_json(cls, data: dict) -> Grid:
        return cls(data["label"], tuple(data["shape"]), tuple(data["cells"]),
                   tuple(tuple(index) for index in data["marked"]))


@dataclass(frozen=True)
class Counterexample:
    """The smallest input found on which a student's function is wrong, as pasteable text."""

    arguments: tuple[tuple[str, str], ...]  # (parameter name, Python literal)
    expected: str
    actual: str
    reason: str
    first_difference: str | None = None
    grids: tuple[Grid, ...] = ()  # the arguments and both outputs, to draw (small ones only)

    def to_json(self) -> dict:
        return {**asdict(self), "arguments": dict(self.arguments),
                "grids": [grid.to_json() for grid in self.grids]}

    @classmethod
    def from_json(cls, data: dict) -> Counterexample:
        return cls(**{**data, "arguments": tuple(data["arguments"].items()),
                      "grids": tuple(Grid.from_json(grid) for grid in data.get("grids", []))})


@dataclass(frozen=True)
class Panel:
    """One picture of a showcase, drawn in the grader's process as PNG."""

    label: str  # "image", "expected", "yours", "difference"
    png: str = ""  # base64 PNG bytes; "" when there is nothing to draw (``note`` says why)
    width: int = 0  # pixels
    height: int = 0
    note: str = ""  # under the picture: the values' range, or why it is missing

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Pictured:
    """What one showcase showed for one submission (see ``model.showcase``): pictures only."""

    title: str
    caption: str
    panels: tuple[Panel, ...]
    note: str = ""  # about the student's output as a whole: why it is missing, its shape

    def to_json(self) -> dict:
        return {"title": self.title, "caption": self.caption, "note": self.note,
                "panels": [panel.to_json() for panel in self.panels]}

    @classmethod
    def from_json(cls, data: dict) -> Pictured:
        return cls(data["title"], data["caption"],
                   tuple(Panel(**panel) for panel in data["panels"]), data.get("note", ""))


@dataclass(frozen=True)
class StandInApplied:
    """A helper that failed its own checks, answered correctly while a sub-check ran."""

    function: str  # the helper, e.g. "get_subimages"
    call: str  # the call it answered, as a student writes it: "get_subimages(image, kernel.shape)"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CheckResult:
    """One named sub-check of one exercise."""

    exercise: str
    name: str
    description: str
    max_points: float
    status: CheckStatus
    message: str = ""
    counterexample: Counterexample | None = None
    stand_ins: tuple[StandInApplied, ...] = ()  # in place during every call of this sub-check
    note: str = ""  # how the verdict was reached, when the student should know: a search cut short
    missing_name: str = ""  # the name a NameError of the failing call named, if it raised one
    # Every input students can see passes, and one they cannot see (held out) fails: the
    # function is wrong, or answers the inputs it was shown from a table (see ``model.secret``).
    held_out: bool = False

    @property
    def points(self) -> float:
        return self.max_points if self.status == "passed" else 0.0

    def to_json(self) -> dict:
        return {
            "exercise": self.exercise,
            "name": self.name,
            "description": self.description,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "message": self.message,
            "counterexample": self.counterexample and self.counterexample.to_json(),
            "stand_ins": [stand_in.to_json() for stand_in in self.stand_ins],
            "note": self.note,
            "missing_name": self.missing_name,
            "held_out": self.held_out,
        }


@dataclass(frozen=True)
class ExerciseResult:
    """All sub-checks of one graded function, plus why none could run if so."""

    name: str
    checks: tuple[CheckResult, ...]
    problem: str = ""  # e.g. the function is missing: then every check carries status "error"
    undefined: bool = False  # the notebook does not define the function at all
    showcases: tuple[Pictured, ...] = ()  # what it makes of the lesson's own data, drawn

    @property
    def points(self) -> float:
        return sum(check.points for check in self.checks)

    @property
    def max_points(self) -> float:
        return sum(check.max_points for check in self.checks)

    @property
    def stand_ins(self) -> tuple[StandInApplied, ...]:
        """The stand-ins in place during any of its sub-checks, each once."""
        return tuple(dict.fromkeys(s for check in self.checks for s in check.stand_ins))

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "points": self.points,
            "max_points": self.max_points,
            "problem": self.problem,
            "undefined": self.undefined,
            "stand_ins": [stand_in.to_json() for stand_in in self.stand_ins],
            "checks": [check.to_json() for check in self.checks],
            "showcases": [pictured.to_json() for pictured in self.showcases],
        }


@dataclass(frozen=True)
class CellFailure:
    """A notebook cell that raised, ran out of time, or was never reached."""

    index: int  # 1-based position among all the notebook's cells
    status: CellStatus
    error: str = ""  # "NameError: name 'x' is not defined"
    source_head: str = ""  # the cell's first line, to help the student find it
    missing_name: str = ""  # "x", when the cell raised a NameError
    note: str = ""  # what the error means while grading, when the notebook's tool explains it

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Timings:
    """Seconds spent on one submission, by stage."""

    kernel_start: float = 0.0
    execution: float = 0.0
    checking: float = 0.0  # in every kernel, restarted ones included
    restarts: float = 0.0  # starting fresh kernels and running definitions after one was lost
    pictures: float = 0.0  # calling the showcases and drawing them

    @property
    def total(self) -> float:
        return self.kernel_start + self.execution + self.checking + self.restarts + self.pictures

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SubmissionResult:
    """Everything known about one submission once grading is over."""

    id: str
    path: str
    status: SubmissionStatus
    exercises: tuple[ExerciseResult, ...] = ()
    cell_failures: tuple[CellFailure, ...] = ()
    message: str = ""
    timings: Timings = field(default_factory=Timings)
    mode: Mode = "reference"  # where expected outputs came from

    @property
    def score(self) -> float:
        return sum(exercise.points for exercise in self.exercises)

    @property
    def possible(self) -> float:
        return sum(exercise.max_points for exercise in self.exercises)

    def exercise(self, name: str) -> ExerciseResult:
        return next(exercise for exercise in self.exercises if exercise.name == name)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "status": self.status,
            "score": self.score,
            "possible": self.possible,
            "message": self.message,
            "mode": self.mode,
            "exercises": [exercise.to_json() for exercise in self.exercises],
            "cell_failures": [failure.to_json() for failure in self.cell_failures],
            "timings": self.timings.to_json(),
        }


def result_from_json(data: dict) -> SubmissionResult:
    """The result that ``SubmissionResult.to_json`` wrote."""

    def check(record: dict) -> CheckResult:
        example = record.get("counterexample")
        return CheckResult(
            record["exercise"], record["name"], record["description"], record["max_points"],
            record["status"], record["message"], example and Counterexample.from_json(example),
            tuple(StandInApplied(**used) for used in record.get("stand_ins", [])),
            record.get("note", ""),
            record.get("missing_name", ""),
            record.get("held_out", False),
        )

    known = {"id", "path", "status", "exercises", "cell_failures", "message", "timings"}
    return SubmissionResult(
        data["id"], data["path"], data["status"],
        tuple(
            ExerciseResult(e["name"], tuple(check(c) for c in e["checks"]), e["problem"],
                           e.get("undefined", False),
                           tuple(Pictured.from_json(p) for p in e.get("showcases", [])))
            for e in data["exercises"]
        ),
        tuple(CellFailure(**failure) for failure in data["cell_failures"]),
        data["message"],
        Timings(**data["timings"]),
        # fields added to SubmissionResult later come back as they were written
        **{f.name: data[f.name] for f in dataclasses.fields(SubmissionResult)
           if f.name not in known and f.name in data},
    )
