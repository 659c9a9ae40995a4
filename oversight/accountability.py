"""Accountability figures (O3) per official and per unit, and signals of unusual supplement or
refusal rates.

Figures are sums over the period's day rows of `stats.OfficialCount` (docs/statistics.md): the
acts each official made (receptions, supplement requests at the counter or during processing,
refusals, pauses for a financial obligation, apologies) and the step runs they held when the
step ended, each judged early, on time or late against the step's own due moment, so a late
dossier's lateness is attributed to the step (and the official) that was late. The unit of a
count is the official's unit when it was made.

Ratings are read from the ratings table (they are not in the summary tables yet): an
official's average is over the ratings given in the period to dossiers in which they held a
step or signed the result; a unit's, to dossiers in which it held a step or recorded the
result.

Signals (`signals`): see `SignalRule` and the page text; a signal is a prompt to look at the
dossiers, not a finding.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from catalog.models import Procedure
from dossiers.lifecycle import Move
from dossiers.models import Event, Result, StepRun
from org.models import Official, OrgUnit
from service_index.periods import Period
from stats.models import OfficialCount
from stats.queries import day_start
from stats.recording import action_of

SUMMED = (
    "receptions",
    "guidances",
    "reception_refusals",
    "supplement_requests",
    "payment_pauses",
    "refusals",
    "results",
    "apologies",
    "steps_done",
    "steps_early",
    "steps_on_time",
    "steps_late",
    "step_minutes",
)


@dataclass
class Record:
    """One official's (or unit's) figures for the period."""

    key: int
    name: str = ""
    unit: str = ""
    receptions: int = 0
    guidances: int = 0
    reception_refusals: int = 0
    supplement_requests: int = 0
    payment_pauses: int = 0
    refusals: int = 0
    results: int = 0
    apologies: int = 0
    steps_done: int = 0
    steps_early: int = 0
    steps_on_time: int = 0
    steps_late: int = 0
    step_minutes: int = 0
    ratings: int = 0
    rating_points: int = 0

    @property
    def steps_in_time(self) -> int:
        return self.steps_early + self.steps_on_time

    @property
    def supplements(self) -> int:
        """Supplement requests: guidance at the counter (Form 02) and during processing."""
        return self.guidances + self.supplement_requests

    @property
    def all_refusals(self) -> int:
        """Refusals at the counter (Form 03) and reasoned refusals after processing."""
        return self.reception_refusals + self.refusals

    @property
    def average_rating(self) -> Decimal | None:
        return Decimal(self.rating_points) / self.ratings if self.ratings else None

    def add(self, row: dict) -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + (row[name] or 0))


def units_of(agency_ids: Iterable[int] | None) -> list[int] | None:
    if agency_ids is None:
        return None
    return list(OrgUnit.objects.filter(agency__in=list(agency_ids)).values_list("pk", flat=True))


def _rows(period: Period, last: dt.date, agency_ids, by: tuple[str, ...]):
    rows = OfficialCount.objects.filter(day__gte=period.first, day__lte=last)
    units = units_of(agency_ids)
    if units is not None:
        rows = rows.filter(unit_id__in=units)
    return rows.values(*by).annotate(**{n: Sum(n) for n in SUMMED}).order_by()


def by_official(period: Period, last: dt.date, agency_ids) -> list[Record]:
    """Per official with any count in the period made in the agencies' units, under the names
    of the units where the counts were made (not the official's unit today)."""
    found: dict[int, Record] = {}
    where: dict[int, set[int]] = defaultdict(set)
    for row in _rows(period, last, agency_ids, ("official_id", "unit_id")):
        if row["official_id"]:
            found.setdefault(row["official_id"], Record(row["official_id"])).add(row)
            where[row["official_id"]].add(row["unit_id"])
    names = dict(
        OrgUnit.objects.filter(pk__in=set().union(*where.values())).values_list("pk", "name")
    )
    for person in Official.objects.filter(pk__in=found).select_related("user"):
        record = found[person.pk]
        record.name = str(person)
        record.unit = ", ".join(sorted(names[u] for u in where[person.pk] if u in names))
    _add_ratings(found, period, last, agency_ids)
    return sorted(found.values(), key=lambda r: (r.unit, r.name))


def by_unit(period: Period, last: dt.date, agency_ids) -> list[Record]:
    found: dict[int, Record] = {}
    for row in _rows(period, last, agency_ids, ("unit_id",)):
        found.setdefault(row["unit_id"], Record(row["unit_id"])).add(row)
    for unit in OrgUnit.objects.filter(pk__in=found).select_related("agency"):
        found[unit.pk].name, found[unit.pk].unit = unit.name, unit.agency.name
    _add_unit_ratings(found, period, last)
    return sorted(found.values(), key=lambda r: (r.unit, r.name))


def _rated_in(period: Period, last: dt.date) -> dict[str, dt.datetime]:
    """The lookups of rows whose dossier was rated in the period (joined in SQL: a year of a
    province's ratings is too many ids to pass as a list). The reads that use them drop the
    models' ordering: the rows are only summed."""
    end = day_start(last + dt.timedelta(days=1))
    return {"dossier__rating__rated_at__gte": period.start, "dossier__rating__rated_at__lt": end}


def _credit(found: dict[int, Record], triples: Iterable[tuple[int, int, int]]) -> None:
    """Add each rated dossier's rating once to each record among its (dossier, key, rating)."""
    seen: set[tuple[int, int]] = set()
    for dossier_id, key, overall in triples:
        if key in found and (dossier_id, key) not in seen:
            seen.add((dossier_id, key))
            found[key].ratings += 1
            found[key].rating_points += overall


def _add_ratings(found: dict[int, Record], period: Period, last: dt.date, agency_ids) -> None:
    """Each official's ratings: dossiers rated in the period where they held a step in the
    agencies' units or signed the result of one of the agencies' dossiers (a rating counts
    once per official), so a moved official's work elsewhere stays out."""
    rated, overall = _rated_in(period, last), "dossier__rating__overall"
    runs = StepRun.objects.filter(**rated, assignee__in=list(found)).order_by()
    results = Result.objects.filter(**rated, signer__in=list(found)).order_by()
    if agency_ids is not None:
        runs = runs.filter(unit__agency__in=list(agency_ids))
        results = results.filter(dossier__processing_agency__in=list(agency_ids))
    held = runs.values_list("dossier_id", "assignee_id", overall)
    _credit(found, [*held, *results.values_list("dossier_id", "signer_id", overall)])


def _add_unit_ratings(found: dict[int, Record], period: Period, last: dt.date) -> None:
    """Each unit's ratings: dossiers rated in the period where the unit held a step or
    recorded the result (the unit of the official who recorded it, when they did; a rating
    counts once per unit). `found` holds the units in scope only."""
    rated, overall = _rated_in(period, last), "dossier__rating__overall"
    runs = StepRun.objects.filter(**rated, unit__in=list(found)).order_by()
    recorded = (
        Event.objects.filter(**rated, action=action_of(Move.RECORD_RESULT), actor__isnull=False)
        .order_by()
        .values_list("dossier_id", Coalesce("actor_unit_id", "actor__unit_id"), overall)
    )
    _credit(found, [*runs.values_list("dossier_id", "unit_id", overall), *recorded])


def held_steps(official_id: int, agency_ids: frozenset[int] | None) -> QuerySet[StepRun]:
    """The step runs an official held in units of these agencies (None: of every agency).

    By the step's unit, as the counts are (`OfficialCount.unit_id`), not by the official's
    unit today: an official moved to another agency keeps the earlier steps with the agency
    where they were done, and its heads see them; the new agency's do not."""
    runs = StepRun.objects.filter(assignee=official_id)
    return runs if agency_ids is None else runs.filter(unit__agency_id__in=agency_ids)


def late_steps(
    period: Period, last: dt.date, official_id: int, agency_ids: frozenset[int] | None = None
) -> QuerySet[StepRun]:
    """The step runs an official held that ended late in the period (the `steps_late` count),
    in units of these agencies (None: of every agency)."""
    end = day_start(last + dt.timedelta(days=1))
    return (
        held_steps(official_id, agency_ids)
        .filter(finished_at__gte=period.start, finished_at__lt=end, timeliness="late")
        .select_related("dossier__procedure", "step", "unit")
        .order_by("finished_at", "pk")
    )


# ---------------------------------------------------------------- signals


@dataclass(frozen=True)
class SignalRule:
    """A one-sided two-proportion z-test of an official's rate against their peers' pooled
    rate, on the same procedure, over the period.

    Peers: the other officials who handled the same procedure in units of the same kind (the
    counter with the counter, divisions with divisions, leadership with leadership), anywhere
    in the province. The rate's base is what gives the chance to ask or refuse: at the counter,
    the dossiers checked (received, guided or refused); elsewhere, the steps handled.

    z = (p1 - p0) / sqrt(p (1 - p) (1/n1 + 1/n0)), p the pooled rate of both; a signal when
    z >= 2.326 (one-sided 1% level), and only with enough data for the normal approximation:
    n1 >= 20 and n0 >= 20, and at least 5 expected events and 5 expected non-events for the
    official (n1 p >= 5, n1 (1 - p) >= 5). Many officials and procedures are tested, so about
    one test in a hundred of an ordinary official gives a signal by chance.
    """

    z_critical: float = 2.326
    min_n: int = 20
    min_expected: float = 5.0


RULE = SignalRule()
MEASURES = {
    "supplements": _("Yêu cầu bổ sung hồ sơ"),
    "refusals": _("Từ chối (tiếp nhận hoặc giải quyết)"),
}


def z_score(x1: int, n1: int, x0: int, n0: int) -> float | None:
    """The two-proportion z statistic (pooled standard error), None if undefined."""
    if n1 <= 0 or n0 <= 0:
        return None
    pooled = (x1 + x0) / (n1 + n0)
    spread = pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    if spread <= 0:
        return None
    return (x1 / n1 - x0 / n0) / math.sqrt(spread)


def enough_data(x1: int, n1: int, x0: int, n0: int, rule: SignalRule = RULE) -> bool:
    if n1 < rule.min_n or n0 < rule.min_n:
        return False
    pooled = (x1 + x0) / (n1 + n0)
    return n1 * pooled >= rule.min_expected and n1 * (1 - pooled) >= rule.min_expected


@dataclass
class Tally:
    """One official's (or the peers') events and base on one procedure."""

    supplements: int = 0
    refusals: int = 0
    base: int = 0

    def add(self, part: Tally) -> None:
        self.supplements += part.supplements
        self.refusals += part.refusals
        self.base += part.base


@dataclass(frozen=True)
class Signal:
    official_id: int
    official: str
    unit: str
    procedure: str
    measure: str
    events: int
    base: int
    peer_events: int
    peer_base: int
    z: float

    @property
    def rate(self) -> Decimal:
        return Decimal(self.events) / self.base

    @property
    def peer_rate(self) -> Decimal:
        return Decimal(self.peer_events) / self.peer_base

    @property
    def measure_label(self) -> str:
        return str(MEASURES[self.measure])


@dataclass
class _Cell:
    """Per (procedure, unit kind): a tally per (official, agency where the counts were made),
    and the units of each. An official moved to another agency has two tallies, each tested
    and shown to its own agency only."""

    tallies: dict[tuple[int, int], Tally] = field(default_factory=lambda: defaultdict(Tally))
    units: dict[tuple[int, int], set[int]] = field(default_factory=lambda: defaultdict(set))


def _tally(row: dict, counter: bool) -> Tally:
    base = (
        (row["receptions"] + row["guidances"] + row["reception_refusals"])
        if counter
        else (row["steps_done"])
    )
    return Tally(
        supplements=row["guidances"] + row["supplement_requests"],
        refusals=row["reception_refusals"] + row["refusals"],
        base=base,
    )


def _cells(period: Period, last: dt.date) -> dict[tuple[int, str], _Cell]:
    names = (
        "receptions",
        "guidances",
        "reception_refusals",
        "supplement_requests",
        "refusals",
        "steps_done",
    )
    rows = (
        OfficialCount.objects.filter(day__gte=period.first, day__lte=last, official_id__gt=0)
        .values("procedure", "unit_id", "official_id")
        .annotate(**{n: Sum(n) for n in names})
        .order_by()
    )
    rows = list(rows)
    units = {
        pk: (kind, agency)
        for pk, kind, agency in OrgUnit.objects.filter(
            pk__in={r["unit_id"] for r in rows}
        ).values_list("pk", "kind", "agency_id")
    }
    cells: dict[tuple[int, str], _Cell] = defaultdict(_Cell)
    for row in rows:
        kind, agency = units.get(row["unit_id"], ("", 0))
        cell, key = cells[(row["procedure"], kind)], (row["official_id"], agency)
        cell.tallies[key].add(_tally(row, kind == OrgUnit.Kind.COUNTER))
        cell.units[key].add(row["unit_id"])
    return cells


def _test(cell: _Cell, rule: SignalRule) -> list[tuple]:
    """Each (official, agency) tally against the pooled tallies of the other officials."""
    found = []
    totals, own = Tally(), defaultdict(Tally)
    for (official_id, _agency), t in cell.tallies.items():
        totals.add(t)
        own[official_id].add(t)
    for key, t in cell.tallies.items():
        mine = own[key[0]]
        for measure in MEASURES:
            x1, n1 = getattr(t, measure), t.base
            x0, n0 = getattr(totals, measure) - getattr(mine, measure), totals.base - mine.base
            if not enough_data(x1, n1, x0, n0, rule):
                continue
            z = z_score(x1, n1, x0, n0)
            if z is not None and z >= rule.z_critical:
                found.append((key, measure, x1, n1, x0, n0, z))
    return found


def signals(period: Period, last: dt.date, agency_ids, rule: SignalRule = RULE) -> list[Signal]:
    """Officials whose rate on a procedure is far above their peers', each from the counts
    made in one agency and shown to that agency's readers only (by the units of the counts,
    as the figures are), under the names of those units."""
    hits = []
    for (procedure_id, _kind), cell in _cells(period, last).items():
        for key, *rest in _test(cell, rule):
            if agency_ids is None or key[1] in agency_ids:
                hits.append((procedure_id, key[0], cell.units[key], *rest))
    if not hits:
        return []
    people = {
        o.pk: str(o)
        for o in Official.objects.filter(pk__in={h[1] for h in hits}).select_related("user")
    }
    units = dict(
        OrgUnit.objects.filter(pk__in=set().union(*(h[2] for h in hits))).values_list("pk", "name")
    )
    procedures = dict(
        Procedure.objects.filter(pk__in={h[0] for h in hits}).values_list("pk", "name")
    )
    result = [
        Signal(official_id, people.get(official_id, ""),
               ", ".join(sorted({units.get(u, "") for u in unit_ids})),
               procedures.get(procedure_id, ""), measure, x1, n1, x0, n0, z)
        for procedure_id, official_id, unit_ids, measure, x1, n1, x0, n0, z in hits
        if official_id in people
    ]  # fmt: skip
    return sorted(result, key=lambda s: -s.z)
