"""Public statistics (P8, /thong-ke/) on the hand-built history of tests/oversight_history.py:
the figures of the page and of its CSV against the values worked out there, charts without
JavaScript, the cache that never hides a new move, both languages.

July 2026, department (Sở thử nghiệm): received 6 (online 1: 1/6 = 16.7%); resolved 4: early
1, on time 1, late 2 (in time 2/4 = 50.0%); average 10020 / 4 = 2505 minutes = 5.57 working
days; ratings 2, one satisfied (50.0%). The other agency: received 1, resolved 1 early (100%),
510 minutes = 1.13 days. Together: received 7 (online 1/7 = 14.3%), resolved 5, in time 3
(60.0%), 10530 / 5 = 2106 minutes = 4.68 days.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests import oversight_history
from tests.html_tables import row, table
from tests.personas import local

JULY = "kind=month&year=2026&month=7"
DEPARTMENT = "Sở thử nghiệm"
OTHER = "Sở khác"
HEAD = ["Tiếp nhận", "Tỷ lệ trực tuyến", "Đã giải quyết", "Trước hạn", "Đúng hạn", "Quá hạn"]


@pytest.fixture
def history(province):
    cache.clear()
    return oversight_history.build(province)


@pytest.fixture
def english(client):
    """The client with the language cookie set to English; the thread's language is put back
    afterwards (the locale middleware leaves the last request's language active)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(settings.LANGUAGE_CODE):
        yield client


def _get(client, query: str):
    response = client.get(f"/thong-ke/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_figures_per_agency_for_a_month(client, history):
    page = _get(client, JULY)
    # label, received, online rate, resolved, early, on time, late, in time, average days,
    # satisfaction (ratings)
    assert row(page, "table-groups", DEPARTMENT) == [
        DEPARTMENT, "6", "16,7%", "4", "1", "1", "2", "50,0%", "5,57", "50,0% (2)",
    ]  # fmt: skip
    assert row(page, "table-groups", OTHER) == [
        OTHER, "1", "0,0%", "1", "1", "0", "0", "100,0%", "1,13", "– (0)",
    ]  # fmt: skip
    assert row(page, "table-groups", "Tổng cộng") == [
        "Tổng cộng", "7", "14,3%", "5", "2", "1", "2", "60,0%", "4,68", "50,0% (2)",
    ]  # fmt: skip
    # The service centre received everything but decides nothing: no row of its own.
    assert len(table(page, "table-groups")) == 1 + 2 + 1


def test_figures_per_field_and_level_and_filters(client, history):
    by_field = _get(client, JULY + "&by=field")
    # Procedure B: K1-K4 received (K2 online: 1/4), J3 and K1-K3 resolved.
    assert row(by_field, "table-groups", "Hộ tịch")[:7] == ["Hộ tịch", "4", "25,0%", "4", "1",
                                                             "1", "2"]  # fmt: skip
    # Procedure A's two July dossiers are still open: received, nothing resolved.
    assert row(by_field, "table-groups", "Đất đai")[:4] == ["Đất đai", "2", "0,0%", "0"]
    assert row(by_field, "table-groups", "Chính sách")[:4] == ["Chính sách", "1", "0,0%", "1"]
    by_level = _get(client, JULY + "&by=level")
    assert row(by_level, "table-groups", "Province")[:4] == ["Province", "6", "16,7%", "4"]
    assert row(by_level, "table-groups", "Commune")[:4] == ["Commune", "1", "0,0%", "1"]
    only_other = _get(client, JULY + f"&agency={history.other.pk}")
    assert [r[0] for r in table(only_other, "table-groups")[1:]] == [OTHER, "Tổng cộng"]


def test_periods_quarter_year_and_custom(client, history):
    # Nothing happened in August or September: the quarter equals July.
    quarter = _get(client, "kind=quarter&year=2026&quarter=3")
    assert row(quarter, "table-groups", DEPARTMENT)[:7] == [DEPARTMENT, "6", "16,7%", "4", "1",
                                                            "1", "2"]  # fmt: skip
    # The year adds June: J1, J2, J3 received (J3 online), J2 resolved early.
    year = _get(client, "kind=year&year=2026")
    assert row(year, "table-groups", DEPARTMENT)[:7] == [DEPARTMENT, "9", "22,2%", "5", "2",
                                                         "1", "2"]  # fmt: skip
    custom = _get(client, "kind=custom&year=2026&first=2026-07-06&last=2026-07-07")
    # 6-7 July: K1 and K2 received; K1 resolved early; J3 ended on 2 July, outside.
    assert row(custom, "table-groups", DEPARTMENT)[:5] == [DEPARTMENT, "2", "50,0%", "1", "1"]
    months = table(year, "table-months")
    # Every month from January, up to today's (or December's, once the year is over).
    assert [m[0] for m in months[1:8]] == [f"{m:02d}/2026" for m in range(1, 8)]
    assert row(year, "table-months", "06/2026") == ["06/2026", "3", "1", "1", "0"]
    assert row(year, "table-months", "07/2026") == ["07/2026", "7", "5", "3", "2"]


def test_a_wrong_period_falls_back_and_says_why(client, history):
    page = _get(client, "kind=custom&year=2026&first=2026-07-09&last=2026-07-01")
    assert "Ngày kết thúc phải từ ngày bắt đầu trở đi." in page
    future = _get(client, "kind=year&year=2099")
    assert "Không có số liệu trong kỳ này." in future
    # A year not begun has no index: no province score or grade, nobody ranked.
    assert "chưa có số liệu" in future and 'class="grade"' not in future
    assert table(future, "table-ranking")[1:] == [["Không có số liệu trong kỳ này."]]


def test_charts_are_svg_with_a_table_as_text_alternative(client, history):
    page = _get(client, JULY)
    assert "<script" not in page
    assert page.count('<svg class="chart"') == 2
    assert 'role="img" aria-labelledby="chart-groups-title chart-groups-desc"' in page
    assert "Hồ sơ đã giải quyết theo cơ quan" in page
    assert 'id="table-groups"' in page and 'id="table-months"' in page
    # No applicant's name or number on the public page.
    assert "Nguyễn Văn An" not in page and history.k1.code not in page


def test_csv_has_the_same_figures_with_a_bom(client, history):
    response = client.get(f"/thong-ke/csv/?{JULY}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Cơ quan", "Tiếp nhận", "Tiếp nhận trực tuyến"]
    department = next(r for r in rows if r[0] == DEPARTMENT)
    assert department == ["Sở thử nghiệm", "6", "1", "16.67", "4", "1", "1", "2", "50.00",
                          "5.57", "2", "50.00", "3.50"]  # fmt: skip
    assert rows[-1][:2] == ["Tổng cộng", "7"]


def test_excel_has_the_same_figures_as_numbers(client, history):
    """The workbook holds the CSV's figures as numbers (rates as fractions shown in percent),
    which Excel reads whatever its regional setting; a formula-like name stays text."""
    from openpyxl import load_workbook

    from org.models import Agency

    Agency.objects.filter(name=OTHER).update(name="=HYPERLINK(1)")
    response = client.get(f"/thong-ke/xlsx/?{JULY}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[2][:3] == ["Cơ quan", "Tiếp nhận", "Tiếp nhận trực tuyến"]
    department = next(r for r in rows if r[0] == DEPARTMENT)
    assert department[1:4] == [6, 1, pytest.approx(1 / 6)]
    assert department[4:9] == [4, 1, 1, 2, pytest.approx(0.5)]
    assert department[9] == pytest.approx(5.57, abs=0.005) and department[10:] == [2, 0.5, 3.5]
    rate = next(r for r in sheet.iter_rows() if r[0].value == DEPARTMENT)[3]
    assert rate.number_format == "0.00%" and rate.data_type == "n"
    assert "=HYPERLINK(1)" in [r[0] for r in rows]
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert rows[-1][:2] == ["Tổng cộng", 7]
    # A wrong period gets the page and its message, not a file of other figures.
    wrong = client.get("/thong-ke/xlsx/?kind=month&year=2026&month=13")
    assert wrong.status_code == 400 and "text/html" in wrong["Content-Type"]


def test_figures_per_procedure_with_its_average_time(client, history):
    """Per procedure of one agency (domain rules: the average processing time per procedure),
    from the day rows. July, department: B resolved J3, K1, K2, K3 in 3660 + 510 + 2190 + 3660
    working minutes, 5.57 days each; A received K5 and K6 and resolved none. A new version of
    B is a row of its own, labelled with its version."""
    from django.core.cache import cache

    from catalog.models import Procedure

    department = history.department.pk
    query = f"{JULY}&by=procedure&agency={department}"
    body = client.get(f"/thong-ke/csv/?{query}").content.decode("utf-8-sig")
    rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(body))}
    b, a = (f"{p.national_code} – {p.name}" for p in (history.b, history.a))
    assert rows["Thủ tục"][0] == "Tiếp nhận"
    assert rows[b][:9] == ["4", "1", "25.00", "4", "1", "1", "2", "50.00", "5.57"]
    assert rows[a][:4] == ["2", "0", "0.00", "0"] and rows[a][8] == ""
    assert set(rows) == {"Thủ tục", a, b, "Tổng cộng"}  # C is the other agency's
    page = _get(client, query)
    assert '<option value="procedure" selected>Thủ tục</option>' in page
    assert row(page, "table-groups", b)[1] == "4"
    Procedure.objects.filter(pk=history.b.pk).update(version=2)
    cache.clear()  # (a real new version is a new row, whose dossiers change the cache's key)
    body = client.get(f"/thong-ke/csv/?{query}").content.decode("utf-8-sig")
    assert f"{b} (phiên bản 2)" in {r[0] for r in csv.reader(io.StringIO(body))}
    # The whole province per procedure would read every day row: one agency is asked for.
    # The page says so and shows the figures per agency; a download is refused.
    whole = _get(client, f"{JULY}&by=procedure")
    assert "Để thống kê theo thủ tục, hãy chọn một cơ quan" in whole
    assert row(whole, "table-groups", DEPARTMENT)[1] == "6"
    assert client.get(f"/thong-ke/xlsx/?{JULY}&by=procedure").status_code == 400


def test_cached_page_shows_a_new_move_at_once(client, history, django_assert_max_num_queries):
    first = _get(client, JULY)
    assert row(first, "table-groups", DEPARTMENT)[1] == "6"
    with django_assert_max_num_queries(6):  # served from the cache: no grouped reads
        again = _get(client, JULY)
    assert table(again, "table-groups") == table(first, "table-groups")
    oversight_history.receive(history, history.b, local(2026, 7, 29, 9, 0), 30)
    after = _get(client, JULY)
    assert row(after, "table-groups", DEPARTMENT)[1] == "7"
    assert row(after, "table-groups", "Tổng cộng")[1] == "8"


def test_the_service_index_summary_and_ranking(client, history):
    page = _get(client, JULY)
    ranking = table(page, "table-ranking")
    assert sorted(r[1] for r in ranking[1:]) == [OTHER, DEPARTMENT]
    assert "/thong-ke/cong-thuc/" in page
    formulas = client.get("/thong-ke/cong-thuc/")
    assert formulas.status_code == 200
    text = formulas.content.decode()
    assert 'id="progress.on_time"' in text and "Hệ thống chưa đo được" in text


def test_the_formula_page_shows_the_target_and_points_in_force(client, monkeypatch):
    """Each scored component with the target the index scores against and its points: the
    decision's target, 100% where the decision states none, or the province's setting."""

    def said(text: str, code: str) -> str:
        block = text.split(f'id="{code}"')[1].split("</dd>")[0]
        return " ".join(re.sub(r"<[^>]+>", " ", block).split())

    page = client.get("/thong-ke/cong-thuc/").content.decode()
    assert "Mức chỉ tiêu: 100% (quyết định không nêu mức" in said(page, "progress.on_time")
    assert "Điểm tối đa: 20,00" in said(page, "progress.on_time")  # the group's only scored one
    assert "Mức chỉ tiêu: 80% (theo quyết định)" in said(page, "online_service.procedures_online")
    assert "Mức chỉ tiêu" not in said(page, "progress.average_time")  # for reference only
    monkeypatch.setenv(
        "MOTCUA_INDEX_TARGETS", "online_service.procedures_online=90,progress.on_time=95"
    )
    page = client.get("/thong-ke/cong-thuc/").content.decode()
    assert "Mức chỉ tiêu: 90% (do tỉnh đặt; quyết định nêu 80%)" in said(
        page, "online_service.procedures_online"
    )
    assert "Mức chỉ tiêu: 95% (do tỉnh đặt; quyết định không nêu mức)" in said(
        page, "progress.on_time"
    )


def test_english_page(english, client, history):
    page = _get(client, JULY)
    assert '<html lang="en">' in page
    assert "Statistics on the handling of administrative procedures" in page
    assert row(page, "table-groups", DEPARTMENT)[:3] == [DEPARTMENT, "6", "16.7%"]
    assert row(page, "table-groups", "Total")[1] == "7"
    response = client.get(f"/thong-ke/csv/?{JULY}")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:2] == ["Agency", "Received"]
    assert "Download the table:" in page and "/thong-ke/xlsx/?" in page
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get(f"/thong-ke/xlsx/?{JULY}").content))
    assert [c.value for c in workbook.active[3]][:2] == ["Agency", "Received"]


def test_a_name_that_starts_like_a_formula_stays_text_in_the_csv(client, history):
    """A spreadsheet would run "=1+1" (or "+", "-", "@") at the start of a field: the CSV
    marks such a name as text with an apostrophe."""
    from org.models import Agency

    agency = Agency.objects.get(name=DEPARTMENT)
    agency.name = "=HYPERLINK(1)"
    agency.save()
    body = client.get(f"/thong-ke/csv/?{JULY}").content.decode("utf-8-sig")
    labels = [r[0] for r in csv.reader(io.StringIO(body))]
    assert "'=HYPERLINK(1)" in labels and "=HYPERLINK(1)" not in labels
