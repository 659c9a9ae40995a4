"""The service index as the pages show it: plain, cacheable projections of
`service_index.compute` results (their components carry functions, which a cache cannot
store), kept in the cache of `oversight.caching` (a key that changes with every move).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from oversight.caching import cached
from oversight.choosing import period_query
from service_index.compute import (
    Gathered,
    IndexResult,
    Scope,
    by_level,
    index_for,
    rank_agencies,
)
from service_index.drilldown import DOSSIER_FIGURES, PROCEDURE_FIGURES
from service_index.gathering import gather
from service_index.periods import Period


@dataclass(frozen=True)
class FigureView:
    code: str
    group: str
    name: str
    status: str  # compute.MEASURED, NO_DATA, NOT_MEASURABLE, REFERENCE
    numerator: int | None
    denominator: int | None
    ratio: Fraction | None
    target: Fraction | None
    points: Fraction | None
    max_points: Fraction
    working_days: Fraction | None
    scored: bool
    not_measurable: str

    @property
    def drillable(self) -> bool:
        listed = self.code in DOSSIER_FIGURES or self.code in PROCEDURE_FIGURES
        return listed and self.status != "not_measurable"


@dataclass(frozen=True)
class GroupView:
    code: str
    name: str
    points: Fraction
    maximum: Fraction
    figures: tuple[FigureView, ...]


@dataclass(frozen=True)
class IndexView:
    scope_kind: str
    scope_code: str
    label: str
    groups: tuple[GroupView, ...]
    score: Fraction | None
    grade: str
    points: Fraction
    measurable: Fraction
    maximum: Fraction
    judged_at: dt.datetime
    begun: bool  # False: the period has not begun, nothing is measured yet

    def figure(self, code: str) -> FigureView:
        return next(f for g in self.groups for f in g.figures if f.code == code)


def project(result: IndexResult) -> IndexView:
    figures = [
        FigureView(
            f.component.code,
            f.component.group,
            str(f.component.name),
            f.status,
            f.numerator,
            f.denominator,
            f.ratio,
            f.target,
            f.points,
            f.max_points,
            f.working_days,
            f.component.scored,
            str(f.component.not_measurable),
        )
        for f in result.figures
    ]
    groups = tuple(
        GroupView(
            g.group.code,
            str(g.group.name),
            g.points,
            g.maximum,
            tuple(f for f in figures if f.group == g.group.code),
        )
        for g in result.groups
    )
    return IndexView(
        result.scope.kind, result.scope.code, result.scope.label, groups, result.score,
        result.grade_label, result.points, result.measurable, result.maximum, result.judged_at,
        result.begun,
    )  # fmt: skip


Change = tuple[int, int, int] | None  # oversight.caching.latest_change(), if already read


def gathered(period: Period, change: Change = None) -> Gathered:
    """The inputs of every agency for the period (`service_index.gathering.gather`), read once
    per change of the figures: the province's index, the levels' and the ranking on one page
    share them, as do the pages of the same period."""
    return cached("gathered", period_query(period), lambda: gather(period), change)


def index_view(scope: Scope, period: Period, change: Change = None) -> IndexView:
    params = {"scope": [scope.kind, scope.code], "period": period_query(period)}

    def make() -> IndexView:
        return project(index_for(scope, period, gathered=gathered(period, change)))

    return cached("index", params, make, change)


def level_views(period: Period, change: Change = None) -> list[IndexView]:
    def make() -> list[IndexView]:
        return [project(r) for r in by_level(period, gathered=gathered(period, change))]

    return cached("levels", period_query(period), make, change)


@dataclass(frozen=True)
class RankView:
    rank: int | None
    agency_id: int
    agency: str
    index: IndexView


def ranking(period: Period, change: Change = None) -> list[RankView]:
    def make() -> list[RankView]:
        return [
            RankView(r.rank, r.agency.pk, r.agency.name, project(r.index))
            for r in rank_agencies(period, gathered=gathered(period, change))
        ]

    return cached("ranking", period_query(period), make, change)
