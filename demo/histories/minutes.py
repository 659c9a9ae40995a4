"""Working-minutes tables: the stories' fast clock over the run's window."""

from __future__ import annotations

import bisect
import datetime as dt
from fractions import Fraction

from demo.histories.constants import HOURS
from workdays import clock


class WorkingMinutes:
    """Moving a whole number of working minutes on, for the stories: the working intervals of
    the run's window (from WorkCalendar.hours_on) as epoch minutes, so a move is two
    bisections instead of a walk through workdays.clock. Like the clock, it answers the
    earliest moment at a position (17:00 rather than 07:30 the next day). Outside the window,
    or from a moment that is not a whole minute, it asks workdays.clock."""

    def __init__(self, cal: clock.WorkCalendar, first: dt.date, last: dt.date) -> None:
        self.cal = cal
        self.starts: list[int] = []
        self.cum = [0]  # working minutes before each interval
        day = first
        while day <= last:
            for start, end in cal.hours_on(day):
                begin = _epoch_minutes(dt.datetime.combine(day, start, tzinfo=cal.zone))
                length = _epoch_minutes(dt.datetime.combine(day, end, tzinfo=cal.zone)) - begin
                self.starts.append(begin)
                self.cum.append(self.cum[-1] + length)
            day += dt.timedelta(days=1)

    def add(self, moment: dt.datetime, minutes: int) -> dt.datetime:
        whole = moment.second == 0 and moment.microsecond == 0
        t = _epoch_minutes(moment)
        i = bisect.bisect_right(self.starts, t) - 1
        target = self._position(i, t) + minutes if whole and i >= 0 else -1
        j = bisect.bisect_left(self.cum, target) - 1
        if target < 0 or j >= len(self.starts):
            return clock.add_working(self.cal, moment, Fraction(minutes, 60), HOURS)
        stamp = (self.starts[j] + target - self.cum[j]) * 60
        return dt.datetime.fromtimestamp(stamp, tz=self.cal.zone)

    def _position(self, i: int, t: int) -> int:
        length = self.cum[i + 1] - self.cum[i]
        return self.cum[i] + min(t - self.starts[i], length)


def _epoch_minutes(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // 60
