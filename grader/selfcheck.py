"""Check the exercises from inside a running notebook, without re-running it.

    from grader import check
    check()             # every exercise
    check("convolve")   # just one

The functions are called as they are defined in the notebook's kernel right now. Expected
outputs always come from the outputs stored with the assignment: the reference solutions never
enter a student's process, even where they are installed. The inputs are the ones final grading
tries, so the verdicts are the ones it gives.
"""

from __future__ import annotations

from .judge.exercises import check_exercises
from .judge.oracle import make_oracle
from .kernel.calls import FunctionCaller, LocalTransport
from .model.errors import UsageError
from .model.lessons import choose_lesson
from .model.results import SubmissionResult
from .model.settings import DEFAULT_PROFILE, PROFILES, Settings
from .output.report import feedback_markdown


def _user_namespace() -> dict:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise UsageError("check() looks for your functions in a running notebook; "
                         "elsewhere call check(namespace=globals())")
    return shell.user_ns


def _show(markdown: str) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(markdown))
    else:
        print(markdown)


def check(
    *exercises: str,
    namespace: dict | None = None,
    assignment: str | None = None,
    settings: Settings | None = None,
) -> SubmissionResult:
    """Check the named exercises (all when none are named) and show the feedback.

    Returns the result; end the cell with ``;`` (or assign it) to show only the feedback.
    """
    namespace = _user_namespace() if namespace is None else namespace
    defined = [name for name, value in list(namespace.items()) if callable(value)]
    lesson = choose_lesson(assignment, names=defined, how_to_say='check(assignment="...")')
    chosen = lesson.only(exercises)
    oracle = make_oracle(chosen, use_reference=False)
    settings = settings or PROFILES[DEFAULT_PROFILE]
    caller = FunctionCaller(LocalTransport(namespace), settings.call_timeout)
    results, _ = check_exercises(chosen, caller, oracle, settings)
    result = SubmissionResult("this notebook", "", "graded", results, mode=oracle.mode)
    _show(feedback_markdown(result))
    return result
