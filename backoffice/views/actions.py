"""The step actions of the dossier page: which ones a user may take now, and their endpoints.

Each action names its lifecycle move, the form of its input and the service that makes it.
Which forms the page shows ("may take now") is worked out from the lifecycle table
(`dossiers.lifecycle.MOVES`), the dossier's status, its open step run and the user's roles;
it only decides what to offer. On POST the service checks everything again and is the judge:
its refusal (a `DossierError`) comes back as a message next to the kept input, never a 500.

POST /can-bo/ho-so/<code>/<action>/ answers:
- 302 back to the dossier page with a success message (post/redirect/get);
- 400 with the form and its errors (bad input, or a rule refused the move);
- 403 when the service refuses the user the move, or the user only reads (overseers);
- 404 for an unknown action, and the same 404 for an unknown or forbidden dossier.
The error pages show the dossier's code and procedure, not the applicant, so a refused request
writes no access-log row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from access.decorators import official_required
from access.scope import dossier_or_404, may_act_on
from backoffice import forms_desk as f
from catalog.models import ProcessStep, RequiredDocument
from dossiers.lifecycle import MOVES, Move, Status
from dossiers.models import Consultation, Dossier, StepRun, SupplementRequest
from dossiers.services import (
    Actor,
    DossierError,
    PermissionDenied,
    answer_consultation,
    assign_step,
    consult_agency,
    hand_over_step,
    issue_apology,
    pause_for_payment,
    provide_supplement,
    record_result,
    refuse_dossier,
    request_supplement,
    resume_after_payment,
    return_result,
    send_back_step,
    start_step,
    stop_processing,
    transfer_dossier,
    withdraw_dossier,
)
from dossiers.services import steps as step_runs
from dossiers.services.core import leader_or_delegate
from org.models import Agency, Official, OrgUnit, Role

ANSWERING_ROLES = (Role.SPECIALIST, Role.HEAD, Role.LEADER)


@dataclass
class Desk:
    """Who looks at which dossier now: what the page and the actions decide from."""

    official: Official
    dossier: Dossier
    may_act: bool

    @classmethod
    def load(cls, official: Official, code: str) -> Desk:
        """The dossier if `official` may read it (else the same 404 as unknown), with the rows
        the page and the actions need."""
        readable = dossier_or_404(official, code)
        dossier = Dossier.objects.select_related(
            "procedure", "applicant", "receiving_agency", "processing_agency", "process",
            "current_step__step", "current_step__unit__agency", "current_step__assignee__user",
        ).get(pk=readable.pk)  # fmt: skip
        return cls(official=official, dossier=dossier, may_act=may_act_on(official, dossier))

    @cached_property
    def roles(self) -> set[str]:
        return self.official.role_codes()

    @cached_property
    def run(self) -> StepRun | None:
        """The open step run, if the dossier is in a step."""
        run = self.dossier.current_step
        return run if run is not None and run.finished_at is None else None

    @property
    def holds_step(self) -> bool:
        return self.run is not None and self.run.assignee_id == self.official.pk

    @property
    def at_counter(self) -> bool:
        """A counter officer of the agency that received the dossier."""
        return (
            Role.COUNTER_OFFICER in self.roles
            and self.official.unit.agency_id == self.dossier.receiving_agency_id
        )

    @cached_property
    def may_sign(self) -> bool:
        """A leader of the processing agency, or a delegate of one today (B8): the service's
        own check, asked without making a move."""
        try:
            leader_or_delegate(
                self.actor(Role.LEADER), self.dossier.processing_agency,
                self.dossier.procedure_id, timezone.localdate(),
            )  # fmt: skip
        except PermissionDenied:
            return False
        return True

    @cached_property
    def next_step(self) -> ProcessStep | None:
        """The step a hand-over leads to (None at the last processing step)."""
        if self.run is None:
            return None
        following = step_runs.step_after(self.dossier, self.run, +1)
        if following is None or following == step_runs.return_step(self.dossier):
            return None
        return following

    @cached_property
    def previous_step(self) -> ProcessStep | None:
        return step_runs.step_after(self.dossier, self.run, -1) if self.run else None

    @cached_property
    def supplement(self) -> SupplementRequest | None:
        return SupplementRequest.objects.filter(dossier=self.dossier).first()

    def open_consultations(self) -> QuerySet[Consultation]:
        """Consultations of this dossier waiting for an answer from the user's agency."""
        return self.dossier.consultations.filter(
            agency_id=self.official.unit.agency_id, answered_at__isnull=True
        ).order_by("asked_at")

    def other_agencies(self) -> QuerySet[Agency]:
        return Agency.objects.exclude(pk=self.dossier.processing_agency_id).order_by("name")

    def actor(self, *preferred: str) -> Actor:
        """The user as actor, in the first preferred role they hold (recorded on the event)."""
        role = next((r for r in preferred if r in self.roles), None)
        return Actor.official_as(self.official, role or min(self.roles, default=""))

    def step_actor(self) -> Actor:
        return self.actor(self.run.step.role if self.run else "")


def takers(step: ProcessStep, unit: OrgUnit) -> QuerySet[Official]:
    """Who may hold `step`: active officials of its unit with its role, with their load."""
    return (
        Official.objects.filter(unit=unit, is_active=True, roles__role=step.role)
        .select_related("user")
        .annotate(
            open_runs=Count(
                "step_runs", filter=Q(step_runs__finished_at__isnull=True), distinct=True
            )
        )
        .order_by("user__first_name", "user__last_name", "pk")
    )


# ---------------------------------------------------------------- the actions


class Action:
    """One move offered on the dossier page: when to offer it, its form, the service call."""

    slug: ClassVar[str]
    move: ClassVar[Move]
    label: ClassVar[str]
    done: ClassVar[str]
    form_class: ClassVar[type[forms.Form]] = f.EmptyForm
    # Ends or turns the dossier away: shown apart, after the everyday actions.
    final: ClassVar[bool] = False

    def shown(self, desk: Desk) -> bool:
        allowed = (Status(desk.dossier.status), self.move) in MOVES
        return desk.may_act and allowed and self.fits(desk)

    def fits(self, desk: Desk) -> bool:
        return True

    def title(self, desk: Desk) -> str:
        return self.label

    def form_kwargs(self, desk: Desk) -> dict:
        return {}

    def form(self, desk: Desk, data=None, files=None) -> forms.Form:
        return self.form_class(data, files, prefix=self.slug, **self.form_kwargs(desk))

    def perform(self, desk: Desk, form: forms.Form) -> None:
        raise NotImplementedError


class Assign(Action):
    slug, move = "phan-cong", Move.ASSIGN
    label, done = _("Phân công xử lý"), _("Đã phân công xử lý.")
    form_class = f.AssignForm

    def fits(self, desk: Desk) -> bool:
        run = desk.run
        if run is None:
            return False
        head_here = Role.HEAD in desk.roles and desk.official.unit_id == run.unit_id
        leader_here = Role.LEADER in desk.roles and desk.official.unit.agency_id == run.agency_id
        return head_here or leader_here

    def title(self, desk: Desk) -> str:
        return _("Phân công lại") if desk.run and desk.run.assignee_id else self.label

    def form_kwargs(self, desk: Desk) -> dict:
        run = desk.run
        return {"candidates": takers(run.step, run.unit) if run else Official.objects.none()}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        assignee = form.cleaned_data["assignee"]
        assign_step(actor=desk.actor(Role.HEAD, Role.LEADER), dossier=desk.dossier,
                    assignee=assignee)  # fmt: skip


class Start(Action):
    slug, move = "bat-dau", Move.START_STEP
    label, done = _("Nhận xử lý bước này"), _("Đã bắt đầu xử lý bước.")

    def fits(self, desk: Desk) -> bool:
        return desk.holds_step and desk.run.started_at is None

    def perform(self, desk: Desk, form: forms.Form) -> None:
        start_step(actor=desk.step_actor(), dossier=desk.dossier)


class HandOver(Action):
    slug, move = "chuyen-buoc", Move.HAND_OVER
    label, done = _("Chuyển bước tiếp theo"), _("Đã chuyển hồ sơ sang bước tiếp theo.")
    form_class = f.HandOverForm

    def fits(self, desk: Desk) -> bool:
        return desk.holds_step and desk.next_step is not None

    def title(self, desk: Desk) -> str:
        if desk.next_step is None:
            return self.label
        return _("Chuyển bước tiếp theo: %(step)s") % {"step": desk.next_step.name}

    def form_kwargs(self, desk: Desk) -> dict:
        following = desk.next_step
        if following is None:
            return {"candidates": Official.objects.none()}
        try:
            unit = step_runs.unit_of_step(desk.dossier, following)
        except DossierError:
            return {"candidates": Official.objects.none()}
        return {"candidates": takers(following, unit)}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        data = form.cleaned_data
        hand_over_step(actor=desk.step_actor(), dossier=desk.dossier, to=data["to"],
                       note=data["note"])  # fmt: skip


class SendBack(Action):
    slug, move = "tra-lai", Move.SEND_BACK
    label, done = _("Trả lại bước trước"), _("Đã trả hồ sơ về bước trước.")
    form_class = f.SendBackForm

    def fits(self, desk: Desk) -> bool:
        return desk.holds_step and desk.previous_step is not None

    def title(self, desk: Desk) -> str:
        if desk.previous_step is None:
            return self.label
        return _("Trả lại bước trước: %(step)s") % {"step": desk.previous_step.name}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        send_back_step(actor=desk.step_actor(), dossier=desk.dossier,
                       reason=form.cleaned_data["reason"])  # fmt: skip


class Consult(Action):
    slug, move = "xin-y-kien", Move.CONSULT
    label, done = _("Xin ý kiến cơ quan khác"), _("Đã gửi xin ý kiến.")
    form_class = f.ConsultForm

    def fits(self, desk: Desk) -> bool:
        return desk.holds_step

    def form_kwargs(self, desk: Desk) -> dict:
        return {"agencies": desk.other_agencies()}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        data = form.cleaned_data
        consult_agency(actor=desk.step_actor(), dossier=desk.dossier, agency=data["agency"],
                       question=data["question"])  # fmt: skip


class Answer(Action):
    slug, move = "tra-loi-y-kien", Move.ANSWER_CONSULTATION
    label, done = _("Trả lời xin ý kiến"), _("Đã gửi ý kiến trả lời.")
    form_class = f.AnswerForm

    def fits(self, desk: Desk) -> bool:
        return bool(desk.roles & set(ANSWERING_ROLES)) and desk.open_consultations().exists()

    def form_kwargs(self, desk: Desk) -> dict:
        return {"consultations": desk.open_consultations()}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        data = form.cleaned_data
        answer_consultation(actor=desk.actor(*ANSWERING_ROLES),
                            consultation=data["consultation"], answer=data["answer"])  # fmt: skip


class RequestSupplement(Action):
    slug, move = "yeu-cau-bo-sung", Move.REQUEST_SUPPLEMENT
    label, done = _("Yêu cầu bổ sung hồ sơ"), _("Đã yêu cầu bổ sung; thời hạn tạm dừng.")
    form_class = f.RequestSupplementForm

    def fits(self, desk: Desk) -> bool:
        return desk.holds_step and desk.supplement is None

    def form_kwargs(self, desk: Desk) -> dict:
        return {"published": RequiredDocument.objects.filter(procedure=desk.dossier.procedure)}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        request_supplement(actor=desk.step_actor(), dossier=desk.dossier, items=form.items(),
                           reason=form.cleaned_data["reason"])  # fmt: skip


class ProvideSupplement(Action):
    slug, move = "nhan-bo-sung", Move.SUPPLEMENT_PROVIDED
    label, done = _("Nhận hồ sơ bổ sung"), _("Đã nhận hồ sơ bổ sung; thời hạn tính tiếp.")
    form_class = f.ProvideSupplementForm

    def fits(self, desk: Desk) -> bool:
        request = desk.supplement
        waiting = request is not None and request.fulfilled_at is None
        return desk.at_counter and waiting and request.stage == SupplementRequest.Stage.PROCESSING

    def form_kwargs(self, desk: Desk) -> dict:
        return {"supplement": desk.supplement}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        provide_supplement(actor=desk.actor(Role.COUNTER_OFFICER), dossier=desk.dossier,
                           components=form.components())  # fmt: skip


class PauseForPayment(Action):
    slug, move = "cho-nghia-vu-tai-chinh", Move.PAUSE_FOR_PAYMENT
    label, done = (
        _("Yêu cầu thực hiện nghĩa vụ tài chính"),
        _("Đã yêu cầu thực hiện nghĩa vụ tài chính; thời hạn tạm dừng."),
    )
    form_class = f.PaymentForm

    def fits(self, desk: Desk) -> bool:
        return desk.holds_step

    def perform(self, desk: Desk, form: forms.Form) -> None:
        data = form.cleaned_data
        pause_for_payment(actor=desk.step_actor(), dossier=desk.dossier, amount=data["amount"],
                          reason=data["reason"])  # fmt: skip


class ResumeAfterPayment(Action):
    slug, move = "da-nop-nghia-vu", Move.RESUME_AFTER_PAYMENT
    label, done = (
        _("Xác nhận đã thực hiện nghĩa vụ tài chính"),
        _("Đã xác nhận nghĩa vụ tài chính; thời hạn tính tiếp."),
    )
    form_class = f.NoteForm

    def fits(self, desk: Desk) -> bool:
        return desk.at_counter or desk.holds_step

    def perform(self, desk: Desk, form: forms.Form) -> None:
        role = Role.COUNTER_OFFICER if desk.at_counter else (desk.run.step.role if desk.run else "")
        resume_after_payment(actor=desk.actor(role), dossier=desk.dossier,
                             note=form.cleaned_data["note"])  # fmt: skip


class Transfer(Action):
    slug, move = "chuyen-lien-thong", Move.TRANSFER
    label, done = _("Chuyển liên thông"), _("Đã chuyển liên thông sang cơ quan khác.")
    form_class = f.TransferForm

    def fits(self, desk: Desk) -> bool:
        here = desk.official.unit.agency_id == desk.dossier.processing_agency_id
        return here and bool(desk.roles & {Role.HEAD, Role.LEADER})

    def form_kwargs(self, desk: Desk) -> dict:
        return {"agencies": desk.other_agencies()}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        data = form.cleaned_data
        transfer_dossier(actor=desk.actor(Role.LEADER, Role.HEAD), dossier=desk.dossier,
                         to_agency=data["to_agency"], note=data["note"])  # fmt: skip


class RecordResult(Action):
    slug, move = "ky-ket-qua", Move.RECORD_RESULT
    label, done = _("Ký duyệt kết quả"), _("Đã ghi nhận kết quả giải quyết.")
    form_class = f.ResultForm

    def fits(self, desk: Desk) -> bool:
        return desk.may_sign

    def perform(self, desk: Desk, form: forms.Form) -> None:
        data = form.cleaned_data
        record_result(
            actor=desk.actor(Role.LEADER), dossier=desk.dossier, number=data["number"],
            issued_on=data["issued_on"], files=form.result_files(), note=data["note"],
        )  # fmt: skip


class Apologise(Action):
    slug, move = "xin-loi", Move.APOLOGISE
    label, done = (
        _("Thư xin lỗi và hẹn lại (Mẫu 04)"),
        _("Đã phát hành thư xin lỗi và hẹn lại ngày trả kết quả."),
    )
    form_class = f.ApologyForm

    def fits(self, desk: Desk) -> bool:
        return desk.may_sign and desk.dossier.due_at is not None

    def perform(self, desk: Desk, form: forms.Form) -> None:
        data = form.cleaned_data
        issue_apology(actor=desk.actor(Role.LEADER), dossier=desk.dossier,
                      reason=data["reason"], new_due_at=data["new_due_at"])  # fmt: skip


class ReturnResult(Action):
    slug, move = "tra-ket-qua", Move.RETURN_RESULT
    label, done = _("Trả kết quả"), _("Đã trả kết quả cho người nộp.")
    form_class = f.ReturnForm

    def fits(self, desk: Desk) -> bool:
        return desk.at_counter

    def form_kwargs(self, desk: Desk) -> dict:
        return {"delivery": desk.dossier.delivery}

    def perform(self, desk: Desk, form: forms.Form) -> None:
        data = form.cleaned_data
        return_result(actor=desk.actor(Role.COUNTER_OFFICER), dossier=desk.dossier,
                      channel=data["channel"], post_tracking=data["post_tracking"])  # fmt: skip


class Refuse(Action):
    slug, move, final = "tu-choi", Move.REFUSE, True
    label, done = _("Từ chối giải quyết"), _("Đã ghi nhận từ chối giải quyết.")
    form_class = f.ReasonForm

    def fits(self, desk: Desk) -> bool:
        return desk.may_sign

    def perform(self, desk: Desk, form: forms.Form) -> None:
        refuse_dossier(actor=desk.actor(Role.LEADER), dossier=desk.dossier,
                       reason=form.cleaned_data["reason"])  # fmt: skip


class Stop(Action):
    slug, move, final = "dung-xu-ly", Move.STOP, True
    label, done = _("Dừng xử lý hồ sơ"), _("Đã dừng xử lý hồ sơ.")
    form_class = f.ReasonForm

    def fits(self, desk: Desk) -> bool:
        return desk.may_sign

    def perform(self, desk: Desk, form: forms.Form) -> None:
        stop_processing(actor=desk.actor(Role.LEADER), dossier=desk.dossier,
                        reason=form.cleaned_data["reason"])  # fmt: skip


class Withdraw(Action):
    slug, move, final = "rut-ho-so", Move.WITHDRAW, True
    label, done = _("Rút hồ sơ theo đề nghị của người nộp"), _("Đã rút hồ sơ.")
    form_class = f.ReasonForm

    def fits(self, desk: Desk) -> bool:
        return desk.at_counter

    def perform(self, desk: Desk, form: forms.Form) -> None:
        withdraw_dossier(actor=desk.actor(Role.COUNTER_OFFICER), dossier=desk.dossier,
                         reason=form.cleaned_data["reason"])  # fmt: skip


# In the order the page offers them: the step's own work first, what ends a dossier last.
ACTIONS: dict[str, Action] = {
    a.slug: a
    for a in (
        Start(), HandOver(), Assign(), SendBack(), Consult(), Answer(), RequestSupplement(),
        ProvideSupplement(), PauseForPayment(), ResumeAfterPayment(), RecordResult(),
        Apologise(), ReturnResult(), Transfer(), Refuse(), Stop(), Withdraw(),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Offer:
    """An action as the page shows it: its title and its (unbound or bound) form."""

    action: Action
    title: str
    form: forms.Form


def offers(desk: Desk) -> list[Offer]:
    """The actions this user may take on this dossier now, each with its empty form."""
    return [
        Offer(action, action.title(desk), action.form(desk))
        for action in ACTIONS.values()
        if action.shown(desk)
    ]


# ---------------------------------------------------------------- the endpoint


@require_POST
@official_required
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Validate the input, call the service, redirect back (PRG) or show the errors."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("no such action")
    desk = Desk.load(request.official, code)
    if not desk.may_act:
        return _again(request, desk, spec, None, status=403)
    form = spec.form(desk, request.POST, request.FILES)
    if not form.is_valid():
        return _again(request, desk, spec, form, status=400)
    try:
        spec.perform(desk, form)
    except DossierError as exc:
        form.add_error(None, str(exc))
        return _again(request, desk, spec, form, status=_status_of(exc))
    except ValidationError as exc:  # a file refused for its content or size
        form.add_error(None, exc)
        return _again(request, desk, spec, form, status=400)
    messages.success(request, spec.done)
    return redirect("backoffice:dossier", code=desk.dossier.code)


def _status_of(exc: DossierError) -> int:
    return 403 if isinstance(exc, PermissionDenied) else 400


def _again(
    request: HttpRequest, desk: Desk, spec: Action, form: forms.Form | None, status: int
) -> HttpResponse:
    """The action's form again with its errors and the input kept (no applicant data shown);
    without a form, the user only reads this dossier."""
    context = {
        "dossier": desk.dossier,
        "offer": Offer(spec, spec.title(desk), form) if form is not None else None,
        "read_only": form is None,
    }
    return render(request, "backoffice/action.html", context, status=status)
