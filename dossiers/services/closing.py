"""Closing moves: result (approval or reasoned refusal), apology with a new date (Form 04),
stopping, withdrawal, and handing the result back."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.lifecycle import Move, Status
from dossiers.models import ApologyLetter, Document, Dossier, Pause, Result
from dossiers.models.dossier import Delivery
from dossiers.models.work import StepRun
from dossiers.services import steps
from dossiers.services.core import (
    Actor,
    PermissionDenied,
    RuleViolation,
    append_event,
    compute_due,
    is_working_moment,
    leader_or_delegate,
    lock,
    next_status,
    now_or,
    require_role,
    save_changed,
    work_calendar,
)
from dossiers.services.reception import ComponentData, inspect_components, save_components
from motcua.params import day_outside
from notifications.services import notify_applicant
from org.models import Role


def _close_pauses(dossier: Dossier, at: dt.datetime) -> list[str]:
    """End open pauses; the due moment follows (it stays equal to compute_due). Returns the
    dossier fields that changed."""
    if not dossier.pauses.filter(ended_at__isnull=True).update(ended_at=at):
        return []
    if dossier.clock_start is None:
        return []
    dossier.due_at = compute_due(dossier)
    return ["due_at"]


def _interrupt_step(dossier: Dossier, at: dt.datetime, outcome: str) -> None:
    run = steps.current_run(dossier)
    if run is not None and run.finished_at is None:
        steps.close_run(run, at, outcome, dossier=dossier)


def _finish_processing(dossier: Dossier, at: dt.datetime) -> None:
    """Processing is done: close the open step and open the counter's return step, if any."""
    _interrupt_step(dossier, at, StepRun.Outcome.FINISHED)
    dossier.finished_at = at
    final = steps.return_step(dossier)
    if final is None:
        dossier.current_step = None
        return
    steps.open_step(dossier, final, at)


def _signer(actor: Actor, dossier: Dossier, at: dt.datetime):
    return leader_or_delegate(
        actor, dossier.processing_agency, dossier.procedure_id, timezone.localdate(at)
    )


def _conclude(
    dossier: Dossier, *, move: Move, actor: Actor, at: dt.datetime, before: str, signer,
    behalf, outcome: str, issued_on: dt.date, note: str, number: str = "",
    data: dict | None = None,
) -> Result:  # fmt: skip
    """What a signed result and a reasoned refusal share: the Result row, the end of
    processing (and the counter's return step), the event and the applicant's notification."""
    result = Result.objects.create(
        dossier=dossier, outcome=outcome, number=number, issued_on=issued_on, signer=signer,
        on_behalf_of=behalf, reason=note, recorded_at=at,
    )  # fmt: skip
    _finish_processing(dossier, at)
    event = append_event(
        dossier, move=move, actor=actor, at=at, before=before, on_behalf_of=behalf, note=note,
        data=data,
    )  # fmt: skip
    save_changed(dossier, "status", "finished_at", "current_step")
    notify_applicant(event)
    return result


@transaction.atomic
def record_result(
    *, actor: Actor, dossier: Dossier, number: str = "", issued_on: dt.date | None = None,
    files: list[ComponentData] | None = None, note: str = "", at: dt.datetime | None = None,
) -> Result:  # fmt: skip
    """A leader (or a delegate) signs the result; the electronic result is stored (B9)."""
    at = now_or(at)
    dossier = lock(dossier)
    signer, behalf = _signer(actor, dossier, at)
    before = dossier.status
    dossier.status = next_status(dossier, Move.RECORD_RESULT)
    _check_issued_on(dossier, issued_on, at)
    files = files or []
    inspect_components(files)
    save_components(dossier, files, Document.Role.RESULT, signer, at)
    return _conclude(
        dossier, move=Move.RECORD_RESULT, actor=actor, at=at, before=before, signer=signer,
        behalf=behalf, outcome=Result.Outcome.APPROVED, number=number,
        issued_on=issued_on or timezone.localdate(at), note=note,
        data={"number": number, "late": at > dossier.due_at, "files": len(files)},
    )  # fmt: skip


def _check_issued_on(dossier: Dossier, issued_on: dt.date | None, at: dt.datetime) -> None:
    """A result is signed while the dossier is being handled: not before the day it was
    received (or submitted), and not after today. A date outside is a typing slip that would
    be printed on the result and counted in the statistics."""
    if issued_on is None:
        return
    first = timezone.localdate(dossier.received_at or dossier.submitted_at or at)
    today = timezone.localdate(at)
    if not first <= issued_on <= today:
        raise RuleViolation(
            _("Ngày ký kết quả phải từ %(first)s (ngày tiếp nhận hồ sơ) đến %(today)s.")
            % {"first": first.strftime("%d/%m/%Y"), "today": today.strftime("%d/%m/%Y")}
        )


@transaction.atomic
def refuse_dossier(
    *, actor: Actor, dossier: Dossier, reason: str, at: dt.datetime | None = None
) -> Result:
    """A reasoned refusal after processing: it is the result the applicant receives."""
    at = now_or(at)
    dossier = lock(dossier)
    signer, behalf = _signer(actor, dossier, at)
    if not reason.strip():
        raise RuleViolation(_("Phải nêu rõ lý do từ chối giải quyết."))
    before = dossier.status
    dossier.status = next_status(dossier, Move.REFUSE)
    return _conclude(
        dossier, move=Move.REFUSE, actor=actor, at=at, before=before, signer=signer,
        behalf=behalf, outcome=Result.Outcome.REFUSED, issued_on=timezone.localdate(at),
        note=reason,
    )  # fmt: skip


@transaction.atomic
def stop_processing(
    *, actor: Actor, dossier: Dossier, reason: str, at: dt.datetime | None = None
) -> Dossier:
    """Stop processing with a notice (2025 Form 05), signed by a leader or a delegate."""
    at = now_or(at)
    dossier = lock(dossier)
    behalf = _signer(actor, dossier, at)[1]
    if not reason.strip():
        raise RuleViolation(_("Phải nêu lý do dừng xử lý."))
    before = dossier.status
    dossier.status = next_status(dossier, Move.STOP)
    changed = _close_pauses(dossier, at)
    _interrupt_step(dossier, at, StepRun.Outcome.INTERRUPTED)
    dossier.finished_at, dossier.current_step = at, None
    event = append_event(
        dossier, move=Move.STOP, actor=actor, at=at, before=before, on_behalf_of=behalf,
        note=reason,
    )  # fmt: skip
    save_changed(dossier, "status", "finished_at", "current_step", *changed)
    notify_applicant(event)
    return dossier


@transaction.atomic
def withdraw_dossier(
    *, actor: Actor, dossier: Dossier, reason: str, at: dt.datetime | None = None
) -> Dossier:
    """At the applicant's request: on the portal by the applicant, or at the counter."""
    at = now_or(at)
    dossier = lock(dossier)
    if actor.official is not None:
        require_role(actor, Role.COUNTER_OFFICER, dossier.receiving_agency)
    elif actor.role != "applicant":
        raise PermissionDenied(_("Chỉ người nộp hồ sơ mới rút được hồ sơ."))
    before = dossier.status
    dossier.status = next_status(dossier, Move.WITHDRAW)
    changed = _close_pauses(dossier, at)
    _interrupt_step(dossier, at, StepRun.Outcome.INTERRUPTED)
    dossier.finished_at, dossier.current_step = at, None
    event = append_event(
        dossier, move=Move.WITHDRAW, actor=actor, at=at, before=before, note=reason
    )
    save_changed(dossier, "status", "finished_at", "current_step", *changed)
    notify_applicant(event)
    return dossier


@transaction.atomic
def issue_apology(
    *, actor: Actor, dossier: Dossier, reason: str, new_due_at: dt.datetime,
    at: dt.datetime | None = None,
) -> ApologyLetter:  # fmt: skip
    """Form 04: the head of the processing agency apologises and sets a new date."""
    at = now_or(at)
    dossier = lock(dossier)
    signer, behalf = _signer(actor, dossier, at)
    if not reason.strip():
        raise RuleViolation(_("Phải nêu lý do quá hạn."))
    if dossier.due_at is None or new_due_at <= max(dossier.due_at, at):
        raise RuleViolation(_("Ngày hẹn mới phải sau hạn hiện tại và sau thời điểm này."))
    if problem := day_outside(timezone.localdate(new_due_at)):
        raise RuleViolation(problem)
    if not is_working_moment(work_calendar(dossier.processing_agency), new_due_at):
        raise RuleViolation(_("Ngày hẹn mới phải rơi vào giờ làm việc của một ngày làm việc."))
    before = dossier.status
    dossier.status = next_status(dossier, Move.APOLOGISE)
    letter = ApologyLetter.objects.create(
        dossier=dossier, reason=reason, old_due_at=dossier.due_at, new_due_at=new_due_at,
        signed_by=signer, issued_at=at,
    )  # fmt: skip
    old = dossier.due_at
    dossier.due_at, dossier.warned_at = new_due_at, None
    event = append_event(
        dossier, move=Move.APOLOGISE, actor=actor, at=at, before=before, on_behalf_of=behalf,
        note=reason, data={"old_due_at": old.isoformat(), "new_due_at": new_due_at.isoformat()},
    )  # fmt: skip
    save_changed(dossier, "status", "due_at", "warned_at")
    notify_applicant(event)
    return letter


@transaction.atomic
def return_result(
    *, actor: Actor, dossier: Dossier, channel: str = Delivery.COUNTER,
    post_tracking: str = "", at: dt.datetime | None = None,
) -> Dossier:  # fmt: skip
    """Hand the result back; a late dossier needs its apology (Form 04) first."""
    at = now_or(at)
    dossier = lock(dossier)
    official = None
    if channel == Delivery.ONLINE and actor.role == "system":
        pass
    else:
        official = require_role(actor, Role.COUNTER_OFFICER, dossier.receiving_agency)
    before = dossier.status
    dossier.status = next_status(dossier, Move.RETURN_RESULT)
    if dossier.finished_at and dossier.finished_at > dossier.due_at:
        raise RuleViolation(
            _("Hồ sơ trễ hạn: phải có thư xin lỗi và hẹn lại (Mẫu 04) trước khi trả kết quả.")
        )
    if channel == Delivery.POST and not post_tracking.strip():
        raise RuleViolation(_("Trả qua bưu chính phải có số vận đơn."))
    run = steps.current_run(dossier)
    if run is not None and run.finished_at is None:
        taken: tuple[str, ...] = ()
        if official is not None and run.assignee_id is None:
            run.assignee, run.assigned_at, run.started_at = official, at, at
            taken = ("assignee", "assigned_at", "started_at")
        steps.close_run(run, at, StepRun.Outcome.FINISHED, dossier=dossier, also=taken)
    dossier.returned_at, dossier.return_channel = at, channel
    dossier.post_tracking, dossier.current_step = post_tracking, None
    event = append_event(
        dossier, move=Move.RETURN_RESULT, actor=actor, at=at, before=before,
        data={"channel": channel, "post_tracking": post_tracking},
    )  # fmt: skip
    save_changed(
        dossier, "status", "returned_at", "return_channel", "post_tracking", "current_step"
    )
    notify_applicant(event)
    return dossier


__all__ = ["Pause", "Status"]
