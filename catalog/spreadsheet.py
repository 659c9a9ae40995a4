"""The catalogue as an Excel workbook: one sheet for procedures, one per repeated table.

Provincial staff edit catalogues in Excel. The workbook is a flat view of the exchange records
(catalog.exchange): rows are turned into records and go through the same all-or-nothing import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from catalog.exchange import UnreadableRow
from motcua.spreadsheets import sheet_row

PROCEDURE_COLUMNS = [
    "national_code", "name", "field", "levels", "procedure_type", "decision_number", "subjects",
    "competent_authority", "implementing_agency", "receiving_places", "conditions", "steps_text",
    "legal_time_amount", "legal_time_unit", "legal_time_text", "fee_amount", "fee_text",
    "result_documents", "online_level", "source_url", "parse_warnings",
]  # fmt: skip
CHILD_SHEETS = {
    "channels": ["national_code", "channel", "time_amount", "time_unit", "time_text",
                 "fee_amount", "fee_text", "description"],
    "documents": ["national_code", "name", "kind", "count", "mandatory", "condition",
                  "form_template"],
    "legal_basis": ["national_code", "title", "number"],
}  # fmt: skip
SHEET_PROCEDURES = "procedures"


def write_workbook(records: Iterable[dict], path: Path) -> int:
    """Write exchange records to an .xlsx file; returns the number of procedures."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_PROCEDURES
    sheet.append(PROCEDURE_COLUMNS)
    children = {name: book.create_sheet(name) for name in CHILD_SHEETS}
    for name, columns in CHILD_SHEETS.items():
        children[name].append(columns)
    count = 0
    for record in records:
        sheet.append(sheet_row(sheet, _procedure_row(record)))
        for name, columns in CHILD_SHEETS.items():
            for item in record.get(name) or []:
                row = {"national_code": record["national_code"], **item}
                child = children[name]
                child.append(sheet_row(child, [_cell(row.get(col)) for col in columns]))
        count += 1
    book.save(path)
    return count


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _procedure_row(record: dict) -> list[object]:
    flat = dict(record)
    flat["levels"] = ", ".join(record.get("levels") or [])
    flat["parse_warnings"] = "\n".join(record.get("parse_warnings") or [])
    legal, fee = record.get("legal_time") or {}, record.get("fee") or {}
    flat.update(
        legal_time_amount=legal.get("amount"),
        legal_time_unit=legal.get("unit"),
        legal_time_text=legal.get("text"),
        fee_amount=fee.get("amount"),
        fee_text=fee.get("text"),
    )
    return [flat.get(col) for col in PROCEDURE_COLUMNS]


def read_workbook(path: Path) -> Iterator[tuple[str, object]]:
    """(where, record) pairs from a workbook, where = "sheet:row" for error messages."""
    book = load_workbook(path, read_only=True, data_only=True)
    if SHEET_PROCEDURES not in book.sheetnames:
        yield path.name, UnreadableRow(_("thiếu trang tính “%(s)s”") % {"s": SHEET_PROCEDURES})
        return
    children = {name: _child_rows(book, name) for name in CHILD_SHEETS}
    for where, row in _rows(book[SHEET_PROCEDURES], SHEET_PROCEDURES):
        yield where, _record_from(row, children)


def _rows(sheet, name: str) -> Iterator[tuple[str, dict | str]]:
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    for n, values in enumerate(rows, 2):
        if values is None or all(v in (None, "") for v in values):
            continue
        yield f"{name}:{n}", dict(zip(header, values, strict=False))


def _child_rows(book, name: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    if name not in book.sheetnames:
        return grouped
    for _where, row in _rows(book[name], name):
        code = str(row.pop("national_code", "") or "").strip()
        if "mandatory" in row:
            row["mandatory"] = str(row["mandatory"]).strip().lower() not in {"no", "false", "0"}
        grouped[code].append({k: v for k, v in row.items() if k})
    return grouped


def _split(value: object, sep: str) -> list[str]:
    return [part.strip() for part in str(value or "").split(sep) if part.strip()]


def _record_from(row: dict, children: dict[str, dict[str, list[dict]]]) -> dict:
    code = str(row.get("national_code") or "").strip()
    record = {
        key: ("" if row.get(key) is None else str(row.get(key)))
        for key in PROCEDURE_COLUMNS
        if not key.startswith(("legal_time_", "fee_")) and key not in {"levels", "parse_warnings"}
    }
    record.update(
        national_code=code,
        levels=_split(row.get("levels"), ","),
        parse_warnings=_split(row.get("parse_warnings"), "\n"),
        legal_time={
            "amount": row.get("legal_time_amount"),
            "unit": row.get("legal_time_unit") or None,
            "text": row.get("legal_time_text") or "",
        },
        fee={"amount": row.get("fee_amount"), "text": row.get("fee_text") or ""},
        online_level=row.get("online_level") or "none",
    )
    for name in CHILD_SHEETS:
        record[name] = children[name].get(code, [])
    return record
