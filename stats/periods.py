"""Sums of the dossier counters over a span of local days, read from the month rows
(`MonthCount`) for every whole month of the span and from the day rows (`DossierCount`) for
the rest.

Why: the dashboards and the service index sum a year, or everything up to a day (a backlog).
Day rows grow with the number of dossiers (more procedures are active each day); month rows
are bounded by the organisation. A month is read whole from its month row when the span
covers it, and also for the span's last month when no day row of that month comes after the
span's last day (the current month up to today: nothing is counted on a future day). The
month rows hold exactly the sums of the day rows (the same upserts, and the rebuild), so the
two readings give the same figures; tests/test_stats_months.py checks it on random spans.

Month rows have the field, not the procedure: a lookup or grouping through the procedure
other than its field is served from the day rows alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q
from django.db.models.functions import TruncMonth

from stats.models import DossierCount, MonthCount

# The day rows' spelling -> the month rows' (every other lookup is spelt alike).
MONTH_SPELLING = {"procedure__field": "field"}
# What a month row's lookup may start with: its own fields (the month, the procedure's field
# and the day are not among the day rows' names that carry over).
_MONTH_FIELDS = frozenset(
    {f.name for f in MonthCount._meta.concrete_fields}
    | {f.attname for f in MonthCount._meta.concrete_fields}
) - {"month", "field", "field_id", "id"}
DAY = dt.timedelta(days=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def as_date(value) -> dt.date:
    """A month or day as the database gives it back (a date, a datetime, or ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


@dataclass(frozen=True)
class Parts:
    """How a span is read: inclusive day ranges from day rows, and a range of months (their
    first days, inclusive; None for "from the first") from month rows."""

    days: list[tuple[dt.date | None, dt.date]] = field(default_factory=list)
    months: tuple[dt.date | None, dt.date] | None = None


def _later_days_counted(last: dt.date) -> bool:
    """Whether a day row exists after `last` in `last`'s month (one probe of the day key)."""
    end = next_month(last) - DAY
    return last < end and DossierCount.objects.filter(day__gt=last, day__lte=end).exists()


def parts(first: dt.date | None, last: dt.date) -> Parts:
    """Split the days `first` (None: from the first day counted) to `last` inclusive."""
    if first is not None and first > last:
        return Parts()
    days: list[tuple[dt.date | None, dt.date]] = []
    first_month = first
    if first is not None and first.day != 1:
        lead_end = min(last, next_month(first) - DAY)
        days.append((first, lead_end))
        if lead_end == last:
            return Parts(days)
        first_month = next_month(first)
    last_month = last.replace(day=1)
    if _later_days_counted(last):
        days.append((last_month, last))
        last_month = (last_month - DAY).replace(day=1)
    if first_month is not None and last_month < first_month:
        return Parts(days)
    return Parts(days, (first_month, last_month))


def _month_name(name: str) -> str | None:
    """The month rows' spelling of a lookup, or None if they cannot serve it."""
    for day_name, month_name in MONTH_SPELLING.items():
        if name == day_name or name.startswith(day_name + "__"):
            return month_name + name[len(day_name) :]
    return name if name.split("__")[0] in _MONTH_FIELDS else None


def summed(
    first: dt.date | None, last: dt.date, *, sums: Mapping, by: Iterable[str] = (),
    where: Mapping[str, object] | None = None, monthly: bool = False,
) -> list[dict]:  # fmt: skip
    """One dict per group of `by` (and per month if `monthly`, its first day as "month"): the
    group's values and `sums` (aggregates of counters, as for `QuerySet.annotate`) over the
    days `first` to `last`, for the rows matching the `where` lookups (day rows' spelling).
    Groups with no row are absent; `by=()` gives one dict (its sums None if nothing matched)."""
    by, where = list(by), dict(where or {})
    split = parts(first, last)
    names = [*by, *where]
    if split.months is not None and any(_month_name(n) is None for n in names):
        split = Parts([(first, last)])  # through the procedure: day rows only
    merged: dict[tuple, dict] = {}
    month = ["month"] if monthly else []
    for q in _day_queries(split.days):
        rows = DossierCount.objects.filter(q, **where)
        if monthly:
            rows = rows.annotate(month=TruncMonth("day"))
        _merge(merged, rows, [*month, *by], dict(zip(by, by, strict=True)), sums)
    if split.months is not None:
        lo, hi = split.months
        spelt = {name: _month_name(name) for name in by}
        rows = MonthCount.objects.filter(month__lte=hi)
        rows = rows.filter(**{_month_name(name): value for name, value in where.items()})
        if lo is not None:
            rows = rows.filter(month__gte=lo)
        _merge(merged, rows, [*month, *spelt.values()], spelt, sums)
    return list(merged.values())


def _day_queries(ranges: list[tuple[dt.date | None, dt.date]]) -> list[Q]:
    """One filter for all the day ranges (they never overlap)."""
    if not ranges:
        return []
    q = Q()
    for lo, hi in ranges:
        q |= Q(day__lte=hi) if lo is None else Q(day__gte=lo, day__lte=hi)
    return [q]


def _merge(merged: dict, rows, columns: list[str], spelt: dict[str, str], sums: Mapping) -> None:
    """Add each group's sums into `merged`, the group named in the day rows' spelling. With no
    column to group by, one aggregate (`values()` with no names would group by every column)."""
    if columns:
        found = rows.values(*columns).annotate(**sums).order_by()
    else:
        found = [rows.aggregate(**sums)]
    for row in found:
        group = {name: row[column] for name, column in spelt.items()}
        if "month" in columns:
            group = {"month": as_date(row["month"]), **group}
        key = tuple(group.values())
        into = merged.setdefault(key, {**group, **dict.fromkeys(sums)})
        for name in sums:
            value = row[name]
            if value is not None:
                into[name] = value if into[name] is None else into[name] + value
