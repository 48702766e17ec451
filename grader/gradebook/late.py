"""A late policy: a deadline and a penalty rule, and what it takes off a late submission.

The rule is written as the instructor says it: ``"10%/day, max 50%, grace 15m"``. Its parts,
separated by commas, in any order:

- the rate: ``N%/day``, ``N%/hour``, ``N/day`` or ``N/hour`` (``N`` points), or ``N%`` or
  ``N`` alone (taken once, however late). A percentage is of the points possible, as Canvas's
  own late policy counts it;
- ``max N%`` or ``max N``: the most a penalty takes;
- ``grace D`` (``D`` as ``30s``, ``15m``, ``2h`` or ``1d``): a submission no later than this
  past the deadline is on time; past it, lateness counts from the deadline.

A started day or hour counts whole. Canvas's download says a file is late (``_LATE``) but not
when it came: such a file, without a submission time from elsewhere, counts one day (or hour)
late. ``none`` is no penalty.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from ..model.errors import UsageError

EXAMPLE = '"10%/day, max 50%, grace 15m"'
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PERIODS = {"day": 86400, "hour": 3600}
_NUMBER = r"(\d+(?:\.\d+)?)"
_RATE = re.compile(rf"^{_NUMBER}\s*(%|pts?|points?)?\s*(?:/\s*(day|hour))?$")
_MAX = re.compile(rf"^max\s+{_NUMBER}\s*(%|pts?|points?)?$")
_GRACE = re.compile(rf"^grace\s+{_NUMBER}\s*([smhd])$")


@dataclass(frozen=True)
class LatePolicy:
    """How much lateness costs. ``per`` is the period in seconds, or 0 for a flat penalty."""

    rate: float
    percent: bool  # rate (and cap, with cap_percent) in % of the points possible, else points
    per: int = 0
    cap: float | None = None
    cap_percent: bool = True
    grace: int = 0  # seconds
    deadline: datetime | None = None
    text: str = ""  # the rule as given

    def periods(self, submitted: datetime | None, flagged: bool) -> int:
        """How many periods late a submission is (1 for a flat rule's late submission)."""
        if submitted is not None and self.deadline is not None:
            seconds = (submitted - self.deadline).total_seconds()
            if seconds <= self.grace:
                return 0
            return math.ceil(seconds / self.per) if self.per else 1
        return 1 if flagged else 0

    def penalty(self, points: float, possible: float, submitted: datetime | None,
                flagged: bool) -> float:
        """The points taken off ``points`` (never more than it has)."""
        periods = self.periods(submitted, flagged)
        if not periods:
            return 0.0
        taken = self.rate * periods * (possible / 100 if self.percent else 1)
        if self.cap is not None:
            taken = min(taken, self.cap * (possible / 100 if self.cap_percent else 1))
        return round(min(taken, points), 4)

    def describe(self) -> str:
        when = f" after {self.deadline.isoformat(sep=' ')}" if self.deadline else ""
        return f"{self.text}{when}"


def parse_penalty(text: str, deadline: datetime | None = None) -> LatePolicy | None:
    """The rule ``text`` says, or None for ``none``; a UsageError names the part it cannot read."""
    spec = " ".join(text.strip().lower().split())
    if spec in ("none", "0", "0%"):
        return None
    rate = percent = per = cap = cap_unit = None
    grace = 0
    for part in filter(None, (p.strip() for p in spec.split(","))):
        if matched := _MAX.match(part):
            cap, cap_unit = float(matched[1]), matched[2]
            continue
        if matched := _GRACE.match(part):
            grace = int(float(matched[1]) * UNITS[matched[2]])
            continue
        if (matched := _RATE.match(part)) and rate is None:
            rate, percent = float(matched[1]), matched[2] == "%"
            per = PERIODS[matched[3]] if matched[3] else 0
            continue
        raise UsageError(
            f"--late-penalty: cannot read {part!r} in {text!r}; write the rate (10%/day, "
            f"5%/hour, 2/day in points, or 20% once), then optionally max N% and grace 15m, "
            f"as {EXAMPLE}"
        )
    if rate is None:
        raise UsageError(f"--late-penalty {text!r} gives no rate; write one as {EXAMPLE}")
    cap_percent = cap_unit == "%" if cap_unit else bool(percent)  # a bare cap is in the rate's unit
    if (percent and rate > 100) or (cap is not None and cap_percent and cap > 100):
        raise UsageError(f"--late-penalty {text!r}: a percentage goes up to 100%")
    return LatePolicy(rate, bool(percent), per or 0, cap, cap_percent, grace, deadline,
                      text.strip())


def parse_time(text: str, what: str = "--deadline") -> datetime:
    """A moment as ISO 8601 (``2026-12-01 23:59``, ``2026-12-01T23:59:00+01:00``); one without a
    time zone is in this machine's. Gradescope's ``2026-12-01 23:59:00.123 -0800`` is read too."""
    cleaned = text.strip()
    ruby = re.match(r"^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?)(?:\.\d+)?\s*([+-]\d\d:?\d\d|Z|UTC)?$",
                    cleaned)
    if ruby:
        zone = ruby[2] or ""
        zone = "+00:00" if zone in ("Z", "UTC") else zone
        if zone and ":" not in zone:
            zone = zone[:3] + ":" + zone[3:]
        cleaned = ruby[1] + zone
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise UsageError(
            f"{what}: cannot read {text!r} as a date and time; write it as 2026-12-01T23:59 "
            "(this machine's time zone) or 2026-12-01T23:59+01:00"
        ) from None
    if not ruby and len(text.strip()) <= 10:
        raise UsageError(f"{what}: {text!r} has no time of day; write it as "
                         f"{text.strip()}T23:59 (or with a zone, {text.strip()}T23:59+01:00)")
    return moment if moment.tzinfo else moment.astimezone()


def late_note(penalty: float, periods: int, policy: LatePolicy, timed: bool) -> str:
    """One line for the gradebook and the feedback on what lateness cost."""
    unit = {86400: "day", 3600: "hour"}.get(policy.per, "")
    how = (f"{periods} {unit}{'s' if periods != 1 else ''} late" if unit and timed
           else "late")
    if unit and not timed:
        how = f"late (counted as 1 {unit}: the download says late but not when)"
    return f"Submitted {how}: {penalty:g} point(s) off under the late policy {policy.text!r}."
