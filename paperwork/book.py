"""Form 06 of Circular 01/2018/TT-VPCP: the tracking book (sổ theo dõi hồ sơ), as Excel and PDF.

One row per dossier received in a period: number, code, procedure, applicant with address and
phone, processing agency, received, due, transferred to the processing agency, result received
back from it, result returned to the applicant, note. The rows come from one query (joins for
the related names, subqueries for the hand-over moment and the notes), read in chunks, so a
book of tens of thousands of dossiers costs the same handful of queries as a book of ten.

The PDF is A4 landscape: eleven columns do not fit a portrait page at a readable size. Laying
out a PDF costs far more than writing a spreadsheet (WeasyPrint shapes every word: tens of
milliseconds a row, about 8 rows a page with real procedure names), so the PDF refuses more
than `PDF_MAX_ROWS` rows: a month of one unit prints in seconds, a year of a province should
be read in Excel.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossiers.lifecycle import Status
from dossiers.models import ApologyLetter, Dossier, Result, StepRun
from motcua.spreadsheets import keep_text, sheet_row, sheet_value
from org.models import Agency, OrgUnit, Role
from paperwork import text
from paperwork.forms import FormUnavailable
from paperwork.rendering import FORM_LANGUAGE, render_pdf

# Statuses worth a note in the book (the dates already tell the ordinary course).
NOTED_STATUSES = {
    Status.AWAITING_SUPPLEMENT,
    Status.AWAITING_PAYMENT,
    Status.WITHDRAWN,
    Status.STOPPED,
}
HEADERS = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Nhận hồ sơ",
    "Hẹn trả kết quả",
    "Chuyển hồ sơ đến cơ quan giải quyết",
    "Nhận kết quả từ cơ quan giải quyết",
    "Trả kết quả cho cá nhân, tổ chức",
    "Ghi chú",
]
# The columns a row reads (the rest of the dossier and its relations are not loaded).
BOOK_FIELDS = ("code", "status", "received_at", "due_at", "original_due_at", "finished_at",
               "returned_at", "procedure__name", "applicant__name", "applicant__address",
               "applicant__phone", "processing_agency__name")  # fmt: skip
PDF_MAX_ROWS = 2000
WIDTHS = [6, 24, 40, 24, 30, 28, 16, 16, 16, 16, 16, 30]


@dataclass(frozen=True)
class BookFilters:
    """Which dossiers the book lists. Dates are local calendar days, both ends included.

    `agency` is the receiving agency whose book it is (its one-stop unit keeps it);
    `processing_agency` narrows to dossiers decided by one agency; `unit` to dossiers that
    passed through one unit (any step run there).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    agency: Agency | None = None
    processing_agency: Agency | None = None
    unit: OrgUnit | None = None


@dataclass(frozen=True)
class BookRow:
    number: int
    code: str
    procedure: str
    applicant: str
    address: str
    processing_agency: str
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    transferred_at: dt.datetime | None
    result_at: dt.datetime | None
    returned_at: dt.datetime | None
    note: str

    def moments(self) -> list[dt.datetime | None]:
        return [self.received_at, self.due_at, self.transferred_at, self.result_at,
                self.returned_at]  # fmt: skip


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _filtered(filters: BookFilters) -> QuerySet[Dossier]:
    qs = Dossier.objects.filter(received_at__isnull=False)
    if filters.start:
        qs = qs.filter(received_at__gte=_midnight(filters.start))
    if filters.end:
        qs = qs.filter(received_at__lt=_midnight(filters.end + dt.timedelta(days=1)))
    if filters.agency:
        qs = qs.filter(receiving_agency=filters.agency)
    if filters.processing_agency:
        qs = qs.filter(processing_agency=filters.processing_agency)
    if filters.unit:
        qs = qs.filter(Exists(StepRun.objects.filter(dossier=OuterRef("pk"), unit=filters.unit)))
    return qs


def book_queryset(filters: BookFilters) -> QuerySet[Dossier]:
    """The dossiers of the book with everything a row needs, in reception order."""
    # The counter's hand-over to the processing agency: its first step run handed over.
    handed = StepRun.objects.filter(
        dossier=OuterRef("pk"),
        step__role=Role.COUNTER_OFFICER,
        outcome=StepRun.Outcome.HANDED_OVER,
    ).order_by("finished_at", "pk")
    transfers = Dossier.objects.filter(transferred_from=OuterRef("pk")).order_by("pk")
    return (
        _filtered(filters)
        .select_related("procedure", "applicant", "processing_agency")
        .annotate(
            transferred_at=Subquery(handed.values("finished_at")[:1]),
            result_outcome=F("result__outcome"),
            apologised=Exists(ApologyLetter.objects.filter(dossier=OuterRef("pk"))),
            transfer_code=Subquery(transfers.values("code")[:1]),
        )
        .only(*BOOK_FIELDS)
        .order_by("received_at", "pk")
    )


def _late(dossier: Dossier) -> bool:
    """Finished after the due moment given at reception (an apology does not erase it)."""
    due, finished = dossier.original_due_at, dossier.finished_at
    return bool(due and finished and finished > due)


def _note(dossier: Dossier) -> str:
    parts = []
    if dossier.status in NOTED_STATUSES:
        parts.append(dossier.get_status_display())
    if dossier.result_outcome == Result.Outcome.REFUSED:
        parts.append(str(Result.Outcome.REFUSED.label))
    if _late(dossier):
        parts.append("Giải quyết quá hạn")
    if dossier.apologised:
        parts.append("Có phiếu xin lỗi và hẹn lại")
    if dossier.transfer_code:
        parts.append(f"Liên thông: {dossier.transfer_code}")
    return "; ".join(parts)


def _row(number: int, dossier: Dossier) -> BookRow:
    person = dossier.applicant
    return BookRow(
        number=number,
        code=dossier.code,
        procedure=dossier.procedure.name,
        applicant=person.name,
        address=", ".join(p for p in (person.address, person.phone) if p),
        processing_agency=dossier.processing_agency.name,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        transferred_at=dossier.transferred_at,
        result_at=dossier.finished_at if dossier.result_outcome else None,
        returned_at=dossier.returned_at,
        note=_note(dossier),
    )


def book_rows(filters: BookFilters) -> Iterator[BookRow]:
    """The rows of the book, numbered from 1, read from the database in chunks."""
    dossiers = book_queryset(filters).iterator(chunk_size=2000)
    for number, dossier in enumerate(dossiers, 1):
        yield _row(number, dossier)


def _title(filters: BookFilters) -> dict:
    period = ""
    if filters.start or filters.end:
        period = f"Từ ngày {text.day(filters.start) or '…'} đến ngày {text.day(filters.end) or '…'}"
    return {
        "issuer": filters.agency,
        "parent": filters.agency.parent if filters.agency else None,
        "period": period,
        "processing_agency": filters.processing_agency,
        "unit": filters.unit,
    }


# ---------------------------------------------------------------- Excel


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: local wall-clock time, as the book is read."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _sheet_cells(ws, values: list, style: dict) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = keep_text(WriteOnlyCell(ws, value=value))
        for name, setting in style.items():
            setattr(cell, name, setting)
        cells.append(cell)
    return cells


def _write_head(ws, title: dict) -> None:
    from openpyxl.styles import Alignment, Font

    bold = {"font": Font(bold=True)}
    ws.append(_sheet_cells(ws, [title["issuer"].name if title["issuer"] else ""], bold))
    ws.append(_sheet_cells(ws, ["SỔ THEO DÕI HỒ SƠ"], {"font": Font(bold=True, size=14)}))
    extra = [title["period"]]
    if title["processing_agency"]:
        extra.append(f"Cơ quan giải quyết: {title['processing_agency'].name}")
    if title["unit"]:
        extra.append(f"Đơn vị: {title['unit']}")
    ws.append(["; ".join(e for e in extra if e)])
    wrap = Alignment(wrap_text=True, vertical="top", horizontal="center")
    ws.append(_sheet_cells(ws, HEADERS, {"font": Font(bold=True), "alignment": wrap}))


def tracking_book_xlsx(filters: BookFilters | None = None) -> bytes:
    """Form 06 as an Excel workbook: one sheet, title lines, a header row, one row per dossier,
    moments as real date-times (dd/mm/yyyy hh:mm) so the book can be sorted and filtered."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    filters = filters or BookFilters()
    book = Workbook(write_only=True)
    ws = book.create_sheet("So theo doi ho so")
    for index, width in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "C5"
    with translation.override(FORM_LANGUAGE):
        _write_head(ws, _title(filters))
        moment_style = {"number_format": "dd/mm/yyyy hh:mm"}
        for row in book_rows(filters):
            head = [row.number, row.code, row.procedure, row.applicant, row.address,
                    row.processing_agency]  # fmt: skip
            moments = _sheet_cells(ws, [_local(m) for m in row.moments()], moment_style)
            ws.append([*sheet_row(ws, head), *moments, sheet_value(ws, row.note)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- PDF


def _day_and_time(value: dt.datetime | None) -> tuple[str, str]:
    if value is None:
        return ("", "")
    local = timezone.localtime(value)
    return (f"{local:%d/%m/%Y}", f"{local:%H:%M}")


def tracking_book_pdf(filters: BookFilters | None = None, *, max_rows: int = PDF_MAX_ROWS) -> bytes:
    """Form 06 as PDF, A4 landscape, the header row repeated on every page; `FormUnavailable`
    when more than `max_rows` dossiers match (see the module docstring)."""
    filters = filters or BookFilters()
    if (count := _filtered(filters).count()) > max_rows:
        raise FormUnavailable(
            _(
                "Sổ có %(count)s hồ sơ, quá %(limit)s hồ sơ để in PDF: hãy thu hẹp khoảng thời "
                "gian hoặc tải bản Excel."
            )
            % {"count": count, "limit": max_rows}
        )
    with translation.override(FORM_LANGUAGE):
        context = {
            **_title(filters),
            "date_line": "",
            "headers": HEADERS,
            "rows": [
                {"row": row, "moments": [_day_and_time(m) for m in row.moments()]}
                for row in book_rows(filters)
            ],
        }
        return render_pdf("paperwork/tracking_book.html", context)
