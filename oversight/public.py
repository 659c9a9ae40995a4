"""Public statistics (P8, /thong-ke/): no sign-in, figures only, no dossier and no person.

Per agency, field or level and for a period: received, resolved, early or on time, late,
online rate, average processing time, satisfaction; two charts drawn on the server (SVG) with
their tables as text alternatives; the same figures as CSV (UTF-8 with a byte order mark, so
Excel opens Vietnamese correctly) and as an Excel workbook (numbers as numbers); the
province's service index and the agencies' ranking.
Figures are cached (`oversight.caching`: the key holds the latest change, so a move shows at
once).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_safe

from catalog.models import Field
from motcua.spreadsheets import XLSX_TYPE, csv_text, sheet_row
from org.models import Agency
from oversight import charts, indexing
from oversight.caching import cached, latest_change
from oversight.choosing import (
    Filters,
    choose_filters,
    choose_period,
    chooses_period,
    encode,
    period_query,
    with_problems,
)
from oversight.figures import Handling, handling_by, level_names, monthly, total
from oversight.templatetags.oversight_tags import percent
from service_index.components import COMPONENTS, GROUPS, Component
from service_index.compute import Scope, Settings
from service_index.periods import Period

BY_CHOICES = ("agency", "field", "level", "procedure")
CHART_ROWS = 15


def by_labels() -> dict[str, str]:
    return {
        "agency": _("Cơ quan"),
        "field": _("Lĩnh vực"),
        "level": _("Cấp hành chính"),
        "procedure": _("Thủ tục"),
    }


def _by(query, filters: Filters) -> tuple[str, list[str]]:
    """How the figures are grouped, and a message if the query asked for no known grouping.
    Per procedure needs one agency: the month rows are per field, so this grouping reads the
    day rows, and one agency's (their index) keep an anonymous request cheap at any size."""
    value = query.get("by") or "agency"
    if value == "procedure" and filters.agency_id is None:
        return "agency", [
            _("Để thống kê theo thủ tục, hãy chọn một cơ quan: số liệu được thống kê theo cơ quan.")
        ]
    if value in BY_CHOICES:
        return value, []
    return "agency", [_("Không có cách thống kê đã chọn: số liệu được thống kê theo cơ quan.")]


@dataclass(frozen=True)
class Choice:
    """What the query string asks for, checked: the period, its form (with every problem
    shown above its fields), the filters, the grouping, and what was wrong with the query."""

    period: Period
    form: object  # the PeriodForm (`choosing.choose_period`, `choosing.with_problems`)
    filters: Filters
    by: str
    problems: tuple[str, ...]


def _choose(query) -> Choice:
    period, form = choose_period(query, default_kind="year")
    period_problems = form.problems() if chooses_period(query) else []
    filters, problems = choose_filters(query)
    by, by_problems = _by(query, filters)
    problems += by_problems
    form = with_problems(form, period, problems)
    return Choice(period, form, filters, by, tuple(period_problems + problems))


def choices() -> dict:
    return {
        "agencies": Agency.objects.order_by("level__tier", "name").values_list("pk", "name"),
        "fields": Field.objects.filter(procedures__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("pk", "name"),
        "levels": sorted(level_names().items(), key=lambda kv: kv[1]),
    }


def _figures(period: Period, filters: Filters, by: str) -> dict:
    params = {"period": period_query(period), "filters": filters.query(), "by": by}
    change = latest_change()
    rows = cached("rows", params, lambda: handling_by(by, period, filters), change)
    months = cached("months", params, lambda: monthly(period, filters), change)
    return {
        "rows": rows,
        "months": months,
        "province": indexing.index_view(Scope.province(), period, change),
        "ranking": [r for r in indexing.ranking(period, change) if r.rank is not None],
        "total": total(rows, _("Tổng cộng")),
    }


def _charts(rows: list[Handling], months: list[Handling], by: str) -> dict:
    status = [
        charts.Series(_("Giải quyết trước hạn, đúng hạn"), charts.COLOURS[0]),
        charts.Series(_("Giải quyết quá hạn"), charts.COLOURS[1]),
    ]
    biggest = sorted(rows, key=lambda h: -h.resolved)[:CHART_ROWS]
    flow = [
        charts.Series(pgettext("figures", "Tiếp nhận"), charts.COLOURS[2]),
        charts.Series(_("Đã giải quyết"), charts.COLOURS[0]),
    ]
    return {
        "by_group": charts.stacked_bars(
            "chart-groups",
            _("Hồ sơ đã giải quyết theo %(by)s") % {"by": by_labels()[by].lower()},
            "table-groups",
            status,
            [(h.label, (h.in_time, h.resolved_late)) for h in biggest],
        ),
        "by_month": charts.columns(
            "chart-months",
            _("Hồ sơ tiếp nhận và đã giải quyết theo tháng"),
            "table-months",
            flow,
            [(h.label, (h.received, h.resolved)) for h in months],
        ),
    }


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    return _page(request, _choose(request.GET))


def _page(request: HttpRequest, choice: Choice, status: int = 200) -> HttpResponse:
    """The page of `choice`'s figures; its form shows what was wrong with the query."""
    period, filters, by = choice.period, choice.filters, choice.by
    figures = _figures(period, filters, by)
    query = encode(period_query(period), filters.query(), {"by": by})
    context = {
        **figures,
        "period": period,
        "form": choice.form,
        "filters": filters,
        "by": by,
        "by_label": by_labels()[by],
        "by_choices": by_labels(),
        "choices": choices(),
        "query": query,
        "charts": _charts(figures["rows"], figures["months"], by),
    }
    return render(request, "oversight/public_statistics.html", context, status=status)


# The table's columns: heading, the figure of a row, and how a file shows it ("count", "rate"
# a fraction shown as a percentage, "number" a decimal).
COLUMNS = (
    (lambda: pgettext("figures", "Tiếp nhận"), lambda h: h.received, "count"),
    (lambda: _("Tiếp nhận trực tuyến"), lambda h: h.received_online, "count"),
    (lambda: _("Tỷ lệ trực tuyến (%)"), lambda h: h.online_rate, "rate"),
    (lambda: _("Đã giải quyết"), lambda h: h.resolved, "count"),
    (lambda: _("Trước hạn"), lambda h: h.resolved_early, "count"),
    (lambda: _("Đúng hạn"), lambda h: h.resolved_on_time, "count"),
    (lambda: _("Quá hạn"), lambda h: h.resolved_late, "count"),
    (lambda: _("Tỷ lệ đúng hạn (%)"), lambda h: h.in_time_rate, "rate"),
    (lambda: _("Thời gian giải quyết trung bình (ngày làm việc)"), lambda h: h.average_days,
     "number"),
    (lambda: _("Số lượt đánh giá"), lambda h: h.ratings, "count"),
    (lambda: _("Tỷ lệ hài lòng (%)"), lambda h: h.satisfaction, "rate"),
    (lambda: _("Điểm đánh giá trung bình (1-5)"), lambda h: h.average_rating, "number"),
)  # fmt: skip


def csv_rows(rows: list[Handling], whole: Handling, by: str) -> list[list]:
    """The table as CSV rows: rates in percent and decimals with two places, dot decimals."""
    shown = {"count": str, "rate": _pct, "number": _num}
    body = [[by_labels()[by], *(head() for head, _value, _kind in COLUMNS)]]
    for h in [*rows, whole]:
        body.append([csv_text(h.label), *(shown[kind](value(h)) for _head, value, kind in COLUMNS)])
    return body


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def _num(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _download(choice: Choice, write, content_type: str, extension: str) -> HttpResponse:
    period, by = choice.period, choice.by
    figures = _figures(period, choice.filters, by)
    response = HttpResponse(write(figures, choice), content_type=content_type)
    name = f"thong-ke-{by}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_bytes(figures: dict, choice: Choice) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(figures["rows"], figures["total"], choice.by))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_bytes(figures: dict, choice: Choice) -> bytes:
    """One sheet: the title and period, the headings, a row per group and the total; counts
    are whole numbers, rates percentages and averages decimals, so Excel in any regional
    setting reads them as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Thống kê")[:31]
    ws.append([_("Thống kê tình hình giải quyết thủ tục hành chính")])
    ws.append([choice.period.label()])
    ws.append([by_labels()[choice.by], *(head() for head, _value, _kind in COLUMNS)])
    formats = {"count": "0", "rate": "0.00%", "number": "0.00"}
    for h in [*figures["rows"], figures["total"]]:
        values = [None if (v := value(h)) is None else float(v) for _h, value, _k in COLUMNS]
        ws.append(sheet_row(ws, [h.label, *values]))
        for cell, (_head, _value, kind) in zip(ws[ws.max_row][1:], COLUMNS, strict=True):
            cell.number_format = formats[kind]
    for cell in (ws["A1"], *ws[3], *ws[ws.max_row]):
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 40
    ws.freeze_panes = "B4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@require_safe
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """The table of the page as CSV: UTF-8 with BOM, comma-separated, dot decimals. A query
    with a wrong period, filter or grouping gets the page instead (400), its form saying what
    was wrong: a file of other figures than asked would pass for the ones asked."""
    choice = _choose(request.GET)
    if choice.problems:
        return _page(request, choice, status=400)
    return _download(choice, _csv_bytes, "text/csv; charset=utf-8", "csv")


@require_safe
def statistics_xlsx(request: HttpRequest) -> HttpResponse:
    """The table of the page as an Excel workbook, numbers as numbers (the CSV's dot decimals
    may open as text in Excel set to Vietnamese); a wrong query gets the page, as the CSV."""
    choice = _choose(request.GET)
    if choice.problems:
        return _page(request, choice, status=400)
    return _download(choice, _xlsx_bytes, XLSX_TYPE, "xlsx")


@require_safe
def formulas(request: HttpRequest) -> HttpResponse:
    """Every component of the service index: group, formula, target, or why it is not
    measured (the page each figure links to)."""
    settings = Settings.current()
    groups = [
        (g, [_Rule(c, settings.targets[c.code], settings.points.get(c.code))
             for c in COMPONENTS if c.group == g.code])
        for g in GROUPS
    ]  # fmt: skip
    return render(request, "oversight/formulas.html", {"groups": groups})


@dataclass(frozen=True)
class _Rule:
    """A component as the index scores it: the target and points in force (the decision's,
    the defaults, or the province's settings, `service_index.conf`)."""

    component: Component
    target: Fraction
    points: Fraction | None

    @property
    def target_source(self) -> str:
        stated = self.component.target
        if stated is not None and stated == self.target:
            return _("theo quyết định")
        if stated is not None:
            return _("do tỉnh đặt; quyết định nêu %(p)s") % {"p": percent(stated, 0)}
        if self.target != 1:
            return _("do tỉnh đặt; quyết định không nêu mức")
        return _("quyết định không nêu mức; mặc định 100%, tỉnh có thể đặt khác")
