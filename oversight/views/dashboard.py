"""Oversight dashboards (O1, /giam-sat/): backlog and overdue by agency, field, level and
official, the monthly trend, the dossiers falling due soon; every number links to the list
of dossiers behind it (`dossier_list`), and each dossier to its back-office page.

Overseers see every agency (and may pick one); leaders and heads see their own agency.
Headline figures read the summary tables (`oversight.backlog`); only the holders of one
agency's open dossiers and the due-soon list read dossiers, bounded by their indexes.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from motcua.params import number
from oversight import backlog, charts, frame, lists
from oversight.caching import TTL_SECONDS, cached, key_for, latest_change
from oversight.choosing import encode, period_query
from oversight.figures import handling_by, total
from oversight.scope import oversight_required
from oversight.views.common import bad_query, cached_choices, choose, paginate

DUE_SOON_SHOWN = 10
PARTS = ("summary", "trend")  # the cached fragments: oversight/_dashboard_<part>.html


def _single_agency(choice) -> int | None:
    if choice.filters.agency_id is not None:
        return choice.filters.agency_id
    if choice.agencies is not None and len(choice.agencies) == 1:
        return next(iter(choice.agencies))
    return None


def _trend_chart(months):
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    series = [
        charts.Series(pgettext("figures", "Tiếp nhận"), charts.COLOURS[2]),
        charts.Series(_("Đã giải quyết"), charts.COLOURS[0]),
        charts.Series(_("Quá hạn cuối tháng"), charts.COLOURS[1]),
    ]
    return charts.columns(
        "chart-trend",
        _("Diễn biến 12 tháng"),
        "table-trend",
        series,
        [(m.label, (m.received, m.resolved, m.overdue_at_end)) for m in months],
    )


@require_safe
@oversight_required
def dashboard(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    choice = choose(request)
    now = timezone.now()
    judged = choice.period.judged_day(timezone.localdate(now))
    agency_id = _single_agency(choice)
    change = latest_change()
    context = {
        "choice": choice,
        "period": choice.period,
        "period_form": _period_form(choice, viewer, change),
        "query": choice.query,
        "judged": judged,
        "agency_id": agency_id,
    }
    if judged is not None:
        context.update(_figures(choice, judged, agency_id, now, viewer.sees_all, change))
    return frame.response(
        request, _("Tình hình giải quyết hồ sơ"), "oversight/_dashboard_main.html", context
    )


def _period_form(choice, viewer, change) -> str:
    """The period and filter form, rendered once per form state, filters and scope, and cached
    under the figures' change key: its lists of agencies, fields and levels change only
    through edits that bump it (`oversight.invalidation`). A hit skips the template and the
    lists (two hundred agencies, about a tenth of a hit's time when rendered each time)."""

    def make() -> str:
        context = {
            "form": choice.form, "filters": choice.filters,
            "choices": cached_choices(viewer, change), "reset_url": reverse("oversight:dashboard"),
        }  # fmt: skip
        return render_to_string("oversight/_period_form.html", context)

    scope = None if choice.agencies is None else sorted(choice.agencies)
    params = {"form": choice.form_state, "filters": choice.filters.query(), "scope": scope}
    return cached("dashboard-form", params, make, change)


def _summary(choice, judged, agency_id, live: bool, sees_all: bool, change) -> dict[str, str]:
    """The figures read from the summary tables, rendered to HTML once and cached under a key
    that changes with every change of the figures (`oversight.caching`): a hit costs one
    cache read, not the grouped reads nor the rendering of a row per agency and field."""
    f, agencies = choice.filters, choice.agencies

    def make() -> dict[str, str]:
        groups = ["agency", "field", "level"] if sees_all else ["agency", "field"]
        backlogs = backlog.backlogs_by(groups, judged, f, agencies)
        months = backlog.trend(judged, f, agencies)
        context = {
            "query": choice.query,
            "by_agency": backlogs["agency"] if agency_id is None else [],
            "by_field": backlogs["field"],
            "by_level": backlogs.get("level", []),
            "whole": backlog.total_backlog(backlogs["agency"]),
            "flows": total(handling_by("agency", choice.period, f, agencies)),
            "months": months,
            "trend_chart": _trend_chart(months),
        }
        # render_to_string gives SafeStrings, which stay safe through the cache's pickling.
        return {p: render_to_string(f"oversight/_dashboard_{p}.html", context) for p in PARTS}

    params = {
        "period": period_query(choice.period), "filters": f.query(), "sees_all": sees_all,
        "agencies": None if agencies is None else sorted(agencies), "agency": agency_id,
        "live": live,
    }  # fmt: skip
    parts = cached("dashboard", params, make, change)
    return {"top": parts["summary"], "trend": parts["trend"]}


def _figures(choice, judged, agency_id, now, sees_all: bool, change) -> dict:
    live = choice.period.end > now
    summary = _summary(choice, judged, agency_id, live, sees_all, change)
    figures = {"live": live, "summary": summary}
    if live and agency_id is not None:
        figures["holders"] = backlog.holders(agency_id, now)
    if live:
        figures["due_soon"] = _due_soon(choice, now, change)
    return figures


def _due_soon(choice, now, change) -> str:
    """The due-soon table, rendered; cached while it is sure to be the same. The list changes
    with a move or an overdue count (in the key, `oversight.caching`), or with time: when its
    first dossier's overdue moment passes (it leaves), or when the horizon (now plus three
    working days) passes the next overdue moment beyond it (one enters). A hit checks both
    against the clock, so it reads neither the dossiers nor the calendar (its revision is in
    `change`, and its clock is kept per revision)."""
    f, agencies = choice.filters, choice.agencies
    params = {"filters": f.query(), "agencies": None if agencies is None else sorted(agencies)}
    key = key_for("due-soon", params, change)
    horizon = backlog.due_soon_horizon(now, change.calendar)
    entry = cache.get(key)
    if entry is not None and _still_valid(entry, now, horizon):
        return entry["html"]
    rows = backlog.first_due_soon(agencies, f, now, DUE_SOON_SHOWN, horizon)
    context = {"rows": rows, "caption": _("Hồ sơ sắp đến hạn"), "table_id": "table-due-soon"}
    entry = {
        "html": render_to_string("oversight/_dossier_table.html", context),
        "leaves": rows[0].timing.overdue_at if rows else None,
        "enters": backlog.next_due_after(horizon),
    }
    cache.set(key, entry, TTL_SECONDS)
    return entry["html"]


def _still_valid(entry: dict, now, horizon) -> bool:
    if entry["leaves"] is not None and entry["leaves"] < now:
        return False
    return entry["enters"] is None or entry["enters"] >= horizon


def _holder(request) -> tuple[lists.Holder, list[str]]:
    """Who holds the listed dossiers (unit, official: ids, 0 for nobody), and a message if
    either is not an id (`motcua.params.number`: not a number, or too big for the database)."""
    values, problems = {}, []
    for name in ("unit", "official"):
        value = request.GET.get(name) or None
        values[name] = number(value)
        if value is not None and values[name] is None:
            problems = [_("Đơn vị hoặc cán bộ đang giữ hồ sơ không hợp lệ.")]
    return lists.Holder(unit_id=values["unit"], official_id=values["official"]), problems


@require_safe
@oversight_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    """The dossiers behind one number of a dashboard or report (paginated). A query with a
    wrong period, filter or holder gets a 400 page saying so: listing the default period's
    dossiers, or all fields', would list other dossiers than the number's."""
    choice = choose(request)
    kind = request.GET.get("what", "open")
    if kind not in lists.KINDS:
        raise Http404("unknown list")
    holder, holder_problems = _holder(request)
    if choice.problems or holder_problems:
        return bad_query(request, [*choice.problems, *holder_problems])
    rows = lists.dossiers(kind, choice.period, choice.filters, choice.agencies, holder)
    keep = encode(
        period_query(choice.period),
        choice.filters.query(),
        {"what": kind},
        {
            k: str(v)
            for k, v in (("unit", holder.unit_id), ("official", holder.official_id))
            if v is not None
        },
    )
    context = {
        "choice": choice,
        "period": choice.period,
        "kind": kind,
        "title": lists.KINDS[kind],
        **paginate(request, rows),
        "keep": keep,
        "now": timezone.now(),
        "stock": kind in lists.STOCKS,
    }
    return render(request, "oversight/dossier_list.html", context)
