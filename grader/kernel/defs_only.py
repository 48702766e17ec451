"""Fast mode (``--defs-only``): run what the graded functions need, not the demo cells.

Nearly all the time a notebook of this lesson takes goes to demo cells that call the student's
functions on a whole photo. In fast mode each code cell's top-level statements are sorted here,
in the grader's process, before the notebook runs:

- kept: imports, function and class definitions, and every statement that uses neither a
  function or class the notebook defines nor a value that a skipped statement made;
- kept too: whatever else the graded functions read, directly or through each other (such as
  ``SCALE = make_scale()`` when ``convolve`` reads ``SCALE``), with all that it needs in turn;
- skipped: the rest, such as ``blurred = convolve(photo, kernel)``, and then every statement
  that reads ``blurred``.

So setup code (imports, loading the photo, building kernels) runs as in a full run, and so does
anything that stops a notebook, like a cell that ends its kernel; only the work done with the
student's functions is left out. Skipped statements are blanked, not removed, so line numbers
in errors are the notebook's. A cell that does not parse, or whose lines IPython syntax changes
(a cell magic), runs whole.

Where fast mode can still differ from a full run: a skipped statement that would have raised
before a definition later in its cell (a full run never reaches that definition); a value that
a skipped call changes in place (``fill(kernel)``, where ``fill`` is the notebook's); names made
through ``globals()`` or ``exec``. When a graded function then meets a name that only skipped
code defines, ``Sliced.explain`` says so for that submission.

A restart after a notebook's kernel was lost (see ``pipeline``) runs a stricter slice,
``keep_definitions(..., setup=False)``: imports, definitions and what the graded functions read,
and no other setup, since a statement such as ``os._exit(1)`` or an endless loop uses none of the
notebook's functions and would end the new kernel as it ended the first.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import re
import symtable
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import nbformat

from ..model.results import CellFailure, ExerciseResult

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_DEFINES = re.compile(r"^(?:async\s+def|def|class)\s", re.MULTILINE)  # at the top level of a cell


@dataclass(frozen=True)
class _Unit:
    """Top-level statements of one cell that share lines, and the names they use."""

    cell: int  # position of the cell in the notebook
    first: int  # first and last line in the cell, 1-based
    last: int
    binds: frozenset[str] = frozenset()
    touches: frozenset[str] = frozenset()  # changed in place: x[i] = ..., x.a = ..., x.append()
    reads: frozenset[str] = frozenset()  # read when the statements run
    later_reads: frozenset[str] = frozenset()  # read when a function they define is called
    definition: bool = False  # only imports, function and class definitions
    functions: frozenset[str] = frozenset()  # names of the functions and classes it defines
    modules: frozenset[str] = frozenset()  # names it imports
    whole: bool = False  # the cell runs as it is
    spelled: frozenset[str] = frozenset()  # names in its strings and keywords (exec, globals())


def _global_reads(table: symtable.SymbolTable) -> set[str]:
    """Module-level names read anywhere in a scope and the scopes inside it."""
    names = {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
    for child in table.get_children():
        names |= _global_reads(child)
    return names


def _base_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _changed_in_place(statement: ast.stmt) -> set[str]:
    """Names whose value the statement changes without rebinding them."""
    names = set()
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        targets: list[ast.expr] = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
              and isinstance(node.value.func, ast.Attribute)):  # kernel.fill(0), weights.append(w)
            targets = [node.value.func]
        for target in targets:
            for part in ast.walk(target) if isinstance(target, (ast.Tuple, ast.List)) else [target]:
                if isinstance(part, (ast.Attribute, ast.Subscript)):
                    names.add(_base_name(part))
        pending.extend(
            child for child in ast.iter_child_nodes(node) if not isinstance(child, scopes)
        )
    return {name for name in names if name is not None}


def _spelled(node: ast.AST) -> set[str]:
    """Names written as keywords or inside strings, which ``exec`` or ``globals()`` can define."""
    names = set()
    for part in ast.walk(node):
        if isinstance(part, ast.keyword) and part.arg:
            names.add(part.arg)
        elif isinstance(part, ast.Constant) and isinstance(part.value, str):
            names.update(_IDENTIFIER.findall(part.value))
    return names


def _statement(cell: int, statement: ast.stmt) -> _Unit:
    table = symtable.symtable(ast.unparse(statement), "<cell>", "exec")
    top = table.get_symbols()
    nested = set().union(*(_global_reads(child) for child in table.get_children()))
    definition = isinstance(
        statement, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    )
    function = isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
    named = (statement.name if isinstance(
        statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else None)
    decorators = getattr(statement, "decorator_list", [])
    return _Unit(
        cell=cell,
        first=min([statement.lineno, *(d.lineno for d in decorators)]),
        last=statement.end_lineno or statement.lineno,
        binds=frozenset(s.get_name() for s in top if s.is_assigned() or s.is_imported()),
        touches=frozenset(_changed_in_place(statement)),
        reads=frozenset(
            {s.get_name() for s in top if s.is_referenced()} | (set() if function else nested)
        ),
        later_reads=frozenset(nested if function else ()),
        definition=definition,
        functions=frozenset([named] if named is not None else ()),
        modules=frozenset(s.get_name() for s in top if s.is_imported()),
        spelled=frozenset(_spelled(statement)),
    )


def _merge(units: Sequence[_Unit]) -> _Unit:
    first = units[0]
    return _Unit(
        cell=first.cell,
        first=first.first,
        last=max(unit.last for unit in units),
        binds=frozenset().union(*(u.binds for u in units)),
        touches=frozenset().union(*(u.touches for u in units)),
        reads=frozenset().union(*(u.reads for u in units)),
        later_reads=frozenset().union(*(u.later_reads for u in units)),
        definition=all(u.definition for u in units),
        functions=frozenset().union(*(u.functions for u in units)),
        modules=frozenset().union(*(u.modules for u in units)),
        spelled=frozenset().union(*(u.spelled for u in units)),
    )


@functools.cache
def _transformer():
    from IPython.core.inputtransformer2 import (
        TransformerManager,  # only fast mode needs IPython
    )

    return TransformerManager()


def _python(source: str) -> str:
    """The cell as the kernel compiles it: IPython syntax (``%magic``, ``!cmd``) made Python."""
    return _transformer().transform_cell(source)


def _leading_blank_lines(source: str) -> int:
    """The blank lines a cell starts with, which IPython drops before it compiles the cell."""
    lines = source.split("\n")
    return next((number for number, line in enumerate(lines) if line.strip()), len(lines))


def _units(cell: int, source: str) -> list[_Unit]:
    lines = source.count("\n") + 1
    blank = _leading_blank_lines(source)
    try:
        python = _python(source)
        units = [_moved(_statement(cell, statement), blank)
                 for statement in ast.parse(python).body]
    except Exception:  # does not compile (or not here): it runs whole, as in a full run
        return [_Unit(cell, 1, lines, whole=True)]
    if not units:
        return []
    # A cell magic changes the number of lines; the blank lines IPython drops at the top do not.
    if python.rstrip("\n").count("\n") + blank != source.rstrip("\n").count("\n"):
        return [dataclasses.replace(_merge(units), first=1, last=lines, whole=True)]
    groups: list[list[_Unit]] = []
    for unit in units:
        if groups and unit.first <= groups[-1][-1].last:  # a; b on one line: keep or skip both
            groups[-1].append(unit)
        else:
            groups.append([unit])
    return [_merge(group) for group in groups]


def _moved(unit: _Unit, lines: int) -> _Unit:
    """``unit`` with its lines counted from ``lines`` further down."""
    return dataclasses.replace(unit, first=unit.first + lines, last=unit.last + lines)


@dataclass(frozen=True)
class Sliced:
    """The notebook to run in fast mode, and what was left out of it."""

    notebook: nbformat.NotebookNode
    skipped: dict[str, int]  # a name only skipped code defines -> its first cell (1-based)

    def explain(
        self, exercises: Iterable[ExerciseResult], cell_failures: Iterable[CellFailure] = ()
    ) -> str:
        """Why this submission may be graded otherwise than in a full run, or "" if none is seen."""
        needs = self.needed(exercises, cell_failures)
        return needs and (
            f"Fast mode (--defs-only) left out code this submission needed: {needs}. "
            "Grade it without --defs-only."
        )

    def needed(
        self, exercises: Iterable[ExerciseResult], cell_failures: Iterable[CellFailure] = ()
    ) -> str:
        """Which names skipped code makes were needed, and by what, as a phrase ("" if none)."""
        found: dict[tuple[str, str], None] = {}
        for exercise in exercises:
            if exercise.undefined and exercise.name in self.skipped:
                found[(f"`{exercise.name}`", exercise.name)] = None
            for check in exercise.checks:
                if check.missing_name in self.skipped:
                    found[(f"`{exercise.name}`", check.missing_name)] = None
        for failure in cell_failures:
            if failure.missing_name in self.skipped:
                found[(f"cell {failure.index}", failure.missing_name)] = None
        return "; ".join(
            f"`{name}` is made only by skipped code (cell {self.skipped[name]})"
            if who == f"`{name}`"
            else f"{who} needed `{name}`, skipped in cell {self.skipped[name]}"
            for who, name in found
        )


def keep_definitions(
    notebook: nbformat.NotebookNode, graded: Iterable[str], *, setup: bool = True
) -> Sliced:
    """A copy of ``notebook`` in which only what fast mode keeps is left to run (see above).

    With ``setup=False`` only imports, definitions and what the graded functions read are kept,
    not the other statements that use none of the notebook's functions: a restart after the
    kernel was lost runs this, since one of those statements may be what ended the kernel. A
    cell that runs whole (a cell magic) is kept then only if a line of it starts a function or
    class definition.
    """
    cells = [
        (index, cell) for index, cell in enumerate(notebook.cells)
        if cell.get("cell_type") == "code" and cell.source.strip()
    ]
    units = [unit for index, cell in cells for unit in _units(index, cell.source)]
    sources = {index: cell.source for index, cell in cells}
    # A call on a module, such as np.unravel_index(...), is taken to read it, not to change it.
    modules = set().union(*(unit.modules for unit in units))
    units = [dataclasses.replace(unit, touches=unit.touches - modules) for unit in units]
    kept = _kept(units, _wanted(units, graded), sources, setup)

    sliced = copy.deepcopy(notebook)  # the original stays as it is
    for index, cell in cells:
        mine = [(unit, keep) for unit, keep in zip(units, kept) if unit.cell == index]
        if all(keep for _, keep in mine):
            continue
        lines = cell.source.split("\n")
        for unit, keep in mine:
            if not keep:  # blanked, so that the lines after it keep their numbers
                lines[unit.first - 1 : unit.last] = [""] * (unit.last - unit.first + 1)
        sliced.cells[index].source = "\n".join(lines) if any(keep for _, keep in mine) else ""

    bound = set().union(*(unit.binds for unit, keep in zip(units, kept) if keep))
    skipped: dict[str, int] = {}
    for unit, keep in zip(units, kept):
        for name in (unit.binds | unit.touches | unit.spelled) - bound if not keep else ():
            skipped.setdefault(name, unit.cell + 1)
    return Sliced(sliced, skipped)


def _wanted(units: list[_Unit], graded: Iterable[str]) -> set[int]:
    """The units the graded functions need, directly or through each other: they must run."""
    needed = set(graded).union(*(unit.reads for unit in units if unit.definition or unit.whole))
    wanted: set[int] = set()
    grew = True
    while grew:
        grew = False
        for number, unit in enumerate(units):
            if number not in wanted and (unit.binds | unit.touches) & needed:
                wanted.add(number)
                needed |= unit.reads | unit.later_reads
                grew = True
    return wanted


def _kept(units: list[_Unit], wanted: set[int], sources: dict[int, str],
          setup: bool) -> list[bool]:
    """For each unit, in order, whether it runs: what is ``wanted``, definitions, and (with
    ``setup``) what uses neither the notebook's own functions nor a value skipped code made."""
    defined = set().union(*(unit.functions for unit in units))
    made_by_skipped: set[str] = set()
    kept: list[bool] = []
    for number, unit in enumerate(units):
        if setup:
            keep = (
                unit.whole or unit.definition or number in wanted
                or not unit.reads & (defined | made_by_skipped)
            )
        else:
            keep = (
                unit.definition or number in wanted
                or (unit.whole and bool(_DEFINES.search(sources[unit.cell])))
            )
        if keep:
            made_by_skipped -= unit.binds
        else:
            made_by_skipped |= unit.binds | unit.touches
        kept.append(keep)
    return kept
