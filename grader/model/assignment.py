"""What an assignment tells the grader: its notebook, data files, exercises and reference.

The grader is generic; each assignment is a package ``assignments.<name>`` whose ``ASSIGNMENT``
is built from these records. Adding a lesson adds a folder there, not code here.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hypothesis.strategies import SearchStrategy

from .compare import Comparator
from .errors import AssignmentError, UsageError
from .mistakes import Mistake, import_lesson_module
from .showcase import Showcase


@dataclass(frozen=True)
class SubCheck:
    """One named property of one function, checked on inputs drawn from ``inputs``."""

    name: str
    description: str  # one sentence a student reads: what this sub-check is about
    points: float
    inputs: SearchStrategy  # draws a tuple of positional arguments
    compare: Comparator


@dataclass(frozen=True)
class StandIn:
    """A helper exercise that stands in correctly while another exercise is checked.

    "One mistake counted once": when ``function`` (an exercise of the same assignment) fails any
    of its own checks, then during each call of the exercise that declares this stand-in, the
    notebook's ``function`` answers the call ``function(*arguments(<the call's arguments>))``
    with the correct output (from the reference, or stored) instead of the student's, and
    passes any other call on to the student's own ``function``. A student whose helper is wrong
    but whose exercise is otherwise right then earns the exercise's points. When the helper
    passes all its checks, nothing is replaced and the exercise is graded as written.

    A call matches by value, not identity: arguments given by position or keyword, each with
    the same shape and equal numbers as the expected one, whatever its dtype (so an image the
    student converted from uint8 to float64 first still matches; rounding to float32 changes
    the numbers, and does not), a tuple equally as a list or array.
    """

    function: str  # the helper exercise, e.g. "get_subimages"
    arguments: Callable[..., tuple]  # the exercise's arguments -> the helper's arguments
    call: str = ""  # the call as a student writes it, for feedback: "get_subimages(image, k.shape)"

    def helper_arguments(self, arguments: tuple) -> tuple:
        return tuple(self.arguments(*arguments))


@dataclass(frozen=True)
class Exercise:
    """A function the student writes, with the name and parameters the lesson fixes."""

    name: str
    parameters: tuple[str, ...]
    checks: tuple[SubCheck, ...]
    stand_ins: tuple[StandIn, ...] = ()  # helpers answered correctly while this one is checked

    @property
    def points(self) -> float:
        return sum(check.points for check in self.checks)


@dataclass(frozen=True)
class ReferenceFiles:
    """The installed reference solutions: the module's file, and every folder of its top-level
    package (``solutions`` is a namespace package, so it may have several), which a sandboxed
    kernel must not see."""

    module: Path | None
    packages: tuple[Path, ...]


@dataclass(frozen=True)
class Assignment:
    name: str
    folder: Path
    notebook: str  # the handout, inside ``folder``
    data_files: tuple[str, ...]  # copied beside each submission before it runs
    exercises: tuple[Exercise, ...]
    reference: str  # module holding the reference functions, imported only by the grader
    expected_file: str = "expected.npz"  # stored inputs and expected outputs, in ``folder``
    # Exercises left out by ``only`` that the stand-ins of the graded ones need: they are
    # checked, to know whether they pass, but not graded or reported.
    helpers: tuple[Exercise, ...] = ()
    # Typical wrong answers the sub-checks must fail (``grade audit`` tries them).
    mistakes: tuple[Mistake, ...] = ()
    # Pictures of what each exercise makes of the lesson's own data (see ``showcase``).
    showcases: tuple[Showcase, ...] = ()
    # The late policy, unless ``grade --late-penalty`` gives one (see ``gradebook.late``): the
    # deadline as ISO 8601 ("2026-12-01T23:59+01:00") and the rule ("10%/day, max 50%").
    deadline: str = ""
    late_penalty: str = ""

    def __post_init__(self):
        self.checking_order()  # raises if a stand-in names no exercise, or they go round
        self._check_showcases()

    def _check_showcases(self) -> None:
        names = [exercise.name for exercise in (*self.helpers, *self.exercises)]
        titles = [(showcase.exercise, showcase.title) for showcase in self.showcases]
        for showcase in self.showcases:
            if showcase.exercise not in names:
                raise AssignmentError(
                    f"the showcase {showcase.title!r} of {self.name!r} must name one of its "
                    f"exercises ({', '.join(names)}), not {showcase.exercise!r}"
                )
            if titles.count((showcase.exercise, showcase.title)) > 1:
                raise AssignmentError(
                    f"{showcase.exercise!r} of {self.name!r} has two showcases titled "
                    f"{showcase.title!r}: give each its own title"
                )

    def showcases_of(self, exercise: str) -> tuple[Showcase, ...]:
        return tuple(showcase for showcase in self.showcases if showcase.exercise == exercise)

    @property
    def points(self) -> float:
        return sum(exercise.points for exercise in self.exercises)

    def checking_order(self) -> tuple[Exercise, ...]:
        """The graded exercises and helpers, each after the helpers its stand-ins need."""
        names = [exercise.name for exercise in (*self.helpers, *self.exercises)]
        for exercise in (*self.helpers, *self.exercises):
            for stand_in in exercise.stand_ins:
                if stand_in.function not in names or stand_in.function == exercise.name:
                    raise AssignmentError(
                        f"the stand-in for {stand_in.function!r} in {exercise.name!r} must name "
                        f"another exercise of {self.name!r}: one of {', '.join(names)}"
                    )
        order: list[Exercise] = []
        pending = [*self.helpers, *self.exercises]
        while pending:
            done = {exercise.name for exercise in order}
            ready = [e for e in pending if all(s.function in done for s in e.stand_ins)]
            if not ready:
                raise AssignmentError(
                    f"the stand-ins of {', '.join(e.name for e in pending)} need each other"
                )
            order.append(ready[0])
            pending.remove(ready[0])
        return tuple(order)

    def only(self, names: Sequence[str] | None) -> Assignment:
        """The assignment with just the named exercises (all of them when ``names`` is empty)."""
        if not names:
            return self
        known = [exercise.name for exercise in self.exercises]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise UsageError(
                f"no exercise named {', '.join(unknown)}; choose from {', '.join(known)}"
            )
        chosen = tuple(e for e in self.exercises if e.name in names)
        needed = {s.function for e in chosen for s in e.stand_ins}
        while True:  # the helpers' own stand-ins may need more helpers
            more = needed | {
                s.function for e in self.exercises if e.name in needed for s in e.stand_ins
            }
            if more == needed:
                break
            needed = more
        helpers = tuple(e for e in self.exercises if e.name in needed and e.name not in names)
        showcases = tuple(s for s in self.showcases if s.exercise in names)
        return dataclasses.replace(self, exercises=chosen, helpers=self.helpers + helpers,
                                   showcases=showcases)

    def exercise(self, name: str) -> Exercise:
        """The graded exercise or helper called ``name``."""
        return next(e for e in (*self.helpers, *self.exercises) if e.name == name)

    def expected_path(self) -> Path:
        return self.folder / self.expected_file

    def data_paths(self) -> list[Path]:
        return [self.folder / name for name in self.data_files]

    def reference_files(self) -> ReferenceFiles:
        """Where the reference solutions lie, found without importing them (their package's
        ``__init__`` aside), if they are installed."""
        def origin(name: str):
            try:
                return importlib.util.find_spec(name)
            except ImportError:  # a parent package that is not there
                return None

        module, package = origin(self.reference), origin(self.reference.split(".")[0])
        folders = list(package.submodule_search_locations or []) if package else []
        return ReferenceFiles(
            Path(module.origin) if module and module.origin else None,
            tuple(Path(folder) for folder in folders if Path(folder).is_dir()),
        )

    def secret_path(self) -> Path | None:
        """Where the lesson's secret lies: beside its reference module, as ``<lesson>.secret``
        (see ``model.secret``); None where the reference is not installed."""
        module = self.reference_files().module
        return module.parent / f"{self.name}.secret" if module else None

    def reference_functions(self) -> dict[str, Callable]:
        """The reference implementation of every exercise and helper, by name."""
        module = import_lesson_module(self.reference,
                                      f"the reference solutions of {self.name!r}")
        every = (*self.helpers, *self.exercises)
        missing = [e.name for e in every if not callable(getattr(module, e.name, None))]
        if missing:
            raise AssignmentError(f"{self.reference} does not define {', '.join(missing)}")
        return {exercise.name: getattr(module, exercise.name) for exercise in every}
