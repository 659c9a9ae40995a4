"""Properties of the working-time clock that must hold exactly, on any calendar.

Amounts are drawn so that they are whole microseconds of working time (every working day here
lasts a whole number of minutes): then the arithmetic is exact and compared with Fraction.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from workdays.clock import (
    Unit,
    WorkCalendar,
    add_working,
    elapsed_working,
    normalise_reception,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST, LAST = dt.date(2026, 1, 1), dt.date(2027, 12, 31)
# Denominators that divide 60,000,000 (microseconds in a minute) and 3,600,000,000 (an hour).
DENOMINATORS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 16, 20, 24, 25, 30, 40, 48, 60, 64, 75, 100]
MEASURED = [Unit.WORKING_DAYS, Unit.WORKING_HOURS]

# Year tables are built on first use: no per-example deadline.
clock_settings = settings(deadline=None, max_examples=150)


def _clock_time(minute: int) -> dt.time:
    return dt.time(*divmod(minute, 60))


@st.composite
def day_hours(draw: st.DrawFn, length: int) -> tuple[tuple[dt.time, dt.time], ...]:
    """``length`` working minutes cut into one to three intervals with breaks between them."""
    pieces = draw(st.integers(1, min(3, length)))
    inner = st.integers(1, length - 1) if length > 1 else st.nothing()
    cuts = sorted(draw(st.sets(inner, min_size=pieces - 1, max_size=pieces - 1)))
    breaks = [draw(st.integers(0, 120)) for _ in cuts]
    start = draw(st.integers(0, 24 * 60 - 1 - length - sum(breaks)))
    hours, done = [], 0
    for cut, pause in zip([*cuts, length], [*breaks, 0], strict=True):
        hours.append((_clock_time(start), _clock_time(start + cut - done)))
        start += cut - done + pause
        done = cut
    return tuple(hours)


dates = st.dates(min_value=FIRST, max_value=LAST)


@st.composite
def calendars(draw: st.DrawFn, equal_days: bool = False) -> WorkCalendar:
    """The standard week or a random one, with random days off and make-up days.

    With ``equal_days`` every working day lasts as long (true of real calendars): the day
    coordinate is then exact; otherwise a fraction of a day may fall between two microseconds.
    """
    if draw(st.booleans()):
        week = WorkCalendar().week
    else:
        length = draw(st.integers(60, 900))
        working = draw(st.sets(st.integers(0, 6), min_size=1))
        week = tuple(
            draw(day_hours(length if equal_days else draw(st.integers(60, 900))))
            if weekday in working
            else ()
            for weekday in range(7)
        )
    days_off = draw(st.frozensets(dates, max_size=60))
    makeup = draw(st.frozensets(dates, max_size=10)) - days_off
    cutoff = draw(st.times(min_value=dt.time(6), max_value=dt.time(20)))
    return WorkCalendar(week=week, days_off=days_off, makeup_days=makeup, cutoff=cutoff)


moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 6, 30), timezones=st.just(VN)
)
amounts = st.builds(
    Fraction, st.integers(min_value=0, max_value=1_000), st.sampled_from(DENOMINATORS)
)


def is_working_moment(cal: WorkCalendar, moment: dt.datetime) -> bool:
    """Inside a working interval of a working day; the end of an interval counts as inside."""
    local = moment.astimezone(cal.zone)
    assert local.utcoffset() == dt.timedelta(hours=7)
    hours = cal.hours_on(local.date())
    return any(start <= local.time() <= end for start, end in hours)


@st.composite
def calendar_and_unit(draw: st.DrawFn) -> tuple[WorkCalendar, Unit]:
    """Hours are exact on any calendar, days on calendars whose days are equally long."""
    unit = draw(st.sampled_from(MEASURED))
    return draw(calendars(equal_days=unit is Unit.WORKING_DAYS)), unit


@clock_settings
@given(calendar_and_unit(), moments, amounts)
def test_elapsed_undoes_add(calendar_unit, start: dt.datetime, amount) -> None:
    cal, unit = calendar_unit
    due = add_working(cal, start, amount, unit)
    assert elapsed_working(cal, start, due, unit=unit) == amount


@clock_settings
@given(calendar_and_unit(), moments, amounts, amounts)
def test_add_composes(calendar_unit, start: dt.datetime, first, second) -> None:
    cal, unit = calendar_unit
    step = add_working(cal, start, first, unit)
    assert add_working(cal, step, second, unit) == add_working(cal, start, first + second, unit)


@clock_settings
@given(calendars(), moments, amounts, st.sampled_from(list(Unit)))
def test_result_is_a_working_moment_after_start(
    cal: WorkCalendar, start: dt.datetime, amount, unit: Unit
) -> None:
    if unit is Unit.CALENDAR_DAYS:
        amount = Fraction(amount.numerator // amount.denominator % 400)
    due = add_working(cal, start, amount, unit)
    assert due >= start
    assert is_working_moment(cal, due)
    assert due.tzinfo == cal.zone


@clock_settings
@given(calendars(), moments, amounts, amounts, st.sampled_from(MEASURED))
def test_add_is_monotone(cal: WorkCalendar, start: dt.datetime, a, b, unit: Unit) -> None:
    low, high = sorted((a, b))
    assert add_working(cal, start, low, unit) <= add_working(cal, start, high, unit)


@clock_settings
@given(calendars(), moments)
def test_normalised_reception_is_a_working_moment_no_later_than_the_cut_off(
    cal: WorkCalendar, received: dt.datetime
) -> None:
    start = normalise_reception(cal, received)
    assert start >= received
    assert is_working_moment(cal, start)
    local = received.astimezone(cal.zone)
    if is_working_moment(cal, received) and local.time() <= cal.cutoff:
        assert start == received  # received inside working hours before the cut-off: stays
    if start.date() != received.date():
        assert start.time() == cal.hours_on(start.date())[0][0]  # the next day's opening


@st.composite
def spans_with_pauses(draw: st.DrawFn) -> tuple[dt.datetime, list[dt.datetime], dt.datetime]:
    """A span and some moments, sorted, to cut it into pauses."""
    points = sorted(draw(st.lists(moments, min_size=4, max_size=8)))
    return points[0], points[1:-1], points[-1]


@clock_settings
@given(calendars(), spans_with_pauses(), st.sampled_from(MEASURED))
def test_a_pause_is_taken_out_exactly(cal: WorkCalendar, span, unit: Unit) -> None:
    start, inner, end = span
    pause = (inner[0], inner[-1])
    expected = elapsed_working(cal, start, inner[0], unit=unit) + elapsed_working(
        cal, inner[-1], end, unit=unit
    )
    assert elapsed_working(cal, start, end, [pause], unit=unit) == expected


@clock_settings
@given(calendars(), spans_with_pauses(), st.randoms(use_true_random=False))
def test_overlapping_and_outside_pauses_count_once(cal: WorkCalendar, span, rnd) -> None:
    """Overlaps are merged, parts outside the span are clipped, the order does not matter."""
    start, inner, end = span
    union = (inner[0], inner[-1])
    pieces = [(inner[i], inner[j]) for i in range(len(inner)) for j in range(i, len(inner))]
    pieces += [(start - dt.timedelta(days=30), start), (end, end + dt.timedelta(days=9))]
    rnd.shuffle(pieces)
    assert elapsed_working(cal, start, end, pieces) == elapsed_working(cal, start, end, [union])


@clock_settings
@given(
    calendars(equal_days=True),
    moments,
    amounts,
    st.integers(0, 100),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=40)),
)
def test_due_moment_after_a_supplement_pause(
    cal: WorkCalendar, start: dt.datetime, days, percent: int, waiting: dt.timedelta
) -> None:
    """The clock stops while waiting: the new due moment restores the full legal time."""
    used = days * percent / 100
    paused = add_working(cal, start, used)  # the supplement is requested here
    resumed = paused + waiting  # and arrives here
    new_due = add_working(cal, resumed, days - used)
    assert elapsed_working(cal, start, new_due, [(paused, resumed)]) == days
    assert new_due >= add_working(cal, start, days)
