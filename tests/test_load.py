"""The demos earn their promised points while the machine is kept busy.

Two CPU-bound processes per core run while ``grade`` grades every demo submission (started and
stopped by the test, always stopped in a ``finally``; see bench/load.py, which repeats this and
prints what moved). Fast mode: it reaches a full run's verdicts (test_end_to_end checks that),
among them the shrinking of a failure within its budget that used to send a stray interrupt
(linus_flipped_kernel), at a fraction of the full run's cost. CI runs it several times, on the
oldest and the newest Python (``pytest -m load``).
"""

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import load

pytestmark = [pytest.mark.kernel, pytest.mark.load]


def test_busy_machine_starts_its_processes_and_always_stops_them():
    with pytest.raises(RuntimeError), load.busy_machine(per_core=1) as pids:
        started = list(pids)
        assert all(load.Path(f"/proc/{pid}").exists() for pid in started)
        raise RuntimeError("grading failed")
    assert started and not any(alive(pid) for pid in started)


def alive(pid: int) -> bool:
    try:
        state = load.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_every_demo_earns_its_promised_points_on_a_busy_machine(tmp_path):
    with load.busy_machine(per_core=2):
        done = load.grade_demos(tmp_path, ["--jobs", "2", "--defs-only"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert load.moved(tmp_path) == []
    assert set(load.earned(tmp_path)) == set(load.promised())
