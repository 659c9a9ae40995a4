"""Text that a spreadsheet must show as typed, never run as a formula.

Names and addresses reach our exports from citizens (the tracking book) and from the admin
and the catalogue import (reports, statistics, the catalogue's workbook). A text that starts
like a formula ("=HYPERLINK(...)") would otherwise be run by Excel or LibreOffice on the
official's machine when the file is opened (CSV or formula injection):

- openpyxl stores any string that starts with "=" as a formula; `sheet_row` and `sheet_value`
  write such a string as a text cell instead, so it shows exactly as typed;
- a CSV file has no types: Excel takes a field starting with "=", "+", "-" or "@" (or a tab or
  carriage return before one) for a formula, so `csv_text` puts an apostrophe before it, the
  usual mark of a text cell, which the spreadsheet shows and a reader understands.
"""

from __future__ import annotations

from collections.abc import Iterable

CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_text(value: str) -> str:
    """A text field of a CSV file, shown as typed by a spreadsheet."""
    return f"'{value}" if value.startswith(CSV_FORMULA_STARTS) else value


def sheet_value(worksheet, value: object) -> object:
    """The value for `worksheet.append`: a string openpyxl would store as a formula becomes a
    cell of text (in write-only workbooks too); anything else is returned as it is."""
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    from openpyxl.cell import Cell

    return keep_text(Cell(worksheet, row=1, column=1, value=value))  # placed by append


def keep_text(cell):
    """The cell, marked as text if openpyxl took its string for a formula."""
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def sheet_row(worksheet, values: Iterable[object]) -> list[object]:
    """A row for `worksheet.append`, every formula-like string kept as text."""
    return [sheet_value(worksheet, value) for value in values]
