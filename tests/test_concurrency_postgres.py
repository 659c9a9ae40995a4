"""Officials racing on one dossier, many receptions at once, two schedulers at once.

Each racer is a thread with its own database connection, released together by a barrier, so
the moves really meet at the dossier's row lock (SELECT ... FOR UPDATE) on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from dossiers.integrity import verify_all
from dossiers.lifecycle import Status
from dossiers.models import Dossier
from dossiers.models.dossier import DossierCounter
from dossiers.services import (
    Actor,
    RuleViolation,
    assign_step,
    hand_over_step,
    receive_dossier,
    receive_submitted,
    record_result,
    refuse_reception,
    start_step,
    submit_online,
    withdraw_dossier,
)
from notifications.models import Notification, PeriodicRun
from notifications.scheduler import JOBS, tick
from org.models import Role
from tests.personas import actor, applicant, components, local, official

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]

DAY = local(2026, 11, 2, 9, 0)
LATER = local(2026, 11, 3, 9, 0)
ROUNDS = 3  # a fresh dossier per round; which move wins varies from round to round


def race(*moves: Callable[[], object]) -> list[object]:
    """Run the moves in threads released together; each outcome is a result or the error."""
    barrier = threading.Barrier(len(moves))
    outcomes: list[object] = [None] * len(moves)

    def run(index: int, move: Callable[[], object]) -> None:
        try:
            barrier.wait(10)
            outcomes[index] = move()
        except Exception as exc:  # kept and checked by the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, m)) for i, m in enumerate(moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def one_winner(outcomes: list[object]) -> tuple[int, RuleViolation]:
    """The index of the only successful move, and the loser's error."""
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1, f"expected exactly one refusal, got {outcomes!r}"
    assert isinstance(errors[0], RuleViolation), repr(errors[0])
    return outcomes.index(next(o for o in outcomes if not isinstance(o, Exception))), errors[0]


def assert_history_sound(dossier: Dossier, last_action: str, applicant_kinds: list[str]) -> None:
    dossier.refresh_from_db()
    events = list(dossier.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, dossier.last_event_seq + 1))
    assert events[-1].action == last_action and events[-1].status_after == dossier.status
    applicant_rows = Notification.objects.filter(dossier=dossier, event__isnull=False)
    assert sorted(applicant_rows.values_list("kind", flat=True)) == sorted(applicant_kinds)


def _at_leader(province, n: int) -> Dossier:
    """A dossier at step 4 (the leader's approval), status processing."""
    dossier = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(n),
        components=components(province), at=DAY,
    )  # fmt: skip
    hand_over_step(actor=actor(province.officer), dossier=dossier, at=DAY)
    assign_step(actor=actor(province.head), dossier=dossier, assignee=province.specialist, at=DAY)
    start_step(actor=actor(province.specialist), dossier=dossier, at=DAY)
    hand_over_step(actor=actor(province.specialist), dossier=dossier, to=province.head, at=DAY)
    hand_over_step(actor=actor(province.head), dossier=dossier, to=province.leader, at=DAY)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.current_step.step.position == 4
    return dossier


def test_result_and_withdrawal_at_once_one_wins(province):
    moves = [("result_recorded", Status.RESULT_READY), ("withdrawn", Status.WITHDRAWN)]
    for n in range(1, ROUNDS + 1):
        dossier = _at_leader(province, n)
        outcomes = race(
            partial(record_result, actor=actor(province.leader), dossier=dossier, at=LATER),
            partial(
                withdraw_dossier, actor=actor(province.officer), dossier=dossier,
                reason="Người nộp xin rút", at=LATER,
            ),
        )  # fmt: skip
        winner, error = one_winner(outcomes)
        action, status = moves[winner]
        refused = ("Rút hồ sơ theo yêu cầu", "Có kết quả")[winner]
        assert f"Không thể “{refused}” khi hồ sơ đang ở trạng thái “{status.label}”" in str(error)
        kinds = ["dossier.received", f"dossier.{action}"]
        assert_history_sound(dossier, f"dossier.{action}", kinds)
        assert dossier.status == status
    assert verify_all()[1] == []


def test_reception_and_refusal_of_a_submission_at_once_one_wins(province):
    for n in range(1, ROUNDS + 1):
        dossier = submit_online(
            actor=Actor.applicant("Nguyễn Văn An"), procedure=province.procedure,
            applicant=applicant(n), receiving_agency=province.centre,
            components=components(province), at=DAY,
        )  # fmt: skip
        outcomes = race(
            partial(receive_submitted, actor=actor(province.officer), dossier=dossier, at=LATER),
            partial(
                refuse_reception, actor=actor(province.officer2), dossier=dossier,
                reason="Không thuộc thẩm quyền", at=LATER,
            ),
        )  # fmt: skip
        winner, error = one_winner(outcomes)
        action = ["received", "reception_refused"][winner]
        assert "Không thể" in str(error)
        kinds = ["dossier.submitted", f"dossier.{action}"]
        assert_history_sound(dossier, f"dossier.{action}", kinds)
        assert dossier.status == [Status.RECEIVED, Status.NOT_RECEIVED][winner]
        assert (dossier.current_step is not None) == (winner == 0)
    assert verify_all()[1] == []


def test_two_heads_assigning_at_once_are_serialised(province):
    """Reassigning is allowed, so both moves succeed; the row lock makes the later one see the
    earlier (its event names the earlier assignee as `previous`) instead of losing it."""
    head2 = official("head2", province.head.unit, Role.HEAD)
    for n in range(1, ROUNDS + 1):
        dossier = receive_dossier(
            actor=actor(province.officer), procedure=province.procedure, applicant=applicant(n),
            components=components(province), at=DAY,
        )  # fmt: skip
        hand_over_step(actor=actor(province.officer), dossier=dossier, at=DAY)
        outcomes = race(
            partial(
                assign_step, actor=actor(province.head), dossier=dossier,
                assignee=province.specialist, at=LATER,
            ),
            partial(
                assign_step, actor=actor(head2), dossier=dossier,
                assignee=province.specialist2, at=LATER,
            ),
        )  # fmt: skip
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        first, second = dossier.events.filter(action="dossier.step_assigned").order_by("seq")
        assert second.seq == first.seq + 1
        assert second.data["previous"] == first.data["assignee"]
        dossier.refresh_from_db()
        assert dossier.current_step.assignee_id == second.data["assignee"]
    assert verify_all()[1] == []


def test_fifty_receptions_at_once_get_consecutive_codes(province):
    threads, per_thread = 10, 5  # 50 receptions, 10 at once
    barrier, lock = threading.Barrier(threads), threading.Lock()
    inside = {"now": 0, "peak": 0}

    def receive_batch(first: int) -> list[str]:
        try:
            barrier.wait(10)
            return [
                _counted_reception(province, first + i, inside, lock) for i in range(per_thread)
            ]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        batches = list(pool.map(receive_batch, range(1, threads * per_thread + 1, per_thread)))
    codes = sorted(code for batch in batches for code in batch)
    prefix = f"{province.centre.exchange_code}-261102-"
    assert codes == [f"{prefix}{i:04d}" for i in range(1, threads * per_thread + 1)]
    assert inside["peak"] >= 8, inside
    assert DossierCounter.objects.get(agency=province.centre).last == 50
    assert Notification.objects.filter(kind="dossier.received").count() == 50
    assert verify_all() == (50, [])


def _counted_reception(province, n: int, inside: dict, lock: threading.Lock) -> str:
    with lock:
        inside["now"] += 1
        inside["peak"] = max(inside["peak"], inside["now"])
    try:
        return receive_dossier(
            actor=actor(province.officer if n % 2 else province.officer2),
            procedure=province.procedure, applicant=applicant(n),
            components=components(province), at=DAY,
        ).code  # fmt: skip
    finally:
        with lock:
            inside["now"] -= 1


def test_two_schedulers_ticking_at_once_enqueue_each_slot_once():
    outcomes = race(lambda: tick(DAY), lambda: tick(DAY))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    paths = sorted(path for enqueued in outcomes for path in enqueued)
    assert paths == sorted(job.task_path for job in JOBS)
    assert PeriodicRun.objects.count() == len(JOBS)
    assert DBTaskResult.objects.count() == len(JOBS)
