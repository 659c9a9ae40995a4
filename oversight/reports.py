"""Periodic reports on procedure handling (O6): the figures, and their Excel and PDF files.

The structure is the one provinces use for "tình hình, kết quả giải quyết thủ tục hành chính",
by field and by administrative level:

    in hand = carried over from the previous period + received in the period
                                            (online / in person or by post)
            = resolved (early / on time / late) + withdrawn or stopped
              + still open at the end (in time / overdue)

Everything comes from the summary tables (docs/statistics.md): carried over is the backlog at
the end of the day before the period, the flows are the period's day rows, what is still open
is the backlog at the end of the period (or today, for a period not over). Both sides of the
equation above are read from the same counters, so they always balance; the tests check both
against a hand-built history.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, fields

from django.db.models import F, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models.dossier import Channel
from motcua.pdf import html_to_pdf
from motcua.spreadsheets import sheet_row
from oversight.choosing import Filters
from oversight.figures import GROUPS, label_map, summed_counts
from service_index.periods import Period
from stats.queries import BACKLOG


@dataclass
class Line:
    """One row of the report (a field, a level, or the total)."""

    key: object = None
    label: str = ""
    carried: int = 0
    new_online: int = 0
    new_other: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    withdrawn_stopped: int = 0
    open_in_time: int = 0
    open_late: int = 0

    @property
    def new(self) -> int:
        return self.new_online + self.new_other

    @property
    def in_hand(self) -> int:
        return self.carried + self.new

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def open(self) -> int:
        return self.open_in_time + self.open_late

    def add(self, other: Line) -> None:
        for f in fields(self):
            if f.name not in ("key", "label"):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def cells(self) -> list[int]:
        """The numbers in column order (see `COLUMNS`)."""
        return [
            self.in_hand,
            self.carried,
            self.new,
            self.new_online,
            self.new_other,
            self.resolved,
            self.resolved_early,
            self.resolved_on_time,
            self.resolved_late,
            self.withdrawn_stopped,
            self.open,
            self.open_in_time,
            self.open_late,
        ]


def columns() -> list[tuple[str, str]]:
    """(group heading, column heading) of each number, in `Line.cells` order."""
    received, resolved, still = (
        _("Số hồ sơ nhận giải quyết"),
        _("Số hồ sơ đã giải quyết"),
        _("Số hồ sơ đang giải quyết"),
    )
    return [
        (received, _("Tổng số")),
        (received, _("Kỳ trước chuyển qua")),
        (received, _("Mới tiếp nhận")),
        (received, _("Trong đó trực tuyến")),
        (received, _("Trong đó trực tiếp, bưu chính")),
        (resolved, _("Tổng số")),
        (resolved, _("Trước hạn")),
        (resolved, _("Đúng hạn")),
        (resolved, _("Quá hạn")),
        (_("Rút hồ sơ, dừng xử lý"), _("Tổng số")),
        (still, _("Tổng số")),
        (still, _("Trong hạn")),
        (still, _("Quá hạn")),
    ]


def column_groups() -> list[tuple[str, int]]:
    """(group heading, how many columns it spans), in order."""
    groups: list[tuple[str, int]] = []
    for group, _col in columns():
        if groups and groups[-1][0] == group:
            groups[-1] = (group, groups[-1][1] + 1)
        else:
            groups.append((group, 1))
    return groups


def table_sections(report) -> list[tuple[str, list, Line, str]]:
    """(title, lines, total line, table id) of each table of the report."""
    return [
        (title, lines, _total(lines), f"table-report-{n}")
        for n, (title, lines) in enumerate(report.sections(), 1)
    ]


def lines_by(group: str, period: Period, filters: Filters, agencies, judged: dt.date) -> list[Line]:
    """One Line per field or level with any number, by label."""
    key = GROUPS[group][0]
    found: dict[object, Line] = {}

    def line(k) -> Line:
        return found.setdefault(k, Line(key=k))

    before = summed_counts(None, period.first - dt.timedelta(days=1), filters, agencies,
                           sums=BACKLOG, by=[key])  # fmt: skip
    for row in before:
        if row["open"]:
            line(row[key]).carried = row["open"]
    flows = summed_counts(period.first, judged, filters, agencies, by=[key], sums={
        "online": Sum("received", filter=Q(channel=Channel.ONLINE)),
        "received": Sum("received"),
        "early": Sum("resolved_early"),
        "on_time": Sum("resolved_on_time"),
        "late": Sum("resolved_late"),
        "ended": Sum(F("ended_on_time") + F("ended_late")),
    })  # fmt: skip
    for row in flows:
        ln = line(row[key])
        ln.new_online = row["online"] or 0
        ln.new_other = (row["received"] or 0) - ln.new_online
        ln.resolved_early, ln.resolved_on_time = row["early"] or 0, row["on_time"] or 0
        ln.resolved_late = row["late"] or 0
        ln.withdrawn_stopped = (row["ended"] or 0) - ln.resolved
    for row in summed_counts(None, judged, filters, agencies, sums=BACKLOG, by=[key]):
        if row["open"]:
            ln = line(row[key])
            ln.open_late = row["overdue"] or 0
            ln.open_in_time = row["open"] - ln.open_late
    kept = [ln for ln in found.values() if any(ln.cells())]
    labels = label_map(group, [ln.key for ln in kept])
    for ln in kept:
        ln.label = labels.get(ln.key, str(ln.key))
    return sorted(kept, key=lambda ln: ln.label)


@dataclass
class Report:
    period: Period
    scope_label: str
    judged: dt.date | None
    made_at: dt.datetime
    by_field: list[Line]
    by_level: list[Line]

    @property
    def total(self) -> Line:
        whole = Line(key="total", label=_("Tổng cộng"))
        for ln in self.by_field:
            whole.add(ln)
        return whole

    @property
    def title(self) -> str:
        return _("Báo cáo tình hình, kết quả giải quyết thủ tục hành chính")

    @property
    def subtitle(self) -> str:
        text = _("%(period)s · %(scope)s") % {
            "period": self.period.label(),
            "scope": self.scope_label,
        }
        if self.judged is not None and self.judged < self.period.last:
            text += " · " + _("số liệu đến hết ngày %(day)s") % {"day": f"{self.judged:%d/%m/%Y}"}
        return text

    def sections(self) -> list[tuple[str, list[Line]]]:
        return [(_("Theo lĩnh vực"), self.by_field), (_("Theo cấp hành chính"), self.by_level)]


def build(
    period: Period,
    scope_label: str,
    agencies,
    filters: Filters | None = None,
    now: dt.datetime | None = None,
) -> Report:
    now = now or timezone.now()
    filters = filters or Filters()
    judged = period.judged_day(timezone.localdate(now))
    if judged is None:
        return Report(period, scope_label, None, now, [], [])
    return Report(
        period,
        scope_label,
        judged,
        now,
        lines_by("field", period, filters, agencies, judged),
        lines_by("level", period, filters, agencies, judged),
    )


# ---------------------------------------------------------------- files


def filename(report: Report, extension: str) -> str:
    p = report.period
    return f"bao-cao-tthc-{p.first:%Y%m%d}-{p.last:%Y%m%d}.{extension}"


def _sheet(wb, title: str, report: Report, lines: list[Line]) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=title[:31])
    heads = columns()
    width = 2 + len(heads)
    ws.append(sheet_row(ws, [report.title]))
    ws.append(sheet_row(ws, [report.subtitle]))
    ws.append(sheet_row(ws, [title]))
    ws.append([_("STT"), title, *[group for group, _col in heads]])
    ws.append(["", "", *[col for _group, col in heads]])
    for n, ln in enumerate(lines, 1):
        ws.append(sheet_row(ws, [n, ln.label, *ln.cells()]))
    whole = Line(label=_("Tổng cộng"))
    for ln in lines:
        whole.add(ln)
    ws.append(["", whole.label, *whole.cells()])
    thin = Side(style="thin")
    for row in ws.iter_rows(min_row=4, max_row=ws.max_row, max_col=width):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _merge_heads(ws, heads)
    for cell in (ws["A1"], ws["A2"], *ws[4], *ws[5], *ws[ws.max_row]):
        cell.font = Font(bold=True)
    ws.column_dimensions["B"].width = 40
    for i in range(3, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 12
    ws.freeze_panes = "C6"


def _merge_heads(ws, heads: list[tuple[str, str]]) -> None:
    """Group headings merged across their columns; STT and the label merged down."""
    ws.merge_cells(start_row=4, start_column=1, end_row=5, end_column=1)
    ws.merge_cells(start_row=4, start_column=2, end_row=5, end_column=2)
    start = 0
    for i in range(1, len(heads) + 1):
        if i == len(heads) or heads[i][0] != heads[start][0]:
            if i - 1 > start:
                ws.merge_cells(start_row=4, start_column=3 + start, end_row=4, end_column=3 + i - 1)
            start = i


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, lines in report.sections():
        _sheet(wb, title, report, lines)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(report: Report) -> bytes:
    """The report as PDF (WeasyPrint, system Noto fonts), in the current language."""
    html = render_to_string(
        "oversight/report_pdf.html",
        {
            "report": report,
            "groups": column_groups(),
            "columns": columns(),
            "sections": table_sections(report),
        },
    )
    return html_to_pdf(html)


def _total(lines: list[Line]) -> Line:
    whole = Line(label=_("Tổng cộng"))
    for ln in lines:
        whole.add(ln)
    return whole
