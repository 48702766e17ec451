"""Grading settings: immutable, documented where declared, and offered as named profiles."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .errors import UsageError

SANDBOX_MODES = ("auto", "on", "off")


def _option(default, help: str, choices: tuple[str, ...] = ()):
    return field(default=default, metadata={"help": help, "choices": choices})


@dataclass(frozen=True)
class Settings:
    """How thoroughly and how patiently a submission is graded."""

    max_examples: int = _option(
        100, "generated inputs tried per sub-check before it passes (more finds rarer bugs)"
    )
    cell_timeout: float = _option(
        60.0, "seconds one notebook cell may run before it is interrupted and execution goes on"
    )
    total_timeout: float = _option(
        600.0, "seconds the whole notebook may run; cells after that are not run"
    )
    call_timeout: float = _option(
        10.0, "seconds one call of a student's function may take before that check fails"
    )
    check_timeout: float = _option(
        60.0, "seconds one sub-check may spend calling a student's function (a correct "
        "function of the lesson needs well under one); past it, the sub-check times out"
    )
    shrink_timeout: float = _option(
        10.0, "seconds of a sub-check spent looking for a smaller failing input once one "
        "fails; past it, the smallest found so far is shown"
    )
    submission_timeout: float = _option(
        900.0, "seconds one submission may take in all: running the notebook, restarts and "
        "every check; past it, what is left is not run and counts as timed out"
    )
    held_out_examples: int = _option(
        25, "held-out inputs tried per sub-check in final grading, besides the stored ones: "
        "drawn for each notebook with the lesson's secret, never shown to students unless "
        "one fails (needs the reference solutions)"
    )
    startup_timeout: float = _option(60.0, "seconds to wait for a new kernel to answer")
    memory_limit: float = _option(
        4.0, "GiB of memory (address space) a notebook's kernel may use; past it, MemoryError"
    )
    cpu_limit: float = _option(
        1800.0, "seconds of CPU time a notebook's kernel may use; past it, the kernel is ended"
    )
    file_size_limit: float = _option(
        1024.0, "MiB a notebook may write to one file; past it, the write fails"
    )
    open_files_limit: int = _option(1024, "files a notebook's kernel may have open at once")
    process_limit: int = _option(
        256, "processes and threads a notebook's kernel may have at once (in the sandbox only)"
    )
    output_limit: float = _option(
        1.0, "MiB of output kept per cell; past it, the rest is dropped with a note"
    )
    sandbox: str = _option(
        "auto", "run each kernel in a bubblewrap sandbox: no network, no view of other files, "
        "no capabilities (as root, a user id of its own; otherwise, user namespaces). auto: "
        "where bwrap can make one, and as root where it cannot, as an unprivileged user of its "
        "own; on: refuse to grade without the sandbox; off: never",
        choices=SANDBOX_MODES,
    )
    hide_held_out: bool = _option(
        False, "do not show in the feedback the held-out input a function fails on (before "
        "the due date, say); the feedback still says that one failed"
    )
    defs_only: bool = _option(
        False, "fast mode: run imports, definitions and the setup they use, but not the demo "
        "code that calls the notebook's own functions; says per submission if that left out "
        "something a graded function needed"
    )

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def options(cls) -> list[dataclasses.Field]:
        """The settings that take a value, such as ``--max-examples 30``."""
        return [option for option in dataclasses.fields(cls) if option.type != "bool"]

    @classmethod
    def flags(cls) -> list[dataclasses.Field]:
        """The settings that are off unless named, such as ``--defs-only``."""
        return [option for option in dataclasses.fields(cls) if option.type == "bool"]


PROFILES: dict[str, Settings] = {
    # Final grading: the most inputs; every student meets the same ones.
    "thorough": Settings(),
    # Trying a change out: fewer inputs, drawn afresh (so the reference solutions are needed).
    "quick": Settings(max_examples=30),
}
DEFAULT_PROFILE = "thorough"
# The inputs per sub-check that `grade freeze` stores, and so those final grading tries.
MAX_EXAMPLES = PROFILES[DEFAULT_PROFILE].max_examples
# The most values an array may have to be shown in full: printed as a literal, drawn as a grid
# with every differing cell marked. A larger one is summarised.
MAX_ELEMENTS = 400


def get_profile(name: str) -> Settings:
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(
            f"no settings profile named {name!r}; choose one of: {', '.join(PROFILES)}"
        ) from None
