"""Grade one submission: read, execute, check every exercise, and score.

Whatever goes wrong with one notebook ends as a ``SubmissionResult`` with a status and a
message; nothing here lets a student's file stop the batch.
"""

from __future__ import annotations

import dataclasses
import difflib
import time
from functools import cache

import nbformat

from .assignment import Assignment, Exercise, StandIn, SubCheck
from .calls import FunctionCaller, KernelTransport
from .check import run_check
from .defs_only import keep_definitions
from .discover import Submission
from .errors import KernelLost, UnreadableNotebook
from .execute import KERNEL_DIED, NotebookRun, read_notebook
from .limits import Limits
from .oracle import Oracle, make_oracle
from .results import CheckResult, ExerciseResult, StandInApplied, SubmissionResult, Timings
from .settings import Settings


def _unchecked(exercise: Exercise, check: SubCheck, problem: str) -> CheckResult:
    return CheckResult(exercise.name, check.name, check.description, check.points, "error", problem)


def _not_checked(exercise: Exercise, problem: str) -> ExerciseResult:
    checks = tuple(_unchecked(exercise, check, problem) for check in exercise.checks)
    return ExerciseResult(exercise.name, checks, problem)


def all_not_checked(assignment: Assignment, problem: str) -> tuple[ExerciseResult, ...]:
    """Every exercise scored zero, each check carrying ``problem`` as the reason."""
    return tuple(_not_checked(exercise, problem) for exercise in assignment.exercises)


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


def _missing_message(name: str, kind: str, callables: list[str], untouched: bool) -> str:
    if kind != "missing":
        return f"`{name}` is a {kind}, not a function."
    message = f"`{name}` is not defined after running the notebook."
    close = difflib.get_close_matches(name, callables, n=1)
    if close:
        message += f" Did you mean `{close[0]}`? Rename it to `{name}`."
    if untouched:
        message += " Its exercise cell is still as handed out: fill it in."
    else:
        message += " Check that the cell defining it runs without an error."
    return message


def check_exercises(
    assignment: Assignment,
    caller: FunctionCaller,
    oracle: Oracle,
    settings: Settings,
    untouched: set[str] = frozenset(),
) -> tuple[tuple[ExerciseResult, ...], str]:
    """Check every exercise the kernel defines; a missing one scores zero with a reason.

    Exercises are checked in ``assignment.checking_order()``, so a helper's verdict is known
    before the exercises whose stand-ins name it; a stand-in is used only for a helper that
    failed any of its checks (see ``assignment.StandIn``). Helpers that are not graded in this
    run (``assignment.helpers``) are checked for that alone.

    Returns the results and, if the kernel was lost on the way, why: the checks it did not
    reach carry status "error" and that reason.
    """
    lost = ""
    order = assignment.checking_order()
    try:
        kinds, callables = caller.inspect([exercise.name for exercise in order])
    except KernelLost as error:
        lost = f"The kernel stopped answering before the checks: {error.reason}."
        return all_not_checked(assignment, lost), lost
    passed: dict[str, bool] = {}
    results: dict[str, ExerciseResult] = {}
    for exercise in order:
        kind = kinds[exercise.name]
        if lost or kind != "callable":
            problem = lost or _missing_message(
                exercise.name, kind, callables, exercise.name in untouched
            )
            results[exercise.name] = _not_checked(exercise, problem)
            passed[exercise.name] = False
            continue
        failing_helpers = tuple(s for s in exercise.stand_ins if not passed[s.function])
        applied = tuple(
            StandInApplied(s.function, s.call or f"{s.function}(...)") for s in failing_helpers
        )
        checks = []
        for check in exercise.checks:
            if lost:
                checks.append(_unchecked(exercise, check, lost))
                continue
            try:
                examples = oracle.examples(exercise, check, settings.max_examples)
                stand_ins = (
                    _only(failing_helpers, oracle.stand_ins(exercise, examples))
                    if failing_helpers else None
                )
                result = run_check(exercise, check, examples, caller, oracle.reference(exercise),
                                   settings.max_examples, stand_ins)
                checks.append(dataclasses.replace(result, stand_ins=applied))
            except KernelLost as error:
                lost = (
                    f"The kernel stopped answering while `{exercise.name}` was checked: "
                    f"{error.reason}."
                )
                checks.append(_unchecked(exercise, check, lost))
        problem = (
            "Its exercise cell is still as handed out: fill it in."
            if exercise.name in untouched and any(c.status != "passed" for c in checks)
            else ""
        )
        results[exercise.name] = ExerciseResult(exercise.name, tuple(checks), problem)
        passed[exercise.name] = all(check.status == "passed" for check in checks)
    return tuple(results[exercise.name] for exercise in assignment.exercises), lost


def _only(helpers: tuple[StandIn, ...], stand_ins):
    """``stand_ins`` (from the oracle) cut down to the stand-ins for ``helpers``."""
    wanted = {helper.function for helper in helpers}
    return lambda arguments: tuple(s for s in stand_ins(arguments) if s.function in wanted)


def grade_submission(
    submission: Submission,
    assignment: Assignment,
    settings: Settings,
    oracle: Oracle | None = None,
) -> SubmissionResult:
    """Grade one submission from its file to its score."""
    oracle = oracle or make_oracle(assignment)
    result = _grade(submission, assignment, settings, oracle)
    return dataclasses.replace(result, mode=oracle.mode)


def _grade(
    submission: Submission, assignment: Assignment, settings: Settings, oracle: Oracle
) -> SubmissionResult:
    path = str(submission.path)
    if submission.problem:
        return SubmissionResult(
            submission.id, path, "unreadable", all_not_checked(assignment, submission.problem),
            message=submission.problem,
        )
    try:
        notebook = read_notebook(submission.path)
    except UnreadableNotebook as error:
        return SubmissionResult(
            submission.id, path, "unreadable", all_not_checked(assignment, error.reason),
            message=str(error),
        )
    handout = _handout_cells(assignment)
    sources = {cell.source.strip() for cell in notebook.cells if cell.get("cell_type") == "code"}
    untouched = {name for name, source in handout.items() if source in sources}
    graded = [exercise.name for exercise in assignment.checking_order()]
    sliced = keep_definitions(notebook, graded) if settings.defs_only else None

    with NotebookRun(
        sliced.notebook if sliced else notebook,
        assignment.data_paths(),
        cell_timeout=settings.cell_timeout,
        total_timeout=settings.total_timeout,
        startup_timeout=settings.startup_timeout,
        limits=Limits.from_settings(settings),
    ) as run:
        execution = run.run_cells()
        if execution.kernel_lost:
            cell = next(f.index for f in execution.cell_failures if f.error == execution.kernel_lost)
            problem = (
                f"The notebook's kernel died in cell {cell}, so its functions could not be "
                "called. Check that the notebook runs from top to bottom (Restart & Run All) "
                "without the kernel crashing."
                if execution.kernel_lost == KERNEL_DIED
                else f"Cell {cell} ran past its time limit and ignored the interrupt, so the "
                "kernel was stopped and the notebook's functions could not be called. Make sure "
                "no cell runs forever or blocks Ctrl-C."
            )
            return SubmissionResult(
                submission.id, path, "kernel died", all_not_checked(assignment, problem),
                execution.cell_failures, problem,
                Timings(execution.kernel_start, execution.seconds, 0.0),
            )
        started = time.perf_counter()
        caller = FunctionCaller(KernelTransport(run), settings.call_timeout)
        exercises, lost = check_exercises(assignment, caller, oracle, settings, untouched)
        status = "kernel died" if lost else "graded"
        checking = time.perf_counter() - started
    skipped_but_needed = sliced.explain(exercises, execution.cell_failures) if sliced else ""
    return SubmissionResult(
        submission.id, path, status, exercises, execution.cell_failures,
        " ".join(filter(None, [lost, skipped_but_needed])),
        Timings(execution.kernel_start, execution.seconds, checking),
    )
