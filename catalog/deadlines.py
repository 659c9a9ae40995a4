"""What the catalogue tells a citizen about time: "if you apply now, the result is due on ..."."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from catalog.models import Procedure
from workdays import clock
from workdays.default import default_calendar
from workdays.models import Calendar


@dataclass(frozen=True)
class DueEstimate:
    counted_from: dt.datetime
    due: dt.datetime
    calendar: Calendar


def calendar_for_procedure(procedure: Procedure) -> Calendar | None:
    """The calendar of the first agency that handles the procedure, else the province's."""
    for agency in procedure.agencies.all():
        return agency.calendar
    return default_calendar()


def due_if_applied(procedure: Procedure, moment: dt.datetime | None = None) -> DueEstimate | None:
    """Due moment of a dossier received at `moment` (now by default); None if the law's time
    is not known to the catalogue, since a guessed date would mislead the citizen."""
    if not procedure.has_legal_time:
        return None
    calendar = calendar_for_procedure(procedure)
    if calendar is None:
        return None
    work = calendar.to_clock()
    start = clock.normalise_reception(work, moment or timezone.now())
    amount = procedure.legal_time_amount or 0
    due = clock.add_working(work, start, amount, clock.Unit(procedure.legal_time_unit))
    return DueEstimate(counted_from=start, due=due, calendar=calendar)
