"""The sharpest attacks, graded by an ordinary user in the rootless sandbox, as on a laptop.

When the tests run as root, ``test_attacks`` grades the corpus in the root sandbox and the
rootless one is not exercised. So this test makes an unprivileged user (with ``useradd``), gives
it a home and a copy of the checkout of its own, as an instructor who cloned the course has, and
grades as that user, with this Python environment, the attacks whose verdicts only a sandbox
gives: a fork bomb, a hunt for the solutions, a connection out, and the three planting attacks;
then, in a later run, the handout. The verdicts must be those the corpus gets as root, and
nothing may be left running, reach the network or be planted. (The environment stays root's, as
copying it costs more than the rest of the test: a user-owned one is what ``.ci/run`` gives the
whole corpus, graded as such a user.) When the tests run as any other user, ``test_attacks``
grades the whole corpus in the rootless sandbox itself, and this test is skipped; so it is
where ``.ci/run`` grades the sandbox's and the attacks' tests as an unprivileged user itself
(it sets GRADER_UNPRIVILEGED_STEP=1 for the rest of the suite). A user the test makes is
removed at its end.
"""

from __future__ import annotations

import os
import pwd
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT
from grading_batch import Grader, record_text, run_batch
from planting import Planting
from test_attacks import ATTACKS, OPTIONS, PLANTING, VERDICTS

pytestmark = pytest.mark.kernel

USER = "grader-unprivileged"
SHORT_BATCH = ("11_fork_bomb", "12_hunts_for_solutions", "13_opens_network", *PLANTING)
CHECKOUT = ("grader", "assignments", "solutions")  # what grading needs of the repository


def cannot(reason: str) -> None:
    """Skip, or with GRADER_REQUIRE_SANDBOX=1 fail, saying why."""
    if os.environ.get("GRADER_REQUIRE_SANDBOX") == "1":
        pytest.fail(f"{reason}; GRADER_REQUIRE_SANDBOX=1 requires this test to run")
    pytest.skip(reason)


def unprivileged_user() -> tuple[pwd.struct_passwd, bool]:
    """The test's own unprivileged user, made now if it does not exist yet; and whether it was
    made now (and so is to be removed)."""
    try:
        return pwd.getpwnam(USER), False
    except KeyError:
        pass
    made = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                           "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", USER],
                          capture_output=True, text=True)
    if made.returncode != 0:
        cannot(f"no unprivileged user could be made: useradd: {made.stderr.strip()}")
    return pwd.getpwnam(USER), True


def remove_user() -> None:
    removed = subprocess.run(["userdel", USER], capture_output=True, text=True)
    if removed.returncode != 0:
        pytest.fail(f"the user {USER} this test made could not be removed: userdel: "
                    f"{removed.stderr.strip()}")


@pytest.fixture(scope="module")
def laptop():
    """A folder the unprivileged user owns, holding its checkout."""
    if os.geteuid() != 0:
        pytest.skip("the tests run as an unprivileged user already: test_attacks grades the "
                    "whole corpus in the rootless sandbox")
    if os.environ.get("GRADER_UNPRIVILEGED_STEP") == "1":
        pytest.skip("GRADER_UNPRIVILEGED_STEP=1: CI runs the sandbox's and the attacks' tests as "
                    "an unprivileged user in a step of its own")
    if shutil.which("useradd") is None:
        cannot("no unprivileged user can be made here: useradd is not installed")
    user, made = unprivileged_user()
    folder = Path(tempfile.mkdtemp(prefix="grader-unprivileged-"))
    try:
        for name in CHECKOUT:
            shutil.copytree(ROOT / name, folder / "checkout" / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
        tried = subprocess.run([sys.executable, "-c", "import grader, ipykernel"],
                               user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                               capture_output=True, text=True, cwd=folder,
                               env={"PYTHONPATH": str(folder / "checkout")})
        if tried.returncode != 0:
            cannot(f"user {USER} cannot run this Python environment (make it from a Python "
                   f"every user can run, in a folder every user can read): "
                   f"{tried.stderr.strip()[-300:]}")
        yield folder, user
    finally:
        shutil.rmtree(folder)
        if made:
            remove_user()


def test_an_ordinary_user_gets_the_verdicts_root_gets(laptop):
    folder, user = laptop
    checkout = folder / "checkout"
    planting = Planting(folder / "planting", Path(sys.prefix),
                        [Path(path) for path in site.getsitepackages()], checkout)
    for path in [folder / "planting", *(folder / "planting").rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    grader = Grader(sys.executable, checkout, planting.env(), user)
    try:
        batch = run_batch(folder / "batch", [ATTACKS / f"{name}.ipynb" for name in SHORT_BATCH],
                          grader, OPTIONS, planting.values())
        handout = run_batch(folder / "handout",
                            [checkout / "assignments" / "convolutions" / "convolutions.ipynb"],
                            grader, OPTIONS)
        left = planting.left()
    finally:
        planting.undo()

    assert batch.returncode == 0, batch.log[-3000:]
    assert batch.log.splitlines()[1].startswith("Sandbox: rootless."), batch.log[:500]
    wrong = [f"{name}: {batch.junit.get(name)} {batch.statuses.get(name)}\n"
             f"{record_text(batch.records.get(name, {}))}" for name in SHORT_BATCH
             if (batch.junit.get(name), batch.statuses.get(name))
             != (VERDICTS[name].points, VERDICTS[name].status)]
    assert wrong == []
    assert batch.leftover_processes == [] and batch.leftover_folders == []
    assert batch.received == []  # attack 13 reached no one
    assert handout.returncode == 0, handout.log[-3000:]
    assert handout.junit == {"convolutions": (0, 0, 0)}
    assert left == []
