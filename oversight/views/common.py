"""What every oversight page shares: the viewer's scope with the chosen filters, the period,
the links that keep both, and pagination."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from motcua.paging import choose_page
from oversight import frame
from oversight.choosing import (
    Filters,
    choose_filters,
    choose_period,
    chooses_period,
    encode,
    form_state,
    initial_of,
    period_query,
    with_problems,
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
    period_problems: tuple[str, ...] = ()  # why the asked period was not taken
    filter_problems: tuple[str, ...] = ()  # which filters named nothing (turned off)

    @property
    def query(self) -> str:
        return encode(period_query(self.period), self.filters.query())

    @property
    def problems(self) -> tuple[str, ...]:
        return self.period_problems + self.filter_problems


def choose(request: HttpRequest, default_kind: str = "month") -> Choice:
    """Period and filters from the query string. Any agency value that is not an agency of
    the viewer's scope gets a 404 (the same for a malformed, unknown or foreign one); a field
    or level that names nothing is turned off, and the form says so."""
    viewer: Viewer = request.viewer
    if request.GET.get("agency"):
        viewer.agency_or_404(request.GET["agency"])
    period, form = choose_period(request.GET, default_kind)
    period_problems = form.problems() if chooses_period(request.GET) else []
    filters, filter_problems = choose_filters(request.GET)
    state = form_state(request.GET, initial_of(period))
    if filter_problems:  # the form's markup shows them: they are part of its state
        form, state = with_problems(form, period, filter_problems), [*state, filter_problems]
    return Choice(
        period, form, filters, viewer.agency_ids, state,
        tuple(period_problems), tuple(filter_problems),
    )  # fmt: skip


def bad_query(request: HttpRequest, problems: tuple[str, ...] | list[str]) -> HttpResponse:
    """A 400 page, in the oversight frame, that says what in the address was wrong: for the
    pages with no form to show it next to (the lists behind a figure, the downloads), where
    a default period or a dropped filter would list or count other dossiers than the link
    promised."""
    title = _("Địa chỉ trang có tham số không hợp lệ")
    context = {"title": title, "problems": problems}
    response = frame.response(request, title, "oversight/bad_query.html", context)
    response.status_code = 400
    return response


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


def paginate(request: HttpRequest, rows, size: int = PAGE_SIZE) -> dict:
    """The context of a list's page: the page asked for, or the nearest one and the notice
    saying so (`oversight/layout.html` shows it; the cached frame of the dashboard and the
    index never holds one, so it does not read the request's messages)."""
    page, notice = choose_page(Paginator(rows, size), request.GET.get("page"))
    return {"page": page, "page_notice": notice}
