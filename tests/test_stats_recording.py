"""The summary counts follow each move (in its transaction), and a rebuild from the rows finds
the same. One dossier walked by hand from the counter to the returned result; the working
minutes and timeliness are worked out in the comments (calendar 07:30-11:30, 13:30-17:00:
450 working minutes a day)."""

from __future__ import annotations

import datetime as dt

import pytest

from dossiers import services as sv
from dossiers.models import Dossier
from stats.models import DossierTiming
from stats.rebuild import rebuild
from tests.personas import actor, applicant, components, local
from tests.stats_helpers import dossier_counts, official_counts, summary_rows

D = dt.date


def _walk(ns) -> Dossier:
    """Monday 2 Nov 2026 09:00 received (10 working days: due Monday 16 Nov 09:00)."""
    at = local
    d = sv.receive_dossier(
        actor=actor(ns.officer), procedure=ns.procedure, applicant=applicant(),
        components=components(ns), at=at(2026, 11, 2, 9, 0),
    )  # fmt: skip
    sv.hand_over_step(actor=actor(ns.officer), dossier=d, at=at(2026, 11, 2, 9, 30))
    sv.assign_step(actor=actor(ns.head), dossier=d, assignee=ns.specialist, at=at(2026, 11, 2, 10))
    sv.start_step(actor=actor(ns.specialist), dossier=d, at=at(2026, 11, 2, 10, 0))
    item = {"name": ns.docs[1].name, "required_document_id": ns.docs[1].pk}
    sv.request_supplement(
        actor=actor(ns.specialist), dossier=d, items=[item], reason="Thiếu bản vẽ",
        at=at(2026, 11, 3, 10, 0),
    )  # fmt: skip
    sv.provide_supplement(
        actor=sv.Actor.applicant("Nguyễn Văn An"), dossier=d, components=components(ns)[1:],
        at=at(2026, 11, 5, 10, 0),
    )  # fmt: skip
    sv.hand_over_step(actor=actor(ns.specialist), dossier=d, at=at(2026, 11, 5, 14, 0))
    sv.assign_step(actor=actor(ns.head), dossier=d, assignee=ns.head, at=at(2026, 11, 5, 14, 0))
    sv.hand_over_step(actor=actor(ns.head), dossier=d, at=at(2026, 11, 6, 9, 0))
    sv.assign_step(actor=actor(ns.leader), dossier=d, assignee=ns.leader, at=at(2026, 11, 6, 9))
    sv.record_result(actor=actor(ns.leader), dossier=d, number="1/GP", at=at(2026, 11, 9, 10, 0))
    sv.return_result(actor=actor(ns.officer), dossier=d, at=at(2026, 11, 10, 9, 0))
    return Dossier.objects.get(pk=d.pk)


@pytest.fixture
def walked(province):
    return _walk(province)


def test_dossier_counts_follow_the_moves(walked):
    assert dossier_counts(day=D(2026, 11, 2)) == {"received": 1}
    assert dossier_counts(day=D(2026, 11, 3)) == {"supplement_requests": 1}
    # Resolved Mon 9 Nov, a day before the due day (Wed 18 Nov): early. Working time from the
    # clock start (Mon 2 Nov 09:00) to Mon 9 Nov 10:00: Mon 2: 150 + 210 = 360, Tue-Fri:
    # 4 x 450 = 1800, Mon 9: 07:30-10:00 = 150, in all 2310; less the wait Tue 3 10:00 - Thu
    # 5 10:00 (Tue 300 + Wed 450 + Thu 150 = 900): 1410.
    assert dossier_counts(day=D(2026, 11, 9)) == {
        "results": 1, "ended_on_time": 1, "resolved_early": 1, "processing_minutes": 1410,
    }  # fmt: skip
    assert dossier_counts(day=D(2026, 11, 10)) == {"returned": 1}
    assert dossier_counts() == {
        "received": 1, "supplement_requests": 1, "results": 1, "ended_on_time": 1,
        "resolved_early": 1, "processing_minutes": 1410, "returned": 1,
    }  # fmt: skip


def test_the_legal_due_moment_skips_the_wait(walked):
    timing = DossierTiming.objects.get(dossier=walked)
    # Due Mon 16 Nov 09:00, moved by the two working days of the wait: Wed 18 Nov 09:00.
    assert timing.legal_due_at == local(2026, 11, 18, 9, 0) == walked.due_at
    assert timing.ended_at == local(2026, 11, 9, 10, 0)
    assert timing.timeliness == "early"
    assert timing.overdue_at is None and timing.run_id == 0


def test_official_counts_hold_acts_and_steps(walked, province):
    ns = province
    # Step 1 (4 h, due 15:00 the same day): 09:00-09:30, 30 minutes, on time. Step 5, the
    # return (4 h from Mon 9 Nov 10:00: due 15:30 that day), taken by the officer when he
    # returns the result on Tue 10 Nov 09:00: Mon 10:00-17:00 = 300, Tue 07:30-09:00 = 90,
    # 390 minutes, late.
    assert official_counts(ns.officer) == {
        "receptions": 1, "returns": 1, "steps_done": 2, "steps_on_time": 1, "steps_late": 1,
        "step_minutes": 30 + 390,
    }  # fmt: skip
    # Step 2 (30 h = 4 days, due Fri 6 Nov 09:30, moved by the 2-day wait: Tue 10 Nov): from
    # Mon 09:30 to Thu 14:00 = 1500 minutes, less the wait (900): 600, early.
    assert official_counts(ns.specialist) == {
        "supplement_requests": 1, "steps_done": 1, "steps_early": 1, "step_minutes": 600,
    }  # fmt: skip
    # Step 3: Thu 5 Nov 14:00 to Fri 6 Nov 09:00: 180 + 90 = 270 minutes, due Mon 9 14:00.
    assert official_counts(ns.head) == {"steps_done": 1, "steps_early": 1, "step_minutes": 270}
    # Step 4: Fri 6 Nov 09:00 to Mon 9 Nov 10:00: 360 + 150 = 510 minutes, due Tue 10 09:00.
    assert official_counts(ns.leader) == {
        "results": 1, "steps_done": 1, "steps_early": 1, "step_minutes": 510,
    }  # fmt: skip
    rows = official_counts(ns.officer, day=D(2026, 11, 2), unit_id=ns.officer.unit_id)
    assert rows["receptions"] == 1


def test_a_rebuild_finds_what_the_moves_counted(walked):
    counted = summary_rows()
    rebuild(now=local(2026, 11, 30, 12, 0))
    assert summary_rows() == counted


def test_an_untouched_dossier_becomes_overdue_once(province):
    from stats.overdue import count_overdue

    ns = province
    d = sv.receive_dossier(
        actor=actor(ns.officer), procedure=ns.procedure, applicant=applicant(),
        components=components(ns), at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip
    # Due Mon 16 Nov 09:00: not overdue at 09:00, overdue a minute later.
    assert count_overdue(local(2026, 11, 16, 9, 0)) == 0
    assert count_overdue(local(2026, 11, 16, 9, 1)) == 1
    assert count_overdue(local(2026, 11, 17, 9, 0)) == 0
    assert dossier_counts(day=D(2026, 11, 16)) == {"became_overdue": 1}
    # Stopped late later: ended late, and not counted overdue a second time.
    sv.stop_processing(actor=actor(ns.leader), dossier=d, reason="Dừng", at=local(2026, 11, 20, 9))
    assert dossier_counts(day=D(2026, 11, 20)) == {"ended_late": 1, "stops": 1}
    counted = summary_rows()
    rebuild(now=local(2026, 11, 30, 12, 0))
    assert summary_rows() == counted
