"""Grade Jupyter notebooks against reference solutions with generated inputs."""

from .course import Request, Run, check_notebook, grade
from .grading.pipeline import grade_submission
from .intake.discover import Submission
from .model.assignment import Assignment, Exercise, StandIn, SubCheck
from .model.errors import GraderError
from .model.lessons import load_assignment
from .model.mistakes import Mistake
from .model.results import CheckResult, ExerciseResult, SubmissionResult
from .model.settings import PROFILES, Settings
from .selfcheck import check

__all__ = [
    "PROFILES",
    "Assignment",
    "CheckResult",
    "Exercise",
    "ExerciseResult",
    "GraderError",
    "Mistake",
    "Request",
    "Run",
    "Settings",
    "StandIn",
    "SubCheck",
    "Submission",
    "SubmissionResult",
    "check",
    "check_notebook",
    "grade",
    "grade_submission",
    "load_assignment",
]
