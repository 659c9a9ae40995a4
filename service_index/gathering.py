"""What the figures are computed from, per agency, in a handful of grouped queries.

Dossier figures come from the summary tables (stats): sums of a period's days per agency, and
the backlog at the day open dossiers are judged. Catalogue figures come from the procedures in
force at the period's end that each agency decides. A level or the province adds up its
agencies' inputs (counts add, sets of procedures unite).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db.models import Sum
from django.utils import timezone

from catalog.models import OnlineLevel, Procedure
from dossiers.models.dossier import Channel
from service_index.periods import Period
from stats.models import DossierCount
from stats.queries import backlog_at, period_sums

ONLINE_LEVELS = (OnlineLevel.FULL, OnlineLevel.PARTIAL)
FLOWS = ("ended_on_time", "ended_late", "processing_minutes", "received", "received_reusing",
         "results", "e_results", "digitised", "resolved_early", "resolved_on_time",
         "resolved_late")  # fmt: skip


@dataclass
class Inputs:
    """The numbers behind one scope's figures for one period."""

    ended_on_time: int = 0
    ended_late: int = 0
    open_at_end: int = 0
    overdue_at_end: int = 0
    resolved: int = 0
    processing_minutes: int = 0
    received: int = 0
    received_reusing: int = 0
    received_online_capable: int = 0
    received_online: int = 0
    results: int = 0
    e_results: int = 0
    digitised: int = 0
    procedures: set[str] = field(default_factory=set)
    online_procedures: set[str] = field(default_factory=set)
    used_online_procedures: set[str] = field(default_factory=set)

    def merge(self, other: Inputs) -> Inputs:
        """The inputs of two scopes together."""
        merged = Inputs()
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            setattr(merged, f.name, mine | theirs if isinstance(mine, set) else mine + theirs)
        return merged


def gather(period: Period, now: dt.datetime | None = None) -> dict[int, Inputs]:
    """Inputs per agency id, for every agency with dossiers or procedures.

    None for a period that has not begun, the catalogue's included: an index scored before
    its period would grade agencies (and rank them) on what has not happened yet."""
    now = now or timezone.now()
    judged = period.judged_day(timezone.localdate(now))
    if judged is None:
        return {}
    inputs: dict[int, Inputs] = defaultdict(Inputs)
    _flows(inputs, period.first, judged)
    _backlog(inputs, judged)
    _online(inputs, period.first, judged)
    _catalogue(inputs, period.last)
    return dict(inputs)


def _flows(inputs: dict[int, Inputs], first: dt.date, last: dt.date) -> None:
    for row in period_sums(first, last, counters=FLOWS):
        i = inputs[row["agency"]]
        for name in FLOWS:
            if hasattr(i, name):
                setattr(i, name, row[name] or 0)
        i.resolved = sum(row[f"resolved_{t}"] or 0 for t in ("early", "on_time", "late"))


def _backlog(inputs: dict[int, Inputs], day: dt.date) -> None:
    for row in backlog_at(day):
        inputs[row["agency"]].open_at_end = row["open"] or 0
        inputs[row["agency"]].overdue_at_end = row["overdue"] or 0


def _online(inputs: dict[int, Inputs], first: dt.date, last: dt.date) -> None:
    """Received dossiers of procedures offering online service, and which of those
    procedures received online dossiers in the period."""
    capable = DossierCount.objects.filter(
        day__gte=first, day__lte=last, received__gt=0, procedure__online_level__in=ONLINE_LEVELS
    )
    rows = (
        capable.values("agency", "channel", "procedure__national_code")
        .annotate(n=Sum("received"))
        .order_by()
    )
    for row in rows:
        i = inputs[row["agency"]]
        i.received_online_capable += row["n"]
        if row["channel"] == Channel.ONLINE:
            i.received_online += row["n"]
            i.used_online_procedures.add(row["procedure__national_code"])


def _catalogue(inputs: dict[int, Inputs], on: dt.date) -> None:
    """Procedures in force on `on` per deciding agency (versions counted once, by code)."""
    rows = Procedure.objects.current(on).filter(agencies__isnull=False)
    for agency, code, level in rows.values_list("agencies", "national_code", "online_level"):
        i = inputs[agency]
        i.procedures.add(code)
        if level in ONLINE_LEVELS:
            i.online_procedures.add(code)
    for i in inputs.values():
        # Online dossiers only count for procedures the agency offers online.
        i.used_online_procedures &= i.online_procedures
