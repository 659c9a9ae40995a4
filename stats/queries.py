"""Reading the summary tables: sums over a period, the backlog at the end of a day, and the
dossiers behind a figure (for drill-down pages). Who holds the open dossiers now is read
from the dossiers themselves (`oversight.backlog.holders`).

Group by any of the key columns or what they lead to: "agency", "procedure", "channel",
"agency__level__process_group" (the administrative level), "procedure__field" (the field).
Periods are whole local days, `first` to `last` inclusive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from dossiers.models import Dossier
from stats.models import DossierCount, OfficialCount, counter_names
from stats.periods import summed

# The backlog at the end of a day, from the counters up to that day.
BACKLOG = {
    "open": Sum(F("received") - F("ended_on_time") - F("ended_late")),
    "overdue": Sum(F("became_overdue") - F("ended_late")),
}


def _scope(agencies: Iterable[int] | None) -> dict:
    return {} if agencies is None else {"agency__in": list(agencies)}


def period_sums(
    first: dt.date, last: dt.date, *, agencies: Iterable[int] | None = None,
    by: Sequence[str] = ("agency",), counters: Sequence[str] | None = None,
) -> list[dict]:  # fmt: skip
    """One dict per group: the group's values and the sum of each counter over the days
    (month rows for whole months, `stats.periods`), in the order of the groups."""
    names = counters or counter_names(DossierCount)
    rows = summed(first, last, sums={name: Sum(name) for name in names}, by=by,
                  where=_scope(agencies))  # fmt: skip
    return sorted(rows, key=lambda row: tuple(row[b] for b in by))


def official_sums(
    first: dt.date, last: dt.date, *, officials: Iterable[int] | None = None,
    by: Sequence[str] = ("official_id",),
) -> QuerySet:  # fmt: skip
    """Per official (or any key columns of OfficialCount): the sums over the days."""
    rows = OfficialCount.objects.filter(day__gte=first, day__lte=last)
    if officials is not None:
        rows = rows.filter(official_id__in=list(officials))
    names = counter_names(OfficialCount)
    return rows.values(*by).annotate(**{name: Sum(name) for name in names}).order_by(*by)


def backlog_at(
    day: dt.date, *, agencies: Iterable[int] | None = None, by: Sequence[str] = ("agency",)
) -> list[dict]:
    """Dossiers open (clock running or stopped, not ended) and, of those, overdue at the end
    of `day`: every dossier received adds one and every ending takes it away; every overdue
    moment adds one and every late ending takes it away. Days after `day` do not count, so
    this is right for any past day (for today: as of the overdue job's last run). Summed from
    the month rows of the months before and the day rows of `day`'s month (`stats.periods`)."""
    rows = summed(None, day, sums=BACKLOG, by=by, where=_scope(agencies))
    return sorted(rows, key=lambda row: tuple(row[b] for b in by))


# ---------------------------------------------------------------- the dossiers behind a figure


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day` (the days of the counters are local days)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def clocked() -> QuerySet:
    """Dossiers whose legal clock started (received, or received by transfer)."""
    return Dossier.objects.filter(received_at__isnull=False)


def ended_between(start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Dossiers with a clock that ended in [start, end): the `ended_*` counters of those days."""
    return clocked().filter(timing__ended_at__gte=start, timing__ended_at__lt=end)


def open_at(moment: dt.datetime) -> QuerySet:
    """Dossiers with a clock, received before `moment` and not ended by then."""
    not_ended = Q(timing__ended_at__isnull=True) | Q(timing__ended_at__gte=moment)
    return clocked().filter(not_ended, received_at__lt=moment)


def overdue_at(moment: dt.datetime) -> QuerySet:
    """Of `open_at(moment)`, those past their legal due moment then."""
    return open_at(moment).filter(timing__overdue_at__lt=moment)
