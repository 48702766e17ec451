"""Solution markers: how a cell of the solved notebook becomes the handout's cell, and the code
the reference is made of.

Block markers are lines of their own, with any indentation and any number of leading ``#``:

- ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` (nbgrader's): in the handout the block
  becomes, at the BEGIN line's indentation, ``# YOUR CODE HERE`` and
  ``raise NotImplementedError()`` (``YOUR ANSWER HERE`` in a markdown cell).
- ``### BEGIN PROMPT`` ... ``### END PROMPT`` right after a solution block: comment lines that
  the handout shows instead of the solution, each with one ``#`` (and one space after it, if
  there is one) taken off after its indentation, so ``# result[ih, iw] = ...`` becomes
  ``result[ih, iw] = ...`` and ``## Keep one of these:`` becomes ``# Keep one of these:``.
- ``### BEGIN SOLUTION NO PROMPT`` (otter's): the block is left out, with no stub.
- ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``: left out of the handout and of the
  reference.

A code line ending in ``# SOLUTION`` (otter's line marker) becomes ``x = ...`` when it assigns,
``return ...`` when it returns, and is left out otherwise. Markers cannot nest.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..model.errors import AuthoringError

SOLUTION, PROMPT, HIDDEN = "SOLUTION", "PROMPT", "HIDDEN TESTS"
MARKER = re.compile(
    r"^(?P<indent>[ \t]*)#+[ \t]*(?P<edge>BEGIN|END)[ \t]+"
    r"(?P<kind>SOLUTION|PROMPT|HIDDEN TESTS)(?P<no_prompt>[ \t]+NO PROMPT)?[ \t]*$"
)
LINE_MARKER = re.compile(r"^(?P<code>.*?)[ \t]*#[ \t]*SOLUTION[ \t]*$")
COMMENT = re.compile(r"^(?P<indent>[ \t]*)#(?: ?)(?P<rest>.*)$")
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = ("YOUR ANSWER HERE",)


@dataclass(frozen=True)
class Block:
    """Lines between a BEGIN and its END, with the PROMPT block that follows a solution."""

    kind: str  # SOLUTION or HIDDEN
    indent: str  # the BEGIN line's
    lines: tuple[str, ...]
    prompt: tuple[str, ...] | None = None  # None when no PROMPT block follows
    no_prompt: bool = False


def _marker(kind: str, edge: str) -> str:
    return f"### {edge} {kind}"


class _Parser:
    """Reads one cell's lines into plain lines and blocks; any misuse raises with the fix."""

    def __init__(self, source: str, where: str):
        self.lines = source.split("\n")
        self.where = where

    def fail(self, index: int, problem: str, fix: str) -> AuthoringError:
        return AuthoringError(f"{self.where}, line {index + 1}: {problem}; {fix}")

    def parse(self) -> list[str | Block]:
        parts: list[str | Block] = []
        index = 0
        while index < len(self.lines):
            found = MARKER.match(self.lines[index])
            if not found:
                parts.append(self.lines[index])
                index += 1
                continue
            kind, edge = found["kind"], found["edge"]
            if edge == "END":
                raise self.fail(index, f"`{_marker(kind, 'END')}` has no BEGIN before it",
                                f"add `{_marker(kind, 'BEGIN')}` above the lines it ends, or "
                                "delete it")
            if kind == PROMPT:
                raise self.fail(index, "a PROMPT block must come right after a SOLUTION block",
                                f"move it to the line after `{_marker(SOLUTION, 'END')}`")
            if found["no_prompt"] and kind != SOLUTION:
                raise self.fail(index, "only a SOLUTION block can be NO PROMPT",
                                "delete NO PROMPT")
            body, index = self._block(kind, index)
            block = Block(SOLUTION if kind == SOLUTION else HIDDEN, found["indent"], body,
                          no_prompt=bool(found["no_prompt"]))
            following = MARKER.match(self.lines[index]) if index < len(self.lines) else None
            if following and following["kind"] == PROMPT and following["edge"] == "BEGIN":
                if kind != SOLUTION or block.no_prompt:
                    raise self.fail(index, "a PROMPT block must come right after a SOLUTION "
                                    "block that is not NO PROMPT",
                                    "delete NO PROMPT or the PROMPT block")
                begin = index
                prompt, index = self._block(PROMPT, begin)
                self._check_prompt(prompt, begin)
                block = Block(SOLUTION, block.indent, body, prompt)
            parts.append(block)
        return parts

    def _block(self, kind: str, begin: int) -> tuple[tuple[str, ...], int]:
        """The lines of the block whose BEGIN line is ``begin``, and the index after its END."""
        for index in range(begin + 1, len(self.lines)):
            found = MARKER.match(self.lines[index])
            if not found:
                continue
            if found["edge"] == "BEGIN":
                raise self.fail(index, f"`{_marker(found['kind'], 'BEGIN')}` inside the {kind} "
                                f"block begun on line {begin + 1}",
                                f"markers cannot nest: end that block with "
                                f"`{_marker(kind, 'END')}` first")
            if found["kind"] != kind:
                raise self.fail(index, f"`{_marker(found['kind'], 'END')}` ends the {kind} "
                                f"block begun on line {begin + 1}",
                                f"end it with `{_marker(kind, 'END')}`")
            return tuple(self.lines[begin + 1 : index]), index + 1
        raise self.fail(begin, f"`{_marker(kind, 'BEGIN')}` has no END",
                        f"add `{_marker(kind, 'END')}` after the block's last line")

    def _check_prompt(self, lines: tuple[str, ...], begin: int) -> None:
        for offset, line in enumerate(lines):
            if line.strip() and not line.lstrip().startswith("#"):
                raise self.fail(begin + 1 + offset, "a PROMPT line that is not a comment would "
                                "run in the solved notebook",
                                "start it with `#` (the handout shows it without)")


def parse(source: str, where: str) -> list[str | Block]:
    """The cell's plain lines and marked blocks; ``where`` names the cell in error messages."""
    return _Parser(source, where).parse()


def _uncomment(line: str) -> str:
    found = COMMENT.match(line)
    return found["indent"] + found["rest"] if found else line


def _handed_out_line(line: str) -> str | None:
    """A plain code line as handed out: an otter line marker turned into its stub, or None
    when the line is left out."""
    found = LINE_MARKER.match(line)
    if not found:
        return line
    code = found["code"]
    indent, statement = code[: len(code) - len(code.lstrip())], code.strip()
    if statement == "return" or statement.startswith(("return ", "return(")):
        return f"{indent}return ..."
    try:
        tree = ast.parse(statement)
    except SyntaxError:
        return None
    node = tree.body[0] if len(tree.body) == 1 else None
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        return f"{indent}{statement[: node.value.col_offset].rstrip()} ..."
    return None


def _handout_lines(parts: list[str | Block], code: bool) -> Iterator[str]:
    for part in parts:
        if isinstance(part, str):
            line = _handed_out_line(part) if code else part
            if line is not None:
                yield line
        elif part.kind == SOLUTION and part.prompt is not None:
            yield from (_uncomment(line) for line in part.prompt)
        elif part.kind == SOLUTION and not part.no_prompt:
            yield from (part.indent + line for line in (CODE_STUB if code else MARKDOWN_STUB))


def handout_source(source: str, where: str, code: bool = True) -> str:
    """The cell's source as handed out (``code`` False for a markdown cell)."""
    return "\n".join(_handout_lines(parse(source, where), code))


def _solution_line(line: str) -> str | None:
    found = LINE_MARKER.match(line)
    if not found:
        return line
    return found["code"] if found["code"].strip() else None


def solution_source(source: str, where: str) -> str:
    """The cell's code with its solutions and without markers, prompts or hidden tests."""
    lines: list[str] = []
    for part in parse(source, where):
        if isinstance(part, Block):
            if part.kind == HIDDEN:
                continue
            candidates = part.lines
        else:
            candidates = (part,)
        lines += [line for line in map(_solution_line, candidates) if line is not None]
    return "\n".join(lines)
