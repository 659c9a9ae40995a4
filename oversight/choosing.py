"""The choices at the top of every statistics page: the period (month, quarter, year, custom)
and the filters (agency, field, level), read from the query string.

A page works with no query string at all (the default period), and a wrong value never
breaks it: the form shows the error and the page falls back on the default period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from catalog.models import Field
from org.models import AdministrativeLevel
from service_index.periods import Period

KINDS = (
    ("month", _("Tháng")),
    ("quarter", _("Quý")),
    ("year", _("Năm")),
    ("custom", _("Khoảng ngày tùy chọn")),
)
MONTHS = [(m, str(m)) for m in range(1, 13)]
QUARTERS = [(q, str(q)) for q in range(1, 5)]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
LONGEST_CUSTOM_DAYS = 3 * 366  # bounded reads: a custom period spans at most about 3 years


class PeriodForm(forms.Form):
    """The period of the figures; only the fields of the chosen kind are used."""

    kind = forms.ChoiceField(label=_("Kỳ"), choices=KINDS)
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label=_("Tháng"), choices=MONTHS, coerce=int, required=False)
    quarter = forms.TypedChoiceField(label=_("Quý"), choices=QUARTERS, coerce=int, required=False)
    first = forms.DateField(
        label=_("Từ ngày"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == "custom":
            first, last = data.get("first"), data.get("last")
            if not first or not last:
                raise forms.ValidationError(_("Chọn cả ngày bắt đầu và ngày kết thúc."))
            if last < first:
                raise forms.ValidationError(_("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
            if (last - first).days > LONGEST_CUSTOM_DAYS:
                raise forms.ValidationError(_("Khoảng ngày dài nhất là 3 năm."))
        return data

    def period(self) -> Period:
        data = self.cleaned_data
        kind, year = data["kind"], data["year"]
        if kind == "month":
            return Period.month(year, data.get("month") or 1)
        if kind == "quarter":
            return Period.quarter(year, data.get("quarter") or 1)
        if kind == "year":
            return Period.year(year)
        return Period.custom(data["first"], data["last"])


def default_period(kind: str, today: dt.date | None = None) -> Period:
    today = today or timezone.localdate()
    if kind == "year":
        return Period.year(today.year)
    return Period.month(today.year, today.month)


def initial_of(period: Period) -> dict:
    return {
        "kind": period.kind,
        "year": period.first.year,
        "month": period.first.month,
        "quarter": (period.first.month + 2) // 3,
        "first": period.first,
        "last": period.last,
    }


def choose_period(query, default_kind: str = "month") -> tuple[Period, PeriodForm]:
    """The period asked for in `query` (a QueryDict), or the default one; and the form to show.

    The default period's form is built only when it is used (a `SimpleLazyObject`): pages
    that serve its markup from their cache never need it, and building a form copies all its
    fields."""
    if "kind" in query:
        form = PeriodForm(query)
        if form.is_valid():
            return form.period(), form
        return default_period(default_kind), form
    period = default_period(default_kind)
    return period, SimpleLazyObject(lambda: PeriodForm(initial=initial_of(period)))


def form_state(query, initial: dict) -> list:
    """What the period form's markup is a pure function of (with the language), known without
    building the form: the submitted values when the query chooses a period (a bound form:
    they give its errors too), else the initial values (the default period, which follows the
    day). A cache key made of it can never serve another form's markup."""
    if "kind" in query:
        get = query.getlist if hasattr(query, "getlist") else query.get
        return ["bound", {name: get(name) for name in PeriodForm.base_fields}]
    return ["initial", {name: str(value) for name, value in initial.items()}]


def period_query(period: Period) -> dict[str, str]:
    """The query-string parameters that choose `period` again (for links and downloads)."""
    params = {"kind": period.kind, "year": str(period.first.year)}
    if period.kind == "month":
        params["month"] = str(period.first.month)
    elif period.kind == "quarter":
        params["quarter"] = str((period.first.month + 2) // 3)
    elif period.kind == "custom":
        params.update(first=period.first.isoformat(), last=period.last.isoformat())
    return params


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """Which dossiers' figures: one agency, one field, one administrative level (process
    group), or all (None). The viewer's scope narrows the agencies further."""

    agency_id: int | None = None
    field_id: int | None = None
    level: str | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.agency_id, self.field_id, self.level))

    def query(self) -> dict[str, str]:
        params = {}
        if self.agency_id is not None:
            params["agency"] = str(self.agency_id)
        if self.field_id is not None:
            params["field"] = str(self.field_id)
        if self.level is not None:
            params["level"] = self.level
        return params


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def choose_filters(query) -> Filters:
    """Filters from the query string; unknown values are ignored (the page shows all)."""
    field_id = _int_or_none(query.get("field"))
    if field_id is not None and not Field.objects.filter(pk=field_id).exists():
        field_id = None
    level = query.get("level") or None
    if level and not AdministrativeLevel.objects.filter(process_group=level).exists():
        level = None
    return Filters(_int_or_none(query.get("agency")), field_id, level)


def encode(*parts: dict[str, str]) -> str:
    merged: dict[str, str] = {}
    for part in parts:
        merged.update(part)
    return urlencode(merged)
