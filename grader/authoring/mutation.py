"""What a mutant changes in a reference function: the operators, which mirror students' mistakes.

Each operator changes the reference's syntax tree the way students go wrong, whatever the lesson:

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

Some change one place of the code (``SITE_OPERATORS``), some what every ``return`` gives back
(``RESULT_CHANGES``), some one argument as the function starts (``argument_changes``). The code
they insert reaches its helpers by the name ``HELPERS`` (see ``helpers``). Nothing here knows
any lesson.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator, Sequence
from types import SimpleNamespace
from typing import TypeVar

import numpy as np

HELPERS = "__mutation__"  # the name by which a mutant's inserted code reaches the helpers
VALUE = "__value__"  # stands for the returned value in the templates of RESULT_CHANGES
SAVED = "__argument__"  # the first array argument, as given, for a result in its dtype


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


def helpers(demo: dict) -> SimpleNamespace:
    """What the code operators insert calls, as ``HELPERS.<name>``; ``demo`` holds the value
    each argument's global has."""
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


def expression(text: str, **parts: ast.expr) -> ast.expr:
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
    return ((isinstance(node, ast.Name) and node.id in names)
            or (isinstance(node, ast.Attribute) and node.attr in names)
            or (isinstance(node, ast.Constant) and node.value in names))


# Operators on one node: each yields the nodes that may replace it --------------------------

T = TypeVar("T")
Change = ast.AST | tuple[ast.AST, str]  # a new node, or a new node and how to say what it does


def _off_by_one(node: ast.AST) -> Iterator[ast.AST]:
    if (isinstance(node, ast.Call) and _callee(node) == "range" and 1 <= len(node.args) <= 2
            and not node.keywords):
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


def _swapped(items: Sequence[T], index: int) -> list[T]:
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
            and node.value.attr == "shape" and (position := _integer(node.slice)) is not None):
        other = position + 1 if position % 2 == 0 else position - 1  # 0 <-> 1, -1 <-> -2
        yield ast.Subscript(node.value, _plus(ast.Constant(0), other), node.ctx)
    if (isinstance(node, ast.Call) and _callee(node) == "einsum" and node.args
            and isinstance(node.args[0], ast.Constant)):
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


def _sum_and_mean(node: ast.AST) -> Iterator[Change]:
    callee = _callee(node)
    if isinstance(node, ast.Call) and callee in ("sum", "mean"):
        function = copy.copy(node.func)
        other = "mean" if callee == "sum" else "sum"
        if isinstance(function, ast.Name):
            function.id = other
        elif isinstance(function, ast.Attribute):  # the only other callee _callee names
            function.attr = other
        yield ast.Call(function, node.args, node.keywords)
    if (isinstance(node, ast.Call) and callee == "einsum" and node.args
            and isinstance(node.args[0], ast.Constant)):
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


SITE_OPERATORS: tuple[tuple[str, Callable[[ast.AST], Iterator[Change]]], ...] = (
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


def argument_kind(values: Sequence) -> str:
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


def argument_changes(name: str, values: Sequence) -> Iterator[tuple[str, str, str]]:
    """(family, description, new value of the argument) for one argument."""
    kind = argument_kind(values)
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
