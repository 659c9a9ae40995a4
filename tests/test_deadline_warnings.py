"""Deadline warnings (one working day ahead, once) and the periodic scheduler that runs them."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from dossiers.deadlines import warn_due_soon, warning_horizon
from dossiers.lifecycle import Status
from dossiers.services import (
    assign_step,
    hand_over_step,
    issue_apology,
    pause_for_payment,
    receive_dossier,
    request_supplement,
    start_step,
)
from notifications.models import Notification, PeriodicRun
from notifications.scheduler import JOBS, tick
from org.models import OrgUnit, Role
from tests.personas import actor, applicant, components, local, official

# Received Mon 2 Nov 2026 09:00 (dossier due Mon 16 Nov 09:00); handed to the division at
# 10:00, where step 2 (30 working hours) is due Fri 6 Nov 10:00.
RECEIVED_AT = local(2026, 11, 2, 9, 0)
HANDED_AT = local(2026, 11, 2, 10, 0)
STEP_DUE = local(2026, 11, 6, 10, 0)
DOSSIER_DUE = local(2026, 11, 16, 9, 0)
SWEEP, WARN = "notifications.tasks.sweep_outbox", "dossiers.tasks.warn_due_soon_task"
MINUTE_JOBS = [job for job in JOBS if job.task_path in (SWEEP, WARN)]


def _due_soon_rows(**filters) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind="due_soon", **filters).order_by("recipient")
    # The key ends with the slot: "step<id>@<due>" or "dossier@<due>" (a new due, a new slot).
    return [(r.recipient, r.key.rsplit(":", 1)[1].split("@")[0]) for r in rows]


@pytest.fixture
def division(province) -> OrgUnit:
    """The division has two heads, an inactive head and a head elsewhere, to check recipients."""
    unit = province.head.unit
    official("head2", unit, Role.HEAD)
    gone = official("gonehead", unit, Role.HEAD)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return unit


def at_specialist_dossier(province):
    """A dossier received, handed to the division and started by its specialist: its step is
    due at STEP_DUE, the dossier at DOSSIER_DUE."""
    dossier = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province), at=RECEIVED_AT,
    )  # fmt: skip
    hand_over_step(actor=actor(province.officer), dossier=dossier, at=HANDED_AT)
    assign_step(
        actor=actor(province.head), dossier=dossier, assignee=province.specialist, at=HANDED_AT
    )
    start_step(actor=actor(province.specialist), dossier=dossier, at=HANDED_AT)
    dossier.refresh_from_db()
    assert dossier.current_step.due_at == STEP_DUE and dossier.due_at == DOSSIER_DUE
    return dossier


@pytest.fixture
def at_specialist(province, division):
    return at_specialist_dossier(province)


def _step_warning_moment() -> dt.datetime:
    now = STEP_DUE - dt.timedelta(days=1)  # Thursday 10:00: one working day before Friday 10:00
    assert warning_horizon(now) == STEP_DUE
    return now


def test_nothing_is_warned_before_the_horizon(at_specialist):
    assert warn_due_soon(_step_warning_moment() - dt.timedelta(minutes=1)) == 0
    assert not Notification.objects.filter(kind="due_soon").exists()


def test_assignee_and_unit_heads_are_warned_once(at_specialist):
    now = _step_warning_moment()
    assert warn_due_soon(now) == 1
    slot = f"step{at_specialist.current_step_id}"
    assert _due_soon_rows() == [
        ("head2@example.test", slot),
        ("head@example.test", slot),
        ("specialist@example.test", slot),
    ]
    run = at_specialist.steps.get(pk=at_specialist.current_step_id)
    assert run.warned_at == now
    assert warn_due_soon(now) == 0
    assert warn_due_soon(now + dt.timedelta(hours=5)) == 0
    assert Notification.objects.filter(kind="due_soon").count() == 3


def test_a_dossier_due_soon_is_warned_too(at_specialist):
    assert warn_due_soon(_step_warning_moment()) == 1  # the step first
    now = DOSSIER_DUE - dt.timedelta(days=3)  # Friday 13 Nov 09:00, one working day before
    assert warning_horizon(now) == DOSSIER_DUE
    assert warn_due_soon(now) == 1
    assert _due_soon_rows(key__contains=":dossier@") == [
        ("head2@example.test", "dossier"),
        ("head@example.test", "dossier"),
        ("specialist@example.test", "dossier"),
    ]
    at_specialist.refresh_from_db()
    assert at_specialist.warned_at == now
    assert warn_due_soon(now) == 0


def _pause(kind: str, province, dossier) -> None:
    who, at = actor(province.specialist), local(2026, 11, 3, 9, 0)
    if kind == "supplement":
        request_supplement(
            actor=who, dossier=dossier, reason="Thiếu bản vẽ có dấu", at=at,
            items=[{"name": "Bản vẽ", "required_document_id": province.docs[1].pk}],
        )  # fmt: skip
    else:
        pause_for_payment(actor=who, dossier=dossier, amount=500_000, reason="Lệ phí", at=at)


@pytest.mark.parametrize("kind", ["supplement", "payment"])
def test_a_paused_dossier_is_not_warned_for_its_due_moment(province, at_specialist, kind):
    _pause(kind, province, at_specialist)
    at_specialist.refresh_from_db()
    assert at_specialist.status in {Status.AWAITING_SUPPLEMENT, Status.AWAITING_PAYMENT}
    warn_due_soon(DOSSIER_DUE)
    assert _due_soon_rows(key__contains=":dossier@") == []
    at_specialist.refresh_from_db()
    assert at_specialist.warned_at is None


@pytest.mark.parametrize("kind", ["supplement", "payment"])
def test_the_open_step_of_a_paused_dossier_is_not_warned(province, at_specialist, kind):
    _pause(kind, province, at_specialist)
    warn_due_soon(_step_warning_moment())
    assert _due_soon_rows() == []


def test_a_new_due_moment_after_an_apology_is_warned_again(province, at_specialist):
    now = DOSSIER_DUE - dt.timedelta(days=3)
    assert warn_due_soon(now) >= 1
    new_due = local(2026, 11, 23, 17, 0)
    issue_apology(
        actor=actor(province.leader), dossier=at_specialist, reason="Chờ ý kiến liên ngành",
        new_due_at=new_due, at=local(2026, 11, 16, 8, 0),
    )  # fmt: skip
    before = local(2026, 11, 20, 17, 0)  # Friday: one working day before Monday 17:00
    assert warning_horizon(before) >= new_due
    assert warn_due_soon(before) >= 1
    assert len(_due_soon_rows(key__contains=":dossier@")) == 6


# ---------------------------------------------------------------- scheduler


def _enqueued(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


def test_tick_enqueues_each_job_once_per_slot(db):
    start = dt.datetime.fromtimestamp(300 * 5_900_000 + 5, tz=dt.UTC)  # a 300 s slot begins
    assert tick(start, jobs=MINUTE_JOBS) == [SWEEP, WARN]
    assert tick(start, jobs=MINUTE_JOBS) == []
    assert tick(start + dt.timedelta(seconds=50), jobs=MINUTE_JOBS) == []
    assert (_enqueued(SWEEP), _enqueued(WARN)) == (1, 1)
    assert tick(start + dt.timedelta(seconds=60), jobs=MINUTE_JOBS) == [
        SWEEP
    ]  # the sweep runs every minute
    assert tick(start + dt.timedelta(seconds=300), jobs=MINUTE_JOBS) == [SWEEP, WARN]
    assert tick(start + dt.timedelta(seconds=300), jobs=MINUTE_JOBS) == []
    assert (_enqueued(SWEEP), _enqueued(WARN)) == (3, 2)
    assert PeriodicRun.objects.count() == 5
