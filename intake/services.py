"""Accepting a dossier pushed by an upstream system (tiếp nhận hồ sơ liên thông từ cổng cấp trên).

The dossier is created by the same service as an online application on our portal
(`dossiers.services.reception.submit_online`): status "submitted" (national code 1), in the
receiving officer's check queue, no legal clock until an officer receives it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Procedure
from dossiers.files import inspect_upload
from dossiers.lifecycle import NATIONAL_CODES, Status
from dossiers.models import Applicant, Dossier
from dossiers.services import Actor, ApplicantData, ComponentData, DossierError, submit_online
from dossiers.services.reception import missing_mandatory, require_receivable
from intake.errors import IntakeError
from intake.models import UpstreamSubmission, UpstreamSystem
from intake.schemas import ApplicantIn, ComponentIn, PushIn
from org.models import Agency


@dataclass
class PushResult:
    dossier: Dossier
    reference: str
    created: bool

    def as_json(self) -> dict:
        status = Status(self.dossier.status)
        return {
            "code": self.dossier.code,
            "reference": self.reference,
            "status": status.value,
            "status_label": str(status.label),
            "national_status": NATIONAL_CODES[status],
            "created": self.created,
        }


@dataclass
class Plan:
    """A push checked in full: everything submit_online needs, nothing written yet."""

    procedure: Procedure
    agency: Agency
    applicant: ApplicantData
    components: list[ComponentData]
    delivery: str
    delivery_address: str


def accept_push(*, system: UpstreamSystem, payload: PushIn) -> PushResult:
    """Create the dossier of a push, or answer with the one an earlier copy created.

    1. A reference already taken by this system answers with its dossier (or a conflict when
       the content differs), before any other check: a retry must not fail on a rule that
       changed since.
    2. Check everything (procedure, agency, applicant, components, every file) before writing.
    3. In one transaction: claim the reference (unique row), create the dossier, link them.
       A copy that lost the race on the claim answers with the winner's dossier.
    """
    digest = payload_digest(payload)
    if (previous := find_previous(system, payload.reference, digest)) is not None:
        return previous
    plan = prepare(system, payload)
    try:
        return _create(system, payload.reference, digest, plan)
    except IntegrityError:
        previous = find_previous(system, payload.reference, digest)
        if previous is None:
            raise
        return previous


def payload_digest(payload: PushIn) -> str:
    canonical = json.dumps(
        payload.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def find_previous(system: UpstreamSystem, reference: str, digest: str) -> PushResult | None:
    submission = (
        UpstreamSubmission.objects.filter(system=system, reference=reference)
        .select_related("dossier")
        .first()
    )
    if submission is None or submission.dossier is None:
        return None
    if submission.payload_sha256 != digest:
        raise IntakeError(
            409,
            "reference_conflict",
            _(
                "Mã hồ sơ %(reference)s đã được gửi với nội dung khác (hồ sơ %(code)s). "
                "Mỗi hồ sơ mới cần một mã riêng."
            )
            % {"reference": reference, "code": submission.dossier.code},
        )
    return PushResult(dossier=submission.dossier, reference=reference, created=False)


@transaction.atomic
def _create(system: UpstreamSystem, reference: str, digest: str, plan: Plan) -> PushResult:
    submission = UpstreamSubmission.objects.create(
        system=system, reference=reference, payload_sha256=digest
    )
    try:
        dossier = submit_online(
            actor=upstream_actor(system), procedure=plan.procedure, applicant=plan.applicant,
            receiving_agency=plan.agency, components=plan.components, delivery=plan.delivery,
            delivery_address=plan.delivery_address,
        )  # fmt: skip
    except DossierError as exc:
        raise IntakeError(422, "rule_violation", str(exc)) from None
    submission.dossier = dossier
    submission.save(update_fields=["dossier"])
    return PushResult(dossier=dossier, reference=reference, created=True)


def upstream_actor(system: UpstreamSystem) -> Actor:
    """The events say which system pushed the dossier (role "upstream", no official)."""
    return Actor(official=None, role="upstream", label=system.name[:255])


# ---------------------------------------------------------------- checks before writing


def prepare(system: UpstreamSystem, payload: PushIn) -> Plan:
    procedure = find_procedure(payload.procedure_code)
    agency = receiving_agency(system, payload.receiving_agency)
    if payload.delivery == "post" and not payload.delivery_address.strip():
        raise IntakeError(
            422,
            "missing_delivery_address",
            _("Nhận kết quả qua bưu chính cần địa chỉ nhận (delivery_address)."),
        )
    applicant = applicant_data(payload.applicant)
    components = link_components(procedure, payload.components)
    if missing := missing_mandatory(procedure, components):
        raise IntakeError(
            422,
            "missing_component",
            _("Hồ sơ chưa đủ thành phần bắt buộc: %(items)s.") % {"items": "; ".join(missing)},
            details=missing,
        )
    attach_files(components, payload.components)
    return Plan(
        procedure=procedure, agency=agency, applicant=applicant, components=components,
        delivery=payload.delivery, delivery_address=payload.delivery_address,
    )  # fmt: skip


def find_procedure(code: str) -> Procedure:
    """The version of the procedure in force today, if it can start a legal clock."""
    procedure = (
        Procedure.objects.current(timezone.localdate())
        .filter(national_code=code.strip())
        .order_by("-version")
        .prefetch_related("documents")
        .first()
    )
    if procedure is None:
        raise IntakeError(
            422,
            "unknown_procedure",
            _("Không có thủ tục mã %(code)s đang có hiệu lực.") % {"code": code},
        )
    try:
        require_receivable(procedure, timezone.now())
    except DossierError as exc:
        raise IntakeError(422, "procedure_not_receivable", str(exc)) from None
    return procedure


def receiving_agency(system: UpstreamSystem, code: str | None) -> Agency:
    """The system's own agency, or any agency when it was registered for all of them."""
    code = (code or "").strip()
    if system.agency_id is not None:
        if code and code != system.agency.exchange_code:
            raise IntakeError(
                403,
                "agency_not_allowed",
                _("Hệ thống này chỉ được nộp hồ sơ tới %(agency)s.")
                % {"agency": system.agency.name},
            )
        return system.agency
    if not code:
        raise IntakeError(
            422, "missing_agency", _("Cần mã định danh của cơ quan tiếp nhận (receiving_agency).")
        )
    agency = Agency.objects.filter(exchange_code=code).first()
    if agency is None:
        raise IntakeError(
            422,
            "unknown_agency",
            _("Không có cơ quan tiếp nhận mã %(code)s.") % {"code": code},
        )
    return agency


def applicant_data(given: ApplicantIn) -> ApplicantData:
    """Checked with the same rules as the portal (ID number, birth date, tax code, phone)."""
    data = ApplicantData(**given.model_dump())
    try:
        Applicant(**data.__dict__).full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        details = [
            {"field": field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
        raise IntakeError(
            422,
            "invalid_applicant",
            _("Thông tin người nộp hồ sơ không hợp lệ: %(errors)s.")
            % {"errors": "; ".join(f"{d['field']}: {d['message']}" for d in details)},
            details=details,
        ) from None
    return data


def link_components(procedure: Procedure, items: list[ComponentIn]) -> list[ComponentData]:
    """Each item names a published component by its number in the procedure's list."""
    published = {d.position: d for d in procedure.documents.all()}
    unknown = sorted({i.position for i in items if i.position not in published})
    if unknown:
        raise IntakeError(
            422,
            "unknown_component",
            _("Thủ tục không có thành phần hồ sơ số %(positions)s.")
            % {"positions": ", ".join(map(str, unknown))},
            details=unknown,
        )
    return [
        ComponentData(
            name=published[i.position].name,
            kind=i.kind,
            count=i.count,
            required_document_id=published[i.position].pk,
        )
        for i in items
    ]


def attach_files(components: list[ComponentData], items: list[ComponentIn]) -> None:
    """Decode and inspect every file (type sniffed from the bytes, size limit) before anything
    is written; every bad file is reported, the first one's reason gives the error code."""
    errors = []
    for index, (component, item) in enumerate(zip(components, items, strict=True)):
        try:
            component.file = decode_file(item.file.name, item.file.content_base64)
            component.inspected = inspect_upload(component.file)
        except ValidationError as exc:
            errors.append(
                {"component": index, "code": exc.code or "bad_file", "message": exc.messages[0]}
            )
    if errors:
        raise IntakeError(422, errors[0]["code"], errors[0]["message"], details=errors)


def decode_file(name: str, content: str) -> SimpleUploadedFile:
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            _("Tệp “%(name)s” không phải dữ liệu base64 hợp lệ.") % {"name": name},
            code="bad_base64",
        ) from None
    return SimpleUploadedFile(name, data)
