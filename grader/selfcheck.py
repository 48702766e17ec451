"""Check the exercises from inside a running notebook, without re-running it.

    from grader import check
    check()             # every exercise
    check("convolve")   # just one

The functions are called as they are defined in the notebook's kernel right now. Expected
outputs always come from the outputs stored with the assignment: the reference solutions never
enter a student's process, even where they are installed. The inputs are the ones final grading
tries, so the verdicts are the ones it gives. In a notebook the feedback shows with its pictures
(what each function makes of the lesson's data beside what the reference makes of it, drawn from
the stored outputs; each failing input as grids); elsewhere it is printed as Markdown.

In a kernel the grader runs (``GRADER_GRADING=1``, see ``kernel.environment``), ``check()``
prints one line and does nothing else: a notebook that ends with it is graded all the same, and
a graded kernel has no stored outputs to read.
"""

from __future__ import annotations

import os

from .judge.exercises import check_exercises
from .judge.oracle import make_oracle
from .judge.showcase import picture_exercises, reference_pictures
from .kernel.calls import FunctionCaller, LocalTransport
from .kernel.environment import GRADING
from .model.budget import unlimited
from .model.errors import SettingError, UsageError, as_keyword
from .model.lessons import choose_lesson
from .model.results import SubmissionResult
from .model.settings import DEFAULT_PROFILE, PROFILES, Settings
from .output.html import feedback_fragment
from .output.report import feedback_markdown


def _user_namespace() -> dict:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise UsageError("check() looks for your functions in a running notebook; "
                         "elsewhere call check(namespace=globals())")
    return shell.user_ns


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def _show(result: SubmissionResult) -> None:
    """In a notebook, the feedback as HTML with its pictures (and as Markdown, for frontends
    that show no HTML); elsewhere, printed as Markdown."""
    markdown = feedback_markdown(result)
    if _in_notebook():
        from IPython.display import display

        display({"text/html": feedback_fragment(result), "text/markdown": markdown,
                 "text/plain": markdown}, raw=True)
    else:
        print(markdown)


def check(
    *exercises: str,
    namespace: dict | None = None,
    lesson: str | None = None,
    settings: Settings | None = None,
    assignment: str | None = None,
) -> SubmissionResult | None:
    """Check the named exercises (all when none are named) and show the feedback.

    ``lesson`` names the lesson where the functions defined do not tell (``assignment`` is its
    older name). Returns the result; end the cell with ``;`` (or assign it) to show only the
    feedback. In a kernel the grader runs, it says so and returns None. A setting that cannot
    be used is named as the keyword argument that sets it.
    """
    try:
        return _check(exercises, namespace, lesson or assignment, settings)
    except SettingError as error:
        raise UsageError(error.render(as_keyword)) from None


def _check(exercises: tuple[str, ...], namespace: dict | None, lesson: str | None,
           settings: Settings | None) -> SubmissionResult | None:
    if os.environ.get(GRADING) == "1":
        print("check() does nothing while this notebook is being graded: the grader checks "
              "your functions itself.")
        return None
    namespace = _user_namespace() if namespace is None else namespace
    defined = [name for name, value in list(namespace.items()) if callable(value)]
    chosen = choose_lesson(lesson, names=defined, how_to_say='check(lesson="...")').only(exercises)
    oracle = make_oracle(chosen, use_reference=False)
    settings = settings or PROFILES[DEFAULT_PROFILE]
    caller = FunctionCaller(LocalTransport(namespace), settings.call_timeout)
    results, _ = check_exercises(chosen, caller, oracle, settings)
    if _in_notebook():  # the pictures are shown only there
        results, _ = picture_exercises(chosen, caller, oracle, results, unlimited())
        results = reference_pictures(chosen, oracle, results)
    result = SubmissionResult("this notebook", "", "graded", results, mode=oracle.mode)
    _show(result)
    return result
