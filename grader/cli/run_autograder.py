"""What Gradescope's ``run_autograder`` runs: ``python -m grader.cli.run_autograder ROOT``.

It grades the submission in ``ROOT/submission`` for the lesson the autograder was built for
(``ROOT/source/autograder.json``, see ``output.autograder_zip``), exactly as ``grade`` grades a
student's folder, and writes ``ROOT/results/results.json``. Whatever fails (no notebook, a file
that is not one, the grader itself), a valid results.json says so. ``--check ROOT`` only loads
the lesson and its reference: ``setup.sh`` runs it, so that a broken autograder fails when it
is uploaded rather than on a student.

Both first make the lesson's folders and the reference solutions (with any secret beside them)
readable by root alone (``lock``), as ``setup.sh`` does: where the sandbox cannot run there,
each kernel runs as an unprivileged user of its own, which must not read them (see
``kernel.unprivileged``). ``results.json`` is written by root, in a folder that user cannot
write to, after every process of the kernel has ended.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from ..grading.batch import cached_assignment_and_oracle, grade_one
from ..grading.pipeline import kept_from_kernels
from ..intake.discover import submission_in
from ..judge.oracle import make_oracle
from ..kernel import unprivileged
from ..model.assignment import Assignment
from ..model.lessons import load_assignment
from ..model.results import SubmissionResult
from ..model.settings import Settings
from ..output.autograder_zip import CONFIG
from ..output.gradescope import Visibility, autograder_results, failure_results, write_results
from ..output.lines import held_out_line, sandbox_line
from ..output.report import points


def _config(root: Path) -> dict:
    return json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))


def _student(root: Path) -> str:
    """The submitter's name from Gradescope's metadata, for the feedback's title."""
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        return str(metadata["users"][0]["name"]) or "submission"
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return "submission"


def lock(root: Path, assignment: Assignment) -> None:
    """Make what no kernel may read (see ``pipeline.kept_from_kernels``) root's alone, where it
    lies in the autograder's own tree ``root`` (its ``source`` may be a link elsewhere)."""
    trees = {root.resolve(), (root / "source").resolve()}
    unprivileged.lock(folder for folder in kept_from_kernels(assignment)
                      if any(folder.is_relative_to(tree) for tree in trees))


def _grade(root: Path, config: dict, settings: Settings) -> SubmissionResult:
    assignment = load_assignment(config["lesson"])
    lock(root, assignment)
    submission = submission_in(root / "submission", [assignment.notebook], _student(root))
    exercises = tuple(exercise.name for exercise in assignment.exercises)
    print(held_out_line(*cached_assignment_and_oracle(assignment.name, exercises, True),
                        settings))
    return grade_one(assignment.name, exercises, submission, settings, use_reference=True)


def _check(root: Path) -> int:
    config = _config(root)
    Settings(**config["settings"])
    assignment = load_assignment(config["lesson"])
    lock(root, assignment)
    make_oracle(assignment, use_reference=True).ensure_usable(config["settings"]["max_examples"])
    assignment.reference_functions()
    print(f"The autograder for {assignment.name!r} is ready: the lesson and its reference load.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.cli.run_autograder",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the autograder's folder (/autograder)")
    parser.add_argument("--check", action="store_true",
                        help="only check that the lesson and its reference load")
    arguments = parser.parse_args(argv)
    if arguments.check:
        return _check(arguments.root)
    visibility = Visibility()
    try:
        config = _config(arguments.root)
        visibility = Visibility(config["visibility"], config["stdout_visibility"])
        settings = Settings(**config["settings"])
        print(sandbox_line(settings))
        result = _grade(arguments.root, config, settings)
        print(f"{result.status}: {points(result.score)} of {points(result.possible)} points. "
              f"{result.message}".strip())
        data = autograder_results(result, visibility)
    except Exception as error:  # whatever it is, the student gets a results.json saying so
        traceback.print_exc()
        data = failure_results(
            f"The grader failed before it could grade this submission ({type(error).__name__}: "
            f"{error}), so it was not graded. Please tell your instructor.", visibility)
    write_results(arguments.root / "results" / "results.json", data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
