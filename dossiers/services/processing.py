"""Processing moves: assignment, the step hand-overs of the control sheet, consultations,
supplement requests (once per dossier), pauses for financial obligations, transfers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import RequiredDocument
from dossiers.lifecycle import Move, Status
from dossiers.models import Consultation, Document, Dossier, Pause, StepRun, SupplementRequest
from dossiers.models.work import StepRun as Run
from dossiers.services import steps
from dossiers.services.core import (
    Actor,
    PermissionDenied,
    RuleViolation,
    append_event,
    compute_due,
    items_payload,
    legal_unit,
    lock,
    next_status,
    now_or,
    paused_amount,
    require_official,
    require_role,
    save_changed,
    work_calendar,
)
from dossiers.services.reception import (
    ComponentData,
    inspect_components,
    next_code,
    process_for,
    save_components,
)
from notifications.services import notify_applicant, notify_officials
from org.models import Agency, Official, Role
from workdays import clock

SUPPLEMENT_RULE = _(
    "Theo Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP), cơ quan chỉ được yêu "
    "cầu bổ sung hồ sơ một lần, nêu đầy đủ mọi giấy tờ cần bổ sung."
)


def _require_assignee(actor: Actor, run: StepRun) -> Official:
    official = require_official(actor)
    if run.assignee_id != official.pk:
        raise PermissionDenied(_("Chỉ người được phân công bước này mới thực hiện được."))
    return official


def _require_status(dossier: Dossier, move: Move) -> str:
    before = dossier.status
    dossier.status = next_status(dossier, move)
    return before


@transaction.atomic
def assign_step(
    *, actor: Actor, dossier: Dossier, assignee: Official, at: dt.datetime | None = None
) -> StepRun:
    """A head assigns (or reassigns) the open step to an official of that step's unit."""
    at = now_or(at)
    dossier = lock(dossier)
    run = steps.require_current(dossier)
    head = require_official(actor)
    roles = head.role_codes()
    same_unit = head.unit_id == run.unit_id and Role.HEAD in roles
    agency_leader = head.unit.agency_id == run.agency_id and Role.LEADER in roles
    if not (same_unit or agency_leader):
        raise PermissionDenied(_("Chỉ trưởng đơn vị xử lý bước này mới phân công được."))
    steps.check_can_take(assignee, run.step, run.unit)
    before = _require_status(dossier, Move.ASSIGN)
    previous = run.assignee
    run.assignee, run.assigned_by, run.assigned_at, run.started_at = assignee, head, at, None
    run.save(update_fields=["assignee", "assigned_by", "assigned_at", "started_at"])
    append_event(
        dossier, move=Move.ASSIGN, actor=actor, at=at, before=before,
        data={"step": run.step.position, "assignee": assignee.pk,
              "assignee_name": str(assignee), "previous": previous.pk if previous else None},
    )  # fmt: skip
    save_changed(dossier, "status", *dossier.copy_current_step())
    return run


@transaction.atomic
def start_step(*, actor: Actor, dossier: Dossier, at: dt.datetime | None = None) -> StepRun:
    at = now_or(at)
    dossier = lock(dossier)
    run = steps.require_current(dossier)
    _require_assignee(actor, run)
    before = _require_status(dossier, Move.START_STEP)
    run.started_at = at
    run.save(update_fields=["started_at"])
    append_event(
        dossier, move=Move.START_STEP, actor=actor, at=at, before=before,
        data={"step": run.step.position},
    )  # fmt: skip
    save_changed(dossier, "status")
    return run


@transaction.atomic
def hand_over_step(
    *, actor: Actor, dossier: Dossier, to: Official | None = None, note: str = "",
    at: dt.datetime | None = None,
) -> StepRun:  # fmt: skip
    """Finish the open step and pass the dossier to the next one (one control-sheet row)."""
    at = now_or(at)
    dossier = lock(dossier)
    run = steps.require_current(dossier)
    giver = _require_assignee(actor, run)
    following = steps.step_after(dossier, run, +1)
    if following is None or following == steps.return_step(dossier):
        raise RuleViolation(_("Đây là bước cuối: hãy ghi nhận kết quả thay vì chuyển tiếp."))
    if to is not None:
        unit = steps.unit_of_step(dossier, following)
        if to.unit.agency_id != unit.agency_id:
            raise RuleViolation(_("Người nhận phải thuộc cơ quan xử lý bước tiếp theo."))
        steps.check_can_take(to, following, unit)
    before = _require_status(dossier, Move.HAND_OVER)
    steps.close_run(run, at, Run.Outcome.HANDED_OVER, note, dossier=dossier)
    new_run = steps.open_step(dossier, following, at, to)
    append_event(
        dossier, move=Move.HAND_OVER, actor=actor, at=at, before=before, note=note,
        data={"from_step": run.step.position, "to_step": following.position,
              "giver": str(giver), "receiver": str(to) if to else "",
              "to_unit": str(new_run.unit), "timeliness": run.timeliness},
    )  # fmt: skip
    save_changed(dossier, "status", "current_step")
    if to is None:
        notify_officials(dossier, _heads_of(new_run), "step_arrived")
    return new_run


def _heads_of(run: StepRun) -> list[Official]:
    return list(
        Official.objects.filter(unit=run.unit, roles__role=Role.HEAD, is_active=True).distinct()
    )


@transaction.atomic
def send_back_step(
    *, actor: Actor, dossier: Dossier, reason: str, at: dt.datetime | None = None
) -> StepRun:
    """Return the dossier to the previous step, with the reason, to whoever handled it."""
    at = now_or(at)
    dossier = lock(dossier)
    run = steps.require_current(dossier)
    _require_assignee(actor, run)
    previous = steps.step_after(dossier, run, -1)
    if previous is None:
        raise RuleViolation(_("Bước đầu tiên không có bước trước để trả lại."))
    if not reason.strip():
        raise RuleViolation(_("Phải nêu lý do trả lại."))
    before = _require_status(dossier, Move.SEND_BACK)
    steps.close_run(run, at, Run.Outcome.SENT_BACK, reason, dossier=dossier)
    new_run = steps.open_step(dossier, previous, at, steps.last_assignee(dossier, previous))
    append_event(
        dossier, move=Move.SEND_BACK, actor=actor, at=at, before=before, note=reason,
        data={"from_step": run.step.position, "to_step": previous.position},
    )  # fmt: skip
    save_changed(dossier, "status", "current_step")
    return new_run


@transaction.atomic
def consult_agency(
    *, actor: Actor, dossier: Dossier, agency: Agency, question: str,
    at: dt.datetime | None = None,
) -> Consultation:  # fmt: skip
    """Ask another agency's opinion in parallel; processing goes on meanwhile."""
    at = now_or(at)
    dossier = lock(dossier)
    asker = _require_assignee(actor, steps.require_current(dossier))
    if agency.pk == dossier.processing_agency_id:
        raise RuleViolation(_("Chỉ xin ý kiến cơ quan khác."))
    if not question.strip():
        raise RuleViolation(_("Phải nêu nội dung xin ý kiến."))
    before = _require_status(dossier, Move.CONSULT)
    days = settings.MOTCUA["CONSULTATION_WORKING_DAYS"]
    due = clock.add_working(work_calendar(agency), at, days)
    consultation = Consultation.objects.create(
        dossier=dossier, agency=agency, question=question, asked_by=asker, asked_at=at,
        due_at=due,
    )  # fmt: skip
    append_event(
        dossier, move=Move.CONSULT, actor=actor, at=at, before=before, note=question,
        data={"consultation": consultation.pk, "agency": agency.name, "due_at": due.isoformat()},
    )  # fmt: skip
    save_changed(dossier, "status")
    return consultation


@transaction.atomic
def answer_consultation(
    *, actor: Actor, consultation: Consultation, answer: str, at: dt.datetime | None = None
) -> Consultation:
    at = now_or(at)
    dossier = lock(consultation.dossier_id)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    official = require_official(actor)
    roles = official.role_codes()
    if official.unit.agency_id != consultation.agency_id or not roles & {
        Role.SPECIALIST,
        Role.HEAD,
        Role.LEADER,
    }:
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan được xin ý kiến mới trả lời được."))
    if consultation.answered_at is not None:
        raise RuleViolation(_("Đã trả lời xin ý kiến này."))
    if not answer.strip():
        raise RuleViolation(_("Phải có nội dung trả lời."))
    before = _require_status(dossier, Move.ANSWER_CONSULTATION)
    consultation.answer, consultation.answered_by, consultation.answered_at = answer, official, at
    consultation.save(update_fields=["answer", "answered_by", "answered_at"])
    append_event(
        dossier, move=Move.ANSWER_CONSULTATION, actor=actor, at=at, before=before, note=answer,
        data={"consultation": consultation.pk, "late": at > consultation.due_at},
    )  # fmt: skip
    save_changed(dossier, "status")
    return consultation


def _check_items(dossier: Dossier, items: list[dict]) -> bool:
    """True when an item is outside the published components (each needs its own reason)."""
    published = set(
        RequiredDocument.objects.filter(procedure=dossier.procedure).values_list("pk", flat=True)
    )
    off_list = False
    for item in items:
        if item.get("required_document_id") in published:
            continue
        off_list = True
        if not str(item.get("reason") or "").strip():
            raise RuleViolation(
                _("Giấy tờ “%(name)s” không có trong thành phần hồ sơ đã công bố: phải nêu lý do.")
                % {"name": item.get("name", "")}
            )
    return off_list


@transaction.atomic
def request_supplement(
    *, actor: Actor, dossier: Dossier, items: list[dict], reason: str,
    at: dt.datetime | None = None,
) -> SupplementRequest:  # fmt: skip
    """Ask once for every missing item; the legal clock stops until the complete supplement."""
    at = now_or(at)
    dossier = lock(dossier)
    official = _require_assignee(actor, steps.require_current(dossier))
    if SupplementRequest.objects.filter(dossier=dossier).exists():
        raise RuleViolation(_("Hồ sơ đã được yêu cầu bổ sung một lần.") + " " + SUPPLEMENT_RULE)
    if not items or not reason.strip():
        raise RuleViolation(_("Phải liệt kê giấy tờ cần bổ sung và nêu lý do."))
    off_list = _check_items(dossier, items)
    before = _require_status(dossier, Move.REQUEST_SUPPLEMENT)
    payload = items_payload(items)
    request = SupplementRequest.objects.create(
        dossier=dossier, stage=SupplementRequest.Stage.PROCESSING, items=payload, reason=reason,
        off_list=off_list, requested_by=official, requested_at=at,
    )  # fmt: skip
    Pause.objects.create(dossier=dossier, kind=Pause.Kind.SUPPLEMENT, reason=reason, started_at=at)
    event = append_event(
        dossier, move=Move.REQUEST_SUPPLEMENT, actor=actor, at=at, before=before, note=reason,
        data={"items": payload, "off_list": off_list},
    )  # fmt: skip
    save_changed(dossier, "status")
    notify_applicant(event)
    return request


def _end_pause(dossier: Dossier, kind: str, at: dt.datetime) -> None:
    """Close the open pause and move the dossier's and the open step's due moments."""
    pause = dossier.pauses.filter(kind=kind, ended_at__isnull=True).order_by("-started_at").first()
    if pause is None:
        raise RuleViolation(_("Không có khoảng tạm dừng nào đang mở."))
    pause.ended_at = at
    pause.save(update_fields=["ended_at"])
    unit = legal_unit(dossier)
    dossier.due_at, dossier.warned_at = compute_due(dossier), None
    amount = paused_amount(work_calendar(dossier.processing_agency), [pause], unit)
    steps.shift_current_step(dossier, amount, unit)


@transaction.atomic
def provide_supplement(
    *, actor: Actor, dossier: Dossier, components: list[ComponentData],
    at: dt.datetime | None = None,
) -> Dossier:  # fmt: skip
    """The complete supplement arrives (at the counter or online): the clock runs again."""
    at = now_or(at)
    dossier = lock(dossier)
    officer = None
    if actor.official is not None:
        officer = require_role(actor, Role.COUNTER_OFFICER, dossier.receiving_agency)
    elif actor.role != "applicant":
        raise PermissionDenied(_("Chỉ người nộp hồ sơ hoặc bộ phận một cửa mới nộp bổ sung."))
    supplement = getattr(dossier, "supplement", None)
    if supplement is None or supplement.stage != SupplementRequest.Stage.PROCESSING:
        raise RuleViolation(_("Hồ sơ không có yêu cầu bổ sung trong quá trình giải quyết."))
    if not components:
        raise RuleViolation(_("Chưa có giấy tờ bổ sung nào."))
    before = _require_status(dossier, Move.SUPPLEMENT_PROVIDED)
    inspect_components(components)
    save_components(dossier, components, Document.Role.SUPPLEMENT, officer, at)
    supplement.fulfilled_at = at
    supplement.save(update_fields=["fulfilled_at"])
    _end_pause(dossier, Pause.Kind.SUPPLEMENT, at)
    append_event(
        dossier, move=Move.SUPPLEMENT_PROVIDED, actor=actor, at=at, before=before,
        data={"documents": len(components), "due_at": dossier.due_at.isoformat()},
    )  # fmt: skip
    save_changed(dossier, "status", "due_at", "warned_at")
    return dossier


# The largest financial obligation the back office records: 999,999,999,999,999 đồng. No fee,
# tax or land levy of a single dossier comes near it; a larger number is a typing slip (or a
# forged form) that the applicant would be told to pay.
MAX_PAYMENT = 10**15 - 1


@transaction.atomic
def pause_for_payment(
    *, actor: Actor, dossier: Dossier, amount: int, reason: str, at: dt.datetime | None = None
) -> Pause:
    """The applicant must pay a financial obligation first; the clock stops meanwhile."""
    at = now_or(at)
    dossier = lock(dossier)
    _require_assignee(actor, steps.require_current(dossier))
    if amount <= 0 or not reason.strip():
        raise RuleViolation(_("Phải nêu số tiền và căn cứ của nghĩa vụ tài chính."))
    if amount > MAX_PAYMENT:
        raise RuleViolation(_("Số tiền quá lớn: hãy kiểm tra lại số đã nhập."))
    before = _require_status(dossier, Move.PAUSE_FOR_PAYMENT)
    pause = Pause.objects.create(
        dossier=dossier, kind=Pause.Kind.PAYMENT, reason=reason, started_at=at
    )
    event = append_event(
        dossier, move=Move.PAUSE_FOR_PAYMENT, actor=actor, at=at, before=before, note=reason,
        data={"amount": amount},
    )  # fmt: skip
    save_changed(dossier, "status")
    notify_applicant(event)
    return pause


@transaction.atomic
def resume_after_payment(
    *, actor: Actor, dossier: Dossier, note: str = "", at: dt.datetime | None = None
) -> Dossier:
    at = now_or(at)
    dossier = lock(dossier)
    official = require_official(actor)
    run = dossier.current_step
    is_counter = Role.COUNTER_OFFICER in official.role_codes() and (
        official.unit.agency_id == dossier.receiving_agency_id
    )
    if not (is_counter or (run is not None and run.assignee_id == official.pk)):
        raise PermissionDenied(_("Chỉ bộ phận một cửa hoặc người xử lý mới xác nhận được."))
    before = _require_status(dossier, Move.RESUME_AFTER_PAYMENT)
    _end_pause(dossier, Pause.Kind.PAYMENT, at)
    append_event(
        dossier, move=Move.RESUME_AFTER_PAYMENT, actor=actor, at=at, before=before, note=note,
        data={"due_at": dossier.due_at.isoformat()},
    )  # fmt: skip
    save_changed(dossier, "status", "due_at", "warned_at")
    return dossier


@transaction.atomic
def transfer_dossier(
    *, actor: Actor, dossier: Dossier, to_agency: Agency, note: str,
    at: dt.datetime | None = None,
) -> Dossier:  # fmt: skip
    """Liên thông: the other agency receives it with its own code and clock; this one keeps
    the link and stays in processing until that agency's answer comes back."""
    at = now_or(at)
    dossier = lock(dossier)
    official = require_official(actor)
    roles = official.role_codes()
    if official.unit.agency_id != dossier.processing_agency_id or not roles & {
        Role.HEAD,
        Role.LEADER,
    }:
        raise PermissionDenied(
            _("Chỉ lãnh đạo, trưởng đơn vị của cơ quan giải quyết mới chuyển được.")
        )
    if to_agency.pk == dossier.processing_agency_id:
        raise RuleViolation(_("Phải chuyển sang cơ quan khác."))
    before = _require_status(dossier, Move.TRANSFER)
    child = _transfer_child(dossier, to_agency, at)
    append_event(
        dossier, move=Move.TRANSFER, actor=actor, at=at, before=before, note=note,
        data={"to_agency": to_agency.name, "child": child.code},
    )  # fmt: skip
    save_changed(dossier, "status")
    append_event(
        child, move=Move.TRANSFER, actor=actor, at=at, before="", note=note,
        data={"from": dossier.code, "due_at": child.due_at.isoformat()},
    )  # fmt: skip
    save_changed(child, "due_at", "original_due_at", "clock_start", "current_step")
    return child


def _transfer_child(dossier: Dossier, to_agency: Agency, at: dt.datetime) -> Dossier:
    child = Dossier.objects.create(
        code=next_code(to_agency, timezone.localdate(at)), procedure=dossier.procedure,
        process=process_for(dossier.procedure, to_agency), receiving_agency=to_agency,
        processing_agency=to_agency, applicant=dossier.applicant, channel=dossier.channel,
        delivery=dossier.delivery, status=next_status(None, Move.TRANSFER),
        transferred_from=dossier, received_at=at,
    )  # fmt: skip
    cal = work_calendar(to_agency)
    child.clock_start = clock.normalise_reception(cal, at)
    child.due_at = child.original_due_at = compute_due(child)
    steps.open_first_step(child, None, at)
    return child


__all__ = ["Status"]
