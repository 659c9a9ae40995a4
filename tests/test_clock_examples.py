"""Hand-checked due dates on the province calendar (days off from the `holidays` package).

Every expected value below was worked out on a paper calendar; the pure clock needs no database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import holidays
import pytest

from workdays import clock
from workdays.clock import Unit, WorkCalendar, add_working, due_moment, elapsed_working
from workdays.clock import normalise_reception as normalise

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    """The default calendar (07:30-11:30, 13:30-17:00 Mon-Fri, cut-off 15:00) for 2025-2027."""
    known = holidays.VN(years=range(2025, 2028), language="vi")
    return WorkCalendar(
        days_off=frozenset(known),
        makeup_days=frozenset(day for day in known.weekend_workdays if day.year >= 2025),
    )


def at(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


def test_package_days_off_around_tet_2027_are_the_ones_these_examples_assume() -> None:
    days = {day for day in holidays.VN(years=2027) if day.month == 2}
    assert days == {dt.date(2027, 2, day) for day in range(4, 11)}  # Thu 4 to Wed 10 Feb


def test_package_days_off_around_30_4_and_1_5() -> None:
    assert {d for d in holidays.VN(years=2026) if d.month in (4, 5)} >= {
        dt.date(2026, 4, 27),  # Hùng Kings (Sunday 26/4) moved to Monday
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 1),
    }
    assert {d for d in holidays.VN(years=2027) if d.month in (4, 5)} >= {
        dt.date(2027, 4, 30),
        dt.date(2027, 5, 3),  # 1 May 2027 is a Saturday: the Monday is off
    }


@pytest.mark.parametrize(
    ("received", "days", "counted_from", "due"),
    [
        # Tết 2027: last working day before is Wed 3 Feb, first after is Thu 11 Feb.
        ("2027-02-03 09:00", 3, "2027-02-03 09:00", "2027-02-15 09:00"),
        ("2027-02-02 10:00", 2, "2027-02-02 10:00", "2027-02-11 10:00"),
        ("2027-02-03 15:30", 1, "2027-02-11 07:30", "2027-02-11 17:00"),  # after cut-off
        ("2027-02-08 10:00", 1, "2027-02-11 07:30", "2027-02-11 17:00"),  # on a day off
        # 30/4-1/5 2026 (Mon 27/4 off too).
        ("2026-04-28 10:00", 2, "2026-04-28 10:00", "2026-05-04 10:00"),
        ("2026-04-24 16:00", 1, "2026-04-28 07:30", "2026-04-28 17:00"),  # Friday after 15:00
        ("2026-04-29 08:00", 5, "2026-04-29 08:00", "2026-05-08 08:00"),
        # 30/4-1/5 2027 (Fri 30/4, Sat 1/5, Mon 3/5 off).
        ("2027-04-29 14:00", 1, "2027-04-29 14:00", "2027-05-04 14:00"),
        ("2027-04-28 09:00", 3, "2027-04-28 09:00", "2027-05-05 09:00"),
        # Make-up Saturday 22/8/2026 (for Mon 31/8), then 1-2/9 off.
        ("2026-08-21 09:00", 1, "2026-08-21 09:00", "2026-08-22 09:00"),
        ("2026-08-28 09:00", 1, "2026-08-28 09:00", "2026-09-03 09:00"),
    ],
)
def test_working_days_across_holidays(
    cal: WorkCalendar, received: str, days: int, counted_from: str, due: str
) -> None:
    assert normalise(cal, at(received)) == at(counted_from)
    assert due_moment(cal, at(received), days) == at(due)


@pytest.mark.parametrize(
    ("received", "counted_from"),
    [
        ("2027-03-01 15:00", "2027-03-01 15:00"),  # at the cut-off: still today
        ("2027-03-01 15:01", "2027-03-02 07:30"),  # after it: next working day
        ("2027-03-01 06:45", "2027-03-01 07:30"),  # before opening
        ("2027-03-01 11:30", "2027-03-01 11:30"),  # the end of the morning is inside
        ("2027-03-01 12:15", "2027-03-01 13:30"),  # lunch break
        ("2027-03-05 14:59", "2027-03-05 14:59"),  # Friday afternoon, before the cut-off
        ("2027-03-05 15:30", "2027-03-08 07:30"),  # Friday after the cut-off: Monday
        ("2027-03-06 09:00", "2027-03-08 07:30"),  # Saturday reception
        ("2027-03-01 21:00", "2027-03-02 07:30"),  # online at night
    ],
)
def test_reception_normalisation(cal: WorkCalendar, received: str, counted_from: str) -> None:
    assert normalise(cal, at(received)) == at(counted_from)


def test_cut_off_is_a_setting(cal: WorkCalendar) -> None:
    late = WorkCalendar(days_off=cal.days_off, cutoff=dt.time(16, 30))
    assert normalise(late, at("2027-03-01 16:00")) == at("2027-03-01 16:00")
    assert normalise(late, at("2027-03-01 16:31")) == at("2027-03-02 07:30")


def test_one_day_from_opening_is_due_the_same_evening(cal: WorkCalendar) -> None:
    assert add_working(cal, at("2027-03-01 07:30"), 1) == at("2027-03-01 17:00")
    assert add_working(cal, at("2027-03-01 07:30"), 5) == at("2027-03-05 17:00")


def test_boundary_is_the_earliest_moment(cal: WorkCalendar) -> None:
    # Received in the lunch break: counted from 13:30, i.e. 4 of 7.5 hours done; one day later
    # the same position is 11:30 (end of the morning) rather than 13:30.
    assert due_moment(cal, at("2027-03-01 12:15"), 1) == at("2027-03-02 11:30")
    assert add_working(cal, at("2027-03-01 07:30"), 4, Unit.WORKING_HOURS) == at("2027-03-01 11:30")


def test_friday_afternoon(cal: WorkCalendar) -> None:
    assert due_moment(cal, at("2027-03-05 14:00"), 1) == at("2027-03-08 14:00")
    assert due_moment(cal, at("2027-03-05 16:00"), 1) == at("2027-03-08 17:00")
    assert due_moment(cal, at("2027-03-05 14:00"), 8, Unit.WORKING_HOURS) == at("2027-03-08 14:30")


def test_fractional_days(cal: WorkCalendar) -> None:
    # Half of 7.5 hours is 3h45: 07:30 + 3h45 = 11:15.
    assert add_working(cal, at("2027-03-01 07:30"), Fraction(1, 2)) == at("2027-03-01 11:15")
    assert add_working(cal, at("2027-03-01 07:30"), Decimal("0.5")) == at("2027-03-01 11:15")
    assert add_working(cal, at("2027-03-01 07:30"), 0.5) == at("2027-03-01 11:15")
    # 10:00 is 2.5 h in; + 3.75 h = 6.25 h, i.e. 13:30 + 2.25 h.
    assert add_working(cal, at("2027-03-01 10:00"), 0.5) == at("2027-03-01 15:45")


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        ("2027-03-01 10:00", 4, "2027-03-01 16:00"),  # 1.5 h, lunch, 2.5 h
        ("2027-03-01 14:00", 8, "2027-03-02 14:30"),  # 3 h, night, 4 h, lunch, 1 h
        ("2027-02-03 14:00", 8, "2027-02-11 14:30"),  # the same across Tết 2027
        ("2026-04-29 13:30", 24, "2026-05-06 15:00"),  # 3.5, then 7.5 x 2, then 4 + 1.5
    ],
)
def test_working_hours(cal: WorkCalendar, received: str, hours: int, due: str) -> None:
    assert due_moment(cal, at(received), hours, Unit.WORKING_HOURS) == at(due)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        ("2027-03-01 09:00", 3, "2027-03-04 17:00"),  # ends on a working day: its evening
        ("2027-03-01 09:00", 5, "2027-03-08 17:00"),  # ends on Saturday: Monday
        ("2026-04-20 10:00", 10, "2026-05-04 17:00"),  # ends on 30/4: after 1/5 and weekend
        ("2027-01-26 10:00", 10, "2027-02-11 17:00"),  # ends on 5/2/2027, in Tết
        ("2027-03-01 16:00", 0, "2027-03-02 17:00"),  # counted from the next day
    ],
)
def test_calendar_days(cal: WorkCalendar, received: str, days: int, due: str) -> None:
    assert due_moment(cal, at(received), days, Unit.CALENDAR_DAYS) == at(due)


def test_calendar_days_must_be_whole(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="số nguyên"):
        add_working(cal, at("2027-03-01 09:00"), Fraction(1, 2), Unit.CALENDAR_DAYS)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2027-03-01 09:00", "2027-03-01 17:00"),
        ("2027-03-01 15:30", "2027-03-02 17:00"),  # after the cut-off
        ("2027-02-05 09:00", "2027-02-11 17:00"),  # in Tết
    ],
)
def test_same_day(cal: WorkCalendar, received: str, due: str) -> None:
    assert due_moment(cal, at(received), 0, Unit.SAME_DAY) == at(due)


def test_zero_is_the_next_working_moment(cal: WorkCalendar) -> None:
    assert add_working(cal, at("2027-03-01 12:00"), 0) == at("2027-03-01 13:30")
    assert add_working(cal, at("2027-03-01 17:00"), 0) == at("2027-03-01 17:00")
    assert add_working(cal, at("2027-03-01 20:00"), 0, Unit.WORKING_HOURS) == at("2027-03-02 07:30")


def test_elapsed_with_supplement_pause(cal: WorkCalendar) -> None:
    start, end = at("2027-03-01 09:00"), at("2027-03-05 09:00")
    assert elapsed_working(cal, start, end) == 4
    assert elapsed_working(cal, start, end, unit=Unit.WORKING_HOURS) == 30
    # Waiting from Tue 09:00 to Wed 09:00 for a supplement: one day less.
    pause = (at("2027-03-02 09:00"), at("2027-03-03 09:00"))
    assert elapsed_working(cal, start, end, [pause]) == 3
    # An open pause (still waiting) stops the clock up to `end`.
    assert elapsed_working(cal, start, end, [(at("2027-03-04 09:00"), None)]) == 3
    # Negative when the end comes first: time left before a due moment.
    assert elapsed_working(cal, end, start) == -4


def test_elapsed_across_tet(cal: WorkCalendar) -> None:
    assert elapsed_working(cal, at("2027-02-03 09:00"), at("2027-02-15 09:00")) == 3
    half_day = elapsed_working(cal, at("2027-02-03 13:30"), at("2027-02-11 07:30"))
    assert half_day == Fraction(7, 15)  # 3.5 of 7.5 hours


def test_results_are_in_the_calendar_zone(cal: WorkCalendar) -> None:
    utc = dt.datetime(2027, 3, 1, 2, 0, tzinfo=dt.UTC)  # 09:00 in Hà Nội
    due = add_working(cal, utc, 1)
    assert due.tzinfo == VN
    assert due == at("2027-03-02 09:00")


def test_make_up_day_takes_monday_hours() -> None:
    saturday = dt.date(2026, 8, 22)
    short_monday = WorkCalendar.weekly(
        [(dt.time(8), dt.time(12))], weekdays=[0, 1, 2, 3, 4], makeup_days={saturday}
    )
    assert short_monday.hours_on(saturday) == ((dt.time(8), dt.time(12)),)
    assert add_working(short_monday, at("2026-08-21 12:00"), 1) == at("2026-08-22 12:00")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: add_working(c, dt.datetime(2027, 3, 1, 9), 1), "múi giờ"),
        (lambda c: add_working(c, at("2027-03-01 09:00"), -1), "không được âm"),
        (lambda c: add_working(c, at("2027-03-01 09:00"), float("nan")), "không hợp lệ"),
        (lambda c: add_working(c, at("2027-03-01 09:00"), "1"), "không hợp lệ"),
        (lambda c: normalise(c, dt.datetime(2027, 3, 1, 9)), "naive"),
        (lambda c: elapsed_working(c, at("2027-03-01 09:00"), dt.datetime(2027, 3, 2)), "naive"),
        (lambda c: add_working(c, at("2100-12-31 09:00"), 5), "2101"),
        (lambda c: add_working(c, at("1989-12-29 09:00"), 1), "1989"),
        (
            lambda c: elapsed_working(
                c,
                at("2027-03-01 09:00"),
                at("2027-03-03 09:00"),
                [(at("2027-03-02 09:00"), at("2027-03-01 09:00"))],
            ),
            "pause ends before it starts",
        ),
    ],
)
def test_bad_input_is_refused(cal: WorkCalendar, call, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        call(cal)
    assert " / " in str(caught.value)  # Vietnamese, then English


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="không có ngày làm việc"):
        WorkCalendar(week=((),) * 7)
    with pytest.raises(ValueError, match="both a day off and a make-up"):
        WorkCalendar(days_off={dt.date(2026, 8, 22)}, makeup_days={dt.date(2026, 8, 22)})
    with pytest.raises(ValueError, match="overlap"):
        WorkCalendar.weekly([(dt.time(8), dt.time(12)), (dt.time(11), dt.time(17))])
    with pytest.raises(ValueError, match="time zone"):
        WorkCalendar(tz="Mars/Olympus")


def test_long_spans_do_not_walk_day_by_day(cal: WorkCalendar, monkeypatch) -> None:
    """After the year index is built, adding 20 or 2,000 days costs the same few look-ups."""
    cal = WorkCalendar(days_off=cal.days_off, cutoff=dt.time(14))  # its own, fresh index
    start = at("2026-03-02 09:00")
    add_working(cal, start, 2000)  # builds the year tables once
    calls = {"count": 0}
    original = WorkCalendar.hours_on

    def counting(self: WorkCalendar, day: dt.date) -> tuple:
        calls["count"] += 1
        return original(self, day)

    monkeypatch.setattr(WorkCalendar, "hours_on", counting)
    for days in (20, 2000):
        calls["count"] = 0
        add_working(cal, start, days)
        assert calls["count"] <= 4, days
    assert len(clock._timeline(cal)._years) <= 10  # 2026 to 2033, nothing beyond
