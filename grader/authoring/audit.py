"""How well a lesson's sub-checks catch typical mistakes: ``grade audit``.

Each mutant of a reference function (see ``mutants``) and each mistake the lesson declares
(``Assignment.mistakes``) is checked the way a submission is, by ``run_check`` on every
sub-check of its exercise, on the stored inputs with the reference's outputs; only the function
runs here, in the grader's process (see ``kernel.in_process``), instead of in a kernel. Each is
checked as the only mistake: the other functions it calls are the reference's, so no stand-ins
are needed.

A mutant is killed when a sub-check fails it; equivalent when every sub-check passes it and it
gives the reference's outputs on every stored input (to rounding: such a mutant is no mistake);
else it survives, a gap in the checks. For a killed one the audit counts the stored inputs that
catch it (fragile when few do), and where each sub-check, trying its inputs smallest first,
first meets one. And it finds the smallest ``--max-examples`` that still catches every killed
mutant. Fewer examples are not the first N stored inputs, nor the N smallest: with fewer,
grading draws its inputs afresh with hypothesis, which sizes what it draws to the number asked
for, so few of them are among the stored ones. So each number tried is drawn that way, as
grading with the reference does, by this machine's hypothesis.

It also measures whether a self-check predicts final grading for honest mistakes: each mutant
and mistake is checked once more on the held-out inputs (see ``model.secret``) that final
grading would draw for each of ``HELD_OUT_SAMPLES`` notebooks. The public set (the stored
inputs) and the held-out sets agree on a mutant when both kill it or neither does. One that
only held-out inputs kill passes a student's self-check and fails final grading: the public
strategy should draw what shows it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import hypothesis
import numpy as np

from ..judge.oracle import Oracle
from ..judge.search import judge, run_check, smallest_first
from ..judge.stored import Examples, load_examples
from ..kernel.calls import Returned, TimedOut
from ..kernel.in_process import InProcessCaller
from ..model.assignment import Assignment, Exercise
from ..model.compare import close
from ..model.errors import AssignmentError
from ..model.results import CheckStatus
from ..model.secret import read_secret
from ..model.settings import PROFILES
from .mutants import Mutant, mutants_of

CALL_TIMEOUT = 5.0  # seconds one call of a mutant may take (the reference's take milliseconds)
FRAGILE_AT_MOST = 3  # a killed mutant caught by this many stored inputs or fewer is fragile
ROUNDING = 1e-9  # equivalent: every output within this fraction of the largest expected value
_rounded = close(ROUNDING)
FEWER_EXAMPLES = (1, 2, 3, 5, 10, 20, 30, 50, 75)  # --max-examples tried, below the stored number
HELD_OUT_SAMPLES = 5  # notebooks whose held-out inputs each mutant is checked on
AUDIT_SECRET = b"the audit's own secret, for a lesson that has none yet"

Verdict = Literal["killed", "equivalent", "survived"]


@dataclass(frozen=True)
class Cell:
    """One mutant on one sub-check: its verdict and how many of the stored inputs catch it."""

    check: str
    status: CheckStatus  # as ``run_check`` gives it
    caught_by: int  # stored inputs on which the sub-check fails it (0 for a timeout)
    inputs: int
    first_tried: int | None  # the position, smallest first, of the first input that catches it
    reason: str = ""  # why the smallest catching input fails it

    def to_json(self) -> dict:
        return {"check": self.check, "status": self.status, "caught_by": self.caught_by,
                "inputs": self.inputs, "first_tried": self.first_tried, "reason": self.reason}


@dataclass(frozen=True)
class MutantAudit:
    exercise: str
    name: str
    family: str
    kind: Literal["mutant", "mistake"]
    verdict: Verdict
    cells: tuple[Cell, ...]
    description: str = ""
    held_out_kills: int = 0  # of the HELD_OUT_SAMPLES held-out sets, those that kill it

    @property
    def agreement(self) -> Literal["both", "neither", "public only", "held-out only"]:
        """Which inputs kill it: the public ones (a self-check's), the held-out ones (final
        grading's, in every sample), both or neither. "held-out only" means a student with this
        mistake passes the self-check and fails final grading."""
        if self.verdict == "killed":
            return "both" if self.held_out_kills == HELD_OUT_SAMPLES else "public only"
        return "neither" if self.held_out_kills == 0 else "held-out only"

    @property
    def caught_by(self) -> int:
        return sum(cell.caught_by for cell in self.cells)

    @property
    def fragile(self) -> bool:
        return self.verdict == "killed" and self.caught_by <= FRAGILE_AT_MOST

    @property
    def first_tried(self) -> int | None:
        return min((c.first_tried for c in self.cells if c.first_tried), default=None)

    def to_json(self) -> dict:
        return {"exercise": self.exercise, "name": self.name, "family": self.family,
                "kind": self.kind, "description": self.description,
                "verdict": self.verdict, "caught_by": self.caught_by,
                "fragile": self.fragile, "first_tried": self.first_tried,
                "held_out_kills": self.held_out_kills, "agreement": self.agreement,
                "cells": [cell.to_json() for cell in self.cells]}


@dataclass(frozen=True)
class LessonAudit:
    """What the audit of one lesson found."""

    lesson: str
    checks: tuple[tuple[str, str], ...]  # (exercise, sub-check), in the lesson's order
    inputs: int  # stored inputs per sub-check
    mutants: tuple[MutantAudit, ...]  # per exercise: its mutants, then its declared mistakes
    max_examples: int  # the smallest --max-examples tried that catches every killed mutant
    missed_with: tuple[int, tuple[str, ...]] | None  # the next number down, and what it misses
    hypothesis: str  # the version that drew the smaller sets of inputs
    seconds: float
    notes: tuple[str, ...] = ()

    def counts(self, kind: str = "mutant") -> dict[str, int]:
        chosen = [m for m in self.mutants if m.kind == kind]
        found = {verdict: sum(m.verdict == verdict for m in chosen)
                 for verdict in ("killed", "equivalent", "survived")}
        return {"total": len(chosen), **found, "fragile": sum(m.fragile for m in chosen)}

    def smallest_first(self) -> int:
        """Every killed mutant is caught by one of the first this many inputs a sub-check
        tries (they are tried smallest first)."""
        return max((m.first_tried for m in self.mutants
                    if m.verdict == "killed" and m.first_tried is not None), default=0)

    def agreement(self) -> dict[str, int]:
        """How many mutants and mistakes the public and the held-out inputs agree on."""
        found = {kind: 0 for kind in ("both", "neither", "public only", "held-out only")}
        for mutant in self.mutants:
            found[mutant.agreement] += 1
        return found

    def mistakes_missed(self) -> tuple[MutantAudit, ...]:
        """Declared mistakes the sub-checks do not fail: the audit fails on these."""
        return tuple(m for m in self.mutants if m.kind == "mistake" and m.verdict != "killed")

    def to_json(self) -> dict:
        return {
            "lesson": self.lesson, "hypothesis": self.hypothesis,
            "checks": [{"exercise": e, "check": c} for e, c in self.checks],
            "inputs_per_check": self.inputs, "seconds": round(self.seconds, 2),
            "mutants": self.counts("mutant"), "mistakes": self.counts("mistake"),
            "max_examples": self.max_examples,
            "missed_with": None if self.missed_with is None else {
                "max_examples": self.missed_with[0], "missed": list(self.missed_with[1])},
            "smallest_first": self.smallest_first(),
            "held_out": {"samples": HELD_OUT_SAMPLES, "per_check": HELD_OUT_EXAMPLES,
                         "agreement": self.agreement()},
            "notes": list(self.notes),
            "results": [mutant.to_json() for mutant in self.mutants],
        }


def _caller(mutant: Mutant) -> InProcessCaller:
    return InProcessCaller({mutant.exercise: mutant.function}, CALL_TIMEOUT)


def _catches(exercise: Exercise, check, arguments: tuple, expected,
             caller: InProcessCaller) -> bool:
    outcome = caller.known(exercise.name, arguments) or caller.call(exercise.name, arguments)
    if outcome is None:  # not called: without a deadline, never so
        return False
    return isinstance(outcome, TimedOut) or judge(check, arguments, expected, outcome) is not None


def _cell(exercise: Exercise, check, found: Examples, caller: InProcessCaller) -> Cell:
    """The verdict ``run_check`` gives, and which stored inputs the sub-check fails it on."""
    whole = run_check(exercise, check, found, caller)
    if whole.status != "failed":
        return Cell(check.name, whole.status, 0, len(found.inputs), None, whole.message)
    caught = [position for position, (arguments, expected)
              in enumerate(zip(found.inputs, found.expected))
              if _catches(exercise, check, arguments, expected, caller)]
    order = smallest_first(found.inputs)
    first = min(order.index(position) for position in caught) + 1
    return Cell(check.name, "failed", len(caught), len(found.inputs), first, whole.message)


def _same_as_reference(exercise: Exercise, found: Sequence[Examples],
                       caller: InProcessCaller) -> bool:
    """Whether the mutant gave the reference's outputs, to rounding, on every stored input."""
    for examples in found:
        for arguments, expected in zip(examples.inputs, examples.expected):
            outcome = caller.known(exercise.name, arguments)
            if not isinstance(outcome, Returned) or _rounded(
                    arguments, np.asarray(expected), outcome.value) is not None:
                return False
    return True


def _audited(exercise: Exercise, mutant: Mutant, examples: dict, held_out: Sequence[dict],
             caller: InProcessCaller) -> MutantAudit:
    found = [examples[(exercise.name, check.name)] for check in exercise.checks]
    cells = tuple(_cell(exercise, check, each, caller)
                  for check, each in zip(exercise.checks, found))
    verdict: Verdict
    if any(cell.status != "passed" for cell in cells):
        verdict = "killed"
    else:
        verdict = "equivalent" if _same_as_reference(exercise, found, caller) else "survived"
    kills = sum(
        any(run_check(exercise, check, one[(exercise.name, check.name)], caller).status
            != "passed" for check in exercise.checks)
        for one in held_out
    )
    return MutantAudit(exercise.name, mutant.name, mutant.family, mutant.kind, verdict, cells,
                       mutant.description, kills)


HELD_OUT_EXAMPLES = PROFILES["thorough"].held_out_examples


def _held_out_sets(assignment: Assignment, oracle: Oracle) -> list[dict]:
    """For each of HELD_OUT_SAMPLES notebooks, the held-out inputs of every sub-check, as
    final grading draws them (with the lesson's secret, or the audit's own where it has none:
    which secret draws them changes nothing of what they are like)."""
    if oracle.secret is None:
        oracle = Oracle(assignment, oracle.references, oracle.stored, AUDIT_SECRET)
    sets = []
    for sample in range(HELD_OUT_SAMPLES):
        bound = oracle.for_notebook(f"audit sample {sample}")
        sets.append({(e.name, c.name): bound.held_out(e, c, HELD_OUT_EXAMPLES)
                     for e in assignment.exercises for c in e.checks})
    return sets


def _declared(assignment: Assignment) -> list[Mutant]:
    names = [exercise.name for exercise in assignment.exercises]
    declared = []
    for mistake in assignment.mistakes:
        if mistake.exercise not in names:
            raise AssignmentError(
                f"the mistake {mistake.name!r} names the exercise {mistake.exercise!r}; "
                f"{assignment.name!r} has {', '.join(names)}"
            )
        declared.append(Mutant(mistake.exercise, mistake.name, "declared mistake",
                               mistake.load(assignment.reference), "mistake",
                               mistake.description))
    return declared


def _caught_with(exercise: Exercise, oracle: Oracle, count: int,
                 caller: InProcessCaller) -> bool:
    return any(run_check(exercise, check, oracle.examples(exercise, check, count), caller).status
               != "passed" for check in exercise.checks)


def _fewest_examples(assignment: Assignment, oracle: Oracle, stored: int,
                     killed: Sequence[tuple[Mutant, InProcessCaller]]
                     ) -> tuple[int, tuple[int, tuple[str, ...]] | None]:
    """The smallest ``--max-examples`` of FEWER_EXAMPLES (else the stored number) that catches
    every killed mutant; and the number tried before it, with the mutants that one misses."""
    missed_with = None
    for count in (count for count in FEWER_EXAMPLES if count < stored):
        missed = tuple(mutant.name for mutant, caller in killed if not _caught_with(
            assignment.exercise(mutant.exercise), oracle, count, caller))
        if not missed:
            return count, missed_with
        missed_with = (count, missed)
    return stored, missed_with


def _reference_passes(assignment: Assignment, references: dict, examples: dict) -> None:
    """The reference, checked the same way, must pass: else the audit would mean nothing."""
    for exercise in assignment.exercises:
        reference = Mutant(exercise.name, "reference", "", references[exercise.name])
        caller = _caller(reference)
        for check in exercise.checks:
            result = run_check(exercise, check, examples[(exercise.name, check.name)], caller)
            if result.status != "passed":
                raise AssignmentError(
                    f"the reference {exercise.name} fails its own sub-check {check.name!r} "
                    f"({result.message}): fix the sub-check or run `grade freeze`"
                )


def audit_lesson(assignment: Assignment, max_examples: int) -> LessonAudit:
    """Check every mutant of the lesson's reference functions, and every mistake it declares,
    on every sub-check of their exercise; ``max_examples`` is the number of stored inputs."""
    started = time.perf_counter()
    references = assignment.reference_functions()
    path = assignment.expected_path()
    oracle = Oracle(assignment, references, load_examples(path) if path.is_file() else None,
                    read_secret(assignment.secret_path()))
    examples = {(e.name, c.name): oracle.examples(e, c, max_examples)
                for e in assignment.exercises for c in e.checks}
    notes, candidates, declared = [], [], _declared(assignment)
    for exercise in assignment.exercises:  # its mutants, then its declared mistakes
        found = [examples[(exercise.name, check.name)] for check in exercise.checks]
        made, note = mutants_of(exercise.name, references[exercise.name],
                                [a for each in found for a in each.inputs],
                                [o for each in found for o in each.expected])
        candidates += made + [m for m in declared if m.exercise == exercise.name]
        notes += [note] if note else []
    if not assignment.mistakes:
        notes.append(f"{assignment.name!r} declares no typical mistakes (Assignment.mistakes), so "
                     "nothing makes this audit fail")
    with warnings.catch_warnings():  # a mutant's numpy warnings change nothing, as in a kernel
        warnings.simplefilter("ignore")
        _reference_passes(assignment, references, examples)
        callers = [(mutant, _caller(mutant)) for mutant in candidates]
        held_out = _held_out_sets(assignment, oracle)
        audited = tuple(_audited(assignment.exercise(m.exercise), m, examples, held_out, caller)
                        for m, caller in callers)
        killed = [pair for pair, result in zip(callers, audited) if result.verdict == "killed"]
        needed, missed = _fewest_examples(assignment, oracle, max_examples, killed)
    return LessonAudit(
        assignment.name,
        tuple((e.name, c.name) for e in assignment.exercises for c in e.checks),
        max_examples, audited, needed, missed, hypothesis.__version__,
        time.perf_counter() - started, tuple(notes),
    )
