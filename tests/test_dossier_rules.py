"""The legal rules of the dossier lifecycle (domain-rules.md, "Dossier lifecycle" and "Time"):
reception outcomes, the clock and its pauses, supplements, apologies, returns, transfers,
consultations, send-backs, step timeliness and delegated signing. Expected moments are worked
out by hand from the calendar (working hours 07:30-11:30 and 13:30-17:00, cut-off 15:00;
days off seeded for 2026-2027, e.g. Tue 24 Nov 2026 and Fri 1 Jan 2027; Sat 22 Aug 2026 is a
make-up working day)."""

from __future__ import annotations

import datetime as dt

import pytest

from dossiers.lifecycle import NATIONAL_CODES, Status
from dossiers.models import ApologyLetter, Dossier, Pause, StepRun, SupplementRequest
from dossiers.models.dossier import Delivery
from dossiers.models.work import Timeliness
from dossiers.services import (
    Actor,
    PermissionDenied,
    RuleViolation,
    answer_consultation,
    assign_step,
    consult_agency,
    guide_supplement_at_reception,
    hand_over_step,
    issue_apology,
    pause_for_payment,
    provide_supplement,
    receive_dossier,
    receive_submitted,
    record_result,
    refuse_dossier,
    refuse_reception,
    request_supplement,
    resume_after_payment,
    return_result,
    send_back_step,
    start_step,
    stop_processing,
    submit_online,
    transfer_dossier,
    withdraw_dossier,
)
from dossiers.services.core import compute_due
from org.models import Delegation, OrgUnit
from tests.personas import actor, applicant, components, local

MON = local(2026, 11, 2, 9, 0)  # Monday 2 Nov 2026: 10 working days later is Mon 16 Nov
CITIZEN = Actor.applicant("Nguyễn Văn An")


def fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def receive(ns, n: int = 1, at: dt.datetime = MON) -> Dossier:
    return receive_dossier(
        actor=actor(ns.officer), procedure=ns.procedure, applicant=applicant(n),
        components=components(ns), at=at,
    )  # fmt: skip


def submit(ns, n: int = 1, at: dt.datetime = MON, docs=None) -> Dossier:
    return submit_online(
        actor=CITIZEN, procedure=ns.procedure, applicant=applicant(n),
        receiving_agency=ns.centre, components=components(ns) if docs is None else docs, at=at,
    )  # fmt: skip


def to_specialist(ns, dossier: Dossier, at: dt.datetime, who=None) -> Dossier:
    """Counter -> division (step 2), assigned to and started by the specialist, all at `at`."""
    who = who or ns.specialist
    hand_over_step(actor=actor(ns.officer), dossier=dossier, at=at)
    assign_step(actor=actor(ns.head), dossier=dossier, assignee=who, at=at)
    start_step(actor=actor(who), dossier=dossier, at=at)
    return fresh(dossier)


def item(ns, n: int = 1, **extra) -> dict:
    doc = ns.docs[n]
    return {"name": doc.name, "kind": "original", "count": 1, "required_document_id": doc.pk,
            **extra}  # fmt: skip


def ask_supplement(ns, dossier: Dossier, at: dt.datetime, who=None, items=None):
    return request_supplement(
        actor=actor(who or ns.specialist), dossier=dossier, items=items or [item(ns)],
        reason="Bản vẽ chưa có dấu", at=at,
    )  # fmt: skip


def record(ns, dossier: Dossier, at: dt.datetime, who=None):
    return record_result(actor=actor(who or ns.leader), dossier=dossier, number="1/GP", at=at)


# ---------------------------------------------------------------- counter reception


def test_complete_dossier_is_received_with_receipt_and_due(province):
    dossier = receive(province)
    assert dossier.status == Status.RECEIVED and NATIONAL_CODES[dossier.status] == 2
    assert dossier.code == f"{province.centre.exchange_code}-261102-0001"
    assert dossier.received_at == dossier.clock_start == MON
    assert dossier.due_at == dossier.original_due_at == local(2026, 11, 16, 9, 0)
    event = dossier.events.get()
    assert event.action == "dossier.received"
    assert event.data["due_at"] == dossier.due_at.isoformat()


def test_incomplete_dossier_is_refused_listing_every_missing_item(province):
    with pytest.raises(RuleViolation) as refused:
        receive_dossier(
            actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
            components=[], at=MON,
        )  # fmt: skip
    assert "Đơn đề nghị" in str(refused.value) and "Bản vẽ" in str(refused.value)
    assert "Mẫu 02" in str(refused.value)
    assert not Dossier.objects.exists()


def test_incomplete_at_the_counter_gets_one_written_guidance(province):
    dossier = guide_supplement_at_reception(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        items=[item(province, 0), item(province, 1)], reason="Thiếu đơn và bản vẽ", at=MON,
    )  # fmt: skip
    assert dossier.status == Status.AWAITING_SUPPLEMENT
    assert dossier.clock_start is None and dossier.due_at is None
    supplement = SupplementRequest.objects.get(dossier=dossier)
    assert supplement.stage == SupplementRequest.Stage.RECEPTION
    assert [i["name"] for i in supplement.items] == ["Đơn đề nghị", "Bản vẽ"]
    assert not dossier.pauses.exists()


def test_guidance_must_list_the_items(province):
    with pytest.raises(RuleViolation, match="giấy tờ cần bổ sung"):
        guide_supplement_at_reception(
            actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
            items=[], reason="Thiếu", at=MON,
        )  # fmt: skip
    assert not Dossier.objects.exists()


def test_not_eligible_is_refused_with_a_concrete_reason(province):
    dossier = refuse_reception(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        reason="Công trình không thuộc diện cấp phép", at=MON,
    )  # fmt: skip
    assert dossier.status == Status.NOT_RECEIVED and NATIONAL_CODES[dossier.status] == 3
    assert dossier.finished_at == MON and dossier.due_at is None
    event = dossier.events.get()
    assert event.note == "Công trình không thuộc diện cấp phép"
    with pytest.raises(RuleViolation, match="lý do"):
        refuse_reception(
            actor=actor(province.officer), procedure=province.procedure, applicant=applicant(2),
            reason="  ", at=MON,
        )  # fmt: skip


def test_not_ours_names_the_competent_agency(province):
    dossier = refuse_reception(
        actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
        reason="Thuộc thẩm quyền của Ủy ban nhân dân xã", competent_agency="UBND xã Hòa Vang",
        at=MON,
    )  # fmt: skip
    assert dossier.status == Status.NOT_RECEIVED
    assert dossier.events.get().data == {"competent_agency": "UBND xã Hòa Vang"}


# ---------------------------------------------------------------- online submission


def test_online_submission_has_no_clock_until_received(province):
    sunday_night = local(2026, 11, 1, 22, 0)
    dossier = submit(province, at=sunday_night)
    assert dossier.status == Status.SUBMITTED and NATIONAL_CODES[dossier.status] == 1
    assert dossier.submitted_at == sunday_night
    assert dossier.clock_start is None and dossier.due_at is None
    receive_submitted(actor=actor(province.officer), dossier=dossier, at=MON)
    dossier = fresh(dossier)
    assert dossier.status == Status.RECEIVED
    assert dossier.clock_start == MON and dossier.due_at == local(2026, 11, 16, 9, 0)
    assert dossier.current_step.assignee == province.officer


def test_an_official_cannot_submit_online(province):
    with pytest.raises(RuleViolation, match="người nộp hồ sơ"):
        submit_online(
            actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
            receiving_agency=province.centre, components=components(province), at=MON,
        )  # fmt: skip
    assert not Dossier.objects.exists()


def test_online_submission_refused_at_the_check(province):
    dossier = submit(province)
    refuse_reception(
        actor=actor(province.officer), dossier=dossier, reason="Sai thủ tục",
        competent_agency="Sở Xây dựng", at=MON,
    )  # fmt: skip
    assert fresh(dossier).status == Status.NOT_RECEIVED
    with pytest.raises(RuleViolation):
        receive_submitted(actor=actor(province.officer), dossier=dossier, at=MON)


def test_guidance_at_the_check_then_reception_starts_the_clock(province):
    dossier = submit(province, at=local(2026, 10, 30, 20, 0))
    guide_supplement_at_reception(
        actor=actor(province.officer), dossier=dossier, items=[item(province)],
        reason="Bản vẽ thiếu chữ ký", at=local(2026, 11, 2, 8, 0),
    )  # fmt: skip
    assert fresh(dossier).status == Status.AWAITING_SUPPLEMENT
    assert fresh(dossier).due_at is None
    arrived = local(2026, 11, 4, 16, 30)  # after the cut-off: counts from Thu 07:30
    receive_submitted(
        actor=actor(province.officer), dossier=dossier, components=[components(province)[1]],
        at=arrived,
    )  # fmt: skip
    dossier = fresh(dossier)
    assert dossier.status == Status.RECEIVED
    assert dossier.received_at == arrived
    assert dossier.clock_start == local(2026, 11, 5, 7, 30)
    assert dossier.due_at == local(2026, 11, 18, 17, 0)
    assert dossier.supplement.fulfilled_at == arrived
    # The one supplement request of this dossier has been used at reception.
    to_specialist(province, dossier, local(2026, 11, 5, 9, 0))
    with pytest.raises(RuleViolation, match="61/2018/NĐ-CP"):
        ask_supplement(province, dossier, local(2026, 11, 6, 9, 0))


def test_checking_an_online_dossier_requires_the_mandatory_components(province):
    dossier = submit(province, docs=components(province)[:1])
    with pytest.raises(RuleViolation, match="Bản vẽ"):
        receive_submitted(actor=actor(province.officer), dossier=dossier, at=MON)
    assert fresh(dossier).status == Status.SUBMITTED


# ---------------------------------------------------------------- the clock


@pytest.mark.parametrize(
    ("received", "start", "due"),
    [
        (local(2026, 11, 2, 15, 0), local(2026, 11, 2, 15, 0), local(2026, 11, 16, 15, 0)),
        (local(2026, 11, 2, 15, 1), local(2026, 11, 3, 7, 30), local(2026, 11, 16, 17, 0)),
        (local(2026, 11, 2, 16, 0), local(2026, 11, 3, 7, 30), local(2026, 11, 16, 17, 0)),
        (local(2026, 11, 2, 12, 0), local(2026, 11, 2, 13, 30), local(2026, 11, 16, 11, 30)),
        (local(2026, 11, 2, 7, 0), local(2026, 11, 2, 7, 30), local(2026, 11, 13, 17, 0)),
    ],
    ids=["at-cutoff", "after-cutoff", "16h00", "lunch", "before-opening"],
)
def test_reception_cutoff_and_hours(province, received, start, due):
    dossier = receive(province, at=received)
    assert (dossier.received_at, dossier.clock_start, dossier.due_at) == (received, start, due)


@pytest.mark.parametrize(
    ("received", "start", "due"),
    [
        # An ordinary Saturday: counts from Monday 07:30.
        (local(2026, 11, 7, 10, 0), local(2026, 11, 9, 7, 30), local(2026, 11, 20, 17, 0)),
        # Sat 22 Aug 2026 is a make-up working day; 31 Aug, 1 and 2 Sep are days off.
        (local(2026, 8, 22, 9, 0), local(2026, 8, 22, 9, 0), local(2026, 9, 9, 9, 0)),
        # Across the Vietnamese Culture Day (Tue 24 Nov 2026).
        (local(2026, 11, 16, 9, 0), local(2026, 11, 16, 9, 0), local(2026, 12, 1, 9, 0)),
        # Across New Year's Day (Fri 1 Jan 2027).
        (local(2026, 12, 31, 9, 0), local(2026, 12, 31, 9, 0), local(2027, 1, 15, 9, 0)),
    ],
    ids=["saturday", "makeup-saturday", "culture-day", "new-year"],
)
def test_days_off_do_not_count(province, received, start, due):
    dossier = receive(province, at=received)
    assert (dossier.clock_start, dossier.due_at) == (start, due)
    assert dossier.code.endswith(f"-{received:%y%m%d}-0001")


# ---------------------------------------------------------------- supplement


def test_supplement_is_asked_once_and_the_second_cites_the_decree(province):
    dossier = to_specialist(province, receive(province), local(2026, 11, 2, 10, 0))
    ask_supplement(province, dossier, local(2026, 11, 3, 9, 0))
    assert fresh(dossier).status == Status.AWAITING_SUPPLEMENT
    with pytest.raises(RuleViolation) as again:
        ask_supplement(province, dossier, local(2026, 11, 3, 10, 0))
    assert "61/2018/NĐ-CP" in str(again.value) and "một lần" in str(again.value)
    provide_supplement(
        actor=CITIZEN, dossier=dossier, components=[components(province)[1]],
        at=local(2026, 11, 4, 9, 0),
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="61/2018/NĐ-CP"):
        ask_supplement(province, dossier, local(2026, 11, 5, 9, 0), items=[item(province, 0)])
    assert SupplementRequest.objects.filter(dossier=dossier).count() == 1
    assert dossier.pauses.get().ended_at == local(2026, 11, 4, 9, 0)


def test_an_off_list_item_needs_its_own_reason(province):
    dossier = to_specialist(province, receive(province), local(2026, 11, 2, 10, 0))
    extra = {"name": "Giấy xác nhận của tổ dân phố", "kind": "original", "count": 1}
    with pytest.raises(RuleViolation, match="Giấy xác nhận của tổ dân phố"):
        ask_supplement(province, dossier, local(2026, 11, 3, 9), items=[item(province), extra])
    assert not SupplementRequest.objects.exists()
    assert fresh(dossier).status == Status.PROCESSING
    justified = {**extra, "reason": "Luật chuyên ngành yêu cầu xác nhận"}
    request = ask_supplement(
        province, dossier, local(2026, 11, 3, 9), items=[item(province), justified]
    )
    assert request.off_list is True
    assert fresh(dossier).events.last().data["off_list"] is True


def test_published_items_are_not_off_list(province):
    dossier = to_specialist(province, receive(province), local(2026, 11, 2, 10, 0))
    request = ask_supplement(province, dossier, local(2026, 11, 3, 9))
    assert request.off_list is False
    assert request.items[0]["required_document_id"] == province.docs[1].pk


# ---------------------------------------------------------------- payment pause


def test_payment_pause_moves_due_by_exactly_the_paused_working_time(province):
    dossier = to_specialist(province, receive(province), local(2026, 11, 2, 10, 0))
    assert dossier.current_step.due_at == local(2026, 11, 6, 10, 0)  # 30 working hours
    pause_for_payment(
        actor=actor(province.specialist), dossier=dossier, amount=500_000,
        reason="Lệ phí trước bạ", at=local(2026, 11, 3, 14, 0),
    )  # fmt: skip
    assert fresh(dossier).status == Status.AWAITING_PAYMENT
    resume_after_payment(actor=actor(province.officer), dossier=dossier, at=local(2026, 11, 5, 10))
    dossier = fresh(dossier)
    # Paused: Tue 14:00-17:00 (3 h) + Wed (7.5 h) + Thu 07:30-10:00 (2.5 h) = 13 working hours.
    # Due Mon 16 Nov 09:00 + 13 h: Mon 09:00-17:00 gives 6 h, Tue 17 Nov 07:30 + 7 h = 16:30.
    assert dossier.status == Status.PROCESSING
    assert dossier.due_at == local(2026, 11, 17, 16, 30) == compute_due(dossier)
    assert dossier.original_due_at == local(2026, 11, 16, 9, 0)
    # The open step moves by the same 13 h: Fri 6 Nov 10:00 -> Tue 10 Nov 08:00.
    assert dossier.current_step.due_at == local(2026, 11, 10, 8, 0)
    pause = dossier.pauses.get()
    assert (pause.kind, pause.ended_at) == (Pause.Kind.PAYMENT, local(2026, 11, 5, 10))


def test_payment_needs_an_amount_and_a_basis(province):
    dossier = to_specialist(province, receive(province), local(2026, 11, 2, 10, 0))
    for amount, reason in ((0, "Lệ phí"), (100_000, " ")):
        with pytest.raises(RuleViolation, match="nghĩa vụ tài chính"):
            pause_for_payment(
                actor=actor(province.specialist), dossier=dossier, amount=amount, reason=reason,
                at=local(2026, 11, 3, 9),
            )  # fmt: skip
    assert fresh(dossier).status == Status.PROCESSING and not Pause.objects.exists()


# ---------------------------------------------------------------- apology and return


def test_apology_needs_a_reason_and_a_later_date(province):
    dossier = receive(province)
    due = dossier.due_at  # Mon 16 Nov 09:00
    now = local(2026, 11, 13, 9, 0)
    bad = [
        (" ", local(2026, 11, 18, 9, 0), "lý do"),
        ("Chờ ý kiến", due, "Ngày hẹn mới"),
        ("Chờ ý kiến", due - dt.timedelta(days=1), "Ngày hẹn mới"),
    ]
    for reason, new_due, message in bad:
        with pytest.raises(RuleViolation, match=message):
            issue_apology(
                actor=actor(province.leader), dossier=dossier, reason=reason, new_due_at=new_due,
                at=now,
            )  # fmt: skip
    assert fresh(dossier).due_at == due and not ApologyLetter.objects.exists()
    letter = issue_apology(
        actor=actor(province.leader), dossier=dossier, reason="Chờ ý kiến liên ngành",
        new_due_at=local(2026, 11, 18, 9, 0), at=now,
    )  # fmt: skip
    assert (letter.old_due_at, letter.new_due_at) == (due, local(2026, 11, 18, 9, 0))
    assert letter.signed_by == province.leader
    dossier = fresh(dossier)
    assert dossier.due_at == local(2026, 11, 18, 9, 0) == compute_due(dossier)
    assert dossier.original_due_at == due


def test_apology_date_must_be_after_now_as_well(province):
    dossier = receive(province)
    late = local(2026, 11, 20, 9, 0)  # the due moment (16 Nov 09:00) has passed
    with pytest.raises(RuleViolation, match="Ngày hẹn mới"):
        issue_apology(
            actor=actor(province.leader), dossier=dossier, reason="Quá tải",
            new_due_at=local(2026, 11, 19, 9, 0), at=late,
        )  # fmt: skip


@pytest.mark.parametrize(
    "new_due",
    [local(2026, 11, 22, 9, 0), local(2026, 11, 24, 9, 0), local(2026, 11, 18, 20, 0)],
    ids=["sunday", "culture-day", "evening"],
)
def test_apology_date_must_be_a_working_moment(province, new_due):
    dossier = receive(province)
    with pytest.raises(RuleViolation, match="giờ làm việc"):
        issue_apology(
            actor=actor(province.leader), dossier=dossier, reason="Chờ ý kiến",
            new_due_at=new_due, at=local(2026, 11, 13, 9, 0),
        )  # fmt: skip
    assert fresh(dossier).due_at == local(2026, 11, 16, 9, 0)
    assert not ApologyLetter.objects.exists()


def test_the_latest_apology_counts_even_when_issued_at_the_same_moment(province):
    dossier = to_specialist(province, receive(province), local(2026, 11, 2, 10, 0))
    at = local(2026, 11, 13, 9, 0)
    for new_due in (local(2026, 11, 17, 9, 0), local(2026, 11, 18, 9, 0)):
        issue_apology(
            actor=actor(province.leader), dossier=dossier, reason="Chờ ý kiến",
            new_due_at=new_due, at=at,
        )  # fmt: skip
    assert fresh(dossier).due_at == local(2026, 11, 18, 9, 0)
    pause_for_payment(
        actor=actor(province.specialist), dossier=dossier, amount=1, reason="Phí",
        at=local(2026, 11, 13, 10, 0),
    )  # fmt: skip
    resume_after_payment(
        actor=actor(province.specialist), dossier=dossier, at=local(2026, 11, 13, 11, 0)
    )
    # One working hour paused after the apologies: 18 Nov 09:00 + 1 h.
    assert fresh(dossier).due_at == local(2026, 11, 18, 10, 0)


@pytest.mark.parametrize("refuse", [False, True], ids=["result", "refusal"])
def test_a_late_result_cannot_be_returned_without_an_apology(province, refuse):
    dossier = receive(province)
    late = local(2026, 11, 17, 9, 0)
    if refuse:
        refuse_dossier(
            actor=actor(province.leader), dossier=dossier, reason="Sai quy hoạch", at=late
        )
    else:
        record(province, dossier, late)
    with pytest.raises(RuleViolation, match="Mẫu 04"):
        return_result(actor=actor(province.officer), dossier=dossier, at=late)
    assert fresh(dossier).status == Status.RESULT_READY
    issue_apology(
        actor=actor(province.leader), dossier=dossier, reason="Quá tải",
        new_due_at=local(2026, 11, 18, 9, 0), at=late,
    )  # fmt: skip
    return_result(actor=actor(province.officer), dossier=dossier, at=local(2026, 11, 17, 10, 0))
    assert fresh(dossier).status == Status.RETURNED


def test_an_on_time_result_is_returned_and_closes_the_return_step(province):
    dossier = receive(province)
    record(province, dossier, local(2026, 11, 16, 9, 0))  # exactly at the due moment
    return_result(actor=actor(province.officer), dossier=dossier, at=local(2026, 11, 20, 9, 0))
    dossier = fresh(dossier)
    assert dossier.status == Status.RETURNED and dossier.current_step is None
    assert dossier.return_channel == Delivery.COUNTER
    last = dossier.steps.order_by("arrived_at", "id").last()
    assert last.step.position == 5 and last.assignee == province.officer
    assert last.outcome == StepRun.Outcome.FINISHED


def test_post_return_needs_a_tracking_number(province):
    dossier = receive(province)
    record(province, dossier, local(2026, 11, 10, 9, 0))
    at = local(2026, 11, 11, 9, 0)
    with pytest.raises(RuleViolation, match="vận đơn"):
        return_result(actor=actor(province.officer), dossier=dossier, channel=Delivery.POST, at=at)
    assert fresh(dossier).status == Status.RESULT_READY
    return_result(
        actor=actor(province.officer), dossier=dossier, channel=Delivery.POST,
        post_tracking="EB123456789VN", at=at,
    )  # fmt: skip
    dossier = fresh(dossier)
    assert (dossier.status, dossier.return_channel, dossier.post_tracking) == (
        Status.RETURNED, Delivery.POST, "EB123456789VN",
    )  # fmt: skip


# ---------------------------------------------------------------- withdraw and stop


def _paused(ns, kind: str) -> Dossier:
    dossier = to_specialist(ns, receive(ns), local(2026, 11, 2, 10, 0))
    if kind == Pause.Kind.SUPPLEMENT:
        ask_supplement(ns, dossier, local(2026, 11, 3, 9, 0))
    else:
        pause_for_payment(
            actor=actor(ns.specialist), dossier=dossier, amount=1, reason="Phí",
            at=local(2026, 11, 3, 9, 0),
        )  # fmt: skip
    return fresh(dossier)


def _close(ns, dossier: Dossier, how: str, at: dt.datetime) -> None:
    if how == "withdraw":
        withdraw_dossier(actor=CITIZEN, dossier=dossier, reason="Không còn nhu cầu", at=at)
    else:
        stop_processing(actor=actor(ns.leader), dossier=dossier, reason="Quá hạn bổ sung", at=at)


CLOSINGS = [("withdraw", Pause.Kind.SUPPLEMENT), ("withdraw", Pause.Kind.PAYMENT),
            ("stop", Pause.Kind.SUPPLEMENT), ("stop", Pause.Kind.PAYMENT)]  # fmt: skip


@pytest.mark.parametrize(("how", "kind"), CLOSINGS)
def test_withdraw_and_stop_close_open_pauses_and_steps(province, how, kind):
    dossier = _paused(province, kind)
    run = dossier.current_step
    at = local(2026, 11, 5, 9, 0)
    _close(province, dossier, how, at)
    dossier = fresh(dossier)
    assert dossier.status == (Status.WITHDRAWN if how == "withdraw" else Status.STOPPED)
    assert dossier.finished_at == at and dossier.current_step is None
    assert not dossier.pauses.filter(ended_at__isnull=True).exists()
    assert dossier.pauses.get().ended_at == at
    run.refresh_from_db()
    assert (run.finished_at, run.outcome) == (at, StepRun.Outcome.INTERRUPTED)
    assert not dossier.steps.filter(finished_at__isnull=True).exists()


@pytest.mark.parametrize(("how", "kind"), CLOSINGS)
def test_closing_a_paused_dossier_keeps_due_in_step_with_its_pauses(province, how, kind):
    dossier = _paused(province, kind)
    _close(province, dossier, how, local(2026, 11, 5, 9, 0))
    dossier = fresh(dossier)
    # Paused Tue 3 Nov 09:00 - Thu 5 Nov 09:00 (two working days): 16 Nov 09:00 -> 18 Nov.
    assert dossier.due_at == local(2026, 11, 18, 9, 0) == compute_due(dossier)


# ---------------------------------------------------------------- transfer


def test_transfer_creates_a_child_with_its_own_code_and_clock(province):
    OrgUnit.objects.create(agency=province.other, code="mot-cua", name="Một cửa", kind="counter")
    parent = receive(province)
    at = local(2026, 11, 2, 16, 0)  # after the cut-off: the child's clock starts Tue 07:30
    child = transfer_dossier(
        actor=actor(province.head), dossier=parent, to_agency=province.other,
        note="Liên thông lấy ý kiến thẩm định", at=at,
    )  # fmt: skip
    parent = fresh(parent)
    assert parent.status == Status.PROCESSING
    assert parent.due_at == local(2026, 11, 16, 9, 0)  # the parent's clock is untouched
    assert list(parent.transfers.all()) == [child]
    assert parent.events.last().data["child"] == child.code
    child = fresh(child)
    assert child.code == f"{province.other.exchange_code}-261102-0001"
    assert child.transferred_from == parent
    assert child.receiving_agency == child.processing_agency == province.other
    assert child.status == Status.RECEIVED
    assert (child.received_at, child.clock_start) == (at, local(2026, 11, 3, 7, 30))
    assert child.due_at == local(2026, 11, 16, 17, 0) == compute_due(child)
    event = child.events.get()
    assert (event.action, event.data["from"]) == ("dossier.transferred", parent.code)
    assert child.current_step.agency == province.other


def test_transfer_to_the_same_agency_is_refused(province):
    parent = receive(province)
    with pytest.raises(RuleViolation, match="cơ quan khác"):
        transfer_dossier(
            actor=actor(province.head), dossier=parent, to_agency=province.department,
            note="x", at=MON,
        )  # fmt: skip
    assert Dossier.objects.count() == 1


# ---------------------------------------------------------------- consultation


def test_consultation_due_in_working_days_and_answered_by_that_agency(province):
    dossier = to_specialist(
        province, receive(province, at=local(2026, 11, 16, 9)), local(2026, 11, 16, 10)
    )
    consultation = consult_agency(
        actor=actor(province.specialist), dossier=dossier, agency=province.other,
        question="Ý kiến về quy hoạch?", at=local(2026, 11, 20, 10, 0),
    )  # fmt: skip
    # Five working days from Fri 20 Nov 10:00, skipping the weekend and Tue 24 Nov.
    assert consultation.due_at == local(2026, 11, 30, 10, 0)
    for who in (province.specialist, province.head, province.leader):
        with pytest.raises(PermissionDenied, match="cơ quan được xin ý kiến"):
            answer_consultation(
                actor=actor(who), consultation=consultation, answer="Đồng ý",
                at=local(2026, 11, 23, 9, 0),
            )  # fmt: skip
    with pytest.raises(RuleViolation, match="nội dung trả lời"):
        answer_consultation(
            actor=actor(province.outsider), consultation=consultation, answer=" ",
            at=local(2026, 11, 23, 9, 0),
        )  # fmt: skip
    answer_consultation(
        actor=actor(province.outsider), consultation=consultation, answer="Phù hợp quy hoạch",
        at=local(2026, 12, 1, 9, 0),
    )  # fmt: skip
    consultation.refresh_from_db()
    assert consultation.answered_by == province.outsider
    assert fresh(dossier).events.last().data["late"] is True
    with pytest.raises(RuleViolation, match="Đã trả lời"):
        answer_consultation(
            actor=actor(province.other_leader), consultation=consultation, answer="Lần hai",
            at=local(2026, 12, 1, 10, 0),
        )  # fmt: skip


def test_consulting_ones_own_agency_is_refused(province):
    dossier = to_specialist(province, receive(province), local(2026, 11, 2, 10))
    with pytest.raises(RuleViolation, match="cơ quan khác"):
        consult_agency(
            actor=actor(province.specialist), dossier=dossier, agency=province.department,
            question="?", at=local(2026, 11, 2, 11),
        )  # fmt: skip


# ---------------------------------------------------------------- send-back


def test_send_back_returns_to_the_previous_steps_assignee(province):
    dossier = to_specialist(
        province, receive(province), local(2026, 11, 2, 10), province.specialist2
    )
    hand_over_step(
        actor=actor(province.specialist2), dossier=dossier, to=province.head,
        at=local(2026, 11, 3, 10),
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="lý do"):
        send_back_step(actor=actor(province.head), dossier=dossier, reason=" ")
    run = send_back_step(
        actor=actor(province.head), dossier=dossier, reason="Thiếu thẩm định hiện trạng",
        at=local(2026, 11, 3, 14),
    )  # fmt: skip
    assert (run.step.position, run.assignee) == (2, province.specialist2)
    assert fresh(dossier).current_step == run
    back = send_back_step(
        actor=actor(province.specialist2), dossier=dossier, reason="Hồ sơ scan mờ",
        at=local(2026, 11, 3, 15),
    )  # fmt: skip
    assert (back.step.position, back.assignee) == (1, province.officer)
    with pytest.raises(RuleViolation, match="Bước đầu tiên"):
        send_back_step(actor=actor(province.officer), dossier=dossier, reason="x")
    outcomes = list(dossier.steps.order_by("arrived_at", "id").values_list("outcome", flat=True))
    assert outcomes == ["handed_over", "handed_over", "sent_back", "sent_back", ""]


def test_send_back_goes_to_the_latest_assignee_even_at_the_same_moment(province):
    at = local(2026, 11, 2, 10, 0)
    dossier = to_specialist(province, receive(province), at)
    hand_over_step(actor=actor(province.specialist), dossier=dossier, to=province.head, at=at)
    send_back_step(actor=actor(province.head), dossier=dossier, reason="Thiếu", at=at)
    assign_step(actor=actor(province.head), dossier=dossier, assignee=province.specialist2, at=at)
    hand_over_step(actor=actor(province.specialist2), dossier=dossier, to=province.head, at=at)
    run = send_back_step(actor=actor(province.head), dossier=dossier, reason="Vẫn thiếu", at=at)
    assert run.assignee == province.specialist2


# ---------------------------------------------------------------- step timeliness


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        (local(2026, 11, 5, 16, 0), Timeliness.EARLY),
        (local(2026, 11, 6, 9, 0), Timeliness.ON_TIME),
        (local(2026, 11, 6, 10, 0), Timeliness.ON_TIME),
        (local(2026, 11, 6, 10, 30), Timeliness.LATE),
    ],
    ids=["early", "on-time", "at-due", "late"],
)
def test_step_timeliness(province, finished, expected):
    dossier = to_specialist(province, receive(province), local(2026, 11, 2, 10, 0))
    run = dossier.current_step
    assert run.due_at == local(2026, 11, 6, 10, 0)
    hand_over_step(actor=actor(province.specialist), dossier=dossier, at=finished)
    run.refresh_from_db()
    assert (run.finished_at, run.timeliness) == (finished, expected)
    assert fresh(dossier).events.last().data["timeliness"] == expected


# ---------------------------------------------------------------- delegation


def _delegate(ns, starts: dt.date, ends: dt.date, procedures=None) -> Delegation:
    delegation = Delegation.objects.create(
        delegator=ns.leader, delegate=ns.deputy, starts_on=starts, ends_on=ends,
        reason="Lãnh đạo đi công tác",
    )  # fmt: skip
    delegation.procedures.set([ns.procedure] if procedures is None else procedures)
    return delegation


@pytest.mark.parametrize(
    "when", [local(2026, 11, 9, 9), local(2026, 11, 10, 9), local(2026, 11, 12, 16, 59)]
)
def test_a_delegate_signs_on_behalf_of_the_leader(province, when):
    _delegate(province, dt.date(2026, 11, 10), dt.date(2026, 11, 12))
    _delegate(province, dt.date(2026, 11, 9), dt.date(2026, 11, 9), procedures=[])
    dossier = receive(province)
    result = record(province, dossier, when, who=province.deputy)
    assert (result.signer, result.on_behalf_of) == (province.deputy, province.leader)
    event = fresh(dossier).events.last()
    assert (event.actor, event.on_behalf_of) == (province.deputy, province.leader)
    assert fresh(dossier).status == Status.RESULT_READY


@pytest.mark.parametrize(
    ("when", "covered"),
    [
        (local(2026, 11, 9, 17, 0), True),  # the day before the delegation starts
        (local(2026, 11, 13, 7, 30), True),  # the day after it ends
        (local(2026, 11, 11, 9, 0), False),  # in the dates, for another procedure only
    ],
    ids=["before", "after", "other-procedure"],
)
def test_a_delegate_outside_the_delegation_is_refused(province, when, covered):
    from tests import factories

    procedures = None if covered else [factories.procedure("Thủ tục khác")]
    _delegate(province, dt.date(2026, 11, 10), dt.date(2026, 11, 12), procedures)
    dossier = receive(province)
    with pytest.raises(PermissionDenied, match="người được ủy quyền"):
        record(province, dossier, when, who=province.deputy)
    assert fresh(dossier).status == Status.RECEIVED


def test_a_delegation_from_a_non_leader_gives_no_right(province):
    Delegation.objects.create(
        delegator=province.head, delegate=province.deputy, starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 11, 30),
    )  # fmt: skip
    dossier = receive(province)
    with pytest.raises(PermissionDenied):
        record(province, dossier, local(2026, 11, 10, 9), who=province.deputy)


def test_reception_guidance_needs_a_reason(province):
    with pytest.raises(RuleViolation, match="nêu lý do"):
        guide_supplement_at_reception(
            actor=actor(province.officer), procedure=province.procedure, applicant=applicant(),
            items=[item(province, 0)], reason="  ", at=MON,
        )  # fmt: skip
    assert not Dossier.objects.exists()


def test_only_the_applicant_or_the_counter_provides_a_supplement(province):
    dossier = _paused(province, "supplement")
    with pytest.raises(PermissionDenied):
        provide_supplement(
            actor=Actor.system(), dossier=dossier, components=[components(province)[1]],
            at=local(2026, 11, 5, 9, 0),
        )  # fmt: skip
    assert fresh(dossier).status == Status.AWAITING_SUPPLEMENT
