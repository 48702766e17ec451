"""Mutants of a reference function: copies of it with one typical student mistake put in.

``grade audit`` asks of each mutant whether the lesson's sub-checks fail it. Each operator of
``mutation`` is applied at each place it fits, one change per mutant; none is kept twice, nor
one that reads as the reference. Which operators apply is read from the reference's code and
from sample inputs and outputs (the stored ones): array arguments of two or more dimensions
are flipped and transposed, tuple arguments swapped, integer arguments shifted by one, results
of two or more dimensions transposed. A mutant runs with the reference's module globals, so the
functions it calls are the reference's.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .mutation import (
    HELPERS,
    RESULT_CHANGES,
    RESULT_LIKE,
    SAVED,
    SITE_OPERATORS,
    VALUE,
    argument_changes,
    argument_kind,
    expression,
    helpers,
)

Kind = Literal["mutant", "mistake"]


@dataclass(frozen=True)
class Mutant:
    """A wrong version of one exercise's function: generated, or a mistake the lesson declares."""

    exercise: str
    name: str  # what was changed, e.g. "line 26: `template.mean()` -> `template.sum()`"
    family: str  # the kind of mistake it mirrors, e.g. "sum and mean"
    function: Callable = field(compare=False, repr=False)
    kind: Kind = "mutant"
    description: str = ""  # for a declared mistake: what the student did


def _first_statement(function: ast.FunctionDef) -> int:
    """Where code goes in at the start of ``function``: after its docstring."""
    body = function.body
    docstring = body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    return 1 if docstring and len(body) > 1 else 0


def _with_first(function: ast.FunctionDef, statement: str) -> ast.FunctionDef:
    changed = copy.deepcopy(function)
    changed.body.insert(_first_statement(changed), ast.parse(statement).body[0])
    return changed


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, ast.copy_location(new, old))
                return
            if isinstance(value, list) and any(item is old for item in value):
                value[[id(item) for item in value].index(id(old))] = ast.copy_location(new, old)
                return


def _change(old: ast.AST, new: ast.AST) -> str:
    """What changed, said briefly: only the argument that changed in a call, ``...`` for what
    a renamed call keeps."""
    if isinstance(old, ast.Call) and isinstance(new, ast.Call):
        old_parts, new_parts = [*old.args, *old.keywords], [*new.args, *new.keywords]
        same = len(old_parts) == len(new_parts) and [ast.dump(p) for p in old_parts] == [
            ast.dump(p) for p in new_parts]
        if same and ast.dump(old.func) != ast.dump(new.func):
            dots = "..." if old_parts else ""
            return f"`{ast.unparse(old.func)}({dots})` -> `{ast.unparse(new.func)}({dots})`"
        differing = [(a, b) for a, b in zip(old_parts, new_parts) if ast.dump(a) != ast.dump(b)]
        if (ast.dump(old.func) == ast.dump(new.func) and len(old_parts) == len(new_parts)
                and len(differing) == 1):
            before, after = differing[0]
            return (f"`{ast.unparse(before)}` -> `{ast.unparse(after)}` in "
                    f"`{ast.unparse(old.func)}(...)`")
    return f"`{_brief(old)}` -> `{_brief(new)}`"


def _brief(node: ast.AST, longest: int = 40) -> str:
    """``node`` as code; if longer than ``longest``, with the arguments of its calls as ``...``."""
    if len(ast.unparse(node)) <= longest:
        return ast.unparse(node)
    node = copy.deepcopy(node)
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        call.args, call.keywords = [ast.Name("...")] if call.args or call.keywords else [], []
    return ast.unparse(node)


def _site_changes(function: ast.FunctionDef, first_line: int
                  ) -> Iterator[tuple[str, str, ast.FunctionDef]]:
    """Every change one operator makes at one place of ``function``: a new node, or a new node
    and how to say what it does."""
    for index, node in enumerate(ast.walk(function)):
        for family, operator in SITE_OPERATORS:
            for number in range(len(list(operator(node)))):
                changed = copy.deepcopy(function)
                target = list(ast.walk(changed))[index]
                item = list(operator(target))[number]
                new, how = item if isinstance(item, tuple) else (item, "")
                change = f"`{_brief(target, 0)}` {how}" if how else _change(target, new)
                line = first_line + getattr(node, "lineno", 1) - 1
                _replace(changed, target, new)
                yield family, f"line {line}: {change}", changed


def _result_changes(function: ast.FunctionDef, parameters: list[str], kinds: list[str],
                    dimensions: int) -> Iterator[tuple[str, str, ast.FunctionDef]]:
    """Every ``return`` giving back something else."""
    changes = [change for change in RESULT_CHANGES if dimensions >= change[3]]
    arrays = [name for name, kind in zip(parameters, kinds) if kind == "array"]
    for family, description, template, *_ in changes + ([RESULT_LIKE] if arrays else []):
        changed = copy.deepcopy(function)
        if template == RESULT_LIKE[2]:
            changed = _with_first(changed, f"{SAVED} = {arrays[0]}")
            description = description.format(name=arrays[0])
        for node in ast.walk(changed):
            if isinstance(node, ast.Return) and node.value is not None:
                node.value = expression(template, **{VALUE: node.value})
        yield family, description, changed


def _parsed(reference: Callable) -> tuple[ast.FunctionDef, int] | None:
    try:
        lines, first_line = inspect.getsourcelines(reference)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return None
    if not tree.body or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    function = tree.body[0]
    function.decorator_list = []
    return function, first_line


def _compiled(function: ast.FunctionDef, reference: Callable, demo: dict) -> Callable | None:
    module = ast.fix_missing_locations(ast.Module([function], []))
    namespace = dict(reference.__globals__)
    namespace[HELPERS] = helpers(demo)
    try:
        exec(compile(module, f"<mutant of {reference.__qualname__}>", "exec"), namespace)
    except (SyntaxError, ValueError, TypeError):  # a change that does not make a function
        return None
    return namespace[function.name]


def mutants_of(exercise: str, reference: Callable, inputs: Sequence[tuple],
               outputs: Sequence) -> tuple[list[Mutant], str]:
    """Every mutant of ``reference`` the operators make, none twice and none the same code as
    the reference; and why there are none, if its source cannot be read.

    ``inputs`` and ``outputs`` are sample calls (the stored ones): they say what kind each
    argument is, how many dimensions the result has, and give the value a global takes (the
    largest input's, as a notebook's demo image would be).
    """
    parsed = _parsed(reference)
    if parsed is None:
        return [], (f"the source of {exercise}'s reference cannot be read as a function, so only "
                    "its declared mistakes are tried")
    function, first_line = parsed
    parameters = [argument.arg for argument in function.args.args]
    columns = [[arguments[i] for arguments in inputs if len(arguments) > i]
               for i in range(len(parameters))]
    kinds = [argument_kind(values) for values in columns]
    largest = max(inputs, key=lambda arguments: sum(np.size(a) for a in arguments), default=())
    demo = dict(zip(parameters, largest))
    dimensions = min((np.ndim(output) for output in outputs), default=0)
    changes = list(_site_changes(function, first_line))
    for name, values in zip(parameters, columns):
        changes += [(family, description, _with_first(function, f"{name} = {value}"))
                    for family, description, value in argument_changes(name, values)]
    changes += list(_result_changes(function, parameters, kinds, dimensions))
    seen, made = {ast.unparse(function)}, []
    for family, description, changed in changes:
        code = ast.unparse(changed)
        compiled = None if code in seen else _compiled(changed, reference, demo)
        seen.add(code)
        if compiled is not None:
            made.append(Mutant(exercise, description, family, compiled))
    return made, ""
