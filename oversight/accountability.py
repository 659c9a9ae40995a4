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
from ratings.models import Rating
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
    _add_ratings(found, period, last)
    return sorted(found.values(), key=lambda r: (r.unit, r.name))


def by_unit(period: Period, last: dt.date, agency_ids) -> list[Record]:
    found: dict[int, Record] = {}
    for row in _rows(period, last, agency_ids, ("unit_id",)):
        found.setdefault(row["unit_id"], Record(row["unit_id"])).add(row)
    for unit in OrgUnit.objects.filter(pk__in=found).select_related("agency"):
        found[unit.pk].name, found[unit.pk].unit = unit.name, unit.agency.name
    _add_unit_ratings(found, period, last)
    return sorted(found.values(), key=lambda r: (r.unit, r.name))


def _rated(period: Period, last: dt.date) -> dict[int, int]:
    """The dossiers rated in the period, with their overall rating."""
    end = day_start(last + dt.timedelta(days=1))
    ratings = Rating.objects.filter(rated_at__gte=period.start, rated_at__lt=end)
    return dict(ratings.values_list("dossier_id", "overall"))


def _credit(found: dict[int, Record], rated: dict[int, int], pairs: Iterable[tuple]) -> None:
    """Add each rated dossier's rating once to each record among its (dossier, key) pairs."""
    holders: dict[int, set[int]] = defaultdict(set)
    for dossier_id, key in pairs:
        holders[dossier_id].add(key)
    for dossier_id, keys in holders.items():
        for key in keys & found.keys():
            found[key].ratings += 1
            found[key].rating_points += rated[dossier_id]


def _add_ratings(found: dict[int, Record], period: Period, last: dt.date) -> None:
    """Each official's ratings: dossiers rated in the period where they held a step or signed
    the result (a rating counts once per official)."""
    if not (rated := _rated(period, last)):
        return
    runs = StepRun.objects.filter(dossier__in=list(rated), assignee__isnull=False)
    signers = Result.objects.filter(dossier__in=list(rated))
    held = runs.values_list("dossier_id", "assignee_id")
    _credit(found, rated, [*held, *signers.values_list("dossier_id", "signer_id")])


def _add_unit_ratings(found: dict[int, Record], period: Period, last: dt.date) -> None:
    """Each unit's ratings: dossiers rated in the period where the unit held a step or
    recorded the result (the unit of the official who recorded it, when they did; a rating
    counts once per unit)."""
    if not (rated := _rated(period, last)):
        return
    runs = StepRun.objects.filter(dossier__in=list(rated)).values_list("dossier_id", "unit_id")
    results = Event.objects.filter(
        dossier__in=list(rated), action=action_of(Move.RECORD_RESULT), actor__isnull=False
    ).values_list("dossier_id", Coalesce("actor_unit_id", "actor__unit_id"))
    _credit(found, rated, [*runs, *results])


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
    """Per (procedure, unit kind): each official's tally, and the units where it was counted
    (an official moved to another agency keeps their earlier counts with the earlier unit)."""

    officials: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    units: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


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
    kinds = dict(
        OrgUnit.objects.filter(pk__in={r["unit_id"] for r in rows}).values_list("pk", "kind")
    )
    cells: dict[tuple[int, str], _Cell] = defaultdict(_Cell)
    for row in rows:
        kind = kinds.get(row["unit_id"], "")
        tally = _tally(row, kind == OrgUnit.Kind.COUNTER)
        mine = cells[(row["procedure"], kind)].officials[row["official_id"]]
        mine.supplements += tally.supplements
        mine.refusals += tally.refusals
        mine.base += tally.base
        cells[(row["procedure"], kind)].units[row["official_id"]].add(row["unit_id"])
    return cells


def _test(cell: _Cell, rule: SignalRule) -> list[tuple[int, str, int, int, int, int, float]]:
    found = []
    totals = Tally()
    for t in cell.officials.values():
        totals.supplements += t.supplements
        totals.refusals += t.refusals
        totals.base += t.base
    for official_id, t in cell.officials.items():
        for measure in MEASURES:
            x1, n1 = getattr(t, measure), t.base
            x0, n0 = getattr(totals, measure) - x1, totals.base - n1
            if not enough_data(x1, n1, x0, n0, rule):
                continue
            z = z_score(x1, n1, x0, n0)
            if z is not None and z >= rule.z_critical:
                found.append((official_id, measure, x1, n1, x0, n0, z))
    return found


def signals(period: Period, last: dt.date, agency_ids, rule: SignalRule = RULE) -> list[Signal]:
    """Officials whose rate on a procedure is far above their peers', shown to the readers of
    the agencies where the counts behind it were made (by the units of the counts, as the
    figures are), under the names of those units."""
    hits = []
    for (procedure_id, _kind), cell in _cells(period, last).items():
        hits += [(procedure_id, cell.units[hit[0]], *hit) for hit in _test(cell, rule)]
    if not hits:
        return []
    people = {
        o.pk: o for o in Official.objects.filter(pk__in={h[2] for h in hits}).select_related("user")
    }
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=set().union(*(h[1] for h in hits)))}
    procedures = dict(
        Procedure.objects.filter(pk__in={h[0] for h in hits}).values_list("pk", "name")
    )
    result = []
    for procedure_id, unit_ids, official_id, measure, x1, n1, x0, n0, z in hits:
        person, where = people.get(official_id), [units[u] for u in unit_ids if u in units]
        if person is None or not where:
            continue
        if agency_ids is not None and not {u.agency_id for u in where} & set(agency_ids):
            continue
        names = ", ".join(sorted(u.name for u in where))
        result.append(
            Signal(
                official_id,
                str(person),
                names,
                procedures.get(procedure_id, ""),
                measure,
                x1,
                n1,
                x0,
                n0,
                z,
            )
        )
    return sorted(result, key=lambda s: -s.z)
