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
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import nbformat

from ..judge.exercises import Checked, all_not_checked, check_until_lost, in_order
from ..judge.oracle import Oracle, make_oracle
from ..judge.showcase import picture_exercises, reference_pictures
from ..kernel.calls import FunctionCaller, KernelTransport
from ..kernel.defs_only import keep_definitions
from ..kernel.limits import MIB, Limits
from ..kernel.notebook import read_notebook
from ..kernel.own_files import OwnFiles, own_files
from ..kernel.prepare import without_installs
from ..kernel.run import Execution, NotebookRun
from ..kernel.sandbox import make_sandbox
from ..model.assignment import Assignment
from ..model.budget import Budget
from ..model.errors import KernelLoss, UnreadableNotebook
from ..model.lessons import parse_cell
from ..model.results import CellFailure, ExerciseResult, SubmissionResult, Timings
from ..model.settings import Settings
from .discover import Submission


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


def _open_run(notebook: nbformat.NotebookNode, assignment: Assignment, settings: Settings,
              budget: Budget, own: OwnFiles):
    """A fresh kernel for ``notebook`` under every limit and protection ``settings`` asks for,
    with the student's ``own`` files beside it.

    The first run and every restart are made here; the cells get what is left of ``budget``
    (the submission's time), at most ``settings.total_timeout``.
    """
    sandbox = make_sandbox(
        settings.sandbox,
        settings.process_limit,
        readable=[assignment.folder.parent],  # the assignment's package, for the self-check
        hidden=list(assignment.reference_files().packages),
    )
    return NotebookRun(
        notebook,
        assignment.data_paths(),
        cell_timeout=settings.cell_timeout,
        total_timeout=min(settings.total_timeout, budget.left()),
        startup_timeout=settings.startup_timeout,
        limits=Limits.from_settings(settings),
        sandbox=sandbox,
        output_limit=int(settings.output_limit * MIB),
        own_files=own,
    )


def grade_submission(
    submission: Submission,
    assignment: Assignment,
    settings: Settings,
    oracle: Oracle | None = None,
) -> SubmissionResult:
    """Grade one submission from its file to its score."""
    oracle = oracle or make_oracle(assignment)
    result = _grade(submission, assignment, settings, oracle)
    started = time.perf_counter()
    exercises = reference_pictures(assignment, oracle, result.exercises)
    timings = dataclasses.replace(
        result.timings, pictures=result.timings.pictures + time.perf_counter() - started
    )
    return dataclasses.replace(result, mode=oracle.mode, exercises=exercises, timings=timings)


def _check_in(run: NotebookRun, assignment: Assignment, oracle: Oracle, settings: Settings,
              untouched: set[str], budget: Budget) -> tuple[Checked, float]:
    """Check the exercises in ``run``'s kernel, then draw their showcases there while it
    lives; the seconds the pictures took come second."""
    caller = FunctionCaller(KernelTransport(run), settings.call_timeout)
    checked = check_until_lost(assignment, caller, oracle, settings, untouched, budget)
    if checked.lost:
        return checked, 0.0
    exercises, seconds = picture_exercises(assignment, caller, oracle, checked.exercises, budget)
    return dataclasses.replace(checked, exercises=exercises), seconds


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


def _restart(
    notebook: nbformat.NotebookNode,
    upto: int,
    pending: tuple[str, ...],
    assignment: Assignment,
    oracle: Oracle,
    settings: Settings,
    untouched: set[str],
    budget: Budget,
    own: OwnFiles,
) -> _Restarts:
    """Check the ``pending`` exercises in fresh kernels that run the definitions of cells 1 to ``upto``.

    Only imports, definitions and what the graded functions read run (see ``defs_only``), so
    what ended the first kernel is left out. A call that loses a restarted kernel fails its
    sub-check, and the exercises after it get another restart; each restart checks at least one
    more exercise, or it lost its kernel before the checks and grading gives up.
    """
    done = _Restarts()
    graded = [exercise.name for exercise in assignment.exercises]
    sliced = keep_definitions(_head(notebook, upto), graded, setup=False)
    fresh = f"a fresh kernel that ran only the imports and definitions of cells 1 to {upto}"
    failures: tuple[CellFailure, ...] = ()
    while pending:
        whose = "its functions" if len(pending) == len(graded) else _names(pending)
        if budget.over():
            done.messages.append(f"No time was left for a restart ({budget.describe()}), so "
                                 f"{whose} could not be graded.")
            done.given_up = pending
            break
        with _open_run(sliced.notebook, assignment, settings, budget, own) as run:
            execution = run.run_cells()
            checked, pictures = (
                (Checked((), pending), 0.0) if execution.kernel_lost
                else _check_in(run, assignment.only(pending), oracle, settings, untouched, budget)
            )
        done.seconds += execution.kernel_start + execution.seconds
        done.checking += checked.seconds
        done.pictures += pictures
        failures += execution.cell_failures
        if checked.unreached == pending:  # lost before checking any
            what = _lost_in(execution) if execution.kernel_lost else checked.lost.clause()
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


def _head(notebook: nbformat.NotebookNode, cells: int) -> nbformat.NotebookNode:
    """The notebook's first ``cells`` cells."""
    return nbformat.NotebookNode({**notebook, "cells": notebook.cells[:cells]})


def _grade(
    submission: Submission, assignment: Assignment, settings: Settings, oracle: Oracle
) -> SubmissionResult:
    budget = Budget.start(settings.submission_timeout, "--submission-timeout")
    path = str(submission.path)
    if submission.problem:
        return _unreadable(submission, assignment, submission.problem, submission.problem)
    try:
        prepared = without_installs(read_notebook(submission.path, submission.content))
    except UnreadableNotebook as error:
        return _unreadable(submission, assignment, error.reason, str(error))
    notebook = prepared.notebook
    own = (submission.own if submission.own is not None
           else own_files(submission.folder, submission.path))
    untouched = untouched_exercises(assignment, notebook)
    graded = [exercise.name for exercise in assignment.checking_order()]
    sliced = keep_definitions(notebook, graded) if settings.defs_only else None

    with _open_run(sliced.notebook if sliced else notebook, assignment, settings, budget,
                   own) as run:
        execution = run.run_cells()
        checked, pictures = (
            (Checked((), tuple(graded)), 0.0) if execution.kernel_lost
            else _check_in(run, assignment, oracle, settings, untouched, budget)
        )
    upto = execution.lost_in if execution.kernel_lost else len(notebook.cells)
    restarts = (
        _restart(notebook, upto, checked.unreached, assignment, oracle, settings, untouched,
                 budget, own)
        if checked.unreached else _Restarts()
    )
    exercises = in_order(assignment, checked.exercises + tuple(restarts.exercises), "")
    status = "kernel died" if restarts.given_up else (
        "salvaged" if execution.kernel_lost else "graded"
    )
    if any(check.status == "grader error" for exercise in exercises for check in exercise.checks):
        # A sub-check without a verdict, for a reason of the grader's own (see KernelBusy):
        # the submission is not kept, so the next run grades it again.
        status = "grader error"
    messages = [prepared.note(), own.note(), *_first_messages(execution, checked),
                *restarts.messages]
    if execution.kernel_lost:
        anyway = " anyway," if status == "salvaged" else ""
        messages.append(f"Fix the notebook{anyway} {FIX[execution.kernel_lost]}")
    messages.append(restarts.explained)
    if sliced:
        messages.append(sliced.explain(checked.exercises, execution.cell_failures))
    message = " ".join(filter(None, messages))

    return SubmissionResult(
        submission.id, path, status,
        in_order(assignment, checked.exercises + tuple(restarts.exercises), message),
        execution.cell_failures, message,
        Timings(execution.kernel_start, execution.seconds, checked.seconds + restarts.checking,
                restarts.seconds, pictures + restarts.pictures),
    )


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
