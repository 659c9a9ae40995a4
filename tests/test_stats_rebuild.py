"""The rebuild from the rows equals the counts the moves kept, after any history
(hypothesis): random walks through the lifecycle by the stateful machine of
test_dossier_stateful, with the periodic overdue job run at random moments, and a rebuild
compared with the incremental tables at random moments and at the end of each walk.

A longer search: STATS_EXAMPLES=300 pytest tests/test_stats_rebuild.py
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import precondition, rule, run_state_machine_as_test

from dossiers import services as sv
from org.models import OrgUnit
from stats.models import DossierTiming, OfficialCount
from stats.overdue import count_overdue
from stats.rebuild import rebuild
from tests.personas import actor, applicant, components, local
from tests.stats_helpers import month_rows_from_days, summary_rows
from tests.test_dossier_stateful import DossierMachine, has_dossiers
from workdays import clock


class StatsMachine(DossierMachine):
    @rule()
    def overdue_job(self) -> None:
        """The scheduler's job runs now (the moves count what it has not)."""
        count_overdue(self.now)

    @precondition(has_dossiers)
    @rule()
    def rebuild_finds_the_same(self) -> None:
        count_overdue(self.now)
        counted = summary_rows()
        assert counted["MonthCount"] == month_rows_from_days()
        rebuild(now=self.now)
        rebuilt = summary_rows()
        for table, rows in counted.items():
            assert rebuilt[table] == rows, table

    def teardown(self) -> None:
        try:
            if self.dossiers:
                self.rebuild_finds_the_same()
        finally:
            super().teardown()


@pytest.mark.django_db
def test_rebuild_equals_the_counts_the_moves_kept():
    run_state_machine_as_test(
        StatsMachine,
        settings=settings(
            max_examples=int(os.environ.get("STATS_EXAMPLES", "30")),
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


@pytest.mark.django_db
def test_a_wait_that_ends_as_an_apology_is_issued_still_moves_the_due_moment(province):
    """Shrunk from a failing walk: the apology is issued while a supplement wait is open, and
    the supplement arrives the same minute. The due moment the apology replaced did not
    include that wait (it was still open), so the legal due moment is not that old due moment
    but the first due moment moved by the wait's working time, as the moves counted."""
    ns = province
    d = sv.receive_dossier(
        actor=actor(ns.officer), procedure=ns.procedure, applicant=applicant(),
        components=components(ns), at=local(2026, 11, 2, 8, 0),
    )  # fmt: skip
    sv.hand_over_step(actor=actor(ns.officer), dossier=d, at=local(2026, 11, 2, 8, 10))
    sv.assign_step(actor=actor(ns.head), dossier=d, assignee=ns.specialist,
                   at=local(2026, 11, 2, 8, 20))  # fmt: skip
    sv.start_step(actor=actor(ns.specialist), dossier=d, at=local(2026, 11, 2, 8, 30))
    item = {"name": ns.docs[1].name, "required_document_id": ns.docs[1].pk}
    sv.request_supplement(actor=actor(ns.specialist), dossier=d, items=[item], reason="Thiếu",
                          at=local(2026, 11, 3, 15, 29))  # fmt: skip
    same_minute = local(2026, 11, 3, 19, 13)
    d.refresh_from_db()
    sv.issue_apology(actor=actor(ns.leader), dossier=d, reason="Quá tải",
                     new_due_at=clock.add_working(ns.calendar.to_clock(), d.due_at, 1),
                     at=same_minute)  # fmt: skip
    sv.provide_supplement(actor=sv.Actor.applicant("Nguyễn Văn An"), dossier=d,
                          components=components(ns)[1:], at=same_minute)  # fmt: skip
    # Due Mon 16 Nov 08:00, moved by the wait's 91 working minutes (Tue 3 Nov 15:29-17:00).
    counted = summary_rows()
    timing = DossierTiming.objects.get(dossier_id=d.pk)
    assert timing.legal_due_at == local(2026, 11, 16, 9, 31)
    rebuild(now=same_minute)
    assert summary_rows() == counted


@pytest.mark.django_db
def test_acts_stay_with_the_unit_where_they_were_made(province):
    """An official moved to another agency: what they did before stays counted under the unit
    where they did it, in the moves' counts and in a rebuild (the event records that unit)."""
    ns = province
    sv.receive_dossier(
        actor=actor(ns.officer), procedure=ns.procedure, applicant=applicant(),
        components=components(ns), at=local(2026, 11, 2, 8, 0),
    )  # fmt: skip
    counter_unit = ns.officer.unit_id
    ns.officer.unit = OrgUnit.objects.create(
        agency=ns.other, code="counter", name="Bộ phận một cửa", kind=OrgUnit.Kind.COUNTER
    )
    ns.officer.save()
    ns.officer.refresh_from_db()
    sv.receive_dossier(
        actor=actor(ns.officer), procedure=ns.procedure, applicant=applicant(2),
        components=components(ns), at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    counted = summary_rows()
    units = dict(
        OfficialCount.objects.filter(official_id=ns.officer.pk).values_list("day", "unit_id")
    )
    assert units == {dt.date(2026, 11, 2): counter_unit, dt.date(2026, 11, 3): ns.officer.unit_id}
    rebuild(now=local(2026, 11, 3, 10, 0))
    assert summary_rows() == counted
