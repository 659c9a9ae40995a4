"""The index of a scope (an agency, a level, the province) for a period, and the rankings.

`index_for(scope, period)` gathers the inputs (service_index.gathering), makes one Figure per
component (ratio, target, points, or why it is not measured), adds up the groups, and grades
the score. `rank_agencies(period)` and `by_level(period)` do the same for every agency or
level from one gathering. `service_index.drilldown` gives the dossiers behind each figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from catalog.processes import hours_per_working_day
from org.models import AdministrativeLevel, Agency
from service_index import conf, scoring
from service_index.components import COMPONENTS, GROUPS, Component, Group
from service_index.gathering import Inputs, gather
from service_index.periods import Period

MEASURED, NO_DATA, NOT_MEASURABLE, REFERENCE = "measured", "no_data", "not_measurable", "reference"


@dataclass(frozen=True)
class Scope:
    """Whose index: one agency, the agencies of an administrative level, or all of them."""

    kind: str  # "agency", "level" or "province"
    code: str
    label: str
    agency_ids: tuple[int, ...]

    @classmethod
    def of_agency(cls, agency: Agency) -> Scope:
        return cls("agency", str(agency.pk), agency.name, (agency.pk,))

    @classmethod
    def of_level(cls, group: str) -> Scope:
        """A level is a process group: commune, ward and special zone count as one."""
        ids = Agency.objects.filter(level__process_group=group).values_list("pk", flat=True)
        levels = AdministrativeLevel.objects.filter(process_group=group).order_by("tier", "pk")
        named = levels.filter(code=group).first() or levels.first()
        return cls("level", group, named.name if named else group, tuple(sorted(ids)))

    @classmethod
    def province(cls) -> Scope:
        ids = Agency.objects.values_list("pk", flat=True)
        return cls("province", "province", _("Toàn tỉnh"), tuple(sorted(ids)))


@dataclass(frozen=True)
class Settings:
    points: dict[str, Fraction]
    targets: dict[str, Fraction]
    grades: tuple[Fraction, ...]

    @classmethod
    def current(cls) -> Settings:
        codes = {c.code for c in COMPONENTS}
        points = {}
        for group in GROUPS:
            scored = [c for c in COMPONENTS if c.group == group.code and c.scored]
            for c in scored:
                points[c.code] = scoring.default_points(group.points, len(scored))
        points.update(conf.points_overrides(codes))
        targets = {c.code: c.target if c.target is not None else Fraction(1) for c in COMPONENTS}
        targets.update(conf.target_overrides(codes))
        return cls(points=points, targets=targets, grades=conf.grade_thresholds())


def _percent(value: Fraction) -> str:
    return formats.number_format(float(value * 100), 2) + "%"


def _number(value: Fraction) -> str:
    return formats.number_format(float(value), 2)


@dataclass(frozen=True)
class Figure:
    """One component for one scope and period."""

    component: Component
    status: str
    numerator: int | None = None
    denominator: int | None = None
    target: Fraction | None = None
    max_points: Fraction = Fraction(0)
    points: Fraction | None = None

    @property
    def ratio(self) -> Fraction | None:
        if not self.denominator:
            return None
        return Fraction(self.numerator, self.denominator)

    @property
    def working_days(self) -> Fraction | None:
        """For the average processing time: the ratio (minutes) in working days."""
        if self.ratio is None or self.component.scored:
            return None
        return self.ratio / (Fraction(hours_per_working_day()) * 60)

    @property
    def formula(self) -> str:
        return str(self.component.formula)

    def explain(self) -> str:
        """The formula with this figure's numbers (what a page shows beside the figure)."""
        if self.status == NOT_MEASURABLE:
            return str(self.component.not_measurable)
        if self.status == NO_DATA:
            return _("Không có số liệu để tính trong kỳ (mẫu số bằng 0).")
        if self.status == REFERENCE:
            return _("%(minutes)s phút làm việc / %(n)s hồ sơ = %(days)s ngày làm việc") % {
                "minutes": self.numerator, "n": self.denominator,
                "days": _number(self.working_days),
            }  # fmt: skip
        text = _("%(num)s / %(den)s = %(ratio)s; chỉ tiêu %(target)s; điểm %(points)s / %(max)s")
        return text % {
            "num": self.numerator, "den": self.denominator, "ratio": _percent(self.ratio),
            "target": _percent(self.target), "points": _number(self.points),
            "max": _number(self.max_points),
        }  # fmt: skip


def figure(component: Component, inputs: Inputs, settings: Settings) -> Figure:
    max_points = settings.points.get(component.code, Fraction(0))
    target = settings.targets[component.code]
    if not component.measurable:
        return Figure(component, NOT_MEASURABLE, target=target, max_points=max_points)
    numerator, denominator = component.measure(inputs)
    if not component.scored:
        status = REFERENCE if denominator else NO_DATA
        return Figure(component, status, numerator, denominator)
    if not denominator:
        return Figure(component, NO_DATA, numerator, denominator, target, max_points)
    earned = scoring.points(Fraction(numerator, denominator), target, max_points)
    return Figure(component, MEASURED, numerator, denominator, target, max_points, earned)


@dataclass(frozen=True)
class GroupTotal:
    group: Group
    points: Fraction  # earned
    measurable: Fraction  # the points of the measured components
    maximum: Fraction  # the points of all its components


@dataclass(frozen=True)
class IndexResult:
    scope: Scope
    period: Period
    judged_at: dt.datetime
    figures: tuple[Figure, ...]
    groups: tuple[GroupTotal, ...]

    @property
    def begun(self) -> bool:
        """Whether the period had begun when judged (before it, nothing is measured:
        `Period.judged_day`, the rule `gather` follows)."""
        return self.period.judged_day(timezone.localdate(self.judged_at)) is not None

    @property
    def points(self) -> Fraction:
        return sum((g.points for g in self.groups), Fraction(0))

    @property
    def measurable(self) -> Fraction:
        return sum((g.measurable for g in self.groups), Fraction(0))

    @property
    def maximum(self) -> Fraction:
        return sum((g.maximum for g in self.groups), Fraction(0))

    @property
    def score(self) -> Fraction | None:
        return scoring.score(self.points, self.measurable)

    @property
    def grade(self) -> str | None:
        return scoring.grade(self.score, Settings.current().grades)

    @property
    def grade_label(self) -> str:
        return str(scoring.GRADE_LABELS[self.grade]) if self.grade else ""

    def figure(self, code: str) -> Figure:
        return next(f for f in self.figures if f.component.code == code)


def _groups(figures: list[Figure]) -> tuple[GroupTotal, ...]:
    totals = []
    for group in GROUPS:
        mine = [f for f in figures if f.component.group == group.code and f.component.scored]
        measured = [f for f in mine if f.status == MEASURED]
        totals.append(GroupTotal(
            group=group,
            points=sum((f.points for f in measured), Fraction(0)),
            measurable=sum((f.max_points for f in measured), Fraction(0)),
            maximum=sum((f.max_points for f in mine), Fraction(0)),
        ))  # fmt: skip
    return tuple(totals)


def result(scope: Scope, period: Period, inputs: Inputs, judged_at: dt.datetime) -> IndexResult:
    """The index of one scope from its inputs (pure, given the settings)."""
    settings = Settings.current()
    figures = [figure(c, inputs, settings) for c in COMPONENTS]
    return IndexResult(scope, period, judged_at, tuple(figures), _groups(figures))


def _inputs_of(scope: Scope, gathered: dict[int, Inputs]) -> Inputs:
    total = Inputs()
    for pk in scope.agency_ids:
        if pk in gathered:
            total = total.merge(gathered[pk])
    return total


Gathered = dict[int, Inputs]


def index_for(
    scope: Scope, period: Period, now: dt.datetime | None = None, gathered: Gathered | None = None
) -> IndexResult:
    """The index of one scope (`gathered`: the inputs of `gather(period, now)`, if read)."""
    now = now or timezone.now()
    gathered = gather(period, now) if gathered is None else gathered
    return result(scope, period, _inputs_of(scope, gathered), period.judged_moment(now))


def by_level(
    period: Period, now: dt.datetime | None = None, gathered: Gathered | None = None
) -> list[IndexResult]:
    """The index of every administrative level that has agencies, from one gathering."""
    now = now or timezone.now()
    gathered = gather(period, now) if gathered is None else gathered
    groups = Agency.objects.values_list("level__process_group", flat=True).distinct()
    scopes = [Scope.of_level(group) for group in sorted(set(groups))]
    judged = period.judged_moment(now)
    return [result(s, period, _inputs_of(s, gathered), judged) for s in scopes]


@dataclass(frozen=True)
class Ranked:
    rank: int | None  # None: nothing measurable in the period
    agency: Agency
    index: IndexResult


def rank_agencies(
    period: Period, now: dt.datetime | None = None, agencies=None,
    gathered: Gathered | None = None,
) -> list[Ranked]:  # fmt: skip
    """Agencies by score, best first; equal scores share a rank (1, 2, 2, 4). Agencies with
    nothing measurable in the period come last, unranked."""
    now = now or timezone.now()
    gathered = gather(period, now) if gathered is None else gathered
    judged = period.judged_moment(now)
    chosen = agencies if agencies is not None else Agency.objects.all()
    results = [
        (a, result(Scope.of_agency(a), period, gathered.get(a.pk, Inputs()), judged))
        for a in chosen
    ]
    scored = sorted(
        (pair for pair in results if pair[1].score is not None),
        key=lambda pair: (-pair[1].score, pair[0].name),
    )
    ranked, previous, rank = [], None, 0
    for position, (agency, index) in enumerate(scored, 1):
        if index.score != previous:
            rank, previous = position, index.score
        ranked.append(Ranked(rank, agency, index))
    unranked = sorted((p for p in results if p[1].score is None), key=lambda p: p[0].name)
    return ranked + [Ranked(None, agency, index) for agency, index in unranked]
