"""Handling figures of a period (P8 and the dashboards): received, resolved early / on time /
late, online rate, average processing time, satisfaction; per agency, field, level or month.

Every dossier figure is a sum of the summary counters over the period (`stats.periods`: month
rows for whole months, day rows for the rest); nothing is re-counted from the dossiers.
Definitions (docs/statistics.md):

- received: the legal clock started in the period (counter reception, check of an online
  submission, a transfer received); online: of those, the ones submitted online;
- resolved: a result or a reasoned refusal in the period, early (a day before the due day), on
  time, or late against the legal due moment (waits for a supplement or a payment excluded,
  an apology does not help, two supplement requests make it late);
- average processing time: working minutes from the clock start to the result or refusal,
  waits excluded, over the dossiers resolved, in working days of 7.5 hours;
- satisfaction: the ratings given in the period (ratings app): the share rated satisfied or
  very satisfied (4 or 5 of 5), and the average overall score. Ratings are not in the summary
  tables yet (docs/statistics.md, "Hooks"), so they are read from the ratings table: one
  grouped query over the period's ratings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Field, Procedure
from catalog.processes import hours_per_working_day
from dossiers.models.dossier import Channel
from org.models import AdministrativeLevel, Agency
from oversight.choosing import Filters
from ratings.models import Rating
from service_index.periods import Period
from stats.periods import summed
from stats.queries import day_start

SATISFIED_AT_LEAST = 4  # "Hài lòng" (4) and "Rất hài lòng" (5) on the ratings' 5-point scale
# Group name -> (key in DossierCount, key in Rating)
GROUPS = {
    "agency": ("agency", "dossier__processing_agency"),
    "field": ("procedure__field", "dossier__procedure__field"),
    "level": ("agency__level__process_group", "dossier__processing_agency__level__process_group"),
    # Per procedure: from the day rows only (the month rows are per field); the public page
    # asks for one agency with it (`oversight.public._by`).
    "procedure": ("procedure", "dossier__procedure"),
}
FLOW_COUNTERS = (
    "received",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "processing_minutes",
    "ended_on_time",
    "ended_late",
)


def _ratio(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


@dataclass
class Handling:
    """The figures of one group (an agency, a field, a level, a month, or a total)."""

    key: object = None
    label: str = ""
    received: int = 0
    received_online: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    ended_on_time: int = 0
    ended_late: int = 0
    processing_minutes: int = 0
    ratings: int = 0
    satisfied: int = 0
    rating_points: int = 0

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_time(self) -> int:
        """Resolved early or on time."""
        return self.resolved_early + self.resolved_on_time

    @property
    def in_time_rate(self) -> Decimal | None:
        return _ratio(self.in_time, self.resolved)

    @property
    def online_rate(self) -> Decimal | None:
        return _ratio(self.received_online, self.received)

    @property
    def average_days(self) -> Decimal | None:
        if not self.resolved:
            return None
        return Decimal(self.processing_minutes) / self.resolved / (hours_per_working_day() * 60)

    @property
    def satisfaction(self) -> Decimal | None:
        return _ratio(self.satisfied, self.ratings)

    @property
    def average_rating(self) -> Decimal | None:
        return _ratio(self.rating_points, self.ratings)

    def add(self, other: Handling) -> None:
        for f in fields(self):
            if f.name not in ("key", "label"):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


# ---------------------------------------------------------------- reading


def summed_counts(
    first: dt.date | None, last: dt.date, filters: Filters, agencies: Iterable[int] | None,
    *, sums: dict, by: Iterable[str] = (), monthly: bool = False,
) -> list[dict]:  # fmt: skip
    """`sums` of the counters from `first` (None: the beginning) to `last`, per group of `by`
    (DossierCount spelling: "agency", "procedure__field", "agency__level__process_group") and
    per month if `monthly`, for the chosen filters and agencies (`stats.periods.summed`)."""
    where = scope_lookups(agencies, filters, agency="agency")
    return summed(first, last, sums=sums, by=by, where=where, monthly=monthly)


def scope_lookups(
    agencies: Iterable[int] | None, filters: Filters, *, agency: str, dossier: str = ""
) -> dict[str, object]:
    """The lookups of the scope (`agencies`) and the chosen filters, for rows whose agency is
    `agency` (a summary row's agency, a dossier's processing agency) and whose procedure is
    reached through `dossier` ("" or "dossier__")."""
    lookups: dict[str, object] = {}
    if agencies is not None:
        lookups[f"{agency}__in"] = list(agencies)
    if filters.agency_id is not None:
        lookups[agency] = filters.agency_id
    if filters.field_id is not None:
        lookups[f"{dossier}procedure__field"] = filters.field_id
    if filters.level is not None:
        lookups[f"{agency}__level__process_group"] = filters.level
    return lookups


def narrow(
    rows: QuerySet, agencies: Iterable[int] | None, filters: Filters, *, agency: str
) -> QuerySet:
    """Apply the scope (`agencies`) and the chosen filters to rows whose agency is `agency`."""
    return rows.filter(**scope_lookups(agencies, filters, agency=agency))


def ratings(start: dt.datetime, end: dt.datetime, filters: Filters, agencies) -> QuerySet:
    rows = Rating.objects.filter(rated_at__gte=start, rated_at__lt=end)
    lookups = scope_lookups(
        agencies, filters, agency="dossier__processing_agency", dossier="dossier__"
    )
    return rows.filter(**lookups)


def _flow_sums() -> dict:
    """The sums of a group. "online" comes first: an annotation named like a column hides the
    column from the annotations after it."""
    sums = {"online": Sum("received", filter=Q(channel=Channel.ONLINE))}
    sums.update({name: Sum(name) for name in FLOW_COUNTERS})
    return sums


def _fill(h: Handling, row: dict) -> Handling:
    for name in FLOW_COUNTERS:
        setattr(h, name, row[name] or 0)
    h.received_online = row["online"] or 0
    return h


def _rating_sums() -> dict:
    return {
        "n": Count("pk"),
        "good": Count("pk", filter=Q(overall__gte=SATISFIED_AT_LEAST)),
        "points": Sum("overall"),
    }


def _add_ratings(h: Handling, row: dict) -> None:
    h.ratings, h.satisfied, h.rating_points = row["n"], row["good"], row["points"] or 0


def handling_by(
    group: str,
    period: Period,
    filters: Filters,
    agencies: Iterable[int] | None = None,
    today: dt.date | None = None,
) -> list[Handling]:
    """One Handling per agency, field or level with figures in the period, labelled, in the
    order of their labels."""
    judged = period.judged_day(today or timezone.localdate())
    if judged is None:
        return []
    count_key, rating_key = GROUPS[group]
    agencies = None if agencies is None else list(agencies)
    found: dict[object, Handling] = {}
    rows = summed_counts(period.first, judged, filters, agencies, sums=_flow_sums(), by=[count_key])
    for row in rows:
        found[row[count_key]] = _fill(Handling(key=row[count_key]), row)
    end = day_start(judged + dt.timedelta(days=1))
    graded = ratings(period.start, end, filters, agencies).values(rating_key)
    for row in graded.annotate(**_rating_sums()).order_by():
        h = found.setdefault(row[rating_key], Handling(key=row[rating_key]))
        _add_ratings(h, row)
    labels = label_map(group, found)
    for key, h in found.items():
        h.label = labels.get(key, str(key))
    return sorted(found.values(), key=lambda h: h.label)


def total(rows: Iterable[Handling], label: str = "") -> Handling:
    whole = Handling(key="total", label=label)
    for h in rows:
        whole.add(h)
    return whole


def monthly(
    period: Period,
    filters: Filters,
    agencies: Iterable[int] | None = None,
    today: dt.date | None = None,
) -> list[Handling]:
    """One Handling per month of the period (months with nothing are included, as zeros)."""
    judged = period.judged_day(today or timezone.localdate())
    if judged is None:
        return []
    rows = summed_counts(period.first, judged, filters, agencies, sums=_flow_sums(), monthly=True)
    by_month = {row["month"]: row for row in rows}
    result = []
    for month in months_between(period.first, judged):
        h = Handling(key=month, label=f"{month:%m/%Y}")
        if month in by_month:
            _fill(h, by_month[month])
        result.append(h)
    return result


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from `first`'s to `last`'s."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


# ---------------------------------------------------------------- labels


def level_names() -> dict[str, str]:
    """Process group -> the name shown: the level whose code is the group, else the first."""
    names: dict[str, str] = {}
    for code, group, name in AdministrativeLevel.objects.order_by("tier", "pk").values_list(
        "code", "process_group", "name"
    ):
        if code == group:
            names[group] = name
        else:
            names.setdefault(group, name)
    return names


def procedure_label(procedure: Procedure) -> str:
    """The procedure's code and name, and its version after the first: two versions of one
    procedure in a period are two rows that must not look alike."""
    label = str(procedure)
    if procedure.version > 1:
        label += " " + _("(phiên bản %(n)s)") % {"n": procedure.version}
    return label


def label_map(group: str, keys: Iterable) -> dict:
    keys = [k for k in keys if k is not None]
    if group == "agency":
        return dict(Agency.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group == "field":
        return dict(Field.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group == "level":
        return level_names()
    if group == "procedure":
        return {p.pk: procedure_label(p) for p in Procedure.objects.filter(pk__in=keys)}
    return {}
