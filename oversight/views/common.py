"""What every oversight page shares: the viewer's scope with the chosen filters, the period,
the links that keep both, and pagination."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from oversight.choosing import (
    Filters,
    choose_filters,
    choose_period,
    encode,
    form_state,
    initial_of,
    period_query,
)
from oversight.figures import level_names
from oversight.scope import Viewer
from service_index.periods import Period

PAGE_SIZE = 50


@dataclass(frozen=True)
class Choice:
    """The period and filters of a page, checked against the viewer's scope."""

    period: Period
    form: object  # the PeriodForm (built when first used: `choose_period`)
    filters: Filters
    agencies: frozenset[int] | None  # what the page may read (None: every agency)
    form_state: list  # what the form's markup depends on (`choosing.form_state`)

    @property
    def query(self) -> str:
        return encode(period_query(self.period), self.filters.query())


def choose(request: HttpRequest, default_kind: str = "month") -> Choice:
    """Period and filters from the query string. An agency outside the viewer's scope gets a
    404 (the same as an unknown one)."""
    viewer: Viewer = request.viewer
    period, form = choose_period(request.GET, default_kind)
    filters = choose_filters(request.GET)
    if filters.agency_id is not None:
        viewer.agency_or_404(filters.agency_id)
    return Choice(
        period, form, filters, viewer.agency_ids, form_state(request.GET, initial_of(period))
    )


def choices_for(viewer: Viewer) -> dict:
    from catalog.models import Field

    return {
        "agencies": list(viewer.agencies().values_list("pk", "name")),
        "fields": Field.objects.filter(procedures__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("pk", "name"),
        "levels": sorted(level_names().items(), key=lambda kv: kv[1]) if viewer.sees_all else [],
    }


def cached_choices(viewer: Viewer, change) -> dict:
    """`choices_for(viewer)`, cached under the key of the figures (`oversight.caching`): the
    agencies, fields and levels it lists are edited only through their models, whose saves
    bump the summary generation (oversight.invalidation)."""
    from oversight.caching import cached

    def make() -> dict:
        return {name: list(rows) for name, rows in choices_for(viewer).items()}

    scope = None if viewer.agency_ids is None else sorted(viewer.agency_ids)
    return cached("choices", {"scope": scope}, make, change)


def paginate(request: HttpRequest, rows, size: int = PAGE_SIZE) -> Page:
    return Paginator(rows, size).get_page(request.GET.get("page"))
