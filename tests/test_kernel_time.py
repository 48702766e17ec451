"""Time as the grader counts it for a kernel: its own, not the machine's.

A deadline of the grader's own stops the kernel-side code by itself, never with an interrupt;
budgets count the kernel's CPU time; a call is timed out on the kernel's own time; and a
machine too busy to tell is a grader error, not a verdict.
"""

import os
import time
from unittest import mock

import nbformat
import numpy as np
import pytest

from grader.judge.exercises import check_until_lost
from grader.judge.oracle import make_oracle
from grader.kernel import calls
from grader.kernel.calls import MIME, FunctionCaller, KernelTransport, LocalTransport, Returned
from grader.kernel.channel import Channel
from grader.kernel.clock import KernelClock, is_kernel
from grader.kernel.run import NotebookRun
from grader.kernel.sandbox import make_sandbox
from grader.model.budget import Budget
from grader.model.errors import KernelBusy, KernelLoss, KernelLost
from grader.model.settings import PROFILES

from conftest import needs_sandbox


def spin(seconds):
    """Use ``seconds`` of this process's CPU time."""
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


class CpuTransport(LocalTransport):
    """The kernel-side code run here, its deadline on this process's CPU time, as in a kernel."""

    clock = staticmethod(time.process_time)

    def __init__(self, namespace):
        super().__init__(namespace)
        self.stops = []

    def invoke(self, function, arguments, on_reply, quiet_timeout, deadline=None):
        scope = {"__builtins__": __builtins__}
        exec(compile(calls._KERNEL_CODE, calls.KERNEL_FILENAME, "exec"), scope)
        stop_after = None if deadline is None else max(0.0, deadline - self.clock())
        self.stops.append(stop_after)
        scope[function](self.namespace, *arguments, MIME, lambda data: on_reply(data.get(MIME)),
                        stop_after=stop_after)
        return calls.CodeRun(finished=True)


def slow_double(image):
    spin(0.1)
    return image * 2


def test_a_deadline_lets_the_call_in_flight_finish_and_starts_no_other():
    transport = CpuTransport({"f": slow_double})
    caller = FunctionCaller(transport, call_timeout=5.0)
    many = [(np.full(2, float(i)),) for i in range(20)]
    caller.prefetch("f", many, deadline=time.process_time() + 0.25)
    answered = [caller.known("f", arguments) for arguments in many]
    made = sum(outcome is not None for outcome in answered)
    assert 3 <= made <= 5  # 0.1 s each: the one in flight at 0.25 s finishes, then none
    assert all(isinstance(outcome, Returned) for outcome in answered[:made])
    assert all(outcome is None for outcome in answered[made:])
    assert len(transport.stops) == 1  # stopped, not taken for lost replies and sent again


def test_a_deadline_already_past_starts_no_call():
    transport = CpuTransport({"f": slow_double})
    caller = FunctionCaller(transport, call_timeout=5.0)
    caller.prefetch("f", [(np.zeros(1),)], deadline=time.process_time() - 1)
    assert caller.known("f", (np.zeros(1),)) is None and transport.stops == [0.0]


def test_kernel_code_marks_where_it_stopped():
    published = []
    encoded = [[calls.encode_argument(np.zeros(1))]] * 3
    code = calls._invocation("transport", "f", encoded, [], MIME, stop_after=0.0)
    with mock.patch("IPython.display.publish_display_data",
                    lambda data, *a, **k: published.append(data)):
        exec(code, {"f": lambda image: image})
    assert [reply for data in published for reply in data[MIME]] == [{"stopped": 0}]


def test_a_sub_check_budget_on_another_clock_keeps_what_is_left_of_the_submission():
    wall = Budget.start(100, "--submission-timeout", clock=lambda: 50.0)
    cpu_now = 7.0
    check = wall.within(60, "--check-timeout", lambda: cpu_now)
    assert (check.deadline, check.setting) == (67.0, "--check-timeout")
    short = Budget.start(20, "--submission-timeout", clock=lambda: 50.0)
    cut = short.within(60, "--check-timeout", lambda: cpu_now)
    assert (cut.deadline, cut.setting) == (27.0, "--submission-timeout")
    assert cut.clock() == cpu_now


def test_the_clock_counts_this_process_cpu_and_its_waiting():
    clock = KernelClock(os.getpid())
    before, waited = clock.cpu(), clock.waited()
    spin(0.3)
    assert clock.cpu() - before >= 0.2  # ticks of 10 ms
    assert clock.waited() >= waited >= 0.0


def test_a_clock_without_a_process_falls_back_to_the_wall_clock():
    clock = KernelClock(None)
    assert abs(clock.cpu() - time.monotonic()) < 1 and clock.waited() == 0.0


class BusyTransport(LocalTransport):
    """Raises KernelBusy on its first ``busy`` calls of the function, as a starved kernel's
    channel does."""

    def __init__(self, namespace, busy):
        super().__init__(namespace)
        self.busy = busy

    def invoke(self, *arguments, **options):
        if self.busy and arguments[0] == "transport":
            self.busy -= 1
            raise KernelBusy(60.0, 0.5)
        return super().invoke(*arguments, **options)


def test_a_round_trip_the_machine_was_too_busy_for_is_made_once_more():
    caller = FunctionCaller(BusyTransport({"f": lambda image: image + 1}, busy=1), 5.0)
    assert caller.call("f", (np.zeros(1),)).value.tolist() == [1.0]


def test_a_sub_check_the_machine_was_always_too_busy_for_is_a_grader_error(assignment):
    settings = PROFILES["quick"].replace(max_examples=100)
    exercise = assignment.exercises[0]
    namespace = {exercise.name: lambda image, shape: np.zeros((1, 1, 1, 1))}
    caller = FunctionCaller(BusyTransport(namespace, busy=10**6), 5.0)
    checked = check_until_lost(assignment.only((exercise.name,)), caller,
                               make_oracle(assignment), settings)
    statuses = {check.status for check in checked.exercises[0].checks}
    assert statuses == {"grader error"}
    assert "too busy" in checked.exercises[0].checks[0].message
    assert checked.exercises[0].points == 0 and checked.lost is None


# -- in a real kernel ------------------------------------------------------------------------

STUDENT = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    "import time\n"
    "def spin(image):\n"
    "    until = time.process_time() + 0.05\n"
    "    while time.process_time() < until:\n"
    "        pass\n"
    "    return image\n"
    "def sleeps(image):\n"
    "    time.sleep(60)\n"
    "def prints(image):\n"
    "    while True:\n"
    "        print('still here')\n"
)])


@pytest.fixture(scope="module", params=["plain", pytest.param("sandbox", marks=needs_sandbox)])
def kernel_run(request):
    """A kernel outside the sandbox (interrupted by a signal from here), and one in it
    (interrupted by a message, which the kernel turns into a signal to itself)."""
    sandbox = make_sandbox("on", 64, [], []) if request.param == "sandbox" else None
    with NotebookRun(STUDENT, cell_timeout=30, total_timeout=60, sandbox=sandbox) as run:
        assert run.run_cells().cell_failures == ()
        mode = run.client.km.kernel_spec.interrupt_mode
        assert mode == ("message" if sandbox else "signal")
        yield run


@pytest.mark.kernel
def test_the_kernel_clock_reads_the_kernel_process(kernel_run):
    clock = kernel_run.channel.clock
    assert clock.counting and is_kernel(clock.pid) and clock.pid != os.getpid()


@pytest.mark.kernel
def test_a_deadline_in_a_kernel_stops_its_code_without_an_interrupt(kernel_run):
    caller = FunctionCaller(KernelTransport(kernel_run), call_timeout=10.0)
    many = [(np.full(1, float(i)),) for i in range(200)]  # 10 s of CPU in all
    with mock.patch.object(Channel, "interrupt", side_effect=AssertionError("interrupted")):
        caller.prefetch("spin", many, deadline=caller.clock() + 0.5)
    made = sum(caller.known("spin", arguments) is not None for arguments in many)
    assert 1 <= made < 100
    after = caller.call("spin", (np.full(1, -1.0),))  # the kernel takes work as before
    assert after.value.tolist() == [-1.0]


@pytest.mark.kernel
def test_a_call_past_its_time_limit_is_interrupted_and_the_next_one_answers(kernel_run):
    caller = FunctionCaller(KernelTransport(kernel_run), call_timeout=1.0)
    timed_out = caller.call("sleeps", (np.zeros(1),))
    assert isinstance(timed_out, calls.TimedOut)
    assert caller.call("spin", (np.ones(1),)).value.tolist() == [1.0]


@pytest.mark.kernel
def test_a_call_that_prints_without_end_is_still_timed_out(kernel_run):
    caller = FunctionCaller(KernelTransport(kernel_run), call_timeout=1.0)
    assert isinstance(caller.call("prints", (np.zeros(1),)), calls.TimedOut)
    assert caller.call("spin", (np.ones(1),)).value.tolist() == [1.0]


class StopsTakingRequests(LocalTransport):
    """A kernel that stopped taking requests: every call is lost before it starts."""

    def invoke(self, function, *arguments, **options):
        if function == "transport":
            raise KernelLost(KernelLoss.UNANSWERED)
        return super().invoke(function, *arguments, **options)


def test_a_kernel_that_stops_taking_requests_leaves_the_exercise_for_a_fresh_kernel(assignment):
    exercise = assignment.exercises[0]
    caller = FunctionCaller(StopsTakingRequests({exercise.name: lambda *a: None}), 5.0)
    checked = check_until_lost(assignment, caller, make_oracle(assignment), PROFILES["quick"])
    assert checked.exercises == ()  # no verdict, not even a failed sub-check
    assert checked.unreached == tuple(e.name for e in assignment.exercises)
    assert checked.lost.reason is KernelLoss.UNANSWERED


@pytest.mark.kernel
def test_code_the_kernel_never_starts_is_lost_without_an_interrupt():
    with NotebookRun(STUDENT, cell_timeout=30, total_timeout=60) as run:
        # Ahead of ours, on another client, and long enough that ours cannot start in time
        # however busy the machine.
        run.client.kc.execute("import time; time.sleep(120)")
        with mock.patch.object(Channel, "interrupt", side_effect=AssertionError("interrupted")), \
                pytest.raises(KernelLost) as lost:
            run.execute("1", lambda data: None, 1.0)
    assert lost.value.reason is KernelLoss.UNANSWERED
