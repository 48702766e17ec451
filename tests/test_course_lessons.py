"""The tests stay true when a course adds a lesson: they speak of the lessons installed, not of
the two this repository ships."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT = shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "grades", "audit",
                                  ".pytest_cache", "v310*", ".venv*")


@pytest.mark.kernel  # `grade assign` grades the new lesson's notebooks in kernels
def test_the_fast_tier_passes_in_a_copy_of_the_course_with_a_third_lesson(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT, course, ignore=LEFT_OUT)
    environment = {**os.environ, "PYTHONPATH": str(course)}
    environment.pop("PYTEST_ADDOPTS", None)

    def run(*command: str, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *command], cwd=course, env=environment,
                              capture_output=True, text=True, timeout=timeout)

    made = run("-m", "grader", "new", "thresholds", timeout=60)
    assert made.returncode == 0, made.stderr
    assigned = run("-m", "grader", "assign", "solutions/thresholds-solved.ipynb", timeout=300)
    assert assigned.returncode == 0, assigned.stdout + assigned.stderr
    assert (course / "assignments" / "thresholds" / "expected.npz").is_file()
    listed = run("-c", "from grader.model.lessons import available_assignments as a; print(a())",
                 timeout=60)
    assert "'thresholds'" in listed.stdout, listed.stdout + listed.stderr
    tests = run("-m", "pytest", "-m", "not kernel", "-q", "-p", "no:cacheprovider", timeout=1200)
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-2000:]
