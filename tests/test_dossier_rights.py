"""Who may make each move: the persona with the right succeeds; others (the overseer, an
outsider of another agency, the wrong unit, a specialist who is not the assignee, a leader of
another agency...) get PermissionDenied with a Vietnamese message, and nothing changes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import translation

from dossiers.lifecycle import Status
from dossiers.models import (
    ApologyLetter,
    Consultation,
    Document,
    Dossier,
    Event,
    Pause,
    Result,
    StepRun,
    SupplementRequest,
)
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
from tests.personas import actor, applicant, components, local

T0 = local(2026, 11, 2, 9, 0)
T1 = local(2026, 11, 2, 10, 0)
T2 = local(2026, 11, 3, 9, 0)  # when every move under test is attempted
CITIZEN = Actor.applicant("Nguyễn Văn An")
VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯà-ỹÀ-Ỹ]")


def who(ns, name: str) -> Actor:
    if name == "applicant":
        return CITIZEN
    if name == "system":
        return Actor.system()
    return actor(getattr(ns, name))


def fresh(dossier: Dossier | None) -> Dossier | None:
    return Dossier.objects.get(pk=dossier.pk) if dossier else None


# ---------------------------------------------------------------- stages a move starts from


def _received(ns) -> Dossier:
    return receive_dossier(
        actor=actor(ns.officer), procedure=ns.procedure, applicant=applicant(),
        components=components(ns), at=T0,
    )  # fmt: skip


def _submitted(ns) -> Dossier:
    return submit_online(
        actor=CITIZEN, procedure=ns.procedure, applicant=applicant(), receiving_agency=ns.centre,
        components=components(ns), at=T0,
    )  # fmt: skip


def _at_head(ns) -> Dossier:
    dossier = _received(ns)
    hand_over_step(actor=actor(ns.officer), dossier=dossier, at=T1)
    return dossier


def _assigned(ns) -> Dossier:
    dossier = _at_head(ns)
    assign_step(actor=actor(ns.head), dossier=dossier, assignee=ns.specialist, at=T1)
    return dossier


def _at_specialist(ns) -> Dossier:
    dossier = _assigned(ns)
    start_step(actor=actor(ns.specialist), dossier=dossier, at=T1)
    return dossier


def _at_review(ns) -> Dossier:
    dossier = _at_specialist(ns)
    hand_over_step(actor=actor(ns.specialist), dossier=dossier, to=ns.head, at=T1)
    return dossier


def _consulting(ns) -> Dossier:
    dossier = _at_specialist(ns)
    consult_agency(
        actor=actor(ns.specialist), dossier=dossier, agency=ns.other, question="Ý kiến?", at=T1
    )
    return dossier


def _supplement(ns) -> Dossier:
    dossier = _at_specialist(ns)
    request_supplement(
        actor=actor(ns.specialist), dossier=dossier, reason="Thiếu bản vẽ", at=T1,
        items=[{"name": "Bản vẽ", "required_document_id": ns.docs[1].pk}],
    )  # fmt: skip
    return dossier


def _payment(ns) -> Dossier:
    dossier = _at_specialist(ns)
    pause_for_payment(actor=actor(ns.specialist), dossier=dossier, amount=1, reason="Phí", at=T1)
    return dossier


def _result(ns) -> Dossier:
    dossier = _received(ns)
    record_result(actor=actor(ns.leader), dossier=dossier, number="1/GP", at=T1)
    return dossier


STAGES: dict[str, Callable] = {
    "new": lambda ns: None, "submitted": _submitted, "received": _received,
    "at_head": _at_head, "assigned": _assigned, "at_specialist": _at_specialist,
    "at_review": _at_review, "consulting": _consulting, "supplement": _supplement,
    "payment": _payment, "result": _result,
}  # fmt: skip


# ---------------------------------------------------------------- the moves


def _receive_new(ns, dossier, by):
    return receive_dossier(
        actor=by, procedure=ns.procedure, applicant=applicant(2), components=components(ns),
        at=T2,
    )  # fmt: skip


def _answer(ns, dossier, by):
    consultation = Consultation.objects.get(dossier=dossier)
    return answer_consultation(actor=by, consultation=consultation, answer="Đồng ý", at=T2)


def _apology(ns, dossier, by):
    new_due = local(2026, 11, 18, 9, 0)
    return issue_apology(actor=by, dossier=dossier, reason="Chờ", new_due_at=new_due, at=T2)


def _supplied(ns, dossier, by):
    return provide_supplement(actor=by, dossier=dossier, components=[components(ns)[1]], at=T2)


ITEMS = [{"name": "Bản vẽ", "kind": "original", "count": 1}]
MOVES: dict[str, Callable] = {
    "receive_dossier": _receive_new,
    "receive_submitted": lambda ns, d, by: receive_submitted(actor=by, dossier=d, at=T2),
    "guide_supplement": lambda ns, d, by: guide_supplement_at_reception(
        actor=by, dossier=d, items=ITEMS, reason="Thiếu", at=T2),
    "refuse_reception": lambda ns, d, by: refuse_reception(
        actor=by, dossier=d, reason="Sai thủ tục", at=T2),
    "hand_over": lambda ns, d, by: hand_over_step(actor=by, dossier=d, at=T2),
    "assign": lambda ns, d, by: assign_step(
        actor=by, dossier=d, assignee=ns.specialist2, at=T2),
    "start": lambda ns, d, by: start_step(actor=by, dossier=d, at=T2),
    "send_back": lambda ns, d, by: send_back_step(actor=by, dossier=d, reason="Sai", at=T2),
    "consult": lambda ns, d, by: consult_agency(
        actor=by, dossier=d, agency=ns.other, question="Ý kiến?", at=T2),
    "answer": _answer,
    "request_supplement": lambda ns, d, by: request_supplement(
        actor=by, dossier=d, reason="Thiếu", at=T2,
        items=[{"name": "Bản vẽ", "required_document_id": ns.docs[1].pk}]),
    "provide_supplement": _supplied,
    "pause_payment": lambda ns, d, by: pause_for_payment(
        actor=by, dossier=d, amount=10, reason="Phí", at=T2),
    "resume_payment": lambda ns, d, by: resume_after_payment(actor=by, dossier=d, at=T2),
    "apology": _apology,
    "record_result": lambda ns, d, by: record_result(actor=by, dossier=d, at=T2),
    "refuse": lambda ns, d, by: refuse_dossier(actor=by, dossier=d, reason="Sai", at=T2),
    "stop": lambda ns, d, by: stop_processing(actor=by, dossier=d, reason="Dừng", at=T2),
    "withdraw": lambda ns, d, by: withdraw_dossier(actor=by, dossier=d, reason="Rút", at=T2),
    "return_result": lambda ns, d, by: return_result(actor=by, dossier=d, at=T2),
    "transfer": lambda ns, d, by: transfer_dossier(
        actor=by, dossier=d, to_agency=ns.centre, note="Liên thông", at=T2),
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    move: str
    stage: str
    allowed: tuple[str, ...]
    denied: tuple[str, ...]


CASES = [
    Case("receive_dossier", "new", ("officer", "officer2"),
         ("specialist", "overseer", "outsider", "leader")),
    Case("receive_submitted", "submitted", ("officer", "officer2"),
         ("specialist", "head", "overseer", "outsider")),
    Case("guide_supplement", "submitted", ("officer",), ("overseer", "outsider", "leader")),
    Case("refuse_reception", "submitted", ("officer2",), ("overseer", "outsider", "leader")),
    Case("hand_over", "received", ("officer",), ("officer2", "overseer", "outsider", "head")),
    Case("assign", "at_head", ("head", "leader"),
         ("specialist", "overseer", "outsider", "other_leader", "officer")),
    Case("start", "assigned", ("specialist",), ("specialist2", "head", "overseer", "outsider")),
    Case("send_back", "at_specialist", ("specialist",), ("specialist2", "overseer", "leader")),
    Case("consult", "at_specialist", ("specialist",), ("specialist2", "overseer", "outsider")),
    Case("answer", "consulting", ("outsider", "other_leader"),
         ("specialist", "leader", "overseer", "officer")),
    Case("request_supplement", "at_specialist", ("specialist",),
         ("specialist2", "head", "overseer", "outsider")),
    Case("provide_supplement", "supplement", ("officer", "applicant"),
         ("specialist", "overseer", "outsider")),
    Case("pause_payment", "at_specialist", ("specialist",), ("specialist2", "overseer", "head")),
    Case("resume_payment", "payment", ("officer2", "specialist"),
         ("specialist2", "overseer", "outsider", "leader")),
    Case("apology", "at_specialist", ("leader",),
         ("head", "specialist", "overseer", "other_leader", "deputy")),
    Case("record_result", "at_review", ("leader",),
         ("head", "specialist", "overseer", "other_leader", "deputy")),
    Case("refuse", "at_review", ("leader",), ("head", "overseer", "other_leader")),
    Case("stop", "supplement", ("leader",), ("head", "overseer", "other_leader", "officer")),
    Case("withdraw", "at_specialist", ("officer", "applicant"),
         ("specialist", "overseer", "outsider", "system")),
    Case("return_result", "result", ("officer2",),
         ("specialist", "overseer", "outsider", "leader", "system", "applicant")),
    Case("transfer", "at_specialist", ("head", "leader"),
         ("specialist", "overseer", "outsider", "other_leader")),
]  # fmt: skip


def state(dossier: Dossier | None) -> tuple:
    """Everything a move may write, for one dossier (or the whole table before reception)."""
    totals = tuple(
        model.objects.count()
        for model in (Dossier, Event, StepRun, Pause, SupplementRequest, Result, ApologyLetter,
                      Consultation, Document)
    )  # fmt: skip
    if dossier is None:
        return totals
    d = fresh(dossier)
    row = (d.status, d.due_at, d.last_event_seq, d.last_event_hash, d.current_step_id,
           d.finished_at, d.returned_at)  # fmt: skip
    runs = tuple(
        dossier.steps.order_by("id").values_list(
            "id", "assignee", "started_at", "finished_at", "outcome", "due_at"
        )
    )
    asked = tuple(Consultation.objects.filter(dossier=dossier).values_list("answered_at"))
    pauses = tuple(dossier.pauses.order_by("id").values_list("started_at", "ended_at"))
    return totals + row + runs + asked + pauses


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.move)
def test_personas_without_the_right_are_refused_and_nothing_changes(province, case):
    dossier = STAGES[case.stage](province)
    before = state(dossier)
    for name in case.denied:
        with translation.override("vi"), pytest.raises(PermissionDenied) as refused:
            MOVES[case.move](province, fresh(dossier), who(province, name))
        message = str(refused.value)
        assert VIETNAMESE.search(message), (name, message)
        assert state(dossier) == before, name


ALLOWED = [(case, name) for case in CASES for name in case.allowed]


@pytest.mark.parametrize(("case", "name"), ALLOWED, ids=[f"{c.move}-{n}" for c, n in ALLOWED])
def test_the_persona_with_the_right_succeeds(province, case, name):
    dossier = STAGES[case.stage](province)
    before = state(dossier)
    by = who(province, name)
    MOVES[case.move](province, fresh(dossier), by)
    assert state(dossier) != before
    events = Event.objects.filter(dossier=dossier) if dossier else Event.objects.all()
    event = events.order_by("-id").first()
    assert (event.actor_label, event.actor) == (by.label, by.official)


def test_every_move_is_covered():
    assert {c.move for c in CASES} == set(MOVES)


# ---------------------------------------------------------------- who may hold a step


def _run_of(dossier: Dossier) -> StepRun:
    return fresh(dossier).current_step


def test_a_step_cannot_be_assigned_to_an_official_without_the_steps_role(province):
    dossier = _at_head(province)
    before = state(dossier)
    for assignee in (province.overseer, province.head):  # same unit, not a specialist
        with pytest.raises(RuleViolation, match="vai trò “Chuyên viên”"):
            assign_step(actor=actor(province.head), dossier=dossier, assignee=assignee, at=T2)
        assert state(dossier) == before
    with pytest.raises(PermissionDenied):
        start_step(actor=actor(province.overseer), dossier=dossier, at=T2)
    assert state(dossier) == before


@pytest.mark.parametrize("receiver", ["leader", "overseer", "specialist2"])
def test_a_hand_over_goes_to_a_holder_of_the_next_steps_unit_and_role(province, receiver):
    dossier = _at_specialist(province)  # the next step is the review: division, role head
    before = state(dossier)
    with pytest.raises(RuleViolation, match="Xem xét"):
        hand_over_step(
            actor=actor(province.specialist), dossier=dossier, to=getattr(province, receiver),
            at=T2,
        )  # fmt: skip
    assert state(dossier) == before
    run = hand_over_step(actor=actor(province.specialist), dossier=dossier, to=province.head, at=T2)
    assert (run.step.position, run.assignee) == (3, province.head)


def test_a_step_cannot_be_assigned_to_an_official_of_another_unit(province):
    dossier = _at_head(province)
    before = state(dossier)
    for assignee in (province.leader, province.outsider, province.officer):
        with pytest.raises(RuleViolation, match="đơn vị xử lý"):
            assign_step(actor=actor(province.head), dossier=dossier, assignee=assignee, at=T2)
        assert state(dossier) == before
    assert _run_of(dossier).assignee is None


def test_a_hand_over_to_another_agency_is_refused(province):
    dossier = _at_specialist(province)
    before = state(dossier)
    with pytest.raises(RuleViolation, match="cơ quan xử lý bước tiếp theo"):
        hand_over_step(
            actor=actor(province.specialist), dossier=dossier, to=province.outsider, at=T2
        )
    assert state(dossier) == before


def test_an_inactive_official_has_no_right(province):
    dossier = _at_specialist(province)
    province.specialist.is_active = False
    province.specialist.save(update_fields=["is_active"])
    before = state(dossier)
    with pytest.raises(PermissionDenied, match="đang công tác"):
        start_step(actor=actor(province.specialist), dossier=dossier, at=T2)
    assert state(dossier) == before
    assert fresh(dossier).status == Status.PROCESSING


def test_reassignment_takes_the_right_away_from_the_previous_assignee(province):
    dossier = _at_specialist(province)
    assign_step(actor=actor(province.head), dossier=dossier, assignee=province.specialist2, at=T2)
    before = state(dossier)
    with pytest.raises(PermissionDenied, match="người được phân công"):
        hand_over_step(actor=actor(province.specialist), dossier=dossier, at=T2)
    assert state(dossier) == before
    hand_over_step(
        actor=actor(province.specialist2), dossier=dossier, to=province.head,
        at=T2 + dt.timedelta(hours=1),
    )  # fmt: skip
    assert _run_of(dossier).assignee == province.head
