"""Grade the adversarial corpus (tests/notebooks/attacks/) as one batch, as an instructor would.

Each notebook tries to cheat the grader or to harm the machine that grades it; its first cell
says how. The batch runs through the real command (``python -m grader``, a worker process per
job, a kernel per notebook) with short time limits, as whoever runs the tests: as root, kernels
run in the root sandbox; as any other user, in the rootless one. Then every notebook must have
the verdict in ``VERDICTS``, the output folder must hold the true verdicts, and nothing the batch
started may still run or lie on disk. A later run, grading the handout, must find nothing the
planting attacks tried to leave for it. Verdicts marked ``sandboxed`` hold only where the kernel
runs in the sandbox; elsewhere they are skipped, unless GRADER_REQUIRE_SANDBOX=1 makes that a
failure (and the planting attacks are not run there: they would plant for real).
"""

from __future__ import annotations

import json
import os
import re
import site
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.kernel.sandbox import unavailable_because
from grader.model.settings import Settings

from conftest import NOTEBOOKS, ROOT
from grading_batch import BATCH_TIMEOUT, EXERCISES, Batch, Grader, record_text, run_batch
from planting import Planting

pytestmark = pytest.mark.kernel

ATTACKS = NOTEBOOKS / "attacks"
HANDOUT = ROOT / "assignments" / "convolutions" / "convolutions.ipynb"
OPTIONS = ["--jobs", "2", "--cell-timeout", "5", "--call-timeout", "5", "--total-timeout", "60"]
MEMORY_BOUND = 2 * 1024**3  # bytes of RSS no process of the batch may reach


@dataclass(frozen=True)
class Verdict:
    points: tuple[float, float, float]  # get_subimages, convolve, template_match
    status: str = "graded"
    says: tuple[str, ...] = ()  # patterns (any case) each found in the record, see `record_text`
    sandboxed: bool = False  # holds only where the kernel runs in the sandbox


RESTARTED = "salvaged"  # the status of a notebook whose functions are graded after a restart

# The verdict each attack must get; the notebook's first cell says the same in words.
VERDICTS = {
    "01_patches_numpy": Verdict((0, 0, 4), says=(r"get_subimages/output shape: returned shape",)),
    "02_patches_grader": Verdict((0, 3, 0), says=(r"template_match/output shape: returned shape",)),
    "03_fake_scores": Verdict((3, 0, 0)),
    "04_writes_output_folder": Verdict((0, 0, 0)),
    "05_always_equal": Verdict((0, 0, 0), says=(
        r"get_subimages/.*: returned Anything, not a numpy array",
        r"convolve/output shape: returned shape \(\)",
        r"template_match/.*: returned an array that cannot be copied out",
    )),
    "06_exits_kernel": Verdict((3, 3, 4), RESTARTED, (r"cell 3: error: SystemExit",
                                                      r"message: .*\bcell 4\b")),
    "07_ignores_sigint": Verdict((3, 3, 4), RESTARTED, (r"cell 3: timeout",
                                                        r"message: .*\bcell 3\b")),
    "08_starts_processes": Verdict((3, 3, 4)),
    "09_allocates_memory": Verdict((3, 3, 4), says=(r"cell 3: error: MemoryError",)),
    "10_prints_50mb": Verdict((3, 3, 4)),
    "11_fork_bomb": Verdict((3, 3, 4), RESTARTED, (r"no longer send its messages intact",),
                            sandboxed=True),
    "12_hunts_for_solutions": Verdict((0, 0, 0), sandboxed=True),
    "13_opens_network": Verdict((3, 3, 4)),
    "14_recurses": Verdict((3, 3, 4), RESTARTED, (r"cell 3: (error: RecursionError|timeout)",
                                                  r"message: .*\bcell 4\b")),
    "15_deletes_its_folder": Verdict((3, 3, 4)),
    "16_plants_startup_files": Verdict((0, 0, 0), sandboxed=True),
    "17_plants_site_packages": Verdict((0, 0, 0), sandboxed=True),
    "18_edits_the_checkout": Verdict((0, 0, 0), sandboxed=True),
    "19_reads_the_answer_key": Verdict((0, 0, 0), sandboxed=True),
    "20_forges_results_later": Verdict((1, 1, 1), sandboxed=True),
}
PLANTING = ("16_plants_startup_files", "17_plants_site_packages", "18_edits_the_checkout")


def sandbox_active() -> bool:
    """Whether the grader runs kernels in its sandbox here (by default, with --sandbox auto)."""
    return Settings().sandbox != "off" and not unavailable_because()


def require_sandbox(what: str, without: str = "") -> None:
    """Skip (or with GRADER_REQUIRE_SANDBOX=1, fail) unless the sandbox is active; ``without``
    says what happened here without it."""
    if sandbox_active():
        return
    reason = f"{what} holds only in the kernel sandbox, not active here: {unavailable_because()}"
    if without:
        reason += f"; without it: {without}"
    if os.environ.get("GRADER_REQUIRE_SANDBOX") == "1":
        pytest.fail(reason + "; GRADER_REQUIRE_SANDBOX=1 requires it")
    pytest.skip(reason)


def corpus() -> list[Path]:
    """The attack notebooks to grade here: the planting ones only where the sandbox runs."""
    return [path for path in sorted(ATTACKS.glob("*.ipynb"))
            if path.stem not in PLANTING or sandbox_active()]


@pytest.fixture(scope="module")
def planting(tmp_path_factory):
    """The grader's home and IPython folder, and what the planting attacks aim at."""
    aimed = Planting(tmp_path_factory.mktemp("planting"), Path(sys.prefix),
                     [Path(folder) for folder in site.getsitepackages()], ROOT)
    yield aimed
    aimed.undo()


@pytest.fixture(scope="module")
def batch(tmp_path_factory, planting) -> Batch:
    grader = Grader(sys.executable, ROOT, planting.env())
    return run_batch(tmp_path_factory.mktemp("attacks"), corpus(), grader, OPTIONS,
                     planting.values())


@pytest.fixture(scope="module")
def handout_after(batch, tmp_path_factory, planting) -> Batch:
    """The handout, as the checkout holds it after the attacks, graded by a later run."""
    grader = Grader(sys.executable, ROOT, planting.env())
    return run_batch(tmp_path_factory.mktemp("handout"), [HANDOUT], grader, OPTIONS)




def test_every_attack_notebook_has_a_verdict_and_says_it():
    names = {path.stem for path in ATTACKS.glob("*.ipynb")}
    assert names == set(VERDICTS)
    for name in names:
        first = json.loads((ATTACKS / f"{name}.ipynb").read_text())["cells"][0]
        text = "".join(first["source"])
        assert first["cell_type"] == "markdown"
        assert "**Attack:**" in text and "**Verdict it must get:**" in text, name


def test_the_batch_finishes_and_exits_zero(batch):
    assert batch.returncode is not None, f"ran past {BATCH_TIMEOUT} s:\n{batch.log[-3000:]}"
    assert batch.returncode == 0, batch.log[-3000:]
    assert set(batch.junit) == {path.stem for path in corpus()}


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_attack_gets_its_verdict(batch, name):
    verdict = VERDICTS[name]
    if verdict.sandboxed:
        require_sandbox(f"{name}'s verdict", f"it earned {batch.junit.get(name)}")
    # Points and status as the grader held them in memory: the JUnit report and the table
    # printed at the very end. The patterns of `says` are looked up in the notebook's
    # results.json (attack 4 forges two of those, which have none). Whether the output files
    # agree with the grader is the next test's business.
    record = batch.records[name]
    assert batch.junit[name] == verdict.points, record.get("message")
    assert batch.statuses[name] == verdict.status, record.get("message")
    text = record_text(record)
    for pattern in verdict.says:
        assert re.search(pattern, text, re.IGNORECASE), f"{pattern!r} not in:\n{text}"


def test_the_output_folder_holds_the_true_verdicts(batch):
    """Attack 4 forges grades.csv and results over its own and another student's, also from a
    process that outlives its kernel: the files must end as the grader's verdicts."""
    require_sandbox("Keeping the output folder out of the notebooks' reach")
    wrong = []
    for name, points in sorted(batch.junit.items()):
        row = batch.rows.get(name, {})
        if (tuple(float(row.get(e, -1)) for e in EXERCISES) != points
                or row.get("status") != batch.statuses.get(name)):
            true = (points, batch.statuses.get(name))
            wrong.append(f"grades.csv row {row or name} (true: {true})")
        results = json.loads((batch.out / name / "results.json").read_text())
        if results["score"] != sum(points) or "timings" not in results["extra_data"]["grader"]:
            wrong.append(f"{name}/results.json says {results['score']} (true {sum(points):g})")
        feedback = (batch.out / name / "feedback.md").read_text()
        if f"**Score: {sum(points):g} / 10**" not in feedback:
            wrong.append(f"{name}/feedback.md does not say {sum(points):g} / 10")
    assert wrong == []


def test_no_process_outlives_the_batch(batch):
    """Attacks 8 and 11 start processes, some in sessions of their own."""
    require_sandbox("Ending processes that left the kernel's session",
                    f"left running: {batch.leftover_processes}")
    assert batch.leftover_processes == [], "\n".join(map(str, batch.leftover_processes))


def test_no_kernel_working_folder_outlives_the_batch(batch):
    assert batch.leftover_folders == []


def test_no_process_of_the_batch_takes_unbounded_memory(batch):
    """Attack 10 prints 50 MB; attack 9 asks for 6 GB under a 4 GiB limit."""
    assert 0 < batch.max_rss < MEMORY_BOUND, f"{batch.max_rss / 2**20:.0f} MiB"


def test_no_notebook_reaches_the_network(batch):
    """Attack 13 connects to a port the test listens on, on this machine."""
    require_sandbox("Keeping the kernel off the network", f"the listener received {batch.received}")
    assert batch.received == []


def test_nothing_one_run_plants_reaches_a_later_one(handout_after, planting):
    """Attacks 16 to 18 plant code for later kernels and the grader: startup files, kernel
    specs, site-packages, the course's own files. Graded next, the handout must still earn 0."""
    require_sandbox("Keeping notebooks from planting code for later runs")
    left = planting.left()
    assert handout_after.returncode == 0, handout_after.log[-3000:]
    assert handout_after.junit == {"convolutions": (0, 0, 0)}
    assert left == []
