"""Reports on procedure handling (O6) on the hand-built history of tests/oversight_history.py:
the page, the Excel file (read back with openpyxl) and the PDF (read back with pdftotext).

Columns: in hand, carried over, new, of which online, of which in person or by post;
resolved, early, on time, late; withdrawn or stopped; still open, in time, overdue.

July 2026, whole province, by field (in hand = carried + new = resolved + withdrawn + open):
  Chính sách (C)  K7 new, resolved early                          1 = 0 + 1 = 1 + 0 + 0
  Hộ tịch (B)     J3 carried; K1-K4 new (K2 online); J3, K3 late,
                  K1 early, K2 on time; K4 withdrawn               5 = 1 + 4 = 4 + 1 + 0
  Đất đai (A)     J1 carried; K5, K6 new; J1, K5 open overdue,
                  K6 open in time                                  3 = 1 + 2 = 0 + 0 + 3
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from tests import oversight_history
from tests.html_tables import row, table
from tests.signin import sign_in

JULY = "kind=month&year=2026&month=7"
C = ["1", "0", "1", "0", "1", "1", "1", "0", "0", "0", "0", "0", "0"]
B = ["5", "1", "4", "1", "3", "4", "1", "1", "2", "1", "0", "0", "0"]
A = ["3", "1", "2", "0", "2", "0", "0", "0", "0", "0", "3", "1", "2"]
TOTAL = ["9", "2", "7", "1", "6", "5", "2", "1", "2", "1", "3", "1", "2"]


@pytest.fixture
def history(province):
    return oversight_history.build(province)


@pytest.fixture
def english(client):
    """The client with the language cookie set to English; the thread's language is put back
    afterwards (the locale middleware leaves the last request's language active)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(settings.LANGUAGE_CODE):
        yield client


def _ints(cells) -> list[int]:
    return [int(c) for c in cells]


def test_the_report_page_by_field_and_level(client, history):
    sign_in(client, history.overseer)
    page = client.get(f"/giam-sat/bao-cao/?{JULY}").content.decode()
    fields = table(page, "table-report-1")
    assert [r[1] for r in fields[2:]] == ["Chính sách", "Hộ tịch", "Đất đai", "Tổng cộng"]
    assert row(page, "table-report-1", "1")[2:] == C
    assert row(page, "table-report-1", "2")[2:] == B
    assert row(page, "table-report-1", "3")[2:] == A
    assert fields[-1][2:] == TOTAL
    levels = table(page, "table-report-2")
    assert levels[2][1:] == ["Commune", *C]
    assert levels[3][1:] == ["Province", "8", "2", "6", "1", "5", "4", "1", "1", "2", "1", "3",
                             "1", "2"]  # fmt: skip
    # Every line balances: in hand = carried + new = resolved + withdrawn + open.
    for line in fields[2:] + levels[2:]:
        n = _ints(line[2:])
        assert n[0] == n[1] + n[2] == n[5] + n[9] + n[10]


def test_quarter_and_year(client, history):
    sign_in(client, history.overseer)
    quarter = client.get("/giam-sat/bao-cao/?kind=quarter&year=2026&quarter=3").content.decode()
    # Nothing moves after July; by the end of September K6 (due 11 Aug) is overdue too.
    assert table(quarter, "table-report-1")[-1][2:] == [*TOTAL[:11], "0", "3"]
    year = client.get("/giam-sat/bao-cao/?kind=year&year=2026").content.decode()
    # June adds J1, J2, J3 as new (J3 online), J2 resolved early; nothing before 2026.
    assert table(year, "table-report-1")[-1][2:] == [
        "10", "0", "10", "2", "8", "6", "3", "1", "2", "1", "3", "0", "3"]  # fmt: skip


def test_excel_file(client, history):
    sign_in(client, history.overseer)
    response = client.get(f"/giam-sat/bao-cao/tai-ve.xlsx?{JULY}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bao-cao-tthc-20260701-20260731.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Theo lĩnh vực", "Theo cấp hành chính"]
    ws = wb["Theo lĩnh vực"]
    assert ws["A1"].value == "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính"
    assert ws["A2"].value == "Tháng 7/2026 · Toàn tỉnh"
    assert ws["C4"].value == "Số hồ sơ nhận giải quyết" and ws["D5"].value == "Kỳ trước chuyển qua"
    assert "C4:G4" in {str(r) for r in ws.merged_cells.ranges}
    rows = {r[1]: list(r[2:]) for r in ws.iter_rows(min_row=6, values_only=True)}
    assert rows["Hộ tịch"] == _ints(B) and rows["Đất đai"] == _ints(A)
    assert rows["Tổng cộng"] == _ints(TOTAL)
    levels = {r[1]: list(r[2:]) for r in wb["Theo cấp hành chính"].iter_rows(
        min_row=6, values_only=True)}  # fmt: skip
    assert levels["Commune"] == _ints(C)


def _pdf_text(body: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, capture_output=True,
                         check=True).stdout.decode()  # fmt: skip
    return re.sub(r"\s+", " ", out)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_pdf_file(client, history):
    sign_in(client, history.overseer)
    response = client.get(f"/giam-sat/bao-cao/tai-ve.pdf?{JULY}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "Tháng 7/2026 · Toàn tỉnh" in text
    assert "Hộ tịch " + " ".join(B) in text
    assert "Đất đai " + " ".join(A) in text
    assert "Tổng cộng " + " ".join(TOTAL) in text
    assert "Commune " + " ".join(C) in text


def test_a_head_gets_the_agency_report_only(client, history):
    sign_in(client, history.head)
    page = client.get(f"/giam-sat/bao-cao/?{JULY}").content.decode()
    assert "Tháng 7/2026 · Sở thử nghiệm" in page
    assert [r[1] for r in table(page, "table-report-1")[2:]] == ["Hộ tịch", "Đất đai",
                                                                "Tổng cộng"]  # fmt: skip
    assert table(page, "table-report-1")[-1][2:] == [
        "8", "2", "6", "1", "5", "4", "1", "1", "2", "1", "3", "1", "2"]  # fmt: skip
    other = history.other.pk
    assert client.get(f"/giam-sat/bao-cao/tai-ve.xlsx?{JULY}&agency={other}").status_code == 404
    assert client.get(f"/giam-sat/bao-cao/tai-ve.doc?{JULY}").status_code == 404
    sign_in(client, history.specialist)
    assert client.get(f"/giam-sat/bao-cao/tai-ve.pdf?{JULY}").status_code == 403


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_reports_in_english(english, client, history):
    sign_in(client, history.overseer)
    wb = load_workbook(io.BytesIO(client.get(f"/giam-sat/bao-cao/tai-ve.xlsx?{JULY}").content))
    assert wb.sheetnames == ["By field", "By administrative level"]
    assert wb["By field"]["D5"].value == "Carried over"
    text = _pdf_text(client.get(f"/giam-sat/bao-cao/tai-ve.pdf?{JULY}").content)
    assert "REPORT ON THE HANDLING OF ADMINISTRATIVE PROCEDURES" in text
    assert "Total " + " ".join(TOTAL) in text


def test_a_field_named_like_a_formula_is_text_in_the_workbook(client, history):
    """openpyxl would store "=..." as a formula that Excel runs on opening: it stays text."""
    from catalog.models import Field

    field = Field.objects.get(name="Hộ tịch")
    field.name = '=HYPERLINK("http://example.test","Hộ tịch")'
    field.save()
    sign_in(client, history.overseer)
    wb = load_workbook(io.BytesIO(client.get(f"/giam-sat/bao-cao/tai-ve.xlsx?{JULY}").content))
    (cell,) = [c for c in wb["Theo lĩnh vực"]["B"] if c.value == field.name]
    assert cell.data_type == "s"
