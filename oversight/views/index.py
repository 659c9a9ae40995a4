"""Service index pages (O2) for officials: the index of an agency, a level or the province for
a period, component by component; the dossiers behind each number; the agencies' ranking.

Overseers see every scope; leaders and heads see their own agency's index and the ranking
(which is public anyway). The lists of dossiers behind a figure follow the same scope.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from oversight import frame
from oversight.caching import cached, latest_change
from oversight.choosing import encode, period_query
from oversight.figures import level_names
from oversight.indexing import IndexView, index_view, level_views, ranking
from oversight.scope import Viewer, oversight_required
from oversight.views.common import bad_query, choose, paginate
from service_index.compute import Scope
from service_index.drilldown import (
    DENOMINATOR,
    NUMERATOR,
    PROCEDURE_FIGURES,
    behind,
)


def scope_of(viewer: Viewer, value: str | None) -> Scope:
    """ "province", "level:<group>" or "agency:<id>"; by default the province for overseers and
    the own agency for the others. A scope the viewer may not see is a 404."""
    return _scope_maker(viewer, value)[1]()


def _scope_maker(viewer: Viewer, value: str | None) -> tuple[str, Callable[[], Scope]]:
    """The scope's query value, checked, and how to make the Scope (which reads the agencies
    of a level or of the province: only a page not in the cache needs that)."""
    if not value:
        value = "province" if viewer.sees_all else f"agency:{next(iter(viewer.agency_ids))}"
    kind, _sep, code = value.partition(":")
    if kind == "agency":
        agency = viewer.agency_or_404(code)
        return f"agency:{agency.pk}", lambda: Scope.of_agency(agency)
    if not viewer.sees_all:
        raise Http404("scope not visible")
    if kind == "province":
        return "province", Scope.province
    if kind == "level" and code in level_names():
        return f"level:{code}", lambda: Scope.of_level(code)
    raise Http404("unknown scope")


def scope_param(scope: Scope) -> str:
    return "province" if scope.kind == "province" else f"{scope.kind}:{scope.code}"


def _links(view: IndexView, query: str) -> dict[str, list[str]]:
    """Per figure code: the query strings of its numerator's and denominator's lists."""
    return {
        f.code: [f"{query}&{encode({'code': f.code, 'part': part})}"
                 for part in (NUMERATOR, DENOMINATOR)]
        for g in view.groups for f in g.figures if f.drillable
    }  # fmt: skip


def _scope_choices(viewer: Viewer) -> list[tuple[str, str]]:
    found = []
    if viewer.sees_all:
        found.append(("province", _("Toàn tỉnh")))
        found += [(f"level:{g}", name) for g, name in sorted(level_names().items())]
    found += [(f"agency:{pk}", name) for pk, name in viewer.agencies().values_list("pk", "name")]
    return found


def _figures(make_scope: Callable[[], Scope], value: str, choice, query: str, change) -> str:
    """The index (and, for the province, its levels) rendered to HTML once per cache key
    (`oversight.caching`: it changes with every change of the figures), so a hit costs one
    cache read instead of the index's reads and the rendering of every component."""

    def make() -> str:
        scope = make_scope()
        view = index_view(scope, choice.period, change)
        context = {
            "choice": choice, "period": choice.period, "view": view,
            "links": _links(view, query),
            "levels": level_views(choice.period, change) if scope.kind == "province" else [],
        }  # fmt: skip
        return render_to_string("oversight/_index_figures.html", context)  # a SafeString

    params = {"scope": value, "query": query, "choice": choice.query}
    return cached("index-html", params, make, change)


def _form(viewer: Viewer, choice, value: str, change) -> str:
    """The scope and period form, rendered once per form state, chosen scope and viewer's
    scope, and cached under the figures' change key: the scopes it lists (levels, agencies)
    change only through edits that bump it (`oversight.invalidation`)."""

    def make() -> str:
        context = {"form": choice.form, "scope_value": value,
                   "scope_choices": _scope_choices(viewer)}  # fmt: skip
        return render_to_string("oversight/_index_form.html", context)

    params = {
        "viewer": None if viewer.sees_all else sorted(viewer.agency_ids),
        "scope": value, "form": choice.form_state,
    }  # fmt: skip
    return cached("index-form", params, make, change)


@require_safe
@oversight_required
def index(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    choice = choose(request)
    value, make_scope = _scope_maker(viewer, request.GET.get("scope"))
    query = encode(period_query(choice.period), {"scope": value})
    change = latest_change()
    context = {
        "index_form": _form(viewer, choice, value, change),
        "figures": _figures(make_scope, value, choice, query, change),
    }
    title = _("Bộ chỉ số phục vụ người dân, doanh nghiệp")
    return frame.response(request, title, "oversight/_index_main.html", context)


@require_safe
@oversight_required
def index_dossiers(request: HttpRequest) -> HttpResponse:
    """The dossiers (or procedures) behind a figure's numerator or denominator; a wrong
    period gets a 400 page saying so (the default period's list is not the figure's)."""
    choice = choose(request)
    if choice.period_problems:
        return bad_query(request, choice.period_problems)
    scope = scope_of(request.viewer, request.GET.get("scope"))
    code, part = request.GET.get("code", ""), request.GET.get("part", DENOMINATOR)
    if part not in (NUMERATOR, DENOMINATOR):
        raise Http404("unknown part")
    try:
        rows = behind(code, scope, choice.period, part)
    except LookupError:
        raise Http404("no list behind this figure") from None
    procedures = code in PROCEDURE_FIGURES
    if procedures:
        rows = rows.select_related("field").order_by("national_code", "version")
    else:
        rows = rows.select_related(
            "procedure",
            "processing_agency",
            "timing",
            "current_step__unit",
            "current_step__assignee__user",
        ).order_by("received_at", "pk")
    from service_index.components import COMPONENT_BY_CODE

    component = COMPONENT_BY_CODE[code]
    keep = encode(
        period_query(choice.period), {"scope": scope_param(scope), "code": code, "part": part}
    )
    context = {
        "choice": choice,
        "period": choice.period,
        "scope": scope,
        "component": component,
        "part": part,
        "numerator": part == NUMERATOR,
        **paginate(request, rows),
        "keep": keep,
        "procedures": procedures,
        "back": encode(period_query(choice.period), {"scope": scope_param(scope)}),
    }
    return render(request, "oversight/index_dossiers.html", context)


@require_safe
@oversight_required
def rankings(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    choice = choose(request)
    base = period_query(choice.period)
    ranked = [
        (r, encode(base, {"scope": f"agency:{r.agency_id}"}) if viewer.may_see(r.agency_id)
         else "")
        for r in ranking(choice.period)
    ]  # fmt: skip
    context = {"choice": choice, "period": choice.period, "form": choice.form,
               "ranked": ranked}  # fmt: skip
    return render(request, "oversight/rankings.html", context)
