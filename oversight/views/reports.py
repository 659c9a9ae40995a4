"""Reports (O6, /giam-sat/bao-cao/): monthly, quarterly, yearly (or any period) reports on
procedure handling, shown on the page and downloadable as Excel and PDF."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from motcua.spreadsheets import XLSX_TYPE
from oversight import reports
from oversight.choosing import Filters
from oversight.scope import oversight_required
from oversight.views.common import Choice, bad_query, choices_for, choose

TYPES = {
    "xlsx": XLSX_TYPE,
    "pdf": "application/pdf",
}


def _report(request: HttpRequest, choice: Choice | None = None):
    viewer = request.viewer
    choice = choice or choose(request)
    agency_id = choice.filters.agency_id
    if agency_id is None and not viewer.sees_all:
        agency_id = next(iter(viewer.agency_ids))
    if agency_id is not None:
        agency = viewer.agency_or_404(agency_id)
        label, agencies = agency.name, frozenset({agency.pk})
    else:
        label, agencies = _("Toàn tỉnh"), None
    return choice, reports.build(choice.period, label, agencies, Filters())


@require_safe
@oversight_required
def report_page(request: HttpRequest) -> HttpResponse:
    choice, report = _report(request)
    context = {
        "choice": choice,
        "period": choice.period,
        "form": choice.form,
        "filters": choice.filters,
        "report": report,
        "columns": reports.columns(),
        "choices": {"agencies": choices_for(request.viewer)["agencies"]},
        "sections": reports.table_sections(report),
        "groups": reports.column_groups(),
        "query": choice.query,
    }
    return render(request, "oversight/reports.html", context)


@require_safe
@oversight_required
def report_file(request: HttpRequest, extension: str) -> HttpResponse:
    if extension not in TYPES:
        raise Http404("unknown format")
    choice = choose(request)
    if choice.period_problems:  # a file of the default period would pass for the one asked
        return bad_query(request, choice.period_problems)
    _choice, report = _report(request, choice)
    body = reports.to_xlsx(report) if extension == "xlsx" else reports.to_pdf(report)
    response = HttpResponse(body, content_type=TYPES[extension])
    response["Content-Disposition"] = (
        f'attachment; filename="{reports.filename(report, extension)}"'
    )
    return response
