"""Seed a calendar's days off and make-up days from the `holidays` package.

The package knows the statutory holidays, their compensatory days and the government's swaps
(a Saturday worked in exchange for a bridge day off). It is a starting point, not the truth:
each year's announcement may differ, so admins edit the rows afterwards and seeding never
overwrites a row that exists (to cancel a seeded day off, change its kind to "workday" rather
than deleting it, or the next seeding brings it back).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
from django.db import transaction

from workdays.models import Calendar, CalendarDay

MAKEUP_NAME = "Ngày làm việc bù"
_NAME_LENGTH = CalendarDay._meta.get_field("name").max_length


@dataclass(frozen=True)
class SeedReport:
    """What one seeding did: rows added, and rows already there (left untouched)."""

    year: int
    created: int
    kept: int


def holiday_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """Days off and make-up days of ``year`` per the package: date -> (kind, Vietnamese name).

    Neighbouring years are loaded too because a swap may cross a new year (the day off of
    31/12/2018 was made up on 05/01/2019); the package's list of worked weekends is not limited
    to the requested years, so it is filtered here.
    """
    known = holidays.VN(years=range(year - 1, year + 2), language="vi")
    days = {
        day: (CalendarDay.Kind.DAY_OFF.value, name[:_NAME_LENGTH])
        for day, name in known.items()
        if day.year == year
    }
    for day in known.weekend_workdays:
        if day.year == year:
            days[day] = (CalendarDay.Kind.WORKDAY.value, _makeup_name(known, day))
    return days


def _makeup_name(known: holidays.HolidayBase, day: dt.date) -> str:
    """Name a make-up day after the day off it pays for, as the package labels that day off."""
    label = f"{day:%d/%m/%Y}"
    for day_off, name in sorted(known.items()):
        if label in name:
            return f"{MAKEUP_NAME} (cho ngày nghỉ {day_off:%d/%m/%Y})"
    return MAKEUP_NAME


def seed_year(calendar: Calendar, year: int) -> SeedReport:
    """Add the year's days off and make-up days that the calendar does not have yet.

    Idempotent: a date that already has a row keeps it as it is, whatever an admin made of it.
    """
    wanted = holiday_days(year)
    with transaction.atomic():
        existing = set(
            calendar.days.filter(date__year=year).values_list("date", flat=True),
        )
        new_rows = [
            CalendarDay(calendar=calendar, date=day, kind=kind, name=name)
            for day, (kind, name) in sorted(wanted.items())
            if day not in existing
        ]
        # ignore_conflicts: a concurrent seeding of the same year must not fail either.
        CalendarDay.objects.bulk_create(new_rows, ignore_conflicts=True)
        if new_rows:
            calendar.touch()  # bulk_create sends no signal
    return SeedReport(year=year, created=len(new_rows), kept=len(wanted) - len(new_rows))
