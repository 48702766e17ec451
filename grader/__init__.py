"""Grade Jupyter notebooks against reference solutions with generated inputs."""

from .assignment import Assignment, Exercise, StandIn, SubCheck, load_assignment
from .errors import GraderError
from .pipeline import grade_submission
from .results import CheckResult, ExerciseResult, SubmissionResult
from .selfcheck import check
from .settings import PROFILES, Settings

__all__ = [
    "PROFILES",
    "Assignment",
    "CheckResult",
    "Exercise",
    "ExerciseResult",
    "GraderError",
    "Settings",
    "StandIn",
    "SubCheck",
    "SubmissionResult",
    "check",
    "grade_submission",
    "load_assignment",
]
