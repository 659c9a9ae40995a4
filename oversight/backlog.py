"""Backlog figures for the oversight dashboards (O1): open and overdue dossiers by agency,
field, level and official, the monthly trend, and the dossiers falling due soon.

Headline figures read the summary tables: the backlog at the end of a day is a sum of the
counters up to that day (open = received - ended, overdue = became_overdue - ended_late;
`stats.queries.backlog_at`, docs/statistics.md), read from the month rows of the months before
and the day rows of its month (`stats.periods`), so it costs about the same whatever the
number of dossiers. Two readings are live, and bounded by what they read: who holds the open
dossiers of one agency (its open dossiers, through the partial index on open statuses), and
the dossiers falling due soon (the timing rows whose overdue moment is still ahead, through
their partial index), at most a page of them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.lifecycle import OPEN
from dossiers.models import Dossier
from org.models import Agency, Official, OrgUnit
from oversight.choosing import Filters
from oversight.figures import label_map, months_between, narrow, summed_counts
from stats.models import DossierTiming
from stats.queries import BACKLOG
from workdays.default import working_days_after

# Fields shown first (issue 6: land, labour, social policy), by the codes the catalogue import
# gives them (catalog.exchange: the folded name as a slug). A field not in the catalogue is
# simply absent.
PRIORITY_FIELDS = (
    (_("Đất đai"), ("dat-dai", "tai-chinh-dat-dai")),
    (_("Lao động, việc làm"), ("lao-dong", "viec-lam", "kiem-dinh-ky-thuat-an-toan-lao-dong")),
    (
        _("Chính sách xã hội"),
        (
            "chinh-sach",
            "nguoi-co-cong",
            "giam-ngheo",
            "bao-tro-xa-hoi",
            "tre-em",
            "thuc-hien-chinh-sach-bhxh",
        ),
    ),
)
PRIORITY_CODES = [code for _label, codes in PRIORITY_FIELDS for code in codes]
DUE_SOON_WORKING_DAYS = 3
TREND_MONTHS = 12


@dataclass
class Backlog:
    """Open and overdue dossiers of one group at one moment."""

    key: object = None
    label: str = ""
    open: int = 0
    overdue: int = 0
    priority: str = ""  # the priority group of a field, if it is one

    @property
    def in_time(self) -> int:
        return self.open - self.overdue

    @property
    def overdue_rate(self) -> Decimal | None:
        return Decimal(self.overdue) / self.open if self.open else None


def backlogs_by(
    groups: Iterable[str], day: dt.date, filters: Filters, agencies: Iterable[int] | None
) -> dict[str, list[Backlog]]:
    """Open and overdue at the end of `day`, per group ("agency", "field", "level"; groups with
    none left out), from one read: the sums per agency and field, folded in Python into
    agencies, fields and levels (an agency has one level)."""
    groups = list(groups)
    rows = summed_counts(
        None, day, filters, agencies, sums=BACKLOG, by=["agency", "procedure__field"]
    )
    level_of = {}
    if "level" in groups:
        agencies_seen = {r["agency"] for r in rows}
        level_of = dict(
            Agency.objects.filter(pk__in=agencies_seen).values_list("pk", "level__process_group")
        )
    sums: dict[str, dict] = {group: defaultdict(lambda: [0, 0]) for group in groups}
    for r in rows:
        keys = {"agency": r["agency"], "field": r["procedure__field"]}
        keys["level"] = level_of.get(r["agency"])
        for group in groups:
            total = sums[group][keys[group]]
            total[0] += r["open"] or 0
            total[1] += r["overdue"] or 0
    return {group: _labelled(group, sums[group]) for group in groups}


def _labelled(group: str, sums: dict) -> list[Backlog]:
    found = [Backlog(key, "", open_, overdue) for key, (open_, overdue) in sums.items() if open_]
    labels = label_map(group, [b.key for b in found])
    for b in found:
        b.label = labels.get(b.key, str(b.key))
    if group == "field":
        return _priority_first(found)
    return sorted(found, key=lambda b: (-b.overdue, -b.open, b.label))


def _priority_first(rows: list[Backlog]) -> list[Backlog]:
    from catalog.models import Field

    codes = dict(Field.objects.filter(pk__in=[b.key for b in rows]).values_list("pk", "code"))
    group_of = {code: str(label) for label, codes_ in PRIORITY_FIELDS for code in codes_}
    for b in rows:
        b.priority = group_of.get(codes.get(b.key, ""), "")

    def order(b: Backlog):
        code = codes.get(b.key, "")
        rank = PRIORITY_CODES.index(code) if code in group_of else len(PRIORITY_CODES)
        return (rank, -b.overdue, -b.open, b.label)

    return sorted(rows, key=order)


def total_backlog(rows: Iterable[Backlog]) -> Backlog:
    whole = Backlog(key="total")
    for b in rows:
        whole.open += b.open
        whole.overdue += b.overdue
    return whole


# ---------------------------------------------------------------- trend


@dataclass
class Month:
    month: dt.date
    received: int = 0
    resolved: int = 0
    resolved_late: int = 0
    open_at_end: int = 0
    overdue_at_end: int = 0

    @property
    def label(self) -> str:
        return f"{self.month:%m/%Y}"


def _month_rows(first: dt.date, last: dt.date, filters: Filters, agencies) -> dict:
    sums = {
        "received": Sum("received"),
        "ended": Sum(F("ended_on_time") + F("ended_late")),
        "ended_late": Sum("ended_late"),
        "became_overdue": Sum("became_overdue"),
        "resolved": Sum(F("resolved_early") + F("resolved_on_time") + F("resolved_late")),
        "resolved_late": Sum("resolved_late"),
    }
    rows = summed_counts(first, last, filters, agencies, sums=sums, monthly=True)
    return {r["month"]: r for r in rows}


def trend(last_day: dt.date, filters: Filters, agencies, months: int = TREND_MONTHS) -> list[Month]:
    """The `months` months ending with `last_day`'s: received and resolved in each, and the
    backlog at each month's end (the backlog before the first month plus each month's
    change: two grouped queries over the summary table)."""
    first = last_day.replace(day=1)
    for _month in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    before = summed_counts(None, first - dt.timedelta(days=1), filters, agencies, sums=BACKLOG)
    before = before[0] if before else {"open": 0, "overdue": 0}
    open_, overdue = before["open"] or 0, before["overdue"] or 0
    rows = _month_rows(first, last_day, filters, agencies)
    result = []
    for month in months_between(first, last_day):
        row = rows.get(month)
        m = Month(month)
        if row:
            m.received, m.resolved = row["received"] or 0, row["resolved"] or 0
            m.resolved_late = row["resolved_late"] or 0
            open_ += (row["received"] or 0) - (row["ended"] or 0)
            overdue += (row["became_overdue"] or 0) - (row["ended_late"] or 0)
        m.open_at_end, m.overdue_at_end = open_, overdue
        result.append(m)
    return result


# ---------------------------------------------------------------- live readings


def open_dossiers(agencies: Iterable[int] | None, filters: Filters) -> QuerySet:
    """Dossiers open now with a running or stopped clock (the partial index on open
    statuses), in the agencies and filters."""
    rows = Dossier.objects.filter(status__in=sorted(OPEN), received_at__isnull=False)
    return filter_dossiers(rows, agencies, filters)


def filter_dossiers(rows: QuerySet, agencies: Iterable[int] | None, filters: Filters) -> QuerySet:
    return narrow(rows, agencies, filters, agency="processing_agency")


@dataclass
class Holder:
    unit_id: int | None
    official_id: int | None
    unit: str
    official: str
    open: int
    overdue: int


def holders(agency_id: int, now: dt.datetime | None = None) -> list[Holder]:
    """Who holds the open dossiers of one agency now (the unit and official of the open step;
    none: not yet assigned or between steps), and how many of those are overdue. Grouped on
    the dossier's copy of its open step (decision 0014): no step run is read (at 2,000,000
    dossiers, 25,800 buffer reads instead of 93,500 for the bench's busiest agency)."""
    now = now or timezone.now()
    rows = (
        open_dossiers([agency_id], Filters())
        .values("step_unit", "step_assignee")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(timing__overdue_at__lt=now)))
        .order_by()
    )
    rows = list(rows)
    units = dict(
        OrgUnit.objects.filter(pk__in={r["step_unit"] for r in rows}).values_list("pk", "name")
    )
    people = {
        o.pk: str(o)
        for o in Official.objects.filter(pk__in={r["step_assignee"] for r in rows}).select_related(
            "user"
        )
    }
    found = [
        Holder(
            r["step_unit"],
            r["step_assignee"],
            units.get(r["step_unit"], ""),
            people.get(r["step_assignee"], ""),
            r["open"],
            r["overdue"],
        )
        for r in rows
    ]
    return sorted(found, key=lambda h: (-h.overdue, -h.open, h.unit, h.official))


def due_soon_horizon(now: dt.datetime, revision: str | None = None) -> dt.datetime:
    """`now` plus DUE_SOON_WORKING_DAYS working days of the province's default calendar (at
    `revision` if the caller read it: `workdays.default.working_days_after`)."""
    return working_days_after(now, DUE_SOON_WORKING_DAYS, revision)


def due_soon(agencies, filters: Filters, now: dt.datetime | None = None) -> QuerySet:
    """Open dossiers whose legal due moment falls between now and the horizon, soonest first.
    Starts from the timing rows whose overdue moment is ahead and not yet counted (their
    partial index), so the read is bounded by the dossiers due in the window."""
    now = now or timezone.now()
    horizon = due_soon_horizon(now)
    timings = DossierTiming.objects.filter(
        overdue_counted=False,
        overdue_at__isnull=False,
        overdue_at__gte=now,
        overdue_at__lt=horizon,
        ended_at__isnull=True,
    )
    rows = Dossier.objects.filter(pk__in=timings.values("dossier_id"))
    rows = filter_dossiers(rows, agencies, filters)
    return rows.order_by("timing__overdue_at", "pk")


DUE_SOON_CHUNK = 200
DOSSIER_TABLE_FIELDS = (  # what oversight/_dossier_table.html shows, and nothing wider
    "code", "status", "received_at", "current_step", "procedure__name",
    "processing_agency__name", "timing__legal_due_at", "timing__timeliness", "timing__overdue_at",
    "current_step__unit__name", "current_step__assignee__user__first_name",
    "current_step__assignee__user__last_name", "current_step__assignee__user__username",
)  # fmt: skip


def first_due_soon(
    agencies, filters: Filters, now: dt.datetime, limit: int, horizon: dt.datetime | None = None
) -> list[Dossier]:
    """The first `limit` rows of `due_soon`, read so that the cost does not grow with the
    dossiers stored: the timing rows of the window are walked in due order through their
    partial index (`stats_timing_to_count`), a chunk at a time, and only the dossiers of a
    chunk are joined and filtered. (Asked in one query, the planner may start from the open
    dossiers' timing rows, `ended_at IS NULL`, which grow with the backlog, and sort them.)"""
    window = DossierTiming.objects.filter(
        overdue_counted=False,
        overdue_at__isnull=False,
        overdue_at__gte=now,
        overdue_at__lt=horizon or due_soon_horizon(now),
    ).order_by("overdue_at", "dossier_id")
    found: list[Dossier] = []
    after = None
    while len(found) < limit:
        chunk = (
            window
            if after is None
            else window.filter(
                Q(overdue_at__gt=after[0]) | Q(overdue_at=after[0], dossier_id__gt=after[1])
            )
        )
        keys = list(chunk.values_list("overdue_at", "dossier_id")[:DUE_SOON_CHUNK])
        if not keys:
            break
        rows = Dossier.objects.filter(pk__in=[pk for _at, pk in keys], timing__ended_at=None)
        rows = filter_dossiers(rows, agencies, filters).select_related(
            "procedure", "processing_agency", "timing", "current_step__unit",
            "current_step__assignee__user",
        )  # fmt: skip
        rows = rows.only(*DOSSIER_TABLE_FIELDS).order_by("timing__overdue_at", "pk")
        found += rows[: limit - len(found)]
        if len(keys) < DUE_SOON_CHUNK:  # the window is exhausted
            break
        after = keys[-1]
    return found


def next_due_after(horizon: dt.datetime) -> dt.datetime | None:
    """The first overdue moment at or after `horizon` not counted yet (its partial index):
    the due-soon list cannot change by the passing of time before the horizon passes it."""
    rows = DossierTiming.objects.filter(
        overdue_counted=False, overdue_at__isnull=False, overdue_at__gte=horizon
    )
    return rows.order_by("overdue_at").values_list("overdue_at", flat=True).first()
