"""Forms 01 to 05 of Circular 01/2018/TT-VPCP, as PDF, from a dossier and its records.

Each function reads what the dossier services recorded (the dossier row, its components, the
supplement request, the refusal event, the apology letter, the step runs) and renders the form.
They check no access: the back office calls them after its own access check. When the record a
form is made from does not exist (a receipt for a dossier never received, an apology that was
never issued...), they raise `FormUnavailable` with a message for the official.

Paper size. The circular's annex prescribes the content of the forms, not a paper size.
Decree 30/2020/NĐ-CP (Appendix I) prints administrative documents on A4 and allows A5 for
receipts of dossiers (giấy biên nhận hồ sơ) and similar slips. So Forms 02 to 05 are A4
portrait; the receipt (Form 01) is A4 by default, because its component table, QR code and two
signature blocks do not fit an A5 page for most procedures, and `receipt_pdf(..., paper="A5")`
prints it on A5 for centres that use pre-cut A5 paper. The tracking book (Form 06, `book.py`)
is A4 landscape.

The wording of the forms is Vietnamese text in the templates, not translated: the circular
prescribes it, and a form printed in English would not be the legal document.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from catalog.models import RequiredDocument
from dossiers.lifecycle import Move
from dossiers.models import ApologyLetter, Document, Dossier, Event, SupplementRequest
from motcua.text import fold
from org.models import Agency, Official
from paperwork import text
from paperwork.handovers import hand_overs
from paperwork.rendering import FORM_LANGUAGE, qr_png, render_pdf, tracking_url

RECEIVED = (f"dossier.{Move.RECEIVE.value}", f"dossier.{Move.TRANSFER.value}")
REFUSED_AT_RECEPTION = f"dossier.{Move.REFUSE_RECEPTION.value}"
REFUSED = f"dossier.{Move.REFUSE.value}"
APOLOGISED = f"dossier.{Move.APOLOGISE.value}"
PAPER_SIZES = ("A4", "A5")


class FormUnavailable(Exception):
    """The dossier has no record this form is made from; the message is for the official.

    Messages are lazy: forms render in Vietnamese, but the message is read later, in the
    language of the official's screen."""


def _load(dossier: Dossier | int) -> Dossier:
    """The dossier with what every form prints about it, in one query."""
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    return Dossier.objects.select_related(
        "procedure",
        "applicant",
        "receiving_agency__parent",
        "receiving_agency__territory",
        "processing_agency__parent",
        "processing_agency__territory",
    ).get(pk=pk)


def _last_event(dossier: Dossier, *actions: str) -> Event | None:
    related = ("actor__user", "actor__unit__agency", "on_behalf_of__user")
    events = dossier.events.filter(action__in=actions).select_related(*related)
    return events.order_by("-seq").first()


def _common(dossier: Dossier, issuer: Agency, dated) -> dict:
    """What every form shows: the issuing agency in the header, the date line, the dossier."""
    return {
        "issuer": issuer,
        "parent": issuer.parent,
        "place": text.place(issuer),
        "date_line": text.spelled_date(dated) if dated else "",
        "dossier": dossier,
        "applicant": dossier.applicant,
        "addressed_as": text.person_term(dossier.applicant),
        "procedure": dossier.procedure,
    }


def _name(official: Official | None, fallback: str = "") -> str:
    return str(official) if official is not None else fallback


# ---------------------------------------------------------------- Form 01


def _components(dossier: Dossier) -> list[dict]:
    documents = dossier.documents.filter(role=Document.Role.COMPONENT).order_by("pk")
    return [{"name": d.name, "kind": d.get_kind_display(), "count": d.count} for d in documents]


def _receiving_unit(dossier: Dossier, received: Event | None) -> str:
    """The one-stop unit that received it (the counter step's unit, else the officer's),
    without repeating "Bộ phận tiếp nhận và trả kết quả" that the form already prints."""
    first = dossier.steps.select_related("unit__agency").order_by("arrived_at", "pk").first()
    if first is not None and first.agency_id == dossier.receiving_agency_id:
        unit = first.unit
    elif received is not None and received.actor is not None:
        unit = received.actor.unit
    else:
        return dossier.receiving_agency.name
    if fold(unit.name).startswith(fold("Bộ phận tiếp nhận và trả kết quả")):
        return unit.agency.name
    return str(unit)


def _delivery(dossier: Dossier) -> str:
    where = dossier.get_delivery_display()
    if dossier.delivery_address:
        return f"{where}: {dossier.delivery_address}"
    return where


def receipt_context(dossier: Dossier) -> dict:
    if dossier.received_at is None:
        raise FormUnavailable(_("Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận."))
    received = _last_event(dossier, *RECEIVED)
    url = tracking_url(dossier.code)
    return {
        **_common(dossier, dossier.receiving_agency, dossier.received_at),
        "receiving_unit": _receiving_unit(dossier, received),
        "components": _components(dossier),
        # One reception records one set of papers under one code.
        "sets": 1,
        "legal_time": text.legal_time(dossier.procedure),
        "received_at": text.moment(dossier.received_at),
        # The appointment given at reception, even when reprinted after an apology.
        "due_at": text.moment(dossier.original_due_at or dossier.due_at),
        "delivery": _delivery(dossier),
        "book_line": dossier.code,
        "officer": _name(received.actor, received.actor_label) if received else "",
        "tracking_url": url,
        "qr": qr_png(url),
    }


def receipt_pdf(dossier: Dossier | int, *, paper: str = "A4") -> bytes:
    """Form 01, receipt and appointment (giấy tiếp nhận hồ sơ và hẹn trả kết quả): A4 by
    default, A5 on request (see the module docstring), with a QR to public tracking."""
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper must be one of {PAPER_SIZES}")
    with translation.override(FORM_LANGUAGE):
        context = receipt_context(_load(dossier))
        context["paper"] = paper
        return render_pdf("paperwork/receipt.html", context)


# ---------------------------------------------------------------- Form 02


def _kind_label(kind: str | None, document: RequiredDocument | None) -> str:
    if kind in Document.Kind.values:
        return str(Document.Kind(kind).label)
    if document is not None and document.kind != RequiredDocument.Kind.UNSPECIFIED:
        return document.get_kind_display()
    return ""


def supplement_items(request: SupplementRequest) -> list[dict]:
    """The items as stored, with kind and count completed from the published component when
    the request left them out."""
    ids = [i.get("required_document_id") for i in request.items if i.get("required_document_id")]
    published = RequiredDocument.objects.in_bulk(ids)
    rows = []
    for item in request.items:
        document = published.get(item.get("required_document_id"))
        count = item.get("count") or (document.count if document else None)
        rows.append(
            {
                "name": item.get("name") or (document.name if document else ""),
                "kind": _kind_label(item.get("kind"), document),
                "count": count or "",
                "reason": item.get("reason") or "",
            }
        )
    return rows


def supplement_context(dossier: Dossier) -> dict:
    request = (
        SupplementRequest.objects.filter(dossier=dossier)
        .select_related("requested_by__user", "requested_by__unit__agency")
        .first()
    )
    if request is None:
        raise FormUnavailable(_("Hồ sơ không có yêu cầu bổ sung."))
    officer = request.requested_by
    issuer = officer.unit.agency
    return {
        **_common(dossier, issuer, request.requested_at),
        "supplement": request,
        "during_processing": request.stage == SupplementRequest.Stage.PROCESSING,
        "items": supplement_items(request),
        "officer": _name(officer),
        "officer_unit": str(officer.unit),
        "contact_phone": issuer.phone,
        "requested_at": text.moment(request.requested_at),
    }


def supplement_guidance_pdf(dossier: Dossier | int) -> bytes:
    """Form 02, supplement guidance (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ), A4."""
    with translation.override(FORM_LANGUAGE):
        return render_pdf("paperwork/supplement_guidance.html", supplement_context(_load(dossier)))


# ---------------------------------------------------------------- Form 03


def _signature(signer: Official | None, behalf: Official | None, fallback: str = "") -> dict:
    """A leader's signature block; 'TUQ.' when signed under a delegation (thừa ủy quyền)."""
    return {"name": _name(signer, fallback), "delegated": behalf is not None}


def refusal_context(dossier: Dossier) -> dict:
    event = _last_event(dossier, REFUSED_AT_RECEPTION, REFUSED)
    if event is None:
        raise FormUnavailable(_("Hồ sơ không bị từ chối."))
    at_reception = event.action == REFUSED_AT_RECEPTION
    issuer = dossier.receiving_agency if at_reception else dossier.processing_agency
    context = {
        **_common(dossier, issuer, event.at),
        "at_reception": at_reception,
        "reason": event.note,
        "competent_agency": (event.data or {}).get("competent_agency", ""),
        "refused_at": text.moment(event.at),
        "officer": _name(event.actor, event.actor_label),
    }
    if not at_reception:
        result = dossier.result
        context["reason"] = result.reason or event.note
        context["signature"] = _signature(result.signer, result.on_behalf_of)
    return context


def refusal_pdf(dossier: Dossier | int) -> bytes:
    """Form 03, refusal (phiếu từ chối tiếp nhận giải quyết hồ sơ), A4: at reception it is
    signed by the counter officer, after processing by the leader (or delegate) who refused."""
    with translation.override(FORM_LANGUAGE):
        return render_pdf("paperwork/refusal.html", refusal_context(_load(dossier)))


# ---------------------------------------------------------------- Form 04


def apology_context(dossier: Dossier, letter: ApologyLetter | None = None) -> dict:
    letters = dossier.apologies.select_related("signed_by__user")
    letter = letters.get(pk=letter.pk) if letter else letters.order_by("-issued_at", "-pk").first()
    if letter is None:
        raise FormUnavailable(_("Hồ sơ chưa có văn bản xin lỗi và hẹn lại."))
    event = (
        dossier.events.filter(action=APOLOGISED, at=letter.issued_at)
        .select_related("on_behalf_of__user")
        .first()
    )
    return {
        **_common(dossier, dossier.processing_agency, letter.issued_at),
        "letter": letter,
        "received_on": text.day(dossier.received_at),
        "old_due": text.moment(letter.old_due_at),
        "new_due": text.moment(letter.new_due_at),
        "signature": _signature(letter.signed_by, event.on_behalf_of if event else None),
    }


def apology_pdf(dossier: Dossier | int, letter: ApologyLetter | None = None) -> bytes:
    """Form 04, apology and new appointment (phiếu xin lỗi và hẹn lại ngày trả kết quả), A4,
    signed by the head of the processing agency. Without `letter`, the latest one."""
    with translation.override(FORM_LANGUAGE):
        return render_pdf("paperwork/apology.html", apology_context(_load(dossier), letter))


# ---------------------------------------------------------------- Form 05


def control_sheet_context(dossier: Dossier) -> dict:
    if dossier.received_at is None:
        raise FormUnavailable(_("Hồ sơ chưa được tiếp nhận nên chưa có phiếu kiểm soát."))
    return {
        **_common(dossier, dossier.receiving_agency, None),
        "received_at": text.moment(dossier.received_at),
        "due_at": text.moment(dossier.due_at),
        "original_due_at": text.moment(dossier.original_due_at),
        "rows": hand_overs(dossier),
    }


def control_sheet_pdf(dossier: Dossier | int) -> bytes:
    """Form 05, control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ), A4: one row per
    hand-over of the dossier between units, with the result of the stage handed over."""
    with translation.override(FORM_LANGUAGE):
        return render_pdf("paperwork/control_sheet.html", control_sheet_context(_load(dossier)))
