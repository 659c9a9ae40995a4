"""Reception moves: online submission, counter reception, checking an online submission,
supplement guidance at reception (Form 02) and refusal at reception (Form 03)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Procedure, ProcessTemplate
from dossiers.files import inspect_upload
from dossiers.lifecycle import Move, Status
from dossiers.models import Applicant, Document, Dossier, SupplementRequest
from dossiers.models.applicants import identified_by
from dossiers.models.dossier import Channel, Delivery
from dossiers.services import steps
from dossiers.services.core import (
    Actor,
    RuleViolation,
    append_event,
    compute_due,
    items_payload,
    lock,
    next_status,
    now_or,
    require_official,
    require_role,
    save_changed,
    work_calendar,
)
from motcua.compiled_sql import PreparedInstances
from notifications.services import notify_applicant
from org.models import Agency, Official, Role
from workdays import clock


@dataclass
class ApplicantData:
    """Applicant details typed at the counter or on the portal (validated on save)."""

    kind: str
    name: str
    personal_id: str = ""
    birth_date: dt.date | None = None
    tax_code: str = ""
    representative: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class ComponentData:
    """One component handed in: which published component, kind, count, and its scan."""

    name: str
    kind: str
    count: int = 1
    required_document_id: int | None = None
    file: UploadedFile | None = None
    reused_from_id: int | None = None
    inspected: dict = field(default_factory=dict)


# Never overwritten by details typed for a new dossier: the row id, and the applicant's own
# choices (the language of their notifications), which only they change.
NOT_UPDATED = frozenset({"id", "language"})


def find_or_create_applicant(
    data: ApplicantData | Applicant, *, update_existing: bool = True
) -> Applicant:
    """By personal ID or tax code. At the counter, where an officer checked the papers, new
    details update the stored ones; an unverified online submission never changes them."""
    if isinstance(data, Applicant):
        return data
    candidate = Applicant(**data.__dict__)
    candidate.full_clean(validate_unique=False, validate_constraints=False)
    key = (
        {"personal_id": candidate.personal_id}
        if candidate.kind == Applicant.Kind.PERSON
        else {"tax_code": candidate.tax_code}
    )
    ((name, value),) = key.items()
    existing = APPLICANT_BY[name].first(value=value)
    if existing is None:
        candidate.save()
        return candidate
    if not update_existing:
        return existing
    for name, value in candidate.__dict__.items():
        if not name.startswith("_") and name not in NOT_UPDATED and value not in ("", None):
            setattr(existing, name, value)
    existing.save()
    return existing


def next_code(agency: Agency, day: dt.date) -> str:
    """`<exchange code>-<YYMMDD>-<NNNN>` from one atomic upsert (Circular 01/2018 Art. 19)."""
    first = reserve_numbers({(agency.pk, day): 1})[(agency.pk, day)]
    return dossier_code(agency, day, first)


def dossier_code(agency: Agency, day: dt.date, number: int) -> str:
    """The code of the `number`-th dossier an agency received on `day`."""
    return f"{agency.exchange_code}-{day:%y%m%d}-{number:04d}"


COUNTER_TABLE = "dossiers_dossiercounter"


def reserve_numbers(counts: dict[tuple[int, dt.date], int]) -> dict[tuple[int, dt.date], int]:
    """Reserve `n` consecutive code numbers for each (agency id, day); the first of each.

    One atomic upsert, so concurrent writers (receptions, the demo generator's processes) get
    distinct numbers; the rows are locked in (day, agency) order, one order for every writer,
    so two transactions reserving overlapping keys wait for each other instead of deadlocking.
    """
    keys = sorted(counts, key=lambda k: (k[1], k[0]))
    if not keys:
        return {}
    values = ", ".join(["(%s, %s, %s)"] * len(keys))
    params = [v for key in keys for v in (key[0], key[1], counts[key])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {COUNTER_TABLE} (agency_id, day, last) VALUES {values} "
            f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {COUNTER_TABLE}.last + "
            f"excluded.last RETURNING agency_id, day, last",
            params,
        )
        rows = cursor.fetchall()
    first = {}
    for agency, day, last in rows:
        key = (agency, _as_date(day))
        first[key] = last - counts[key] + 1
    return first


def _as_date(value: dt.date | str) -> dt.date:
    """SQLite's RETURNING gives the day back as text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def inspect_components(components: list[ComponentData]) -> None:
    """Check every file before writing anything, so one bad file loses nothing else."""
    for component in components:
        if component.file is not None and not component.inspected:
            component.inspected = inspect_upload(component.file)


def save_components(
    dossier: Dossier, components: list[ComponentData], role: str, by: Official | None,
    at: dt.datetime,
) -> list[Document]:  # fmt: skip
    """The components' rows, in one INSERT (files are stored first; no signal listens on
    documents)."""
    documents = []
    for c in components:
        doc = Document(
            dossier=dossier, role=role, required_document_id=c.required_document_id,
            name=c.name[:500], kind=c.kind, count=c.count, reused_from_id=c.reused_from_id,
            digitised=c.file is not None or c.reused_from_id is not None, uploaded_by=by,
            uploaded_at=at, **c.inspected,
        )  # fmt: skip
        if c.file is not None:
            doc.file.save(c.inspected["original_name"] or "file", c.file, save=False)
        documents.append(doc)
    return Document.objects.bulk_create(documents) if documents else []


def missing_mandatory(procedure: Procedure, components: list[ComponentData]) -> list[str]:
    """Names of the unconditional mandatory components not handed in."""
    given = {c.required_document_id for c in components}
    return [
        d.name
        for d in procedure.documents.all()
        if d.mandatory and not d.condition and d.pk not in given
    ]


def _require_complete(dossier: Dossier, components: list[ComponentData]) -> None:
    """Reception needs every unconditional mandatory component, handed in now or before."""
    held = [
        ComponentData(name="", kind="", required_document_id=pk)
        for pk in dossier.documents.values_list("required_document_id", flat=True)
    ]
    require_mandatory(dossier.procedure, [*held, *components])


def require_receivable(procedure: Procedure, at: dt.datetime) -> None:
    """Only a version in force with a known legal time can start a legal clock."""
    if not Procedure.objects.current(timezone.localdate(at)).filter(pk=procedure.pk).exists():
        raise RuleViolation(_("Phiên bản thủ tục này không còn hoặc chưa có hiệu lực."))
    if not procedure.has_legal_time:
        raise RuleViolation(
            _("Thủ tục chưa có thời hạn giải quyết đã xác minh; quản trị cần rà soát trước.")
        )


def require_mandatory(procedure: Procedure, components: list[ComponentData]) -> None:
    if missing := missing_mandatory(procedure, components):
        raise RuleViolation(
            _("Hồ sơ chưa đủ thành phần bắt buộc: %(items)s. Hãy hướng dẫn bổ sung (Mẫu 02).")
            % {"items": "; ".join(missing)}
        )


def process_for(procedure: Procedure, agency: Agency) -> ProcessTemplate | None:
    return PROCESS_FOR.first(procedure_id=procedure.pk, agency_id=agency.pk)


def _process_for(procedure_id: int, agency_id: int) -> QuerySet[ProcessTemplate]:
    processes = ProcessTemplate.objects.filter(
        Q(agency__isnull=True) | Q(agency_id=agency_id), procedure_id=procedure_id
    )
    # The agency's own process wins over the general one (NULLs last on every database).
    return processes.order_by(F("agency").desc(nulls_last=True), "pk")[:1]


def processing_agency_for(procedure: Procedure, receiving: Agency, chosen: Agency | None) -> Agency:
    """The agency that decides: the chosen one; else the receiving centre if it handles the
    procedure (or nobody is listed); else, as any centre may receive (Decree 118/2025), the
    first handler of the centre's own area, else the first handler, in the agencies' order.

    One query on the procedure's links (indexed by procedure) that ranks the handlers in SQL
    (the centre itself, then its area, then the others) and returns one row, rather than a
    load of every handler of a procedure that many agencies handle."""
    if chosen is not None:
        return chosen
    best = BEST_HANDLER.first(
        procedure_id=procedure.pk, receiving_id=receiving.pk, territory_id=receiving.territory_id
    )
    return receiving if best is None or best.pk == receiving.pk else best


def _best_handler(procedure_id: int, receiving_id: int, territory_id: int) -> QuerySet[Agency]:
    rank = Case(
        When(pk=receiving_id, then=Value(0)),
        When(territory_id=territory_id, then=Value(1)),
        default=Value(2),
    )
    handlers = Agency.objects.filter(procedures=procedure_id).alias(rank=rank)
    return handlers.order_by("rank", *Agency._meta.ordering)[:1]


def _applicant_with(name: str, value: str) -> QuerySet[Applicant]:
    return Applicant.objects.filter(identified_by(name, value)).order_by("pk")[:1]


# Reads of every submission and reception, compiled once per process (motcua.compiled_sql).
NO_ID = "\x00no-id\x00"
APPLICANT_BY = {
    name: PreparedInstances(
        f"reception.applicant_by_{name}",
        functools.partial(_applicant_with, name),
        value=NO_ID,
    )
    for name in ("personal_id", "tax_code")
}
PROCESS_FOR = PreparedInstances(
    "reception.process_for", _process_for, procedure_id=-7_000_047, agency_id=-7_000_048
)
BEST_HANDLER = PreparedInstances(
    "reception.best_handler", _best_handler,
    procedure_id=-7_000_049, receiving_id=-7_000_050, territory_id=-7_000_051,
)  # fmt: skip


def _new_dossier(
    *, procedure: Procedure, applicant: Applicant, receiving: Agency, processing: Agency,
    channel: str, delivery: str, delivery_address: str, status: Status, at: dt.datetime,
) -> Dossier:  # fmt: skip
    return Dossier.objects.create(
        code=next_code(receiving, timezone.localdate(at)),
        procedure=procedure,
        process=process_for(procedure, processing),
        receiving_agency=receiving,
        processing_agency=processing,
        applicant=applicant,
        channel=channel,
        delivery=delivery,
        delivery_address=delivery_address,
        status=status,
        submitted_at=at if channel == Channel.ONLINE else None,
        fee_amount=procedure.fee_amount,
    )


# What reception sets on the dossier when the legal clock starts.
CLOCK_FIELDS = ("received_at", "clock_start", "due_at", "original_due_at", "current_step")


def _start_clock(dossier: Dossier, officer: Official | None, at: dt.datetime) -> None:
    """Reception: normalise the moment (cut-off, hours, days off), compute due, open step 1."""
    cal = work_calendar(dossier.processing_agency)
    dossier.received_at = at
    dossier.clock_start = clock.normalise_reception(cal, at)
    # Reception starts the clock: no apology or pause can exist before it (fresh=True).
    dossier.due_at = dossier.original_due_at = compute_due(dossier, fresh=True)
    steps.open_first_step(dossier, officer, at)


@transaction.atomic
def receive_dossier(
    *, actor: Actor, procedure: Procedure, applicant: ApplicantData | Applicant,
    components: list[ComponentData], delivery: str = Delivery.COUNTER,
    delivery_address: str = "", processing_agency: Agency | None = None,
    channel: str = Channel.IN_PERSON, at: dt.datetime | None = None,
) -> Dossier:  # fmt: skip
    """Counter reception of a complete dossier: receipt (Form 01) with the due moment."""
    at = now_or(at)
    officer = require_official(actor)
    receiving = officer.unit.agency
    require_role(actor, Role.COUNTER_OFFICER, receiving)
    status = next_status(None, Move.RECEIVE)
    require_receivable(procedure, at)
    require_mandatory(procedure, components)
    inspect_components(components)
    person = find_or_create_applicant(applicant)
    processing = processing_agency_for(procedure, receiving, processing_agency)
    dossier = _new_dossier(
        procedure=procedure, applicant=person, receiving=receiving, processing=processing,
        channel=channel, delivery=delivery, delivery_address=delivery_address, status=status,
        at=at,
    )  # fmt: skip
    save_components(dossier, components, Document.Role.COMPONENT, officer, at)
    _start_clock(dossier, officer, at)
    event = append_event(
        dossier, move=Move.RECEIVE, actor=actor, at=at, before="",
        data={"code": dossier.code, "due_at": dossier.due_at.isoformat(),
              "components": len(components)},
    )  # fmt: skip
    save_changed(dossier, *CLOCK_FIELDS)
    notify_applicant(event)
    return dossier


@transaction.atomic
def submit_online(
    *, actor: Actor, procedure: Procedure, applicant: ApplicantData | Applicant,
    receiving_agency: Agency, components: list[ComponentData],
    delivery: str = Delivery.ONLINE, delivery_address: str = "", at: dt.datetime | None = None,
) -> Dossier:  # fmt: skip
    """An online application (national code 1): no clock until an officer receives it."""
    at = now_or(at)
    if actor.official is not None:
        raise RuleViolation(_("Nộp trực tuyến do người nộp hồ sơ thực hiện trên cổng."))
    status = next_status(None, Move.SUBMIT)
    require_receivable(procedure, at)
    inspect_components(components)
    person = find_or_create_applicant(applicant, update_existing=False)
    dossier = _new_dossier(
        procedure=procedure, applicant=person, receiving=receiving_agency,
        processing=processing_agency_for(procedure, receiving_agency, None),
        channel=Channel.ONLINE, delivery=delivery, delivery_address=delivery_address,
        status=status, at=at,
    )  # fmt: skip
    save_components(dossier, components, Document.Role.COMPONENT, None, at)
    event = append_event(
        dossier, move=Move.SUBMIT, actor=actor, at=at, before="", data={"code": dossier.code}
    )
    save_changed(dossier)
    notify_applicant(event)
    return dossier


@transaction.atomic
def receive_submitted(
    *, actor: Actor, dossier: Dossier, components: list[ComponentData] | None = None,
    at: dt.datetime | None = None,
) -> Dossier:  # fmt: skip
    """Check an online submission (or a dossier back after reception guidance) as complete."""
    at = now_or(at)
    dossier = lock(dossier)
    officer = require_role(actor, Role.COUNTER_OFFICER, dossier.receiving_agency)
    before = dossier.status
    dossier.status = next_status(dossier, Move.RECEIVE)
    if before == Status.AWAITING_SUPPLEMENT:
        supplement = dossier.supplement
        if supplement.stage != SupplementRequest.Stage.RECEPTION:
            raise RuleViolation(_("Hồ sơ đang chờ bổ sung trong quá trình giải quyết."))
        supplement.fulfilled_at = at
        supplement.save(update_fields=["fulfilled_at"])
    components = components or []
    _require_complete(dossier, components)
    if components:
        inspect_components(components)
        save_components(dossier, components, Document.Role.COMPONENT, officer, at)
    _start_clock(dossier, officer, at)
    event = append_event(
        dossier, move=Move.RECEIVE, actor=actor, at=at, before=before,
        data={"code": dossier.code, "due_at": dossier.due_at.isoformat()},
    )  # fmt: skip
    save_changed(dossier, "status", *CLOCK_FIELDS)
    notify_applicant(event)
    return dossier


@transaction.atomic
def guide_supplement_at_reception(
    *, actor: Actor, items: list[dict], reason: str, dossier: Dossier | None = None,
    procedure: Procedure | None = None, applicant: ApplicantData | Applicant | None = None,
    at: dt.datetime | None = None,
) -> Dossier:  # fmt: skip
    """Incomplete at reception: one written guidance listing every missing item (Form 02)."""
    at = now_or(at)
    officer = require_official(actor)
    if dossier is not None:
        dossier = lock(dossier)
        require_role(actor, Role.COUNTER_OFFICER, dossier.receiving_agency)
    else:
        require_role(actor, Role.COUNTER_OFFICER, officer.unit.agency)
    before = dossier.status if dossier else ""
    status = next_status(dossier, Move.GUIDE_SUPPLEMENT)
    if not items or not reason.strip():
        raise RuleViolation(_("Phải liệt kê đầy đủ các giấy tờ cần bổ sung và nêu lý do."))
    if dossier is None:
        dossier = _counter_dossier(officer, procedure, applicant, status, at)
    dossier.status = status
    SupplementRequest.objects.create(
        dossier=dossier, stage=SupplementRequest.Stage.RECEPTION, items=items_payload(items),
        reason=reason, requested_by=officer, requested_at=at,
    )  # fmt: skip
    event = append_event(
        dossier, move=Move.GUIDE_SUPPLEMENT, actor=actor, at=at, before=before, note=reason,
        data={"items": items_payload(items)},
    )  # fmt: skip
    save_changed(dossier, "status")
    notify_applicant(event)
    return dossier


def _counter_dossier(officer, procedure, applicant, status, at) -> Dossier:
    if procedure is None or applicant is None:
        raise RuleViolation(_("Cần chọn thủ tục và người nộp hồ sơ."))
    receiving = officer.unit.agency
    return _new_dossier(
        procedure=procedure, applicant=find_or_create_applicant(applicant), receiving=receiving,
        processing=processing_agency_for(procedure, receiving, None), channel=Channel.IN_PERSON,
        delivery=Delivery.COUNTER, delivery_address="", status=status, at=at,
    )  # fmt: skip


@transaction.atomic
def refuse_reception(
    *, actor: Actor, reason: str, dossier: Dossier | None = None,
    procedure: Procedure | None = None, applicant: ApplicantData | Applicant | None = None,
    competent_agency: str = "", at: dt.datetime | None = None,
) -> Dossier:  # fmt: skip
    """Not eligible (Form 03, concrete reason) or not ours (guidance to the competent agency)."""
    at = now_or(at)
    officer = require_official(actor)
    if not reason.strip():
        raise RuleViolation(_("Phải nêu rõ lý do từ chối tiếp nhận."))
    if dossier is not None:
        dossier = lock(dossier)
        require_role(actor, Role.COUNTER_OFFICER, dossier.receiving_agency)
    else:
        require_role(actor, Role.COUNTER_OFFICER, officer.unit.agency)
    before = dossier.status if dossier else ""
    status = next_status(dossier, Move.REFUSE_RECEPTION)
    if dossier is None:
        dossier = _counter_dossier(officer, procedure, applicant, status, at)
    dossier.status = status
    dossier.finished_at = at
    event = append_event(
        dossier, move=Move.REFUSE_RECEPTION, actor=actor, at=at, before=before, note=reason,
        data={"competent_agency": competent_agency},
    )  # fmt: skip
    save_changed(dossier, "status", "finished_at")
    notify_applicant(event)
    return dossier


__all__ = [
    "ApplicantData",
    "ComponentData",
    "guide_supplement_at_reception",
    "receive_dossier",
    "receive_submitted",
    "refuse_reception",
    "submit_online",
]
