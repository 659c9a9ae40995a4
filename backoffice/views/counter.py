"""The counter (B1): receive a walk-in dossier, or check one submitted online.

One screen, three outcomes (Decree 61 Art. 19): complete → receipt with the due moment (Form 01);
incomplete → one guidance listing every missing item (Form 02); not eligible → refusal with its
reason (Form 03). Thin views: the forms check the input, `dossiers.services.reception` applies the
rules; a refused move (`DossierError`) is shown next to the form with everything typed kept.
Works without JavaScript: the procedure search and the applicant lookup are plain GET forms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access.decorators import official_required
from access.models import AccessLog
from access.scope import dossier_or_404, log_personal_read, may_process, reads_all
from backoffice.forms_counter import (
    ApplicantForm,
    ApplicantLookupForm,
    ComponentsForm,
    DeliveryForm,
    OutcomeForm,
)
from catalog.models import Procedure
from catalog.selectors import CatalogFilters, search_procedures
from dossiers.lifecycle import Status
from dossiers.models import Dossier, SupplementRequest
from dossiers.services import (
    Actor,
    DossierError,
    guide_supplement_at_reception,
    receive_dossier,
    receive_submitted,
    refuse_reception,
)
from dossiers.services.core import work_calendar
from dossiers.services.reception import processing_agency_for
from motcua.params import number
from org.models import Agency, Role
from workdays import clock

SEARCH_LIMIT = 20


def dossier_url(code: str) -> str:
    """The dossier page (built on another branch): its named URL when present, else its path."""
    try:
        return reverse("backoffice:dossier", args=[code])
    except NoReverseMatch:
        return f"/can-bo/ho-so/{code}/"


def _not_at_counter(request: HttpRequest) -> HttpResponse | None:
    """Only counter officers receive (the service checks it again): others get a page that
    says why; accounts that process nothing and oversee nothing get the not-an-official page."""
    official = request.official
    if Role.COUNTER_OFFICER in official.role_codes():
        return None
    if not (may_process(official) or reads_all(official)):
        return render(request, "access/not_an_official.html", status=403)
    return render(request, "backoffice/reception_not_allowed.html", status=403)


@dataclass(frozen=True)
class DueEstimate:
    """What the receipt will say if the dossier is received now."""

    agency: Agency
    due: dt.datetime | None


def _due_if_received_now(procedure: Procedure, processing: Agency) -> DueEstimate:
    """The receipt's due moment for reception now: the same clock the service starts (cut-off
    and days off of the processing agency's calendar), or None when the law's time is unknown."""
    if not procedure.has_legal_time:
        return DueEstimate(processing, None)
    cal = work_calendar(processing)
    start = clock.normalise_reception(cal, timezone.now())
    amount = procedure.legal_time_amount or 0
    return DueEstimate(
        processing, clock.add_working(cal, start, amount, clock.Unit(procedure.legal_time_unit))
    )


def _chosen_procedure(request: HttpRequest) -> Procedure | None:
    """The procedure in force that `?thu_tuc=` names; for a value that names none (a link to a
    version since replaced, a mistyped address), none with a message, so the officer does not
    take the search page for the reception of what the link promised."""
    value = request.GET.get("thu_tuc", "")
    pk = number(value)
    current = Procedure.objects.current().select_related("field")
    procedure = (
        current.prefetch_related("documents", "agencies").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if procedure is None and value:
        messages.warning(
            request, _("Không tìm thấy thủ tục đã chọn hoặc thủ tục đã hết hiệu lực: hãy tìm lại.")
        )
    return procedure


def _actor(request: HttpRequest) -> Actor:
    return Actor.official_as(request.official, Role.COUNTER_OFFICER)


@dataclass
class ReceptionForms:
    """The forms of one reception screen, validated together so no input is lost."""

    components: ComponentsForm
    outcome: OutcomeForm
    applicant: ApplicantForm | None = None
    delivery: DeliveryForm | None = None

    def all(self) -> list:
        return [f for f in (self.applicant, self.components, self.delivery, self.outcome) if f]

    def is_valid(self) -> bool:
        return all([f.is_valid() for f in self.all()])

    @property
    def action(self) -> str:
        return self.outcome.cleaned_data["action"]

    def summary(self) -> list[tuple[str, str]]:
        """Every error as (anchor, message), for the summary at the top of the form."""
        found = []
        for form in self.all():
            found += [(f"#{form.anchor}", str(m)) for m in form.non_field_errors()]
            for name, errors in form.errors.items():
                if name in form.fields:
                    bound = form[name]
                    anchor = "#" + (bound.id_for_label or f"{bound.auto_id}_0")
                    found += [(anchor, f"{bound.label}: {m}") for m in errors]
        return found

    def files_lost(self) -> bool:
        """A re-rendered page cannot keep chosen files (browsers forbid it): say so."""
        return self.components.is_bound and self.components.has_files()


def _walk_in_forms(request: HttpRequest, procedure: Procedure, initial: dict) -> ReceptionForms:
    data = request.POST if request.method == "POST" else None
    files = request.FILES if data is not None else None
    outcome = OutcomeForm(data)
    action = outcome.data.get("action", "") if data is not None else ""
    return ReceptionForms(
        applicant=ApplicantForm(data, initial=initial),
        components=ComponentsForm(data, files, documents=procedure.documents.all(), action=action),
        delivery=DeliveryForm(data),
        outcome=outcome,
    )


def _receive_walk_in(request: HttpRequest, procedure: Procedure, forms: ReceptionForms) -> Dossier:
    """Call the one service the chosen outcome names."""
    applicant = forms.applicant.applicant_data()
    reason = forms.outcome.cleaned_data["reason"]
    if forms.action == "receive":
        return receive_dossier(
            actor=_actor(request), procedure=procedure, applicant=applicant,
            components=forms.components.components(), **forms.delivery.cleaned_data,
        )  # fmt: skip
    if forms.action == "guide":
        return guide_supplement_at_reception(
            actor=_actor(request), procedure=procedure, applicant=applicant, reason=reason,
            items=forms.components.guidance_items(),
        )  # fmt: skip
    return refuse_reception(
        actor=_actor(request), procedure=procedure, applicant=applicant, reason=reason,
        competent_agency=forms.outcome.cleaned_data["competent_agency"],
    )  # fmt: skip


def _done(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    """Log the personal data the officer worked with, say what happened, open the dossier."""
    log_personal_read(request, dossier, AccessLog.What.RECEPTION)
    done = {
        Status.RECEIVED: _("Đã tiếp nhận hồ sơ %(code)s; hẹn trả kết quả %(due)s."),
        Status.AWAITING_SUPPLEMENT: _("Đã lập hướng dẫn bổ sung hồ sơ %(code)s."),
        Status.NOT_RECEIVED: _("Đã từ chối tiếp nhận hồ sơ %(code)s."),
    }[dossier.status]
    due = timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y") if dossier.due_at else ""
    messages.success(request, done % {"code": dossier.code, "due": due})
    return redirect(dossier_url(dossier.code))


def _search_context(request: HttpRequest) -> dict:
    query = (request.GET.get("q") or "").strip()[:200]
    found = (
        list(search_procedures(CatalogFilters(query=query))[: SEARCH_LIMIT + 1]) if query else []
    )
    return {"q": query, "found": found[:SEARCH_LIMIT], "more_found": len(found) > SEARCH_LIMIT}


def _place_focus(request: HttpRequest, lookup: ApplicantLookupForm, forms: ReceptionForms) -> None:
    """Where the keyboard goes next: the number to look up, then the applicant's name (after a
    failed submission the error summary takes the focus instead)."""
    if request.method == "POST":
        return
    target = forms.applicant["name"] if lookup.is_bound else lookup["so"]
    target.field.widget.attrs["autofocus"] = True


@official_required
def reception(request: HttpRequest) -> HttpResponse:
    """/can-bo/tiep-nhan/: walk-in reception (procedure and applicant chosen by GET)."""
    if (refusal := _not_at_counter(request)) is not None:
        return refusal
    procedure = _chosen_procedure(request)
    lookup = ApplicantLookupForm(request.GET if "so" in request.GET else None)
    known = lookup.find()
    kept = [(k, request.GET[k]) for k in ("loai", "so") if request.GET.get(k)]
    context = {
        **_search_context(request), "procedure": procedure, "lookup": lookup, "known": known,
        "bo_section": "reception", "lookup_params": kept, "keep_lookup": urlencode(kept),
    }  # fmt: skip
    if procedure is None:
        return render(request, "backoffice/reception.html", context)
    forms = _walk_in_forms(request, procedure, ApplicantForm.initial_from(known, lookup))
    if request.method == "POST" and forms.is_valid():
        try:
            return _done(request, _receive_walk_in(request, procedure, forms))
        except DossierError as exc:
            forms.outcome.add_error(None, str(exc))
    _place_focus(request, lookup, forms)
    processing = processing_agency_for(procedure, request.official.unit.agency, None)
    context.update(forms=forms, estimate=_due_if_received_now(procedure, processing))
    return render(request, "backoffice/reception.html", context)


# ---------------------------------------------------------------- online submissions


def _waiting_for_check(dossier: Dossier) -> bool:
    """Submitted online, or back at the counter after a guidance given at reception."""
    if dossier.status == Status.SUBMITTED:
        return True
    if dossier.status != Status.AWAITING_SUPPLEMENT:
        return False
    supplement = SupplementRequest.objects.filter(dossier=dossier).first()
    return supplement is not None and supplement.stage == SupplementRequest.Stage.RECEPTION


def _check_forms(request: HttpRequest, dossier: Dossier) -> ReceptionForms:
    data = request.POST if request.method == "POST" else None
    outcome = OutcomeForm(data)
    held = {d.required_document_id: d for d in dossier.documents.all() if d.required_document_id}
    action = outcome.data.get("action", "") if data is not None else ""
    documents = dossier.procedure.documents.all()
    components = ComponentsForm(
        data, request.FILES if data is not None else None, documents=documents, held=held,
        action=action,
    )  # fmt: skip
    return ReceptionForms(components=components, outcome=outcome)


def _decide_submitted(request: HttpRequest, dossier: Dossier, forms: ReceptionForms) -> Dossier:
    reason = forms.outcome.cleaned_data["reason"]
    if forms.action == "receive":
        return receive_submitted(
            actor=_actor(request), dossier=dossier, components=forms.components.components()
        )
    if forms.action == "guide":
        return guide_supplement_at_reception(
            actor=_actor(request), dossier=dossier, reason=reason,
            items=forms.components.guidance_items(),
        )  # fmt: skip
    return refuse_reception(
        actor=_actor(request), dossier=dossier, reason=reason,
        competent_agency=forms.outcome.cleaned_data["competent_agency"],
    )  # fmt: skip


@official_required
def check_submitted(request: HttpRequest, code: str) -> HttpResponse:
    """/can-bo/tiep-nhan/<code>/: check a dossier submitted online (or back after guidance)."""
    if (refusal := _not_at_counter(request)) is not None:
        return refusal
    dossier = dossier_or_404(request.official, code)
    if not _waiting_for_check(dossier):
        messages.info(request, _("Hồ sơ %(code)s không chờ kiểm tra tiếp nhận.") % {"code": code})
        return redirect(dossier_url(dossier.code))
    forms = _check_forms(request, dossier)
    if request.method == "POST" and forms.is_valid():
        try:
            return _done(request, _decide_submitted(request, dossier, forms))
        except DossierError as exc:
            forms.outcome.add_error(None, str(exc))
    if request.method != "POST":
        log_personal_read(request, dossier, AccessLog.What.RECEPTION)
    context = {
        "dossier": dossier, "forms": forms, "bo_section": "reception",
        "dossier_page": dossier_url(dossier.code),
        "estimate": _due_if_received_now(dossier.procedure, dossier.processing_agency),
        "documents": [d for d in dossier.documents.all() if d.required_document_id is None],
    }  # fmt: skip
    return render(request, "backoffice/reception_check.html", context)
