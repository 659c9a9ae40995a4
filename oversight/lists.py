"""The dossiers behind each number of the oversight pages (drill-down lists).

Each kind of number has one filter here, with the same definition as the counter it lists
(docs/statistics.md), so the length of a list equals the number that links to it:

- flows of a period (received, resolved early / on time / late, withdrawn or stopped) are the
  dossiers whose clock started or ended within the period's whole days, read from the
  dossiers and their timing rows (`stats.queries`);
- stocks (open, overdue, open in time, carried over from the previous period) are read at a
  moment: the end of the period, or now while the period runs (then from the open dossiers,
  through the partial index on open statuses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from dossiers.models.dossier import Channel
from dossiers.models.work import Timeliness
from oversight.backlog import due_soon, filter_dossiers, open_dossiers
from oversight.choosing import Filters
from service_index.periods import Period
from stats.queries import day_start, ended_between, open_at

KINDS = {
    "open": _("Hồ sơ đang giải quyết"),
    "overdue": _("Hồ sơ đang giải quyết đã quá hạn"),
    "in_time": _("Hồ sơ đang giải quyết còn trong hạn"),
    "due_soon": _("Hồ sơ sắp đến hạn"),
    "carried": _("Hồ sơ kỳ trước chuyển sang"),
    "received": _("Hồ sơ tiếp nhận trong kỳ"),
    "received_online": _("Hồ sơ tiếp nhận trực tuyến trong kỳ"),
    "resolved": _("Hồ sơ đã giải quyết trong kỳ"),
    "resolved_early": _("Hồ sơ giải quyết trước hạn"),
    "resolved_on_time": _("Hồ sơ giải quyết đúng hạn"),
    "resolved_in_time": _("Hồ sơ giải quyết trước hạn và đúng hạn"),
    "resolved_late": _("Hồ sơ giải quyết quá hạn"),
    "withdrawn_stopped": _("Hồ sơ rút hoặc dừng xử lý trong kỳ"),
}
STOCKS = {"open", "overdue", "in_time", "due_soon"}


@dataclass(frozen=True)
class Window:
    """The whole days of a period read so far: [start, end); `live` if the period runs now."""

    start: dt.datetime
    end: dt.datetime
    live: bool


def window(period: Period, now: dt.datetime | None = None) -> Window | None:
    now = now or timezone.now()
    judged = period.judged_day(timezone.localdate(now))
    if judged is None:
        return None
    return Window(period.start, day_start(judged + dt.timedelta(days=1)), period.end > now)


def _stock(kind: str, w: Window, now: dt.datetime, agencies, filters: Filters) -> QuerySet:
    if kind == "due_soon":
        return due_soon(agencies, filters, now)
    if w.live:
        rows = open_dossiers(agencies, filters)
        overdue = Q(timing__overdue_at__lt=now)
    else:
        rows = filter_dossiers(open_at(w.end), agencies, filters)
        overdue = Q(timing__overdue_at__lt=w.end)
    if kind == "overdue":
        return rows.filter(overdue)
    if kind == "in_time":
        return rows.exclude(overdue)
    return rows


def _resolved(w: Window, timeliness: list[str] | None) -> QuerySet:
    rows = ended_between(w.start, w.end).filter(result__isnull=False)
    return rows.filter(timing__timeliness__in=timeliness) if timeliness else rows


FLOWS = {
    "carried": lambda w: open_at(w.start),
    "received": lambda w: Dossier.objects.filter(received_at__gte=w.start, received_at__lt=w.end),
    "received_online": lambda w: Dossier.objects.filter(
        received_at__gte=w.start, received_at__lt=w.end, channel=Channel.ONLINE
    ),
    "resolved": lambda w: _resolved(w, None),
    "resolved_early": lambda w: _resolved(w, [Timeliness.EARLY]),
    "resolved_on_time": lambda w: _resolved(w, [Timeliness.ON_TIME]),
    "resolved_in_time": lambda w: _resolved(w, [Timeliness.EARLY, Timeliness.ON_TIME]),
    "resolved_late": lambda w: _resolved(w, [Timeliness.LATE]),
    "withdrawn_stopped": lambda w: ended_between(w.start, w.end).filter(result__isnull=True),
}


@dataclass(frozen=True)
class Holder:
    """Filter on who holds the open step (live lists only)."""

    unit_id: int | None = None
    official_id: int | None = None


def _held_by(rows: QuerySet, holder: Holder) -> QuerySet:
    """0 stands for "nobody": no open step, or a step not assigned yet. On the dossier's copy
    of its open step (decision 0014), as `oversight.backlog.holders` groups them."""
    if holder.unit_id == 0:
        rows = rows.filter(step_unit__isnull=True)
    elif holder.unit_id is not None:
        rows = rows.filter(step_unit=holder.unit_id)
    if holder.official_id == 0:
        rows = rows.filter(step_assignee__isnull=True)
    elif holder.official_id is not None:
        rows = rows.filter(step_assignee=holder.official_id)
    return rows


def dossiers(
    kind: str,
    period: Period,
    filters: Filters,
    agencies,
    holder: Holder = Holder(),
    now: dt.datetime | None = None,
) -> QuerySet:
    """The dossiers behind one number, soonest due first (none for a period not begun)."""
    if kind not in KINDS:
        raise LookupError(kind)
    now = now or timezone.now()
    w = window(period, now)
    if w is None:
        return Dossier.objects.none()
    if kind in STOCKS:
        rows = _stock(kind, w, now, agencies, filters)
    else:
        rows = filter_dossiers(FLOWS[kind](w), agencies, filters)
    rows = _held_by(rows, holder)
    rows = rows.select_related(
        "procedure",
        "processing_agency",
        "timing",
        "current_step__assignee__user",
        "current_step__unit",
    )
    if kind == "due_soon":
        return rows
    return rows.order_by("timing__legal_due_at", "pk")
