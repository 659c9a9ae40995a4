"""Accountability pages (O3, /giam-sat/trach-nhiem/): per unit and official, with the signals
of unusual supplement or refusal rates and the statistic behind them."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from org.models import Official
from oversight import accountability as acc
from oversight.choosing import encode, period_query
from oversight.scope import oversight_required
from oversight.views.common import bad_query, choices_for, choose, paginate


def _agencies(choice):
    if choice.filters.agency_id is not None:
        return frozenset({choice.filters.agency_id})
    return choice.agencies


@require_safe
@oversight_required
def accountability(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    choice = choose(request)
    judged = choice.period.judged_day(timezone.localdate())
    agencies = _agencies(choice)
    context = {
        "choice": choice,
        "period": choice.period,
        "form": choice.form,
        "filters": choice.filters,
        "judged": judged,
        "rule": acc.RULE,
        "choices": {"agencies": choices_for(viewer)["agencies"]},
        "base": encode(period_query(choice.period)),
    }
    if judged is not None:
        context.update(
            officials=acc.by_official(choice.period, judged, agencies),
            units=acc.by_unit(choice.period, judged, agencies),
            signals=acc.signals(choice.period, judged, agencies),
        )
    return render(request, "oversight/accountability.html", context)


@require_safe
@oversight_required
def late_steps(request: HttpRequest, official_id: int) -> HttpResponse:
    """The steps an official held that ended late in the period (their `late` number)."""
    viewer = request.viewer
    official = Official.objects.select_related("user", "unit__agency").filter(pk=official_id)
    official = official.first()
    if official is None or not (
        viewer.may_see(official.unit.agency_id)
        or acc.held_steps(official.pk, viewer.agency_ids).exists()
    ):
        raise Http404("no such official")
    choice = choose(request)
    if choice.period_problems:  # not the period the link promised: say so
        return bad_query(request, choice.period_problems)
    judged = choice.period.judged_day(timezone.localdate())
    rows = acc.late_steps(choice.period, judged, official.pk, viewer.agency_ids) if judged else []
    context = {
        "choice": choice,
        "period": choice.period,
        "official": official,
        **paginate(request, rows),
        "keep": encode(period_query(choice.period)),
    }
    return render(request, "oversight/late_steps.html", context)
