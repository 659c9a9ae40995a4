"""The dossier page of the back office (/can-bo/ho-so/<code>/), its files and its official forms.

Read-only views: the page shows the dossier, its components, the timeline of events, the step
runs with their early / on time / late marks, the consultations, pauses, supplement request,
apologies and result, and the actions the user may take now (`backoffice.views.actions`).
Every response that shows the applicant's personal data (the page for processing officials, a
component file, an official form) writes an access-log row first; unknown and forbidden
dossiers get the same 404 (`access.scope`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

import paperwork.forms
from access.decorators import official_required
from access.models import AccessLog
from access.scope import document_or_404, dossier_or_404, log_personal_read, may_process
from backoffice.views.actions import Desk, offers
from dossiers.lifecycle import Move, Status
from dossiers.models import Document, Dossier, Event, Result, StepRun, SupplementRequest
from dossiers.models.dossier import Delivery
from dossiers.models.work import Timeliness
from org.models import Official, Role

PREVIEWABLE = {"application/pdf", "image/jpeg", "image/png"}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
ROLE_LABELS = {
    **dict(Role.choices),
    "applicant": _("Người nộp hồ sơ"),
    "system": _("Hệ thống"),
}
MOVE_LABELS = dict(Move.choices)


# ---------------------------------------------------------------- the page


@require_safe
@official_required
def dossier_page(request: HttpRequest, code: str) -> HttpResponse:
    desk = Desk.load(request.official, code)
    shows_applicant = sees_applicant(request.official)
    if shows_applicant:
        log_personal_read(request, desk.dossier, AccessLog.What.DOSSIER)
    context = {
        **work_on(desk.dossier),
        "desk": desk,
        "shows_applicant": shows_applicant,
        "offers": offers(desk),
        "official_forms": official_forms(desk.dossier),
        "previewable": PREVIEWABLE,
    }
    return render(request, "backoffice/dossier.html", context)


def sees_applicant(official: Official) -> bool:
    """Officials who process dossiers see who applied; an overseer alone sees the name masked
    (data minimisation: supervising deadlines does not need the applicant's details)."""
    return may_process(official)


@dataclass(frozen=True)
class RunRow:
    """A control-sheet row with its mark: early / on time / late once finished; while open,
    in progress or already past the step's due moment."""

    run: StepRun
    mark: str
    mark_label: str


def _run_row(run: StepRun, now: dt.datetime) -> RunRow:
    if run.finished_at is not None:
        return RunRow(run, run.timeliness, run.get_timeliness_display())
    if run.due_at < now:
        return RunRow(run, "overdue", str(_("Đang xử lý, đã quá hạn bước")))
    return RunRow(run, "open", str(_("Đang xử lý")))


@dataclass(frozen=True)
class TimelineRow:
    event: Event
    what: str
    role: str  # the actor's role and, for an official, the unit they acted in
    detail: str


# (key of Event.data, how to show it)
DETAILS = [
    ("assignee_name", _("giao cho %(v)s")),
    ("receiver", _("người nhận: %(v)s")),
    ("to_unit", _("đến: %(v)s")),
    ("agency", _("cơ quan được xin ý kiến: %(v)s")),
    ("to_agency", _("chuyển đến: %(v)s")),
    ("child", _("mã hồ sơ liên thông: %(v)s")),
    ("number", _("số văn bản: %(v)s")),
    ("post_tracking", _("số vận đơn: %(v)s")),
]


def _moment(iso: str) -> str:
    return f"{timezone.localtime(dt.datetime.fromisoformat(iso)):%H:%M %d/%m/%Y}"


def _event_detail(event: Event) -> str:
    """The facts of the event's data worth a line on the timeline."""
    data = event.data or {}
    parts = [str(fmt % {"v": data[key]}) for key, fmt in DETAILS if data.get(key)]
    if data.get("from_step") and data.get("to_step"):
        steps = {"a": data["from_step"], "b": data["to_step"]}
        parts.insert(0, str(_("bước %(a)s → bước %(b)s") % steps))
    if data.get("new_due_at"):
        parts.append(str(_("hẹn mới: %(v)s") % {"v": _moment(data["new_due_at"])}))
    if data.get("channel"):
        parts.append(str(dict(Delivery.choices).get(data["channel"], data["channel"])))
    return "; ".join(parts)


def _acting_as(event: Event) -> str:
    """The actor's role, and the unit they acted in (recorded with the event: an official
    moved since is shown where they were)."""
    unit = event.actor_unit.name if event.actor_unit else ""
    return ", ".join(part for part in (str(ROLE_LABELS.get(event.role, event.role)), unit) if part)


def _timeline(dossier: Dossier) -> list[TimelineRow]:
    events = dossier.events.select_related("on_behalf_of__user", "actor_unit").order_by("seq")
    return [
        TimelineRow(
            event=e,
            what=str(MOVE_LABELS.get(e.action.removeprefix("dossier."), e.action)),
            role=_acting_as(e),
            detail=_event_detail(e),
        )
        for e in events
    ]


def finished_late(dossier: Dossier) -> bool:
    """Processing ended after the due moment given at reception: late for good, even once an
    apology set a new date (the tracking book's and the statistics' rule)."""
    due, finished = dossier.original_due_at, dossier.finished_at
    return bool(due and finished and finished > due)


def work_on(dossier: Dossier) -> dict:
    """Everything done on the dossier, each kind in one query."""
    now = timezone.now()
    runs = dossier.steps.select_related(
        "step", "unit__agency", "assignee__user", "assigned_by__user"
    ).order_by("arrived_at", "pk")
    documents = list(dossier.documents.order_by("pk"))
    return {
        "dossier": dossier,
        "now": now,
        "overdue": dossier.is_open and dossier.due_at is not None and dossier.due_at < now,
        "finished_late": finished_late(dossier),
        "components": [d for d in documents if d.role == Document.Role.COMPONENT],
        "supplements": [d for d in documents if d.role == Document.Role.SUPPLEMENT],
        "results": [d for d in documents if d.role == Document.Role.RESULT],
        "runs": [_run_row(run, now) for run in runs],
        "timeline": _timeline(dossier),
        "consultations": dossier.consultations.select_related(
            "agency", "asked_by__user", "answered_by__user"
        ).order_by("asked_at"),
        "pauses": dossier.pauses.order_by("started_at"),
        "supplement": SupplementRequest.objects.filter(dossier=dossier)
        .select_related("requested_by__user")
        .first(),
        "apologies": dossier.apologies.select_related("signed_by__user").order_by("issued_at"),
        "result": Result.objects.filter(dossier=dossier)
        .select_related("signer__user", "on_behalf_of__user")
        .first(),
        "timeliness": Timeliness,
    }


# ---------------------------------------------------------------- files


def _document(request: HttpRequest, code: str, pk: int) -> Document:
    document = document_or_404(request.official, pk)
    if document.dossier.code != code or not document.file:
        raise Http404("no such document")
    return document


def _serve(request: HttpRequest, document: Document, *, inline: bool) -> FileResponse:
    """The stored bytes with the type sniffed at upload; shown in the browser only for PDF and
    images, never guessed by it (nosniff), never cached (personal data)."""
    previewable = document.content_type in PREVIEWABLE
    log_personal_read(request, document.dossier, AccessLog.What.DOCUMENT)
    extension = EXTENSIONS.get(document.content_type, "bin")
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=not (inline and previewable),
        filename=document.original_name or f"{document.pk}.{extension}",
        content_type=document.content_type if previewable else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@official_required
def document_download(request: HttpRequest, code: str, pk: int) -> FileResponse:
    return _serve(request, _document(request, code, pk), inline=False)


@xframe_options_sameorigin
@require_safe
@official_required
def document_preview(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """Inline, so the dossier page can show a PDF or a scan in a frame of its own origin."""
    return _serve(request, _document(request, code, pk), inline=True)


# ---------------------------------------------------------------- official forms (PDF)

# Form number (Circular 01/2018/TT-VPCP) -> (function of paperwork.forms without "_pdf", title).
FORMS: dict[str, tuple[str, str]] = {
    "01": ("receipt", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")),
    "02": ("supplement_guidance", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")),
    "03": ("refusal", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")),
    "04": ("apology", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả")),
    "05": ("control_sheet", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")),
}


@dataclass(frozen=True)
class FormLink:
    number: str
    title: str


def _applies(dossier: Dossier, number: str) -> bool:
    """Which forms exist for this dossier's history (a receipt needs a reception...)."""
    checks = {
        "01": lambda: dossier.received_at is not None,
        "02": lambda: SupplementRequest.objects.filter(dossier=dossier).exists(),
        "03": lambda: (
            dossier.status == Status.NOT_RECEIVED
            or Result.objects.filter(dossier=dossier, outcome=Result.Outcome.REFUSED).exists()
        ),
        "04": lambda: dossier.apologies.exists(),
        "05": lambda: dossier.steps.exists(),
    }
    return checks[number]()


def official_forms(dossier: Dossier) -> list[FormLink]:
    return [FormLink(n, str(title)) for n, (_fn, title) in FORMS.items() if _applies(dossier, n)]


@require_safe
@official_required
def official_form(request: HttpRequest, code: str, number: str) -> HttpResponse:
    """An official form of the dossier as PDF, generated by `paperwork`; 404 until it exists."""
    entry = FORMS.get(number)
    dossier = dossier_or_404(request.official, code)
    if entry is None:
        raise Http404("no such form")
    try:
        output = getattr(paperwork.forms, f"{entry[0]}_pdf")(dossier)
    except paperwork.forms.FormUnavailable as error:
        raise Http404(str(error)) from None
    log_personal_read(request, dossier, AccessLog.What.FORM)
    response = HttpResponse(output, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-mau-{number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
