"""The choices at the top of every statistics page: the period (month, quarter, year, custom)
and the filters (agency, field, level), read from the query string.

A page works with no query string at all (the default period), and a wrong value never
breaks it nor is dropped in silence: the form shows the error and the page falls back on the
default period; a filter that names nothing is turned off and the form says so (`problems`).
Pages without a form (the lists behind a figure, the downloads) answer such a query with a
400 page that lists the same messages (`oversight.views.common.bad_query`).
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
from motcua.params import FIRST_YEAR, LAST_YEAR, day_outside
from org.models import AdministrativeLevel, Agency
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
# The fields each kind of period reads; the others are not checked (see PeriodForm.clean).
USED_BY_KIND = {
    "month": ("year", "month"),
    "quarter": ("year", "quarter"),
    "year": ("year",),
    "custom": ("first", "last"),
}


class PeriodForm(forms.Form):
    """The period of the figures; only the fields of the chosen kind are used."""

    kind = forms.ChoiceField(label=_("Kỳ"), choices=KINDS)
    year = forms.IntegerField(label=_("Năm"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
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
        """The chosen kind's own fields are required: a month without its month is not
        January (the form's selects always send one; a hand-made address may not)."""
        data = super().clean()
        kind = data.get("kind")
        self._forget_unused(kind)
        for name, message in (("month", _("Chọn tháng.")), ("quarter", _("Chọn quý."))):
            if kind == name and name not in self.errors and data.get(name) in (None, ""):
                self.add_error(name, message)
        if kind == "custom":
            first, last = data.get("first"), data.get("last")
            if not first or not last:
                raise forms.ValidationError(_("Chọn cả ngày bắt đầu và ngày kết thúc."))
            if outside := day_outside(first) or day_outside(last):
                raise forms.ValidationError(outside)
            if last < first:
                raise forms.ValidationError(_("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
            if (last - first).days > LONGEST_CUSTOM_DAYS:
                raise forms.ValidationError(_("Khoảng ngày dài nhất là 3 năm."))
        return data

    def _forget_unused(self, kind: str | None) -> None:
        """A field the chosen kind does not read is not checked: the form's selects send all
        of them, and a bookmarked custom range without a year, or a year with a stray month,
        means what it says."""
        if kind not in USED_BY_KIND:
            return
        for name in set(self.fields) - {"kind", *USED_BY_KIND[kind]}:
            self.errors.pop(name, None)

    def period(self) -> Period:
        data = self.cleaned_data
        kind, year = data["kind"], data.get("year")
        if kind == "month":
            return Period.month(year, data["month"])
        if kind == "quarter":
            return Period.quarter(year, data["quarter"])
        if kind == "year":
            return Period.year(year)
        return Period.custom(data["first"], data["last"])

    def problems(self) -> list[str]:
        """The errors of a bound form as sentences ("Năm: ..."), for a page that has no form
        to show them next to."""
        found = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else None
            found += [f"{label}: {e}" if label else str(e) for e in errors]
        return found


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


def chooses_period(query) -> bool:
    """Whether the query string chooses a period (any of the form's fields: a lone `year` is
    checked, and its error shown, rather than ignored)."""
    return any(name in query for name in PeriodForm.base_fields)


def choose_period(query, default_kind: str = "month") -> tuple[Period, PeriodForm]:
    """The period asked for in `query` (a QueryDict), or the default one; and the form to show.

    The default period's form is built only when it is used (a `SimpleLazyObject`): pages
    that serve its markup from their cache never need it, and building a form copies all its
    fields."""
    if chooses_period(query):
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
    if chooses_period(query):
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


def _exists(model, value: int | str | None, **lookup: object) -> bool:
    """Whether a row matches; never for a missing id, nor for text with a NUL character
    (PostgreSQL refuses such a parameter outright: no row can hold it)."""
    if value is None or (isinstance(value, str) and "\x00" in value):
        return False
    return model.objects.filter(**lookup).exists()


def choose_filters(query) -> tuple[Filters, list[str]]:
    """Filters from the query string, and a message for each value that names nothing: that
    filter is off (the page shows all) and the page says so, instead of showing all in
    silence or figures of nothing. An empty value is "all", as the form's first option."""
    problems: list[str] = []
    agency_id = _int_or_none(query.get("agency"))
    if query.get("agency") and not _exists(Agency, agency_id, pk=agency_id):
        agency_id = None
        problems.append(_("Không tìm thấy cơ quan đã chọn: số liệu là của tất cả các cơ quan."))
    field_id = _int_or_none(query.get("field"))
    if query.get("field") and not _exists(Field, field_id, pk=field_id):
        field_id = None
        problems.append(_("Không tìm thấy lĩnh vực đã chọn: số liệu là của tất cả các lĩnh vực."))
    level = query.get("level") or None
    if level and not _exists(AdministrativeLevel, level, process_group=level):
        level = None
        problems.append(_("Không tìm thấy cấp hành chính đã chọn: số liệu là của tất cả các cấp."))
    return Filters(agency_id, field_id, level), [str(p) for p in problems]


def with_problems(form, period: Period, problems: list[str]) -> PeriodForm:
    """The period form with `problems` (what the query string named wrongly besides the
    period) shown above its fields. The default period's form becomes a bound one with the
    same values (an unbound form cannot carry errors)."""
    if not problems:
        return form
    if not form.is_bound:  # the default period's (lazy) form: bind its values
        form = PeriodForm({name: str(value) for name, value in initial_of(period).items()})
    form.is_valid()  # add_error needs the cleaned data
    for problem in problems:
        form.add_error(None, problem)
    return form


def encode(*parts: dict[str, str]) -> str:
    merged: dict[str, str] = {}
    for part in parts:
        merged.update(part)
    return urlencode(merged)
