"""The progress display: a line per submission as it lands, with done/total, rate and time left."""

import io

from grader.model.results import SubmissionResult
from grader.output.progress import Progress, duration


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def result(name: str, status="graded", message="") -> SubmissionResult:
    return SubmissionResult(name, f"{name}.ipynb", status, message=message)


def test_durations_read_as_seconds_minutes_or_hours():
    assert [duration(s) for s in (0.4, 42, 185, 7800)] == ["0s", "42s", "3m05s", "2h10m"]


def test_off_a_terminal_each_submission_gets_one_line_with_rate_and_time_left():
    clock, stream = Clock(), io.StringIO()
    progress = Progress(4, stream, clock)
    clock.now += 30
    progress.update(result("ada"))
    clock.now += 30
    progress.update(result("bob", "unreadable"))
    progress.close()
    assert stream.getvalue().splitlines() == [
        "[1/4] ada: 0/0  (2.0/min, 1m30s left)",
        "[2/4] bob: 0/0  [unreadable]  (2.0/min, 1m00s left)",
    ]


def test_results_kept_from_an_earlier_run_do_not_count_toward_the_rate():
    clock, stream = Clock(), io.StringIO()
    progress = Progress(3, stream, clock)
    progress.update(result("ada"), reused=True)
    clock.now += 60
    progress.update(result("bob"))
    assert stream.getvalue().splitlines() == [
        "[1/3] ada: 0/0  (unchanged since graded before)",
        "[2/3] bob: 0/0  (1.0/min, 1m00s left)",
    ]


def test_a_note_on_a_graded_submission_is_shown_with_its_score():
    stream = io.StringIO()
    Progress(1, stream, Clock()).update(result("ada", message="Fast mode left out code."))
    assert stream.getvalue().startswith("[1/1] ada: 0/0  [Fast mode left out code.]")


def test_on_a_terminal_a_bar_under_the_scores_redraws_and_goes_away_at_the_end():
    clock, stream = Clock(), Terminal()
    progress = Progress(2, stream, clock)
    assert stream.getvalue() == "[..............................] 0/2"
    clock.now += 6
    progress.update(result("ada"))
    assert stream.getvalue().endswith(
        "\r\x1b[2K[1/2] ada: 0/0\n[###############...............] 1/2  10.0/min, 6s left"
    )
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[2K")
