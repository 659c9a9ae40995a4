"""The province's default calendar, read through a compiled query (`workdays.default`): the
same calendar the ORM reads, an edit seen at once, and calendar days when there is none."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from workdays.default import default_calendar, working_days_after
from workdays.models import Calendar, CalendarDay

FRIDAY = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # 16:00 in Đà Nẵng


def _fields(calendar: Calendar) -> list:
    return [getattr(calendar, f.attname) for f in Calendar._meta.concrete_fields]


def test_it_is_the_calendar_the_orm_reads(province):
    from motcua import compiled_sql

    ours = default_calendar()
    theirs = Calendar.objects.get(code=settings.MOTCUA["DEFAULT_CALENDAR"])
    assert ours == theirs and _fields(ours) == _fields(theirs)
    assert any(k[-1] == "workdays.calendar_by_code" and v for k, v in compiled_sql._cache.items())


def test_working_days_skip_the_weekend_and_a_new_day_off_at_once(province):
    monday = working_days_after(FRIDAY, 1)
    assert monday.astimezone(dt.UTC).date() == dt.date(2026, 11, 30)
    CalendarDay.objects.create(
        calendar=default_calendar(), date=dt.date(2026, 11, 30), kind=CalendarDay.Kind.DAY_OFF
    )
    assert working_days_after(FRIDAY, 1).astimezone(dt.UTC).date() == dt.date(2026, 12, 1)


def test_without_a_calendar_the_days_are_calendar_days(db):
    assert default_calendar() is None
    assert working_days_after(FRIDAY, 3) == FRIDAY + dt.timedelta(days=3)


def test_a_revision_read_elsewhere_names_its_clock(province, django_assert_num_queries):
    """`working_days_after(..., revision)`: a revision this process has built answers without
    a query; a revision it has not (another process's edit) reads the calendar; "" means that
    the caller found no calendar."""
    from oversight.caching import latest_change

    calendar = default_calendar()
    expected = working_days_after(FRIDAY, 1)  # builds the clock in this process
    with django_assert_num_queries(0):
        assert working_days_after(FRIDAY, 1, calendar.revision.hex) == expected
    day = CalendarDay.objects.create(
        calendar=calendar, date=dt.date(2026, 11, 30), kind=CalendarDay.Kind.DAY_OFF
    )
    revision = latest_change().calendar
    assert revision != calendar.revision.hex  # the day changed the revision
    tuesday = working_days_after(FRIDAY, 1, revision)
    assert tuesday.astimezone(dt.UTC).date() == dt.date(2026, 12, 1)
    day.delete()
    with django_assert_num_queries(0):
        assert working_days_after(FRIDAY, 1, "") == FRIDAY + dt.timedelta(days=1)
