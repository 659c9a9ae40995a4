"""Oversight pages (O1 dashboards, O2 index details, O3 accountability) on the hand-built
history of tests/oversight_history.py, read as overseer, head, outsider and specialist.

July 2026, department: open at the end of July J1 and K5 (overdue; K5's legal due moment is
Wed 29 Jul 09:00 after its two-day supplement wait) and K6 (in time, due Tue 11 Aug after its
one-day payment pause); received K1-K6 (6), resolved J3, K1, K2, K3 (4, two late). June:
received J1, J2, J3, resolved J2; open at the end of June J1 and J3, both overdue.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation

from dossiers import services as sv
from org.models import OrgUnit, Role
from oversight.accountability import RULE, enough_data, z_score
from stats.overdue import count_overdue
from tests import factories, oversight_history
from tests.html_tables import row, row_links, table
from tests.personas import actor, applicant, local, official
from tests.signin import sign_in

JULY = "kind=month&year=2026&month=7"
DEPARTMENT = "Sở thử nghiệm"
LAND = "Đất đai Ưu tiên: Đất đai"


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


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def _codes(page: str) -> set[str]:
    return {r[0] for r in table(page, "table-dossiers")[1:] if r[0] != "Không có hồ sơ nào."}


# ---------------------------------------------------------------- dashboards (O1)


def test_head_sees_the_backlog_of_the_agency_at_the_end_of_july(client, history):
    sign_in(client, history.head)
    page = _page(client, f"/giam-sat/?{JULY}")
    assert "Hồ sơ đang giải quyết tính đến hết ngày 31/07/2026." in page
    cards = [n for n in page.split('class="n">')[1:7]]
    assert [c.split("<")[0] for c in cards] == ["3", "1", "2", "6", "4", "2"]
    # One agency in scope: no table of agencies; fields with the priority fields first.
    assert 'id="table-agencies"' not in page
    assert table(page, "table-fields")[1] == [LAND, "3", "1", "2", "66,7%"]
    assert row(page, "table-trend", "06/2026") == ["06/2026", "3", "1", "0", "2", "2"]
    assert row(page, "table-trend", "07/2026") == ["07/2026", "6", "4", "2", "3", "2"]
    assert len(table(page, "table-trend")) == 1 + 12
    assert 'role="img"' in page and "<script" not in page


def test_overseer_sees_every_agency_and_level(client, history):
    sign_in(client, history.overseer)
    page = _page(client, f"/giam-sat/?{JULY}")
    assert row(page, "table-agencies", DEPARTMENT) == [DEPARTMENT, "3", "1", "2", "66,7%"]
    assert len(table(page, "table-agencies")) == 2  # the other agency has nothing open
    assert row(page, "table-levels", "Province") == ["Province", "3", "1", "2", "66,7%"]
    # The province: K7 adds one received and one resolved in July.
    assert row(page, "table-trend", "07/2026") == ["07/2026", "7", "5", "2", "3", "2"]


def test_each_number_drills_down_to_its_dossiers(client, history):
    sign_in(client, history.head)
    page = _page(client, f"/giam-sat/?{JULY}")
    open_, in_time, overdue = row_links(page, "table-fields", LAND)[1:4]
    h = history
    assert _codes(_page(client, overdue[0])) == {h.j1.code, h.k5.code}
    assert _codes(_page(client, in_time[0])) == {h.k6.code}
    listed = _page(client, open_[0])
    assert _codes(listed) == {h.j1.code, h.k5.code, h.k6.code}
    assert "3 hồ sơ" in listed
    assert f'href="/can-bo/ho-so/{h.j1.code}/"' in listed
    assert "Nguyễn Văn An" not in listed  # no applicant on oversight lists
    base = f"/giam-sat/ho-so/?{JULY}"
    assert _codes(_page(client, base + "&what=carried")) == {h.j1.code, h.j3.code}
    assert _codes(_page(client, base + "&what=received")) == {
        h.k1.code, h.k2.code, h.k3.code, h.k4.code, h.k5.code, h.k6.code}  # fmt: skip
    assert _codes(_page(client, base + "&what=resolved_late")) == {h.j3.code, h.k3.code}
    assert _codes(_page(client, base + "&what=withdrawn_stopped")) == {h.k4.code}
    june = "/giam-sat/ho-so/?kind=month&year=2026&month=6&what=overdue"
    assert _codes(_page(client, june)) == {h.j1.code, h.j3.code}
    # The trend's numbers too: June's overdue at the month's end, from the July dashboard.
    trend = row_links(page, "table-trend", "06/2026")
    assert _codes(_page(client, trend[5][0])) == {h.j1.code, h.j3.code}
    assert _codes(_page(client, trend[2][0])) == {h.j2.code}


def test_holders_and_due_soon_now(client, history):
    # A one-working-day procedure received now is due within three working days.
    quick = factories.procedure("Thủ tục nhanh", legal_time_amount=Decimal(1))
    quick.agencies.set([history.department])
    soon = oversight_history.receive(history, quick, timezone.now(), 40)
    count_overdue()
    sign_in(client, history.head)
    page = _page(client, "/giam-sat/")  # the current month: live figures
    # J1, K5 and K6 are with the specialist, all three overdue by now; the new one is at the
    # counter's first step, not overdue.
    # The new one has no internal process: held by no step and no one.
    assert table(page, "table-holders")[1:] == [
        ["Phòng chuyên môn", "Specialist", "3", "3"],
        ["Chưa vào bước xử lý", "Chưa phân công", "1", "0"],
    ]
    links = row_links(page, "table-holders", "Phòng chuyên môn")
    held = _page(client, links[3][0])
    nobody = _page(client, row_links(page, "table-holders", "Chưa vào bước xử lý")[2][0])
    assert _codes(nobody) == {soon.code}
    assert _codes(held) == {history.j1.code, history.k5.code, history.k6.code}
    assert _codes(page.replace("table-due-soon", "table-dossiers")) == {soon.code}


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _page(client, url)
    return len(captured)


def test_dashboard_is_cached_still_right_and_bounded(client, history):
    from django.core.cache import cache

    cache.clear()
    sign_in(client, history.overseer)
    url = f"/giam-sat/?{JULY}"
    first = _queries(client, url)
    assert _queries(client, url) < first - 5  # the summary figures come from the cache
    # More dossiers do not mean more queries: the headline figures are grouped sums.
    for n in range(5):
        oversight_history.receive(history, history.b, local(2026, 7, 30, 9, n), 50 + n)
    page = _page(client, url)  # a move changed the cache key: right at once
    assert row(page, "table-agencies", DEPARTMENT)[1:4] == ["8", "6", "2"]
    cache.clear()
    assert _queries(client, url) == first


# ---------------------------------------------------------------- scope


def test_scope_and_gates(client, history):
    other = history.other.pk
    assert client.get("/giam-sat/").status_code == 302  # not signed in: to the sign-in page
    sign_in(client, history.specialist)
    assert client.get("/giam-sat/").status_code == 403
    assert client.get("/giam-sat/trach-nhiem/").status_code == 403
    sign_in(client, history.head)
    assert client.get(f"/giam-sat/?agency={other}").status_code == 404
    assert client.get(f"/giam-sat/ho-so/?what=open&agency={other}").status_code == 404
    assert client.get("/giam-sat/chi-so/?scope=province").status_code == 404
    assert client.get(f"/giam-sat/chi-so/?scope=agency:{other}").status_code == 404
    assert client.get(f"/giam-sat/bao-cao/?agency={other}").status_code == 404
    assert client.get("/giam-sat/ho-so/?what=nonsense").status_code == 404
    # The outsider heads a division of the other agency: their own agency only.
    sign_in(client, history.outsider)
    dept = history.department.pk
    assert client.get(f"/giam-sat/?agency={dept}").status_code == 404
    assert _codes(_page(client, f"/giam-sat/ho-so/?{JULY}&what=received")) == {history.k7.code}
    assert client.get(f"/giam-sat/trach-nhiem/{history.officer.pk}/buoc-tre/").status_code == 404
    sign_in(client, history.overseer)
    assert _page(client, f"/giam-sat/?agency={other}&{JULY}")
    assert _page(client, "/giam-sat/chi-so/?scope=level:commune")


# ---------------------------------------------------------------- service index (O2)


def test_index_of_the_agency_with_links_to_formula_and_dossiers(client, history):
    sign_in(client, history.head)
    page = _page(client, f"/giam-sat/chi-so/?{JULY}")
    # Ended in July: J3 (late), K1, K2, K4 (in time), K3 (late); open at the end: J1, K5
    # (overdue), K6 (in time). (3 + 1) / (5 + 3) = 50%, target 100%: 10 of 20 points.
    on_time = row(page, "table-index", "Tỷ lệ hồ sơ giải quyết đúng hạn")
    assert on_time[1:] == ["4", "8", "50,0%", "100%", "10,00 / 20,00"]
    links = row_links(page, "table-index", "Tỷ lệ hồ sơ giải quyết đúng hạn")
    assert links[0] == ["/thong-ke/cong-thuc/#progress.on_time"]
    h = history
    numerator = _page(client, links[1][0])
    assert _codes(numerator) == {h.k1.code, h.k2.code, h.k4.code, h.k6.code}
    assert "Công thức:" in numerator
    denominator = _page(client, links[2][0])
    assert len(_codes(denominator)) == 8
    # The average time's numerator is working minutes, not dossiers: said so, and not a link
    # (only the resolved dossiers behind the denominator are listed).
    average = row(page, "table-index", "Thời gian giải quyết trung bình")
    assert average[1:4] == ["10020 phút làm việc", "4", "5,57 ngày"]
    links = row_links(page, "table-index", "Thời gian giải quyết trung bình")
    assert links[1] == [] and len(_codes(_page(client, links[2][0]))) == 4
    # Components the system cannot measure are shown as such, with no number.
    publicity = row(
        page,
        "table-index",
        next(r[0] for r in table(page, "table-index") if r[0].startswith("Các chỉ tiêu công khai")),
    )
    assert publicity[1:4] == ["–", "–", "chưa đo được"]
    assert "Hệ thống chưa đo được" in publicity[0]
    # A period not begun: said so, and no figure scored (the catalogue's neither).
    future = _page(client, "/giam-sat/chi-so/?kind=year&year=2099")
    assert "Kỳ này chưa bắt đầu." in future and "Hồ sơ còn mở được xét" not in future
    label = "Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến Không có số liệu trong kỳ"
    assert row(future, "table-index", label)[1:] == ["0", "0", "–", "80%", "– / 4,00"]


def test_rankings_link_only_to_what_the_viewer_may_see(client, history):
    sign_in(client, history.head)
    page = _page(client, f"/giam-sat/chi-so/xep-hang/?{JULY}")
    names = {r[1] for r in table(page, "table-ranking")[1:]}
    assert {DEPARTMENT, "Sở khác"} <= names  # and the centre, unranked (nothing measured)
    assert row_links(page, "table-ranking", next(
        r[0] for r in table(page, "table-ranking")[1:] if r[1] == DEPARTMENT))[1]  # fmt: skip
    other_row = next(i for i, r in enumerate(table(page, "table-ranking")) if r[1] == "Sở khác")
    from tests.html_tables import tables

    assert tables(page).links["table-ranking"][other_row][1] == []


# ---------------------------------------------------------------- accountability (O3)


def test_accountability_per_official(client, history):
    sign_in(client, history.overseer)
    page = _page(client, f"/giam-sat/trach-nhiem/?{JULY}")
    # official, unit, steps, in time, late, receptions, supplements, refusals, pauses,
    # apologies, complaints, rating
    assert row(page, "table-officials", "Officer")[2:] == [
        "2", "1", "1", "7", "0", "1", "0", "0", "chưa có dữ liệu", "– (0)"]  # fmt: skip
    assert row(page, "table-officials", "Specialist")[2:10] == [
        "0", "0", "0", "0", "1", "0", "1", "0"]  # fmt: skip
    assert row(page, "table-officials", "Leader")[2:] == [
        "0", "0", "0", "0", "0", "0", "0", "1", "chưa có dữ liệu", "3,50 (2)"]  # fmt: skip
    # A unit's rating: the dossiers rated where it held a step or recorded the result. K1 (5)
    # and K3 (2) had no internal process; the leader recorded both results.
    ratings = {(r[0], r[1]): r[-1] for r in table(page, "table-units")[1:]}
    assert ratings[("Lãnh đạo", DEPARTMENT)] == "3,50 (2)"
    assert ratings[("Lãnh đạo", "Sở khác")] == ratings[("Bộ phận một cửa", "Trung tâm phục vụ")]
    assert ratings[("Bộ phận một cửa", "Trung tâm phục vụ")] == "– (0)"
    late = row_links(page, "table-officials", "Officer")[4][0]
    steps = _page(client, late)
    assert history.k5.code in steps and history.k6.code not in steps
    assert "Không có dấu hiệu nào trong kỳ này." in page
    # The head sees the officials of the department's units only.
    sign_in(client, history.head)
    mine = _page(client, f"/giam-sat/trach-nhiem/?{JULY}")
    names = {r[0] for r in table(mine, "table-officials")[1:]}
    assert "Officer" not in names and "Specialist" in names


def test_z_score_and_minimum_sample_by_hand():
    # 10 of 20 against 1 of 20: pooled 11/40; sqrt(0.275 x 0.725 x 0.1) = 0.14120.
    assert z_score(10, 20, 1, 20) == pytest.approx(0.45 / math.sqrt(0.275 * 0.725 * 0.1))
    assert round(z_score(10, 20, 1, 20), 2) == 3.19
    assert enough_data(10, 20, 1, 20)
    assert not enough_data(4, 5, 0, 5)  # n < 20
    assert not enough_data(1, 20, 0, 200)  # expected 20 x 1/220 < 5
    assert z_score(0, 20, 0, 20) is None  # no spread: no statistic
    assert RULE.z_critical == 2.326


def _checks(official, guided: int, received: int, start: dt.datetime, procedure) -> None:
    """`guided` supplement guidances then `received` receptions by `official`, 5 min apart
    (applicants numbered from the day of `start`, so each official's are different people)."""
    at, n = start, start.day * 1000
    for _i in range(guided):
        n, at = n + 1, at + dt.timedelta(minutes=5)
        sv.guide_supplement_at_reception(
            actor=actor(official), procedure=procedure, applicant=applicant(n),
            items=[{"name": "Bản vẽ", "count": 1}], reason="Thiếu bản vẽ", at=at,
        )  # fmt: skip
    for _i in range(received):
        n, at = n + 1, at + dt.timedelta(minutes=5)
        sv.receive_dossier(
            actor=actor(official), procedure=procedure, applicant=applicant(n),
            components=[sv.ComponentData(name="Đơn", kind="original")], at=at,
        )  # fmt: skip


def test_signal_for_a_supplement_rate_far_above_peers(client, province):
    ns = province
    e = factories.procedure("Thủ tục E", legal_time_amount=Decimal(5))
    e.agencies.set([ns.department])
    # Counter officers on the same procedure: 10 guidances in 20 checks against 1 in 20.
    _checks(ns.officer, 10, 10, local(2026, 7, 6, 8, 0), e)
    _checks(ns.officer2, 1, 19, local(2026, 7, 7, 8, 0), e)
    sign_in(client, ns.overseer)
    page = _page(client, f"/giam-sat/trach-nhiem/?{JULY}")
    assert page.count('class="signal"') == 1
    assert "<strong>Officer</strong>" in page
    assert "50,0% (10/20)" in page and "5,0% (1/20)" in page and "z = 3,19" in page


def test_no_signal_from_a_tiny_sample(client, province):
    ns = province
    e = factories.procedure("Thủ tục E", legal_time_amount=Decimal(5))
    e.agencies.set([ns.department])
    _checks(ns.officer, 4, 1, local(2026, 7, 6, 8, 0), e)
    _checks(ns.officer2, 0, 5, local(2026, 7, 7, 8, 0), e)
    sign_in(client, ns.overseer)
    page = _page(client, f"/giam-sat/trach-nhiem/?{JULY}")
    assert "Không có dấu hiệu nào trong kỳ này." in page


def test_a_signal_stays_with_the_agency_where_its_counts_were_made(client, province):
    """The officer guided 10 of 20 at the centre's counter, then moved to another agency's
    counter and guided none of 20 there. The centre's head sees the signal from the centre's
    counts alone (10/20, not 10/40), under the counter's name; the new agency's head sees
    none, and nothing of the centre's counts."""
    ns = province
    e = factories.procedure("Thủ tục E", legal_time_amount=Decimal(5))
    e.agencies.set([ns.department])
    _checks(ns.officer, 10, 10, local(2026, 7, 6, 8, 0), e)
    _checks(ns.officer2, 1, 19, local(2026, 7, 7, 8, 0), e)
    counter = ns.officer.unit
    centre_head = official("centrehead", counter, Role.HEAD)
    ns.officer.unit = OrgUnit.objects.create(
        agency=ns.other, code="counter", name="Một cửa Sở khác", kind=OrgUnit.Kind.COUNTER
    )
    ns.officer.save()
    _checks(ns.officer, 0, 20, local(2026, 7, 8, 8, 0), e)
    sign_in(client, centre_head)
    page = _page(client, f"/giam-sat/trach-nhiem/?{JULY}")
    assert page.count('class="signal"') == 1 and "<strong>Officer</strong>" in page
    signal = page.split('class="signal"')[1].split("</div>")[0]
    assert counter.name in signal and "Một cửa Sở khác" not in signal
    assert "50,0% (10/20)" in signal and "5,0% (1/20)" in signal
    assert row(page, "table-officials", "Officer")[1] == counter.name
    sign_in(client, ns.outsider)
    page = _page(client, f"/giam-sat/trach-nhiem/?{JULY}")
    assert 'class="signal"' not in page
    assert row(page, "table-officials", "Officer")[1] == "Một cửa Sở khác"
    assert row(page, "table-officials", "Officer")[5] == "20"  # receptions there only


# ---------------------------------------------------------------- languages


def test_pages_in_english(english, client, history):
    sign_in(client, history.head)
    page = _page(client, f"/giam-sat/?{JULY}")
    assert '<html lang="en">' in page and "Dossier handling" in page
    assert table(page, "table-fields")[1][1:] == ["3", "1", "2", "66.7%"]
    index = _page(client, f"/giam-sat/chi-so/?{JULY}")
    assert "Service index for citizens and businesses" in index
    accountability = _page(client, f"/giam-sat/trach-nhiem/?{JULY}")
    assert "no data yet" in accountability


def test_late_steps_stay_with_the_agency_where_they_were_done(client, history):
    """An official moved to another agency: the late steps held before stay in the list of
    the agency whose units held them, and the new agency's head does not see them."""
    late = f"/giam-sat/trach-nhiem/{history.officer.pk}/buoc-tre/?{JULY}"
    centre_head = official("centrehead", history.officer.unit, Role.HEAD)
    history.officer.unit = history.outsider.unit
    history.officer.save()
    sign_in(client, centre_head)
    assert history.k5.code in _page(client, late)
    sign_in(client, history.outsider)
    assert history.k5.code not in _page(client, late)
