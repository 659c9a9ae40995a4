"""Form 06, the tracking book (sổ theo dõi hồ sơ), for download by period and unit.

A counter officer keeps the book of the dossiers their agency received; heads and leaders of a
processing agency read the book of the dossiers their agency decides. Overseers may choose any
agency. The rows carry applicants' names and addresses, so a download is an access to personal
data of many applicants at once: it is logged as such (one row per download, not per dossier,
in the server log) and offered only to these roles.
"""

from __future__ import annotations

import datetime as dt
import logging

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from access.decorators import official_required
from motcua.params import day_outside
from motcua.spreadsheets import XLSX_TYPE
from org.models import Agency, Official, OrgUnit, Role
from paperwork.book import BookFilters, tracking_book_pdf, tracking_book_xlsx
from paperwork.forms import FormUnavailable

log = logging.getLogger("motcua.access")
BOOK_ROLES = {Role.COUNTER_OFFICER, Role.HEAD, Role.LEADER, Role.OVERSEER}
OTHER_UNIT = _("Hãy chọn một đơn vị của cơ quan bạn trong danh sách.")


class BookForm(forms.Form):
    start = forms.DateField(label=_("Từ ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Đến ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"), queryset=OrgUnit.objects.none(), required=False,
        empty_label=_("Tất cả đơn vị"),
        error_messages={"invalid_choice": OTHER_UNIT},
    )  # fmt: skip
    format = forms.ChoiceField(
        label=_("Định dạng"), choices=[("xlsx", "Excel"), ("pdf", "PDF")], initial="xlsx",
        error_messages={"invalid_choice": _("Hãy chọn định dạng Excel hoặc PDF.")},
    )  # fmt: skip

    def __init__(self, *args, agency: Agency, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(agency=agency).order_by("name")

    def clean(self) -> dict:
        data = super().clean()
        for name in ("start", "end"):  # days the databases can turn into moments
            if outside := day_outside(data.get(name)):
                self.add_error(name, outside)
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data


def _filters(official: Official, data: dict) -> BookFilters:
    agency = official.unit.agency
    mine = (
        {"agency": agency}
        if Role.COUNTER_OFFICER in official.role_codes()
        else {"processing_agency": agency}
    )
    return BookFilters(start=data["start"], end=data["end"], unit=data["unit"], **mine)


def _month_so_far() -> dict:
    today = timezone.localdate()
    return {"start": today.replace(day=1), "end": today, "format": "xlsx"}


@require_safe
@official_required
def tracking_book(request: HttpRequest) -> HttpResponse:
    official = request.official
    if not official.role_codes() & BOOK_ROLES:
        return render(request, "access/not_an_official.html", status=403)
    bound = "start" in request.GET
    form = BookForm(request.GET if bound else None, agency=official.unit.agency,
                    initial=_month_so_far())  # fmt: skip
    context = {"form": form, "bo_section": "book"}
    if not (bound and form.is_valid()):
        return render(request, "backoffice/book.html", context, status=400 if bound else 200)
    filters = _filters(official, form.cleaned_data)
    kind = form.cleaned_data["format"]
    try:
        content = tracking_book_pdf(filters) if kind == "pdf" else tracking_book_xlsx(filters)
    except FormUnavailable as error:
        form.add_error(None, str(error))
        return render(request, "backoffice/book.html", context, status=400)
    log.info("tracking book read by %s: %s", request.user.get_username(), filters)
    return _download(content, kind, form.cleaned_data["start"], form.cleaned_data["end"])


def _download(content: bytes, kind: str, start: dt.date, end: dt.date) -> HttpResponse:
    types = {
        "pdf": "application/pdf",
        "xlsx": XLSX_TYPE,
    }
    response = HttpResponse(content, content_type=types[kind])
    name = f"so-theo-doi-{start:%Y%m%d}-{end:%Y%m%d}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
