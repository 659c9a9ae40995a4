"""Writes of the online application: drafts, staged files, submission, online supplement.

The moves of the dossier itself stay in `dossiers.services` (submit_online, provide_supplement):
this module prepares their input from what the citizen saved, checks that the account may make
them (ownership is ours to check: `Actor.applicant` carries only a name) and records the
`OnlineSubmission` that links the new dossier to the account, in the same transaction.
"""

from __future__ import annotations

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import steps
from applications.models import Draft, OnlineSubmission, StagedFile
from applications.selectors import acting_businesses, offers_online, receiving_choices
from catalog.models import Procedure
from citizens.models import BusinessAccount, CitizenAccount
from dossiers.files import inspect_upload
from dossiers.lifecycle import Status
from dossiers.models import Applicant, Document, Dossier, SupplementRequest
from dossiers.services import (
    Actor,
    ApplicantData,
    ComponentData,
    provide_supplement,
    submit_online,
)
from org.models import Agency

MAX_DRAFTS = 30  # open drafts per account: enough for anyone, not a free file store


class ApplicationError(Exception):
    """A request the rules refuse; the message is translated and meant for the citizen."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DraftGone(ApplicationError):
    """The draft no longer exists: a second click on "submit" found it already submitted."""


# ---------------------------------------------------------------- drafts


def start_draft(citizen: CitizenAccount, procedure: Procedure) -> Draft:
    if not offers_online(procedure):
        raise ApplicationError(_("Thủ tục này không cung cấp dịch vụ công trực tuyến."))
    if citizen.drafts.count() >= MAX_DRAFTS:
        raise ApplicationError(
            _("Bạn đã có %(n)s hồ sơ nháp. Hãy nộp hoặc xóa bớt trước khi tạo hồ sơ mới.")
            % {"n": MAX_DRAFTS}
        )
    choices = receiving_choices(procedure)
    return Draft.objects.create(
        citizen=citizen, procedure=procedure, phone=citizen.phone, address=citizen.address,
        receiving_agency=choices[0] if len(choices) == 1 else None,
    )  # fmt: skip


def save_applicant(
    draft: Draft, *, business: BusinessAccount | None, receiving_agency: Agency, phone: str,
    address: str,
) -> Draft:  # fmt: skip
    """Step 1: the citizen applies for themself (business None) or for a business they act for."""
    if business is not None and business not in acting_businesses(draft.citizen):
        raise ApplicationError(_("Bạn không đại diện cho tổ chức này."))
    if receiving_agency not in receiving_choices(draft.procedure):
        raise ApplicationError(_("Nơi tiếp nhận này không nhận hồ sơ trực tuyến của thủ tục."))
    draft.applicant_kind = Applicant.Kind.ORGANISATION if business else Applicant.Kind.PERSON
    draft.business, draft.receiving_agency = business, receiving_agency
    draft.phone, draft.address = phone, address
    draft.save()
    return draft


def save_delivery(draft: Draft, *, delivery: str, address: str) -> Draft:
    draft.delivery, draft.delivery_address = delivery, address.strip()
    draft.save(update_fields=["delivery", "delivery_address", "updated_at"])
    return draft


@transaction.atomic
def delete_draft(draft: Draft) -> None:
    files = [f.file.name for f in draft.files.exclude(file="")]
    draft.delete()
    _delete_stored_on_commit(files)


def _delete_stored_on_commit(names: list[str]) -> None:
    """Remove files from storage once the rows that pointed at them are gone for good."""
    from django.core.files.storage import default_storage

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove)


# ---------------------------------------------------------------- staged files


def _owner_kwargs(owner: Draft | Dossier) -> dict:
    return {"draft": owner} if isinstance(owner, Draft) else {"dossier": owner}


@transaction.atomic
def stage_upload(
    citizen: CitizenAccount, owner: Draft | Dossier, slot: str, upload: UploadedFile
) -> StagedFile:
    """Keep an upload for a slot at once (checked by content and size, hashed); it replaces
    whatever the slot held. Raises ValidationError for a refused file, which changes nothing."""
    described = inspect_upload(upload)
    replaced = _clear_slot(owner, slot)
    staged = StagedFile(citizen=citizen, slot=slot, **_owner_kwargs(owner), **described)
    staged.file.save(described["original_name"] or "file", upload, save=False)
    staged.save()
    _delete_stored_on_commit(replaced)
    return staged


@transaction.atomic
def stage_reuse(
    citizen: CitizenAccount, owner: Draft | Dossier, slot: str, document: Document
) -> StagedFile:
    """Use a document of the citizen's store for a slot (the caller took it from the store)."""
    replaced = _clear_slot(owner, slot)
    staged = StagedFile.objects.create(
        citizen=citizen, slot=slot, reused_from=document, original_name=document.original_name,
        content_type=document.content_type, size=document.size, sha256=document.sha256,
        **_owner_kwargs(owner),
    )  # fmt: skip
    _delete_stored_on_commit(replaced)
    return staged


@transaction.atomic
def unstage(owner: Draft | Dossier, slot: str) -> None:
    _delete_stored_on_commit(_clear_slot(owner, slot))


def _clear_slot(owner: Draft | Dossier, slot: str) -> list[str]:
    rows = list(StagedFile.objects.filter(slot=slot, **_owner_kwargs(owner)))
    names = [row.file.name for row in rows if row.file]
    StagedFile.objects.filter(pk__in=[row.pk for row in rows]).delete()
    if isinstance(owner, Draft):
        owner.save(update_fields=["updated_at"])
    return names


def _component(staged: StagedFile, **described) -> ComponentData:
    """A staged file as input of a dossier move: an upload's bytes, or a copy of the reused
    document's bytes with the link to it (the index counts reused digitised data)."""
    source = staged.file if staged.file else staged.reused_from.file
    handle = File(source.open("rb"), name=staged.original_name or "file")
    return ComponentData(
        file=handle, reused_from_id=staged.reused_from_id,
        inspected={"content_type": staged.content_type, "sha256": staged.sha256,
                   "size": staged.size, "original_name": staged.original_name},
        **described,
    )  # fmt: skip


# ---------------------------------------------------------------- submission


def _applicant_data(draft: Draft) -> ApplicantData:
    citizen = draft.citizen
    if draft.applicant_kind == Applicant.Kind.ORGANISATION:
        business = draft.business
        return ApplicantData(
            kind=Applicant.Kind.ORGANISATION, name=business.name, tax_code=business.tax_code,
            representative=citizen.full_name, address=business.address or draft.address,
            phone=draft.phone, email=citizen.email,
        )  # fmt: skip
    return ApplicantData(
        kind=Applicant.Kind.PERSON, name=citizen.full_name, personal_id=citizen.personal_id,
        address=draft.address, phone=draft.phone, email=citizen.email,
    )  # fmt: skip


def _kind(published: str | None) -> str:
    """The published kind of the component (original, certified copy, copy) when it names
    one; a scan sent online is otherwise an electronic copy."""
    return published if published in Document.Kind.values else Document.Kind.ELECTRONIC


def _draft_components(draft: Draft) -> list[ComponentData]:
    staged = {f.slot: f for f in draft.files.select_related("reused_from")}
    components = []
    for document in draft.procedure.documents.all():
        row = staged.get(steps.slot_of(document))
        if row is not None and row.attached:
            components.append(
                _component(
                    row,
                    name=document.name,
                    kind=_kind(document.kind),
                    count=document.count or 1,
                    required_document_id=document.pk,
                )
            )
    return components


@transaction.atomic
def submit_draft(draft: Draft) -> Dossier:
    """Nộp hồ sơ: the draft becomes a dossier in status "submitted" (national code 1) in the
    chosen agency's check queue, linked to the account; the draft and its files go."""
    locked = (
        Draft.objects.select_for_update(of=("self",))
        .select_related("citizen", "business")
        .filter(pk=draft.pk)
        .first()
    )
    if locked is None:  # submitted (or deleted) by a request that held the lock before us
        raise DraftGone(_("Hồ sơ nháp này đã được nộp hoặc đã bị xóa."))
    draft = locked
    unmet = steps.first_unmet(draft, steps.REVIEW)
    if unmet is not None:
        raise ApplicationError(str(unmet.message))
    components = _draft_components(draft)
    try:
        dossier = submit_online(
            actor=Actor.applicant(draft.citizen.full_name), procedure=draft.procedure,
            applicant=_applicant_data(draft), receiving_agency=draft.receiving_agency,
            components=components, delivery=draft.delivery,
            delivery_address=draft.delivery_address,
        )  # fmt: skip
    finally:
        for component in components:
            component.file.close()
    OnlineSubmission.objects.create(
        dossier=dossier, citizen=draft.citizen, business=draft.business,
        submitted_at=dossier.submitted_at or timezone.now(),
    )  # fmt: skip
    delete_draft(draft)
    return dossier


# ---------------------------------------------------------------- online supplement


def open_supplement(dossier: Dossier) -> SupplementRequest | None:
    """The request an applicant can answer on the portal: asked during processing, still open
    (a reception-stage guidance is answered at the counter, which receives the dossier)."""
    request = SupplementRequest.objects.filter(dossier=dossier).first()
    if (
        request is None
        or dossier.status != Status.AWAITING_SUPPLEMENT
        or request.stage != SupplementRequest.Stage.PROCESSING
        or request.fulfilled_at is not None
    ):
        return None
    return request


def item_slot(index: int) -> str:
    return f"i{index}"


def _supplement_components(request: SupplementRequest, staged: dict) -> list[ComponentData]:
    components = []
    for index, item in enumerate(request.items):
        row = staged.get(item_slot(index))
        if row is None or not row.attached:
            raise ApplicationError(
                _("Còn thiếu giấy tờ “%(name)s”.") % {"name": item.get("name", "")}
            )
        components.append(
            _component(
                row,
                name=item.get("name") or "",
                kind=_kind(item.get("kind")),
                count=item.get("count") or 1,
                required_document_id=item.get("required_document_id"),
            )
        )
    return components


@transaction.atomic
def send_supplement(citizen: CitizenAccount, dossier: Dossier) -> Dossier:
    """Nộp bổ sung trực tuyến: every listed item, then `provide_supplement` restarts the clock.
    The caller has checked that the citizen may see the dossier."""
    request = open_supplement(dossier)
    if request is None:
        raise ApplicationError(_("Hồ sơ không có yêu cầu bổ sung đang chờ."))
    rows = StagedFile.objects.filter(dossier=dossier).select_related("reused_from")
    staged = {row.slot: row for row in rows}
    components = _supplement_components(request, staged)
    try:
        dossier = provide_supplement(
            actor=Actor.applicant(citizen.full_name), dossier=dossier, components=components
        )
    finally:
        for component in components:
            component.file.close()
    names = [row.file.name for row in staged.values() if row.file]
    StagedFile.objects.filter(dossier=dossier).delete()
    _delete_stored_on_commit(names)
    return dossier


__all__ = ["ApplicationError", "acting_businesses"]
