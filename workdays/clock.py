"""The working-time clock: pure arithmetic on working days and hours (no Django in here).

Legal processing times count working time only, so a deadline is found by walking a timeline
from which nights, weekends, lunch breaks and days off are cut out. We model that timeline with
a coordinate: a working moment's *position* is ``(index of its working day) + (fraction of that
day's working time already elapsed)``. Adding N working days adds N to the position (09:00
Monday + 3 days = 09:00 Thursday); adding hours walks working microseconds instead. A position
that falls on a boundary (the end of one interval is the same position as the start of the next)
is returned as its EARLIEST wall-clock moment: 17:00 rather than 07:30 the next day, 11:30 rather
than 13:30, so a dossier received at 07:30 with one working day is due 17:00 the same day.

Working days are indexed per year (a sorted tuple plus a dict date -> index), built lazily for
1990-2100 and cached per calendar, so adding 20 working days is a couple of bisections.
See docs/working-time.md for the rules and worked examples.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_INTERVALS",
    "STANDARD_WEEK",
    "Unit",
    "WorkCalendar",
    "add_working",
    "due_moment",
    "elapsed_working",
    "normalise_reception",
]

MIN_YEAR = 1990
MAX_YEAR = 2100
US_PER_HOUR = 3600 * 1_000_000

Interval = tuple[dt.time, dt.time]
Amount = int | Fraction | Decimal | float
Pause = tuple[dt.datetime, dt.datetime | None]

DEFAULT_INTERVALS: tuple[Interval, ...] = (
    (dt.time(7, 30), dt.time(11, 30)),
    (dt.time(13, 30), dt.time(17, 0)),
)
STANDARD_WEEK: tuple[tuple[Interval, ...], ...] = tuple(
    DEFAULT_INTERVALS if weekday < 5 else () for weekday in range(7)
)


class Unit(enum.Enum):
    """How a legal processing time is expressed."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"
    CALENDAR_DAYS = "calendar_days"
    SAME_DAY = "same_day"


def _error(vietnamese: str, english: str) -> ValueError:
    """Officers read the Vietnamese half, developers and logs the English half."""
    return ValueError(f"{vietnamese} / {english}")


def _us(moment: dt.time) -> int:
    """Microseconds since midnight: integers keep the arithmetic exact."""
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + (
        moment.microsecond
    )


@functools.cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _error(f"Múi giờ không hợp lệ: {name!r}", f"unknown time zone {name!r}") from None


@dataclass(frozen=True)
class WorkCalendar:
    """Working hours per weekday, days off and make-up days of one calendar.

    Frozen and hashable so the per-year index of working days can be cached on it.
    ``week`` holds seven tuples of ``(start, end)`` intervals, Monday first; a make-up day (a
    Saturday worked in exchange for a day off) takes Monday's hours (the first working weekday's
    if Monday has none). A reception after ``cutoff`` counts from the next working day.
    """

    week: tuple[tuple[Interval, ...], ...] = STANDARD_WEEK
    days_off: frozenset[dt.date] = frozenset()
    makeup_days: frozenset[dt.date] = frozenset()
    cutoff: dt.time = dt.time(15, 0)
    tz: str = "Asia/Ho_Chi_Minh"

    def __post_init__(self) -> None:
        # Accept lists and sets from callers but store hashable values.
        object.__setattr__(self, "week", tuple(tuple(map(tuple, day)) for day in self.week))
        object.__setattr__(self, "days_off", frozenset(self.days_off))
        object.__setattr__(self, "makeup_days", frozenset(self.makeup_days))
        _check_week(self.week)
        if not any(self.week):
            raise _error("Lịch không có ngày làm việc nào", "the calendar has no working day")
        both = self.days_off & self.makeup_days
        if both:
            first = min(both)
            raise _error(
                f"Ngày {first:%d/%m/%Y} vừa là ngày nghỉ vừa là ngày làm bù",
                f"{first} is both a day off and a make-up working day",
            )
        _zone(self.tz)

    @classmethod
    def weekly(
        cls,
        intervals: Iterable[Interval] = DEFAULT_INTERVALS,
        weekdays: Iterable[int] = range(5),
        **kwargs: object,
    ) -> WorkCalendar:
        """Build the usual calendar: the same hours on each working weekday (0 = Monday)."""
        hours = tuple(intervals)
        chosen = set(weekdays)
        if not chosen <= set(range(7)):
            raise _error("Thứ trong tuần phải từ 0 đến 6", "weekdays must be 0..6")
        week = tuple(hours if weekday in chosen else () for weekday in range(7))
        return cls(week=week, **kwargs)  # type: ignore[arg-type]

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.tz)

    def hours_on(self, day: dt.date) -> tuple[Interval, ...]:
        """The working intervals of a date; empty on a day that is not worked."""
        if day in self.makeup_days:
            return self.week[0] or next(hours for hours in self.week if hours)
        if day in self.days_off:
            return ()
        return self.week[day.weekday()]

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self.hours_on(day))


def _check_week(week: tuple[tuple[Interval, ...], ...]) -> None:
    """Intervals must be naive times, ordered and disjoint, or the coordinate is meaningless."""
    if len(week) != 7:
        raise _error("Cần đúng 7 ngày trong tuần", "week must have 7 entries, Monday first")
    for hours in week:
        previous_end = -1
        for interval in hours:
            if len(interval) != 2 or not all(isinstance(t, dt.time) for t in interval):
                raise _error("Khoảng giờ làm việc không hợp lệ", f"bad interval {interval!r}")
            start, end = interval
            if start.tzinfo or end.tzinfo:
                raise _error("Giờ làm việc không kèm múi giờ", "interval times must be naive")
            if not previous_end <= _us(start) < _us(end):
                raise _error(
                    "Giờ làm việc phải tăng dần và không chồng lấn",
                    "intervals must be increasing and must not overlap",
                )
            previous_end = _us(end)


def _day_length(hours: tuple[Interval, ...]) -> int:
    return sum(_us(end) - _us(start) for start, end in hours)


def _elapsed_in_day(hours: tuple[Interval, ...], moment: int) -> int:
    """Working microseconds of the day that lie before ``moment`` (microseconds of the day)."""
    return sum(min(max(moment - _us(a), 0), _us(b) - _us(a)) for a, b in hours)


def _time_at(day: dt.date, hours: tuple[Interval, ...], elapsed: int) -> dt.datetime:
    """Earliest wall-clock moment of ``day`` after ``elapsed`` working microseconds.

    ``elapsed <= length`` picks the end of an interval rather than the next one's start.
    """
    for start, end in hours:
        length = _us(end) - _us(start)
        if elapsed <= length:
            offset = dt.timedelta(microseconds=_us(start) + elapsed)
            return dt.datetime.combine(day, dt.time()) + offset
        elapsed -= length
    raise AssertionError("elapsed time beyond the working day")


@dataclass(frozen=True)
class _Year:
    """One year's working days: the sorted array to bisect, the dict to look dates up."""

    year: int
    days: tuple[dt.date, ...]
    index: dict[dt.date, int]
    cum: tuple[int, ...]  # cum[i]: working microseconds of the year before days[i]

    @property
    def total(self) -> int:
        return self.cum[-1]


def _build_year(cal: WorkCalendar, year: int) -> _Year:
    first = dt.date(year, 1, 1)
    count = (dt.date(year + 1, 1, 1) - first).days
    dates = (first + dt.timedelta(days=n) for n in range(count))
    days = tuple(day for day in dates if cal.is_working_day(day))
    cum = [0]
    for day in days:
        cum.append(cum[-1] + _day_length(cal.hours_on(day)))
    return _Year(year, days, {day: i for i, day in enumerate(days)}, tuple(cum))


class _Timeline:
    """Contiguous run of ``_Year`` tables for one calendar, extended lazily in both directions.

    Global indices are relative to the first year built: positions are only ever compared
    within one timeline object, so the anchor does not matter.
    """

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self._lock = threading.RLock()
        self._years: list[_Year] = []
        self._day_starts: list[int] = []  # global index of each year's first working day
        self._us_starts: list[int] = []  # global working microseconds before each year

    def _check_year(self, year: int) -> None:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise _error(
                f"Năm {year} nằm ngoài phạm vi {MIN_YEAR}-{MAX_YEAR}",
                f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}",
            )

    def _append(self, year: int) -> None:
        self._check_year(year)
        table = _build_year(self.cal, year)
        if self._years:
            last = self._years[-1]
            self._day_starts.append(self._day_starts[-1] + len(last.days))
            self._us_starts.append(self._us_starts[-1] + last.total)
        else:
            self._day_starts.append(0)
            self._us_starts.append(0)
        self._years.append(table)

    def _prepend(self) -> None:
        year = self._years[0].year - 1
        self._check_year(year)
        table = _build_year(self.cal, year)
        self._day_starts.insert(0, self._day_starts[0] - len(table.days))
        self._us_starts.insert(0, self._us_starts[0] - table.total)
        self._years.insert(0, table)

    def _slot(self, year: int) -> int:
        """Index of ``year`` in the run, building the missing years first."""
        self._check_year(year)
        if not self._years:
            self._append(year)
        while self._years[-1].year < year:
            self._append(self._years[-1].year + 1)
        while self._years[0].year > year:
            self._prepend()
        return year - self._years[0].year

    def days_before(self, day: dt.date) -> int:
        """Global index of the first working day on or after ``day``."""
        with self._lock:
            slot = self._slot(day.year)
            table = self._years[slot]
            found = table.index.get(day)
            return self._day_starts[slot] + (
                bisect_left(table.days, day) if found is None else found
            )

    def us_before(self, day: dt.date) -> int:
        """Global working microseconds before ``day`` starts."""
        with self._lock:
            slot = self._slot(day.year)
            table = self._years[slot]
            return self._us_starts[slot] + table.cum[bisect_left(table.days, day)]

    def day_at(self, index: int) -> dt.date:
        """The working day with this global index."""
        with self._lock:
            while index < self._day_starts[0]:
                self._prepend()
            while index >= self._day_starts[-1] + len(self._years[-1].days):
                self._append(self._years[-1].year + 1)
            slot = bisect_right(self._day_starts, index) - 1
            return self._years[slot].days[index - self._day_starts[slot]]

    def locate_us(self, position: int) -> tuple[dt.date, int]:
        """Day and elapsed microseconds of the earliest moment at a working-time position."""
        with self._lock:
            while position <= self._us_starts[0]:
                self._prepend()
            while position > self._us_starts[-1] + self._years[-1].total:
                self._append(self._years[-1].year + 1)
            slot = bisect_left(self._us_starts, position) - 1
            table = self._years[slot]
            within = position - self._us_starts[slot]
            i = bisect_left(table.cum, within) - 1
            return table.days[i], within - table.cum[i]

    def next_working_day(self, day: dt.date) -> dt.date:
        """First working day strictly after ``day``."""
        if day >= dt.date(MAX_YEAR, 12, 31):
            self._check_year(MAX_YEAR + 1)
        return self.day_at(self.days_before(day + dt.timedelta(days=1)))


@functools.lru_cache(maxsize=64)
def _timeline(cal: WorkCalendar) -> _Timeline:
    return _Timeline(cal)


# Conversions between wall-clock moments and positions -------------------------------------


def _check_aware(moment: dt.datetime) -> dt.datetime:
    """Refuse naive datetimes: guessing their zone would shift deadlines by hours."""
    if not isinstance(moment, dt.datetime):
        raise _error("Cần một thời điểm (ngày giờ)", f"expected a datetime, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _error(
            f"Thời điểm {moment:%Y-%m-%d %H:%M} thiếu múi giờ",
            "naive datetime: pass a timezone-aware datetime",
        )
    return moment


def _to_local(cal: WorkCalendar, moment: dt.datetime) -> dt.datetime:
    """Naive wall-clock time in the calendar's zone (the rules are about the local clock)."""
    return _check_aware(moment).astimezone(cal.zone).replace(tzinfo=None)


def _aware(cal: WorkCalendar, local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=cal.zone)


def _day_position(cal: WorkCalendar, line: _Timeline, local: dt.datetime) -> Fraction:
    hours = cal.hours_on(local.date())
    before = line.days_before(local.date())
    if not hours:
        return Fraction(before)
    return before + Fraction(_elapsed_in_day(hours, _us(local.time())), _day_length(hours))


def _us_position(cal: WorkCalendar, line: _Timeline, local: dt.datetime) -> int:
    hours = cal.hours_on(local.date())
    return line.us_before(local.date()) + _elapsed_in_day(hours, _us(local.time()))


def _from_day_position(cal: WorkCalendar, line: _Timeline, position: Fraction) -> dt.datetime:
    """Earliest moment at a day position: a whole number is the end of the previous day."""
    index = math.floor(position)
    fraction = position - index
    if fraction == 0:
        day = line.day_at(index - 1)
        hours = cal.hours_on(day)
        return _time_at(day, hours, _day_length(hours))
    day = line.day_at(index)
    hours = cal.hours_on(day)
    # Round up to the microsecond: a due time is never earlier than the law allows.
    return _time_at(day, hours, math.ceil(fraction * _day_length(hours)))


def _snap_forward(cal: WorkCalendar, line: _Timeline, local: dt.datetime) -> dt.datetime:
    """Earliest working moment at or after ``local`` (same position, inside working hours)."""
    moment = _us(local.time())
    for start, end in cal.hours_on(local.date()):
        if moment <= _us(end):
            return local if moment >= _us(start) else dt.datetime.combine(local.date(), start)
    return _day_start(cal, line.next_working_day(local.date()))


def _day_start(cal: WorkCalendar, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, cal.hours_on(day)[0][0])


def _day_end(cal: WorkCalendar, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, cal.hours_on(day)[-1][1])


def _as_fraction(amount: Amount) -> Fraction:
    """Exact value of an amount; floats are read as their shortest decimal form (0.1 -> 1/10)."""
    if isinstance(amount, bool) or not isinstance(amount, int | Fraction | Decimal | float):
        raise _error(f"Thời hạn không hợp lệ: {amount!r}", "amount must be a number")
    finite = amount.is_finite() if isinstance(amount, Decimal) else math.isfinite(amount)
    if not finite:
        raise _error(f"Thời hạn không hợp lệ: {amount!r}", "amount must be finite")
    value = Fraction(repr(amount)) if isinstance(amount, float) else Fraction(amount)
    if value < 0:
        raise _error(f"Thời hạn không được âm: {amount}", "amount must be >= 0")
    return value


# Public functions --------------------------------------------------------------------------


def normalise_reception(cal: WorkCalendar, moment: dt.datetime) -> dt.datetime:
    """The moment from which a reception counts.

    The law counts a dossier received after the cut-off, outside working hours or on a day off
    from the start of the next working day; one received in the lunch break from the afternoon
    start; one received before opening from that day's opening. Otherwise it stays as it is.
    """
    local = _to_local(cal, moment)
    day, moment_us = local.date(), _us(local.time())
    hours = cal.hours_on(day)
    if hours and moment_us <= _us(cal.cutoff):
        for start, end in hours:
            if moment_us < _us(start):
                return _aware(cal, dt.datetime.combine(day, start))
            if moment_us <= _us(end):
                return _aware(cal, local)
    next_day = _timeline(cal).next_working_day(day)
    return _aware(cal, _day_start(cal, next_day))


def add_working(
    cal: WorkCalendar,
    start: dt.datetime,
    amount: Amount,
    unit: Unit = Unit.WORKING_DAYS,
) -> dt.datetime:
    """The moment ``amount`` units of working time after ``start``.

    ``start`` is used as given (no cut-off rule: call `normalise_reception` or `due_moment` for
    a reception); a moment outside working hours counts from the next working moment. The
    result is always inside working hours, the earliest moment at its position. SAME_DAY
    ignores ``amount``; CALENDAR_DAYS needs a whole number.
    """
    value = _as_fraction(amount)
    local = _to_local(cal, start)
    line = _timeline(cal)
    if unit is Unit.WORKING_DAYS:
        result = _add_days(cal, line, local, value)
    elif unit is Unit.WORKING_HOURS:
        result = _add_hours(cal, line, local, value)
    elif unit is Unit.CALENDAR_DAYS:
        result = _add_calendar_days(cal, line, local, value)
    elif unit is Unit.SAME_DAY:
        result = _day_end(cal, _snap_forward(cal, line, local).date())
    else:
        raise _error(f"Đơn vị thời hạn không hợp lệ: {unit!r}", "unknown unit")
    return _aware(cal, result)


def _add_days(
    cal: WorkCalendar, line: _Timeline, local: dt.datetime, days: Fraction
) -> dt.datetime:
    if days == 0:
        return _snap_forward(cal, line, local)
    return _from_day_position(cal, line, _day_position(cal, line, local) + days)


def _add_hours(
    cal: WorkCalendar, line: _Timeline, local: dt.datetime, hours: Fraction
) -> dt.datetime:
    if hours == 0:
        return _snap_forward(cal, line, local)
    target = _us_position(cal, line, local) + math.ceil(hours * US_PER_HOUR)
    day, elapsed = line.locate_us(target)
    return _time_at(day, cal.hours_on(day), elapsed)


def _add_calendar_days(
    cal: WorkCalendar, line: _Timeline, local: dt.datetime, days: Fraction
) -> dt.datetime:
    """Civil Code rule: a period whose last day is a day off ends with the next working day."""
    if days.denominator != 1:
        raise _error("Số ngày theo lịch phải là số nguyên", "calendar days must be whole")
    first = _snap_forward(cal, line, local).date()
    last = first + dt.timedelta(days=int(days))
    if not cal.is_working_day(last):
        last = line.next_working_day(last)
    return _day_end(cal, last)


def due_moment(
    cal: WorkCalendar,
    received: dt.datetime,
    amount: Amount,
    unit: Unit = Unit.WORKING_DAYS,
) -> dt.datetime:
    """Due time of a dossier: the reception normalised, then the processing time added."""
    return add_working(cal, normalise_reception(cal, received), amount, unit)


def elapsed_working(
    cal: WorkCalendar,
    start: dt.datetime,
    end: dt.datetime,
    pauses: Iterable[Pause] = (),
    unit: Unit = Unit.WORKING_DAYS,
) -> Fraction:
    """Working time between two moments, without the pauses (the clock stops meanwhile).

    Waiting for a supplement or for a financial obligation stops the clock, so those intervals
    are merged, clipped to the span and taken out. A pause may be open (end ``None``: still
    running at ``end``). Negative when ``end`` comes before ``start`` (time left until a due
    moment, for instance). Exact: ``elapsed_working(s, add_working(s, d)) == d``.
    """
    if unit not in (Unit.WORKING_DAYS, Unit.WORKING_HOURS):
        raise _error("Chỉ đo được theo ngày hoặc giờ làm việc", "unit must be days or hours")
    low, high = sorted((_check_aware(start), _check_aware(end)))
    line = _timeline(cal)

    def measure(moment: dt.datetime) -> Fraction:
        local = _to_local(cal, moment)
        if unit is Unit.WORKING_DAYS:
            return _day_position(cal, line, local)
        return Fraction(_us_position(cal, line, local), US_PER_HOUR)

    total = measure(high) - measure(low)
    for pause_start, pause_end in _merge_pauses(pauses, low, high):
        total -= measure(pause_end) - measure(pause_start)
    return total if start <= end else -total


def _merge_pauses(
    pauses: Iterable[Pause], low: dt.datetime, high: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Clip the pauses to [low, high] and merge overlaps, so no time is taken out twice."""
    clipped = []
    for pause_start, pause_end in pauses:
        stop = high if pause_end is None else _check_aware(pause_end)
        if stop < _check_aware(pause_start):
            raise _error(
                "Khoảng tạm dừng kết thúc trước khi bắt đầu", "pause ends before it starts"
            )
        first, last = max(pause_start, low), min(stop, high)
        if first < last:
            clipped.append((first, last))
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for pause_start, pause_end in sorted(clipped):
        if merged and pause_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], pause_end))
        else:
            merged.append((pause_start, pause_end))
    return merged
