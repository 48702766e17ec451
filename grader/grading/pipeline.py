"""Grade one submission: read, execute, check every exercise, and score.

Whatever goes wrong with one notebook ends as a ``SubmissionResult`` with a status and a
message; nothing here lets a student's file stop the batch.

A lost kernel does not end grading. If it dies or is stopped while the notebook runs (status
"salvaged"), or while a graded function is called (that sub-check fails), the functions not yet
checked are checked after a restart: a fresh kernel that runs only the imports and definitions
of the cells that ran (``keep_definitions(..., setup=False)``), so that what ended the first
kernel is left out. Only if a restart loses its kernel too is the status "kernel died".
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat

from ..intake.discover import Submission
from ..judge.exercises import Checked, Loss, all_not_checked, check_until_lost, in_order
from ..judge.oracle import Oracle, make_oracle
from ..judge.showcase import picture_exercises, reference_pictures
from ..kernel.calls import FunctionCaller, KernelTransport
from ..kernel.defs_only import Sliced, keep_definitions
from ..kernel.limits import MIB, Limits
from ..kernel.notebook import read_notebook
from ..kernel.own_files import OwnFiles, own_files
from ..kernel.prepare import without_installs
from ..kernel.run import Execution, NotebookRun
from ..kernel.sandbox import make_sandbox
from ..model.assignment import Assignment
from ..model.budget import Budget
from ..model.errors import KernelLoss, UnreadableNotebook
from ..model.lessons import parse_cell, private_folders
from ..model.results import (
    CellFailure,
    ExerciseResult,
    SubmissionResult,
    SubmissionStatus,
    Timings,
)
from ..model.settings import Settings


@cache
def _handout_cells(assignment: Assignment) -> dict[str, str]:
    """The exercise cells as handed out, by function name (tagged ``exercise:<name>``)."""
    handout = nbformat.read(assignment.folder / assignment.notebook, as_version=4)
    return {
        tag.split(":", 1)[1]: cell.source.strip()
        for cell in handout.cells
        for tag in cell.get("metadata", {}).get("tags", [])
        if tag.startswith("exercise:")
    }


def kept_from_kernels(assignment: Assignment) -> list[Path]:
    """What no graded kernel may read: every lesson folder, with its stored inputs and outputs,
    and every folder of the reference solutions, with the secret beside them. The kernel gets
    the lesson's data files (and the student's own) in its working folder instead."""
    folders = [*private_folders(), *assignment.reference_files().packages]
    return list(dict.fromkeys(folder.resolve() for folder in folders))


@dataclass(frozen=True)
class Trip:
    """One submission on its way through grading: what every attempt at it needs, fixed once
    the notebook is read. An attempt opens a fresh kernel, runs cells, checks exercises and
    draws them while the kernel lives; the first run and each restart are the same call."""

    submission: Submission
    assignment: Assignment
    oracle: Oracle  # bound to this notebook (see ``Oracle.for_notebook``)
    settings: Settings
    budget: Budget  # the submission's time, which every attempt takes from
    notebook: nbformat.NotebookNode  # as read, installs left out
    own: OwnFiles  # the student's files that go beside it
    untouched: frozenset[str]  # exercises still as handed out: not checked (see below)
    note: str = ""  # what reading it left out (installs), for the message

    def open(self, notebook: nbformat.NotebookNode) -> NotebookRun:
        """A fresh kernel for ``notebook`` under every limit and protection the settings ask
        for, with the student's own files beside it; its cells get what is left of the budget,
        at most ``settings.total_timeout``."""
        settings = self.settings
        sandbox = make_sandbox(settings.sandbox, settings.process_limit, readable=[],
                               hidden=kept_from_kernels(self.assignment))
        return NotebookRun(
            notebook,
            self.assignment.data_paths(),
            cell_timeout=settings.cell_timeout,
            total_timeout=min(settings.total_timeout, self.budget.left()),
            startup_timeout=settings.startup_timeout,
            limits=Limits.from_settings(settings),
            sandbox=sandbox,
            output_limit=int(settings.output_limit * MIB),
            own_files=self.own,
        )

    def attempt(self, notebook: nbformat.NotebookNode,
                pending: tuple[str, ...] | None = None) -> Attempt:
        """Run ``notebook``'s cells in a fresh kernel, then check the ``pending`` exercises
        (None: all of them, as the first run does) and draw their showcases there while it
        lives; nothing is checked if running the cells lost the kernel."""
        assignment = self.assignment if pending is None else self.assignment.only(pending)
        with self.open(notebook) as run:
            execution = run.run_cells()
            if execution.kernel_lost:
                return Attempt(execution, Checked((), pending or self.graded()))
            caller = FunctionCaller(KernelTransport(run), self.settings.call_timeout)
            checked = check_until_lost(assignment, caller, self.oracle, self.settings,
                                       set(self.untouched), self.budget)
            if checked.lost:
                return Attempt(execution, checked)
            exercises, seconds = picture_exercises(assignment, caller, self.oracle,
                                                   checked.exercises, self.budget)
        return Attempt(execution, dataclasses.replace(checked, exercises=exercises), seconds)

    def graded(self) -> tuple[str, ...]:
        """The exercises graded, in the order they are checked."""
        return tuple(exercise.name for exercise in self.assignment.checking_order())


@dataclass(frozen=True)
class Attempt:
    """What one kernel gave: how its cells ran, what checking found, the pictures' seconds."""

    execution: Execution
    checked: Checked
    pictures: float = 0.0


def grade_submission(
    submission: Submission,
    assignment: Assignment,
    settings: Settings,
    oracle: Oracle | None = None,
) -> SubmissionResult:
    """Grade one submission from its file to its score."""
    oracle = (oracle or make_oracle(assignment)).for_notebook(notebook_digest(submission))
    result = _grade(submission, assignment, settings, oracle)
    started = time.perf_counter()
    exercises = reference_pictures(assignment, oracle, result.exercises)
    timings = dataclasses.replace(
        result.timings, pictures=result.timings.pictures + time.perf_counter() - started
    )
    return dataclasses.replace(result, mode=oracle.mode, exercises=exercises, timings=timings)


def notebook_digest(submission: Submission) -> str:
    """The sha256 of the submitted notebook's bytes, which seeds its held-out inputs (see
    ``model.secret``); "" where they cannot be read (it is graded as unreadable then)."""
    if submission.problem:
        return ""
    try:
        content = submission.content if submission.content is not None \
            else submission.path.read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(content).hexdigest()


def _lost_in(execution: Execution) -> str:
    """Where and how a run lost its kernel, as a clause."""
    cell = execution.lost_in
    if execution.kernel_lost is KernelLoss.BROKEN:
        return ("its kernel could then no longer send its messages intact (as happens after "
                "starting processes until no more can start)")
    if execution.kernel_lost is KernelLoss.DIED:
        return f"its kernel died in cell {cell}"
    return (f"cell {cell} ran past its time limit and ignored the interrupt, so its kernel was "
            "stopped")


FIX = {
    KernelLoss.DIED: "so that it runs from top to bottom (Restart & Run All) without its kernel "
    "dying.",
    KernelLoss.STUCK: "so that no cell runs forever or blocks Ctrl-C.",
    KernelLoss.BROKEN: "so that it leaves its kernel in working order: start no processes or "
    "threads without end.",
}


def _names(names: Iterable[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


@dataclass
class _Restarts:
    """What checking in fresh kernels found, after the first one was lost."""

    exercises: list[ExerciseResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    explained: str = ""  # what the graded functions needed that the restarts left out
    given_up: tuple[str, ...] = ()  # exercises left unchecked: a restart lost its kernel too
    checking: float = 0.0
    pictures: float = 0.0
    seconds: float = 0.0  # starting the kernels and running the definitions


def _restart(trip: Trip, upto: int, pending: tuple[str, ...]) -> _Restarts:
    """Check the ``pending`` exercises in fresh kernels that run the definitions of cells 1 to ``upto``.

    Only imports, definitions and what the graded functions read run (see ``defs_only``), so
    what ended the first kernel is left out. A call that loses a restarted kernel fails its
    sub-check, and the exercises after it get another restart; each restart checks at least one
    more exercise, or it lost its kernel before the checks and grading gives up.
    """
    done = _Restarts()
    graded = [exercise.name for exercise in trip.assignment.exercises]
    sliced = keep_definitions(_head(trip.notebook, upto), graded, setup=False)
    fresh = f"a fresh kernel that ran only the imports and definitions of cells 1 to {upto}"
    failures: tuple[CellFailure, ...] = ()
    while pending:
        whose = "its functions" if len(pending) == len(graded) else _names(pending)
        if trip.budget.over():
            done.messages.append(f"No time was left for a restart ({trip.budget.describe()}), "
                                 f"so {whose} could not be graded.")
            done.given_up = pending
            break
        attempt = trip.attempt(sliced.notebook, pending)
        execution, checked = attempt.execution, attempt.checked
        done.seconds += execution.kernel_start + execution.seconds
        done.checking += checked.seconds
        done.pictures += attempt.pictures
        failures += execution.cell_failures
        if checked.unreached == pending:  # lost before checking any
            what = _lost_in(execution) if execution.kernel_lost else _loss(checked).clause()
            done.messages.append(
                f"A restart, in {fresh}, failed too: {what}, so {whose} could not be graded."
            )
            done.given_up = pending
            break
        verb = "was" if len(pending) == 1 else "were"
        which = "another restart" if done.exercises else "a restart"
        done.messages += [f"{whose[0].upper()}{whose[1:]} {verb} graded after {which}, in {fresh}.",
                          checked.lost.message() if checked.lost else ""]
        done.exercises += checked.exercises
        pending = checked.unreached
    needs = sliced.needed(done.exercises, failures)
    if needs:
        done.explained = f"The restart left out code this submission needed: {needs}."
    return done


def _loss(checked: Checked) -> Loss:
    """How checking lost its kernel, where it left exercises unreached."""
    assert checked.lost is not None, "exercises are unreached only where the kernel was lost"
    return checked.lost


def _head(notebook: nbformat.NotebookNode, cells: int) -> nbformat.NotebookNode:
    """The notebook's first ``cells`` cells."""
    return nbformat.NotebookNode({**notebook, "cells": notebook.cells[:cells]})


def _grade(
    submission: Submission, assignment: Assignment, settings: Settings, oracle: Oracle
) -> SubmissionResult:
    trip = _read(submission, assignment, settings, oracle)
    if isinstance(trip, SubmissionResult):  # not a notebook it can run
        return trip
    sliced = keep_definitions(trip.notebook, list(trip.graded())) if settings.defs_only else None
    first = trip.attempt(sliced.notebook if sliced else trip.notebook)
    execution, checked = first.execution, first.checked
    upto = execution.lost_in if execution.kernel_lost else len(trip.notebook.cells)
    restarts = _restart(trip, upto, checked.unreached) if checked.unreached else _Restarts()
    message = _message(trip, first, restarts, sliced)
    exercises = in_order(assignment, checked.exercises + tuple(restarts.exercises), message)
    return SubmissionResult(
        submission.id, str(submission.path), _status(first, restarts, exercises), exercises,
        execution.cell_failures, message,
        Timings(execution.kernel_start, execution.seconds, checked.seconds + restarts.checking,
                restarts.seconds, first.pictures + restarts.pictures),
    )


def _read(submission: Submission, assignment: Assignment, settings: Settings,
          oracle: Oracle) -> Trip | SubmissionResult:
    """The submission's trip, once its notebook is read; or, if it cannot be, its result."""
    budget = Budget.start(settings.submission_timeout, "--submission-timeout")
    if submission.problem:
        return _unreadable(submission, assignment, submission.problem, submission.problem)
    try:
        prepared = without_installs(read_notebook(submission.path, submission.content))
    except UnreadableNotebook as error:
        return _unreadable(submission, assignment, error.reason, str(error))
    own = (submission.own if submission.own is not None
           else own_files(submission.folder, submission.path))
    return Trip(submission, assignment, oracle, settings, budget, prepared.notebook, own,
                frozenset(untouched_exercises(assignment, prepared.notebook)), prepared.note())


def _status(first: Attempt, restarts: _Restarts,
            exercises: tuple[ExerciseResult, ...] = ()) -> SubmissionStatus:
    if any(check.status == "grader error" for exercise in exercises for check in exercise.checks):
        # A sub-check without a verdict, for a reason of the grader's own (see KernelBusy):
        # the submission is not kept, so the next run grades it again.
        return "grader error"
    if restarts.given_up:
        return "kernel died"
    return "salvaged" if first.execution.kernel_lost else "graded"


def _message(trip: Trip, first: Attempt, restarts: _Restarts, sliced: Sliced | None) -> str:
    """What the submission's message says: what reading and running it left out, where a
    kernel was lost and what the restarts did, and what fast mode left out."""
    execution = first.execution
    messages = [trip.note, trip.own.note(), *_first_messages(execution, first.checked),
                *restarts.messages]
    if execution.kernel_lost:
        anyway = " anyway," if _status(first, restarts) == "salvaged" else ""
        messages.append(f"Fix the notebook{anyway} {FIX[execution.kernel_lost]}")
    messages.append(restarts.explained)
    if sliced:
        messages.append(sliced.explain(first.checked.exercises, execution.cell_failures))
    return " ".join(filter(None, messages))


def _unreadable(submission: Submission, assignment: Assignment, reason: str,
                message: str) -> SubmissionResult:
    return SubmissionResult(submission.id, str(submission.path), "unreadable",
                            all_not_checked(assignment, reason), message=message)


def untouched_exercises(assignment: Assignment, notebook: nbformat.NotebookNode) -> set[str]:
    """The exercises whose cell is still exactly as handed out, and that no other code cell
    defines: a student may keep the stub and write the function in a cell of their own."""
    sources = [cell.source.strip() for cell in notebook.cells if cell.get("cell_type") == "code"]
    return {
        name for name, stub in _handout_cells(assignment).items()
        if stub in sources and not any(_defines(source, name) for source in sources
                                       if source != stub)
    }


def _defines(source: str, name: str) -> bool:
    """Whether the cell binds ``name`` at its top level: ``def``, assignment or import; read as
    ``lessons.parse_cell`` reads a cell to recognise its lesson (a cell that does not parse
    defines nothing)."""
    tree = parse_cell(source)
    for statement in tree.body if tree else ():
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = {statement.name}
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            bound = {alias.asname or alias.name.split(".")[0] for alias in statement.names}
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            bound = {node.id for target in targets for node in ast.walk(target)
                     if isinstance(node, ast.Name)}
        else:
            continue
        if name in bound:
            return True
    return False


def _first_messages(execution: Execution, checked: Checked) -> list[str]:
    """What the first kernel's run says: where it was lost, if it was."""
    if not execution.kernel_lost:
        return [checked.lost.message() if checked.lost else ""]
    what = _lost_in(execution)
    if execution.kernel_lost is KernelLoss.BROKEN:
        return [f"The notebook ran to its end, but {what}."]
    return [f"The notebook could not run to the end: {what}; the cells after it never ran."]
