"""The province's default calendar (`MOTCUA["DEFAULT_CALENDAR"]`) and "now plus N working
days" on it, in one place for the officials' queues (the warning horizon), the dashboard (the
due-soon horizon) and the catalogue (a procedure no agency handles yet).

Why compiled: the queue and the dashboard ask at every view; reading the row through the ORM
cost about 1 ms, three times the read itself (decision 0007). The row is read afresh each time,
so a calendar edit applies at once; its working days come from `Calendar.to_clock`, cached
until the calendar's revision changes.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection

from motcua.compiled_sql import Prepared
from workdays import clock
from workdays.models import Calendar, clock_of_revision

CODE_MARK = "\x00motcua-calendar-code\x00"  # no calendar has this code (motcua.compiled_sql)
_FIELDS = [f.attname for f in Calendar._meta.concrete_fields]
CALENDAR_ROW = Prepared(
    "workdays.calendar_by_code",
    lambda code: Calendar.objects.filter(code=code).order_by("pk").values_list(*_FIELDS)[:1],
    typed=True,
    code=CODE_MARK,
)


def default_calendar() -> Calendar | None:
    """The province's default calendar, or None before the calendars are set up."""
    found = CALENDAR_ROW.rows(code=settings.MOTCUA["DEFAULT_CALENDAR"])
    return Calendar.from_db(connection.alias, _FIELDS, found[0]) if found else None


def working_days_after(moment: dt.datetime, days: int, revision: str | None = None) -> dt.datetime:
    """`moment` plus `days` working days of the default calendar (calendar days without one).

    `revision`: the default calendar's revision the caller has just read (hex; "" for no
    calendar), with other figures in one query (`oversight.caching.latest_change`); its clock,
    if this process has built it, answers without reading the calendar again."""
    known = clock_of_revision(revision) if revision else None
    if known is not None:
        return clock.add_working(known, moment, days)
    calendar = default_calendar() if revision != "" else None
    if calendar is None:
        return moment + dt.timedelta(days=days)
    return clock.add_working(calendar.to_clock(), moment, days)
