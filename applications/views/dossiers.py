"""The signed-in citizen's dossiers (/nop-truc-tuyen/ho-so-cua-toi/...): the list, a dossier's
full detail, its files and letters, the online supplement, the rating; the document store and
the log of who read their personal data."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from applications import selectors, services
from applications.forms import Slot, SlotsForm
from applications.views.files import serve_file
from applications.views.slots import require_attached, save_slots
from citizens.views.common import citizen_required
from dossiers.lifecycle import Status
from dossiers.models import Document, Dossier, Result, SupplementRequest
from dossiers.services import DossierError
from motcua.paging import page_with_message
from ratings.forms import RatingForm
from ratings.models import Rating
from ratings.services import RATEABLE, rate_dossier

PAGE_SIZE = 20


@require_safe
@citizen_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    dossiers = (
        selectors.citizen_dossiers(request.citizen)
        .select_related("procedure", "applicant")
        .order_by("-pk")
    )
    page = page_with_message(request, dossiers, PAGE_SIZE, "trang")
    drafts = selectors.drafts_of(request.citizen).count()
    return render(request, "applications/dossier_list.html", {"page": page, "drafts": drafts})


# ---------------------------------------------------------------- one dossier


def supplement_slots(dossier: Dossier, request: SupplementRequest) -> list[Slot]:
    staged = selectors.staged_files(dossier=dossier)
    slots = []
    for index, item in enumerate(request.items):
        key = services.item_slot(index)
        kind = item.get("kind")
        details = [str(Document.Kind(kind).label)] if kind in Document.Kind.values else []
        if item.get("count"):
            details.append(_("số lượng: %(n)s") % {"n": item["count"]})
        if item.get("reason"):
            details.append(str(item["reason"]))
        slot = Slot(key=key, name=item.get("name") or "", required=True, staged=staged.get(key))
        slot.details = "; ".join(details)
        slots.append(slot)
    return slots


def _detail_context(request: HttpRequest, dossier: Dossier, form: SlotsForm | None) -> dict:
    documents = list(dossier.documents.order_by("pk"))
    supplement = SupplementRequest.objects.filter(dossier=dossier).first()
    open_request = services.open_supplement(dossier)
    if open_request is not None and form is None:
        store = selectors.store_documents(request.citizen)
        form = SlotsForm(slots=supplement_slots(dossier, open_request), store=store)
    return {
        "dossier": dossier,
        "submission": getattr(dossier, "online_submission", None),
        "timeline": selectors.timeline(dossier),
        "components": [d for d in documents if d.role != Document.Role.RESULT],
        "results": [d for d in documents if d.role == Document.Role.RESULT],
        "result_visible": selectors.result_visible(dossier),
        "result": Result.objects.filter(dossier=dossier).first(),
        "supplement": supplement,
        "supplement_form": form,
        "supplement_rows": form.rows() if form is not None else [],
        "letters": letters_of(dossier),
        "rating": Rating.objects.filter(dossier=dossier).first(),
        "rateable": dossier.status in RATEABLE,
        "awaiting": dossier.status == Status.AWAITING_SUPPLEMENT,
    }


@require_safe
@citizen_required
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = selectors.dossier_or_404(request.citizen, code)
    context = _detail_context(request, dossier, None)
    return render(request, "applications/dossier_detail.html", context)


@require_safe
@citizen_required
def submitted(request: HttpRequest, code: str) -> HttpResponse:
    dossier = selectors.dossier_or_404(request.citizen, code)
    return render(request, "applications/submitted.html", {"dossier": dossier})


@require_POST
@citizen_required
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    """Nộp bổ sung: keep each good file at once; send when every listed item has one."""
    dossier = selectors.dossier_or_404(request.citizen, code)
    open_request = services.open_supplement(dossier)
    if open_request is None:
        messages.error(request, _("Hồ sơ không có yêu cầu bổ sung đang chờ."))
        return redirect("applications:dossier", code=dossier.code)
    store = selectors.store_documents(request.citizen)
    form = SlotsForm(
        request.POST, request.FILES, slots=supplement_slots(dossier, open_request), store=store
    )
    save_slots(request.citizen, dossier, form, store)
    form.slots = supplement_slots(dossier, open_request)
    if not form.errors and ("save" in request.POST or require_attached(form, form.slots)):
        if "save" in request.POST:
            messages.success(request, _("Đã lưu các tệp bổ sung; hồ sơ chưa được nộp bổ sung."))
            return redirect("applications:dossier", code=dossier.code)
        try:
            services.send_supplement(request.citizen, dossier)
        except (services.ApplicationError, DossierError) as error:
            form.add_error(None, getattr(error, "message", str(error)))
        else:
            done = _("Đã nộp hồ sơ bổ sung. Thời hạn giải quyết được tính tiếp.")
            messages.success(request, done)
            return redirect("applications:dossier", code=dossier.code)
    form.describe_errors()
    context = _detail_context(request, dossier, form)
    return render(request, "applications/dossier_detail.html", context, status=400)


@require_safe
@citizen_required
def document(request: HttpRequest, code: str, pk: int) -> FileResponse:
    dossier = selectors.dossier_or_404(request.citizen, code)
    return serve_file(selectors.document_or_404(dossier, pk))


@require_safe
@citizen_required
def supplement_file(request: HttpRequest, code: str, pk: int) -> FileResponse:
    dossier = selectors.dossier_or_404(request.citizen, code)
    return serve_file(selectors.staged_file_or_404(request.citizen, pk, dossier=dossier))


# ---------------------------------------------------------------- letters (Forms 01-04)

# Form number of Circular 01/2018/TT-VPCP -> (function of paperwork.forms, title).
LETTERS: dict[str, tuple[str, object]] = {
    "01": ("receipt_pdf", gettext_lazy("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")),
    "02": ("supplement_guidance_pdf", gettext_lazy("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")),
    "03": ("refusal_pdf", gettext_lazy("Phiếu từ chối tiếp nhận, giải quyết hồ sơ")),
    "04": ("apology_pdf", gettext_lazy("Phiếu xin lỗi và hẹn lại ngày trả kết quả")),
}


@dataclass(frozen=True)
class Letter:
    number: str
    title: str


def _happened(dossier: Dossier, number: str) -> bool:
    """Whether the event a letter records took place (a receipt needs a reception...)."""
    if number == "01":
        return dossier.received_at is not None
    if number == "02":
        return SupplementRequest.objects.filter(dossier=dossier).exists()
    if number == "03":
        refused = Result.objects.filter(dossier=dossier, outcome=Result.Outcome.REFUSED)
        return dossier.status == Status.NOT_RECEIVED or refused.exists()
    return dossier.apologies.exists()


def paperwork_function(name: str):
    """`paperwork.forms.<name>` once that module and function exist, else None."""
    try:
        module = importlib.import_module("paperwork.forms")
    except ModuleNotFoundError as exc:
        if exc.name not in {"paperwork", "paperwork.forms"}:
            raise
        return None
    return getattr(module, name, None)


def _form_unavailable() -> type[Exception] | tuple:
    """paperwork's "this dossier has no such form" error (nothing to catch before it exists)."""
    return getattr(importlib.import_module("paperwork.forms"), "FormUnavailable", ())


def letters_of(dossier: Dossier) -> list[Letter]:
    return [
        Letter(number, str(title))
        for number, (function, title) in LETTERS.items()
        if paperwork_function(function) is not None and _happened(dossier, number)
    ]


@require_safe
@citizen_required
def letter(request: HttpRequest, code: str, number: str) -> HttpResponse:
    dossier = selectors.dossier_or_404(request.citizen, code)
    entry = LETTERS.get(number)
    render_pdf = paperwork_function(entry[0]) if entry else None
    if render_pdf is None or not _happened(dossier, number):
        raise Http404("no such letter")
    try:
        output = render_pdf(dossier)
    except _form_unavailable() as exc:
        raise Http404("no such letter") from exc
    response = HttpResponse(output, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-mau-{number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- rating


@citizen_required
def rate(request: HttpRequest, code: str) -> HttpResponse:
    """Đánh giá from the citizen's page, once the result exists; one rating per dossier."""
    dossier = selectors.dossier_or_404(request.citizen, code)
    if dossier.status not in RATEABLE or Rating.objects.filter(dossier=dossier).exists():
        return redirect("applications:dossier", code=dossier.code)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_dossier(
                dossier=dossier, overall=form.cleaned_data["overall"], scores=form.scores(),
                comment=form.cleaned_data["comment"], channel=Rating.Channel.PORTAL,
                citizen=request.user,
            )  # fmt: skip
        except DossierError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Cảm ơn bạn đã đánh giá. Đánh giá đã được ghi nhận."))
            return redirect("applications:dossier", code=dossier.code)
    status = 400 if form.errors else 200
    context = {"form": form, "dossier": dossier, "channel": Rating.Channel.PORTAL}
    return render(request, "applications/rate.html", context, status=status)


# ---------------------------------------------------------------- store and access log


@require_safe
@citizen_required
def store(request: HttpRequest) -> HttpResponse:
    documents = selectors.store_documents(request.citizen)
    return render(request, "applications/store.html", {"documents": documents})


@require_safe
@citizen_required
def access_log(request: HttpRequest) -> HttpResponse:
    rows = selectors.access_log_of(request.citizen)
    page = page_with_message(request, rows, 50, "trang")
    return render(request, "applications/access_log.html", {"page": page})
