"""A dossier from the counter to the returned result, through every step, with the clock."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dossiers.integrity import verify_all
from dossiers.lifecycle import Status
from dossiers.models import Event, Result, StepRun
from dossiers.services import (
    RuleViolation,
    assign_step,
    hand_over_step,
    issue_apology,
    pause_for_payment,
    provide_supplement,
    receive_dossier,
    record_result,
    request_supplement,
    return_result,
    start_step,
)
from dossiers.services.core import compute_due
from dossiers.services.processing import MAX_PAYMENT
from tests.personas import actor, applicant, components, local


@pytest.fixture
def received(province):
    # Monday 2 Nov 2026, 09:00: 10 working days later is Monday 16 Nov, 09:00.
    return receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        components=components(province), at=local(2026, 11, 2, 9, 0),
    )  # fmt: skip


def test_reception_gives_code_due_and_first_step(province, received):
    assert received.status == Status.RECEIVED
    assert received.code == f"{province.centre.exchange_code}-261102-0001"
    assert received.due_at == local(2026, 11, 16, 9, 0)
    assert received.processing_agency == province.department
    run = received.current_step
    assert run.assignee == province.officer and run.step.position == 1
    assert received.events.get().action == "dossier.received"


def test_codes_are_consecutive_per_agency_and_day(province, received):
    second = receive_dossier(
        actor=actor(province.officer2), procedure=province.procedure, applicant=applicant(2),
        components=components(province), at=local(2026, 11, 2, 10, 0),
    )  # fmt: skip
    next_day = receive_dossier(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(3),
        components=components(province), at=local(2026, 11, 3, 10, 0),
    )  # fmt: skip
    assert second.code.endswith("-261102-0002")
    assert next_day.code.endswith("-261103-0001")


def test_missing_mandatory_component_is_refused_with_guidance(province):
    with pytest.raises(RuleViolation, match="Bản vẽ"):
        receive_dossier(
            actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
            components=components(province)[:1], at=local(2026, 11, 2, 9, 0),
        )  # fmt: skip


def _walk_to_specialist(province, dossier, at):
    hand_over_step(actor=actor(province.officer), dossier=dossier, at=at)
    assign_step(actor=actor(province.head), dossier=dossier, assignee=province.specialist, at=at)
    start_step(actor=actor(province.specialist), dossier=dossier, at=at)


def test_supplement_stops_the_clock_exactly(province, received):
    _walk_to_specialist(province, received, local(2026, 11, 2, 10, 0))
    request_supplement(
        actor=actor(province.specialist), dossier=received, reason="Thiếu bản vẽ có dấu",
        items=[{"name": "Bản vẽ", "required_document_id": province.docs[1].pk, "count": 1}],
        at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    received.refresh_from_db()
    assert received.status == Status.AWAITING_SUPPLEMENT
    # Three working days pass (Tue 3 Nov 09:00 -> Fri 6 Nov 09:00): due moves by three days.
    provide_supplement(
        actor=actor(province.officer), dossier=received, at=local(2026, 11, 6, 9, 0),
        components=[components(province)[1]],
    )  # fmt: skip
    received.refresh_from_db()
    assert received.status == Status.PROCESSING
    assert received.due_at == local(2026, 11, 19, 9, 0) == compute_due(received)
    with pytest.raises(RuleViolation, match="một lần"):
        request_supplement(
            actor=actor(province.specialist), dossier=received, reason="Lần hai",
            items=[{"name": "Đơn đề nghị", "required_document_id": province.docs[0].pk}],
        )  # fmt: skip


def test_full_walk_late_needs_apology_before_return(province, received):
    at = local(2026, 11, 2, 10, 0)
    _walk_to_specialist(province, received, at)
    hand_over_step(actor=actor(province.specialist), dossier=received, to=province.head, at=at)
    hand_over_step(actor=actor(province.head), dossier=received, to=province.leader, at=at)
    late = local(2026, 11, 20, 9, 0)  # after the due moment of 16 Nov 09:00
    record_result(actor=actor(province.leader), dossier=received, number="12/GP", at=late)
    received.refresh_from_db()
    assert received.status == Status.RESULT_READY
    with pytest.raises(RuleViolation, match="Mẫu 04"):
        return_result(actor=actor(province.officer), dossier=received, at=late)
    issue_apology(
        actor=actor(province.leader), dossier=received, reason="Chờ ý kiến liên ngành",
        new_due_at=local(2026, 11, 23, 17, 0), at=late,
    )  # fmt: skip
    # The result was recorded after the old due moment: still late against the new one? No:
    # the apology moved the due moment past the result, so the return may proceed.
    received.refresh_from_db()
    assert received.finished_at <= received.due_at
    return_result(actor=actor(province.officer), dossier=received, at=late + dt.timedelta(hours=1))
    received.refresh_from_db()
    assert received.status == Status.RETURNED
    runs = list(received.steps.order_by("arrived_at", "id"))
    assert [r.step.position for r in runs] == [1, 2, 3, 4, 5]
    assert runs[3].timeliness == StepRun._meta.get_field("timeliness").choices[2][0]  # late
    assert Event.objects.filter(dossier=received).count() == received.last_event_seq
    assert verify_all()[1] == []


@pytest.mark.parametrize(
    ("issued_on", "accepted"),
    [
        (dt.date(2026, 11, 1), False),  # the day before reception
        (dt.date(2026, 11, 2), True),  # the day of reception
        (dt.date(2026, 11, 10), True),  # the day of signing
        (dt.date(2026, 11, 11), False),  # tomorrow
        (dt.date(1, 1, 1), False),
    ],
)
def test_a_result_is_signed_between_reception_and_today(province, received, issued_on, accepted):
    at = local(2026, 11, 10, 10, 0)
    _walk_to_specialist(province, received, local(2026, 11, 2, 10, 0))
    hand_over_step(actor=actor(province.specialist), dossier=received, to=province.head, at=at)
    hand_over_step(actor=actor(province.head), dossier=received, to=province.leader, at=at)
    sign = lambda: record_result(  # noqa: E731
        actor=actor(province.leader), dossier=received, number="3/GP", issued_on=issued_on, at=at
    )
    if accepted:
        assert sign().issued_on == issued_on
    else:
        message = "Ngày ký kết quả phải từ 02/11/2026 (ngày tiếp nhận hồ sơ) đến 10/11/2026."
        with pytest.raises(RuleViolation, match=re.escape(message)):
            sign()
        received.refresh_from_db()
        assert received.status != Status.RESULT_READY
        assert not Result.objects.filter(dossier=received).exists()


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [(1, True), (MAX_PAYMENT, True), (MAX_PAYMENT + 1, False), (10**30, False)],
)
def test_a_financial_obligation_has_a_sane_amount(province, received, amount, accepted):
    _walk_to_specialist(province, received, local(2026, 11, 2, 10, 0))
    pause = lambda: pause_for_payment(  # noqa: E731
        actor=actor(province.specialist), dossier=received, amount=amount, reason="Lệ phí",
        at=local(2026, 11, 3, 9, 0),
    )  # fmt: skip
    if accepted:
        assert pause().kind == "payment"
    else:
        with pytest.raises(RuleViolation, match="Số tiền quá lớn"):
            pause()
        assert not received.pauses.exists()


@pytest.mark.parametrize("year", [2101, 9999])
def test_an_apologys_new_date_is_within_the_supported_years(province, received, year):
    at = local(2026, 11, 20, 9, 0)
    _walk_to_specialist(province, received, local(2026, 11, 2, 10, 0))
    with pytest.raises(RuleViolation, match="Chọn ngày trong các năm từ 2000 đến 2100"):
        issue_apology(
            actor=actor(province.leader), dossier=received, reason="Chờ ý kiến liên ngành",
            new_due_at=local(year, 11, 23, 9, 0), at=at,
        )  # fmt: skip
