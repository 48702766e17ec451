"""Mutants of a reference function: copies of it with one typical student mistake put in.

``grade audit`` asks of each mutant whether the lesson's sub-checks fail it. The operators
change the reference's syntax tree the way students go wrong, whatever the lesson:

- off by one: a ``range`` or slice bound, or an integer added or subtracted, one more or one
  less; a shape or integer argument one more or one less; the result's last row or column
  dropped
- indices and axes: ``a[i, j]`` as ``a[j, i]``, ``shape[0]`` for ``shape[1]``, two axes of an
  ``einsum`` term swapped, a reduction over one of its axes only, a shape argument swapped
- flipped or transposed argument: an array argument upside down, mirrored, turned half a turn
  (a convolution's flipped kernel) or with its first two axes swapped
- sum and mean: the one for the other, an ``einsum`` that averages instead of summing, a
  de-meaning (``x - x.mean()``) dropped
- integer truncation: the result, or what ``dtype=float`` converts, as integers; the result in
  the first array argument's dtype
- output shape: the result transposed or flattened
- global instead of argument: the function reads a fixed value of the argument's name (as a
  notebook's demo image would be) instead of the argument it is given

Which operators apply is read from the reference's code and from sample inputs and outputs
(the stored ones): array arguments of two or more dimensions are flipped and transposed, tuple
arguments swapped, integer arguments shifted by one, results of two or more dimensions
transposed. Nothing here knows any lesson.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Literal

import numpy as np

HELPERS = "__mutation__"  # the name by which a mutant's inserted code reaches the helpers
VALUE = "__value__"  # stands for the returned value in the templates of RESULT_CHANGES
SAVED = "__argument__"  # the first array argument, as given, for a result in its dtype

Kind = Literal["mutant", "mistake"]


@dataclass(frozen=True)
class Mutant:
    """A wrong version of one exercise's function: generated, or a mistake the lesson declares."""

    exercise: str
    name: str  # what was changed, e.g. "`template.mean()` -> `template.sum()` (line 26)"
    family: str  # the kind of mistake it mirrors, e.g. "sum and mean"
    function: Callable = field(compare=False, repr=False)
    kind: Kind = "mutant"
    description: str = ""  # for a declared mistake: what the student did


def _flip(value, axis=None):
    return value[::-1] if isinstance(value, tuple) else np.flip(np.asarray(value), axis)


def _shift(value, by):
    return tuple(item + by for item in value) if isinstance(value, tuple) else value + by


def _einsum_mean(spec: str, *operands, **options):
    """``np.einsum(spec, ...)``, averaging over the summed letters instead of adding them."""
    inputs, output = spec.replace(" ", "").split("->")
    summed = "".join(dict.fromkeys(c for c in inputs if c.isalpha() and c not in output))
    full = np.einsum(f"{inputs}->{output}{summed}", *operands, **options)
    return full.mean(axis=tuple(range(len(output), full.ndim))) if summed else full


def _helpers(demo: dict) -> SimpleNamespace:
    return SimpleNamespace(
        np=np, flip=_flip, shift=_shift, einsum_mean=_einsum_mean, demo=demo,
        swap=lambda value: np.swapaxes(np.asarray(value), 0, 1),
        truncated=lambda value: np.asarray(value).astype(np.int64),
        like=lambda value, other: np.asarray(value).astype(np.asarray(other).dtype),
    )


# Syntax helpers ---------------------------------------------------------------------------


def _callee(node: ast.AST) -> str:
    """``range`` for ``range(...)``, ``sum`` for ``x.sum(...)`` or ``np.sum(...)``; else ""."""
    if not isinstance(node, ast.Call):
        return ""
    function = node.func
    return function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")


def _integer(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _integer(node.operand)
        return None if inner is None else -inner
    return None


def _plus(node: ast.expr, by: int) -> ast.expr:
    """``node + by``, folded into a constant it ends with: ``h - kh + 1`` one less is ``h - kh``."""
    value = _integer(node)
    if value is not None:
        total = value + by
        return ast.Constant(total) if total >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-total))
    left, total = node, by
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        right = _integer(node.right)
        if right is not None:
            left = node.left
            total += right if isinstance(node.op, ast.Add) else -right
    if total == 0:
        return left
    return ast.BinOp(left, ast.Add() if total > 0 else ast.Sub(), ast.Constant(abs(total)))


def _expression(text: str, **parts: ast.expr) -> ast.expr:
    """``text`` parsed, each name in ``parts`` replaced by its node."""
    tree = ast.parse(text, mode="eval").body

    class Fill(ast.NodeTransformer):
        def visit_Name(self, node):
            return parts.get(node.id, node)

    return Fill().visit(tree)


def _helper_call(name: str, *arguments: ast.expr, keywords=()) -> ast.Call:
    function = ast.Attribute(ast.Name(HELPERS, ast.Load()), name, ast.Load())
    return ast.Call(function, list(arguments), list(keywords))


def _is_float(node: ast.AST) -> bool:
    names = {"float", "float64", "float32", "double"}
    return (isinstance(node, ast.Name) and node.id in names
            or isinstance(node, ast.Attribute) and node.attr in names
            or isinstance(node, ast.Constant) and node.value in names)


# Operators on one node: each yields the nodes that may replace it --------------------------


def _off_by_one(node: ast.AST) -> Iterator[ast.AST]:
    if _callee(node) == "range" and 1 <= len(node.args) <= 2 and not node.keywords:
        *start, stop = node.args
        yield ast.Call(node.func, [*start, _plus(stop, -1)], [])
        yield ast.Call(node.func, [*start, _plus(stop, 1)], [])
        if start:
            yield ast.Call(node.func, [_plus(start[0], 1), stop], [])
    elif isinstance(node, ast.Slice):
        if node.lower is not None:
            yield ast.Slice(_plus(node.lower, 1), node.upper, node.step)
        if node.upper is not None:
            yield ast.Slice(node.lower, _plus(node.upper, -1), node.step)
            yield ast.Slice(node.lower, _plus(node.upper, 1), node.step)
    elif (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))
          and _integer(node.right) is not None):
        yield _plus(node, -1)
        yield _plus(node, 1)


def _swapped(items: list, index: int) -> list:
    items = list(items)
    items[index], items[index + 1] = items[index + 1], items[index]
    return items


def _einsum_specs(spec: str) -> Iterator[str]:
    """``spec`` with two neighbouring letters of one of its terms swapped."""
    inputs, output = spec.replace(" ", "").split("->")
    terms = [*inputs.split(","), output]
    for number, term in enumerate(terms):
        for index in range(len(term) - 1):
            if term[index] != term[index + 1]:
                changed = terms[:number] + ["".join(_swapped(term, index))] + terms[number + 1:]
                yield ",".join(changed[:-1]) + "->" + changed[-1]


def _indices_and_axes(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
        for index in range(len(node.slice.elts) - 1):
            swapped = ast.Tuple(_swapped(node.slice.elts, index), ast.Load())
            yield ast.Subscript(node.value, swapped, node.ctx)
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "shape" and _integer(node.slice) is not None):
        position = _integer(node.slice)
        other = position + 1 if position % 2 == 0 else position - 1  # 0 <-> 1, -1 <-> -2
        yield ast.Subscript(node.value, _plus(ast.Constant(0), other), node.ctx)
    if _callee(node) == "einsum" and node.args and isinstance(node.args[0], ast.Constant):
        spec = node.args[0].value
        if isinstance(spec, str) and "->" in spec and "." not in spec:
            for changed in _einsum_specs(spec):
                yield ast.Call(node.func, [ast.Constant(changed), *node.args[1:]], node.keywords)
    if isinstance(node, ast.Call):
        for position, keyword in enumerate(node.keywords):
            if keyword.arg == "axis" and isinstance(keyword.value, ast.Tuple):
                for axis in keyword.value.elts:
                    keywords = list(node.keywords)
                    keywords[position] = ast.keyword("axis", axis)
                    yield ast.Call(node.func, node.args, keywords)


def _sum_and_mean(node: ast.AST) -> Iterator[ast.AST]:
    callee = _callee(node)
    if callee in ("sum", "mean"):
        function = copy.copy(node.func)
        other = "mean" if callee == "sum" else "sum"
        if isinstance(function, ast.Name):
            function.id = other
        else:
            function.attr = other
        yield ast.Call(function, node.args, node.keywords)
    if callee == "einsum" and node.args and isinstance(node.args[0], ast.Constant):
        spec = node.args[0].value
        if isinstance(spec, str) and "->" in spec and "." not in spec:
            yield (_helper_call("einsum_mean", *node.args, keywords=node.keywords),
                   "averaging instead of summing")
    if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub)
            and _callee(node.right) == "mean"):
        yield node.left  # the de-meaning dropped


def _integers(node: ast.AST) -> Iterator[ast.AST]:
    if not isinstance(node, ast.Call):
        return
    for position, keyword in enumerate(node.keywords):
        if keyword.arg == "dtype" and _is_float(keyword.value):
            keywords = list(node.keywords)
            keywords[position] = ast.keyword("dtype", ast.Name("int", ast.Load()))
            yield ast.Call(node.func, node.args, keywords)
    if _callee(node) == "astype" and node.args and _is_float(node.args[0]):
        yield ast.Call(node.func, [ast.Name("int", ast.Load()), *node.args[1:]], node.keywords)


SITE_OPERATORS: tuple[tuple[str, Callable[[ast.AST], Iterator[ast.AST]]], ...] = (
    ("off by one", _off_by_one),
    ("indices and axes", _indices_and_axes),
    ("sum and mean", _sum_and_mean),
    ("integer truncation", _integers),
)

# What every ``return`` gives back instead: (family, description, template, least dimensions
# of the reference's result it applies to).
RESULT_CHANGES = (
    ("integer truncation", "result truncated to integers", f"{HELPERS}.truncated({VALUE})", 0),
    ("output shape", "result transposed", f"{HELPERS}.swap({VALUE})", 2),
    ("output shape", "result flattened", f"{HELPERS}.np.ravel({VALUE})", 2),
    ("off by one", "result's last row dropped", f"{HELPERS}.np.asarray({VALUE})[:-1]", 1),
    ("off by one", "result's last column dropped", f"{HELPERS}.np.asarray({VALUE})[:, :-1]", 2),
)
RESULT_LIKE = ("integer truncation", "result in the dtype of `{name}`",
               f"{HELPERS}.like({VALUE}, {SAVED})")


# Changes at the start of the function, to one argument --------------------------------------


def _argument_kind(values: Sequence) -> str:
    """"array" (two or more dimensions), "shape" (a tuple of integers), "int", or ""."""
    if values and all(isinstance(v, np.ndarray) and v.ndim >= 2 for v in values):
        return "array"
    if values and all(isinstance(v, tuple) and v and all(
            isinstance(i, (int, np.integer)) for i in v) for v in values):
        return "shape"
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                      for v in values):
        return "int"
    return ""


def _argument_changes(name: str, values: Sequence) -> Iterator[tuple[str, str, str]]:
    """(family, description, new value of the argument) for one argument."""
    kind = _argument_kind(values)
    if kind == "array":
        dimensions = min(np.ndim(value) for value in values)
        for axis in range(dimensions):
            yield ("flipped or transposed argument", f"`{name}` flipped along axis {axis}",
                   f"{HELPERS}.flip({name}, {axis})")
        yield ("flipped or transposed argument", f"`{name}` turned half a turn (flipped along "
               "every axis)", f"{HELPERS}.flip({name})")
        yield ("flipped or transposed argument", f"`{name}` transposed (first two axes swapped)",
               f"{HELPERS}.swap({name})")
    if kind == "shape" and min(len(value) for value in values) >= 2:
        yield ("indices and axes", f"`{name}` swapped (reversed)", f"{HELPERS}.flip({name})")
    if kind in ("shape", "int"):
        for by in (-1, 1):
            yield ("off by one", f"`{name}` {'one less' if by < 0 else 'one more'}",
                   f"{HELPERS}.shift({name}, {by})")
    yield ("global instead of argument", f"uses a global `{name}` instead of its argument",
           f"{HELPERS}.demo[{name!r}]")


def _first_statement(function: ast.FunctionDef) -> int:
    """Where code goes in at the start of ``function``: after its docstring."""
    body = function.body
    docstring = body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    return 1 if docstring and len(body) > 1 else 0


def _with_first(function: ast.FunctionDef, statement: str) -> ast.FunctionDef:
    changed = copy.deepcopy(function)
    changed.body.insert(_first_statement(changed), ast.parse(statement).body[0])
    return changed


# Mutants of one function ------------------------------------------------------------------


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
                node.value = _expression(template, **{VALUE: node.value})
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
    namespace[HELPERS] = _helpers(demo)
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
    kinds = [_argument_kind(values) for values in columns]
    largest = max(inputs, key=lambda arguments: sum(np.size(a) for a in arguments), default=())
    demo = dict(zip(parameters, largest))
    dimensions = min((np.ndim(output) for output in outputs), default=0)
    changes = list(_site_changes(function, first_line))
    for name, values in zip(parameters, columns):
        changes += [(family, description, _with_first(function, f"{name} = {value}"))
                    for family, description, value in _argument_changes(name, values)]
    changes += list(_result_changes(function, parameters, kinds, dimensions))
    seen, made = {ast.unparse(function)}, []
    for family, description, changed in changes:
        code = ast.unparse(changed)
        compiled = None if code in seen else _compiled(changed, reference, demo)
        seen.add(code)
        if compiled is not None:
            made.append(Mutant(exercise, description, family, compiled))
    return made, ""
