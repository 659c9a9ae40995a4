"""Work queues through HTTP (B3): each role sees its tabs with counts, rows sorted by due moment,
due-soon and overdue marked in words, unassigned work visible to heads, no ID number in lists,
and the same number of queries for pages of 10 and 50 rows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers.models import Dossier
from dossiers.services import (
    Actor,
    assign_step,
    consult_agency,
    hand_over_step,
    pause_for_payment,
    receive_dossier,
    record_result,
    request_supplement,
    submit_online,
)
from org.models import Role
from tests.personas import actor, applicant, components, official
from tests.signin import sign_in

pytestmark = pytest.mark.django_db
URL = "/can-bo/"


def receive(province, n: int, days_ago: int = 0) -> Dossier:
    at = timezone.now() - dt.timedelta(days=days_ago)
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(n),
        components=components(province), at=at,
    )  # fmt: skip


def to_division(province, dossier: Dossier, assignee=None) -> Dossier:
    """Hand the dossier from the counter to the division (step 2) an hour after reception,
    assigned or not."""
    at = dossier.received_at + dt.timedelta(hours=1)
    hand_over_step(actor=actor(province.officer), dossier=dossier, at=at)
    if assignee is not None:
        assign_step(actor=actor(province.head), dossier=dossier, assignee=assignee, at=at)
    dossier.refresh_from_db()
    return dossier


def due_in(dossier: Dossier, delta: dt.timedelta) -> None:
    """Place the dossier's due moment relative to now (the queues compare with the clock)."""
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() + delta)


def tab_counts(html: str) -> dict[str, int]:
    found = re.findall(r'\?tab=([a-z-]+)&amp;per=\d+"[^>]*>[^<]*<span class="bo-count">(\d+)', html)
    return {key: int(n) for key, n in found}


def codes(html: str) -> list[str]:
    return re.findall(r'<td data-label="Mã hồ sơ"><a href="[^"]+">([^<]+)</a>', html)


def row_of(html: str, code: str) -> str:
    return html.split(f">{code}</a>")[1].split("</tr>")[0]


def get(who, **params) -> str:
    response = sign_in(Client(), who).get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def office(province):
    """One dossier in each state a queue shows."""
    ns = province
    ns.mine = receive(ns, 1)  # step 1, assigned to the counter officer
    ns.unassigned = to_division(ns, receive(ns, 2))
    ns.assigned = to_division(ns, receive(ns, 3), ns.specialist)
    ns.late = to_division(ns, receive(ns, 4, days_ago=40), ns.specialist)
    ns.soon = to_division(ns, receive(ns, 5), ns.specialist)
    due_in(ns.soon, dt.timedelta(minutes=30))
    ns.supplement = to_division(ns, receive(ns, 6), ns.specialist)
    request_supplement(
        actor=actor(ns.specialist), dossier=ns.supplement, reason="Thiếu bản vẽ",
        items=[{"name": "Bản vẽ", "required_document_id": ns.docs[1].pk}],
    )  # fmt: skip
    ns.paused = to_division(ns, receive(ns, 7), ns.specialist)
    pause_for_payment(actor=actor(ns.specialist), dossier=ns.paused, amount=500000, reason="Lệ phí")
    ns.consulted = to_division(ns, receive(ns, 8), ns.specialist)
    consult_agency(
        actor=actor(ns.specialist), dossier=ns.consulted, agency=ns.other, question="Ý kiến?"
    )
    ns.done = to_division(ns, receive(ns, 9), ns.specialist)
    record_result(actor=actor(ns.leader), dossier=ns.done, number="12/GP")
    ns.online = submit_online(
        actor=Actor.applicant("An"), procedure=ns.procedure, applicant=applicant(10),
        receiving_agency=ns.centre, components=components(ns),
    )  # fmt: skip
    return ns


def test_counter_officer_sees_own_steps_online_submissions_and_results(office):
    html = get(office.officer)
    assert tab_counts(html) == {
        "cua-toi": 1, "sap-den-han": 1, "qua-han": 1, "cho-bo-sung": 1, "tam-dung": 1,
        "nop-truc-tuyen": 1, "tra-ket-qua": 1,
    }  # fmt: skip
    assert codes(html) == [office.mine.code]
    online = get(office.officer, tab="nop-truc-tuyen")
    assert codes(online) == [office.online.code]
    assert f'href="/can-bo/tiep-nhan/{office.online.code}/"' in online
    assert codes(get(office.officer, tab="tra-ket-qua")) == [office.done.code]


def test_head_sees_the_unit_with_unassigned_work_first(office):
    html = get(office.head, tab="don-vi")
    counts = tab_counts(html)
    assert counts["don-vi"] == 7 and "nop-truc-tuyen" not in counts
    assert "1 hồ sơ chưa phân công (xếp trước)." in html
    rows = codes(html)
    assert rows[0] == office.unassigned.code
    assert "Chưa phân công" in row_of(html, office.unassigned.code)


def test_specialist_sees_assigned_work_sorted_by_due_with_marks_in_words(office):
    html = get(office.specialist)
    rows = codes(html)
    assert set(rows) == {
        office.assigned.code, office.late.code, office.soon.code, office.supplement.code,
        office.paused.code, office.consulted.code,
    }  # fmt: skip
    assert rows[0] == office.late.code
    late_row = row_of(html, office.late.code)
    assert "Quá hạn" in late_row and "bước quá hạn" in late_row
    soon_row = row_of(html, office.soon.code)
    assert "Sắp đến hạn" in soon_row and "Quá hạn" not in soon_row
    paused_row = row_of(html, office.paused.code)
    assert "Đang dừng tính hạn" in paused_row
    assert codes(get(office.specialist, tab="qua-han")) == [office.late.code]
    assert codes(get(office.specialist, tab="sap-den-han")) == [office.soon.code]
    assert codes(get(office.specialist, tab="cho-bo-sung")) == [office.supplement.code]
    assert codes(get(office.specialist, tab="tam-dung")) == [office.paused.code]


def test_rows_show_the_applicant_name_but_no_id_number(office):
    html = get(office.specialist)
    assert "Nguyễn Văn An" in html
    assert applicant(3).personal_id not in html
    assert office.procedure.name in html and "Thẩm định" in html and str(office.specialist) in html


def test_the_consulted_agency_sees_the_question_to_answer(office):
    html = get(office.outsider, tab="xin-y-kien")
    assert tab_counts(html)["xin-y-kien"] == 1
    assert codes(html) == [office.consulted.code]
    assert "Hạn trả lời" in html
    assert codes(get(office.head, tab="xin-y-kien")) == []


def test_leader_sees_the_agencys_deadlines(office):
    counts = tab_counts(get(office.leader))
    assert counts["qua-han"] == 1 and counts["sap-den-han"] == 1
    assert "nop-truc-tuyen" not in counts


def test_an_outsider_sees_nothing_of_another_agency(office):
    counts = tab_counts(get(office.outsider))
    assert counts == {key: 0 for key in counts} | {"xin-y-kien": 1}


def test_overseer_gets_a_clear_message_and_admin_the_not_an_official_page(province):
    html = get(province.overseer)
    assert "Cán bộ giám sát không có hàng việc xử lý" in html
    admin = official("quantri", province.department.units.first(), Role.ADMIN)
    response = sign_in(Client(), admin).get(URL)
    assert response.status_code == 403
    assert "không phải tài khoản cán bộ xử lý hồ sơ" in response.content.decode()
    assert Client().get(URL).status_code == 302


def test_unknown_tab_and_page_size_fall_back(office):
    html = get(office.officer, tab="khong-co", per="13")
    assert 'aria-current="page">Việc của tôi' in html
    assert '<strong aria-current="true">10</strong>' in html


def test_same_number_of_queries_for_10_and_50_rows(province):
    for n in range(1, 52):
        receive(province, n)
    client = sign_in(Client(), province.officer)
    client.get(URL)  # warm up the session and caches
    counted = {}
    for per in (10, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"tab": "cua-toi", "per": per})
        assert len(codes(response.content.decode())) == per
        counted[per] = len(queries)
    assert counted[10] == counted[50]
    assert counted[10] <= 8
    second = client.get(URL, {"tab": "cua-toi", "per": 50, "page": 2}).content.decode()
    assert len(codes(second)) == 1 and "Trang 2/2" in second


def test_a_second_official_with_the_same_roles_sees_their_own_queue(office):
    """The queue's SQL is compiled once per shape of query and reused: the second specialist
    gets their own (empty) queue, not the first one's, and the first still gets theirs."""
    assert len(codes(get(office.specialist))) == 6
    assert codes(get(office.specialist2)) == []
    assert tab_counts(get(office.specialist2))["cua-toi"] == 0
    assert tab_counts(get(office.specialist))["cua-toi"] == 6


def test_the_queue_shows_a_change_at_once(office):
    """Nothing is cached but the SQL text: after a move, the next page shows it."""
    before = get(office.specialist, tab="qua-han")
    assert codes(before) == [office.late.code]
    due_in(office.late, dt.timedelta(days=30))
    due_in(office.assigned, -dt.timedelta(hours=1))
    after = get(office.specialist, tab="qua-han")
    assert codes(after) == [office.assigned.code]
    assert tab_counts(after)["qua-han"] == 1
    hand_over_step(actor=actor(office.specialist), dossier=office.assigned)
    assert office.assigned.code not in codes(get(office.specialist))


def test_a_reassigned_step_moves_from_one_queue_to_the_other(office):
    """The head gives the unassigned dossier to the specialist, then to the second
    specialist: each time it leaves one "my work" and enters the other, and the unit's
    unassigned count follows."""
    assert "1 hồ sơ chưa phân công (xếp trước)." in get(office.head, tab="don-vi")
    assign_step(actor=actor(office.head), dossier=office.unassigned, assignee=office.specialist)
    assert office.unassigned.code in codes(get(office.specialist))
    assert codes(get(office.specialist2)) == []
    assert "0 hồ sơ chưa phân công (xếp trước)." in get(office.head, tab="don-vi")
    assign_step(actor=actor(office.head), dossier=office.unassigned, assignee=office.specialist2)
    assert office.unassigned.code not in codes(get(office.specialist))
    assert tab_counts(get(office.specialist))["cua-toi"] == 6
    assert codes(get(office.specialist2)) == [office.unassigned.code]


def test_names_in_rows_are_escaped(office):
    """Every value of a row from the database is escaped (the rows are formatted in Python,
    not by the template engine): markup in a procedure's, a step's, a unit's, an applicant's or
    an official's name shows as text."""
    evil = "<script>alert(\"x\")</script> & 'quoted'"
    shown = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;"
    run = office.assigned.current_step
    for row in (office.procedure, run.step, run.unit):
        row.name = evil
        row.save()
    office.assigned.applicant.name = evil
    office.assigned.applicant.save()
    user = office.specialist.user
    user.first_name, user.last_name = evil, ""
    user.save()
    html = get(office.head, tab="don-vi")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row_of(html, office.assigned.code), flags=re.S)
    assert "<script>" not in html
    assert cells[0] == shown and cells[1] == shown  # procedure, applicant
    assert cells[2].startswith(f'2. {shown}<span class="meta">{shown} · hạn bước ')
    assert cells[3] == shown  # the assignee


def test_rows_in_english_keep_their_marks_in_words(office):
    client = sign_in(Client(), office.specialist)
    client.cookies["django_language"] = "en"
    html = client.get(URL).content.decode()
    late_row = html.split(f">{office.late.code}</a>")[1].split("</tr>")[0]
    assert f'<td data-label="Dossier code"><a href="/can-bo/ho-so/{office.late.code}/">' in html
    assert "⚠ Overdue" in late_row and "step overdue" in late_row
    assert "Quá hạn" not in late_row


@pytest.mark.needs_postgres
@pytest.mark.parametrize("key", ["qua-han", "sap-den-han", "cho-bo-sung", "tam-dung"])
def test_agency_tabs_are_served_by_the_open_dossier_index(office, key):
    """The filter of a head's agency-wide tab fits the partial index (agency, due moment, open
    statuses). Tiny test tables would be scanned, so scans are switched off, and the other
    indexes on these columns (due moment alone, for the warning job; the counter's held
    dossiers; the foreign key's own index, which on a tiny table costs the same) are dropped
    inside the test's transaction, to see that this one fits the query."""
    from backoffice.views.queues import TABS, Viewer
    from dossiers.deadlines import warning_horizon

    now = timezone.now()
    viewer = Viewer(office.head, now, warning_horizon(now))
    tab = next(t for t in TABS if t.key == key)
    query = Dossier.objects.filter(tab.where(viewer)).order_by("due_at").values("pk")
    plain = _plain_index("dossiers_dossier", "processing_agency_id")
    drop = ["dossier_open_due", "dossier_held_by_receiver", plain]
    plan = _plan_without(drop, "dossiers_dossier", query.explain)
    assert "dossier_open_by_due" in plan, plan


def _plan_without(indexes: list[str], table: str, explain) -> str:
    """`explain()` on PostgreSQL with `indexes` dropped inside the test's transaction and scans
    off: on tiny test tables that shows which of the remaining indexes fits the query."""
    with connection.cursor() as cursor:
        for index in indexes:
            cursor.execute(f'DROP INDEX "{index}"')
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET enable_seqscan = off")
    try:
        return explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")


def _plain_index(table: str, column: str) -> str:
    """A foreign key's own index on PostgreSQL (named by Django with a hash)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, f"%({column})"],
        )
        return cursor.fetchone()[0]


def _counts_plan(office) -> str:
    """The plan of the tab counts' candidate rows for the head (an agency-wide role)."""
    from backoffice.views.queues import Viewer, candidates
    from dossiers.deadlines import warning_horizon

    now = timezone.now()
    viewer = Viewer(office.head, now, warning_horizon(now))
    return Dossier.objects.filter(candidates(viewer)).values("pk").explain()


def test_tab_counts_read_indexed_rows_not_every_dossier_on_sqlite(office):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL plan is tested below")
    plan = _counts_plan(office)
    assert "SCAN dossiers_dossier" not in plan, plan


@pytest.mark.needs_postgres
def test_tab_counts_are_served_by_the_open_dossier_index(office):
    """As for the agency tabs above: scans off, and the other indexes on these columns (the
    due moment's, the counter's held dossiers, the foreign key's own) dropped in the
    transaction. On tiny tables each of them costs about the same, and PostgreSQL picks one
    by a hair since the open-dossier index holds the id too."""
    plain = _plain_index("dossiers_dossier", "processing_agency_id")
    drop = ["dossier_open_due", "dossier_held_by_receiver", plain]
    plan = _plan_without(drop, "dossiers_dossier", lambda: _counts_plan(office))
    assert "dossier_open_by_due" in plan and "Seq Scan on dossiers_dossier" not in plan, plan


@pytest.mark.needs_postgres
def test_the_questions_to_answer_are_read_through_their_partial_index(office):
    """The counts read the consultations the agency has not answered yet through their partial
    index, never every question the agency was ever asked (its foreign key's index, dropped
    inside the test's transaction so that tiny test tables show which index fits)."""
    plain = _plain_index("dossiers_consultation", "agency_id")
    plan = _plan_without([plain], "dossiers_consultation", lambda: _counts_plan(office))
    assert "consultation_open_by_agency" in plan, plan
    assert "Seq Scan on dossiers_consultation" not in plan, plan


@pytest.mark.needs_postgres
def test_the_counts_read_each_candidate_dossier_once_through_a_bitmap_of_its_indexes(office):
    """The counts' candidates are one read of the dossier table: a bitmap OR of the agency's
    open dossiers, the official's and the unit's open steps (the dossier's copy of them) and
    the questions to answer, with no step run looked up (at 2,000,000 dossiers, looking up
    each candidate's dossier and step run by key cost 47,000 buffer reads and 56 ms; the
    bitmap, 4,000 and 16 ms: docs/performance.md). As above, the other indexes on the agency
    and the status (the foreign key's, the province's open dossiers by due moment, the
    counter's) are dropped inside the test's transaction: on tiny test tables they cost about
    the same, and at 2,000,000 PostgreSQL chose the open-dossier index by itself."""
    plain = _plain_index("dossiers_dossier", "processing_agency_id")
    drop = ["dossier_open_due", "dossier_held_by_receiver", plain]
    plan = _plan_without(drop, "dossiers_dossier", lambda: _counts_plan(office))
    assert "BitmapOr" in plan, plan
    for index in ("dossier_open_by_due", "dossier_open_step_assignee", "dossier_open_step_unit"):
        assert f"Bitmap Index Scan on {index}" in plan, plan
    assert "dossiers_steprun" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.needs_chromium
@pytest.mark.django_db(transaction=True)
def test_queue_page_in_a_browser_fits_a_phone(live_server, office, settings):
    """Screenshots of the head's unit queue for review; at 360 px nothing is wider than the
    screen, and the tabs are reached with the keyboard."""
    import os
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from tests.signin import session_cookie

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="vi-VN")
        context.add_cookies([session_cookie(sign_in(Client(), office.head))])
        page = context.new_page()
        page.goto(f"{live_server.url}{URL}?tab=don-vi")
        assert (
            page.locator(".bo-tabs a[aria-current=page]").inner_text().startswith("Việc của đơn vị")
        )
        page.screenshot(path=str(artifacts / "backoffice-queues.png"), full_page=True)
        page.set_viewport_size({"width": 360, "height": 740})
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(artifacts / "backoffice-queues-360.png"), full_page=True)
        page.locator(".bo-tabs a", has_text="Quá hạn").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**tab=qua-han*")
        assert codes(page.content()) == [office.late.code]
        browser.close()


@pytest.mark.needs_postgres
@pytest.mark.parametrize("tab_key", [None, "nop-truc-tuyen", "tra-ket-qua"])
def test_the_counters_reads_use_the_index_of_dossiers_still_held(office, tab_key):
    """A counter officer's tab counts (tab_key None) and the two counter tabs read what the
    agency received and still holds through the partial index, never the foreign key's index
    of every dossier it ever received (years of them in a province). The foreign key's index
    and the due-moment index are dropped inside the test's transaction so that tiny test
    tables show which index fits the query; scans are off for the same reason."""
    from backoffice.views.queues import TABS, Viewer, candidates
    from dossiers.deadlines import warning_horizon

    now = timezone.now()
    viewer = Viewer(office.officer, now, warning_horizon(now))
    if tab_key is None:
        query = Dossier.objects.filter(candidates(viewer)).values("pk")
    else:
        tab = next(t for t in TABS if t.key == tab_key)
        query = Dossier.objects.filter(tab.where(viewer)).order_by(*tab.order).values("pk")
    plain = _plain_index("dossiers_dossier", "receiving_agency_id")
    plan = _plan_without([plain, "dossier_open_due"], "dossiers_dossier", query.explain)
    assert "dossier_held_by_receiver" in plan, plan
    assert "Seq Scan on dossiers_dossier" not in plan, plan


@pytest.mark.parametrize(
    ("who", "indexes"),
    [
        ("head", ["dossier_sqlite_agency_status_due", "dossier_open_step_assignee",
                  "dossier_open_step_unit"]),
        ("officer", ["dossier_sqlite_receiver_status", "dossier_open_step_assignee"]),
    ],
)  # fmt: skip
def test_on_sqlite_the_counts_read_open_work_through_indexes_that_bind_parameters(
    office, who, indexes
):
    """SQLite cannot use the partial indexes for `status IN (?, ...)`, and without planner
    statistics it prefers a foreign key's index to a partial one: its own full indexes
    (migration 0006) serve the open dossiers, and the partial indexes of the dossier's copy of
    its open step (`step_assignee = ?` implies the index's `IS NOT NULL`) serve the official's
    and the unit's open work. Each part of the OR is one index read: neither every dossier an
    agency ever handled nor every run an official ever had is read, and no step run at all."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL uses its partial indexes (tested above)")
    from backoffice.views.queues import Viewer, candidates
    from dossiers.deadlines import warning_horizon

    now = timezone.now()
    viewer = Viewer(getattr(office, who), now, warning_horizon(now))
    plan = Dossier.objects.filter(candidates(viewer)).values("pk").explain()
    assert "MULTI-INDEX OR" in plan, plan
    for index in indexes:
        assert index in plan, plan
    assert "processing_agency_id_" not in plan and "receiving_agency_id_" not in plan, plan
    assert "SCAN dossiers_dossier" not in plan and "dossiers_steprun" not in plan, plan


@pytest.mark.needs_postgres
def test_the_heads_tabs_read_open_steps_through_the_dossiers_copy_of_them(office):
    """ "My work" and "the unit's work" read the dossiers whose open step is the head's or the
    unit's through the partial indexes of the dossier's copy of its open step, sorted by due
    moment, never through the step runs (years of finished runs) nor every dossier.

    The partial indexes of every open or held dossier are dropped for the plan: on a test
    table of ten open dossiers, reading all of them through such an index and filtering is as
    cheap as anything, and PostgreSQL took that plan once in CI (in a province it reads
    every open dossier of every agency)."""
    from backoffice.views.queues import TABS, Viewer, page_ids
    from dossiers.deadlines import warning_horizon

    now = timezone.now()
    viewer = Viewer(office.head, now, warning_horizon(now))
    tabs = {key: next(t for t in TABS if t.key == key) for key in ("cua-toi", "don-vi")}
    every_open = ["dossier_held_by_receiver", "dossier_open_due", "dossier_open_by_due"]
    plans = _plan_without(every_open, "dossiers_dossier", lambda: {
        key: page_ids(viewer, tab, 0, 50).explain() for key, tab in tabs.items()
    })  # fmt: skip
    for key, index in (("cua-toi", "dossier_open_step_assignee"),
                       ("don-vi", "dossier_open_step_unit")):  # fmt: skip
        plan = plans[key]
        assert index in plan, plan
        assert "dossiers_steprun" not in plan and "Seq Scan" not in plan, plan
