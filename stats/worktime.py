"""Working time in whole minutes, the same way in Python (each move) and in SQL (the rebuild).

A moment's *position* is the number of working minutes of its calendar from 1 January 1990 to
that moment, the moment's local time truncated to the minute. Working time between two moments
is the difference of their positions; a wait inside is subtracted by its overlap. The rebuild
loads the per-day part of the position (minutes before the day, the day's two intervals) into a
table and computes the same expression in SQL, so both paths give the same integers. Minutes,
not the clock's microseconds: the figures are averages in working days, and integers keep the
rebuild equal to the incremental counts.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Iterable

from workdays import clock

ANCHOR_YEAR = 1990
MAX_INTERVALS = 2  # what the SQL expression handles (a Calendar has a morning and an afternoon)


def _minute(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


def day_intervals(cal: clock.WorkCalendar, day: dt.date) -> tuple[tuple[int, int], ...]:
    """The day's working intervals in minutes of the day (empty when not worked)."""
    intervals = tuple((_minute(a), _minute(b)) for a, b in cal.hours_on(day))
    if len(intervals) > MAX_INTERVALS:
        raise ValueError(f"stats handles at most {MAX_INTERVALS} working intervals a day")
    return intervals


def _elapsed(intervals: Iterable[tuple[int, int]], minute: int) -> int:
    return sum(min(max(minute - a, 0), b - a) for a, b in intervals)


class _MinuteLine:
    """Working minutes before each day of a calendar, built year by year from ANCHOR_YEAR."""

    def __init__(self, cal: clock.WorkCalendar) -> None:
        self.cal = cal
        self._lock = threading.Lock()
        self._year_start: list[int] = [0]  # minutes before 1 January of ANCHOR_YEAR + i
        self._prefix: dict[int, list[int]] = {}

    def _year(self, year: int) -> list[int]:
        prefix = self._prefix.get(year)
        if prefix is None:
            first = dt.date(year, 1, 1)
            days = (dt.date(year + 1, 1, 1) - first).days
            prefix = [0]
            for n in range(days):
                day = first + dt.timedelta(days=n)
                prefix.append(prefix[-1] + sum(b - a for a, b in day_intervals(self.cal, day)))
            self._prefix[year] = prefix
        return prefix

    def before(self, day: dt.date) -> int:
        if not clock.MIN_YEAR <= day.year <= clock.MAX_YEAR:
            raise ValueError(f"year {day.year} outside {clock.MIN_YEAR}-{clock.MAX_YEAR}")
        with self._lock:
            while len(self._year_start) <= day.year - ANCHOR_YEAR:
                year = ANCHOR_YEAR + len(self._year_start) - 1
                self._year_start.append(self._year_start[-1] + self._year(year)[-1])
            offset = self._year_start[day.year - ANCHOR_YEAR]
            return offset + self._year(day.year)[day.timetuple().tm_yday - 1]


@functools.lru_cache(maxsize=64)
def _line(cal: clock.WorkCalendar) -> _MinuteLine:
    return _MinuteLine(cal)


def minutes_before(cal: clock.WorkCalendar, day: dt.date) -> int:
    """Working minutes of the calendar from 1 January ANCHOR_YEAR to the start of `day`."""
    return _line(cal).before(day)


def position(cal: clock.WorkCalendar, moment: dt.datetime) -> int:
    local = moment.astimezone(cal.zone)
    day = local.date()
    return minutes_before(cal, day) + _elapsed(day_intervals(cal, day), _minute(local.time()))


def worked_minutes(
    cal: clock.WorkCalendar, start: dt.datetime, end: dt.datetime,
    waits: Iterable[tuple[dt.datetime, dt.datetime | None]] = (),
) -> int:  # fmt: skip
    """Working minutes from `start` to `end`, less their overlap with each wait (a wait still
    open counts as lasting until `end`)."""
    first, last = position(cal, start), position(cal, end)
    total = last - first
    for wait_start, wait_end in waits:
        overlap = min(last, position(cal, wait_end or end)) - max(first, position(cal, wait_start))
        total -= max(overlap, 0)
    return total
