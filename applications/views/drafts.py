"""The online application, step by step (/nop-truc-tuyen/...): start from a procedure, the
four steps of a draft, the list of drafts, a draft's files, and submission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from applications import services, steps
from applications.forms import ApplicantForm, DeliveryForm, Slot, SlotsForm
from applications.models import Draft
from applications.selectors import (
    acting_businesses,
    draft_or_404,
    drafts_of,
    offers_online,
    receiving_choices,
    staged_file_or_404,
    staged_files,
    store_documents,
)
from applications.views.files import serve_file
from applications.views.slots import require_attached, save_slots
from catalog.selectors import procedure_for_page
from citizens.views.common import citizen_required
from dossiers.services import DossierError


def draft_step(step: steps.Step) -> Callable:
    """The gate of a step: the citizen's own draft (else 404), and the step's conditions met
    (else back to the step that fixes the first unmet one, saying what is missing)."""

    def decorate(view: Callable) -> Callable:
        @citizen_required
        @wraps(view)
        def wrapper(request: HttpRequest, pk: int) -> HttpResponse:
            draft = draft_or_404(request.citizen, pk)
            unmet = steps.first_unmet(draft, step)
            if unmet is not None:
                messages.warning(request, str(unmet.message))
                return redirect(unmet.fixed_at.url_name, pk=draft.pk)
            return view(request, draft)

        return wrapper

    return decorate


def _render_step(request, draft: Draft, step: steps.Step, template: str, context: dict, status=200):
    context = {"draft": draft, "step": step, "steps": steps.STEPS, **context}
    return render(request, f"applications/{template}", context, status=status)


# ---------------------------------------------------------------- start and drafts


@citizen_required
def start(request: HttpRequest, code: str) -> HttpResponse:
    """From the procedure page: what applying online needs, the drafts already begun, and the
    button that begins a new one."""
    procedure = procedure_for_page(code)
    if procedure is None or not offers_online(procedure):
        raise Http404("no online service for this procedure")
    agencies = receiving_choices(procedure)
    open_to_all = procedure.has_legal_time and bool(agencies)
    if request.method == "POST" and open_to_all:
        try:
            draft = services.start_draft(request.citizen, procedure)
        except services.ApplicationError as error:
            messages.error(request, error.message)
        else:
            return redirect(steps.APPLICANT.url_name, pk=draft.pk)
    context = {
        "procedure": procedure,
        "open_to_all": open_to_all,
        "drafts": drafts_of(request.citizen).filter(procedure__national_code=code),
    }
    return render(request, "applications/start.html", context)


@require_safe
@citizen_required
def draft_list(request: HttpRequest) -> HttpResponse:
    drafts = list(drafts_of(request.citizen))
    rows = [{"draft": d, "next": steps.resume_step(d)} for d in drafts]
    return render(request, "applications/drafts.html", {"rows": rows})


@require_safe
@citizen_required
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_or_404(request.citizen, pk)
    return redirect(steps.resume_step(draft).url_name, pk=draft.pk)


@require_POST
@citizen_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_draft(draft_or_404(request.citizen, pk))
    messages.success(request, _("Đã xóa hồ sơ nháp."))
    return redirect("applications:drafts")


@require_safe
@citizen_required
def draft_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    draft = draft_or_404(request.citizen, pk)
    return serve_file(staged_file_or_404(request.citizen, file_pk, draft=draft))


# ---------------------------------------------------------------- the steps


@draft_step(steps.APPLICANT)
def step_applicant(request: HttpRequest, draft: Draft) -> HttpResponse:
    businesses = acting_businesses(request.citizen)
    initial = {
        "applicant": f"b{draft.business_id}" if draft.business_id else "person",
        "receiving_agency": draft.receiving_agency_id,
        "phone": draft.phone,
        "address": draft.address,
    }
    form = ApplicantForm(
        request.POST or None, initial=initial, citizen=request.citizen, businesses=businesses,
        agencies=receiving_choices(draft.procedure),
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.save_applicant(
                draft, business=form.business(),
                receiving_agency=form.cleaned_data["receiving_agency"],
                phone=form.cleaned_data["phone"], address=form.cleaned_data["address"],
            )  # fmt: skip
        except services.ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return _after_save(request, draft, steps.COMPONENTS)
    status = 400 if form.errors else 200
    return _render_step(
        request, draft, steps.APPLICANT, "step_applicant.html", {"form": form}, status
    )


def _after_save(request: HttpRequest, draft: Draft, following: steps.Step) -> HttpResponse:
    """ "Save the draft" stays on the page with a message; "continue" goes to the next step."""
    if "save" in request.POST:
        messages.success(request, _("Đã lưu hồ sơ nháp. Bạn có thể quay lại hoàn thiện sau."))
        return redirect(request.path)
    return redirect(following.url_name, pk=draft.pk)


def component_slots(draft: Draft) -> list[Slot]:
    staged = staged_files(draft=draft)
    required = {d.pk for d in steps.required_components(draft)}
    return [
        Slot(
            key=steps.slot_of(d),
            name=d.name,
            required=d.pk in required,
            details=_component_details(d),
            staged=staged.get(steps.slot_of(d)),
        )
        for d in draft.procedure.documents.all()
    ]


def _component_details(document) -> str:
    parts = [str(document.get_kind_display())]
    if document.count:
        parts.append(_("số lượng: %(n)s") % {"n": document.count})
    if document.condition:
        parts.append(_("trường hợp: %(c)s") % {"c": document.condition})
    if not document.mandatory:
        parts.append(_("không bắt buộc"))
    return "; ".join(parts)


@draft_step(steps.COMPONENTS)
def step_components(request: HttpRequest, draft: Draft) -> HttpResponse:
    store = store_documents(request.citizen)
    slots = component_slots(draft)
    if request.method == "POST":
        form = SlotsForm(request.POST, request.FILES, slots=slots, store=store)
        save_slots(request.citizen, draft, form, store)
        slots = component_slots(draft)
        form.slots = slots
        if not form.errors and ("save" in request.POST or require_attached(form, slots)):
            return _after_save(request, draft, steps.DELIVERY)
    else:
        form = SlotsForm(slots=slots, store=store)
    form.describe_errors()
    status = 400 if form.errors else 200
    context = {"form": form, "rows": form.rows(), "store": store}
    return _render_step(request, draft, steps.COMPONENTS, "step_components.html", context, status)


@draft_step(steps.DELIVERY)
def step_delivery(request: HttpRequest, draft: Draft) -> HttpResponse:
    initial = {"delivery": draft.delivery, "delivery_address": draft.delivery_address}
    form = DeliveryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_delivery(
            draft,
            delivery=form.cleaned_data["delivery"],
            address=form.cleaned_data["delivery_address"],
        )
        return _after_save(request, draft, steps.REVIEW)
    status = 400 if form.errors else 200
    return _render_step(
        request, draft, steps.DELIVERY, "step_delivery.html", {"form": form}, status
    )


@draft_step(steps.REVIEW)
def step_review(request: HttpRequest, draft: Draft) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            dossier = services.submit_draft(draft)
        except services.DraftGone as exc:
            messages.info(request, exc.message)
            return redirect("applications:dossiers")
        except services.ApplicationError as exc:
            messages.warning(request, exc.message)
            return redirect(steps.resume_step(draft).url_name, pk=draft.pk)
        except DossierError as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(reverse("applications:submitted", args=[dossier.code]))
    context = {
        "slots": component_slots(draft),
        "error": error,
        "applicant_name": draft.business.name if draft.business else request.citizen.full_name,
    }
    status = 400 if error else 200
    return _render_step(request, draft, steps.REVIEW, "step_review.html", context, status)
