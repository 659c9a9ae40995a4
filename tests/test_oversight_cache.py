"""The cached oversight pages are never stale: what the cache key sees (a move, a rating, the
overdue job's count, an edit of an agency), the page shows at once, exactly as a page computed
afresh would; and the bounded due-soon read returns what the plain query returns."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from oversight import backlog
from oversight.choosing import Filters
from stats.overdue import count_overdue
from tests import factories, oversight_history
from tests.html_tables import row, table
from tests.signin import sign_in

DEPARTMENT = "Sở thử nghiệm"
TABLES = ("table-agencies", "table-fields", "table-levels", "table-trend")


@pytest.fixture
def history(province):
    cache.clear()
    return oversight_history.build(province)


def _get(client, url: str) -> str:
    """The page without its CSRF token (masked afresh on every response)."""
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _fresh(client, url: str) -> str:
    cache.clear()
    return _get(client, url)


def _figures(page: str) -> list:
    return [table(page, t) for t in TABLES]


def test_the_overdue_job_shows_at_once_on_the_cached_dashboard(client, history):
    quick = factories.procedure("Thủ tục nhanh", legal_time_amount=Decimal(1))
    quick.agencies.set([history.department])
    oversight_history.receive(history, quick, timezone.now() - dt.timedelta(days=12), 70)
    sign_in(client, history.overseer)
    before = _get(client, "/giam-sat/")
    assert _get(client, "/giam-sat/") == before  # cached
    assert count_overdue() >= 1  # the new dossier's overdue moment passed with no move
    after = _get(client, "/giam-sat/")
    overdue = int(row(after, "table-agencies", DEPARTMENT)[3])
    assert overdue == int(row(before, "table-agencies", DEPARTMENT)[3]) + 1
    assert _figures(after) == _figures(_fresh(client, "/giam-sat/"))


def test_renaming_an_agency_shows_at_once(client, history):
    sign_in(client, history.overseer)
    url = "/giam-sat/?kind=month&year=2026&month=7"
    _get(client, url)
    history.department.name = "Sở đã đổi tên"
    history.department.save()
    page = _get(client, url)
    assert row(page, "table-agencies", "Sở đã đổi tên")
    assert DEPARTMENT not in page


def test_cached_pages_equal_pages_computed_afresh(client, history):
    sign_in(client, history.overseer)
    for url in ("/giam-sat/?kind=month&year=2026&month=7", "/giam-sat/chi-so/?kind=year&year=2026"):
        fresh = _fresh(client, url)
        assert _get(client, url) == fresh
    oversight_history.receive(history, history.b, timezone.now(), 71)  # a move: a new key
    index = "/giam-sat/chi-so/?kind=year&year=2026"
    moved = _get(client, index)
    assert table(moved, "table-index") == table(_fresh(client, index), "table-index")


def test_the_period_form_follows_the_query(client, history):
    sign_in(client, history.overseer)
    july = _get(client, "/giam-sat/?kind=month&year=2026&month=7")
    june = _get(client, "/giam-sat/?kind=month&year=2026&month=6")
    assert '<option value="7" selected>' in july and '<option value="6" selected>' in june
    wrong = _get(client, "/giam-sat/?kind=custom&year=2026")
    assert "Chọn cả ngày bắt đầu và ngày kết thúc." in wrong
    assert "Chọn cả ngày bắt đầu và ngày kết thúc." not in _get(client, "/giam-sat/")
    missing = "Chọn cả ngày bắt đầu và ngày kết thúc."
    assert missing in _get(client, "/giam-sat/chi-so/?kind=custom&year=2026")
    assert missing not in _get(client, "/giam-sat/chi-so/")


@pytest.mark.parametrize("chunk", [1, 2, 200])
def test_first_due_soon_is_the_head_of_due_soon(history, monkeypatch, chunk):
    quick = factories.procedure("Thủ tục nhanh", legal_time_amount=Decimal(1))
    quick.agencies.set([history.department, history.other])
    now = timezone.now()
    for n in range(4):
        oversight_history.receive(history, quick, now - dt.timedelta(minutes=n), 80 + n)
    monkeypatch.setattr(backlog, "DUE_SOON_CHUNK", chunk)
    for agencies in (None, [history.department.pk], [history.other.pk]):
        expected = list(backlog.due_soon(agencies, Filters(), now))
        for limit in (1, 3, 11):
            found = backlog.first_due_soon(agencies, Filters(), now, limit)
            assert found == expected[:limit]
    assert backlog.first_due_soon(None, Filters(), now, 11)  # the list is not empty


def test_the_cached_due_soon_table_expires_when_time_changes_the_list(client, history):
    """A dossier leaves the list when its overdue moment passes, and one enters when the
    horizon passes the next overdue moment beyond it: a cached table is used only before
    both, checked against the clock on every hit."""
    from oversight.views.dashboard import _still_valid

    quick = factories.procedure("Thủ tục nhanh", legal_time_amount=Decimal(1))
    quick.agencies.set([history.department])
    now = timezone.now()
    first = oversight_history.receive(history, quick, now, 90)
    timing = first.timing
    timing.refresh_from_db()
    horizon = backlog.due_soon_horizon(now)
    assert now <= timing.overdue_at < horizon  # on the list now
    entry = {"html": "", "leaves": timing.overdue_at, "enters": None}
    assert _still_valid(entry, now, horizon)
    later = timing.overdue_at + dt.timedelta(seconds=1)
    assert not _still_valid(entry, later, backlog.due_soon_horizon(later))  # it left
    entry = {"html": "", "leaves": None, "enters": horizon + dt.timedelta(minutes=1)}
    assert _still_valid(entry, now, horizon)
    assert not _still_valid(entry, now, horizon + dt.timedelta(minutes=2))  # one entered
    # On the page: the new dossier is listed.
    sign_in(client, history.overseer)
    assert first.code in table(_get(client, "/giam-sat/"), "table-due-soon")[1][0]


def test_a_rebuild_shows_at_once_on_the_cached_dashboard(client, history):
    """Summary rows that drifted (edited by hand here) are put right by `stats_rebuild`, and the
    cached page shows the rebuilt figures with no move in between."""
    from django.db.models import F

    from stats.models import DossierCount, MonthCount
    from stats.rebuild import rebuild

    sign_in(client, history.overseer)
    url = "/giam-sat/?kind=month&year=2026&month=7"
    right = _fresh(client, url)
    for rows in (DossierCount, MonthCount):  # the drift, in the day rows and the month rows
        rows.objects.update(received=F("received") + 5)
    drifted = _fresh(client, url)
    assert _figures(drifted) != _figures(right)
    assert _get(client, url) == drifted  # cached
    rebuild()
    assert _figures(_get(client, url)) == _figures(right)


def test_a_new_day_off_shows_at_once_on_the_cached_due_soon_list(client, history):
    """The horizon counts the default calendar's working days. A hit takes the calendar's
    clock by the revision read with the other figures (no read of the calendar itself), and a
    day off declared after the list was cached moves the horizon at the next request."""
    from django.conf import settings
    from django.db import connection

    from stats.models import DossierTiming
    from workdays.models import Calendar, CalendarDay

    calendar = Calendar.objects.get(code=settings.MOTCUA["DEFAULT_CALENDAR"])
    quick = factories.procedure("Thủ tục nhanh", legal_time_amount=Decimal(1))
    quick.agencies.set([history.department])
    now = timezone.now()
    dossier = oversight_history.receive(history, quick, now, 91)
    beyond = backlog.due_soon_horizon(now + dt.timedelta(minutes=30)) + dt.timedelta(hours=1)
    DossierTiming.objects.filter(dossier=dossier).update(overdue_at=beyond)
    sign_in(client, history.overseer)
    assert dossier.code not in _get(client, "/giam-sat/")  # just beyond the horizon

    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert dossier.code not in _get(client, "/giam-sat/")  # a hit
    calendar_reads = [sql for sql in seen if "workdays_calendar" in sql]
    assert len(calendar_reads) == 1 and "MAX(" in calendar_reads[0]  # only the revision

    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    while not calendar.to_clock().is_working_day(tomorrow):
        tomorrow += dt.timedelta(days=1)
    CalendarDay.objects.create(calendar=calendar, date=tomorrow, kind=CalendarDay.Kind.DAY_OFF)
    assert dossier.code in table(_get(client, "/giam-sat/"), "table-due-soon")[1][0]


@pytest.mark.parametrize(
    "url", ["/giam-sat/?kind=month&year=2026&month=7", "/giam-sat/chi-so/?kind=year&year=2026"]
)
def test_the_cached_forms_follow_renames_and_each_viewers_scope(history, url):
    """The dashboard's and the index's forms are cached with the figures: an agency's new name
    shows in their lists at once, and a head never gets the overseer's list of every agency."""
    from django.test import Client

    overseer = sign_in(Client(), history.overseer)
    head = sign_in(Client(), history.head)
    every = _get(overseer, url)
    assert f">{DEPARTMENT}</option>" in every and f">{history.other.name}</option>" in every
    own = _get(head, url)
    assert f">{history.other.name}</option>" not in own
    history.other.name = "Cơ quan đã đổi tên"
    history.other.save()
    assert ">Cơ quan đã đổi tên</option>" in _get(overseer, url)
    assert "Cơ quan đã đổi tên" not in _get(head, url)


def test_a_day_off_taken_back_moves_the_horizon_earlier_on_the_cached_list(client, history):
    """The case the calendar's revision in the key is for: the horizon moving earlier, which
    the cached table's own moments cannot see. A dossier due inside the horizon while a day
    off lengthened it leaves the list at once when the day off is deleted."""
    from django.conf import settings

    from stats.models import DossierTiming
    from workdays.models import Calendar, CalendarDay

    calendar = Calendar.objects.get(code=settings.MOTCUA["DEFAULT_CALENDAR"])
    now = timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    while not calendar.to_clock().is_working_day(tomorrow):
        tomorrow += dt.timedelta(days=1)
    day_off = CalendarDay.objects.create(
        calendar=calendar, date=tomorrow, kind=CalendarDay.Kind.DAY_OFF
    )
    quick = factories.procedure("Thủ tục nhanh", legal_time_amount=Decimal(1))
    quick.agencies.set([history.department])
    dossier = oversight_history.receive(history, quick, now, 92)
    inside = backlog.due_soon_horizon(now + dt.timedelta(minutes=30)) - dt.timedelta(hours=1)
    DossierTiming.objects.filter(dossier=dossier).update(overdue_at=inside)
    sign_in(client, history.overseer)
    assert dossier.code in table(_get(client, "/giam-sat/"), "table-due-soon")[1][0]
    day_off.delete()
    assert backlog.due_soon_horizon(timezone.now()) < inside  # the horizon moved earlier
    assert dossier.code not in _get(client, "/giam-sat/")


@pytest.mark.parametrize("url", ["/giam-sat/", "/giam-sat/chi-so/"])
def test_a_cached_page_reads_the_session_the_identity_and_the_change_key_only(
    client, history, url, django_assert_num_queries
):
    """What a hit costs (decisions 0011, 0012): three reads, none growing with the data."""
    sign_in(client, history.overseer)
    _get(client, url)  # fills the caches and builds the frame
    with django_assert_num_queries(3):
        _get(client, url)
