"""Pages of the work queues (B3): the page's bounds are bound values of one compiled statement,
and every page of every tab holds the rows the tab's full, ordered list holds at those places.

Why: the rows of a page are fetched by an inner query of the page's ids (sorted first, joined
after), whose LIMIT and OFFSET are parameters (`motcua.compiled_sql.of_page`); a wrong position
of those parameters would show another page, or another official's rows.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from backoffice.views import queues
from dossiers.deadlines import warning_horizon
from dossiers.models import Consultation
from motcua import compiled_sql
from tests.test_backoffice_queues import office, receive, to_division  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def viewer(who) -> queues.Viewer:
    now = timezone.now()
    return queues.Viewer(who, now, warning_horizon(now))


def whole_tab(v: queues.Viewer, tab: queues.Tab) -> list[str]:
    """The tab's codes in its order, sorted here in Python from its plain rows: by the tab's
    keys (a missing value last), then by id."""
    found = queues.Dossier.objects.filter(tab.where(v)).values_list(
        "pk", "code", "due_at", "submitted_at", "current_step__assignee_id"
    )
    asked = Consultation.objects.filter(agency_id=v.agency_id, answered_at__isnull=True)
    consultation_due: dict[int, dt.datetime] = {}
    for dossier_id, due in asked.values_list("dossier_id", "due_at"):
        consultation_due[dossier_id] = min(due, consultation_due.get(dossier_id, due))

    def key(row: tuple) -> tuple:
        pk, _code, due, submitted, assignee = row
        values = {
            "due_at": due, "submitted_at": submitted, "consultation_due": consultation_due.get(pk),
            "unassigned_first": 0 if assignee is None else 1,
        }  # fmt: skip
        return (*((values[name] is None, values[name]) for name in tab.order), pk)

    return [row[1] for row in sorted(found, key=key)]


@pytest.fixture
def busy(office):  # noqa: F811 (the imported fixture)
    """Twenty-two more dossiers in the division, half assigned to the specialist; two of them
    (one assigned) without a due moment, which sorts last."""
    made = []
    for n in range(22):
        assignee = office.specialist if n % 2 else None
        made.append(to_division(office, receive(office, 20 + n, days_ago=n % 5), assignee))
    queues.Dossier.objects.filter(pk__in=[made[3].pk, made[4].pk]).update(due_at=None)
    office.undated = {made[3].code, made[4].code}
    return office


def test_every_page_of_every_tab_holds_the_rows_of_the_whole_list(busy):
    seen_rows = 0
    for who in (busy.officer, busy.head, busy.leader, busy.specialist, busy.outsider):
        v = viewer(who)
        for tab in queues.visible_tabs(v):
            expected = whole_tab(v, tab)
            for per in queues.PAGE_SIZES:
                for offset in range(0, len(expected) + per, per):
                    page = queues.page_rows(v, tab, offset, per)
                    assert [row["code"] for row in page] == expected[offset : offset + per], (
                        who, tab.key, per, offset,
                    )  # fmt: skip
                    seen_rows += len(page)
    assert seen_rows > 100  # the fixture fills several pages of several tabs


def test_dossiers_without_a_due_moment_come_last(busy):
    v = viewer(busy.head)
    tab = next(t for t in queues.TABS if t.key == "don-vi")
    rows = [row["code"] for offset in (0, 10, 20) for row in queues.page_rows(v, tab, offset, 10)]
    undated = [code for code in rows if code in busy.undated]
    assert len(undated) == 2
    # Unassigned first, then assigned; within each, the undated one is the last.
    page = queues.page_rows(v, tab, 0, 50)
    flags = [row["current_step__assignee_id"] is None for row in page]
    first_assigned = flags.index(False)
    assert page[first_assigned - 1]["code"] in busy.undated
    assert page[-1]["code"] in busy.undated


def test_every_tab_runs_as_one_compiled_statement(busy):
    """No tab falls back to building its page with the ORM on each request."""
    for who in (busy.officer, busy.head, busy.specialist, busy.outsider):
        v = viewer(who)
        for tab in queues.visible_tabs(v):
            queues.page_rows(v, tab, 0, 10)
            shape = ("rows", frozenset(v.roles), tab.key)
            compiled = compiled_sql.cached(shape, lambda: None)
            assert compiled is not None, (who, tab.key)
            assert {"offset", "limit"} <= {name for _position, name in compiled.slots}


def test_the_second_viewer_of_a_shape_gets_their_own_page(busy):
    """The compiled statement keeps no value of the viewer it was built for."""
    tab = next(t for t in queues.TABS if t.key == "cua-toi")
    first = queues.page_rows(viewer(busy.specialist), tab, 0, 50)
    other = queues.page_rows(viewer(busy.specialist2), tab, 0, 50)
    assert len(first) == 17 and other == []


@pytest.mark.needs_postgres
def test_the_page_s_ids_filter_the_dossier_scan_itself(busy):
    """PostgreSQL: the array of the page's ids, read once (an InitPlan), is a condition of the
    scan of the dossiers the rows come from, before any join. With `IN (...)` the planner
    joined the subquery after the seven tables a row shows (past its join_collapse_limit), so
    it joined them for every dossier of the province before keeping the page. Which index the
    scan takes on tiny test tables is the planner's guess; where the condition sits is not."""
    v = viewer(busy.specialist)
    tab = next(t for t in queues.TABS if t.key == "cua-toi")
    queues.page_rows(v, tab, 0, 10)
    compiled = compiled_sql.cached(("rows", frozenset(v.roles), tab.key), lambda: None)
    values = {**v.values(), "offset": 0, "limit": 10}
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + compiled.sql, compiled.bind(values))
        plan = [row[0] for row in cursor.fetchall()]
    outer = [i for i, line in enumerate(plan) if re.search(r" on dossiers_dossier  \(", line)]
    assert outer, "\n".join(plan)
    conditions = [line for i in outer for line in plan[i + 1 : i + 3]]
    assert any(re.search(r"\(id = ANY \(\$\d+\)\)", line) for line in conditions), "\n".join(plan)
    assert not any("Semi Join" in line for line in plan), "\n".join(plan)


def test_a_page_past_the_end_is_empty_not_an_error(busy):
    v = viewer(busy.head)
    tab = next(t for t in queues.TABS if t.key == "don-vi")
    assert queues.page_rows(v, tab, 10_000, 50) == []
    assert len(queues.page_rows(v, tab, 0, 50)) == len(whole_tab(v, tab))


def test_dossiers_due_at_the_same_moment_keep_one_order_across_pages(busy):
    """Dossiers due at the same moment are ordered by id on every page (no row is shown twice
    or skipped at a page's edge). Their steps are opened in the reverse order of the dossiers,
    so a database reading them through the step runs meets them in descending ids: only the
    id in the order puts them back."""
    received = [receive(busy, 60 + n) for n in range(14)]
    for dossier in reversed(received):
        to_division(busy, dossier, busy.specialist2)
    same = timezone.now() + dt.timedelta(days=3)
    queues.Dossier.objects.filter(pk__in=[d.pk for d in received]).update(due_at=same)
    v = viewer(busy.specialist2)
    tab = next(t for t in queues.TABS if t.key == "cua-toi")
    pages = [queues.page_rows(v, tab, offset, 10) for offset in (0, 10)]
    codes = [row["code"] for page in pages for row in page]
    assert codes == [d.code for d in sorted(received, key=lambda d: d.pk)]
